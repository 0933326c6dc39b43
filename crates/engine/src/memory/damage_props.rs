//! The adversarial harness, kept as property tests: random mutations of records
//! (re-sealed with valid checksums, so they reach the decoder and the restore) and of
//! whole snapshots. Whatever the mutation: a clear error or a partial restore that
//! names paths; never a panic, never a change to a value whose records were not
//! touched, never a new id that collides with a live one, and nothing lost by the
//! save that follows.

use std::collections::{BTreeMap, HashMap, HashSet};

use proptest::prelude::*;

use super::format::{self, KeyName, Record, Stored, StoredUpvalue};
use crate::snapshot::{export, import};
use crate::{MemoryStore, Store, Vm};

const SECRET: [u8; 32] = [7; 32];

/// Eight top-level values that share no object, so damage to one's records can
/// change only that one: every kind of record, compressed bodies, shared cells.
const SETUP: &str = r#"
    local shared = { 'shared within k1' }
    Memory.k1 = { shared, shared, { 1.5, -7, true, "x" } }
    Memory.k2 = setmetatable({ name = "point" }, { __index = { len = 3 } })
    local n = 10
    Memory.k3 = { inc = function() n = n + 1 return n end, get = function() return n end }
    Memory.k4 = string.rep("compressible ", 40)
    Memory.k5 = { string.rep("a", 100), { { { "deep" } } } }
    local t = {} t.self = t Memory.k6 = t
    Memory.k7 = { print, string.format, math }
    Memory.k8 = function(x) return (x or 0) * 2 end
"#;

/// A canonical description of each top-level value, by plain Lua that changes nothing.
const DESCRIBE: &str = r#"
    local function d(v, seen)
      local t = type(v)
      if t == "table" then
        if seen[v] then return "<seen>" end
        seen[v] = true
        local keys = {}
        for k in next, v do keys[#keys + 1] = k end
        table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
        local out = { "{" }
        for _, k in ipairs(keys) do out[#out + 1] = tostring(k) .. "=" .. d(rawget(v, k), seen) .. "," end
        local mt = getmetatable(v)
        if mt then out[#out + 1] = "mt=" .. d(mt, seen) end
        return table.concat(out) .. "}"
      elseif t == "function" then
        -- Described without calling it: its bytecode's size and its upvalues.
        local ok, code = pcall(string.dump, v)
        local out = { "fn:" .. (ok and #code or "C") }
        for i = 1, 255 do
          local ok, name, value = pcall(debug.getupvalue, v, i)
          if not ok or not name then break end
          out[#out + 1] = name .. "=" .. (name == "_ENV" and "env" or d(value, seen))
        end
        return table.concat(out, ",")
      end
      return t .. ":" .. tostring(v)
    end
    local out = {}
    for i = 1, 8 do out[i] = d(Memory["k" .. i], {}) end
    return table.unpack(out, 1, 8)
"#;

fn saved() -> MemoryStore {
    let vm = Vm::new().unwrap();
    vm.restore(Vec::new(), SECRET).unwrap();
    assert!(vm.eval(SETUP, "setup").result.is_ok());
    let point = vm.save_point();
    let mut store = MemoryStore::new();
    store.commit(&point.changes).unwrap();
    store
}

fn describe(vm: &Vm) -> Vec<String> {
    match vm.eval(DESCRIBE, "describe").result {
        Ok(values) => values,
        Err(e) => panic!("{}", e.message),
    }
}

/// Which top-level key (1-8) reaches each record.
fn owners(records: &BTreeMap<Vec<u8>, Vec<u8>>) -> BTreeMap<Vec<u8>, usize> {
    let decoded: HashMap<KeyName, Record> =
        records.iter().filter_map(|(k, v)| Some((format::parse_key(k)?, format::decode(v).ok()?))).collect();
    let Some(Record::Meta(meta)) = decoded.get(&KeyName::Meta) else { panic!("no meta") };
    let Some(Record::Table { entries, .. }) = decoded.get(&KeyName::Object(meta.root)) else { panic!("no root") };
    let mut owner = BTreeMap::new();
    for (key, value) in entries {
        let (Stored::String(name), Stored::Object(id)) = (key, value) else { continue };
        let k: usize = String::from_utf8_lossy(&name[1..]).parse().unwrap();
        let mut queue = vec![KeyName::Object(*id)];
        let mut seen = HashSet::new();
        while let Some(at) = queue.pop() {
            if !seen.insert(at) {
                continue;
            }
            owner.insert(at.bytes(), k);
            let mut refs = Vec::new();
            match decoded.get(&at) {
                Some(Record::Table { metatable, entries }) => {
                    refs.push(metatable.clone());
                    entries.iter().for_each(|(k, v)| refs.extend([k.clone(), v.clone()]));
                }
                Some(Record::Closure { proto, upvalues }) => {
                    queue.push(KeyName::Proto(*proto));
                    for up in upvalues {
                        refs.push(match up {
                            StoredUpvalue::Own(v) => v.clone(),
                            StoredUpvalue::Shared { closure, .. } => Stored::Object(*closure),
                        });
                    }
                }
                _ => {}
            }
            queue.extend(refs.iter().filter_map(|s| match s {
                Stored::Object(id) => Some(KeyName::Object(*id)),
                _ => None,
            }));
        }
    }
    owner
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, bit: u8 },
    Truncate { keep: usize },
    Insert { at: usize, byte: u8 },
    Set { at: usize, byte: u8 },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(at, bit)| Mutation::Flip { at, bit }),
        any::<usize>().prop_map(|keep| Mutation::Truncate { keep }),
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Insert { at, byte }),
        (any::<usize>(), prop_oneof![Just(0u8), Just(0x7f), Just(0xff), any::<u8>()])
            .prop_map(|(at, byte)| Mutation::Set { at, byte }),
    ]
}

/// Mutates the part of a record after its version byte and seals it again with a
/// valid CRC, so the damage reaches the decoder (or, for `reseal = false`, the CRC).
fn mutate(record: &[u8], m: &Mutation, reseal: bool) -> Vec<u8> {
    let mut content = record[..record.len() - 4].to_vec();
    let n = content.len() - 1;
    match *m {
        Mutation::Flip { at, bit } => content[1 + at % n] ^= 1 << bit,
        Mutation::Truncate { keep } => content.truncate(1 + keep % n),
        Mutation::Insert { at, byte } => content.insert(1 + at % (n + 1), byte),
        Mutation::Set { at, byte } => content[1 + at % n] = byte,
    }
    let crc = if reseal { crc32fast::hash(&content) } else { crc32fast::hash(&content) ^ 1 };
    content.extend_from_slice(&crc.to_le_bytes());
    content
}

/// Restores `records` (never a panic), checks the undamaged values, then saves,
/// creates new objects, saves again and restores: the damaged records are still
/// there and the undamaged values still equal.
/// `crafted`: the mutated record carries a valid checksum, so a change that still
/// decodes is a value like any other (records other than bytecode are not
/// authenticated); damage that the checksum catches must be named.
fn restores_honestly(
    records: BTreeMap<Vec<u8>, Vec<u8>>,
    touched: &HashSet<usize>,
    crafted: bool,
) -> Result<(), TestCaseError> {
    let expected = {
        let vm = Vm::new().unwrap();
        vm.restore(saved().load().unwrap(), SECRET).unwrap();
        describe(&vm)
    };
    let vm = Vm::new().unwrap();
    let report = vm.restore(records.clone().into_iter().collect(), [9; 32]).unwrap();
    let got = describe(&vm);
    for k in 1..=8 {
        if !touched.contains(&k) {
            prop_assert_eq!(&got[k - 1], &expected[k - 1], "Memory.k{} changed, untouched", k);
        } else if got[k - 1] != expected[k - 1] && !crafted {
            let named = report.problems.iter().any(|p| p.path.contains(&format!("Memory.k{k}")) || p.path == "Memory");
            prop_assert!(named, "Memory.k{} changed silently: {:?}", k, report.problems);
        }
    }
    let mut store = MemoryStore::new();
    store
        .commit(
            &records.iter().map(|(k, v)| crate::Change::Put { key: k.clone(), value: v.clone() }).collect::<Vec<_>>(),
        )
        .unwrap();
    for _ in 0..2 {
        let more = vm.eval("for i = 1, 20 do Memory['new' .. i] = { i } end", "more");
        prop_assert!(more.result.is_ok(), "{:?}", more.result);
        let point = vm.save_point();
        store.commit(&point.changes).unwrap();
        vm.committed(&point);
    }
    let after: BTreeMap<Vec<u8>, Vec<u8>> = store.load().unwrap().into_iter().collect();
    for (key, bytes) in &records {
        if format::decode(bytes).is_err() && key.as_slice() != format::META_KEY {
            prop_assert_eq!(after.get(key), Some(bytes), "a damaged record was not kept");
        }
    }
    let again = Vm::new().unwrap();
    again.restore(store.load().unwrap(), [9; 32]).unwrap();
    let described = describe(&again);
    for k in 1..=8 {
        if !touched.contains(&k) {
            prop_assert_eq!(&described[k - 1], &expected[k - 1], "Memory.k{} changed after saving", k);
        }
    }
    let check = again.eval("for i = 1, 20 do assert(Memory['new' .. i][1] == i, i) end", "check");
    prop_assert!(check.result.is_ok(), "new objects collided: {:?}", check.result);
    Ok(())
}

proptest! {
    // 64 cases in `make test`; PROPTEST_CASES=N for a longer search.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(64),
        .. ProptestConfig::default()
    })]

    #[test]
    fn a_mutated_record_costs_at_most_its_own_value(pick in any::<usize>(), m in mutation(), reseal in any::<bool>()) {
        let mut records: BTreeMap<Vec<u8>, Vec<u8>> = saved().load().unwrap().into_iter().collect();
        let owners = owners(&records);
        let keys: Vec<Vec<u8>> = records.keys().cloned().collect();
        let key = &keys[pick % keys.len()];
        let damaged = mutate(&records[key], &m, reseal);
        records.insert(key.clone(), damaged);
        // The root and meta records hold every top-level key.
        let touched: HashSet<usize> = match owners.get(key) {
            Some(k) => HashSet::from([*k]),
            None => (1..=8).collect(),
        };
        restores_honestly(records, &touched, reseal)?;
    }

    #[test]
    fn mutated_snapshots_are_refused_or_import_honestly(at in any::<usize>(), m in mutation(), reseal in any::<bool>()) {
        let store = saved();
        let file = export(&store.load().unwrap());
        let mut damaged = file.clone();
        match m {
            Mutation::Flip { bit, .. } => damaged[at % file.len()] ^= 1 << bit,
            Mutation::Truncate { keep } => damaged.truncate(keep % file.len()),
            Mutation::Insert { byte, .. } => damaged.insert(at % (file.len() + 1), byte),
            Mutation::Set { byte, .. } => damaged[at % file.len()] = byte,
        }
        if reseal && damaged.len() >= 4 {
            // A valid file checksum: the damage reaches the records inside.
            let n = damaged.len() - 4;
            let crc = crc32fast::hash(&damaged[..n]);
            damaged[n..].copy_from_slice(&crc.to_le_bytes());
        }
        // Into the store it came from: its own bytecode needs no trust, altered
        // bytecode is refused; whatever is imported restores without a panic.
        let mut target = store.clone();
        if let Ok(changes) = import(&damaged, &target.load().unwrap(), [3; 32], false) {
            target.commit(&changes).unwrap();
            let vm = Vm::new().unwrap();
            vm.restore(target.load().unwrap(), [3; 32]).unwrap();
            describe(&vm);
        }
    }
}
