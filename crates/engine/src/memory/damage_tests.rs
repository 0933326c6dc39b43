//! Damaged and crafted records against the promise that nothing saved is lost: each
//! costs only its own value, is reported by path at every restore, and stays in the
//! store as it was until the user replaces it on purpose.

use super::format::{self, KeyName, Meta, Record, Stored, StoredUpvalue, ID_LIMIT, SECRET_LEN};
use crate::snapshot::{export, import, SnapshotError};
use crate::{MemoryStore, RestoreReport, Store, Vm};

const SECRET: [u8; SECRET_LEN] = [7; SECRET_LEN];

fn run(vm: &Vm, source: &str) {
    let run = vm.eval(source, "test.lua");
    if let Err(e) = &run.result {
        panic!("{}\n{}", e.message, run.output);
    }
}

fn save(vm: &Vm, store: &mut MemoryStore) {
    let point = vm.save_point();
    store.commit(&point.changes).unwrap();
    vm.committed(&point);
}

fn saved(source: &str) -> MemoryStore {
    let vm = Vm::new().unwrap();
    vm.restore(Vec::new(), SECRET).unwrap();
    run(&vm, source);
    let mut store = MemoryStore::new();
    save(&vm, &mut store);
    store
}

fn reopen(store: &MemoryStore) -> (Vm, RestoreReport) {
    let vm = Vm::new().unwrap();
    let report = vm.restore(store.load().unwrap(), [9; SECRET_LEN]).unwrap();
    (vm, report)
}

fn paths(report: &RestoreReport) -> Vec<String> {
    report.problems.iter().map(|p| p.path.clone()).collect()
}

/// The key of the one record whose bytes contain `needle`.
fn key_holding(store: &MemoryStore, needle: &[u8]) -> Vec<u8> {
    let found: Vec<_> = store
        .load()
        .unwrap()
        .into_iter()
        .filter(|(_, v)| v.windows(needle.len()).any(|w| w == needle))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(found.len(), 1, "records holding {:?}", String::from_utf8_lossy(needle));
    found[0].clone()
}

fn decoded(store: &MemoryStore, key: &[u8]) -> Record {
    format::decode(&records(store)[key]).unwrap()
}

fn replace(store: &mut MemoryStore, key: &[u8], record: &Record) {
    store.records_mut().insert(key.to_vec(), format::encode(record));
}

fn meta(store: &MemoryStore) -> Meta {
    match decoded(store, format::META_KEY) {
        Record::Meta(m) => m,
        other => panic!("{other:?}"),
    }
}

fn records(store: &MemoryStore) -> std::collections::BTreeMap<Vec<u8>, Vec<u8>> {
    store.load().unwrap().into_iter().collect()
}

#[test]
fn a_damaged_value_stays_in_the_store_with_what_it_reaches_until_the_user_replaces_it() {
    let mut store = saved(
        "Memory.good = { 1, 2 }
         Memory.bad = { 'will be damaged', child = { 'only the damaged table holds me' } }
         Memory.alias = Memory.bad",
    );
    let bad = key_holding(&store, b"will be");
    let child = key_holding(&store, b"only the damaged");
    store.records_mut().get_mut(&bad).unwrap()[6] ^= 0x40;
    let damaged_bytes = records(&store)[&bad].clone();
    let child_bytes = records(&store)[&child].clone();
    // Three sessions that each run and save: nothing is lost, it is reported each time.
    for session in 0..3 {
        let (vm, report) = reopen(&store);
        assert_eq!(paths(&report), ["Memory.alias", "Memory.bad"], "session {session}");
        run(&vm, &format!("assert(Memory.good[2] == 2 and Memory.bad:find('not restored')) Memory.n = {session}"));
        save(&vm, &mut store);
        let records = records(&store);
        assert_eq!(records[&bad], damaged_bytes, "session {session}: the damaged record is untouched");
        assert_eq!(records[&child], child_bytes, "session {session}: what it reaches is kept");
        assert!(!records.values().any(|v| v.windows(13).any(|w| w == b"not restored:")), "no stand-in saved");
    }
    // Replacing the value on purpose (both references) lets the records go.
    let (vm, _) = reopen(&store);
    run(&vm, "Memory.bad = 'replaced'");
    save(&vm, &mut store);
    assert!(records(&store).contains_key(&bad), "still referenced by Memory.alias");
    run(&vm, "Memory.alias = nil");
    save(&vm, &mut store);
    let records = records(&store);
    assert!(!records.contains_key(&bad) && !records.contains_key(&child), "released once replaced");
    let (vm, report) = reopen(&store);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    run(&vm, "assert(Memory.bad == 'replaced' and Memory.good[1] == 1)");
}

#[test]
fn a_function_whose_bytecode_is_damaged_keeps_its_record_its_upvalues_and_its_shared_cell() {
    let mut store = saved(
        "local n = { 'counter state' }
         Memory.f = function() return n, 'first function' end
         Memory.g = function() n = n end",
    );
    // Damage the prototype of f (the record holding its constant).
    let proto = key_holding(&store, b"first function");
    assert_eq!(proto[0], b'p');
    store.records_mut().get_mut(&proto).unwrap()[12] ^= 1;
    let before = records(&store);
    for _ in 0..2 {
        let (vm, report) = reopen(&store);
        let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        assert!(problems.iter().any(|p| p.starts_with("Memory.f: its function's bytecode")), "{problems:?}");
        run(&vm, "assert(type(Memory.f) == 'string' and Memory.g() == nil) Memory.x = 1");
        save(&vm, &mut store);
        let after = records(&store);
        for (key, bytes) in &before {
            if key.as_slice() != format::META_KEY && after.get(key).is_none_or(|b| b != bytes) {
                // Only the root (which gained x) may change.
                assert_eq!(Some(key.clone()), after.keys().find(|k| **k == *key).cloned());
                assert!(matches!(format::decode(&after[key]), Ok(Record::Table { .. })), "{key:?} changed");
            }
        }
    }
}

#[test]
fn a_crafted_meta_record_cannot_make_new_ids_collide_with_live_ones() {
    let mut store = saved("Memory.keep = { 'precious' } for i = 1, 3 do Memory[i] = { i } end");
    let mut m = meta(&store);
    m.next_id = u64::MAX - 1;
    replace(&mut store, format::META_KEY, &Record::Meta(m.clone()));
    // Imported as a snapshot, it is refused before anything changes.
    let file = export(&store.load().unwrap());
    match import(&file, &[], SECRET, false) {
        Err(SnapshotError::Damaged(why)) => assert!(why.contains("id counter"), "{why}"),
        other => panic!("{other:?}"),
    }
    // Restored from a store, it is reported and the ids are counted anew.
    let (vm, report) = reopen(&store);
    assert!(report.problems[0].reason.contains("past the limit"), "{:?}", report.problems);
    run(&vm, "for i = 1, 5 do Memory['new' .. i] = { i } end");
    let mut store2 = store.clone();
    save(&vm, &mut store2);
    let saved_meta = meta(&store2);
    assert!(saved_meta.next_id < ID_LIMIT && saved_meta.fault(ids(&store2)).is_none(), "{saved_meta:?}");
    let (vm, report) = reopen(&store2);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    run(&vm, "assert(Memory.keep[1] == 'precious' and Memory[3][1] == 3 and Memory.new5[1] == 5)");
    // A root at or past the counter is refused on import too.
    m.next_id = m.root;
    replace(&mut store, format::META_KEY, &Record::Meta(m));
    assert!(matches!(import(&export(&store.load().unwrap()), &[], SECRET, false), Err(SnapshotError::Damaged(_))));
}

fn ids(store: &MemoryStore) -> Vec<u64> {
    store
        .load()
        .unwrap()
        .iter()
        .filter_map(|(k, _)| match format::parse_key(k) {
            Some(KeyName::Object(id) | KeyName::Proto(id)) => Some(id),
            _ => None,
        })
        .collect()
}

#[test]
fn restored_objects_keep_their_finalizers() {
    let store = saved(
        "local mt = { __gc = function(o) Memory.finalized = (Memory.finalized or 0) + 1 end }
         Memory.o = setmetatable({ 'bye' }, mt)
         Memory.mt = mt",
    );
    let (vm, report) = reopen(&store);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    run(&vm, "Memory.o = nil collectgarbage() collectgarbage()");
    run(&vm, "assert(Memory.finalized == 1, 'the restored object was not finalized')");
}

#[test]
fn weak_tables_are_weak_after_a_restore() {
    let store =
        saved("Memory.cache = setmetatable({}, { __mode = 'k' }) Memory.cache[{}] = 1 Memory.cache[Memory] = 2");
    let (vm, _) = reopen(&store);
    run(&vm, "collectgarbage() local n = 0 for _ in pairs(Memory.cache) do n = n + 1 end assert(n == 1, n)");
}

/// Replaces the first record matching `pick` with `craft` of it, restores, and
/// returns the report (the restore must not fail).
fn crafted(source: &str, pick: impl Fn(&Record) -> bool, craft: impl Fn(Record) -> Record) -> (Vm, RestoreReport) {
    let mut store = saved(source);
    let (key, record) = store
        .load()
        .unwrap()
        .into_iter()
        .filter_map(|(k, v)| format::decode(&v).ok().map(|r| (k, r)))
        .find(|(_, r)| pick(r))
        .expect("a record to craft");
    replace(&mut store, &key, &craft(record));
    reopen(&store)
}

#[test]
fn a_nan_table_key_costs_only_that_table() {
    let (vm, report) = crafted(
        "Memory.ok = 1 Memory.t = { x = 'crafted' }",
        |r| matches!(r, Record::Table { entries, .. } if entries.iter().any(|(_, v)| *v == Stored::String(b"crafted".to_vec()))),
        |r| match r {
            Record::Table { metatable, mut entries } => {
                entries[0].0 = Stored::Float(f64::NAN.to_bits());
                Record::Table { metatable, entries }
            }
            r => r,
        },
    );
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("Memory.t: damaged record: malformed record: a table key is NaN"), "{problems:?}");
    run(&vm, "assert(Memory.ok == 1 and Memory.t:find('not restored'))");
}

fn shared_upvalue_index(index: u32) -> (Vm, RestoreReport) {
    crafted(
        "local n = 0 Memory.inc = function() n = n + 1 return n end Memory.get = function() return n end Memory.ok = 1",
        |r| matches!(r, Record::Closure { upvalues, .. } if upvalues.iter().any(|u| matches!(u, StoredUpvalue::Shared { .. }))),
        |r| match r {
            Record::Closure { proto, upvalues } => Record::Closure {
                proto,
                upvalues: upvalues
                    .into_iter()
                    .map(|u| match u {
                        StoredUpvalue::Shared { closure, .. } => StoredUpvalue::Shared { closure, index },
                        u => u,
                    })
                    .collect(),
            },
            r => r,
        },
    )
}

#[test]
fn a_shared_upvalue_index_out_of_range_costs_only_that_function() {
    for index in [0, 99] {
        let (vm, report) = shared_upvalue_index(index);
        let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 1, "index {index}: {problems:?}");
        assert!(problems[0].contains("malformed record"), "{problems:?}");
        assert!(problems[0].starts_with("Memory.get: ") || problems[0].starts_with("Memory.inc: "), "{problems:?}");
        run(&vm, "assert(Memory.ok == 1)");
    }
}

#[test]
fn a_closure_record_with_the_wrong_number_of_upvalues_costs_only_that_function() {
    let (vm, report) = crafted(
        "local a = 1 Memory.f = function() return a end Memory.ok = 1",
        |r| matches!(r, Record::Closure { .. }),
        |r| match r {
            Record::Closure { proto, mut upvalues } => {
                upvalues.extend([StoredUpvalue::Own(Stored::Integer(1)), StoredUpvalue::Own(Stored::Integer(2))]);
                Record::Closure { proto, upvalues }
            }
            r => r,
        },
    );
    assert_eq!(paths(&report), ["Memory.f"], "{:?}", report.problems);
    run(&vm, "assert(Memory.ok == 1 and type(Memory.f) == 'string')");
}

#[test]
fn a_lost_index_record_is_recovered_from_the_others() {
    let mut store =
        saved("Memory.list = { 'a', 'b', { deep = true } } Memory.f = function() return 1 end Memory.n = 3");
    store.records_mut().get_mut(format::META_KEY).unwrap()[4] ^= 0xff;
    let before = records(&store);
    let (vm, report) = reopen(&store);
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    assert!(problems.iter().any(|p| p.contains("index record is damaged")), "{problems:?}");
    assert!(problems.iter().any(|p| p.starts_with("Memory.f: ")), "{problems:?}");
    run(&vm, "assert(Memory.list[3].deep and Memory.n == 3 and type(Memory.f) == 'string')");
    save(&vm, &mut store);
    let after = records(&store);
    for (key, bytes) in &before {
        if key.as_slice() != format::META_KEY {
            assert_eq!(after.get(key), Some(bytes), "record {key:?} is kept as it was");
        }
    }
}

#[test]
fn a_damaged_root_keeps_every_record_and_is_reported_at_every_restore() {
    let mut store = saved("Memory.marker = 'the old root' Memory.child = { 'kept' }");
    let root = key_holding(&store, b"the old root");
    store.records_mut().get_mut(&root).unwrap()[5] ^= 0x10;
    let before = records(&store);
    for session in 0..2 {
        let (vm, report) = reopen(&store);
        assert!(!report.problems.is_empty(), "session {session}: nothing reported");
        run(&vm, &format!("Memory.session = {session}"));
        save(&vm, &mut store);
        let after = records(&store);
        for (key, bytes) in &before {
            if key.as_slice() != format::META_KEY {
                assert_eq!(after.get(key), Some(bytes), "session {session}: record {key:?} kept");
            }
        }
    }
}

#[test]
fn changes_to_standard_tables_that_memory_holds_are_reported_not_lost_silently() {
    let vm = Vm::new().unwrap();
    vm.restore(Vec::new(), SECRET).unwrap();
    run(&vm, "math.answer = 42 math.pi = 3 string.len = nil Memory.m = math Memory.G = _G mine = 'g'");
    let point = vm.save_point();
    let mut problems: Vec<String> = point.problems.iter().map(ToString::to_string).collect();
    problems.sort();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("Memory.G: the standard table _G is saved by name"), "{problems:?}");
    assert!(problems[0].contains("(_G.mine)"), "{problems:?}");
    assert!(problems[1].starts_with("Memory.m: the standard table math is saved by name"), "{problems:?}");
    assert!(problems[1].contains("(math.answer, math.pi)"), "{problems:?}");
    // Functions see the globals through _ENV: that alone is no change to report, and
    // a standard table the script left alone is none either.
    let vm = Vm::new().unwrap();
    vm.restore(Vec::new(), SECRET).unwrap();
    run(&vm, "mine = 1 Memory.f = function() return mine end Memory.s = string Memory.t = { table.insert }");
    let point = vm.save_point();
    assert!(point.problems.is_empty(), "{:?}", point.problems);
    run(&vm, "string.shout = string.upper");
    let problems: Vec<String> = vm.save_point().problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems, ["Memory.s: the standard table string is saved by name, so what the script changed in it is not saved (string.shout); keep such values in a table of your own"]);
}

#[test]
fn a_damaged_metatable_is_kept_while_its_table_has_none_and_released_when_it_gets_one() {
    let mut store = saved("Memory.p = setmetatable({ x = 1 }, { __index = { marker = 'in the metatable' } })");
    let mt = key_holding(&store, b"__index");
    store.records_mut().get_mut(&mt).unwrap()[4] ^= 0x20;
    let damaged = records(&store)[&mt].clone();
    for _ in 0..2 {
        let (vm, report) = reopen(&store);
        assert_eq!(paths(&report), ["getmetatable(Memory.p)"]);
        run(&vm, "assert(getmetatable(Memory.p) == nil and Memory.p.x == 1) Memory.y = 2");
        save(&vm, &mut store);
        assert_eq!(records(&store).get(&mt), Some(&damaged));
    }
    let (vm, _) = reopen(&store);
    run(&vm, "setmetatable(Memory.p, {})");
    save(&vm, &mut store);
    assert!(!records(&store).contains_key(&mt), "a new metatable replaces the damaged one");
}
