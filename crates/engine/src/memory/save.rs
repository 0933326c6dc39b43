//! A save point: walk what is reachable from `Memory` (everything, or only what
//! changed: see `Keeper::save_what_changed`), encode each object read as a record, and
//! keep the records that differ from what the store holds.
//!
//! The walk reads values straight off the Lua stack (`moonkeep_lua::walk`), breadth
//! first, by object id. A table's entries are written in `next` order into a scratch
//! buffer, whose hash is compared with the one its last save point read: only a table
//! whose entries changed is sorted into canonical order and encoded again. Closures
//! are small and always encoded; a closure's prototype is dumped only the first time.

use std::collections::VecDeque;
use std::ops::ControlFlow::{self, Break, Continue};

use mlua::{Lua, Value};
use moonkeep_lua::walk::{self, ObjectIds, Read, Ref, Scope, Slot, Visit, Walker};
use rustc_hash::{FxHashMap, FxHashSet};

use super::format::{self, KeyName, Meta, Record, Stored, Version};
use super::graph::{self, Graph, Kind};
use super::path::{Edge, Key, Parents};
use super::{digest, sha256, Fingerprint, Keeper, Problem, SavePoint};
use crate::store::Change;

struct Walk<'k> {
    keeper: &'k mut Keeper,
    s: Scratch,
    changes: Vec<Change>,
    digests: Vec<(KeyName, Option<u64>)>,
    bytes_written: usize,
    problems: Vec<Problem>,
    /// Whether a stand-in for a value not restored was still in its place.
    stand_in_in_place: bool,
    /// Standard tables met as values (not as a function's `_ENV`), and where first.
    std_tables: Vec<(String, u64, Edge)>,
    /// Whether the value being put is a function's `_ENV`.
    in_env: bool,
    /// The version this save point makes, if it changes anything.
    version: u64,
    /// Each object read: what it refers to, for the store's graph.
    read: Vec<graph::Read>,
    /// Closures that recorded a cell as another's (sharer, owner).
    shares: Vec<(u64, u64)>,
    /// Reading only what changed: everything queued so far (a stored table still
    /// clean is not queued: its record holds). None when reading everything.
    queued: Option<FxHashSet<u64>>,
    /// A standard table was met as a value.
    met_std_table: bool,
}

/// What a walk builds and throws away, kept by the `Keeper` between save points so
/// that each walk reuses the room the last one grew.
#[derive(Default)]
pub(super) struct Scratch {
    /// Objects to read, by id.
    queue: VecDeque<u64>,
    /// Objects reached in this walk: address -> id.
    seen: FxHashMap<usize, u64>,
    parents: Parents,
    /// Upvalue cells already stored, and where: cell -> (closure id, upvalue index).
    cells: FxHashMap<usize, (u64, u32)>,
    /// Every key this walk found alive.
    live: FxHashSet<KeyName>,
    /// Passes this walk took.
    passes: usize,
    current: Current,
}

impl Scratch {
    fn clear(&mut self) {
        self.queue.clear();
        self.seen.clear();
        self.parents.clear();
        self.cells.clear();
        self.live.clear();
        self.passes = 0;
    }
}

/// The object being read.
#[derive(Default)]
struct Current {
    id: u64,
    /// A table's metatable then its entries, or a closure's upvalues, encoded.
    bytes: Vec<u8>,
    /// Where the metatable ends in `bytes`.
    metatable_end: usize,
    /// Each table entry in `bytes`: start, end of the key, end of the value.
    entries: Vec<(usize, usize, usize)>,
    upvalues: u64,
    /// Each upvalue's span in `bytes`.
    spans: Vec<(usize, usize)>,
    /// Cells this closure claimed, released if its read stops half-way.
    claimed: Vec<usize>,
    /// The objects this one refers to, once per reference.
    children: Vec<u64>,
    /// Closures whose cells this closure records as theirs.
    owners: Vec<u64>,
}

impl Keeper {
    pub(crate) fn save_point(&mut self, lua: &Lua) -> SavePoint {
        // Taken at every save point, so the log holds one interval's writes at most.
        let dirty = walk::take_dirty(lua, &self.ids).ok().flatten();
        if let Some(point) = self.save_what_changed(lua, dirty) {
            return point;
        }
        self.save_everything(lua)
    }

    /// A save point that reads every closure, the tables written since the last one
    /// (the dirty log) and the new objects they reach, and nothing else: a stored table
    /// still marked clean reads as its record. None when it cannot be trusted to
    /// write what a full read would, and everything must be read.
    fn save_what_changed(&mut self, lua: &Lua, dirty: Option<Vec<u64>>) -> Option<SavePoint> {
        let dirty = dirty?;
        if self.awaiting_commit
            || self.read_everything
            || !self.unrestored.is_empty()
            || self.next_id >= format::ID_LIMIT
        {
            return None;
        }
        let graph = self.graph.as_ref()?;
        let root = lua.globals().raw_get::<Value>("Memory").ok()?;
        if !matches!(root, Value::Table(_)) || self.ids.get(&root) != Some(graph.root()) {
            return None;
        }
        let mut queue: Vec<u64> = graph.closures().collect();
        queue.extend(dirty.into_iter().filter(|id| graph.contains(*id)));
        let root_id = graph.root();
        let ids = self.ids.clone();
        let mut walk = Walk::new(self);
        let mut queued = FxHashSet::default();
        for id in queue {
            if queued.insert(id) {
                walk.s.queue.push_back(id);
            }
        }
        walk.queued = Some(queued);
        walk.read_all(lua, ids).ok()?;
        if !walk.problems.is_empty() || walk.met_std_table {
            return None;
        }
        walk.finish_changed(root_id)
    }

    fn save_everything(&mut self, lua: &Lua) -> SavePoint {
        let ids = self.ids.clone();
        let mut walk = Walk::new(self);
        let root = match lua.globals().raw_get::<Value>("Memory") {
            Ok(root @ Value::Table(_)) => root,
            _ => {
                return walk
                    .failed("Memory is not a table, so nothing was saved; set Memory = {} to start again".into());
            }
        };
        if walk.keeper.next_id >= format::ID_LIMIT {
            return walk.failed("nothing was saved: the store has used up its object ids".into());
        }
        let root_id = match walk.root(&ids, &root) {
            Ok(id) => id,
            Err(e) => return walk.failed(format!("nothing was saved: {e}")),
        };
        if let Err(e) = walk.read_all(lua, ids) {
            return walk.failed(e);
        }
        walk.report_std_changes();
        walk.finish(Some(root_id))
    }
}

impl<'k> Walk<'k> {
    fn new(keeper: &'k mut Keeper) -> Walk<'k> {
        let mut s = std::mem::take(&mut keeper.scratch);
        s.clear();
        let version = keeper.newest_version + 1;
        Walk {
            version,
            keeper,
            s,
            changes: Vec::new(),
            digests: Vec::new(),
            bytes_written: 0,
            problems: Vec::new(),
            stand_in_in_place: false,
            std_tables: Vec::new(),
            in_env: false,
            read: Vec::new(),
            shares: Vec::new(),
            queued: None,
            met_std_table: false,
        }
    }

    /// Reads the queue empty, in passes. Passes end when their room for new objects is
    /// used up, and the object being read is read again in the next one: the room
    /// doubles, so a table holding a million new objects is not read again for every
    /// few thousand of them. A pass that neither finished an object nor met a new one
    /// would never end.
    fn read_all(&mut self, lua: &Lua, mut ids: ObjectIds) -> Result<(), String> {
        while !self.s.queue.is_empty() {
            self.s.passes += 1;
            match walk::walk(lua, &ids, |walker| (self.pass(walker), walker.is_full())) {
                Ok((false, _)) => return Err("nothing was saved: the save walk made no progress".into()),
                Ok((true, false)) => {}
                Ok((true, true)) => match ids.with_room(lua, 2 * ids.room()) {
                    Ok(bigger) => ids = bigger,
                    Err(e) => return Err(format!("nothing was saved: {e}")),
                },
                Err(e) => return Err(format!("nothing was saved: {e}")),
            }
        }
        Ok(())
    }

    fn root(&mut self, ids: &ObjectIds, root: &Value) -> mlua::Result<u64> {
        let id = match ids.get(root) {
            Some(id) => id,
            None => {
                let id = self.keeper.fresh_id();
                ids.set(root, id)?;
                id
            }
        };
        self.s.seen.insert(root.to_pointer() as usize, id);
        self.s.queue.push_back(id);
        Ok(id)
    }

    /// Reads queued objects until the queue is empty or the pass is full. True if it
    /// got anywhere: finished an object or met new ones.
    fn pass(&mut self, walker: &mut Walker) -> bool {
        let mut finished = false;
        while let Some(&id) = self.s.queue.front() {
            if walker.is_full() || !self.object(walker, id) {
                break;
            }
            self.s.queue.pop_front();
            finished = true;
        }
        finished || walker.kept() > 0
    }

    /// Reads and records object `id`; false if the read stopped for lack of room, in
    /// which case nothing of it is kept and it is read again in the next pass.
    fn object(&mut self, walker: &mut Walker, id: u64) -> bool {
        let current = &mut self.s.current;
        current.id = id;
        current.bytes.clear();
        current.metatable_end = 0;
        current.entries.clear();
        current.upvalues = 0;
        current.claimed.clear();
        current.spans.clear();
        current.children.clear();
        current.owners.clear();
        let problems = self.problems.len();
        match walker.read(id, self) {
            Read::Table => {
                self.table(id);
                let children = std::mem::take(&mut self.s.current.children);
                self.read.push((id, Kind::Table, children));
            }
            Read::Function => {
                if let Some(proto) = self.closure(walker, id) {
                    let mut children = std::mem::take(&mut self.s.current.children);
                    children.push(proto);
                    self.read.push((id, Kind::Closure, children));
                    self.read.push((proto, Kind::Proto, Vec::new()));
                    self.shares.extend(self.s.current.owners.drain(..).map(|owner| (id, owner)));
                }
            }
            Read::Missing => {}
            Read::Stopped => {
                self.problems.truncate(problems);
                for cell in self.s.current.claimed.drain(..) {
                    self.s.cells.remove(&cell);
                }
                return false;
            }
        }
        true
    }

    /// A table's record (R10), entries in canonical order (by their encoded keys) so
    /// that the same table encodes to the same bytes in every VM, whatever order
    /// `next` visits it in; skipped if its entries read exactly as last time.
    fn table(&mut self, id: u64) {
        let key = KeyName::Object(id);
        self.s.live.insert(key);
        let current = &mut self.s.current;
        let unrestored = &self.keeper.unrestored;
        if unrestored.put_back_in_table(id, &mut current.bytes, &mut current.metatable_end, &mut current.entries) {
            self.stand_in_in_place = true;
        }
        let entries = xxhash_rust::xxh3::xxh3_128(&current.bytes);
        let stored = self.keeper.stored.get(&key).copied();
        if let Some(last) = self.keeper.fingerprints.get(&id) {
            if last.entries == entries && stored == Some(last.digest) {
                return;
            }
        }
        let bytes = &current.bytes;
        current.entries.sort_unstable_by(|a, b| bytes[a.0..a.1].cmp(&bytes[b.0..b.1]));
        let mut body = Vec::with_capacity(bytes.len() + 10);
        body.extend_from_slice(&bytes[..current.metatable_end]);
        format::put_varint(&mut body, current.entries.len() as u64);
        for &(start, _, end) in &current.entries {
            body.extend_from_slice(&bytes[start..end]);
        }
        let d = digest(format::KIND_TABLE, &body);
        self.keeper.fingerprints.insert(id, Fingerprint { entries, digest: d });
        self.put_record(key, format::KIND_TABLE, body, d, stored);
    }

    /// A closure's record (R11): its prototype, then the upvalues as read.
    fn closure(&mut self, walker: &mut Walker, id: u64) -> Option<u64> {
        let proto = self.proto(walker, id)?;
        let key = KeyName::Object(id);
        self.s.live.insert(key);
        let current = &mut self.s.current;
        if self.keeper.unrestored.put_back_in_closure(id, &mut current.bytes, &current.spans) {
            self.stand_in_in_place = true;
        }
        let mut body = Vec::with_capacity(self.s.current.bytes.len() + 12);
        format::put_varint(&mut body, proto);
        format::put_varint(&mut body, self.s.current.upvalues);
        body.extend_from_slice(&self.s.current.bytes);
        let d = digest(format::KIND_CLOSURE, &body);
        let stored = self.keeper.stored.get(&key).copied();
        self.put_record(key, format::KIND_CLOSURE, body, d, stored);
        Some(proto)
    }

    /// The prototype id of closure `id`, dumping and storing its bytecode the first
    /// time this closure is seen.
    fn proto(&mut self, walker: &mut Walker, id: u64) -> Option<u64> {
        if let Some(&proto) = self.keeper.proto_of.get(&id) {
            let key = KeyName::Proto(proto);
            // Cached, unless its record never reached the store (a failed commit).
            if self.s.live.contains(&key) || self.keeper.stored.contains_key(&key) {
                self.s.live.insert(key);
                return Some(proto);
            }
        }
        let bytecode = walker.dump(id)?;
        let hash = sha256(&bytecode);
        let proto = match self.keeper.proto_by_hash.get(&hash) {
            Some(&proto) => proto,
            None => {
                let proto = self.keeper.fresh_id();
                self.keeper.proto_by_hash.insert(hash, proto);
                proto
            }
        };
        let key = KeyName::Proto(proto);
        if !self.s.live.contains(&key) && !self.keeper.stored.contains_key(&key) {
            let tag = self.keeper.tag(&bytecode);
            let (kind, body) = format::encode_body(&Record::Proto { tag, bytecode });
            let d = digest(kind, &body);
            self.put_record(key, kind, body, d, None);
        }
        self.keeper.proto_of.insert(id, proto);
        self.s.live.insert(key);
        Some(proto)
    }

    /// Writes a record unless the store holds it already; the record it replaces goes
    /// to the history.
    fn put_record(&mut self, key: KeyName, kind: u8, body: Vec<u8>, d: u64, stored: Option<u64>) {
        if stored != Some(d) {
            let bytes = format::seal(kind, body);
            self.bytes_written += bytes.len();
            self.digests.push((key, Some(d)));
            if stored.is_some() {
                self.changes
                    .push(Change::Archive { key: key.bytes(), to: format::history_key(&key.bytes(), self.version) });
            }
            self.changes.push(Change::Put { key: key.bytes(), value: bytes });
        }
    }

    /// Writes a value as stored (R7-R9) after the current object's bytes; false (with
    /// a problem noted) if it cannot be saved, Break if the pass has no room for it.
    fn put<'s>(
        &mut self,
        scope: &mut Scope<'s>,
        value: Slot<'s>,
        edge: impl FnOnce() -> Edge,
    ) -> ControlFlow<(), bool> {
        let out = &mut self.s.current.bytes;
        match value {
            Slot::Nil => format::put_value(out, &Stored::Nil),
            Slot::Boolean(b) => format::put_value(out, &Stored::Boolean(b)),
            Slot::Integer(i) => format::put_value(out, &Stored::Integer(i)),
            Slot::Number(n) => format::put_value(out, &Stored::Float(n.to_bits())),
            Slot::String(bytes) => format::put_string(out, bytes),
            Slot::Table(object) | Slot::Function(object) => return self.put_object(scope, object, edge),
            Slot::CFunction(object) => match self.keeper.std.name_at(object.pointer()) {
                Some(name) => format::put_std(out, name),
                None => return Continue(self.refuse("a C function outside the standard library", edge)),
            },
            Slot::Thread => return Continue(self.refuse("a coroutine", edge)),
            Slot::UserData | Slot::LightUserData => return Continue(self.refuse("userdata", edge)),
        }
        Continue(true)
    }

    /// A table or Lua function: a standard value by name, else by id, queued for
    /// reading the first time this walk meets it.
    fn put_object<'s>(
        &mut self,
        scope: &mut Scope<'s>,
        object: Ref<'s>,
        edge: impl FnOnce() -> Edge,
    ) -> ControlFlow<(), bool> {
        let pointer = object.pointer();
        if let Some(name) = self.keeper.std.name_at(pointer) {
            format::put_std(&mut self.s.current.bytes, name);
            if !self.in_env && self.keeper.std.is_table(name) {
                self.met_std_table = true;
                if !self.std_tables.iter().any(|(n, ..)| n == name) {
                    self.std_tables.push((name.to_owned(), self.s.current.id, edge()));
                }
            }
            return Continue(true);
        }
        let id = match self.s.seen.get(&(pointer as usize)) {
            Some(&id) => id,
            None => {
                let id = match scope.id_of(object) {
                    Some(id) => id,
                    None => {
                        let id = self.keeper.next_id;
                        if !scope.keep(object, id) {
                            return Break(());
                        }
                        self.keeper.fresh_id()
                    }
                };
                self.s.seen.insert(pointer as usize, id);
                self.s.parents.note(id, self.s.current.id, edge());
                let graph = &self.keeper.graph;
                match &mut self.queued {
                    None => self.s.queue.push_back(id),
                    // Already queued, or stored and unwritten since it was read.
                    Some(queued) if queued.contains(&id) => {}
                    Some(_) if graph.as_ref().is_some_and(|g| g.contains(id)) && scope.is_clean(object) => {}
                    Some(queued) => {
                        queued.insert(id);
                        self.s.queue.push_back(id);
                    }
                }
                id
            }
        };
        self.s.current.children.push(id);
        format::put_object(&mut self.s.current.bytes, id);
        Continue(true)
    }

    /// Standard tables are saved by name: what a script added to or changed in one
    /// that Memory holds is not saved, and the save says so.
    fn report_std_changes(&mut self) {
        for (name, from, edge) in std::mem::take(&mut self.std_tables) {
            let changed = self.keeper.std.changed_keys(&name);
            if changed.is_empty() {
                continue;
            }
            let shown = if changed.len() > 5 {
                format!("{} and {} more", changed[..5].join(", "), changed.len() - 5)
            } else {
                changed.join(", ")
            };
            self.problems.push(Problem {
                path: self.s.parents.path_of(from, &edge).to_string(),
                reason: format!(
                    "the standard table {name} is saved by name, so what the script changed in it is not saved \
                     ({shown}); keep such values in a table of your own"
                ),
            });
        }
    }

    fn refuse(&mut self, what: &str, edge: impl FnOnce() -> Edge) -> bool {
        self.problems.push(Problem {
            path: self.s.parents.path_of(self.s.current.id, &edge()).to_string(),
            reason: format!("{what} can't be saved"),
        });
        false
    }

    /// A save point that changes nothing, saying why.
    fn failed(mut self, reason: String) -> SavePoint {
        self.changes.clear();
        self.digests.clear();
        self.bytes_written = 0;
        self.problems.push(Problem { path: "Memory".into(), reason });
        self.finish(None)
    }

    /// A full read's changes, with what it no longer reached moved to the history; the
    /// store's graph is built anew from what it read.
    fn finish(mut self, root: Option<u64>) -> SavePoint {
        let objects = self.s.seen.len();
        let Some(root) = root else {
            self.keeper.graph = None;
            return self.conclude(None, objects, objects);
        };
        self.s.live.insert(KeyName::Meta);
        self.s.live.extend(self.keeper.unrestored.kept(self.stand_in_in_place).copied());
        let gone: Vec<KeyName> = self.keeper.stored.keys().filter(|key| !self.s.live.contains(key)).copied().collect();
        for key in gone {
            self.archive(key);
        }
        let (keeper, live) = (&mut *self.keeper, &self.s.live);
        // Ids are never reused: what this walk did not reach is gone for good.
        keeper.fingerprints.retain(|id, _| live.contains(&KeyName::Object(*id)));
        keeper.proto_of.retain(|id, _| live.contains(&KeyName::Object(*id)));
        keeper.graph = Some(Graph::build(root, std::mem::take(&mut self.read)));
        keeper.read_everything = !self.problems.is_empty() || self.met_std_table || !keeper.unrestored.is_empty();
        self.conclude(Some(root), objects, objects)
    }

    /// The changes of a save point that read only what changed: what the store's graph
    /// no longer reaches goes to the history (and a record read from a table that is
    /// itself gone is not written). None if a closure now records a cell as owned by
    /// a closure that is gone: only a full read assigns cells anew.
    fn finish_changed(mut self, root: u64) -> Option<SavePoint> {
        let keeper = &mut *self.keeper;
        let graph = keeper.graph.as_mut().expect("reading what changed needs the graph");
        let read = self.read.iter().filter(|(_, kind, _)| *kind != Kind::Proto).count();
        let gone = graph.update(std::mem::take(&mut self.read));
        let objects = graph.objects();
        if !gone.is_empty() {
            let gone_ids: FxHashSet<u64> = gone.iter().map(|(id, _)| *id).collect();
            if self.shares.iter().any(|(sharer, owner)| gone_ids.contains(owner) && !gone_ids.contains(sharer)) {
                keeper.graph = None;
                return None;
            }
            let gone_names: FxHashSet<KeyName> = gone.iter().map(|(id, kind)| kind.key(*id)).collect();
            let gone_keys: FxHashSet<Vec<u8>> = gone_names.iter().map(|key| key.bytes()).collect();
            let mut unwritten = 0;
            self.changes.retain(|change| match change {
                Change::Put { key, value } if gone_keys.contains(key) => {
                    unwritten += value.len();
                    false
                }
                Change::Archive { key, .. } => !gone_keys.contains(key),
                _ => true,
            });
            self.bytes_written -= unwritten;
            self.digests.retain(|(key, _)| !gone_names.contains(key));
            for (id, kind) in gone {
                let key = kind.key(id);
                if self.keeper.stored.contains_key(&key) {
                    self.archive(key);
                }
                self.keeper.fingerprints.remove(&id);
                self.keeper.proto_of.remove(&id);
            }
        }
        Some(self.conclude(Some(root), objects, read))
    }

    /// Moves a record the store holds and the new version no longer has to the history.
    fn archive(&mut self, key: KeyName) {
        self.digests.push((key, None));
        self.changes.push(Change::Archive { key: key.bytes(), to: format::history_key(&key.bytes(), self.version) });
    }

    /// The save point: its changes, and when anything changed, the meta record and
    /// the new version's entry.
    /// `objects` reachable, `read` of them read.
    fn conclude(self, root: Option<u64>, objects: usize, read: usize) -> SavePoint {
        let keeper = self.keeper;
        let mut changes = self.changes;
        let mut bytes_written = self.bytes_written;
        let current = keeper.meta.as_ref().map_or(0, |m| m.version);
        let mut meta =
            Meta { root: root.unwrap_or(0), next_id: keeper.next_id, secret: keeper.secret, version: current };
        let mut entry = None;
        if let Some(root) = root {
            let records = changes.iter().filter(|c| matches!(c, Change::Put { .. })).count();
            if !changes.is_empty() || keeper.meta.as_ref().is_none_or(|m| m.root != root) {
                meta.version = self.version;
                let version = Version::of_run(root, current, records as u64, bytes_written as u64);
                entry = Some((changes.len(), self.version, version.clone()));
                let value = format::encode(&Record::Version(version));
                bytes_written += value.len();
                changes.push(Change::Put { key: format::version_key(self.version), value });
            }
            if keeper.meta.as_ref() != Some(&meta) {
                let bytes = format::encode(&Record::Meta(meta.clone()));
                bytes_written += bytes.len();
                changes.push(Change::Put { key: KeyName::Meta.bytes(), value: bytes });
            }
        }
        keeper.awaiting_commit = !changes.is_empty();
        keeper.scratch = self.s;
        SavePoint { changes, problems: self.problems, objects, read, bytes_written, digests: self.digests, meta, entry }
    }
}

impl Visit for Walk<'_> {
    fn metatable<'s>(&mut self, scope: &mut Scope<'s>, metatable: Slot<'s>) -> ControlFlow<()> {
        if !self.put(scope, metatable, || Edge::Metatable)? {
            format::put_value(&mut self.s.current.bytes, &Stored::Nil);
        }
        self.s.current.metatable_end = self.s.current.bytes.len();
        Continue(())
    }

    fn entry<'s>(&mut self, scope: &mut Scope<'s>, key: Slot<'s>, value: Slot<'s>) -> ControlFlow<()> {
        let start = self.s.current.bytes.len();
        if !self.put(scope, key, || Edge::ObjectKey)? {
            return Continue(());
        }
        let middle = self.s.current.bytes.len();
        if self.put(scope, value, || Edge::Key(key_of(key)))? {
            self.s.current.entries.push((start, middle, self.s.current.bytes.len()));
        } else {
            self.s.current.bytes.truncate(start);
        }
        Continue(())
    }

    /// The first closure met owns a cell; later ones record where it is (R11).
    fn upvalue<'s>(
        &mut self,
        scope: &mut Scope<'s>,
        index: u32,
        name: &'s [u8],
        value: Slot<'s>,
        cell: usize,
    ) -> ControlFlow<()> {
        self.s.current.upvalues += 1;
        let start = self.s.current.bytes.len();
        if let Some(&(closure, at)) = self.s.cells.get(&cell) {
            self.s.current.owners.push(closure);
            let out = &mut self.s.current.bytes;
            out.push(1);
            format::put_varint(out, closure);
            format::put_varint(out, u64::from(at));
            self.s.current.spans.push((start, out.len()));
            return Continue(());
        }
        self.s.cells.insert(cell, (self.s.current.id, index));
        self.s.current.claimed.push(cell);
        self.s.current.bytes.push(0);
        self.in_env = name == b"_ENV";
        let put = self.put(scope, value, || Edge::Upvalue { index, name: String::from_utf8_lossy(name).into_owned() });
        self.in_env = false;
        if !put? {
            format::put_value(&mut self.s.current.bytes, &Stored::Nil);
        }
        self.s.current.spans.push((start, self.s.current.bytes.len()));
        Continue(())
    }
}

/// A key as paths show it.
fn key_of(key: Slot<'_>) -> Key {
    match key {
        Slot::Boolean(b) => Key::Boolean(b),
        Slot::Integer(i) => Key::Integer(i),
        Slot::Number(n) => Key::Float(n.to_bits()),
        Slot::String(s) => Key::String(s.to_vec()),
        Slot::Table(object) => Key::Object { type_name: "table", address: object.pointer() as usize },
        Slot::Function(object) | Slot::CFunction(object) => {
            Key::Object { type_name: "function", address: object.pointer() as usize }
        }
        // Entries under these keys are refused before their values: never a path.
        Slot::Nil | Slot::Thread | Slot::UserData | Slot::LightUserData => Key::Std("nil".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Keeper, Raw};
    use mlua::Lua;

    /// New objects everywhere: in big tables, as metatables, after a value that cannot
    /// be saved, and behind closures whose own cells come before two new tables among
    /// their upvalues (so that a small pass stops half-way through them).
    const GRAPH: &str = r#"
        local shared = { "shared" }
        Memory.list = setmetatable({}, { __index = shared })
        for i = 1, 300 do Memory.list[i] = { i, shared, tag = "t" .. i } end
        Memory.closures = {}
        for i = 1, 40 do
          local count, t, u = i, { i }, { -i }
          Memory.closures[i] = function() count = count + 1 return count, t, u end
          Memory.closures[-i] = function() return count end
        end
        Memory.cycle = {} Memory.cycle.self = Memory.cycle
        Memory.jobs = { coroutine.create(print), {}, {}, {} }
        Memory.std = { print, string.format, _G }
    "#;

    fn keeper(lua: &Lua, pass_capacity: usize) -> Keeper {
        Keeper::with_pass_capacity(lua, Raw::capture(lua).unwrap(), pass_capacity).unwrap()
    }

    /// A read stopped for lack of room is read again from scratch: nothing it did
    /// (cells claimed, problems noted, ids taken) may show in the result.
    #[test]
    fn a_walk_in_many_small_passes_writes_what_one_pass_writes() {
        let lua = moonkeep_lua::new_state();
        // Keepers first: they take what the globals hold now as standard values.
        let mut whole = keeper(&lua, 4096);
        let mut smaller: Vec<_> = [1, 2, 3, 7].map(|capacity| (capacity, keeper(&lua, capacity))).into();
        lua.globals().raw_set("Memory", lua.create_table().unwrap()).unwrap();
        lua.load(GRAPH).exec().unwrap();
        let whole = whole.save_point(&lua);
        assert_eq!(whole.problems.len(), 1, "{:?}", whole.problems);
        // Memory; list, its metatable, shared, 300 items; closures, 80 closures, 80
        // tables; cycle; jobs and 3 tables; std.
        assert_eq!(whole.objects, 1 + 3 + 300 + 1 + 80 + 80 + 1 + 4 + 1);
        for (capacity, small) in &mut smaller {
            let small = small.save_point(&lua);
            assert_eq!(small.objects, whole.objects);
            assert_eq!(small.problems, whole.problems);
            assert!(small.changes == whole.changes, "pass capacity {capacity}: other records");
        }
    }

    /// A full pass stops in the middle of a table and reads it again in the next one:
    /// with a room that never grew, a table of N new objects took N / room passes,
    /// each reading it from the start (a million tables: 244 reads of Memory.big).
    #[test]
    fn the_room_for_new_objects_doubles_so_a_big_new_table_is_read_a_few_times() {
        let lua = moonkeep_lua::new_state();
        let mut keeper = keeper(&lua, 1);
        lua.globals().raw_set("Memory", lua.create_table().unwrap()).unwrap();
        lua.load("for i = 1, 5000 do Memory[i] = {i} end").exec().unwrap();
        let point = keeper.save_point(&lua);
        assert_eq!(point.objects, 5001);
        // Rooms of 1, 2, 4, ... 4096 hold the 5000 new tables and Memory.
        assert!(keeper.scratch.passes <= 20, "{} passes", keeper.scratch.passes);
    }
}
