//! Retention: the history keeps every version until it outgrows its budget; then older
//! versions are thinned (every version of the last hour, one a minute for a day, one
//! an hour for 30 days, one a day before that), and if that is not enough the oldest
//! go, never the current or the newest one. Thinning deletes version entries only;
//! the records no kept version needs are then found and deleted a slice at a time
//! ([`Collection`]), so that no commit is large and none blocks a run for long.

use super::{meta, versions};
use crate::memory::format::{self, Record};
use crate::store::Change;

/// 50 MB: room for thousands of small versions, a small part of a browser's quota.
pub const DEFAULT_BUDGET: u64 = 50 * 1024 * 1024;

const MINUTE: u64 = 60_000;
const HOUR: u64 = 60 * MINUTE;
const DAY: u64 = 24 * HOUR;

/// How much room the history may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Bytes of history records (keys and values of `h` and `v`).
    pub budget: u64,
}

impl Default for Retention {
    fn default() -> Retention {
        Retention { budget: DEFAULT_BUDGET }
    }
}

/// The store's retention setting, or the default.
pub fn retention(records: &[(Vec<u8>, Vec<u8>)]) -> Retention {
    let stored = records.iter().find(|(k, _)| k == format::RETENTION_KEY).map(|(_, v)| format::decode(v));
    match stored {
        Some(Ok(Record::Retention { budget })) => Retention { budget },
        _ => Retention::default(),
    }
}

/// The change that stores `retention` as the store's setting.
pub fn set_retention(retention: Retention) -> Change {
    let value = format::encode(&Record::Retention { budget: retention.budget });
    Change::Put { key: format::RETENTION_KEY.to_vec(), value }
}

/// What the history holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub versions: usize,
    /// Bytes of keys and values of history records.
    pub bytes: u64,
}

/// How much the history of `records` takes.
pub fn usage(records: &[(Vec<u8>, Vec<u8>)]) -> Usage {
    let mut usage = Usage::default();
    for (key, value) in records {
        if format::parse_version_key(key).is_some() {
            usage.versions += 1;
        }
        if format::is_history(key) {
            usage.bytes += (key.len() + value.len()) as u64;
        }
    }
    usage
}

impl Retention {
    /// The version entries to delete, at time `now` (ms since the Unix epoch), so that
    /// the history fits its budget once their records are collected; none while it fits.
    pub fn thin(&self, records: &[(Vec<u8>, Vec<u8>)], now: u64) -> Vec<Change> {
        if usage(records).bytes <= self.budget {
            return Vec::new();
        }
        let current = meta(records).map_or(0, |m| m.version);
        let all: Vec<(u64, u64)> = versions(records).into_iter().map(|(n, e)| (n, e.map_or(0, |v| v.time))).collect();
        let newest = all.first().map_or(0, |&(n, _)| n);
        let protected = |n: u64| n == current || n == newest;
        let mut kept: Vec<u64> =
            scheduled(&all, now).into_iter().chain(all.iter().map(|&(n, _)| n).filter(|&n| protected(n))).collect();
        kept.sort_unstable();
        kept.dedup();
        // Drop the oldest kept versions until what the rest need fits.
        let droppable: Vec<u64> = kept.iter().copied().filter(|&n| !protected(n)).collect();
        let mut dropped = 0;
        while dropped < droppable.len() && needed_bytes(records, &kept) > self.budget {
            let step = (droppable.len() - dropped).div_ceil(8);
            for &n in &droppable[dropped..dropped + step] {
                kept.retain(|&k| k != n);
            }
            dropped += step;
        }
        all.iter()
            .filter(|(n, _)| kept.binary_search(n).is_err())
            .map(|&(n, _)| Change::Delete { key: format::version_key(n) })
            .collect()
    }
}

/// The versions the schedule keeps: all of the last hour, then the newest of each
/// minute (for a day), of each hour (for 30 days) and of each day.
pub(super) fn scheduled(all: &[(u64, u64)], now: u64) -> Vec<u64> {
    // Each version's slot: its own in the last hour, else its minute, hour or day.
    let mut slots: Vec<((u64, u64), u64)> = all
        .iter()
        .map(|&(number, time)| {
            let width = match now.saturating_sub(time) {
                a if a < HOUR => return ((0, number), number),
                a if a < DAY => MINUTE,
                a if a < 30 * DAY => HOUR,
                _ => DAY,
            };
            ((width, time / width), number)
        })
        .collect();
    slots.sort_unstable();
    // The newest version of each slot: the last of its run.
    slots.chunk_by(|a, b| a.0 == b.0).filter_map(|run| run.last().map(|&(_, number)| number)).collect()
}

/// Bytes of the history records that versions `kept` (sorted) need.
fn needed_bytes(records: &[(Vec<u8>, Vec<u8>)], kept: &[u64]) -> u64 {
    let mut bytes = 0;
    for (key, value) in records {
        let needed = match format::parse_version_key(key) {
            Some(n) => kept.binary_search(&n).is_ok(),
            None => format::parse_history_key(key).is_some(),
        };
        if needed {
            bytes += (key.len() + value.len()) as u64;
        }
    }
    bytes - unneeded(records, kept).iter().map(|(k, v)| (k.len() + v) as u64).sum::<u64>()
}

/// History records that no version in `kept` (sorted) needs, with their value's size.
/// The entry `h` K W holds K for the versions from the previous entry of K (or 0) up to
/// W; it is needed if a kept version lies in that span.
fn unneeded(records: &[(Vec<u8>, Vec<u8>)], kept: &[u64]) -> Vec<(Vec<u8>, usize)> {
    // `h` K W sorts by K, then by W (big-endian): in key order (as stores load
    // records), one key's entries are adjacent and oldest first. No map is needed.
    let mut entries: Vec<(&[u8], usize)> = records
        .iter()
        .filter(|(k, _)| format::parse_history_key(k).is_some())
        .map(|(k, v)| (k.as_slice(), v.len()))
        .collect();
    if !entries.is_sorted_by(|a, b| a.0 <= b.0) {
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
    }
    let mut out = Vec::new();
    let mut previous = None;
    let mut from = 0;
    for (key, size) in entries {
        let Some((name, to)) = format::parse_history_key(key) else { continue };
        if previous != Some(name) {
            previous = Some(name);
            from = 0;
        }
        let first_kept = kept.partition_point(|&n| n < from);
        if kept.get(first_kept).is_none_or(|&n| n >= to) {
            out.push((key.to_vec(), size));
        }
        from = to;
    }
    out
}

/// Deleting what no kept version needs, a slice at a time.
#[derive(Debug, Default)]
pub struct Collection {
    garbage: Vec<Vec<u8>>,
    /// Bytes the collection frees in all.
    pub bytes: u64,
}

impl Collection {
    /// Finds the history records of `records` that no version entry needs any more.
    pub fn find(records: &[(Vec<u8>, Vec<u8>)]) -> Collection {
        let mut kept: Vec<u64> = records.iter().filter_map(|(k, _)| format::parse_version_key(k)).collect();
        kept.sort_unstable();
        let garbage = unneeded(records, &kept);
        let bytes = garbage.iter().map(|(k, size)| (k.len() + size) as u64).sum();
        Collection { garbage: garbage.into_iter().map(|(k, _)| k).collect(), bytes }
    }

    pub fn is_done(&self) -> bool {
        self.garbage.is_empty()
    }

    /// The next commit: up to `units` deletions.
    pub fn step(&mut self, units: usize) -> Vec<Change> {
        let start = self.garbage.len().saturating_sub(units.max(1));
        self.garbage.drain(start..).map(|key| Change::Delete { key }).collect()
    }
}
