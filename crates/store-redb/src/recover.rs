//! A damaged database file: what can be read is read, the file is kept aside as it was,
//! and a new file is built from what was read.
//!
//! redb's integrity check refuses a whole file when any page of it fails its checksum.
//! Most damage is to the records themselves, which carry their own CRC (docs/FORMAT.md
//! R5): a plain read of the B-tree, which trusts the pages, gets every record back and
//! the engine then refuses the damaged ones one by one, by path. The plain read runs on
//! a copy, so that the file kept aside is the file as it was found, and in a process of
//! its own, because redb may panic on a damaged page (salvage.rs).

use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use moonkeep_engine::StoreError;
use redb::{Database, DatabaseError, Durability, StorageError};

use crate::{salvage, RECORDS};

/// The first bytes of every redb file.
pub(crate) const MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

/// What an open did about a file it could not open as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// The file that was damaged.
    pub path: PathBuf,
    /// What redb said about it.
    pub cause: String,
    /// Records read from it.
    pub records: usize,
    /// Why reading stopped before the last record, if it did: records after that
    /// point were not recovered.
    pub stopped: Option<String>,
    /// Where the damaged file was kept, untouched; `None` for a reader, which leaves
    /// the file where it is.
    pub kept_as: Option<PathBuf>,
    /// The last commit could not be read: the records are those of the one before it.
    pub previous_commit: bool,
}

impl fmt::Display for Recovery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut read = match &self.stopped {
            None => format!("all {} records in it were read", self.records),
            Some(why) => format!("{} records were read ({why}); the records there are lost", self.records),
        };
        if self.previous_commit {
            read.push_str(" from the save before the last (the last save's own index is damaged, and it is lost)");
        }
        match &self.kept_as {
            Some(kept) => write!(
                f,
                "{} was damaged ({}): {read}, and the database was rebuilt from them. A damaged record \
                 costs only its own value, named below if any. The damaged file is kept, untouched, as {}.",
                self.path.display(),
                self.cause,
                kept.display()
            ),
            None => write!(
                f,
                "{} could not be read as it is ({}): {read}; the file was not changed. A \
                 command that saves (such as eval) repairs it and keeps the damaged file aside.",
                self.path.display(),
                self.cause
            ),
        }
    }
}

/// Whether an open failed because of what is in the file (rather than a lock, a
/// permission or a missing folder).
pub(crate) fn is_damage(err: &DatabaseError) -> bool {
    match err {
        DatabaseError::Storage(StorageError::Corrupted(_)) | DatabaseError::RepairAborted => true,
        DatabaseError::Storage(StorageError::Io(e)) => {
            matches!(e.kind(), ErrorKind::InvalidData | ErrorKind::UnexpectedEof)
        }
        _ => false,
    }
}

/// Whether the file starts as a redb file does, give or take a few flipped bits.
pub(crate) fn looks_like_redb(path: &Path) -> bool {
    let mut head = [0; MAGIC.len()];
    let read = std::fs::File::open(path).and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head));
    read.is_ok() && head.iter().zip(MAGIC).map(|(a, b)| (a ^ b).count_ones()).sum::<u32>() <= 2
}

/// Rebuilds the damaged database at `path` from what can be read of it: the file is
/// kept as `path.damaged-YYYYMMDD-HHMMSS` and a new file with the records read takes
/// its place in one rename, so a crash at any point leaves the damaged file or the new
/// one at `path`, never nothing.
pub(crate) fn rebuild(path: &Path, cause: &DatabaseError) -> Result<Recovery, StoreError> {
    let salvage = salvage::read_copy(path)?;
    let fail = |what: &str, err: &dyn fmt::Display| {
        StoreError(format!(
            "{} is damaged; {} records could be read from it, but it could not be rebuilt ({what}: {err}). \
             It was left as it is.",
            path.display(),
            salvage.records.len()
        ))
    };
    let kept = aside(path);
    std::fs::hard_link(path, &kept)
        .or_else(|_| std::fs::copy(path, &kept).map(drop))
        .map_err(|e| fail(&format!("keeping it as {}", kept.display()), &e))?;
    let fresh = tempfile::Builder::new()
        .prefix(".moonkeep-rebuilt-")
        .tempfile_in(folder(path))
        .map_err(|e| fail("a new file", &e))?;
    {
        let db = Database::create(fresh.path()).map_err(|e| fail("a new file", &e))?;
        let write = || -> Result<(), redb::Error> {
            let mut txn = db.begin_write()?;
            txn.set_durability(Durability::Immediate)?;
            {
                let mut table = txn.open_table(RECORDS)?;
                for (key, value) in &salvage.records {
                    table.insert(key.as_slice(), value.as_slice())?;
                }
            }
            Ok(txn.commit()?)
        };
        write().map_err(|e| fail("writing the new file", &e))?;
    }
    fresh.persist(path).map_err(|e| fail("putting the new file in its place", &e.error))?;
    Ok(Recovery {
        path: path.to_path_buf(),
        cause: cause.to_string(),
        records: salvage.records.len(),
        stopped: salvage.stopped,
        kept_as: Some(kept),
        previous_commit: salvage.previous,
    })
}

pub(crate) fn folder(path: &Path) -> &Path {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// `path.damaged-YYYYMMDD-HHMMSS` (UTC), with `-2`, `-3`... if that name is taken.
fn aside(path: &Path) -> PathBuf {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = moonkeep_engine::time::civil_date(days as i64);
    let stamp = format!("{y:04}{m:02}{d:02}-{:02}{:02}{:02}", rest / 3600, rest / 60 % 60, rest % 60);
    let base = format!("{}.damaged-{stamp}", path.display());
    (1..)
        .map(|n| if n == 1 { PathBuf::from(&base) } else { PathBuf::from(format!("{base}-{n}")) })
        .find(|p| !p.exists())
        .expect("some name is free")
}
