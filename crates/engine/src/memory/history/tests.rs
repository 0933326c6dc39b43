//! Versions through save points, reads of old versions, restores, migration, diffs,
//! retention and the failure modes: each against a `MemoryStore`.

use super::*;
use crate::memory::format::SECRET_LEN;
use crate::{MemoryStore, RestoreReport, Store, Vm};

const SECRET: [u8; SECRET_LEN] = [7; SECRET_LEN];

fn run(vm: &Vm, source: &str) {
    let run = vm.eval(source, "test.lua");
    if let Err(e) = &run.result {
        panic!("{}\n{}", e.message, run.output);
    }
}

fn value(vm: &Vm, expression: &str) -> String {
    let run = vm.eval(&format!("return {expression}"), "check.lua");
    match run.result {
        Ok(values) => values.join("\t"),
        Err(e) => panic!("{}", e.message),
    }
}

/// Runs `source` and commits its save point, described as a run at `time`.
fn save_run(vm: &Vm, store: &mut MemoryStore, source: &str, time: u64) -> Option<u64> {
    run(vm, source);
    let mut point = vm.save_point();
    point.describe(time, Cause::Run, "test.lua", source);
    store.commit(&point.changes).unwrap();
    vm.committed(&point);
    point.version()
}

fn fresh() -> (Vm, MemoryStore) {
    let vm = Vm::new().unwrap();
    vm.restore(Vec::new(), SECRET).unwrap();
    (vm, MemoryStore::new())
}

fn open(records: Vec<(Vec<u8>, Vec<u8>)>) -> (Vm, RestoreReport) {
    let vm = Vm::new().unwrap();
    let report = vm.restore(records, [9; SECRET_LEN]).unwrap();
    (vm, report)
}

const GRAPH: &str = "
    local n = 0
    local shared = { 'shared' }
    Memory.list = { 1, 2, 3, shared, shared }
    Memory.count = function() n = n + 1 return n end
    Memory.peek = function() return n end
    Memory.cycle = {} Memory.cycle.self = Memory.cycle
";

#[test]
fn every_save_point_is_a_version_and_an_old_one_comes_back_whole() {
    let (vm, mut store) = fresh();
    assert_eq!(save_run(&vm, &mut store, GRAPH, 1_000), Some(1));
    assert_eq!(save_run(&vm, &mut store, "Memory.count() Memory.count()", 2_000), Some(2));
    assert_eq!(save_run(&vm, &mut store, "Memory.list = nil Memory.count = nil", 3_000), Some(3));
    assert_eq!(save_run(&vm, &mut store, "local unchanged = 1", 4_000), None, "no change, no version");
    let records = store.load().unwrap();
    let listed: Vec<_> = versions(&records).into_iter().map(|(n, v)| (n, v.unwrap())).collect();
    assert_eq!(listed.iter().map(|(n, _)| *n).collect::<Vec<_>>(), [3, 2, 1], "newest first");
    assert_eq!(listed[0].1.source, "Memory.list = nil Memory.count = nil");
    assert_eq!((listed[0].1.time, listed[0].1.parent, listed[0].1.cause), (3_000, 2, Cause::Run));

    let (old, report) = open(records_at(&records, 2).unwrap());
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(value(&old, "Memory.peek(), #Memory.list, Memory.list[4] == Memory.list[5]"), "2\t5\ttrue");
    assert_eq!(value(&old, "Memory.count(), Memory.peek()"), "3\t3", "the closures still share n");
    assert_eq!(value(&old, "Memory.cycle.self == Memory.cycle"), "true");
    let (first, _) = open(records_at(&records, 1).unwrap());
    assert_eq!(value(&first, "Memory.peek()"), "0");
    let (now, _) = open(records);
    assert_eq!(value(&now, "Memory.list, Memory.count, Memory.peek()"), "nil\tnil\t2");
}

#[test]
fn a_one_key_version_writes_the_changed_record_an_entry_and_the_meta_record() {
    let (vm, mut store) = fresh();
    save_run(&vm, &mut store, "for i = 1, 100 do Memory[i] = { i } end", 1);
    let mut point = {
        run(&vm, "Memory[50][1] = 'changed'");
        vm.save_point()
    };
    point.describe(2, Cause::Run, "test.lua", "Memory[50][1] = 'changed'");
    let kinds: Vec<&str> = point
        .changes
        .iter()
        .map(|c| match c {
            Change::Archive { .. } => "archive",
            Change::Put { key, .. } if key[0] == b'o' => "object",
            Change::Put { key, .. } if key[0] == b'v' => "version",
            Change::Put { key, .. } if key == format::META_KEY => "meta",
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(kinds, ["archive", "object", "version", "meta"]);
    let before = store.bytes();
    store.commit(&point.changes).unwrap();
    vm.committed(&point);
    assert!(store.bytes() - before < 200, "a one-key version added {} bytes", store.bytes() - before);
}

#[test]
fn restoring_a_version_makes_a_new_one_that_can_itself_be_undone() {
    let (vm, mut store) = fresh();
    save_run(&vm, &mut store, GRAPH, 1);
    save_run(&vm, &mut store, "Memory.list = nil", 2);
    let changes = restore(&store.load().unwrap(), 1, 3).unwrap();
    store.commit(&changes).unwrap();
    let records = store.load().unwrap();
    assert_eq!(versions(&records)[0].1.as_ref().unwrap().cause, Cause::Restore { of: 1 });
    let (back, report) = open(records.clone());
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(value(&back, "#Memory.list, Memory.list[4] == Memory.list[5], Memory.count()"), "5\ttrue\t1");
    // The restored Memory goes on saving as version 4; version 2 is still there.
    save_run(&back, &mut store, "Memory.after = true", 4);
    let records = store.load().unwrap();
    assert_eq!(versions(&records).iter().map(|(n, _)| *n).collect::<Vec<_>>(), [4, 3, 2, 1]);
    let (undone, _) = open(records_at(&records, 2).unwrap());
    assert_eq!(value(&undone, "Memory.list, Memory.after"), "nil\tnil");
    let (now, _) = open(records);
    assert_eq!(value(&now, "#Memory.list, Memory.after, Memory.count()"), "5\ttrue\t2");
}

#[test]
fn a_version_that_is_not_kept_is_named_in_the_error() {
    let (vm, mut store) = fresh();
    save_run(&vm, &mut store, "Memory.x = 1", 1);
    let error = records_at(&store.load().unwrap(), 7).unwrap_err();
    assert_eq!(error, HistoryError::NoVersion(7));
    assert!(error.to_string().contains("moonkeep history"), "{error}");
}

/// A store as format version 1 wrote it: no history, a meta record without a version.
fn as_version_1(store: &MemoryStore) -> MemoryStore {
    let mut old = MemoryStore::new();
    for (key, value) in store.load().unwrap() {
        if format::is_history(&key) {
            continue;
        }
        let value = match format::decode(&value) {
            Ok(Record::Meta(m)) => format::encode(&Record::Meta(Meta { version: 0, ..m })),
            _ => value,
        };
        old.records_mut().insert(key, value);
    }
    old
}

#[test]
fn a_store_of_version_1_becomes_version_1_of_a_store_with_history() {
    let (vm, mut store) = fresh();
    save_run(&vm, &mut store, GRAPH, 1);
    let mut old = as_version_1(&store);
    let before = old.load().unwrap();
    let changes = migrate(&before, 77).unwrap();
    assert_eq!(changes.len(), 2, "an entry and the meta record: no record moves");
    old.commit(&changes).unwrap();
    let records = old.load().unwrap();
    assert_eq!(meta(&records).unwrap().version, 1);
    let (number, entry) = versions(&records).remove(0);
    assert_eq!((number, entry.as_ref().unwrap().cause, entry.unwrap().time), (1, Cause::Migration, 77));
    assert!(migrate(&records, 78).is_none(), "migrated once");
    assert!(migrate(&[], 78).is_none(), "a new store has nothing to migrate");
    let (vm, report) = open(records);
    assert!(report.problems.is_empty());
    assert_eq!(value(&vm, "#Memory.list, Memory.count()"), "5\t1");
    assert_eq!(save_run(&vm, &mut old, "Memory.more = 1", 2), Some(2));
    let (first, _) = open(records_at(&old.load().unwrap(), 1).unwrap());
    assert_eq!(value(&first, "Memory.more, #Memory.list"), "nil\t5");
}

#[test]
fn a_damaged_meta_record_does_not_make_a_new_version_overwrite_an_old_one() {
    let (vm, mut store) = fresh();
    save_run(&vm, &mut store, "Memory.x = 1", 1);
    save_run(&vm, &mut store, "Memory.x = 2", 2);
    store.records_mut().get_mut(format::META_KEY).unwrap()[4] ^= 0xff;
    let (vm, report) = open(store.load().unwrap());
    assert!(!report.problems.is_empty());
    assert_eq!(save_run(&vm, &mut store, "Memory.x = 3", 3), Some(3));
    let records = store.load().unwrap();
    assert_eq!(versions(&records).iter().map(|(n, _)| *n).collect::<Vec<_>>(), [3, 2, 1]);
    let (one, _) = open(records_at(&records, 1).unwrap());
    assert_eq!(value(&one, "Memory.x"), "1");
}

#[test]
fn a_save_point_that_never_reached_the_store_leaves_the_history_as_it_was() {
    let (vm, mut store) = fresh();
    save_run(&vm, &mut store, "Memory.x = 1", 1);
    run(&vm, "Memory.x = 2");
    let lost = vm.save_point(); // the tab was closed before the commit
    assert_eq!(lost.version(), Some(2));
    let records = store.load().unwrap();
    assert_eq!(versions(&records).len(), 1);
    let (reopened, _) = open(records);
    assert_eq!(value(&reopened, "Memory.x"), "1", "the newest complete version wins");
    // The same process goes on: its next save point is version 2 and complete.
    assert_eq!(save_run(&vm, &mut store, "Memory.y = 1", 3), Some(2));
    let (now, _) = open(store.load().unwrap());
    assert_eq!(value(&now, "Memory.x, Memory.y"), "2\t1");
}

#[test]
fn a_damaged_record_of_an_old_version_costs_only_that_versions_value() {
    let (vm, mut store) = fresh();
    save_run(&vm, &mut store, "Memory.a = { 'old a' } Memory.b = { 'b' }", 1);
    save_run(&vm, &mut store, "Memory.a = { 'new a' }", 2);
    let key = store
        .load()
        .unwrap()
        .into_iter()
        .find(|(k, v)| format::parse_history_key(k).is_some() && v.windows(5).any(|w| w == b"old a"))
        .unwrap()
        .0;
    store.records_mut().get_mut(&key).unwrap()[4] ^= 0xff;
    let records = store.load().unwrap();
    let (old, report) = open(records_at(&records, 1).unwrap());
    assert_eq!(report.problems.iter().map(|p| p.path.as_str()).collect::<Vec<_>>(), ["Memory.a"]);
    assert_eq!(value(&old, "Memory.b[1]"), "b");
    let (now, report) = open(records);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(value(&now, "Memory.a[1]"), "new a");
}

#[test]
fn two_vms_saving_in_turns_keep_every_version_of_both() {
    let mut store = MemoryStore::new();
    for turn in 1..=6u64 {
        // Each turn opens the store as it is, as a tab taking ownership does.
        let (vm, _) = open(store.load().unwrap());
        let who = if turn % 2 == 0 { "b" } else { "a" };
        let source = format!("Memory.{who} = (Memory.{who} or 0) + 1 Memory.last = '{who}'");
        assert_eq!(save_run(&vm, &mut store, &source, turn), Some(turn));
    }
    let records = store.load().unwrap();
    assert_eq!(versions(&records).len(), 6);
    for turn in 1..=6 {
        let (vm, _) = open(records_at(&records, turn).unwrap());
        let (a, b) = (turn.div_ceil(2), turn / 2);
        assert_eq!(value(&vm, "Memory.a, Memory.b or 0"), format!("{a}\t{b}"));
    }
}

#[test]
fn a_diff_names_added_removed_and_changed_paths_and_changed_functions() {
    let (vm, mut store) = fresh();
    save_run(&vm, &mut store, GRAPH, 1);
    save_run(
        &vm,
        &mut store,
        "Memory.list[2] = 'two' Memory.list[3] = nil Memory.added = { x = 1 } Memory.count() \
         Memory.peek = function() return 'other code' end",
        2,
    );
    let records = store.load().unwrap();
    let shown: Vec<String> = diff(&records, 1, 2).unwrap().iter().map(|d| d.to_string()).collect();
    let has = |needle: &str| shown.iter().any(|line| line.starts_with(needle));
    assert!(has("+ Memory.added = table (1 entries)"), "{shown:#?}");
    assert!(has("+ Memory.added.x = 1"), "{shown:#?}");
    assert!(has("~ Memory.list[2]: 2 -> \"two\""), "{shown:#?}");
    assert!(has("- Memory.list[3] = 3"), "{shown:#?}");
    // Which closure owns the shared cell depends on the walk's order: the new owner
    // holds 1 either way.
    let upvalue = shown.iter().any(|l| l.starts_with("~ Memory.count (upvalue '#1'): ") && l.ends_with(" -> 1"));
    assert!(upvalue, "an upvalue: {shown:#?}");
    assert!(has("~ Memory.peek: function "), "new bytecode: {shown:#?}");
    assert!(!has("~ Memory.count:"), "the same bytecode: {shown:#?}");
    assert!(!shown.iter().any(|l| l.contains("Memory.cycle")), "{shown:#?}");
    assert!(diff(&records, 2, 2).unwrap().is_empty());
}

/// A history that outgrows a small budget: thinned, collected, every kept version
/// still whole and the current one untouched.
#[test]
fn retention_thins_old_versions_and_collects_what_no_kept_version_needs() {
    let (vm, mut store) = fresh();
    let now = 40 * DAY_MS;
    save_run(&vm, &mut store, "Memory.blob = string.rep('x', 1000) Memory.n = 0", 0);
    // One version a minute for three hours, then ten in the last minutes.
    for i in 1..=180u64 {
        let source = format!("Memory.n = {i} Memory.blob = string.rep('{}', 1000)", i % 10);
        save_run(&vm, &mut store, &source, now - 4 * 3_600_000 + i * 60_000);
    }
    let records = store.load().unwrap();
    let all = usage(&records);
    assert_eq!(all.versions, 181);
    assert!(Retention::default().thin(&records, now).is_empty(), "within the default budget");

    let retention = Retention { budget: all.bytes / 3 };
    let thinned = retention.thin(&records, now);
    assert!(!thinned.is_empty());
    store.commit(&thinned).unwrap();
    let mut collection = Collection::find(&store.load().unwrap());
    assert!(collection.bytes > 0);
    while !collection.is_done() {
        let slice = collection.step(16);
        assert!(slice.len() <= 16);
        store.commit(&slice).unwrap();
    }
    let records = store.load().unwrap();
    let left = usage(&records);
    assert!(left.bytes <= retention.budget, "{} > {}", left.bytes, retention.budget);
    let kept: Vec<u64> = versions(&records).iter().map(|(n, _)| *n).collect();
    assert_eq!(kept[0], 181, "the current version stays");
    assert!(kept.len() < 181 && kept.len() > 1, "{kept:?}");
    for &n in &kept {
        let (vm, report) = open(records_at(&records, n).unwrap());
        assert!(report.problems.is_empty(), "version {n}: {:?}", report.problems);
        let i = n - 1;
        assert_eq!(value(&vm, "Memory.n, #Memory.blob"), format!("{i}\t1000"), "version {n}");
    }
    let (now_vm, _) = open(records);
    assert_eq!(value(&now_vm, "Memory.n"), "180");
    assert!(Collection::find(&store.load().unwrap()).is_done(), "nothing left to collect");
}

const DAY_MS: u64 = 86_400_000;

#[test]
fn the_schedule_keeps_the_last_hour_and_one_version_a_minute_an_hour_a_day_before() {
    let now = 100 * DAY_MS;
    let (second, minute, hour) = (1_000, 60_000, 3_600_000);
    // Bucket boundaries fall on whole minutes, hours and days since the epoch, as `now` does.
    let all: Vec<(u64, u64)> = vec![
        (9, now - minute),
        (8, now - 2 * minute),
        (7, now - 2 * hour - 10 * second),
        (6, now - 2 * hour - 20 * second),
        (5, now - 2 * DAY_MS - 10 * second),
        (4, now - 2 * DAY_MS - 20 * minute),
        (3, now - 40 * DAY_MS - minute),
        (2, now - 40 * DAY_MS - 2 * hour),
    ];

    let mut kept = retention::scheduled(&all, now);
    kept.sort_unstable();
    assert_eq!(kept, [3, 5, 7, 8, 9]);
}

/// A store with a quota, as a browser's: a commit that would pass it fails whole.
struct Quota {
    store: MemoryStore,
    limit: usize,
}

impl Quota {
    fn commit(&mut self, changes: &[Change]) -> Result<(), String> {
        let mut trial = self.store.clone();
        trial.commit(changes).unwrap();
        if trial.bytes() > self.limit {
            return Err(format!("quota exceeded: {} > {}", trial.bytes(), self.limit));
        }
        self.store = trial;
        Ok(())
    }

    /// Thins the history to `budget` and collects: what a host does when the quota is full.
    fn make_room(&mut self, budget: u64) {
        let records = self.store.load().unwrap();
        self.commit(&Retention { budget }.thin(&records, 0)).unwrap();
        let mut collection = Collection::find(&self.store.load().unwrap());
        while !collection.is_done() {
            self.commit(&collection.step(64)).unwrap();
        }
    }
}

#[test]
fn a_full_quota_is_met_by_thinning_and_else_fails_with_the_current_version_intact() {
    let (vm, store) = fresh();
    let mut quota = Quota { store, limit: usize::MAX };
    let blob = |i: u32| {
        format!("local t = {{}} for j = 1, 2000 do t[j] = string.char(33 + (j * {i}) % 90) end Memory.blob = table.concat(t) Memory.i = {i}")
    };
    for i in 1..=10 {
        run(&vm, &blob(i));
        let point = vm.save_point();
        quota.commit(&point.changes).unwrap();
        vm.committed(&point);
    }
    quota.limit = quota.store.bytes();
    run(&vm, &blob(11));
    let point = vm.save_point();
    assert!(quota.commit(&point.changes).unwrap_err().contains("quota exceeded"));
    // Thinning first: the history gives up old versions and the save point fits.
    quota.make_room(usage(&quota.store.load().unwrap()).bytes / 2);
    quota.commit(&point.changes).unwrap();
    vm.committed(&point);
    let (now, _) = open(quota.store.load().unwrap());
    assert_eq!(value(&now, "Memory.i"), "11");

    // Memory itself outgrows the quota: no thinning helps; the error stands and the
    // current version is as it was.
    run(&vm, "Memory.huge = {} for j = 1, 2000 do Memory.huge[j] = string.rep(string.char(j % 256), 64) .. j end");
    let point = vm.save_point();
    quota.make_room(0);
    assert!(quota.commit(&point.changes).is_err());
    let records = quota.store.load().unwrap();
    assert_eq!(versions(&records).len(), 1, "only the current version is left");
    let (now, report) = open(records);
    assert!(report.problems.is_empty());
    assert_eq!(value(&now, "Memory.i, Memory.huge"), "11\tnil");
}

fn listed(entries: &[(u64, Cause, u64)]) -> Vec<(u64, Result<Version, String>)> {
    let mut out: Vec<_> = entries
        .iter()
        .map(|&(number, cause, parent)| (number, Ok(Version { cause, ..Version::of_run(1, parent, 1, 1) })))
        .collect();
    out.reverse();
    out
}

#[test]
fn undo_goes_back_one_run_at_a_time_past_save_points_made_during_a_run() {
    // 1 run, 2 run, 3 and 4 saved during a long run, 5 its end.
    let mut versions = vec![
        (1, Cause::Run, 0),
        (2, Cause::Run, 1),
        (3, Cause::DuringRun, 2),
        (4, Cause::DuringRun, 3),
        (5, Cause::Run, 4),
    ];
    assert_eq!(before_last_run(&listed(&versions), 5), Some(2), "the long run is undone whole");
    // Undo made 6 (a restore of 2): undoing again undoes run 2.
    versions.push((6, Cause::Restore { of: 2 }, 5));
    assert_eq!(before_last_run(&listed(&versions), 6), Some(1));
    versions.push((7, Cause::Restore { of: 1 }, 6));
    assert_eq!(before_last_run(&listed(&versions), 7), None, "the first run has nothing before it");
    // A run killed mid-way left only save points made during it.
    let killed = [(1, Cause::Run, 0), (2, Cause::DuringRun, 1), (3, Cause::DuringRun, 2)];
    assert_eq!(before_last_run(&listed(&killed), 3), Some(1));
}

#[test]
fn undo_falls_back_to_the_newest_kept_version_and_stops_at_imports_and_cycles() {
    // Retention thinned 2 and 3 away: run 4 came from 3, so 1 is what is left before it.
    let thinned = [(1, Cause::Run, 0), (4, Cause::Run, 3)];
    assert_eq!(before_last_run(&listed(&thinned), 4), Some(1));
    let imported = [(1, Cause::Run, 0), (2, Cause::Import, 1)];
    assert_eq!(before_last_run(&listed(&imported), 2), None);
    let crafted = [(1, Cause::Restore { of: 2 }, 0), (2, Cause::Restore { of: 1 }, 1)];
    assert_eq!(before_last_run(&listed(&crafted), 2), None);
    let damaged = vec![(2, Ok(Version::of_run(1, 1, 1, 1))), (1, Err("damaged".to_owned()))];
    assert_eq!(before_last_run(&damaged, 2), Some(1), "a damaged entry is still a version to go back to");
}

#[test]
fn a_versions_title_names_what_made_it() {
    let run = Version {
        chunk: "main.lua".into(),
        source: "\n  Memory.x = 1 -- set\nmore".into(),
        ..Version::of_run(1, 0, 1, 1)
    };
    assert_eq!(run.title(), "main.lua: Memory.x = 1 -- set");
    assert_eq!(Version { cause: Cause::Restore { of: 7 }, ..run.clone() }.title(), "restore of version 7");
    assert_eq!(
        Version { cause: Cause::DuringRun, ..run }.title(),
        "main.lua (saved during the run): Memory.x = 1 -- set"
    );
}

#[test]
fn sizes_read_in_bytes_kilobytes_and_megabytes() {
    assert_eq!(size_text(1023), "1023 B");
    assert_eq!(size_text(1536), "1.5 KB");
    assert_eq!(size_text(50 * 1024 * 1024), "50.0 MB");
}
