//! A damaged database file: what can be read is read, the file is kept aside as it was,
//! and a new file is built from what was read.
//!
//! redb's integrity check refuses a whole file when any page of it fails its checksum.
//! Most damage is to the records themselves, which carry their own CRC (docs/FORMAT.md
//! R5): a plain read of the B-tree, which trusts the pages, gets every record back and
//! the engine then refuses the damaged ones one by one, by path. The plain read runs on
//! a copy, so that the file kept aside is the file as it was found, and in a process of
//! its own, because redb may panic on a damaged page.

use std::fmt;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use moonkeep_engine::StoreError;
use redb::{ConcurrencyMode, Database, DatabaseError, Durability, ReadableDatabase, StorageError};

use crate::RECORDS;

/// The first bytes of every redb file.
const MAGIC: [u8; 9] = [b'r', b'e', b'd', b'b', 0x1A, 0x0A, 0xA9, 0x0D, 0x0A];

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
                "{} could not be read as it is ({}): {read} from a copy; the file was not changed. A \
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

/// Records read from a copy of a damaged file.
pub(crate) struct Salvage {
    pub records: Vec<(Vec<u8>, Vec<u8>)>,
    pub stopped: Option<String>,
    /// Read from the commit before the last, whose own root could not be read.
    pub previous: bool,
}

/// Set (to the file to read) in the environment of a process started to read it;
/// [`serve_salvage_read`] then streams its records to stdout and exits.
const READ_ENV: &str = "MOONKEEP_SALVAGE_READ";
/// Set when that file is the database itself, to be opened read-only (else it is a
/// copy, which a plain open may repair).
const READ_ONLY_ENV: &str = "MOONKEEP_SALVAGE_READ_ONLY";
/// The key (hex) the reading process starts at.
const FROM_ENV: &str = "MOONKEEP_SALVAGE_FROM";
/// The key (hex) it stops before, if set.
const TO_ENV: &str = "MOONKEEP_SALVAGE_TO";
/// Reading processes started for one file at most: each damaged place costs a few.
const MAX_READERS: usize = 64;

/// Where a reading process reads.
#[derive(Clone, Copy)]
enum Source {
    /// The database file, opened read-only beside any writer.
    File,
    /// A copy, made current at its last commit or the one before.
    Copy { previous: bool },
}

/// Reads the last committed state of `path` without ever writing to it, as far as it
/// can be read: from the file itself, or from a copy if it was left unclean (a copy
/// can be repaired).
pub(crate) fn read_file(path: &Path) -> Result<Salvage, StoreError> {
    let exe = reader_program(path)?;
    match read_commit(path, &exe, Source::File) {
        Ok(salvage) => Ok(salvage),
        Err(_) => read_copy(path),
    }
}

/// Reads every record that can be read from `path`, which is only read. redb's plain
/// read trusts the pages, and a damaged page can make it panic (an abort in release
/// builds): so the reading is done by a copy of this very program, on a copy of the
/// file, and a reader that dies is followed by another that starts past the place
/// where it died.
pub(crate) fn read_copy(path: &Path) -> Result<Salvage, StoreError> {
    let exe = reader_program(path)?;
    // The last commit, else the one before it (redb keeps both until the next commit).
    match read_commit(path, &exe, Source::Copy { previous: false }) {
        Ok(salvage) => Ok(salvage),
        Err(last) => {
            read_commit(path, &exe, Source::Copy { previous: true }).map_err(|_| cannot_read(path, "opening", &last))
        }
    }
}

fn cannot_read(path: &Path, what: &str, err: &dyn fmt::Display) -> StoreError {
    StoreError(format!(
        "{} is damaged and could not be read ({what}: {err}). It was left as it is: keep it, and \
         move it aside to start afresh.",
        path.display()
    ))
}

/// This program, which reads files when started with `READ_ENV` (never from a process
/// that was itself started so: one that does not call `serve_salvage_read`).
fn reader_program(path: &Path) -> Result<PathBuf, StoreError> {
    if std::env::var_os(READ_ENV).is_some() {
        return Err(cannot_read(path, "reading", &"this program does not call serve_salvage_read"));
    }
    std::env::current_exe().map_err(|e| cannot_read(path, "finding this program", &e))
}

/// Reads the last commit (or the one before it) with as many readers as it takes; the
/// reason it could not be opened at all otherwise.
fn read_commit(path: &Path, exe: &Path, source: Source) -> Result<Salvage, String> {
    let mut readers = Readers { path, exe, source, started: 0 };
    let mut records: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut from = Vec::new();
    // The last start that died at once, in a damaged place.
    let mut dead: Option<Vec<u8>> = None;
    let mut step = 1;
    let mut stops = Vec::new();
    while readers.started < MAX_READERS {
        let (read, status) = readers.run(&from, None)?;
        let progressed = !read.records.is_empty();
        let last = read.records.last().map(|(key, _)| key.clone());
        records.extend(read.records);
        if let (true, Some(dead)) = (progressed && step > 1, &dead) {
            // The jump past the damaged place may have skipped intact records.
            readers.fill_gap(dead, &from, &mut records)?;
        }
        match read.end {
            End::Done => break,
            End::Unopened(why) if records.is_empty() => return Err(why),
            End::Unopened(why) | End::Failed(why) => stops.push(why),
            End::Died => stops.push(format!("redb stopped on a damaged page ({status})")),
        }
        if progressed {
            (step, dead) = (1, None);
        } else {
            (step, dead) = (step * 2, Some(from.clone()));
        }
        match key_after(last.as_ref().unwrap_or(&from), step) {
            Some(next) => from = next,
            None => break,
        }
    }
    // In key order, as a store gives them (gaps were filled after).
    records.sort_by(|a, b| a.0.cmp(&b.0));
    // A record's CRC does not cover its key: a damaged key equal to another record's
    // would give one of them the other's value. Neither can be trusted.
    let mut seen = std::collections::HashMap::new();
    for (key, _) in &records {
        *seen.entry(key.clone()).or_insert(0) += 1;
    }
    let before = records.len();
    records.retain(|(key, _)| seen[key] == 1);
    if records.len() < before {
        stops.push(format!("{} records under a key that appeared twice were left out", before - records.len()));
    }
    let stopped = match stops.len() {
        0 => None,
        1 => Some(stops.swap_remove(0)),
        n => Some(format!("{n} damaged places skipped; the first: {}", stops[0])),
    };
    Ok(Salvage { records, stopped, previous: matches!(source, Source::Copy { previous: true }) })
}

/// The reading processes started for one file.
struct Readers<'a> {
    path: &'a Path,
    exe: &'a Path,
    source: Source,
    started: usize,
}

impl Readers<'_> {
    /// Starts a reader on the keys from `from` (up to `to`, if given) and reads its stream.
    fn run(&mut self, from: &[u8], to: Option<&[u8]>) -> Result<(Read, std::process::ExitStatus), String> {
        self.started += 1;
        let mut reader = std::process::Command::new(self.exe);
        // Dropped (deleted) once the reader is done.
        let _copy = match self.source {
            Source::File => {
                reader.env(READ_ENV, self.path).env(READ_ONLY_ENV, "1");
                None
            }
            Source::Copy { previous } => {
                let copy = fresh_copy(self.path, previous).map_err(|e| format!("a copy: {e}"))?;
                reader.env(READ_ENV, copy.path()).env_remove(READ_ONLY_ENV);
                Some(copy)
            }
        };
        match to {
            Some(to) => reader.env(TO_ENV, hex(to)),
            None => reader.env_remove(TO_ENV),
        };
        let output = reader
            .env(FROM_ENV, hex(from))
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("starting a reader: {e}"))?;
        Ok((parse_stream(&output.stdout), output.status))
    }

    /// Between a start that died at once (`dead`) and one that read on (`alive`), finds
    /// by halving where reading can start again, and reads what lies before `alive`.
    fn fill_gap(&mut self, dead: &[u8], alive: &[u8], records: &mut Vec<(Vec<u8>, Vec<u8>)>) -> Result<(), String> {
        let (mut low, mut high) = (key_number(dead), key_number(alive));
        while high - low > 1 && self.started < MAX_READERS {
            let mid = low + (high - low) / 2;
            let (read, _) = self.run(&number_key(mid), Some(&number_key(high)))?;
            if read.records.is_empty() && !matches!(read.end, End::Done) {
                low = mid;
            } else {
                records.extend(read.records);
                high = mid;
            }
        }
        Ok(())
    }
}

/// If this process was started by [`RedbStore::open`](crate::RedbStore::open) to read a
/// damaged file, reads it, writes its records to stdout and exits; otherwise returns at
/// once. Every program that opens a `RedbStore` calls it first thing in `main`.
pub fn serve_salvage_read() {
    let Some(file) = std::env::var_os(READ_ENV) else { return };
    let from = std::env::var(FROM_ENV).ok().and_then(|h| unhex(&h)).unwrap_or_default();
    let to = std::env::var(TO_ENV).ok().and_then(|h| unhex(&h));
    let read_only = std::env::var_os(READ_ONLY_ENV).is_some();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let _ = stream(Path::new(&file), read_only, &from, to.as_deref(), &mut out)
        .and_then(|()| std::io::Write::flush(&mut out));
    std::process::exit(0);
}

/// The stream: `S` once the table is open, `R key value` per record, then `D` (done),
/// `F reason` (a read failed) or `U reason` (not opened); each field a u32le length and
/// bytes. A stream that ends without `D`, `F` or `U` is from a reader that died.
fn stream(
    path: &Path,
    read_only: bool,
    from: &[u8],
    to: Option<&[u8]>,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    let mut frame = |tag: u8, fields: &[&[u8]]| -> std::io::Result<()> {
        out.write_all(&[tag])?;
        for field in fields {
            out.write_all(&(field.len() as u32).to_le_bytes())?;
            out.write_all(field)?;
        }
        Ok(())
    };
    // The database stays open (in `_db`) while its transaction reads.
    let opened = || -> Result<_, redb::Error> {
        let (db, txn): (Box<dyn std::any::Any>, _) = if read_only {
            let db = Database::builder().set_concurrency_mode(ConcurrencyMode::SingleWriter).open_read_only(path)?;
            let txn = db.begin_read()?;
            (Box::new(db), txn)
        } else {
            let db = Database::builder().open(path)?;
            let txn = db.begin_read()?;
            (Box::new(db), txn)
        };
        let table = txn.open_table(RECORDS)?;
        Ok((db, txn, table))
    };
    let (_db, _txn, table) = match opened() {
        Ok(opened) => opened,
        Err(e) => return frame(b'U', &[e.to_string().as_bytes()]),
    };
    frame(b'S', &[])?;
    let range = match to {
        Some(to) => table.range::<&[u8]>(from..to),
        None => table.range::<&[u8]>(from..),
    };
    let range = match range {
        Ok(range) => range,
        Err(e) => return frame(b'F', &[e.to_string().as_bytes()]),
    };
    for entry in range {
        match entry {
            Ok((key, value)) => frame(b'R', &[key.value(), value.value()])?,
            Err(e) => return frame(b'F', &[e.to_string().as_bytes()]),
        }
    }
    frame(b'D', &[])
}

enum End {
    Done,
    Failed(String),
    Unopened(String),
    Died,
}

struct Read {
    records: Vec<(Vec<u8>, Vec<u8>)>,
    end: End,
}

fn parse_stream(mut bytes: &[u8]) -> Read {
    fn field(bytes: &mut &[u8]) -> Option<Vec<u8>> {
        let len = u32::from_le_bytes(bytes.get(..4)?.try_into().ok()?) as usize;
        let value = bytes.get(4..4 + len)?.to_vec();
        *bytes = &bytes[4 + len..];
        Some(value)
    }
    let text = |b: Option<Vec<u8>>| String::from_utf8_lossy(&b.unwrap_or_default()).into_owned();
    let mut records = Vec::new();
    let mut opened = false;
    while let Some((&tag, rest)) = bytes.split_first() {
        bytes = rest;
        match tag {
            b'S' => opened = true,
            b'R' => match (field(&mut bytes), field(&mut bytes)) {
                (Some(key), Some(value)) => records.push((key, value)),
                _ => break,
            },
            b'D' => return Read { records, end: End::Done },
            b'F' => return Read { records, end: End::Failed(text(field(&mut bytes))) },
            b'U' => return Read { records, end: End::Unopened(text(field(&mut bytes))) },
            _ => break,
        }
    }
    let end = if opened { End::Died } else { End::Unopened("the reader stopped before opening it".into()) };
    Read { records, end }
}

/// A key as a 9-byte big-endian number (the length of an object or prototype key;
/// shorter keys are padded with zeros, longer ones cut), for stepping past damage.
fn key_number(key: &[u8]) -> u128 {
    let mut padded = [0u8; 16];
    let len = key.len().min(9);
    padded[7..7 + len].copy_from_slice(&key[..len]);
    u128::from_be_bytes(padded)
}

fn number_key(n: u128) -> Vec<u8> {
    n.to_be_bytes()[7..].to_vec()
}

/// A key `step` places after `key`: past a damaged place, the next reader starts a
/// little further each time it dies at once.
fn key_after(key: &[u8], step: u128) -> Option<Vec<u8>> {
    let next = key_number(key).checked_add(step)?;
    (next < 1 << 72).then(|| number_key(next))
}

/// A copy of the file to read; `previous` makes the commit before the last its current one.
fn fresh_copy(path: &Path, previous: bool) -> std::io::Result<tempfile::NamedTempFile> {
    let copy = tempfile::Builder::new().prefix(".moonkeep-salvage-").tempfile_in(folder(path))?;
    std::fs::copy(path, copy.path())?;
    let mut file = std::fs::OpenOptions::new().read(true).write(true).open(copy.path())?;
    let mut head = [0; MAGIC.len() + 1];
    std::io::Read::read_exact(&mut file, &mut head)?;
    // A flipped bit in the magic number would make redb refuse a file that is otherwise whole.
    head[..MAGIC.len()].copy_from_slice(&MAGIC);
    if previous {
        // redb's header byte after the magic: bit 0 says which of its two commit slots
        // is the current one.
        head[MAGIC.len()] ^= 1;
    }
    std::io::Seek::rewind(&mut file)?;
    std::io::Write::write_all(&mut file, &head)?;
    Ok(copy)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok()).collect()
}

/// Rebuilds the damaged database at `path` from what can be read of it: the file is
/// kept as `path.damaged-YYYYMMDD-HHMMSS` and a new file with the records read takes
/// its place in one rename, so a crash at any point leaves the damaged file or the new
/// one at `path`, never nothing.
pub(crate) fn rebuild(path: &Path, cause: &DatabaseError) -> Result<Recovery, StoreError> {
    let salvage = read_copy(path)?;
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

fn folder(path: &Path) -> &Path {
    path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

/// `path.damaged-YYYYMMDD-HHMMSS` (UTC), with `-2`, `-3`... if that name is taken.
fn aside(path: &Path) -> PathBuf {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_date(days as i64);
    let stamp = format!("{y:04}{m:02}{d:02}-{:02}{:02}{:02}", rest / 3600, rest / 60 % 60, rest % 60);
    let base = format!("{}.damaged-{stamp}", path.display());
    (1..)
        .map(|n| if n == 1 { PathBuf::from(&base) } else { PathBuf::from(format!("{base}-{n}")) })
        .find(|p| !p.exists())
        .expect("some name is free")
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::{civil_date, key_after, key_number, number_key};

    #[test]
    fn keys_step_as_numbers_in_byte_order() {
        let o = |id: u64| [&[b'o'][..], &id.to_be_bytes()].concat();
        assert_eq!(key_after(&o(41), 1).unwrap(), o(42));
        assert_eq!(key_after(&o(255), 2).unwrap(), o(257));
        assert!(key_after(b"meta", 1).unwrap().as_slice() > b"meta".as_slice());
        assert!(key_after(b"", 1).unwrap() > Vec::new());
        assert_eq!(number_key(key_number(&o(7))), o(7));
        assert_eq!(key_after(&[0xff; 9], 1), None);
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(11_016), (2000, 2, 29));
        assert_eq!(civil_date(20_794), (2026, 12, 7));
    }
}
