//! The persisted format, version 2: records, history keys, and how values are written
//! in them.
//! docs/FORMAT.md is the specification; every rule there has a test here or in
//! format_props.rs. Decoding never panics and never trusts a length it has not
//! checked against the bytes actually present.

use std::fmt;

/// The version of a record's layout (byte 0 of every record): unchanged since
/// version 1, so history keeps records of every age byte for byte.
pub const FORMAT_VERSION: u8 = 1;
/// The version of the store's layout, written in its meta record: 2 adds the history.
pub const STORE_VERSION: u8 = 2;

/// Record kinds (byte 1 of a record).
pub(super) const KIND_TABLE: u8 = 1;
pub(super) const KIND_CLOSURE: u8 = 2;
pub(super) const KIND_PROTO: u8 = 3;
pub(super) const KIND_META: u8 = 4;
pub(super) const KIND_VERSION: u8 = 5;
pub(super) const KIND_RETENTION: u8 = 6;

/// Flag bit: the body is LZ4-compressed (block format, little-endian u32 size first).
const FLAG_LZ4: u8 = 1;
/// Bodies shorter than this are never compressed: the gain cannot pay for the size.
const COMPRESS_MIN: usize = 64;
/// Header (version, kind, flags) + CRC-32 trailer.
pub const RECORD_OVERHEAD: usize = 3 + 4;
/// Length of a prototype's authentication tag: HMAC-SHA-256 truncated to 64 bits.
/// A forgery has to be tried against the victim's own store, one load at a time, so
/// 2^-64 per attempt is ample, and every function saves 8 bytes.
pub const TAG_LEN: usize = 8;
pub const SECRET_LEN: usize = 32;
/// Ids are below this (R1). A counter that starts this far from u64's end cannot wrap
/// however many objects one save point creates, so no crafted meta record can make a
/// new id collide with a live one.
pub const ID_LIMIT: u64 = 1 << 62;

/// Store keys: "meta", "o" + id (tables and closures), "p" + id (prototypes); the
/// history's "h" + object or prototype key + version, and "v" + version.
pub const META_KEY: &[u8] = b"meta";
const HISTORY: u8 = b'h';
const VERSION: u8 = b'v';
/// The history's settings.
pub const RETENTION_KEY: &[u8] = b"retention";

/// Where the record at `key` goes when version `replaced_by` replaces or deletes it.
pub fn history_key(key: &[u8], replaced_by: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + key.len() + 8);
    out.push(HISTORY);
    out.extend_from_slice(key);
    out.extend_from_slice(&replaced_by.to_be_bytes());
    out
}

/// The key of a record in the history and the version that replaced it.
pub fn parse_history_key(key: &[u8]) -> Option<(KeyName, u64)> {
    let rest = key.strip_prefix(&[HISTORY])?;
    if rest.len() != 17 {
        return None;
    }
    let (key, version) = rest.split_at(9);
    let name = parse_key(key).filter(|n| *n != KeyName::Meta)?;
    Some((name, u64::from_be_bytes(version.try_into().ok()?)))
}

pub fn version_key(version: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(9);
    key.push(VERSION);
    key.extend_from_slice(&version.to_be_bytes());
    key
}

pub fn parse_version_key(key: &[u8]) -> Option<u64> {
    let rest = key.strip_prefix(&[VERSION])?;
    Some(u64::from_be_bytes(rest.try_into().ok()?))
}

/// Whether a key belongs to the history (kept records, version entries, settings),
/// which a restore of the current Memory never reads.
pub fn is_history(key: &[u8]) -> bool {
    key == RETENTION_KEY || parse_history_key(key).is_some() || parse_version_key(key).is_some()
}

pub fn object_key(id: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(9);
    key.push(b'o');
    key.extend_from_slice(&id.to_be_bytes());
    key
}

pub fn proto_key(id: u64) -> Vec<u8> {
    let mut key = Vec::with_capacity(9);
    key.push(b'p');
    key.extend_from_slice(&id.to_be_bytes());
    key
}

/// What a store key names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyName {
    Meta,
    Object(u64),
    Proto(u64),
}

impl KeyName {
    /// The key's bytes in the store (R1).
    pub fn bytes(self) -> Vec<u8> {
        match self {
            KeyName::Meta => META_KEY.to_vec(),
            KeyName::Object(id) => object_key(id),
            KeyName::Proto(id) => proto_key(id),
        }
    }
}

pub fn parse_key(key: &[u8]) -> Option<KeyName> {
    if key == META_KEY {
        return Some(KeyName::Meta);
    }
    let id = u64::from_be_bytes(key.get(1..)?.try_into().ok()?);
    if id >= ID_LIMIT {
        return None;
    }
    match key[0] {
        b'o' => Some(KeyName::Object(id)),
        b'p' => Some(KeyName::Proto(id)),
        _ => None,
    }
}

/// A value as stored inside a table or an upvalue.
#[derive(Debug, Clone, PartialEq)]
pub enum Stored {
    Nil,
    Boolean(bool),
    Integer(i64),
    /// Exact bits: NaN payloads, -0.0 and infinities survive.
    Float(u64),
    String(Vec<u8>),
    /// A table or closure, by id.
    Object(u64),
    /// A value of the standard environment, by name ("print", "string.format", "_G").
    Std(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum StoredUpvalue {
    /// This closure owns the cell and stores its value.
    Own(Stored),
    /// The cell is shared with upvalue `index` (1-based) of closure `closure`.
    Shared { closure: u64, index: u32 },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Table {
        metatable: Stored,
        entries: Vec<(Stored, Stored)>,
    },
    Closure {
        proto: u64,
        upvalues: Vec<StoredUpvalue>,
    },
    Proto {
        tag: [u8; TAG_LEN],
        bytecode: Vec<u8>,
    },
    Meta(Meta),
    Version(Version),
    /// Bytes the history may take.
    Retention {
        budget: u64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub root: u64,
    pub next_id: u64,
    pub secret: [u8; SECRET_LEN],
    /// The current version; 0 in a store of version 1 (no history) and in snapshots.
    pub version: u64,
}

/// A version's entry: what it is made of and how it came about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub root: u64,
    /// Milliseconds since the Unix epoch, as the host's clock said.
    pub time: u64,
    /// The version it was made from (0 for none).
    pub parent: u64,
    pub cause: Cause,
    /// The chunk name and source of the run that made it (empty for other causes).
    pub chunk: String,
    pub source: String,
    /// Records and bytes that this version wrote.
    pub records: u64,
    pub bytes: u64,
}

impl Version {
    /// The entry of a save point, until the host describes it.
    pub fn of_run(root: u64, parent: u64, records: u64, bytes: u64) -> Version {
        let (chunk, source) = (String::new(), String::new());
        Version { root, time: 0, parent, cause: Cause::Run, chunk, source, records, bytes }
    }
}

/// Longest source a version entry keeps; a longer one is cut at a character boundary.
pub const SOURCE_CAP: usize = 64 * 1024;

/// How a version came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cause {
    Run,
    /// A save point in the middle of a long run.
    DuringRun,
    Restore {
        of: u64,
    },
    Import,
    /// A store of format version 1 opened by this Moonkeep.
    Migration,
}

impl Meta {
    /// What is wrong with this meta record beside `ids`, the ids of the records it
    /// comes with (R13): the root and every id below the counter, the counter below
    /// [`ID_LIMIT`]. None if it is sound.
    pub fn fault(&self, ids: impl IntoIterator<Item = u64>) -> Option<String> {
        if self.next_id >= ID_LIMIT {
            return Some(format!("its id counter {} is past the limit of 2^62", self.next_id));
        }
        if self.root == 0 || self.root >= self.next_id {
            return Some(format!("its root id {} is not below its id counter {}", self.root, self.next_id));
        }
        let max = ids.into_iter().max().unwrap_or(0);
        if max >= self.next_id {
            return Some(format!("record id {max} is not below its id counter {}", self.next_id));
        }
        None
    }
}

/// Why a record could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecodeError {
    Truncated,
    Checksum,
    Version(u8),
    Kind(u8),
    Malformed(&'static str),
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::Truncated => f.write_str("the record is truncated"),
            DecodeError::Checksum => f.write_str("the record's checksum does not match (damaged)"),
            DecodeError::Version(v) => {
                write!(f, "format version {v} is newer than this Moonkeep knows ({FORMAT_VERSION})")
            }
            DecodeError::Kind(k) => write!(f, "unknown record kind {k}"),
            DecodeError::Malformed(what) => write!(f, "malformed record: {what}"),
        }
    }
}

pub fn encode(record: &Record) -> Vec<u8> {
    let (kind, body) = encode_body(record);
    seal(kind, body)
}

/// A record's kind and uncompressed body.
pub(super) fn encode_body(record: &Record) -> (u8, Vec<u8>) {
    let mut body = Vec::new();
    let kind = match record {
        Record::Table { metatable, entries } => {
            put_value(&mut body, metatable);
            put_varint(&mut body, entries.len() as u64);
            for (k, v) in entries {
                put_value(&mut body, k);
                put_value(&mut body, v);
            }
            KIND_TABLE
        }
        Record::Closure { proto, upvalues } => {
            put_varint(&mut body, *proto);
            put_varint(&mut body, upvalues.len() as u64);
            for up in upvalues {
                match up {
                    StoredUpvalue::Own(v) => {
                        body.push(0);
                        put_value(&mut body, v);
                    }
                    StoredUpvalue::Shared { closure, index } => {
                        body.push(1);
                        put_varint(&mut body, *closure);
                        put_varint(&mut body, u64::from(*index));
                    }
                }
            }
            KIND_CLOSURE
        }
        Record::Proto { tag, bytecode } => {
            body.extend_from_slice(tag);
            body.extend_from_slice(bytecode);
            KIND_PROTO
        }
        Record::Meta(meta) => {
            put_varint(&mut body, meta.root);
            put_varint(&mut body, meta.next_id);
            body.extend_from_slice(&meta.secret);
            if meta.version > 0 {
                body.push(STORE_VERSION);
                put_varint(&mut body, meta.version);
            }
            KIND_META
        }
        Record::Version(v) => {
            put_varint(&mut body, v.root);
            put_varint(&mut body, v.time);
            put_varint(&mut body, v.parent);
            match v.cause {
                Cause::Run => body.push(1),
                Cause::DuringRun => body.push(2),
                Cause::Restore { of } => {
                    body.push(3);
                    put_varint(&mut body, of);
                }
                Cause::Import => body.push(4),
                Cause::Migration => body.push(5),
            }
            put_text(&mut body, &v.chunk);
            put_text(&mut body, cap(&v.source));
            put_varint(&mut body, v.records);
            put_varint(&mut body, v.bytes);
            KIND_VERSION
        }
        Record::Retention { budget } => {
            put_varint(&mut body, *budget);
            KIND_RETENTION
        }
    };
    (kind, body)
}

/// The record for a body: compressed when that pays (R4), with header and CRC (R5).
pub(super) fn seal(kind: u8, mut body: Vec<u8>) -> Vec<u8> {
    let mut flags = 0;
    if body.len() >= COMPRESS_MIN {
        let packed = lz4_flex::compress_prepend_size(&body);
        if packed.len() < body.len() {
            body = packed;
            flags |= FLAG_LZ4;
        }
    }
    let mut out = Vec::with_capacity(body.len() + RECORD_OVERHEAD);
    out.extend_from_slice(&[FORMAT_VERSION, kind, flags]);
    out.extend_from_slice(&body);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

pub fn decode(bytes: &[u8]) -> Result<Record, DecodeError> {
    let (kind, body) = open(bytes)?;
    decode_body(kind, &body)
}

/// A record's kind and uncompressed body, checked (R2-R5).
pub(super) fn open(bytes: &[u8]) -> Result<(u8, std::borrow::Cow<'_, [u8]>), DecodeError> {
    if bytes.len() < RECORD_OVERHEAD {
        return Err(DecodeError::Truncated);
    }
    let (content, crc) = bytes.split_at(bytes.len() - 4);
    if crc32fast::hash(content).to_le_bytes() != crc {
        return Err(DecodeError::Checksum);
    }
    let (version, kind, flags) = (content[0], content[1], content[2]);
    if version != FORMAT_VERSION {
        return Err(DecodeError::Version(version));
    }
    if flags & !FLAG_LZ4 != 0 {
        return Err(DecodeError::Malformed("unknown flags"));
    }
    let body = if flags & FLAG_LZ4 != 0 {
        std::borrow::Cow::Owned(decompress(&content[3..])?)
    } else {
        std::borrow::Cow::Borrowed(&content[3..])
    };
    Ok((kind, body))
}

pub(super) fn decode_body(kind: u8, body: &[u8]) -> Result<Record, DecodeError> {
    let mut r = Reader { bytes: body };
    let record = match kind {
        KIND_TABLE => {
            let metatable = r.value()?;
            let n = r.count(2)?;
            let mut entries = Vec::with_capacity(n);
            for _ in 0..n {
                entries.push((r.value()?, r.value()?));
            }
            Record::Table { metatable, entries }
        }
        KIND_CLOSURE => {
            let proto = r.varint()?;
            let n = r.count(2)?;
            let mut upvalues = Vec::with_capacity(n);
            for _ in 0..n {
                upvalues.push(match r.byte()? {
                    0 => StoredUpvalue::Own(r.value()?),
                    1 => {
                        let closure = r.varint()?;
                        let index = u32::try_from(r.varint()?).map_err(|_| DecodeError::Malformed("upvalue index"))?;
                        StoredUpvalue::Shared { closure, index }
                    }
                    _ => return Err(DecodeError::Malformed("upvalue form")),
                });
            }
            Record::Closure { proto, upvalues }
        }
        KIND_PROTO => {
            let tag = r.take(TAG_LEN)?.try_into().expect("TAG_LEN bytes");
            let bytecode = r.take(r.bytes.len())?.to_vec();
            Record::Proto { tag, bytecode }
        }
        KIND_META => {
            let root = r.varint()?;
            let next_id = r.varint()?;
            let secret = r.take(SECRET_LEN)?.try_into().expect("SECRET_LEN bytes");
            // A meta record of a version 1 store ends here.
            let version = match r.bytes.is_empty() {
                true => 0,
                false if r.byte()? == STORE_VERSION => match r.varint()? {
                    0 => return Err(DecodeError::Malformed("version 0 in a store of version 2")),
                    v => v,
                },
                false => return Err(DecodeError::Malformed("unknown store version")),
            };
            Record::Meta(Meta { root, next_id, secret, version })
        }
        KIND_VERSION => {
            let root = r.varint()?;
            let time = r.varint()?;
            let parent = r.varint()?;
            let cause = match r.byte()? {
                1 => Cause::Run,
                2 => Cause::DuringRun,
                3 => Cause::Restore { of: r.varint()? },
                4 => Cause::Import,
                5 => Cause::Migration,
                _ => return Err(DecodeError::Malformed("cause of a version")),
            };
            let chunk = r.text()?;
            let source = r.text()?;
            let records = r.varint()?;
            let bytes = r.varint()?;
            Record::Version(Version { root, time, parent, cause, chunk, source, records, bytes })
        }
        KIND_RETENTION => Record::Retention { budget: r.varint()? },
        other => return Err(DecodeError::Kind(other)),
    };
    if !r.bytes.is_empty() {
        return Err(DecodeError::Malformed("bytes after the end"));
    }
    Ok(record)
}

fn decompress(packed: &[u8]) -> Result<Vec<u8>, DecodeError> {
    let size = packed.get(..4).ok_or(DecodeError::Truncated)?;
    let size = u32::from_le_bytes(size.try_into().expect("4 bytes")) as usize;
    // LZ4 cannot expand more than 255:1; a larger claim is damage, not data.
    if size > packed.len().saturating_mul(255) {
        return Err(DecodeError::Malformed("compressed size"));
    }
    let body = lz4_flex::decompress_size_prepended(packed).map_err(|_| DecodeError::Malformed("compressed body"))?;
    if body.len() != size {
        return Err(DecodeError::Malformed("compressed size"));
    }
    Ok(body)
}

const TAG_NIL: u8 = 0;
const TAG_FALSE: u8 = 1;
const TAG_TRUE: u8 = 2;
const TAG_INTEGER: u8 = 3;
const TAG_FLOAT: u8 = 4;
const TAG_STRING: u8 = 5;
const TAG_OBJECT: u8 = 6;
const TAG_STD: u8 = 7;
/// The global table, the value of almost every function's `_ENV`: one byte for the
/// commonest standard value.
const TAG_GLOBALS: u8 = 8;
const GLOBALS: &str = "_G";

pub(super) fn put_value(out: &mut Vec<u8>, value: &Stored) {
    match value {
        Stored::Nil => out.push(TAG_NIL),
        Stored::Boolean(false) => out.push(TAG_FALSE),
        Stored::Boolean(true) => out.push(TAG_TRUE),
        Stored::Integer(i) => {
            out.push(TAG_INTEGER);
            put_varint(out, ((i << 1) ^ (i >> 63)) as u64);
        }
        Stored::Float(bits) => {
            out.push(TAG_FLOAT);
            out.extend_from_slice(&bits.to_le_bytes());
        }
        Stored::String(s) => put_string(out, s),
        Stored::Object(id) => put_object(out, *id),
        Stored::Std(name) => put_std(out, name),
    }
}

/// The parts of `put_value` a save point writes without building a `Stored`.
pub(super) fn put_string(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(TAG_STRING);
    put_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

pub(super) fn put_object(out: &mut Vec<u8>, id: u64) {
    out.push(TAG_OBJECT);
    put_varint(out, id);
}

pub(super) fn put_std(out: &mut Vec<u8>, name: &str) {
    if name == GLOBALS {
        out.push(TAG_GLOBALS);
    } else {
        out.push(TAG_STD);
        put_varint(out, name.len() as u64);
        out.extend_from_slice(name.as_bytes());
    }
}

pub(super) fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    put_varint(out, text.len() as u64);
    out.extend_from_slice(text.as_bytes());
}

/// `source` cut to [`SOURCE_CAP`] bytes at a character boundary.
pub fn cap(source: &str) -> &str {
    let mut end = source.len().min(SOURCE_CAP);
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    &source[..end]
}

/// Reads a varint from the front of `bytes`, advancing past it.
pub(super) fn take_varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut r = Reader { bytes };
    let n = r.varint().ok()?;
    *bytes = r.bytes;
    Some(n)
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8, DecodeError> {
        let (&b, rest) = self.bytes.split_first().ok_or(DecodeError::Truncated)?;
        self.bytes = rest;
        Ok(b)
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if n > self.bytes.len() {
            return Err(DecodeError::Truncated);
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn varint(&mut self) -> Result<u64, DecodeError> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = u64::from(b & 0x7f);
            if shift == 63 && bits > 1 {
                return Err(DecodeError::Malformed("varint overflow"));
            }
            n |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(DecodeError::Malformed("varint too long"))
    }

    fn text(&mut self) -> Result<String, DecodeError> {
        let n = self.count(1)?;
        String::from_utf8(self.take(n)?.to_vec()).map_err(|_| DecodeError::Malformed("text"))
    }

    /// A count of items each at least `min_size` bytes long, checked against what is left.
    fn count(&mut self, min_size: usize) -> Result<usize, DecodeError> {
        let n = self.varint()?;
        if n > (self.bytes.len() / min_size) as u64 {
            return Err(DecodeError::Malformed("count larger than the record"));
        }
        Ok(n as usize)
    }

    fn value(&mut self) -> Result<Stored, DecodeError> {
        Ok(match self.byte()? {
            TAG_NIL => Stored::Nil,
            TAG_FALSE => Stored::Boolean(false),
            TAG_TRUE => Stored::Boolean(true),
            TAG_INTEGER => {
                let z = self.varint()?;
                Stored::Integer(((z >> 1) as i64) ^ -((z & 1) as i64))
            }
            TAG_FLOAT => Stored::Float(u64::from_le_bytes(self.take(8)?.try_into().expect("8 bytes"))),
            TAG_STRING => {
                let n = self.count(1)?;
                Stored::String(self.take(n)?.to_vec())
            }
            TAG_OBJECT => Stored::Object(self.varint()?),
            TAG_GLOBALS => Stored::Std(GLOBALS.to_owned()),
            TAG_STD => {
                let n = self.count(1)?;
                let name = std::str::from_utf8(self.take(n)?).map_err(|_| DecodeError::Malformed("name"))?;
                Stored::Std(name.to_owned())
            }
            _ => return Err(DecodeError::Malformed("value tag")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(record: Record) {
        assert_eq!(decode(&encode(&record)), Ok(record));
    }

    #[test]
    fn every_record_kind_round_trips() {
        round_trip(Record::Table {
            metatable: Stored::Object(7),
            entries: vec![
                (Stored::Integer(1), Stored::Float((-0.0f64).to_bits())),
                (Stored::String(b"k\0\xff".to_vec()), Stored::Integer(i64::MIN)),
                (Stored::Boolean(true), Stored::Std("string.format".into())),
                (Stored::Integer(i64::MAX), Stored::Float(f64::NAN.to_bits())),
            ],
        });
        round_trip(Record::Closure {
            proto: 3,
            upvalues: vec![StoredUpvalue::Own(Stored::Nil), StoredUpvalue::Shared { closure: 9, index: 2 }],
        });
        round_trip(Record::Proto { tag: [5; TAG_LEN], bytecode: b"\x1bLua...".to_vec() });
        round_trip(Record::Meta(Meta { root: 1, next_id: u64::MAX, secret: [9; SECRET_LEN], version: 0 }));
        round_trip(Record::Meta(Meta { root: 1, next_id: 9, secret: [9; SECRET_LEN], version: 300 }));
        for cause in [Cause::Run, Cause::DuringRun, Cause::Restore { of: 7 }, Cause::Import, Cause::Migration] {
            round_trip(Record::Version(Version {
                root: 1,
                time: 1_765_000_000_000,
                parent: 6,
                cause,
                chunk: "main.lua".into(),
                source: "Memory.n = 1 -- é".into(),
                records: 3,
                bytes: 120,
            }));
        }
    }

    #[test]
    fn the_retention_record_round_trips_and_is_no_part_of_the_current_memory() {
        round_trip(Record::Retention { budget: 50 << 20 });
        assert!(is_history(RETENTION_KEY));
    }

    #[test]
    fn a_version_1_meta_record_reads_as_version_0_and_is_written_the_same() {
        let meta = Meta { root: 1, next_id: 9, secret: [4; SECRET_LEN], version: 0 };
        let bytes = encode(&Record::Meta(meta.clone()));
        assert_eq!(bytes.len(), RECORD_OVERHEAD + 1 + 1 + SECRET_LEN, "no tail: the layout of version 1");
        let v2 = encode(&Record::Meta(Meta { version: 5, ..meta }));
        assert_eq!(&v2[3 + 2 + SECRET_LEN..v2.len() - 4], &[STORE_VERSION, 5]);
        let mut unknown = v2.clone();
        unknown[3 + 2 + SECRET_LEN] = 3;
        let n = unknown.len();
        let crc = crc32fast::hash(&unknown[..n - 4]).to_le_bytes();
        unknown[n - 4..].copy_from_slice(&crc);
        assert_eq!(decode(&unknown), Err(DecodeError::Malformed("unknown store version")));
    }

    #[test]
    fn a_long_source_is_capped_at_a_character_boundary_and_compressed() {
        let source = "é".repeat(SOURCE_CAP);
        assert_eq!(cap(&source).len(), SOURCE_CAP);
        let long = "x".repeat(SOURCE_CAP - 1) + "é";
        assert_eq!(cap(&long).len(), SOURCE_CAP - 1);
        let v = Version {
            root: 1,
            time: 0,
            parent: 0,
            cause: Cause::Run,
            chunk: "main.lua".into(),
            source: "Memory.x = 1\n".repeat(20_000),
            records: 0,
            bytes: 0,
        };
        let bytes = encode(&Record::Version(v));
        assert!(bytes.len() < 2_000, "{}", bytes.len());
        let Ok(Record::Version(back)) = decode(&bytes) else { panic!() };
        assert_eq!(back.source.len(), SOURCE_CAP);
    }

    #[test]
    fn history_keys_name_the_record_and_the_version_that_replaced_it() {
        let key = history_key(&object_key(42), 7);
        assert_eq!(key.len(), 18);
        assert_eq!(parse_history_key(&key), Some((KeyName::Object(42), 7)));
        assert_eq!(parse_history_key(&history_key(&proto_key(3), u64::MAX)), Some((KeyName::Proto(3), u64::MAX)));
        assert_eq!(parse_history_key(&history_key(META_KEY, 1)), None);
        assert_eq!(parse_version_key(&version_key(9)), Some(9));
        assert!(is_history(&key) && is_history(&version_key(1)));
        assert!(!is_history(&object_key(1)) && !is_history(META_KEY) && !is_history(b"v1"));
        // Ordered by record, then by version: one range read per record.
        assert!(history_key(&object_key(1), 9) < history_key(&object_key(1), 10));
        assert!(history_key(&object_key(1), u64::MAX) < history_key(&object_key(2), 0));
    }

    #[test]
    fn large_repetitive_bodies_are_compressed_and_small_ones_not() {
        let big = Record::Table {
            metatable: Stored::Nil,
            entries: vec![(Stored::Integer(1), Stored::String(vec![b'x'; 10_000]))],
        };
        let bytes = encode(&big);
        assert_eq!(bytes[2] & FLAG_LZ4, FLAG_LZ4);
        assert!(bytes.len() < 200, "{}", bytes.len());
        round_trip(big);
        let small = encode(&Record::Table { metatable: Stored::Nil, entries: vec![] });
        assert_eq!(small[2], 0);
        assert_eq!(small.len(), RECORD_OVERHEAD + 2);
    }

    #[test]
    fn damage_is_detected() {
        let mut bytes = encode(&Record::Closure { proto: 1, upvalues: vec![] });
        bytes[3] ^= 1;
        assert_eq!(decode(&bytes), Err(DecodeError::Checksum));
        assert_eq!(decode(&bytes[..bytes.len() - 1]), Err(DecodeError::Checksum));
        assert_eq!(decode(&[1, 2]), Err(DecodeError::Truncated));
    }

    #[test]
    fn newer_versions_are_named_not_misread() {
        let mut bytes = encode(&Record::Table { metatable: Stored::Nil, entries: vec![] });
        bytes[0] = 2;
        let n = bytes.len();
        let crc = crc32fast::hash(&bytes[..n - 4]).to_le_bytes();
        bytes[n - 4..].copy_from_slice(&crc);
        assert_eq!(decode(&bytes), Err(DecodeError::Version(2)));
    }

    #[test]
    fn a_compressed_size_that_does_not_match_is_refused() {
        let mut bytes = encode(&Record::Proto { tag: [3; TAG_LEN], bytecode: vec![0; 200] });
        assert_eq!(bytes[2], FLAG_LZ4);
        bytes[3..7].copy_from_slice(&300u32.to_le_bytes());
        let n = bytes.len();
        let crc = crc32fast::hash(&bytes[..n - 4]).to_le_bytes();
        bytes[n - 4..].copy_from_slice(&crc);
        assert_eq!(decode(&bytes), Err(DecodeError::Malformed("compressed size")));
    }

    #[test]
    fn the_global_table_takes_one_byte() {
        let mut out = Vec::new();
        put_value(&mut out, &Stored::Std("_G".into()));
        assert_eq!(out, [TAG_GLOBALS]);
        assert_eq!(Reader { bytes: &out }.value(), Ok(Stored::Std("_G".into())));
    }

    #[test]
    fn keys_name_what_they_hold() {
        assert_eq!(parse_key(&object_key(42)), Some(KeyName::Object(42)));
        assert_eq!(parse_key(&proto_key(7)), Some(KeyName::Proto(7)));
        assert_eq!(parse_key(META_KEY), Some(KeyName::Meta));
        assert_eq!(parse_key(b"x12345678"), None);
        assert_eq!(parse_key(b"o1"), None);
        assert_eq!(parse_key(&object_key(ID_LIMIT - 1)), Some(KeyName::Object(ID_LIMIT - 1)));
        assert_eq!(parse_key(&object_key(ID_LIMIT)), None, "ids at or past the limit are no keys");
        assert_eq!(parse_key(&proto_key(u64::MAX)), None);
    }

    #[test]
    fn a_meta_record_must_keep_its_ids_below_a_counter_far_from_overflow() {
        let meta = |root, next_id| Meta { root, next_id, secret: [0; SECRET_LEN], version: 0 };
        assert_eq!(meta(1, 5).fault([1, 2, 4]), None);
        assert_eq!(meta(1, ID_LIMIT - 1).fault([ID_LIMIT - 2]), None);
        assert!(meta(1, ID_LIMIT).fault([1]).unwrap().contains("past the limit"));
        assert!(meta(1, u64::MAX - 1).fault([1]).unwrap().contains("past the limit"));
        assert!(meta(1, ID_LIMIT + 1).fault([1]).unwrap().contains("past the limit"));
        assert!(meta(5, 5).fault([1]).unwrap().contains("root id 5"));
        assert!(meta(0, 5).fault([1]).unwrap().contains("root id 0"));
        assert!(meta(1, 5).fault([1, 9]).unwrap().contains("record id 9"));
    }

    #[test]
    fn varints_and_zigzag_cover_the_extremes() {
        for i in [0, 1, -1, 63, -64, 64, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            put_value(&mut out, &Stored::Integer(i));
            assert_eq!(Reader { bytes: &out }.value(), Ok(Stored::Integer(i)));
        }
        let overlong = [0xff; 11];
        assert!(Reader { bytes: &overlong }.varint().is_err());
    }
}

#[cfg(test)]
#[path = "format_props.rs"]
mod props;
