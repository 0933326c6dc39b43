//! Save points that read only what changed: a seed-driven Lua script changes Memory
//! through every way Lua writes a table or an upvalue (stores fast and through
//! `__newindex` chains, `_ENV`, `rawset`, the table library, metatables, `debug`,
//! changes made while `pairs` runs, tables reached only through upvalues or
//! metatables, weak tables emptied by the collector, objects leaving Memory, changed
//! while outside, and coming back), with save points in between. After each save point
//! the store must hold what a full read would write: restored in a new VM, Memory
//! fingerprints the same as the live one (structure, sharing, cycles, metatables,
//! bytecode, upvalues), and a full read of the restored Memory finds no record that
//! nothing reaches. A write the dirty log missed would show as a stale record. Now
//! and then the VM is replaced by one restored from the store, as a reload does: its
//! save points read only what changed from the first.

mod common;

use common::{fresh, run};
use moonkeep_engine::{Change, MemoryStore, Store, Vm};
use proptest::prelude::*;

const SETUP: &str = r#"
math.randomseed(@SEED@)
OUT = {}                                   -- objects taken out of Memory, kept alive
local function counter()
  local n = 0
  return function(d) n = n + (d or 1) return n end, function() return n end
end
Memory.pool = {}
for i = 1, 12 do Memory.pool[i] = { i, name = "t" .. i, inner = { i * 2 } } end
Memory.pool[13] = Memory.pool[1]            -- shared
Memory.pool[1].cycle = Memory.pool[2] Memory.pool[2].cycle = Memory.pool[1]
local class = { __index = { kind = "class", methods = { 1, 2 } } }
Memory.objs = {}
for i = 1, 4 do Memory.objs[i] = setmetatable({ hp = i }, class) end
-- Functions below the top level: the fingerprint calls top-level ones.
Memory.fns = {}
Memory.fns.inc, Memory.fns.get = counter()
local hidden = { secret = 1 }              -- reachable only through upvalues
Memory.fns.peek = function() return hidden end
Memory.fns.poke = function(k, v) hidden[k] = v end
Memory.target = {}
Memory.proxy = setmetatable({}, { __newindex = setmetatable({}, { __newindex = Memory.target }) })
Memory.weak = setmetatable({}, { __mode = "v" })
Memory.weakk = setmetatable({}, { __mode = "k" })
"#;

/// One random change; `R` is seeded, so a seed replays exactly.
const STEP: &str = r#"
local R = math.random
local P = Memory.pool
local function any()
  for _ = 1, 8 do local t = P[R(1, #P)] if type(t) == "table" then return t end end
  return P
end
local function value()
  local k = R(1, 6)
  if k == 1 then return R(-100, 100)
  elseif k == 2 then return "s" .. R(1, 9)
  elseif k == 3 then return { R(1, 5), deep = { R(1, 5) } }
  elseif k == 4 then return any()
  elseif k == 5 then local x = R(1, 9) return function() return x end
  else return R() end
end
local op = R(1, 25)
if op == 1 then any()[R(1, 8)] = value()
elseif op == 2 then any()["k" .. R(1, 4)] = value()
elseif op == 3 then rawset(any(), R(1, 6), value())
elseif op == 4 then table.insert(any(), value())
elseif op == 5 then local t = any() if #t > 0 then table.insert(t, 1, value()) end
elseif op == 6 then table.remove(any())
elseif op == 7 then local t = any() if #t > 1 then table.remove(t, 1) end
elseif op == 8 then table.move({ R(1, 9), R(1, 9) }, 1, 2, R(1, 3), any())
elseif op == 9 then
  local t = any() local n = {}
  for i = 1, #t do n[i] = type(t[i]) == "number" and t[i] or 0 end
  for i = 1, #n do t[i] = n[i] end
  table.sort(t, function(a, b) return a > b end)
elseif op == 10 then setmetatable(any(), R(1, 2) == 1 and { __index = { shared = R(1, 9) } } or nil)
elseif op == 11 then debug.setmetatable(any(), { tag = R(1, 9) })
elseif op == 12 then Memory.proxy["p" .. R(1, 5)] = value()
elseif op == 13 then load("x" .. R(1, 3) .. " = " .. R(1, 99), "env", "t", any())()
elseif op == 14 then Memory.fns.inc(R(1, 3))
elseif op == 15 then debug.setupvalue(Memory.fns.inc, 1, R(1, 1000))
elseif op == 16 then
  local F = Memory.fns
  if R(1, 2) == 1 and debug.getupvalue(F.get, 1) == "n" then debug.upvaluejoin(F.get, 1, F.inc, 1)
  else F.get = function() return "fresh" end end
elseif op == 17 then Memory.fns.poke("k" .. R(1, 3), value())
elseif op == 18 then                     -- changes while pairs runs
  local t = any()
  for k, v in pairs(t) do
    if R(1, 3) == 1 then t[k] = nil elseif type(v) == "number" then t[k] = v + 1 end
  end
elseif op == 19 then                     -- leaves Memory, kept alive outside
  local i = R(1, #P)
  if type(P[i]) == "table" then OUT[#OUT + 1] = P[i] P[i] = R(1, 9) end
elseif op == 20 then                     -- changed while outside
  if #OUT > 0 then local t = OUT[R(1, #OUT)] t.outside = (t.outside or 0) + 1 t[1] = value() end
elseif op == 21 then                     -- comes back
  if #OUT > 0 then P[R(1, #P + 1)] = table.remove(OUT, R(1, #OUT)) end
elseif op == 22 then                     -- weak entries, emptied by the collector
  Memory.weak[R(1, 4)] = { R(1, 9) }
  Memory.weakk[{}] = R(1, 9)
  if R(1, 2) == 1 then collectgarbage() collectgarbage() end
elseif op == 23 then getmetatable(Memory.objs[1]).__index.methods[R(1, 3)] = value()
elseif op == 24 then Memory.objs[R(1, 4)].hp = R(1, 100)
elseif Memory.cyc then Memory.cyc = nil     -- a cycle dropped: no count reaches zero
else local a, b = {}, { any() } a.b, b.a = b, a Memory.cyc = a end
"#;

/// Saves, then checks the store against what a full read would write.
fn save_and_compare(vm: &Vm, store: &mut MemoryStore, context: &str) -> usize {
    // Weak entries whose values nothing else holds go at a collection: in both VMs.
    run(vm, "collectgarbage() collectgarbage()");
    let point = common::save(vm, store);
    assert!(point.problems.is_empty(), "{context}: {:?}", point.problems);
    let records = store.load().unwrap();
    let objects = records.iter().filter(|(key, _)| key.first() == Some(&b'o')).count();
    let restored = Vm::new().unwrap();
    let report = restored.restore(records, [8; 32]).unwrap();
    assert!(report.problems.is_empty(), "{context}: {:?}", report.problems);
    run(&restored, "collectgarbage() collectgarbage()");
    assert_eq!(restored.fingerprint("").unwrap(), vm.fingerprint("").unwrap(), "{context}: Memory differs");
    // A full read after a restore may write a closure again (the first closure it
    // meets owns a shared cell), but deletes nothing: everything stored is reached.
    let full = restored.save_point();
    let written: Vec<&Vec<u8>> =
        full.changes.iter().filter_map(|c| if let Change::Put { key, .. } = c { Some(key) } else { None }).collect();
    let deleted = full.changes.iter().filter(|c| matches!(c, Change::Archive { key, .. } if !written.contains(&key)));
    assert_eq!(deleted.count(), 0, "{context}: the store keeps records nothing reaches");
    assert_eq!(full.objects, objects, "{context}: object records in the store");
    point.read
}

proptest! {
    #![proptest_config(common::proptest_config(24))]

    #[test]
    fn a_save_point_reading_only_what_changed_writes_what_a_full_read_writes(seed in 1u32..1_000_000, steps in 1usize..6) {
        let (mut vm, mut store) = fresh();
        run(&vm, &SETUP.replace("@SEED@", &seed.to_string()));
        save_and_compare(&vm, &mut store, "first");
        let mut partial = 0;
        for round in 0..25 {
            if round % 8 == 7 {
                // A reload: the restored VM goes on, its first save point reading
                // only what changed since the restore.
                let (reopened, report) = common::reopen(&store);
                prop_assert!(report.problems.is_empty(), "{:?}", report.problems);
                vm = reopened;
                run(&vm, &format!("OUT = {{}} math.randomseed({seed}, {round})"));
            }
            for _ in 0..steps {
                run(&vm, STEP);
            }
            let read = save_and_compare(&vm, &mut store, &format!("seed {seed}, round {round}"));
            let point = vm.save_point();
            prop_assert!(point.changes.is_empty(), "seed {seed}, round {round}: a second save point changed {:?}", point.changes.len());
            partial += usize::from(read < point.objects);
            if round % 8 == 7 {
                prop_assert!(read < point.objects, "seed {seed}, round {round}: the first save point after a restore read all {read} objects");
            }
        }
        prop_assert!(partial > 0, "no save point read only what changed");
    }
}
