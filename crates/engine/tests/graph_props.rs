//! Property test on random value graphs: a seed-driven Lua generator builds a Memory
//! of nested tables, shared references, cycles, metatables, closures (with shared
//! upvalue cells) and standard values; it is saved, restored into a fresh VM, and the
//! restored graph must be isomorphic to the original (compared as a canonical
//! fingerprint computed in Lua), behave the same when its closures are called, and
//! survive an incremental save of what those calls changed. A second property makes
//! random changes anywhere in the graph between save points into one store, and
//! restores after each: no save point may miss one. A third: the inspector, fully
//! expanded, shows each of the graph's objects once and links only to those places.

mod common;

use std::collections::BTreeSet;

use moonkeep_engine::{MemoryStore, Problem, SavePoint, Shown, Store, Vm};
use proptest::prelude::*;

/// Builds `Memory` from SEED, DEPTH and BREADTH. Everything it stores is reachable
/// from `Memory`; none of the stored closures captures the generator's own locals.
const GENERATOR: &str = r#"
math.randomseed(@SEED@)
local R = math.random
local DEPTH, BREADTH = @DEPTH@, @BREADTH@
local budget = 120                       -- objects (tables and closures) at most, roughly
local pool, fns, ancestors, pending = {}, {}, {}, {}
local std = { print, string.format, _G, string, math.sin }

-- Closure factories: each a different prototype, at a different line.
local function keep(a) return function() return a end end
local function counter(start)
  local n = start
  local function inc(d) n = n + (d or 1) return n end
  local function get() return n end
  return inc, get                        -- two closures sharing one upvalue cell
end
local function compose(f, g)
  return function(d)
    local depth = (tonumber(d) or 0) + 1
    if depth > 3 then return "deep" end
    return f(depth), g(depth)
  end
end
local function lookup(t) return function(k) return rawget(t, k) end end
local function bump(t)
  return function()
    t.hits = (rawget(t, "hits") or 0) + 1
    return rawget(t, "hits")
  end
end
local function plain(a, b) return a, b end
local function uses_global(x) return string.format("%s!", tostring(type(x))) end

local function binary(n)
  local b = {}
  for i = 1, n do b[i] = string.char(R(0, 255)) end
  return table.concat(b)
end
local function rstring()
  local k = R(1, 5)
  if k == 1 then return ""
  elseif k == 2 then return binary(R(1, 24))
  elseif k == 3 then return string.rep("moon\0", R(13, 400)) -- long enough to compress
  else return "k" .. R(1, 50) end
end
local function rinteger()
  local k = R(1, 6)
  if k == 1 then return math.mininteger
  elseif k == 2 then return math.maxinteger
  elseif k == 3 then return R(0)         -- 64 random bits
  else return R(-1000, 1000) end
end
local function rfloat()
  local k = R(1, 9)
  if k == 1 then return 0/0
  elseif k == 2 then return -(0/0)
  elseif k == 3 then return -0.0
  elseif k == 4 then return math.huge
  elseif k == 5 then return -math.huge
  elseif k == 6 then return 0.0
  elseif k == 7 then return R(-1000, 1000) + 0.5
  else return (R() - 0.5) * 2.0 ^ R(-1074, 1023) end
end
local function rkey(t)
  local k = R(1, 5)
  if k == 1 then return #t + 1
  elseif k == 2 then return rinteger()
  elseif k == 3 then
    local f = rfloat()
    if f ~= f then return 1.5 end        -- NaN cannot be a key
    return f
  elseif k == 4 then return rstring()
  else return R(2) == 1 end
end
local function rupvalue()
  local k = R(1, 4)
  if k == 1 then return rinteger()
  elseif k == 2 then return rfloat()
  elseif k == 3 and #pool > 0 then return pool[R(#pool)]
  elseif #fns > 0 then return fns[R(#fns)]
  else return rstring() end
end

local function make_closure()
  budget = budget - 1
  local k, f = R(1, 8)
  if k == 1 then f = keep(rupvalue())
  elseif k == 2 then
    local get
    f, get = counter(R(2) == 1 and rinteger() or rfloat())
    fns[#fns + 1] = get
    pending[#pending + 1] = get
  elseif k == 3 and #fns >= 2 then f = compose(fns[R(#fns)], fns[R(#fns)])
  elseif k == 4 and #pool > 0 then f = lookup(pool[R(#pool)])
  elseif k == 5 and #pool > 0 then f = bump(pool[R(#pool)])
  elseif k == 6 then f = uses_global
  elseif k == 7 then f = plain
  else f = function(x) return (tonumber(x) or 0) * 2 end
  end
  fns[#fns + 1] = f
  return f
end

local make_table
local function rvalue(depth)
  local k = R(1, 16)
  if k == 1 then return rinteger()
  elseif k == 2 then return rfloat()
  elseif k == 3 then return rstring()
  elseif k == 4 then return R(2) == 1
  elseif k <= 9 and depth > 0 and budget > 0 then return make_table(depth - 1)
  elseif k == 10 and #pool > 0 then return pool[R(#pool)]          -- shared reference
  elseif k == 11 and #ancestors > 0 then return ancestors[R(#ancestors)] -- cycle
  elseif k <= 13 and budget > 0 then return make_closure()
  elseif k == 14 then return std[R(#std)]
  elseif k == 15 and #fns > 0 then return fns[R(#fns)]            -- shared closure
  else return R(-5, 5) end
end

function make_table(depth, entries)
  budget = budget - 1
  local t = {}
  pool[#pool + 1] = t
  ancestors[#ancestors + 1] = t
  for _ = 1, entries or R(0, BREADTH + 3) do
    local key, value = rkey(t), rvalue(depth)
    t[key] = value
  end
  local k = R(1, 5)
  if k == 1 then
    setmetatable(t, { __index = pool[R(#pool)] })
  elseif k == 2 then
    setmetatable(t, { __index = lookup(pool[R(#pool)]) })
  elseif k == 3 then
    local donor = pool[R(#pool)]                                    -- a shared metatable
    if getmetatable(donor) then setmetatable(t, getmetatable(donor)) end
  end
  ancestors[#ancestors] = nil
  return t
end

Memory = make_table(DEPTH, BREADTH + 4)
Memory.pending = pending
Memory.specials = { math.mininteger, math.maxinteger, 0/0, -0.0, math.huge, -math.huge, "\0\1\255binary",
  print, string.format, _G, keep(-0.0), keep(Memory) }
Memory.pair = { counter(7) }
"#;

/// `fingerprint(root)`: the graph as a canonical string. Keys are visited sorted by
/// their canonical text; tables and functions are numbered in order of first visit,
/// so sharing and cycles show as back references (`@3`); closures show their
/// prototype (source, lines, dump checksum), their upvalues' names, values and cells
/// (numbered by first visit through `debug.upvalueid`, so shared cells show).
///
/// `callall(root)`: calls every closure in visit order (`pcall(f, 2)`) and describes
/// the results, so restored behaviour, shared cells included, can be compared.
const FINGERPRINT: &str = r#"
local STD_NAMES = { "print", "string.format", "_G", "string", "math.sin", "tostring" }

local function hex(s)
  return (s:gsub(".", function(c) return string.format("%02x", c:byte()) end))
end

local function scalar(v)
  local t = type(v)
  if t == "nil" then return "nil"
  elseif t == "boolean" then return tostring(v)
  elseif math.type(v) == "integer" then return "i" .. string.format("%d", v)
  elseif t == "number" then
    local s = "f" .. string.format("%a", v) .. "/" .. hex(string.pack("<d", v))
    if v == 0 and 1 / v < 0 then s = s .. "/-0" end
    return s
  elseif t == "string" then return "s" .. #v .. ":" .. hex(v)
  end
end

local function dumpsum(f)
  -- Without the last 8 bytes: the seal's tag, under a key of this VM's own.
  local d, sum = string.dump(f):sub(1, -9), 0
  for i = 1, #d do sum = (sum * 31 + d:byte(i)) % 4294967296 end
  return #d .. "/" .. sum
end

local function std_values()
  local std = {}
  for _, name in ipairs(STD_NAMES) do
    local v = _G
    for part in name:gmatch("[^.]+") do v = v[part] end
    std[v] = name
  end
  return std
end

function fingerprint(root)
  local std, ids, order, cells, ncells, out = std_values(), {}, {}, {}, 0, {}
  local function emit(s) out[#out + 1] = s end
  local function walk(v)
    local s = scalar(v)
    if s then return emit(s) end
    if std[v] then return emit("std:" .. std[v]) end
    if ids[v] then return emit("@" .. ids[v]) end
    order[#order + 1] = v
    local id = #order
    ids[v] = id
    if type(v) == "table" then
      local keys = {}
      for k in next, v do
        local ks = scalar(k)
        if not ks then error("fingerprint: an object key") end
        keys[#keys + 1] = { ks, k }
      end
      table.sort(keys, function(a, b) return a[1] < b[1] end)
      emit("T" .. id .. "{mt=")
      walk(debug.getmetatable(v))
      for _, pair in ipairs(keys) do
        emit(";" .. pair[1] .. "=")
        walk(rawget(v, pair[2]))
      end
      emit("}")
    elseif type(v) == "function" then
      local info = debug.getinfo(v, "Su")
      if info.what == "C" then return emit("F" .. id .. "<a C function that is not standard>") end
      emit(string.format("F%d<%s:%d-%d,%s,nups=%d,dump=%s", id, info.source, info.linedefined,
        info.lastlinedefined, info.what, info.nups, dumpsum(v)))
      for i = 1, info.nups do
        local name, value = debug.getupvalue(v, i)
        local cell = debug.upvalueid(v, i)
        if cells[cell] then
          emit(";" .. tostring(name) .. "=cell" .. cells[cell])
        else
          ncells = ncells + 1
          cells[cell] = ncells
          emit(";" .. tostring(name) .. "=cell" .. ncells .. ":")
          walk(value)
        end
      end
      emit(">")
    else
      emit("?" .. type(v))
    end
  end
  walk(root)
  return table.concat(out), order, ids
end

function callall(root)
  local _, order, ids = fingerprint(root)
  local std, out = std_values(), {}
  local function describe(v)
    local s = scalar(v)
    if s then return s end
    if std[v] then return "std:" .. std[v] end
    if ids[v] then return "@" .. ids[v] end
    return "new " .. type(v)
  end
  for id, f in ipairs(order) do
    if type(f) == "function" then
      local results = table.pack(pcall(f, 2))
      local parts = {}
      for i = 1, results.n do parts[i] = describe(results[i]) end
      out[#out + 1] = "F" .. id .. "(2) -> " .. table.concat(parts, ",")
    end
  end
  return table.concat(out, "\n")
end

function objects(root) return #select(2, fingerprint(root)) end
"#;

/// `mutate(seed, n)`: n random changes anywhere in Memory's graph: entries set,
/// replaced or removed, metatables swapped or dropped, upvalues set, cells joined,
/// and closures replaced by new ones of the same bytecode (other upvalues).
const MUTATE: &str = r#"
function mutate(seed, n)
  math.randomseed(seed)
  local R = math.random
  local tables, fns = {}, {}
  for _, v in ipairs(select(2, fingerprint(Memory))) do
    if type(v) == "table" then tables[#tables + 1] = v
    elseif debug.getinfo(v, "S").what ~= "C" then fns[#fns + 1] = v end
  end
  local function value()
    local k = R(1, 6)
    if k == 1 then return R(-100, 100)
    elseif k == 2 then return "s" .. R(1, 1000000)
    elseif k == 3 then return { R(1, 9), deep = { R(1, 9) } }
    elseif k == 4 then return tables[R(#tables)]
    elseif k == 5 and #fns > 0 then return fns[R(#fns)]
    else return nil end
  end
  local function upvalue(f)
    local nups = debug.getinfo(f, "u").nups
    if nups == 0 then return nil end
    local i = R(nups)
    if debug.getupvalue(f, i) ~= "_ENV" then return i end
  end
  for _ = 1, n do
    local k = R(1, 8)
    if k <= 3 then
      local t, keys = tables[R(#tables)], {}
      for key in next, t do keys[#keys + 1] = key end
      local key = (#keys > 0 and R(2) == 1) and keys[R(#keys)] or ("m" .. R(1, 20))
      rawset(t, key, value())
    elseif k == 4 then
      setmetatable(tables[R(#tables)], R(2) == 1 and tables[R(#tables)] or nil)
    elseif k == 5 and #fns > 0 then
      local f = fns[R(#fns)]
      local i = upvalue(f)
      if i then debug.setupvalue(f, i, value()) end
    elseif k == 6 and #fns > 1 then
      local f, g = fns[R(#fns)], fns[R(#fns)]
      local i, j = upvalue(f), upvalue(g)
      if i and j and f ~= g then debug.upvaluejoin(f, i, g, j) end
    elseif k == 7 and #fns > 0 then
      local f = fns[R(#fns)]
      local g = load(string.dump(f))
      for i = 1, debug.getinfo(f, "u").nups do
        local name, v = debug.getupvalue(f, i)
        if name ~= "_ENV" then debug.setupvalue(g, i, v) end
      end
      local i = upvalue(g)
      if i then debug.setupvalue(g, i, value()) end
      for _, t in ipairs(tables) do
        for key, v in next, t do
          if rawequal(v, f) then rawset(t, key, g) end
        end
      end
    end
  end
end
"#;

fn eval(vm: &Vm, source: &str, chunk: &str) -> Result<Vec<String>, TestCaseError> {
    let run = vm.eval(source, chunk);
    match run.result {
        Ok(values) => Ok(values),
        Err(e) => Err(TestCaseError::fail(format!(
            "{chunk}: {}\n{}\n{}",
            e.message,
            e.traceback.unwrap_or_default(),
            run.output
        ))),
    }
}

/// One string value of an expression.
fn string_of(vm: &Vm, expression: &str) -> Result<String, TestCaseError> {
    let mut values = eval(vm, &format!("return {expression}"), "check.lua")?;
    prop_assert_eq!(values.len(), 1);
    Ok(values.remove(0))
}

/// Equal strings, or a failure showing where they first differ.
fn same(what: &str, restored: &str, original: &str) -> Result<(), TestCaseError> {
    if restored == original {
        return Ok(());
    }
    let at = restored.bytes().zip(original.bytes()).take_while(|(a, b)| a == b).count();
    let around = |s: &str| s.get(at.saturating_sub(150)..(at + 150).min(s.len())).unwrap_or(s).to_owned();
    Err(TestCaseError::fail(format!(
        "{what} differs at byte {at} of {}/{}:\n restored: ...{}...\n original: ...{}...",
        restored.len(),
        original.len(),
        around(restored),
        around(original)
    )))
}

fn save(vm: &Vm, store: &mut MemoryStore) -> SavePoint {
    let point = vm.save_point();
    store.commit(&point.changes).unwrap();
    vm.committed(&point);
    point
}

/// A fresh VM restored from `store`, with `fingerprint` and `callall` defined.
fn reopen(store: &MemoryStore, secret: u8, objects: usize) -> Result<Vm, TestCaseError> {
    let vm = Vm::new().unwrap();
    let report = vm.restore(store.load().unwrap(), [secret; 32]).unwrap();
    prop_assert!(report.problems.is_empty(), "restore problems: {:?}", report.problems);
    prop_assert_eq!(report.objects, objects);
    eval(&vm, FINGERPRINT, "fingerprint.lua")?;
    Ok(vm)
}

/// Expanded everywhere, the inspector has one row with contents for each object (its
/// first place); every other route to it is a link to that row, revealed by rows
/// that exist.
fn inspector_shows_every_object_once(vm: &Vm, objects: usize) -> Result<(), TestCaseError> {
    let mut expanded = BTreeSet::from(["Memory".to_owned()]);
    let mut rows = Vec::new();
    // Each pass opens one more level; cycles shown as links keep this finite (and
    // small: one row per entry, metatable and upvalue of each object).
    for _ in 0..=objects {
        rows = vm.memory_rows(&expanded, "");
        prop_assert!(rows.len() < 100_000, "expanding never ends");
        let before = expanded.len();
        expanded.extend(rows.iter().filter(|r| r.expandable).map(|r| r.path.clone()));
        if expanded.len() == before {
            break;
        }
    }
    prop_assert!(rows.iter().all(|r| !r.expandable || r.expanded), "expanding never ends");
    let is_place = |value: &Shown| matches!(value, Shown::Table { .. } | Shown::Function { .. });
    prop_assert_eq!(rows.iter().filter(|r| is_place(&r.value)).count(), objects);
    let places: BTreeSet<&str> = rows.iter().filter(|r| is_place(&r.value)).map(|r| r.path.as_str()).collect();
    for row in &rows {
        if let Shown::Link { to, .. } = &row.value {
            prop_assert!(places.contains(to.as_str()), "{} links to {to}, which is no place", row.path);
            for path in &row.reveal {
                prop_assert!(expanded.contains(path), "{} is revealed by {path}, which is no row", row.path);
            }
        }
    }
    Ok(())
}

/// A fresh VM holding the graph made from SEED, DEPTH and BREADTH, with the
/// fingerprint functions loaded.
fn generated(seed: i64, depth: u32, breadth: u32) -> Result<Vm, TestCaseError> {
    let vm = Vm::new().unwrap();
    vm.restore(Vec::new(), [1; 32]).unwrap();
    let generator = GENERATOR
        .replace("@SEED@", &seed.to_string())
        .replace("@DEPTH@", &depth.to_string())
        .replace("@BREADTH@", &breadth.to_string());
    eval(&vm, &generator, "graph.lua")?;
    eval(&vm, FINGERPRINT, "fingerprint.lua")?;
    Ok(vm)
}

/// A save point's problems but one: the graphs hold `_G`, and this harness's own
/// globals (`fingerprint`, `callall`, ...) are changes to it that are reported.
fn unexpected(point: &SavePoint) -> Vec<&Problem> {
    let harness = "the standard table _G is saved by name, so what the script changed in it is not saved (_G.callall";
    point.problems.iter().filter(|p| !p.reason.starts_with(harness)).collect()
}

fn check(seed: i64, depth: u32, breadth: u32) -> Result<(), TestCaseError> {
    let vm = generated(seed, depth, breadth)?;
    let original = string_of(&vm, "(fingerprint(Memory))")?;
    let objects: usize = string_of(&vm, "objects(Memory)")?.parse().unwrap();

    let mut store = MemoryStore::new();
    let point = save(&vm, &mut store);
    prop_assert!(unexpected(&point).is_empty(), "save problems: {:?}", point.problems);
    prop_assert_eq!(point.objects, objects);
    inspector_shows_every_object_once(&vm, objects)?;
    // Calls change upvalues and tables; what they did is saved incrementally.
    let calls = string_of(&vm, "callall(Memory)")?;
    let after_calls = string_of(&vm, "(fingerprint(Memory))")?;
    let mut later = store.clone();
    let second = save(&vm, &mut later);
    prop_assert!(unexpected(&second).is_empty(), "save problems: {:?}", second.problems);
    drop(vm);

    let restored = reopen(&store, 2, objects)?;
    same("the restored graph", &string_of(&restored, "(fingerprint(Memory))")?, &original)?;
    same("the restored closures' results", &string_of(&restored, "callall(Memory)")?, &calls)?;
    same("the graph after the calls", &string_of(&restored, "(fingerprint(Memory))")?, &after_calls)?;

    let restored = reopen(&later, 3, second.objects)?;
    same(
        "the graph saved incrementally after the calls",
        &string_of(&restored, "(fingerprint(Memory))")?,
        &after_calls,
    )?;
    Ok(())
}

/// Random changes between save points into one store; after each save point, a VM
/// restored from the store holds the graph as it is.
fn check_changes(seed: i64, depth: u32, breadth: u32) -> Result<(), TestCaseError> {
    let vm = generated(seed, depth, breadth)?;
    eval(&vm, MUTATE, "mutate.lua")?;
    let mut store = MemoryStore::new();
    save(&vm, &mut store);
    for round in 0..4i64 {
        eval(&vm, &format!("mutate({}, 3)", seed.wrapping_add(round)), "change.lua")?;
        let point = save(&vm, &mut store);
        prop_assert!(unexpected(&point).is_empty(), "save problems: {:?}", point.problems);
        let live = string_of(&vm, "(fingerprint(Memory))")?;
        let objects: usize = string_of(&vm, "objects(Memory)")?.parse().unwrap();
        let restored = reopen(&store, 2, objects)?;
        same(&format!("the graph after change {round}"), &string_of(&restored, "(fingerprint(Memory))")?, &live)?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(common::proptest_config(64))]

    #[test]
    fn random_memory_graphs_come_back_isomorphic(seed in any::<i64>(), depth in 0u32..=6, breadth in 1u32..=6) {
        check(seed, depth, breadth)?;
    }

    #[test]
    fn random_changes_between_save_points_are_all_saved(seed in any::<i64>(), depth in 0u32..=6, breadth in 1u32..=6) {
        check_changes(seed, depth, breadth)?;
    }
}
