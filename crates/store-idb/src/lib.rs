//! Moonkeep's browser store: every record in one IndexedDB object store, keys and
//! values as binary (`Uint8Array`, stored by the browser as `ArrayBuffer`), never as
//! JSON arrays of numbers. A save point is one read-write transaction, so a tab closed
//! mid-save leaves the previous save point whole.
//!
//! IndexedDB is asynchronous, so this store does not implement the engine's
//! synchronous `Store` trait; it offers the same two operations as futures.
//! (It compiles natively so the workspace builds, but only runs in a browser.)
#![forbid(unsafe_code)]

mod copy;

use std::cell::RefCell;
use std::rc::Rc;

use copy::Copy;
use indexed_db_futures::database::Database;
use indexed_db_futures::prelude::*;
use indexed_db_futures::transaction::TransactionMode;
use indexed_db_futures::KeyRange;
use js_sys::Uint8Array;
use moonkeep_engine::{Change, Records, StoreError};
use wasm_bindgen::{JsCast, JsValue};

/// The database and object store names.
pub const DATABASE: &str = "moonkeep";
/// The key of the record naming the current version (FORMAT.md R1).
const META: &[u8] = b"meta";
const RECORDS: &str = "records";
/// Version 1: one object store of records with out-of-line binary keys.
const SCHEMA_VERSION: u32 = 1;

pub struct IdbStore {
    db: Database,
    /// Every record, once `records` read them, kept in step with this store's commits.
    copy: RefCell<Copy>,
}

impl IdbStore {
    /// Opens (creating or upgrading) the database of this origin. The browser is asked
    /// at once, not when the future is first polled, so the page can go on starting
    /// while IndexedDB opens.
    pub fn open() -> impl std::future::Future<Output = Result<IdbStore, StoreError>> {
        let request = Database::open(DATABASE)
            .with_version(SCHEMA_VERSION)
            .with_on_upgrade_needed(|event, db| {
                if event.old_version() < 1.0 {
                    db.create_object_store(RECORDS).build()?;
                }
                Ok(())
            })
            .build();
        async move {
            let opened = match request {
                Ok(request) => request.await,
                Err(e) => Err(e),
            };
            let db = opened.map_err(|e| StoreError(format!("IndexedDB could not be opened: {e}")))?;
            Ok(IdbStore { db, copy: RefCell::default() })
        }
    }

    /// Every record, in key order.
    pub async fn load(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
        self.load_range(None).await
    }

    /// Every record, in key order, as `load` reads them, but read once: then a copy that
    /// this store's commits keep in step, while its meta record names `version`, the
    /// version the caller knows the store stands at (another tab's commit names a newer
    /// one: everything is read again). What the history's views, comparisons and
    /// restores read.
    pub async fn records(&self, version: u64) -> Result<Rc<Records>, StoreError> {
        let copy = self.copy.borrow().get().filter(|copy| {
            let meta = copy.binary_search_by(|(k, _)| k.as_slice().cmp(META)).ok().map(|i| copy[i].1.clone());
            meta_version(meta).is_ok_and(|copied| copied == version)
        });
        if let Some(copy) = copy {
            return Ok(copy);
        }
        let commits = self.copy.borrow().commits();
        let records = Rc::new(self.load().await?);
        self.copy.borrow_mut().keep(records.clone(), commits);
        Ok(records)
    }

    /// The records of the current Memory (FORMAT.md R1: `meta`, objects, prototypes and
    /// `retention`), without the history: what a restore reads.
    pub async fn load_live(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
        self.load_range(Some((b"m", b"v"))).await
    }

    /// The version the store stands at, from its meta record alone (0 when empty).
    pub async fn version(&self) -> Result<u64, StoreError> {
        let meta = self.load_range(Some((META, b"meta\0"))).await?.pop().map(|(_, value)| value);
        meta_version(meta)
    }

    /// The version entries (`v` keys) alone: what a list of the history reads.
    pub async fn load_versions(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
        self.load_range(Some((b"v", b"w"))).await
    }

    /// The entries of versions `first` to `last`, both included (their keys order as
    /// their numbers: big-endian): what the history's list reads, a page at a time.
    pub async fn load_versions_between(&self, first: u64, last: u64) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
        let key = |n: u64| [&b"v"[..], &n.to_be_bytes()].concat();
        let to = last.checked_add(1).map_or_else(|| b"w".to_vec(), key);
        self.load_range(Some((&key(first), &to))).await
    }

    /// The history's records (`h` and `v` keys) with the `retention` record, and no
    /// object or prototype: what measuring the history reads.
    pub async fn load_history(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
        let mut records = self.load_range(Some((b"h", b"i"))).await?;
        records.extend(self.load_range(Some((b"retention", b"retention\0"))).await?);
        records.extend(self.load_versions().await?);
        Ok(records)
    }

    /// The records whose keys lie in `from..to` (bytes compare as IndexedDB orders
    /// binary keys), or every record, in key order. Keys and values are asked for
    /// together, in one read transaction (one round trip to the browser's store).
    async fn load_range(&self, keys: Option<(&[u8], &[u8])>) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
        let fail = |e: indexed_db_futures::error::Error| StoreError(format!("IndexedDB could not be read: {e}"));
        let tx = self.db.transaction(RECORDS).build().map_err(fail)?;
        let store = tx.object_store(RECORDS).map_err(fail)?;
        // Every key Moonkeep writes is binary, and the empty one is the least of them.
        let range = match keys {
            Some((from, to)) => KeyRange::Bound(array(from), false, array(to), true),
            None => KeyRange::LowerBound(array(&[]), false),
        };
        let keys = store.get_all_keys::<JsValue>().with_query::<JsValue, _>(range.clone()).primitive().map_err(fail)?;
        let values = store.get_all::<JsValue>().with_query::<JsValue, _>(range).primitive().map_err(fail)?;
        let keys: Vec<JsValue> = keys.await.map_err(fail)?.collect::<Result<_, _>>().map_err(fail)?;
        let values: Vec<JsValue> = values.await.map_err(fail)?.collect::<Result<_, _>>().map_err(fail)?;
        if keys.len() != values.len() {
            return Err(StoreError(format!(
                "IndexedDB could not be read: {} keys but {} values in one transaction",
                keys.len(),
                values.len()
            )));
        }
        keys.iter().zip(values.iter()).map(|(k, v)| Ok((bytes(k)?, bytes(v)?))).collect()
    }

    /// Applies every change in one transaction: all of them, or none.
    pub async fn commit(&self, changes: &[Change]) -> Result<(), StoreError> {
        self.apply(None, changes).await
    }

    /// Like `commit`, but only if the store still stands at version `expected` (as its
    /// `meta` record says, read in the same transaction; an empty store stands at 0):
    /// a tab that saves never writes over versions another tab committed meanwhile.
    pub async fn commit_at(&self, expected: u64, changes: &[Change]) -> Result<(), StoreError> {
        self.apply(Some(expected), changes).await
    }

    async fn apply(&self, expected: Option<u64>, changes: &[Change]) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        let fail = |e: indexed_db_futures::error::Error| StoreError(describe(&e));
        let tx = self.db.transaction(RECORDS).with_mode(TransactionMode::Readwrite).build().map_err(fail)?;
        let store = tx.object_store(RECORDS).map_err(fail)?;
        if let Some(expected) = expected {
            // Only this transaction's own request is awaited: it stays active.
            let meta: Option<JsValue> = store.get(array(META)).primitive().map_err(fail)?.await.map_err(fail)?;
            let stored = meta_version(meta.as_ref().map(bytes).transpose()?)
                .map_err(|e| StoreError(format!("Memory was not saved: {}", e.0)))?;
            if stored != expected {
                // Dropped uncommitted: the transaction rolls back, nothing was written.
                return Err(StoreError(format!(
                    "Memory was not saved: the store is at version {stored}, saved by another tab, and this tab \
                     stood at version {expected}"
                )));
            }
        }
        for change in changes {
            match change {
                Change::Put { key, value } => {
                    store.put(array(value)).with_key(array(key)).primitive().map_err(fail)?;
                }
                Change::Delete { key } => {
                    store.delete(array(key)).primitive().map_err(fail)?;
                }
                // Only this transaction's own request is awaited: it stays active.
                Change::Archive { key, to } => {
                    let old: Option<JsValue> = store.get(array(key)).primitive().map_err(fail)?.await.map_err(fail)?;
                    if let Some(old) = old {
                        store.put(old).with_key(array(to)).primitive().map_err(fail)?;
                        store.delete(array(key)).primitive().map_err(fail)?;
                    }
                }
            }
        }
        tx.commit().await.map_err(fail)?;
        self.copy.borrow_mut().committed(changes);
        Ok(())
    }
}

/// The version a meta record names; an empty store (no meta record) stands at 0.
fn meta_version(meta: Option<Vec<u8>>) -> Result<u64, StoreError> {
    let Some(meta) = meta else { return Ok(0) };
    moonkeep_engine::history::meta(&[(META.to_vec(), meta)]).map(|m| m.version).map_err(|e| StoreError(e.to_string()))
}

fn array(bytes: &[u8]) -> JsValue {
    Uint8Array::from(bytes).into()
}

/// Bytes of a stored key or value (IndexedDB gives binary keys back as ArrayBuffer).
fn bytes(value: &JsValue) -> Result<Vec<u8>, StoreError> {
    if let Some(buffer) = value.dyn_ref::<js_sys::ArrayBuffer>() {
        return Ok(Uint8Array::new(buffer).to_vec());
    }
    if let Some(array) = value.dyn_ref::<Uint8Array>() {
        return Ok(array.to_vec());
    }
    Err(StoreError("IndexedDB holds a record that is not binary: not written by Moonkeep".into()))
}

fn describe(e: &indexed_db_futures::error::Error) -> String {
    let text = e.to_string();
    if text.contains("Quota") {
        format!("the browser's storage quota is full, so Memory was not saved (the last save is intact): {text}")
    } else {
        format!("Memory could not be saved to IndexedDB (the last save is intact): {text}")
    }
}
