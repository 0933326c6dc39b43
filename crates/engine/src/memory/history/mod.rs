//! The history: every save point is a version, and the records a version replaced or
//! deleted stay in the store under history keys (docs/FORMAT.md, "History").
//!
//! The live records (`meta`, `o`, `p`) are always the current version, so restoring
//! it never reads the history. The record of key K as of version V is the history
//! entry `h` K W with the smallest W > V, else the live record K: W is the version
//! that replaced it, so that entry held from the previous replacement up to W.
//!
//! Everything here works on a store's records as loaded (in key order) and returns
//! the changes for one atomic commit: the engine never waits on storage.

mod diff;
mod retention;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use rustc_hash::FxHashMap;

use super::format::{self, Cause, KeyName, Meta, Record, Version};
use super::path::references;
use crate::store::Change;
pub use diff::{diff, Difference};
pub use retention::{retention, set_retention, usage, Collection, Retention, Usage, DEFAULT_BUDGET};

/// Why a version cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HistoryError {
    #[error("there is no version {0} (`moonkeep history` lists the versions kept)")]
    NoVersion(u64),
    #[error("the entry of version {0} is damaged ({1}), so its Memory cannot be found")]
    DamagedEntry(u64, String),
    #[error("the store's meta record is missing or damaged ({0}); open the store once to repair it")]
    NoMeta(String),
}

/// A version named by a history key: the one a `v` entry describes, or the one that
/// replaced an `h` record (which existed, even if its entry was thinned since).
pub fn version_named_by(key: &[u8]) -> Option<u64> {
    format::parse_version_key(key).or_else(|| format::parse_history_key(key).map(|(_, w)| w))
}

/// Every version's entry, newest first; an entry that cannot be read says why.
pub fn versions(records: &[(Vec<u8>, Vec<u8>)]) -> Vec<(u64, Result<Version, String>)> {
    let mut out: Vec<_> = records
        .iter()
        .filter_map(|(key, value)| {
            let number = format::parse_version_key(key)?;
            Some((number, entry(value)))
        })
        .collect();
    out.sort_unstable_by_key(|(number, _)| std::cmp::Reverse(*number));
    out
}

fn entry(value: &[u8]) -> Result<Version, String> {
    match format::decode(value) {
        Ok(Record::Version(v)) => Ok(v),
        Ok(_) => Err("a record of another kind is stored under its key".into()),
        Err(e) => Err(e.to_string()),
    }
}

impl Version {
    /// What made it, in a line: the run's chunk and the first line of its code, or the
    /// restore, import or migration it was.
    pub fn title(&self) -> String {
        let first_line = self.source.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
        match self.cause {
            Cause::Run => format!("{}: {first_line}", self.chunk),
            Cause::DuringRun => format!("{} (saved during the run): {first_line}", self.chunk),
            Cause::Restore { of } => format!("restore of version {of}"),
            Cause::Import => "import of a snapshot".into(),
            Cause::Migration => "the Memory of format version 1".into(),
        }
    }
}

/// The version "Undo last run" makes current again: the one the last run started
/// from, seen from version `current`. A restore stands for the version it restored,
/// so undoing again goes one run further back; save points made during the run are
/// passed over; a version the history no longer keeps is replaced by the newest kept
/// one before it. None when no run is left to undo. `versions` is [`versions`]' list.
pub fn before_last_run(versions: &[(u64, Result<Version, String>)], current: u64) -> Option<u64> {
    let find = |number: u64| versions.iter().find(|(n, _)| *n == number).and_then(|(_, v)| v.as_ref().ok());
    let mut at = current;
    // Each step goes to an older version: a crafted cycle of restores ends.
    for _ in 0..=versions.len() {
        let entry = find(at)?;
        match entry.cause {
            Cause::Restore { of } if of < at => at = of,
            Cause::Run | Cause::DuringRun => {
                let mut parent = entry.parent;
                while let Some(Version { cause: Cause::DuringRun, parent: p, .. }) = find(parent) {
                    parent = *p;
                }
                let kept = versions.iter().map(|(n, _)| *n).filter(|n| *n <= parent).max();
                return kept.filter(|n| *n != current);
            }
            _ => return None,
        }
    }
    None
}

/// Bytes of the history as people read them: "812 B", "1.4 KB", "50.0 MB" (1 KB is
/// 1,024 bytes, as the retention budget counts them).
pub fn size_text(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{:.1} KB", b as f64 / 1024.0),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// The store's meta record.
pub fn meta(records: &[(Vec<u8>, Vec<u8>)]) -> Result<Meta, HistoryError> {
    let value = records
        .iter()
        .find(|(k, _)| k == format::META_KEY)
        .map(|(_, v)| v)
        .ok_or_else(|| HistoryError::NoMeta("missing".into()))?;
    match format::decode(value) {
        Ok(Record::Meta(m)) => Ok(m),
        Ok(_) => Err(HistoryError::NoMeta("a record of another kind".into())),
        Err(e) => Err(HistoryError::NoMeta(e.to_string())),
    }
}

/// Version `number`'s Memory as the records of a store holding only it (meta, objects
/// and prototypes its root reaches; no history): what a restore or a snapshot reads.
/// A damaged record is kept as it is: the restore reports it by path.
pub fn records_at(records: &[(Vec<u8>, Vec<u8>)], number: u64) -> Result<crate::store::Records, HistoryError> {
    let meta = meta(records)?;
    let root = root_of(records, number)?;
    let chosen = chosen_at(records, number);
    let mut out = vec![(format::META_KEY.to_vec(), format::encode(&Record::Meta(Meta { root, version: 0, ..meta })))];
    out.extend(reached(root, &chosen).into_iter().map(|name| (name.bytes(), chosen[&name].to_vec())));
    out.sort_unstable();
    Ok(out)
}

pub(super) fn root_of(records: &[(Vec<u8>, Vec<u8>)], number: u64) -> Result<u64, HistoryError> {
    let key = format::version_key(number);
    let (_, value) = records.iter().find(|(k, _)| *k == key).ok_or(HistoryError::NoVersion(number))?;
    entry(value).map(|v| v.root).map_err(|e| HistoryError::DamagedEntry(number, e))
}

/// Every object's and prototype's record as of version `number`.
pub(super) fn chosen_at(records: &[(Vec<u8>, Vec<u8>)], number: u64) -> FxHashMap<KeyName, &[u8]> {
    let mut from_history: FxHashMap<KeyName, (u64, &[u8])> = FxHashMap::default();
    let mut live = FxHashMap::default();
    for (key, value) in records {
        if let Some((name, replaced_by)) = format::parse_history_key(key) {
            if replaced_by > number {
                let slot = from_history.entry(name).or_insert((replaced_by, value));
                if replaced_by < slot.0 {
                    *slot = (replaced_by, value);
                }
            }
        } else if let Some(name @ (KeyName::Object(_) | KeyName::Proto(_))) = format::parse_key(key) {
            live.insert(name, value.as_slice());
        }
    }
    live.extend(from_history.into_iter().map(|(name, (_, value))| (name, value)));
    live
}

/// The objects and prototypes that `root` reaches through the records that can be read.
fn reached(root: u64, chosen: &FxHashMap<KeyName, &[u8]>) -> Vec<KeyName> {
    let mut seen = HashSet::from([KeyName::Object(root)]);
    let mut queue = VecDeque::from([KeyName::Object(root)]);
    let mut out = Vec::new();
    while let Some(name) = queue.pop_front() {
        let Some(bytes) = chosen.get(&name) else { continue };
        out.push(name);
        // A prototype refers to nothing: its bytecode need not be decoded.
        if let KeyName::Proto(_) = name {
            continue;
        }
        if let Ok(record) = format::decode(bytes) {
            references(&record, |child, _| {
                if seen.insert(child) {
                    queue.push_back(child);
                }
            });
        }
    }
    out
}

/// The newest version a store holds (0 for none).
pub fn newest(records: &[(Vec<u8>, Vec<u8>)]) -> u64 {
    let in_meta = meta(records).map_or(0, |m| m.version);
    records.iter().filter_map(|(k, _)| version_named_by(k)).max().unwrap_or(0).max(in_meta)
}

/// What a new version made outside a save point (a restore, an import) is made of.
pub(crate) struct Target {
    /// Object and prototype records by key.
    pub records: BTreeMap<KeyName, Vec<u8>>,
    pub root: u64,
    pub next_id: u64,
    pub cause: Cause,
    pub time: u64,
}

/// The changes that make `target` the store's new current version: live records it
/// replaces or drops go to the history, so the version before stays whole.
pub(crate) fn new_version(
    current: &[(Vec<u8>, Vec<u8>)],
    secret: [u8; format::SECRET_LEN],
    target: Target,
) -> Vec<Change> {
    let number = newest(current) + 1;
    let old = meta(current).ok();
    let mut changes = Vec::new();
    let mut live = HashMap::new();
    for (key, value) in current {
        let Some(name @ (KeyName::Object(_) | KeyName::Proto(_))) = format::parse_key(key) else { continue };
        live.insert(name, value);
        if target.records.get(&name) != Some(value) {
            changes.push(Change::Archive { key: key.clone(), to: format::history_key(key, number) });
        }
    }
    let (mut records, mut bytes) = (0, 0);
    for (name, value) in &target.records {
        if live.get(name) != Some(&value) {
            records += 1;
            bytes += value.len() as u64;
            changes.push(Change::Put { key: name.bytes(), value: value.clone() });
        }
    }
    let next_id = target.next_id.max(old.as_ref().map_or(0, |m| m.next_id));
    let parent = old.as_ref().map_or(0, |m| m.version);
    let meta = Meta { root: target.root, next_id, secret, version: number };
    changes.push(Change::Put { key: format::META_KEY.to_vec(), value: format::encode(&Record::Meta(meta)) });
    let entry =
        Version { time: target.time, cause: target.cause, ..Version::of_run(target.root, parent, records, bytes) };
    changes.push(Change::Put { key: format::version_key(number), value: format::encode(&Record::Version(entry)) });
    changes
}

/// The changes that make version `number` current again, as a new version (so that a
/// restore can itself be undone).
pub fn restore(records: &[(Vec<u8>, Vec<u8>)], number: u64, time: u64) -> Result<Vec<Change>, HistoryError> {
    let meta = meta(records)?;
    let root = root_of(records, number)?;
    let chosen = chosen_at(records, number);
    let target = reached(root, &chosen).into_iter().map(|name| (name, chosen[&name].to_vec())).collect();
    let target = Target { records: target, root, next_id: meta.next_id, cause: Cause::Restore { of: number }, time };
    Ok(new_version(records, meta.secret, target))
}

/// The changes that make a store of format version 1 (a meta record without a
/// version) version 1 of a store with history; None if there is nothing to migrate
/// (a new store, a store of version 2, or one whose meta record is damaged: the
/// first save point then starts the history). Records stay as they are.
pub fn migrate(records: &[(Vec<u8>, Vec<u8>)], time: u64) -> Option<Vec<Change>> {
    let meta = meta(records).ok().filter(|m| m.version == 0)?;
    let number = newest(records) + 1;
    let entry = Version { time, cause: Cause::Migration, ..Version::of_run(meta.root, 0, 0, 0) };
    Some(vec![
        Change::Put { key: format::version_key(number), value: format::encode(&Record::Version(entry)) },
        Change::Put {
            key: format::META_KEY.to_vec(),
            value: format::encode(&Record::Meta(Meta { version: number, ..meta })),
        },
    ])
}

#[cfg(test)]
mod tests;
