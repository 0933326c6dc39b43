//! Where save points go: a key-value `Store` of records, committed in atomic batches.
//!
//! The engine never waits on storage: a save point is a list of [`Change`]s that a
//! host applies to its store (synchronously through this trait natively, or
//! asynchronously in the browser's IndexedDB), then reports back whether it landed.

use std::collections::BTreeMap;

/// One change to a store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Put {
        key: Vec<u8>,
        value: Vec<u8>,
    },
    Delete {
        key: Vec<u8>,
    },
    /// Moves the record at `key` to `to` (replacing what `to` held), if there is one:
    /// how a save point keeps the record it replaces in the history without the
    /// engine holding the old bytes.
    Archive {
        key: Vec<u8>,
        to: Vec<u8>,
    },
}

/// A store's records: keys and values, in key order.
pub type Records = Vec<(Vec<u8>, Vec<u8>)>;

/// A failure of the storage itself (disk full, file locked, database damaged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

/// Records by key, committed atomically.
pub trait Store {
    /// Every committed record, in key order.
    fn load(&self) -> Result<Records, StoreError>;

    /// Applies every change or none: after a crash at any point during `commit`, a
    /// later `load` sees the state before it or the state after it, never a mix.
    fn commit(&mut self, changes: &[Change]) -> Result<(), StoreError>;
}

/// A store in memory, for tests and for sessions that cannot persist.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    records: BTreeMap<Vec<u8>, Vec<u8>>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Number of records held.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Total bytes of keys and values held.
    pub fn bytes(&self) -> usize {
        self.records.iter().map(|(k, v)| k.len() + v.len()).sum()
    }

    /// Direct access for tests that damage records on purpose.
    pub fn records_mut(&mut self) -> &mut BTreeMap<Vec<u8>, Vec<u8>> {
        &mut self.records
    }
}

impl Store for MemoryStore {
    fn load(&self) -> Result<Records, StoreError> {
        Ok(self.records.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }

    fn commit(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        for change in changes {
            match change {
                Change::Put { key, value } => {
                    self.records.insert(key.clone(), value.clone());
                }
                Change::Delete { key } => {
                    self.records.remove(key);
                }
                Change::Archive { key, to } => {
                    if let Some(value) = self.records.remove(key) {
                        self.records.insert(to.clone(), value);
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_store_applies_puts_and_deletes_in_order() {
        let mut store = MemoryStore::new();
        let put = |k: &[u8], v: &[u8]| Change::Put { key: k.to_vec(), value: v.to_vec() };
        store.commit(&[put(b"a", b"1"), put(b"b", b"2"), put(b"a", b"3")]).unwrap();
        store.commit(&[Change::Delete { key: b"b".to_vec() }]).unwrap();
        assert_eq!(store.load().unwrap(), vec![(b"a".to_vec(), b"3".to_vec())]);
        assert_eq!(store.bytes(), 2);
    }

    #[test]
    fn memory_store_archives_a_record_that_exists_and_ignores_one_that_does_not() {
        let mut store = MemoryStore::new();
        let archive = |k: &[u8], to: &[u8]| Change::Archive { key: k.to_vec(), to: to.to_vec() };
        store.commit(&[Change::Put { key: b"a".to_vec(), value: b"1".to_vec() }]).unwrap();
        store.commit(&[archive(b"a", b"h1"), archive(b"b", b"h2")]).unwrap();
        assert_eq!(store.load().unwrap(), vec![(b"h1".to_vec(), b"1".to_vec())]);
    }
}
