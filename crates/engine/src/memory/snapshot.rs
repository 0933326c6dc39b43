//! Snapshots: a whole Memory in one portable file, for moving it between the browser
//! and the command line.
//!
//! ```text
//! snapshot := "MOONKEEP-SNAPSHOT" 0x0A  version:u8  count:varint
//!             count × (key_len:varint key value_len:varint value)  crc:u32le
//! ```
//! The records are the store's own (docs/FORMAT.md), except that the meta record's
//! secret is zeroed: a snapshot never carries the key that authenticates a store's
//! bytecode. Importing re-signs bytecode with the importing store's secret, which
//! happens only if the bytecode verifies under that secret already (the snapshot came
//! from this store) or the caller explicitly trusts the file.
//!
//! A snapshot holds one version and no history: export the current Memory or one
//! version (`history::records_at`); an import becomes a new version of the store, so
//! the Memory it replaces stays in the history.

use std::collections::BTreeMap;

use super::format::{self, Cause, KeyName, Meta, Record, SECRET_LEN};
use super::history::{self, Target};
use super::{tag, tag_verifies};
use crate::store::Change;

const MAGIC: &[u8] = b"MOONKEEP-SNAPSHOT\n";
const SNAPSHOT_VERSION: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotError {
    #[error("this is not a Moonkeep snapshot (it does not start with MOONKEEP-SNAPSHOT)")]
    NotASnapshot,
    #[error("this snapshot has version {0}; this Moonkeep reads version {SNAPSHOT_VERSION}")]
    Version(u8),
    #[error("the snapshot is damaged: {0}")]
    Damaged(String),
    #[error("the snapshot holds {0} function(s) whose bytecode was not written by this store; import it only if you trust where it came from")]
    Untrusted(usize),
}

/// One file holding the current version of a store (its history and secret left out).
pub fn export(records: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let records: Vec<_> = records.iter().filter(|(key, _)| !format::is_history(key)).collect();
    let mut out = MAGIC.to_vec();
    out.push(SNAPSHOT_VERSION);
    format::put_varint(&mut out, records.len() as u64);
    for (key, value) in records {
        let value = match (format::parse_key(key), format::decode(value)) {
            (Some(KeyName::Meta), Ok(Record::Meta(meta))) => {
                format::encode(&Record::Meta(Meta { secret: [0; SECRET_LEN], version: 0, ..meta }))
            }
            _ => value.clone(),
        };
        format::put_varint(&mut out, key.len() as u64);
        out.extend_from_slice(key);
        format::put_varint(&mut out, value.len() as u64);
        out.extend_from_slice(&value);
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// [`import_at`] with the time of the new version unknown (0).
pub fn import(
    snapshot: &[u8],
    current: &[(Vec<u8>, Vec<u8>)],
    fresh_secret: [u8; SECRET_LEN],
    trust: bool,
) -> Result<Vec<Change>, SnapshotError> {
    import_at(snapshot, current, fresh_secret, trust, 0)
}

/// The changes that make the snapshot's Memory a new version of a store (`current`,
/// every record), made at `time` (ms since the Unix epoch). The store keeps its own
/// secret (a store without one adopts `fresh_secret`); the snapshot's bytecode is
/// re-signed with it.
pub fn import_at(
    snapshot: &[u8],
    current: &[(Vec<u8>, Vec<u8>)],
    fresh_secret: [u8; SECRET_LEN],
    trust: bool,
    time: u64,
) -> Result<Vec<Change>, SnapshotError> {
    let records = read(snapshot)?;
    let secret = current.iter().find(|(k, _)| k == format::META_KEY).and_then(|(_, v)| match format::decode(v) {
        Ok(Record::Meta(m)) => Some(m.secret),
        _ => None,
    });
    let mut untrusted = 0;
    let mut puts = Vec::new();
    let mut meta = None;
    for (key, value) in records {
        match (format::parse_key(&key), format::decode(&value)) {
            (Some(KeyName::Meta), Ok(Record::Meta(m))) => meta = Some(m),
            (Some(KeyName::Proto(_)), Ok(Record::Proto { tag: stored_tag, bytecode })) => {
                let mine = secret.is_some_and(|s| tag_verifies(&s, &bytecode, &stored_tag));
                if !mine {
                    untrusted += 1;
                }
                puts.push((key, ProtoOrRecord::Proto(bytecode)));
            }
            (Some(_), _) => puts.push((key, ProtoOrRecord::Record(value))),
            (None, _) => {
                return Err(SnapshotError::Damaged(format!("unknown record key {}", String::from_utf8_lossy(&key))))
            }
        }
    }
    if untrusted > 0 && !trust {
        return Err(SnapshotError::Untrusted(untrusted));
    }
    let Some(meta) = meta else {
        return Err(SnapshotError::Damaged("it has no meta record".into()));
    };
    let ids = puts.iter().filter_map(|(key, _)| match format::parse_key(key) {
        Some(KeyName::Object(id) | KeyName::Proto(id)) => Some(id),
        _ => None,
    });
    if let Some(fault) = meta.fault(ids) {
        return Err(SnapshotError::Damaged(format!("its meta record is invalid: {fault}")));
    }
    let secret = secret.unwrap_or(fresh_secret);
    let mut records = BTreeMap::new();
    for (key, item) in puts {
        let value = match item {
            ProtoOrRecord::Record(value) => value,
            ProtoOrRecord::Proto(bytecode) => format::encode(&Record::Proto { tag: tag(&secret, &bytecode), bytecode }),
        };
        if let Some(name) = format::parse_key(&key) {
            records.insert(name, value);
        }
    }
    let target = Target { records, root: meta.root, next_id: meta.next_id, cause: Cause::Import, time };
    Ok(history::new_version(current, secret, target))
}

enum ProtoOrRecord {
    Record(Vec<u8>),
    Proto(Vec<u8>),
}

fn read(snapshot: &[u8]) -> Result<crate::store::Records, SnapshotError> {
    let body = snapshot.strip_prefix(MAGIC).ok_or(SnapshotError::NotASnapshot)?;
    let (&version, _) = body.split_first().ok_or_else(|| SnapshotError::Damaged("it is empty".into()))?;
    if version != SNAPSHOT_VERSION {
        return Err(SnapshotError::Version(version));
    }
    if snapshot.len() < MAGIC.len() + 1 + 4 {
        return Err(SnapshotError::Damaged("it is truncated".into()));
    }
    let (content, crc) = snapshot.split_at(snapshot.len() - 4);
    if crc32fast::hash(content).to_le_bytes() != crc {
        return Err(SnapshotError::Damaged("its checksum does not match (truncated or altered)".into()));
    }
    let mut r = &content[MAGIC.len() + 1..];
    let count = varint(&mut r)?;
    let mut records = Vec::new();
    for _ in 0..count {
        let key = bytes(&mut r)?;
        let value = bytes(&mut r)?;
        records.push((key, value));
    }
    if !r.is_empty() {
        return Err(SnapshotError::Damaged("bytes after the last record".into()));
    }
    Ok(records)
}

fn varint(r: &mut &[u8]) -> Result<u64, SnapshotError> {
    format::take_varint(r).ok_or_else(|| SnapshotError::Damaged("a length is malformed or truncated".into()))
}

fn bytes(r: &mut &[u8]) -> Result<Vec<u8>, SnapshotError> {
    let n = varint(r)?;
    if n > r.len() as u64 {
        return Err(SnapshotError::Damaged("a record runs past the end".into()));
    }
    let (head, rest) = r.split_at(n as usize);
    *r = rest;
    Ok(head.to_vec())
}
