//! A save point: walk everything reachable from `Memory`, encode each object as a
//! record, and keep the records that differ from what the store holds.

use std::collections::{HashMap, HashSet, VecDeque};

use mlua::{Function, Lua, MultiValue, Table, Value};

use super::format::{self, KeyName, Meta, Record, Stored, Upvalue};
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
    /// Encoded objects: key, kind and uncompressed body.
    records: Vec<(KeyName, u8, Vec<u8>)>,
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
            let (kind, body) = match &value {
                Value::Table(t) => (format::KIND_TABLE, walk.table(id, t)),
                Value::Function(f) => format::encode_body(&walk.closure(id, f)),
                _ => unreachable!("only tables and functions are queued"),
            };
            walk.records.push((KeyName::Object(id), kind, body));
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
            Value::Function(f) if self.is_lua_function(f) => Stored::Object(self.object_id_from(value, from, step)),
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

    /// Lua functions are persistable; C functions only as standard values. Functions
    /// already seen are known to be Lua functions without asking the debug interface.
    fn is_lua_function(&self, f: &Function) -> bool {
        matches!(self.keeper.proto_of.raw_get::<Option<u64>>(f), Ok(Some(_))) || f.info().what != "C"
    }

    fn object_id_from(&mut self, value: &Value, from: u64, step: &Step) -> u64 {
        let id = self.object_id(value.clone());
        self.parents.note(id, from, step.clone());
        id
    }

    /// A table's body (R10), entries in canonical order (by their encoded keys) so
    /// that the same table encodes to the same bytes in every VM, whatever order
    /// `next` visits it in.
    fn table(&mut self, id: u64, table: &Table) -> Vec<u8> {
        let metatable = match table.metatable() {
            Some(mt) => self.stored(&Value::Table(mt), id, &Step::Metatable).unwrap_or(Stored::Nil),
            None => Stored::Nil,
        };
        let mut entries = Vec::new();
        let mut spans = Vec::new();
        let _ = table.for_each::<Value, Value>(|k, v| {
            let start = entries.len();
            if !self.put(&mut entries, &k, id, || Step::KeyObject) {
                return Ok(());
            }
            let middle = entries.len();
            if self.put(&mut entries, &v, id, || Step::Key(scalar(&k))) {
                spans.push((start, middle, entries.len()));
            } else {
                entries.truncate(start);
            }
            Ok(())
        });
        spans.sort_unstable_by(|a, b| entries[a.0..a.1].cmp(&entries[b.0..b.1]));
        let mut body = Vec::with_capacity(entries.len() + 16);
        format::put_value(&mut body, &metatable);
        format::put_varint(&mut body, spans.len() as u64);
        for (start, _, end) in spans {
            body.extend_from_slice(&entries[start..end]);
        }
        body
    }

    /// Writes a value as stored (R7-R9) straight into `out`; false (with a problem
    /// noted) if it cannot be saved. `step` names where it is, for reports and paths.
    fn put(&mut self, out: &mut Vec<u8>, value: &Value, from: u64, step: impl FnOnce() -> Step) -> bool {
        match value {
            Value::String(s) => {
                let bytes = s.as_bytes();
                out.push(format::TAG_STRING);
                format::put_varint(out, bytes.len() as u64);
                out.extend_from_slice(&bytes);
                true
            }
            Value::Nil | Value::Boolean(_) | Value::Integer(_) | Value::Number(_) => {
                format::put_value(out, &scalar(value));
                true
            }
            _ => match self.stored(value, from, &step()) {
                Some(stored) => {
                    format::put_value(out, &stored);
                    true
                }
                None => false,
            },
        }
    }

    fn closure(&mut self, id: u64, function: &Function) -> Record {
        let (proto, count) = self.proto(function);
        // One call for all upvalues: (name, value, cell) for each.
        let found: Vec<Value> = match self.keeper.raw.upvalues.call::<MultiValue>((function, count)) {
            Ok(values) => values.into_vec(),
            Err(_) => Vec::new(),
        };
        let mut upvalues = Vec::with_capacity(found.len() / 3);
        for (i, triple) in found.chunks_exact(3).enumerate() {
            let index = i as u32 + 1;
            let cell = match &triple[2] {
                Value::LightUserData(p) => p.0 as usize,
                _ => 0,
            };
            if let Some(&(closure, at)) = self.cells.get(&cell) {
                upvalues.push(Upvalue::Shared { closure, index: at });
                continue;
            }
            self.cells.insert(cell, (id, index));
            let name = match &triple[0] {
                Value::String(s) => s.to_string_lossy(),
                _ => "?".to_owned(),
            };
            upvalues.push(Upvalue::Own(self.stored(&triple[1], id, &Step::Upvalue(name)).unwrap_or(Stored::Nil)));
        }
        Record::Closure { proto, upvalues }
    }

    /// The prototype id of a Lua function, dumping and storing its bytecode the first
    /// time this prototype is seen.
    fn proto(&mut self, function: &Function) -> (u64, u8) {
        if let Ok(Some(id)) = self.keeper.proto_of.raw_get::<Option<u64>>(function) {
            // Cached, unless its record never reached the store (a failed commit).
            if self.live_protos.contains(&id) || self.keeper.stored.contains_key(&KeyName::Proto(id)) {
                self.live_protos.insert(id);
                return (id, self.keeper.upvalue_counts.get(&id).copied().unwrap_or(0));
            }
        }
        let bytecode = function.dump(false);
        let hash = sha256(&bytecode);
        let id = match self.keeper.proto_by_hash.get(&hash) {
            Some(&id) => id,
            None => {
                let id = self.keeper.fresh_id();
                self.keeper.proto_by_hash.insert(hash, id);
                id
            }
        };
        let count = function.info().num_upvalues;
        self.keeper.upvalue_counts.insert(id, count);
        let key = KeyName::Proto(id);
        if !self.live_protos.contains(&id) && !self.keeper.stored.contains_key(&key) {
            let tag = self.keeper.tag(&bytecode);
            let (kind, body) = format::encode_body(&Record::Proto { tag, bytecode });
            self.records.push((key, kind, body));
        }
        let _ = self.keeper.proto_of.raw_set(function, id);
        self.live_protos.insert(id);
        (id, count)
    }

    /// Turns the walk's records into the changes against the store's last known state.
    fn finish(self, root: Option<u64>) -> SavePoint {
        let keeper = self.keeper;
        let mut changes = Vec::new();
        let mut digests = Vec::new();
        let mut bytes_written = 0;
        let objects = self.seen.len();
        let mut live: HashSet<KeyName> = HashSet::with_capacity(self.records.len() + self.live_protos.len() + 1);
        live.insert(KeyName::Meta);
        live.extend(self.live_protos.iter().map(|id| KeyName::Proto(*id)));
        for (key, kind, body) in self.records {
            let d = digest(kind, &body);
            live.insert(key);
            if keeper.stored.get(&key) != Some(&d) {
                let bytes = format::seal(kind, body);
                bytes_written += bytes.len();
                digests.push((key, Some(d)));
                changes.push(Change::Put { key: key.bytes(), value: bytes });
            }
        }
        let meta = Meta { root: root.unwrap_or(0), next_id: keeper.next_id, secret: keeper.secret };
        if root.is_some() {
            for key in keeper.stored.keys() {
                if !live.contains(key) {
                    digests.push((*key, None));
                    changes.push(Change::Delete { key: key.bytes() });
                }
            }
            if keeper.meta.as_ref() != Some(&meta) {
                let bytes = format::encode(&Record::Meta(meta.clone()));
                bytes_written += bytes.len();
                changes.push(Change::Put { key: KeyName::Meta.bytes(), value: bytes });
            }
        }
        SavePoint { changes, problems: self.problems, objects, bytes_written, digests, meta }
    }
}

/// A string, boolean, number or nil as stored.
fn scalar(value: &Value) -> Stored {
    match value {
        Value::Boolean(b) => Stored::Boolean(*b),
        Value::Integer(i) => Stored::Integer(*i),
        Value::Number(n) => Stored::Float(n.to_bits()),
        Value::String(s) => Stored::String(s.as_bytes().to_vec()),
        _ => Stored::Nil,
    }
}
