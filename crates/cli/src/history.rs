//! The history commands: list versions, compare two, restore one (as a new version),
//! look at or export one, and the history's budget. Each works on the store's records
//! as loaded; only `restore` and `retention --budget` write (the others open the file
//! only to read it, beside a writer).

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use moonkeep_engine::history::{self, Collection, Retention};
use moonkeep_engine::{snapshot, Change, Limits, MemoryStore, Records, Store, Version, Vm};
use moonkeep_store_redb::RedbStore;

/// Milliseconds since the Unix epoch, for version entries.
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// Opens a store for a session: a store of format version 1 becomes version 1 of a
/// store with history, and a history over its budget is thinned and collected. Returns
/// the records as they are then.
pub fn prepare(store: &mut RedbStore) -> Result<Records, String> {
    let mut records = store.load().map_err(|e| e.0)?;
    if let Some(changes) = history::migrate(&records, now()) {
        store.commit(&changes).map_err(|e| format!("cannot add history to this store: {}", e.0))?;
        records = store.load().map_err(|e| e.0)?;
    }
    let thinned = history::retention(&records).thin(&records, now());
    if !thinned.is_empty() {
        store.commit(&thinned).map_err(|e| format!("cannot thin the history: {}", e.0))?;
        records = store.load().map_err(|e| e.0)?;
        // A native store is local and quick: the whole collection now, a slice a commit.
        let mut collection = Collection::find(&records);
        while !collection.is_done() {
            store.commit(&collection.step(COLLECT_SLICE)).map_err(|e| format!("cannot thin the history: {}", e.0))?;
        }
        records = store.load().map_err(|e| e.0)?;
    }
    Ok(records)
}

/// History records deleted per commit while collecting.
const COLLECT_SLICE: usize = 1024;

/// The records of a store opened only to read (beside a writer, never changed): a
/// store of format version 1 is read as its migration would make it, in memory.
pub fn read(store: &RedbStore) -> Result<Records, String> {
    let records = store.load().map_err(|e| e.0)?;
    let Some(changes) = history::migrate(&records, now()) else { return Ok(records) };
    let mut migrated = MemoryStore::new();
    let puts: Vec<Change> = records.into_iter().map(|(key, value)| Change::Put { key, value }).collect();
    migrated.commit(&puts).and_then(|()| migrated.commit(&changes)).map_err(|e| e.0)?;
    migrated.load().map_err(|e| e.0)
}

/// A store opened to change it, migrated and thinned (`prepare`).
fn open(db: &Path) -> Result<(RedbStore, Records), String> {
    let mut store = RedbStore::open(db).map_err(|e| e.0)?;
    if let Some(recovery) = store.recovery() {
        eprintln!("moonkeep: {recovery}");
    }
    let records = prepare(&mut store)?;
    Ok((store, records))
}

/// A store opened to read it (`read`).
fn open_to_read(db: &Path) -> Result<(RedbStore, Records), String> {
    let store = RedbStore::open_read_only(db).map_err(|e| e.0)?;
    if let Some(recovery) = store.recovery() {
        eprintln!("moonkeep: {recovery}");
    }
    let records = read(&store)?;
    Ok((store, records))
}

/// `moonkeep history`: one version a line, newest first, each line starting with its
/// number; with a version, its whole entry and the code that made it.
pub fn list(db: &Path, version: Option<u64>) -> Result<(), String> {
    let (_, records) = open_to_read(db)?;
    let current = history::meta(&records).map_or(0, |m| m.version);
    let versions = history::versions(&records);
    if let Some(number) = version {
        let (_, entry) = versions.into_iter().find(|(n, _)| *n == number).ok_or_else(|| no_version(number))?;
        let entry = entry.map_err(|e| format!("the entry of version {number} is damaged: {e}"))?;
        println!("{}", line(number, &entry, current));
        if !entry.source.is_empty() {
            println!("{}", entry.source.trim_end());
        }
        return Ok(());
    }
    for (number, entry) in &versions {
        match entry {
            Ok(entry) => println!("{}", line(*number, entry, current)),
            Err(e) => println!("{number}  <entry damaged: {e}>"),
        }
    }
    let usage = history::usage(&records);
    eprintln!(
        "moonkeep: {} versions; the history takes {} of its {} budget",
        usage.versions,
        history::size_text(usage.bytes),
        history::size_text(history::retention(&records).budget)
    );
    Ok(())
}

fn no_version(number: u64) -> String {
    history::HistoryError::NoVersion(number).to_string()
}

fn line(number: u64, entry: &Version, current: u64) -> String {
    let what = entry.title();
    let mark = if number == current { "  (current)" } else { "" };
    let records = if entry.records == 1 { "record" } else { "records" };
    format!(
        "{number}  {}  {what}  [{} {records}, {}]{mark}",
        time(entry.time),
        entry.records,
        history::size_text(entry.bytes)
    )
}

/// `moonkeep diff A B`: the paths that differ, one a line (+ added, - removed, ~ changed).
pub fn diff(db: &Path, a: u64, b: u64) -> Result<(), String> {
    let (_, records) = open_to_read(db)?;
    for difference in history::diff(&records, a, b).map_err(|e| e.to_string())? {
        println!("{difference}");
    }
    Ok(())
}

/// `moonkeep restore N`: a new version equal to version N.
pub fn restore(db: &Path, number: u64) -> Result<(), String> {
    let (mut store, records) = open(db)?;
    let before = history::meta(&records).map_err(|e| e.to_string())?.version;
    let changes = history::restore(&records, number, now()).map_err(|e| e.to_string())?;
    store.commit(&changes).map_err(|e| format!("Memory was not restored: {}", e.0))?;
    let made = history::newest(&store.load().map_err(|e| e.0)?);
    eprintln!("moonkeep: version {made} restores version {number} (`moonkeep restore {before}` undoes it)");
    Ok(())
}

/// Version `number`'s Memory in a VM of its own, its problems reported.
fn vm_at(records: &[(Vec<u8>, Vec<u8>)], number: u64) -> Result<Vm, String> {
    let at = history::records_at(records, number).map_err(|e| e.to_string())?;
    let vm = Vm::new().map_err(|e| format!("cannot start Lua: {e}"))?;
    let report = vm.restore(at, [0; moonkeep_engine::SECRET_LEN]).map_err(|e| format!("cannot restore: {e}"))?;
    for problem in &report.problems {
        eprintln!("moonkeep: version {number}: not restored: {problem}");
    }
    Ok(vm)
}

/// `moonkeep inspect --at N`.
pub fn inspect(db: &Path, number: u64) -> Result<(), String> {
    let (_, records) = open_to_read(db)?;
    let vm = vm_at(&records, number)?;
    println!("Memory as of version {number} (a past version: read only)");
    print!("{}", crate::tree::render(&vm.memory_tree(Limits::default())));
    Ok(())
}

/// `moonkeep export --at N FILE`: a snapshot of one version, complete in itself.
pub fn export(db: &Path, number: u64, file: &Path) -> Result<(), String> {
    let (store, records) = open_to_read(db)?;
    let at = history::records_at(&records, number).map_err(|e| e.to_string())?;
    crate::session::write_snapshot(store.path(), file, &snapshot::export(&at))
}

/// `moonkeep retention [--budget MB]`: shows (and sets) how much room the history may take.
pub fn retention(db: &Path, budget_mb: Option<f64>) -> Result<(), String> {
    let (mut store, mut records) = open(db)?;
    if let Some(mb) = budget_mb {
        let budget = Retention { budget: (mb * 1024.0 * 1024.0) as u64 };
        store.commit(&[history::set_retention(budget)]).map_err(|e| e.0)?;
        records = prepare(&mut store)?;
    }
    let usage = history::usage(&records);
    println!(
        "budget {}; the history takes {} in {} versions",
        history::size_text(history::retention(&records).budget),
        history::size_text(usage.bytes),
        usage.versions
    );
    Ok(())
}

/// `YYYY-MM-DD HH:MM:SS UTC` for ms since the Unix epoch ("time unknown" for 0).
fn time(ms: u64) -> String {
    if ms == 0 {
        return "time unknown".into();
    }
    format!("{} UTC", moonkeep_engine::time::date_time(ms, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_dates_in_utc() {
        assert_eq!(time(0), "time unknown");
        assert_eq!(time(1), "1970-01-01 00:00:00 UTC");
        assert_eq!(time(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(time(1_796_655_655_000), "2026-12-07 15:00:55 UTC");
    }
}
