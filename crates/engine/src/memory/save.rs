//! A save point: walk everything reachable from `Memory`, encode each object as a
//! record, and keep the records that differ from what the store holds.

use std::collections::{HashMap, HashSet, VecDeque};

use mlua::{Function, Lua, LuaString, Table, Value};

use super::format::{self, Meta, Record, Stored, Upvalue};
use super::path::{Parents, Step};
use super::{digest, sha256, Keeper, Problem, SavePoint};
use crate::store::Change;

struct Walk<'k> {
    keeper: &'k mut Keeper,
    queue: VecDeque<(u64, Value)>,
    /// Objects reached in this walk, by address.
    seen: HashMap<*const std::ffi::c_void, u64>,
    parents: Parents,
    /// Upvalue cells (by `debug.upvalueid`) already stored, and where.
    cells: HashMap<usize, (u64, u32)>,
    records: Vec<(Vec<u8>, Vec<u8>)>,
    live_protos: HashSet<u64>,
    problems: Vec<Problem>,
}

impl Keeper {
    pub(crate) fn save_point(&mut self, lua: &Lua) -> SavePoint {
        let root = match lua.globals().raw_get::<Value>("Memory") {
            Ok(Value::Table(t)) => Some(t),
            _ => None,
        };
        let mut walk = Walk {
            keeper: self,
            queue: VecDeque::new(),
            seen: HashMap::new(),
            parents: Parents::default(),
            cells: HashMap::new(),
            records: Vec::new(),
            live_protos: HashSet::new(),
            problems: Vec::new(),
        };
        let root_id = match root {
            Some(t) => walk.object_id(Value::Table(t)),
            None => {
                walk.problems.push(Problem {
                    path: "Memory".into(),
                    reason: "Memory is not a table, so nothing was saved; set Memory = {} to start again".into(),
                });
                return walk.finish(None);
            }
        };
        while let Some((id, value)) = walk.queue.pop_front() {
            let record = match &value {
                Value::Table(t) => walk.table(id, t),
                Value::Function(f) => walk.closure(id, f),
                _ => unreachable!("only tables and functions are queued"),
            };
            walk.records.push((format::object_key(id), format::encode(&record)));
        }
        walk.finish(Some(root_id))
    }
}

impl Walk<'_> {
    /// The id of a table or Lua function, queued for encoding the first time it is met.
    fn object_id(&mut self, value: Value) -> u64 {
        let pointer = value.to_pointer();
        if let Some(&id) = self.seen.get(&pointer) {
            return id;
        }
        let id = match self.keeper.ids.raw_get::<Option<u64>>(&value) {
            Ok(Some(id)) => id,
            _ => {
                let id = self.keeper.fresh_id();
                let _ = self.keeper.ids.raw_set(&value, id);
                id
            }
        };
        self.seen.insert(pointer, id);
        self.queue.push_back((id, value));
        id
    }

    /// A value as stored, or None (with a problem noted) if it cannot be saved.
    fn stored(&mut self, value: &Value, from: u64, step: &Step) -> Option<Stored> {
        if let Some(name) = self.keeper.std.name_of(value) {
            return Some(Stored::Std(name.to_owned()));
        }
        let stored = match value {
            Value::Nil => Stored::Nil,
            Value::Boolean(b) => Stored::Boolean(*b),
            Value::Integer(i) => Stored::Integer(*i),
            Value::Number(n) => Stored::Float(n.to_bits()),
            Value::String(s) => Stored::String(s.as_bytes().to_vec()),
            Value::Table(_) => Stored::Object(self.object_id_from(value, from, step)),
            Value::Function(f) if f.info().what != "C" => Stored::Object(self.object_id_from(value, from, step)),
            other => {
                let what = match other {
                    Value::Function(_) => "a C function outside the standard library",
                    Value::Thread(_) => "a coroutine",
                    Value::UserData(_) | Value::LightUserData(_) => "userdata",
                    _ => "this kind of value",
                };
                self.problems.push(Problem {
                    path: self.parents.path_of(from, step),
                    reason: format!("{what} can't be saved"),
                });
                return None;
            }
        };
        Some(stored)
    }

    fn object_id_from(&mut self, value: &Value, from: u64, step: &Step) -> u64 {
        let id = self.object_id(value.clone());
        self.parents.note(id, from, step.clone());
        id
    }

    fn table(&mut self, id: u64, table: &Table) -> Record {
        let metatable = match table.metatable() {
            Some(mt) => self.stored(&Value::Table(mt), id, &Step::Metatable).unwrap_or(Stored::Nil),
            None => Stored::Nil,
        };
        let pairs: Vec<(Value, Value)> = table.pairs::<Value, Value>().filter_map(Result::ok).collect();
        let mut entries = Vec::with_capacity(pairs.len());
        for (k, v) in pairs {
            let Some(key) = self.stored(&k, id, &Step::KeyObject) else { continue };
            let step = Step::Key(key.clone());
            if let Some(value) = self.stored(&v, id, &step) {
                entries.push((key, value));
            }
        }
        Record::Table { metatable, entries }
    }

    fn closure(&mut self, id: u64, function: &Function) -> Record {
        let proto = self.proto(function);
        let raw_getupvalue = self.keeper.raw.getupvalue.clone();
        let raw_upvalueid = self.keeper.raw.upvalueid.clone();
        let mut upvalues = Vec::new();
        for index in 1u32.. {
            let Ok((name, value)) = raw_getupvalue.call::<(Option<LuaString>, Value)>((function, index)) else { break };
            let Some(name) = name else { break };
            let cell = match raw_upvalueid.call::<Value>((function, index)) {
                Ok(Value::LightUserData(p)) => p.0 as usize,
                _ => 0,
            };
            if let Some(&(closure, at)) = self.cells.get(&cell) {
                upvalues.push(Upvalue::Shared { closure, index: at });
                continue;
            }
            self.cells.insert(cell, (id, index));
            let step = Step::Upvalue(name.to_string_lossy());
            upvalues.push(Upvalue::Own(self.stored(&value, id, &step).unwrap_or(Stored::Nil)));
        }
        Record::Closure { proto, upvalues }
    }

    /// The prototype id of a Lua function, dumping and storing its bytecode the first
    /// time this prototype is seen.
    fn proto(&mut self, function: &Function) -> u64 {
        if let Ok(Some(id)) = self.keeper.proto_of.raw_get::<Option<u64>>(function) {
            // Cached, unless its record never reached the store (a failed commit).
            if self.live_protos.contains(&id) || self.keeper.stored.contains_key(&format::proto_key(id)) {
                self.live_protos.insert(id);
                return id;
            }
        }
        let bytecode = match self.keeper.raw.dump.call::<LuaString>(function) {
            Ok(b) => b.as_bytes().to_vec(),
            Err(_) => Vec::new(),
        };
        let hash = sha256(&bytecode);
        let id = match self.keeper.proto_by_hash.get(&hash) {
            Some(&id) => id,
            None => {
                let id = self.keeper.fresh_id();
                self.keeper.proto_by_hash.insert(hash, id);
                id
            }
        };
        let key = format::proto_key(id);
        if !self.live_protos.contains(&id) && !self.keeper.stored.contains_key(&key) {
            let tag = self.keeper.tag(&bytecode);
            self.records.push((key, format::encode(&Record::Proto { tag, bytecode })));
        }
        let _ = self.keeper.proto_of.raw_set(function, id);
        self.live_protos.insert(id);
        id
    }

    /// Turns the walk's records into the changes against the store's last known state.
    fn finish(self, root: Option<u64>) -> SavePoint {
        let keeper = self.keeper;
        let mut changes = Vec::new();
        let mut digests = Vec::new();
        let mut live: HashSet<Vec<u8>> = HashSet::from([format::META_KEY.to_vec()]);
        let mut bytes_written = 0;
        let objects = self.seen.len();
        for id in &self.live_protos {
            live.insert(format::proto_key(*id));
        }
        for (key, bytes) in self.records {
            let d = digest(&bytes);
            live.insert(key.clone());
            if keeper.stored.get(&key) != Some(&d) {
                bytes_written += bytes.len();
                digests.push((key.clone(), Some(d)));
                changes.push(Change::Put { key, value: bytes });
            }
        }
        let meta = Meta { root: root.unwrap_or(0), next_id: keeper.next_id, secret: keeper.secret };
        if root.is_some() {
            for key in keeper.stored.keys() {
                if !live.contains(key) {
                    digests.push((key.clone(), None));
                    changes.push(Change::Delete { key: key.clone() });
                }
            }
            if keeper.meta.as_ref() != Some(&meta) {
                let bytes = format::encode(&Record::Meta(meta.clone()));
                bytes_written += bytes.len();
                changes.push(Change::Put { key: format::META_KEY.to_vec(), value: bytes });
            }
        }
        SavePoint { changes, problems: self.problems, objects, bytes_written, digests, meta }
    }
}
