//! Round trips of Memory: save, drop the VM, restore into a fresh VM, assert in Lua.

mod common;

use common::{fresh, reopen, run, save};
use moonkeep_engine::{Change, MemoryStore, RestoreReport, Store, Vm};

/// Runs `setup`, saves, restores into a new VM and runs `check` there.
fn round_trip(setup: &str, check: &str) -> RestoreReport {
    let (vm, mut store) = fresh();
    run(&vm, setup);
    let point = save(&vm, &mut store);
    assert!(point.problems.is_empty(), "{:?}", point.problems);
    drop(vm);
    let (vm, report) = reopen(&store);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    run(&vm, check);
    report
}

#[test]
fn scalars_survive_exactly() {
    round_trip(
        r#"Memory.t, Memory.f, Memory.gone = true, false, "x"
           Memory.gone = nil
           Memory.max, Memory.min, Memory.int = math.maxinteger, math.mininteger, 42
           Memory.nan, Memory.inf, Memory.ninf, Memory.nzero = 0/0, math.huge, -math.huge, -0.0
           Memory.sum, Memory.third = 0.1 + 0.2, 1/3
           Memory.bin = "\0\1\2\255 binary"
           Memory.big = string.rep("abcdefgh", 1024 * 1024)"#,
        r#"assert(Memory.t == true and Memory.f == false and Memory.gone == nil)
           assert(Memory.max == math.maxinteger and math.type(Memory.max) == "integer")
           assert(Memory.min == math.mininteger and math.type(Memory.int) == "integer")
           assert(Memory.nan ~= Memory.nan)
           assert(Memory.inf == math.huge and Memory.ninf == -math.huge)
           assert(1 / Memory.nzero == -math.huge)
           assert(Memory.sum == 0.1 + 0.2 and Memory.third == 1/3 and math.type(Memory.sum) == "float")
           assert(Memory.bin == "\0\1\2\255 binary")
           assert(#Memory.big == 8 * 1024 * 1024 and Memory.big:sub(-8) == "abcdefgh")"#,
    );
}

#[test]
fn tables_keep_shape_identity_cycles_and_metatables() {
    round_trip(
        r#"local shared = { name = "shared" }
           Memory.a, Memory.b = shared, shared
           local t = { 1, 2, 3 }
           t.self = t
           Memory.cyclic = t
           local deep = Memory
           for i = 1, 300 do deep.next = { level = i }; deep = deep.next end
           local key = { "a table key" }
           Memory.keys = { [true] = "bool", [1.5] = "float", [key] = "table", [-7] = "int" }
           Memory.key = key
           local Point = {}
           Point.__index = Point
           Point.__tostring = function(p) return "(" .. p.x .. ", " .. p.y .. ")" end
           Point.__call = function(p, dx) return p.x + dx end
           function Point.len(p) return math.sqrt(p.x * p.x + p.y * p.y) end
           Memory.p = setmetatable({ x = 3, y = 4 }, Point)"#,
        r#"assert(rawequal(Memory.a, Memory.b) and Memory.a.name == "shared")
           assert(rawequal(Memory.cyclic.self, Memory.cyclic) and #Memory.cyclic == 3)
           local deep, n = Memory, 0
           while deep.next do deep = deep.next; n = n + 1 end
           assert(n == 300 and deep.level == 300)
           local k = Memory.keys
           assert(k[true] == "bool" and k[1.5] == "float" and k[-7] == "int" and k[Memory.key] == "table")
           assert(Memory.p:len() == 5 and tostring(Memory.p) == "(3, 4)" and Memory.p(1) == 4)"#,
    );
}

#[test]
fn closures_keep_upvalues_and_share_cells() {
    round_trip(
        r#"local function counter()
             local n = 0
             return function() n = n + 1; return n end
           end
           Memory.c = counter()
           Memory.c(); Memory.c()
           local count = 0
           Memory.inc = function() count = count + 1 end
           Memory.get = function() return count end
           Memory.inc()
           local function fact(n) if n <= 1 then return 1 end return n * fact(n - 1) end
           Memory.fact = fact
           local config = { greeting = "hi" }
           Memory.greet = function(who) return config.greeting .. " " .. who end
           Memory.config = config
           Memory.setg = function(v) answer = v end
           Memory.join_a = function() local x = 1; return x end
           local p, q = 10, 20
           Memory.pa = function() return p end
           Memory.qa = function() return q end
           debug.upvaluejoin(Memory.qa, 1, Memory.pa, 1)"#,
        r#"assert(Memory.c() == 3 and Memory.c() == 4)
           Memory.inc(); Memory.inc()
           assert(Memory.get() == 3, Memory.get())
           assert(Memory.fact(10) == 3628800)
           Memory.config.greeting = "hello"
           assert(Memory.greet("you") == "hello you")
           Memory.setg(42)
           assert(answer == 42, "_ENV is the restored global table")
           assert(Memory.qa() == 10 and debug.upvalueid(Memory.pa, 1) == debug.upvalueid(Memory.qa, 1))"#,
    );
}

#[test]
fn restored_functions_keep_debug_info() {
    round_trip(
        "Memory.f = function()\n  local x = 1\n  error('from line three')\nend",
        r#"local ok, err = pcall(Memory.f)
           assert(not ok and err:find(":3: from line three"), err)"#,
    );
}

#[test]
fn standard_values_are_kept_by_name() {
    round_trip(
        r#"Memory.p, Memory.sin, Memory.str, Memory.g, Memory.fmt = print, math.sin, string, _G, string.format
           Memory.list = { table.insert, os.time }"#,
        r#"assert(rawequal(Memory.p, print) and rawequal(Memory.sin, math.sin))
           assert(rawequal(Memory.str, string) and rawequal(Memory.g, _G) and rawequal(Memory.fmt, string.format))
           assert(rawequal(Memory.list[1], table.insert) and rawequal(Memory.list[2], os.time))"#,
    );
}

#[test]
fn the_ancestors_four_scenarios() {
    round_trip(
        r#"Memory.simple = function(a, b) return a * b end
           local id, stamp = "id-" .. tostring(math.random(1e9)), os.time()
           Memory.greet = function() return "hello from " .. id .. " at " .. stamp end
           Memory.expected = Memory.greet()
           Memory.add = function(a, b) return a + b end
           Memory.sub = function(a, b) return a - b end
           Memory.concat = function(a, b) return a .. b end
           Memory.fns = { print = print, insert = table.insert, floor = math.floor }"#,
        r#"assert(Memory.simple(6, 7) == 42)
           assert(Memory.greet() == Memory.expected)
           assert(Memory.add(1, 2) == 3 and Memory.sub(5, 3) == 2 and Memory.concat("a", "b") == "ab")
           assert(Memory.fns.print == print and Memory.fns.floor(2.5) == 2)"#,
    );
}

#[test]
fn identical_prototypes_are_stored_once() {
    let (vm, mut store) = fresh();
    run(&vm, "local function make(i) return function() return i end end for i = 1, 100 do Memory[i] = make(i) end");
    save(&vm, &mut store);
    let protos = store.load().unwrap().iter().filter(|(k, _)| k[0] == b'p').count();
    assert_eq!(protos, 1);
    let (vm, _) = reopen(&store);
    run(&vm, "for i = 1, 100 do assert(Memory[i]() == i) end");
}

#[test]
fn nested_mutations_are_seen_by_the_next_save_point() {
    let (vm, mut store) = fresh();
    run(&vm, "Memory.list = {} Memory.cfg = { theme = 'light' } local n = 0 Memory.bump = function() n = n + 1 end");
    save(&vm, &mut store);
    run(&vm, "table.insert(Memory.list, 'x') table.insert(Memory.list, 'y') Memory.cfg.theme = 'dark' Memory.bump() Memory.bump()");
    save(&vm, &mut store);
    let (vm, _) = reopen(&store);
    run(
        &vm,
        r#"assert(#Memory.list == 2 and Memory.list[2] == "y" and Memory.cfg.theme == "dark")
                assert(select(2, debug.getupvalue(Memory.bump, 1)) == 2)"#,
    );
}

#[test]
fn a_save_point_writes_only_what_changed() {
    let (vm, mut store) = fresh();
    run(&vm, "for i = 1, 100 do local t = {} for j = 1, 100 do t[j] = i * j end Memory['t' .. i] = t end");
    let first = save(&vm, &mut store);
    assert_eq!(first.objects, 101);
    assert!(save(&vm, &mut store).is_empty(), "nothing changed, nothing written");
    // Besides the records below, each version writes its entry and the meta record.
    run(&vm, "Memory.t50[7] = 'changed'");
    let point = save(&vm, &mut store);
    assert_eq!(kinds(&point), ["archive o", "put o", "put v", "put meta"]);
    run(&vm, "Memory.t50 = nil");
    let point = save(&vm, &mut store);
    assert_eq!(kinds(&point), ["archive o", "put o", "archive o", "put v", "put meta"], "the root rewritten, t50 gone");
    let live = store.load().unwrap().into_iter().filter(|(k, _)| k[0] == b'o' || k == b"meta").count();
    assert_eq!(live, 100 + 1, "100 tables and the meta record");
}

/// Each change of a save point, as "put" / "delete" / "archive" and its key's kind.
fn kinds(point: &moonkeep_engine::SavePoint) -> Vec<String> {
    let kind = |key: &[u8]| if key == b"meta" { "meta".to_owned() } else { (key[0] as char).to_string() };
    point
        .changes
        .iter()
        .map(|change| match change {
            Change::Put { key, .. } => format!("put {}", kind(key)),
            Change::Delete { key } => format!("delete {}", kind(key)),
            Change::Archive { key, .. } => format!("archive {}", kind(key)),
        })
        .collect()
}

#[test]
fn unsavable_values_are_reported_by_path_and_the_rest_saved() {
    let (vm, mut store) = fresh();
    run(
        &vm,
        r#"Memory.jobs = { 1, 2, coroutine.create(function() end), 4 }
               local co = coroutine.create(print)
               Memory.f = function() return co end
               Memory.ok = "kept""#,
    );
    let point = save(&vm, &mut store);
    let problems: Vec<String> = point.problems.iter().map(ToString::to_string).collect();
    assert!(problems.contains(&"Memory.jobs[3]: a coroutine can't be saved".to_string()), "{problems:?}");
    assert!(problems.contains(&"Memory.f (upvalue 'co'): a coroutine can't be saved".to_string()), "{problems:?}");
    let (vm, _) = reopen(&store);
    run(&vm, r#"assert(Memory.ok == "kept" and Memory.jobs[4] == 4 and Memory.jobs[3] == nil)"#);
}

#[test]
fn a_memory_that_is_not_a_table_saves_nothing_and_deletes_nothing() {
    let (vm, mut store) = fresh();
    run(&vm, "Memory.x = 1");
    save(&vm, &mut store);
    let before = store.load().unwrap();
    run(&vm, "Memory = 5");
    let point = save(&vm, &mut store);
    assert!(point.changes.is_empty());
    assert_eq!(point.problems[0].path, "Memory");
    assert_eq!(store.load().unwrap(), before);
}

#[test]
fn a_damaged_record_costs_only_its_own_value() {
    let (vm, mut store) = fresh();
    run(&vm, "Memory.good = { 1, 2 } Memory.bad = { 'will be damaged' } Memory.n = 5");
    save(&vm, &mut store);
    drop(vm);
    // Find the record holding the string and flip one of its bytes.
    let key =
        store.load().unwrap().into_iter().find(|(_, v)| v.windows(4).any(|w| w == b"will")).map(|(k, _)| k).unwrap();
    store.records_mut().get_mut(&key).unwrap()[5] ^= 0x40;
    let (vm, report) = reopen(&store);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert_eq!(report.problems[0].path, "Memory.bad");
    assert!(report.problems[0].reason.contains("checksum"), "{}", report.problems[0].reason);
    run(&vm, r#"assert(Memory.good[2] == 2 and Memory.n == 5 and Memory.bad:find("not restored"))"#);
    // The damaged record is left in the store for recovery, not overwritten.
    let damaged = store.load().unwrap().into_iter().find(|(k, _)| *k == key).unwrap().1;
    let mut store2 = store.clone();
    save(&vm, &mut store2);
    assert_eq!(store2.load().unwrap().into_iter().find(|(k, _)| *k == key).unwrap().1, damaged);
}

/// A value reached through an upvalue is reported by the restore with the path a save
/// report gives the same place: the upvalue by its name, keys as Lua writes them.
#[test]
fn restore_problems_name_places_as_save_reports_do() {
    let place = |value: &str| {
        format!(
            "local cache = {{ [1e100] = {{ inner = {value} }} }}
             Memory.f = function() return cache end"
        )
    };
    let (vm, mut store) = fresh();
    run(&vm, &place("coroutine.create(print)"));
    let saved = save(&vm, &mut store).problems;
    assert_eq!(saved.len(), 1, "{saved:?}");

    let (vm, mut store) = fresh();
    run(&vm, &place("{ 'will be damaged' }"));
    save(&vm, &mut store);
    drop(vm);
    let key =
        store.load().unwrap().into_iter().find(|(_, v)| v.windows(4).any(|w| w == b"will")).map(|(k, _)| k).unwrap();
    store.records_mut().get_mut(&key).unwrap()[5] ^= 0x40;
    let (_, report) = reopen(&store);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert_eq!(report.problems[0].path, "Memory.f (upvalue 'cache')[1e+100].inner");
    assert_eq!(report.problems[0].path, saved[0].path);
}

#[test]
fn bytecode_from_another_store_is_not_loaded() {
    let (vm, mut store) = fresh();
    run(&vm, "Memory.f = function() return 'mine' end Memory.x = 1");
    save(&vm, &mut store);
    // Swap in the meta record of a store with another secret: to this store's
    // records, that makes every prototype's tag foreign.
    let other_vm = Vm::new().unwrap();
    other_vm.restore(Vec::new(), [1; 32]).unwrap();
    let mut other_store = MemoryStore::new();
    save(&other_vm, &mut other_store);
    let other_meta = other_store.load().unwrap().into_iter().find(|(k, _)| k == b"meta").unwrap().1;
    store.records_mut().insert(b"meta".to_vec(), other_meta);
    let (vm, report) = reopen(&store);
    let problems: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
    // The other store's meta record does not fit these records (its counter is
    // behind their ids): that is reported too, and ids are counted anew.
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("Memory: the store's index record is invalid"), "{problems:?}");
    assert!(problems[1].starts_with("Memory.f: its bytecode was not written by this store"), "{problems:?}");
    run(&vm, "assert(Memory.x == 1 and type(Memory.f) == 'string')");
}

#[test]
fn memory_survives_generations_of_sessions() {
    let (vm, mut store) = fresh();
    run(&vm, "Memory.n = 1");
    save(&vm, &mut store);
    for generation in 2..=4 {
        let (vm, report) = reopen(&store);
        assert!(report.problems.is_empty(), "{:?}", report.problems);
        run(&vm, &format!("assert(Memory.n == {}) Memory.n = Memory.n + 1", generation - 1));
        save(&vm, &mut store);
        assert!(store.load().unwrap().iter().any(|(k, _)| k == b"meta"), "the meta record stays");
    }
    let (vm, _) = reopen(&store);
    run(&vm, "assert(Memory.n == 4)");
}

#[test]
fn a_restored_memory_saves_as_unchanged() {
    // Another VM visits a table's keys in another order (string hashes are seeded per
    // state): records must not depend on it, or every session would rewrite them.
    let (vm, mut store) = fresh();
    run(&vm, "for i = 1, 200 do Memory['k' .. i] = { i, name = 'n' .. i, [i * 1.5] = true } end");
    save(&vm, &mut store);
    for _ in 0..3 {
        let (vm, _) = reopen(&store);
        let point = vm.save_point();
        assert!(point.is_empty(), "{} records rewritten", point.changes.len());
    }
}

#[test]
fn a_restore_in_small_steps_reports_progress_and_rebuilds_the_same_memory() {
    let (vm, mut store) = fresh();
    run(
        &vm,
        "local shared = {} for i = 1, 300 do Memory[i] = { i, shared } end Memory.self = Memory\n\
              local n = 0 Memory.inc = function() n = n + 1 return n end Memory.inc()",
    );
    save(&vm, &mut store);
    drop(vm);
    let vm = Vm::new().unwrap();
    let mut restore = vm.begin_restore(store.load().unwrap(), [9; 32]).unwrap();
    let mut seen = vec![restore.progress()];
    let report = loop {
        if let Some(outcome) = vm.restore_step(&mut restore, 7) {
            break outcome.unwrap();
        }
        seen.push(restore.progress());
    };
    assert!(seen.len() > 40, "{} steps", seen.len());
    assert!(seen.windows(2).all(|w| w[1].0 >= w[0].0), "progress never goes back: {seen:?}");
    let (done, total) = restore.progress();
    assert_eq!(done, total);
    assert_eq!(total, report.records + 2 * report.objects);
    assert!(report.problems.is_empty());
    assert!(vm.save_point().changes.is_empty(), "a stepwise restore is as complete as a whole one");
    run(
        &vm,
        "assert(#Memory == 300 and rawequal(Memory[1][2], Memory[300][2]) and rawequal(Memory.self, Memory))\n\
              assert(Memory.inc() == 2)",
    );
}

/// What a restore makes is all kept, so collecting during it is wasted work, and each
/// collection went over everything made so far: the restore's time grew with the
/// square of Memory's size. Garbage made before a restore of 20,000 tables (a
/// collection's first prey) notes how long Memory was when its finalizer ran: not
/// during the restore (Memory was still the empty table), but after it, when the
/// collector runs again as it was set.
#[test]
fn the_collector_waits_while_a_restore_runs() {
    let (vm, mut store) = fresh();
    run(&vm, "for i = 1, 20000 do Memory[i] = { i, tostring(i) } end");
    save(&vm, &mut store);
    drop(vm);
    let vm = Vm::new().unwrap();
    run(&vm, "setmetatable({}, { __gc = function() Seen = #Memory end })");
    vm.restore(store.load().unwrap(), [9; 32]).unwrap();
    run(&vm, "collectgarbage() assert(Seen == 20000, 'collected during the restore, when #Memory was ' .. Seen)");
    run(&vm, "assert(collectgarbage('isrunning')) collectgarbage('stop')");
    let mut restore = vm.begin_restore(store.load().unwrap(), [9; 32]).unwrap();
    while vm.restore_step(&mut restore, 1000).is_none() {}
    run(&vm, "assert(not collectgarbage('isrunning'), 'a collector the script stopped stays stopped')");
}

#[test]
fn a_vm_that_ran_restores_again_in_place_and_saves_only_what_changes_after() {
    // Another tab (or a restored version) changed the store: this VM catches up by
    // restoring again, keeping its other globals.
    let (vm, mut store) = fresh();
    run(&vm, "Memory.a = { 1, 2 } Memory.f = function() return 1 end scratch = 'kept'");
    save(&vm, &mut store);
    let (other, _) = reopen(&store);
    run(
        &other,
        "Memory.a[3] = 3 Memory.b = { shared = Memory.a } local n = 0 Memory.f = function() n = n + 1 return n end",
    );
    save(&other, &mut store);
    let report = vm.restore(store.load().unwrap(), [9; 32]).unwrap();
    assert!(report.problems.is_empty());
    assert!(vm.save_point().is_empty(), "nothing changed since the restore");
    run(
        &vm,
        "assert(#Memory.a == 3 and rawequal(Memory.b.shared, Memory.a) and Memory.f() == 1 and scratch == 'kept')",
    );
    let point = save(&vm, &mut store);
    assert_eq!(kinds(&point), ["archive o", "put o", "put v", "put meta"], "one closure rewritten, nothing else");
    // Ids never go back: nothing this VM makes now can take an id the other made.
    run(&vm, "Memory.c = {}");
    save(&vm, &mut store);
    let (again, report) = reopen(&store);
    assert!(report.problems.is_empty());
    run(&again, "assert(#Memory.a == 3 and rawequal(Memory.b.shared, Memory.a) and Memory.f() == 2 and Memory.c)");
}
