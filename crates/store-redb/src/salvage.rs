//! Reading a database file that may be damaged, in processes of its own.
//!
//! redb's plain read trusts the pages, and a damaged page can make it panic (an abort
//! in release builds). So the reading is done by a copy of this very program, started
//! with the file in its environment ([`serve_salvage_read`]), which streams the records
//! back; a reader that dies is followed by another that starts past the place where it
//! died, and the records the jump skipped are looked for by halving.

use std::fmt;
use std::path::{Path, PathBuf};

use moonkeep_engine::StoreError;
use redb::{ConcurrencyMode, Database, ReadableDatabase};

use crate::recover::{folder, MAGIC};
use crate::RECORDS;

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
/// Set when that file is to be opened read-only (else it is a copy of a file left
/// unclean, which a plain open repairs).
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
    /// A copy, made current at its last commit or the one before; read-only, or, for a
    /// file left unclean, a fresh copy for each reader, which repairs it.
    Copy { previous: bool, repair: bool },
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
    let mut first_error = None;
    for previous in [false, true] {
        for repair in [false, true] {
            match read_commit(path, &exe, Source::Copy { previous, repair }) {
                Ok(salvage) => return Ok(salvage),
                Err(why) => first_error = first_error.or(Some(why)),
            }
        }
    }
    Err(cannot_read(path, "opening", &first_error.unwrap_or_default()))
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
    let mut readers = Readers { path, exe, source, started: 0, copy: None };
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
    Ok(Salvage { records, stopped, previous: matches!(source, Source::Copy { previous: true, .. }) })
}

/// The reading processes started for one file.
struct Readers<'a> {
    path: &'a Path,
    exe: &'a Path,
    source: Source,
    started: usize,
    /// The copy that read-only readers share (deleted when dropped).
    copy: Option<tempfile::NamedTempFile>,
}

impl Readers<'_> {
    /// Starts a reader on the keys from `from` (up to `to`, if given) and reads its stream.
    fn run(&mut self, from: &[u8], to: Option<&[u8]>) -> Result<(Read, std::process::ExitStatus), String> {
        self.started += 1;
        let mut reader = std::process::Command::new(self.exe);
        // Dropped (deleted) once the reader is done.
        let mut _fresh = None;
        match self.source {
            Source::File => reader.env(READ_ENV, self.path).env(READ_ONLY_ENV, "1"),
            Source::Copy { previous, repair: false } => {
                if self.copy.is_none() {
                    self.copy = Some(fresh_copy(self.path, previous).map_err(|e| format!("a copy: {e}"))?);
                }
                reader.env(READ_ENV, self.copy.as_ref().expect("made above").path()).env(READ_ONLY_ENV, "1")
            }
            Source::Copy { previous, repair: true } => {
                let copy = _fresh.insert(fresh_copy(self.path, previous).map_err(|e| format!("a copy: {e}"))?);
                reader.env(READ_ENV, copy.path()).env_remove(READ_ONLY_ENV)
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

#[cfg(test)]
mod tests {
    use super::{key_after, key_number, number_key};

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
}
