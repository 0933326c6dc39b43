//! Moonkeep's native [`Store`]: every record in one redb database file.
//!
//! redb is pure Rust (no C toolchain to build or cross-compile), keeps a database in a
//! single file, and stores it as copy-on-write B-trees whose commits are atomic: a crash
//! at any moment leaves either the previous commit or the new one, never a mix.
#![forbid(unsafe_code)]

use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::thread::sleep;
use std::time::{Duration, Instant};

mod recover;
mod salvage;

pub use recover::Recovery;
pub use salvage::serve_salvage_read;

use moonkeep_engine::{Change, Store, StoreError};
use redb::{ConcurrencyMode, Database, Durability, ReadableDatabase, TableDefinition};

/// The single table: raw key bytes to raw value bytes, as the engine writes them.
const RECORDS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("records");

/// How long [`RedbStore::open`] waits for another process to let go of the file.
const DEFAULT_WAIT: Duration = Duration::from_secs(5);
/// Pause between attempts while the file is held.
const RETRY_PAUSE: Duration = Duration::from_millis(50);

/// A [`Store`] backed by a redb database file. A writer holds the file open (and
/// locked) while alive; a reader holds the records it read.
pub struct RedbStore {
    handle: Handle,
    path: PathBuf,
    recovery: Option<Recovery>,
}

enum Handle {
    /// The one process that writes. Other processes may read beside it.
    Writer(Database),
    /// The last committed state, read once by a reader (none if there is no file).
    Loaded(Vec<(Vec<u8>, Vec<u8>)>),
}

impl RedbStore {
    /// Opens the database at `path` for writing, creating it (and its folders) if
    /// missing. If another process writes to the file, retries for about 5 seconds
    /// before giving up. A damaged file is rebuilt from what can be read of it and kept
    /// aside ([`RedbStore::recovery`] says what happened).
    pub fn open(path: &Path) -> Result<RedbStore, StoreError> {
        RedbStore::open_with_wait(path, DEFAULT_WAIT)
    }

    /// [`RedbStore::open`] with a chosen wait for a file held by another process.
    pub fn open_with_wait(path: &Path, wait: Duration) -> Result<RedbStore, StoreError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|err| {
                StoreError(format!(
                    "Could not create the folder {} for the Moonkeep database: {err}. {}",
                    dir.display(),
                    hint(err.kind())
                ))
            })?;
        }
        refuse_empty(path)?;
        let (db, recovery) = match open_writer(path, wait) {
            Ok(db) => (db, None),
            Err(err) if recover::is_damage(&err) && recover::looks_like_redb(path) => {
                let recovery = recover::rebuild(path, &err)?;
                (open_writer(path, wait).map_err(|err| describe(path, "open", err.into()))?, Some(recovery))
            }
            Err(err) => return Err(describe(path, "open", err.into())),
        };
        let store = RedbStore { handle: Handle::Writer(db), path: path.to_path_buf(), recovery };
        // Create the table up front, so that `load` on a new file finds it empty.
        store.write(|_| Ok(()))?;
        Ok(store)
    }

    /// Opens the database at `path` to read the last committed state, without ever
    /// changing the file; another process may be writing to it meanwhile. A file that
    /// does not exist reads as empty (and is not created).
    pub fn open_read_only(path: &Path) -> Result<RedbStore, StoreError> {
        let store =
            |records, recovery| RedbStore { handle: Handle::Loaded(records), path: path.to_path_buf(), recovery };
        if !path.exists() {
            return Ok(store(Vec::new(), None));
        }
        refuse_empty(path)?;
        if !recover::looks_like_redb(path) {
            return Err(StoreError(format!(
                "{} is not a Moonkeep database (it does not start as one). Choose another file.",
                path.display()
            )));
        }
        // Read by another process (see salvage.rs): a damaged page cannot end this one.
        let read = salvage::read_file(path)?;
        let recovery = (read.stopped.is_some() || read.previous).then(|| Recovery {
            path: path.to_path_buf(),
            cause: "some of it could not be read".into(),
            records: read.records.len(),
            stopped: read.stopped,
            kept_as: None,
            previous_commit: read.previous,
        });
        Ok(store(read.records, recovery))
    }

    /// What the open did about a file it could not open as it was, if anything.
    pub fn recovery(&self) -> Option<&Recovery> {
        self.recovery.as_ref()
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `apply` on the table in one durable write transaction. On an error the
    /// transaction is dropped, which aborts it and leaves the previous commit in place.
    fn write(
        &self,
        apply: impl FnOnce(&mut redb::Table<&[u8], &[u8]>) -> Result<(), redb::Error>,
    ) -> Result<(), StoreError> {
        let Handle::Writer(db) = &self.handle else {
            return Err(StoreError(format!(
                "{} was opened read-only, so nothing was saved to it.",
                self.path.display()
            )));
        };
        let run = || -> Result<(), redb::Error> {
            let mut txn = db.begin_write()?;
            txn.set_durability(Durability::Immediate)?;
            apply(&mut txn.open_table(RECORDS)?)?;
            Ok(txn.commit()?)
        };
        run().map_err(|err| describe(&self.path, "save to", err))
    }
}

/// Opens for writing, waiting up to `wait` for another writer to let go of the file.
fn open_writer(path: &Path, wait: Duration) -> Result<Database, redb::DatabaseError> {
    // No deadline if `wait` is too long to represent: wait for as long as it takes.
    let deadline = Instant::now().checked_add(wait);
    loop {
        // Verifying the file on open makes redb report a damaged file as an error; a
        // plain open trusts the file and may panic on one altered outside redb.
        // SingleWriter lets readers (`inspect`, `export`) open the file beside us.
        let opened = Database::builder()
            .set_check_integrity_on_open(true)
            .set_concurrency_mode(ConcurrencyMode::SingleWriter)
            .create(path);
        match opened {
            Err(redb::DatabaseError::DatabaseAlreadyOpen) if deadline.is_none_or(|end| Instant::now() < end) => {
                let left = deadline.map(|end| end.saturating_duration_since(Instant::now()));
                sleep(left.map_or(RETRY_PAUSE, |left| left.min(RETRY_PAUSE)));
            }
            opened => return opened,
        }
    }
}

/// An empty file is not a new database: something truncated it, and opening it as a
/// fresh Memory would hide that.
fn refuse_empty(path: &Path) -> Result<(), StoreError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() == 0 => Err(StoreError(format!(
            "{} is empty (0 bytes): it holds no Memory, so it was not opened. If it once \
             held your Memory, it was truncated: restore it from a backup; to start afresh, \
             delete it.",
            path.display()
        ))),
        _ => Ok(()),
    }
}

impl Store for RedbStore {
    fn load(&self) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
        let read = || -> Result<_, redb::Error> {
            let txn = match &self.handle {
                Handle::Writer(db) => db.begin_read()?,
                Handle::Loaded(records) => return Ok(records.clone()),
            };
            let table = txn.open_table(RECORDS)?;
            let mut records = Vec::new();
            for entry in table.range::<&[u8]>(..)? {
                let (key, value) = entry?;
                records.push((key.value().to_vec(), value.value().to_vec()));
            }
            Ok(records)
        };
        read().map_err(|err| describe(&self.path, "read", err))
    }

    fn commit(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        self.write(|table| {
            for change in changes {
                match change {
                    Change::Put { key, value } => {
                        table.insert(key.as_slice(), value.as_slice())?;
                    }
                    Change::Delete { key } => {
                        table.remove(key.as_slice())?;
                    }
                    Change::Archive { key, to } => {
                        let old = table.remove(key.as_slice())?.map(|v| v.value().to_vec());
                        if let Some(old) = old {
                            table.insert(to.as_slice(), old.as_slice())?;
                        }
                    }
                }
            }
            Ok(())
        })
    }
}

/// Turns a redb error into a message for a person: what happened, which file, what to do.
fn describe(path: &Path, action: &str, err: redb::Error) -> StoreError {
    use redb::Error::*;
    let path = path.display();
    StoreError(match &err {
        DatabaseAlreadyOpen | LockProtocolMismatch => format!(
            "{path} is in use by another Moonkeep process: close that one, or choose another \
             file, and try again."
        ),
        Io(io) if io.kind() != ErrorKind::InvalidData => {
            format!("Could not {action} the Moonkeep database {path}: {io}. {}", hint(io.kind()))
        }
        Io(_) | Corrupted(_) | UpgradeRequired(_) => format!(
            "{path} is not a Moonkeep database (or is damaged): {err}. Move it aside to start \
             afresh."
        ),
        ValueTooLarge(len) => format!(
            "Could not {action} the Moonkeep database {path}: a record of {len} bytes is over \
             redb's 3 GiB limit."
        ),
        _ => format!("Could not {action} the Moonkeep database {path}: {err}."),
    })
}

/// What a person can do about an I/O error.
fn hint(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded => "The disk is full: free some space and try again.",
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
            "Check that you may write to it, or choose another location."
        }
        ErrorKind::IsADirectory | ErrorKind::NotADirectory => "Choose a file path, not a folder.",
        _ => "Check the disk and the path, then try again.",
    }
}
