//! Save point after save point into one store: every change made between two of them
//! must reach the store, however deep, and however little it changes an object. A
//! save point skips re-encoding what it finds unchanged; these guard that it never
//! skips a change.

mod common;

use common::{fresh, run};
use moonkeep_engine::{Change, MemoryStore, SavePoint, Store, Vm};

/// [`common::save`], insisting that nothing was left out.
fn save(vm: &Vm, store: &mut MemoryStore) -> SavePoint {
    let point = common::save(vm, store);
    assert!(point.problems.is_empty(), "{:?}", point.problems);
    point
}

/// Saves, then runs `check` in a new VM restored from the store.
fn save_and_check(vm: &Vm, store: &mut MemoryStore, check: &str) {
    save(vm, store);
    let restored = Vm::new().unwrap();
    let report = restored.restore(store.load().unwrap(), [6; 32]).unwrap();
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    run(&restored, check);
}

#[test]
fn deep_values_changed_between_save_points_are_saved() {
    let (vm, mut store) = fresh();
    run(&vm, "Memory.a = { b = { c = { d = { 1, 2, 3 } } } } Memory.pair = { 'x', 'y' }");
    save_and_check(&vm, &mut store, "assert(Memory.a.b.c.d[2] == 2)");
    run(&vm, "Memory.a.b.c.d[2] = 20");
    save_and_check(&vm, &mut store, "assert(Memory.a.b.c.d[2] == 20)");
    // Same entries, values swapped.
    run(&vm, "local p = Memory.pair p[1], p[2] = p[2], p[1]");
    save_and_check(&vm, &mut store, "assert(Memory.pair[1] == 'y' and Memory.pair[2] == 'x')");
    // Changed, then changed back: the store must end with the first value again.
    run(&vm, "Memory.a.b.c.d[2] = 'other'");
    save_and_check(&vm, &mut store, "assert(Memory.a.b.c.d[2] == 'other')");
    run(&vm, "Memory.a.b.c.d[2] = 20");
    save_and_check(&vm, &mut store, "assert(Memory.a.b.c.d[2] == 20)");
    // A string of the same length, and a table with the same contents but another identity.
    run(&vm, "Memory.a.b.c.s = string.rep('a', 50)");
    save(&vm, &mut store);
    run(&vm, "Memory.a.b.c.s = string.rep('b', 50) Memory.copy = Memory.a.b.c.d Memory.a.b.c.d = { 1, 20, 3 }");
    save_and_check(
        &vm,
        &mut store,
        "assert(Memory.a.b.c.s == string.rep('b', 50))
         assert(Memory.a.b.c.d[2] == 20 and Memory.copy[2] == 20 and not rawequal(Memory.copy, Memory.a.b.c.d))",
    );
}

#[test]
fn metatables_changed_between_save_points_are_saved() {
    let (vm, mut store) = fresh();
    run(
        &vm,
        "Memory.A = { __index = { kind = 'a' } } Memory.B = { __index = { kind = 'b' } }
              Memory.p = setmetatable({}, Memory.A)",
    );
    save_and_check(&vm, &mut store, "assert(Memory.p.kind == 'a')");
    run(&vm, "setmetatable(Memory.p, Memory.B)");
    save_and_check(&vm, &mut store, "assert(Memory.p.kind == 'b' and rawequal(getmetatable(Memory.p), Memory.B))");
    run(&vm, "Memory.B.__index.kind = 'b2'");
    save_and_check(&vm, &mut store, "assert(Memory.p.kind == 'b2')");
    run(&vm, "setmetatable(Memory.p, nil)");
    save_and_check(&vm, &mut store, "assert(getmetatable(Memory.p) == nil and Memory.p.kind == nil)");
}

#[test]
fn upvalues_changed_between_save_points_are_saved() {
    let (vm, mut store) = fresh();
    run(
        &vm,
        r#"local n, config = 0, { level = 1 }
                Memory.bump = function() n = n + 1 return n end
                Memory.level = function() return config.level end
                local a, b = 'a', 'b'
                Memory.fa = function() return a end
                Memory.fb = function() return b end"#,
    );
    save_and_check(&vm, &mut store, "assert(Memory.bump() == 1 and Memory.level() == 1)");
    run(&vm, "Memory.bump() Memory.bump()");
    save_and_check(&vm, &mut store, "assert(Memory.bump() == 3)");
    // The table an upvalue holds changes, not the upvalue.
    run(&vm, "select(2, debug.getupvalue(Memory.level, 1)).level = 9");
    save_and_check(&vm, &mut store, "assert(Memory.level() == 9)");
    run(&vm, "debug.setupvalue(Memory.fa, 1, 'A')");
    save_and_check(&vm, &mut store, "assert(Memory.fa() == 'A' and Memory.fb() == 'b')");
    // Two closures come to share a cell between save points.
    run(&vm, "debug.upvaluejoin(Memory.fb, 1, Memory.fa, 1)");
    save_and_check(
        &vm,
        &mut store,
        "assert(Memory.fb() == 'A' and debug.upvalueid(Memory.fa, 1) == debug.upvalueid(Memory.fb, 1))",
    );
}

#[test]
fn a_function_replaced_by_one_with_the_same_bytecode_and_other_upvalues_is_saved() {
    let (vm, mut store) = fresh();
    run(&vm, "function make(v) return function() return v end end Memory.f = make(1) Memory.g = make(1)");
    save_and_check(&vm, &mut store, "assert(Memory.f() == 1)");
    run(&vm, "Memory.f = make(2)");
    save_and_check(&vm, &mut store, "assert(Memory.f() == 2 and Memory.g() == 1)");
    // The same bytecode again, through string.dump and load.
    run(&vm, "local h = load(string.dump(Memory.g)) debug.setupvalue(h, 1, 3) Memory.g = h");
    save_and_check(&vm, &mut store, "assert(Memory.g() == 3 and Memory.f() == 2)");
    let protos = store.load().unwrap().iter().filter(|(k, _)| k[0] == b'p').count();
    assert_eq!(protos, 1, "one prototype, stored once");
}

#[test]
fn a_save_point_that_was_not_committed_is_written_by_the_next() {
    let (vm, mut store) = fresh();
    run(&vm, "Memory.t = { x = 1 } Memory.f = function() return 'f' end");
    save(&vm, &mut store);
    run(&vm, "Memory.t.x = 2 Memory.g = function() return 'g' end");
    let lost = vm.save_point();
    assert!(!lost.is_empty());
    // Not committed (the store failed): the next save point must carry it again.
    let point = save(&vm, &mut store);
    assert_eq!(point.changes.len(), lost.changes.len());
    save_and_check(&vm, &mut store, "assert(Memory.t.x == 2 and Memory.g() == 'g' and Memory.f() == 'f')");
}

#[test]
fn a_table_changed_far_from_its_first_entries_is_saved() {
    let (vm, mut store) = fresh();
    run(&vm, "Memory.big = {} for i = 1, 1000 do Memory.big[i] = i Memory.big['k' .. i] = i end");
    save(&vm, &mut store);
    run(&vm, "Memory.big[700] = 'seven hundred' Memory.big.k999 = nil");
    let point = save(&vm, &mut store);
    // The big table's record, its old record moved to the history, the version's entry
    // and the meta record that names the version.
    let objects = point.changes.iter().filter(|c| matches!(c, Change::Put { key, .. } if key[0] == b'o')).count();
    assert_eq!((objects, point.changes.len()), (1, 4), "only the big table: {:?}", point.changes);
    save_and_check(
        &vm,
        &mut store,
        "assert(Memory.big[700] == 'seven hundred' and Memory.big.k999 == nil and Memory.big.k998 == 998)",
    );
}

#[test]
fn a_table_rehashed_without_a_change_writes_nothing() {
    let (vm, mut store) = fresh();
    run(&vm, "Memory.t = {} for i = 1, 20 do Memory.t['k' .. i] = i end");
    save(&vm, &mut store);
    // Growing the table rehashes it (its `next` order changes); shrinking it back
    // leaves the same entries.
    run(&vm, "for i = 21, 500 do Memory.t['k' .. i] = i end for i = 21, 500 do Memory.t['k' .. i] = nil end");
    assert!(vm.save_point().is_empty());
}

#[test]
fn more_new_objects_than_one_pass_holds_are_all_saved() {
    let (vm, mut store) = fresh();
    run(&vm, "Memory.list = {} for i = 1, 10000 do Memory.list[i] = { i, f = function() return i end } end");
    let point = save(&vm, &mut store);
    assert_eq!(point.objects, 2 + 2 * 10000);
    save_and_check(
        &vm,
        &mut store,
        "for i = 1, 10000 do assert(Memory.list[i][1] == i and Memory.list[i].f() == i) end",
    );
}
