//! Rebuilding Memory from a store's records in a fresh VM, before user code runs.
//!
//! Two phases make cycles and shared references come back as they were: first every
//! object is created empty (tables) or loaded from its bytecode (closures), then
//! tables are filled and upvalues assigned or joined; metatables are set last, once
//! they are filled, so that Lua sees their `__gc` and marks the object for
//! finalization. A record that is damaged, malformed, missing or not authenticated
//! costs only its own value: it comes back as a string naming the problem, and the
//! record stays in the store as it was, with everything it reaches (`unrestored.rs`).

use mlua::chunk::ChunkMode;
use mlua::{Function, Lua, Table, Value};
use moonkeep_lua::rebuild::{self, Instructions, Put, Step};
use moonkeep_lua::walk;
use rustc_hash::{FxHashMap, FxHashSet};

use super::format::{self, KeyName, Record, Stored, StoredUpvalue};
use super::graph::{Graph, Kind};
use super::history;
use super::path::{references, walk_records, Edge, Key, Parents};
use super::unrestored::{Place, StandIn};
use super::{digest, sha256, tag_verifies, Keeper, Problem, RestoreReport, SECRET_LEN};

/// The digest a damaged record is remembered by: never one a save point computes for
/// the same key, since a damaged record's id is never given to a live object.
const DAMAGED: u64 = 0;

/// A restore under way, done a slice at a time so that a host can show progress (and
/// a browser can draw it) while a large Memory loads. Work is counted in units: one
/// per record read, then one per object created and one per object filled.
pub(crate) struct Restoring {
    records: Vec<(Vec<u8>, Vec<u8>)>,
    fresh_secret: [u8; SECRET_LEN],
    /// The newest version named by the history's keys.
    newest_version: u64,
    phase: Phase,
    /// Position within the phase.
    next: usize,
    report: RestoreReport,
    objects: FxHashMap<u64, Record>,
    /// Ids of the objects to rebuild (those the root reaches), in a fixed order.
    order: Vec<u64>,
    protos: FxHashMap<u64, Record>,
    /// Objects and prototypes that cannot be had, and why.
    damaged: FxHashMap<u64, String>,
    meta: Option<format::Meta>,
    root: u64,
    parents: Parents,
    /// Objects and prototypes the root reaches through intact records.
    reached: FxHashSet<KeyName>,
    /// Closures made, by id (tables are made in bulk and found through the ids).
    built: FxHashMap<u64, Value>,
    /// Tables made, registered in the keeper's ids as they were made.
    tables: FxHashSet<u64>,
    /// Standard values the bulk fill stores, by their number there (from 1).
    standard: Option<(Table, FxHashMap<String, u32>)>,
    /// Tables and the tables made as their metatables, by id: set with `metatables`.
    metatable_ids: Vec<(u64, u64)>,
    verified: FxHashSet<u64>,
    /// Tables and their metatables, set once every table is filled.
    metatables: Vec<(Table, Table)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Read,
    Create,
    Fill,
    Done,
}

impl Restoring {
    /// The history's records (`h`, `v`) are left out: a restore reads the current
    /// version only, and counts the versions so that the next one gets a new number.
    pub(crate) fn new(mut records: Vec<(Vec<u8>, Vec<u8>)>, fresh_secret: [u8; SECRET_LEN]) -> Restoring {
        let newest_version = records.iter().filter_map(|(k, _)| history::version_named_by(k)).max().unwrap_or(0);
        records.retain(|(k, _)| !format::is_history(k));
        Restoring {
            newest_version,
            report: RestoreReport { records: records.len(), ..RestoreReport::default() },
            records,
            fresh_secret,
            phase: Phase::Read,
            next: 0,
            objects: FxHashMap::default(),
            order: Vec::new(),
            protos: FxHashMap::default(),
            damaged: FxHashMap::default(),
            meta: None,
            root: 0,
            parents: Parents::default(),
            reached: FxHashSet::default(),
            built: FxHashMap::default(),
            tables: FxHashSet::default(),
            standard: None,
            metatable_ids: Vec::new(),
            verified: FxHashSet::default(),
            metatables: Vec::new(),
        }
    }

    /// Whether object `id` was made (a table, or a closure that loaded).
    fn made(&self, id: u64) -> bool {
        self.tables.contains(&id) || self.built.contains_key(&id)
    }

    /// (units done, units in all). The total grows once the records are read and the
    /// number of objects is known.
    pub(crate) fn progress(&self) -> (usize, usize) {
        let n = self.order.len();
        let total = self.records.len() + 2 * n;
        let done = match self.phase {
            Phase::Read => self.next,
            Phase::Create => self.records.len() + self.next,
            Phase::Fill => self.records.len() + n + self.next,
            Phase::Done => total,
        };
        (done, total)
    }
}

impl Keeper {
    /// Rebuilds `Memory` from `records` and adopts the store's secret, or `fresh_secret`
    /// for a new store. Always leaves a table in the global `Memory`.
    pub(crate) fn restore(
        &mut self,
        lua: &Lua,
        records: Vec<(Vec<u8>, Vec<u8>)>,
        fresh_secret: [u8; SECRET_LEN],
    ) -> mlua::Result<RestoreReport> {
        let mut restoring = Restoring::new(records, fresh_secret);
        loop {
            if let Some(report) = self.restore_step(lua, &mut restoring, usize::MAX)? {
                return Ok(report);
            }
        }
    }

    /// Does up to `units` of the restore's work; the report once it is finished.
    ///
    /// The collector waits while a step runs: what a restore makes is all kept, and
    /// each collection would traverse every object made so far (mlua's handles on
    /// them included), which made a restore's time grow with the square of its size.
    pub(crate) fn restore_step(
        &mut self,
        lua: &Lua,
        r: &mut Restoring,
        units: usize,
    ) -> mlua::Result<Option<RestoreReport>> {
        let collecting = lua.gc_is_running();
        if collecting {
            lua.gc_stop();
        }
        let step = self.restore_units(lua, r, units);
        if collecting {
            lua.gc_restart();
        }
        step
    }

    fn restore_units(&mut self, lua: &Lua, r: &mut Restoring, units: usize) -> mlua::Result<Option<RestoreReport>> {
        let mut budget = units;
        while budget > 0 {
            match r.phase {
                Phase::Read => {
                    if r.next >= r.records.len() {
                        if self.begin_rebuild(lua, r)? {
                            r.phase = Phase::Create;
                            r.next = 0;
                        } else {
                            r.phase = Phase::Done;
                        }
                        continue;
                    };
                    self.read_record(r.next, r);
                    // Only keys are read again: the bytes go as soon as they are decoded.
                    r.records[r.next].1 = Vec::new();
                    r.next += 1;
                }
                Phase::Create => {
                    if r.next == r.order.len() {
                        self.name_upvalues(r);
                        r.phase = Phase::Fill;
                        r.next = 0;
                        continue;
                    }
                    let end = r.order.len().min(r.next.saturating_add(budget));
                    self.create(lua, r, end)?;
                    budget -= end - r.next;
                    r.next = end;
                    continue;
                }
                Phase::Fill => {
                    let end = r.order.len().min(r.next.saturating_add(budget));
                    self.fill(lua, r, end)?;
                    budget -= end - r.next;
                    r.next = end;
                    if r.next == r.order.len() {
                        self.finish_rebuild(lua, r)?;
                        r.phase = Phase::Done;
                    }
                    continue;
                }
                Phase::Done => return Ok(Some(std::mem::take(&mut r.report))),
            }
            budget -= 1;
        }
        Ok(if r.phase == Phase::Done { Some(std::mem::take(&mut r.report)) } else { None })
    }

    fn read_record(&mut self, i: usize, r: &mut Restoring) {
        let (key, bytes) = &r.records[i];
        let name = format::parse_key(key);
        // Opened once: the digest and the record come from the same checked body.
        let decoded = format::open(bytes)
            .and_then(|(kind, body)| Ok((format::decode_body(kind, &body)?, digest(kind, &body))))
            .map_err(|e| e.to_string())
            .and_then(|(record, d)| match unusable(&record) {
                Some(fault) => Err(fault.to_owned()),
                None => Ok((record, d)),
            });
        let stored_digest = match (name, decoded) {
            (Some(KeyName::Meta), Ok((Record::Meta(m), d))) => {
                r.meta = Some(m);
                d
            }
            (Some(KeyName::Object(id)), Ok((rec @ (Record::Table { .. } | Record::Closure { .. }), d))) => {
                r.objects.insert(id, rec);
                d
            }
            (Some(KeyName::Proto(id)), Ok((rec @ Record::Proto { .. }, d))) => {
                r.protos.insert(id, rec);
                d
            }
            (Some(key @ (KeyName::Object(id) | KeyName::Proto(id))), outcome) => {
                let reason = match outcome {
                    Err(e) => format!("damaged record: {e}"),
                    Ok(_) => "damaged record: a record of another kind is stored under its key".into(),
                };
                r.damaged.insert(id, reason);
                // Remembered, so that a save point can delete it once nothing keeps it.
                self.stored.insert(key, DAMAGED);
                return;
            }
            (Some(KeyName::Meta), outcome) => {
                let e = outcome.err().unwrap_or_else(|| "it is not a meta record".into());
                r.report.problems.push(Problem {
                    path: "Memory".into(),
                    reason: format!(
                        "the store's index record is damaged ({e}); Memory is recovered from the other records"
                    ),
                });
                return;
            }
            (None, _) => {
                r.report.problems.push(Problem {
                    path: "Memory".into(),
                    reason: format!("an unknown record {} was ignored", String::from_utf8_lossy(key)),
                });
                return;
            }
        };
        if let Some(name) = name {
            self.stored.insert(name, stored_digest);
        }
    }

    /// After reading: adopts the store's secret and plans the rebuild. False when there
    /// is nothing to rebuild.
    fn begin_rebuild(&mut self, lua: &Lua, r: &mut Restoring) -> mlua::Result<bool> {
        let max = max_id(&r.records);
        let meta = r.meta.take();
        let fault = meta.as_ref().and_then(|m| m.fault(r.objects.keys().chain(r.protos.keys()).copied()));
        if let Some(fault) = &fault {
            r.report.problems.push(Problem {
                path: "Memory".into(),
                reason: format!("the store's index record is invalid ({fault}); its ids are counted anew"),
            });
        }
        // Never below an id in use, never near the end: new ids cannot collide.
        let counter = meta.as_ref().filter(|_| fault.is_none()).map_or(0, |m| m.next_id);
        self.next_id = self.next_id.max(counter).max(max + 1);
        self.newest_version = r.newest_version.max(meta.as_ref().map_or(0, |m| m.version));
        let root = match &meta {
            Some(m) => {
                self.secret = m.secret;
                self.meta = Some(m.clone());
                Some(m.root)
            }
            None => {
                self.secret = r.fresh_secret;
                salvage_root(&r.objects, &mut r.report)
            }
        };
        let Some(root) = root else {
            lua.globals().raw_set("Memory", lua.create_table()?)?;
            self.keep_unreached(r, false);
            return Ok(false);
        };
        r.root = root;
        (r.parents, r.reached) = walk_records(&[root], &|id| r.objects.get(&id));
        r.order = r.objects.keys().copied().filter(|id| r.reached.contains(&KeyName::Object(*id))).collect();
        r.order.sort_unstable();
        Ok(true)
    }

    /// Phase 1, up to `r.order[end]`: every object is created empty (tables, in one
    /// call, with room for their entries) or loaded (closures), and registered by id.
    fn create(&mut self, lua: &Lua, r: &mut Restoring, end: usize) -> mlua::Result<()> {
        let mut tables = Instructions::default();
        for &id in &r.order[r.next..end] {
            match r.objects.get(&id) {
                Some(Record::Table { entries, .. }) => {
                    let n = entries.len() as i64;
                    let array = entries.iter().filter(|(k, _)| matches!(k, Stored::Integer(i) if (1..=n).contains(i)));
                    let array = array.count() as u32;
                    tables.create(id, array, entries.len() as u32 - array);
                    r.tables.insert(id);
                }
                Some(Record::Closure { proto, upvalues }) => {
                    let loaded = self
                        .load_proto(lua, *proto, &r.protos, &r.damaged, &mut r.verified)
                        .and_then(|f| self.check_upvalues(f, upvalues, &r.objects));
                    match loaded {
                        Ok(f) => {
                            let f = Value::Function(f);
                            self.ids.set(&f, id)?;
                            self.proto_of.insert(id, *proto);
                            r.built.insert(id, f);
                        }
                        Err(reason) => {
                            r.damaged.insert(id, reason);
                        }
                    }
                }
                _ => {}
            }
        }
        rebuild::run(lua, &self.ids, None, Step::Create, &tables)
    }

    /// Paths through upvalues name them as save reports do, now that the closures
    /// that have names (loaded from their prototypes) exist.
    fn name_upvalues(&self, r: &mut Restoring) {
        let getupvalue = &self.raw.getupvalue;
        r.parents.name_upvalues(|closure, index| match r.built.get(&closure) {
            Some(Value::Function(f)) => getupvalue.call::<Option<String>>((f, index)).ok().flatten(),
            _ => None,
        });
    }

    /// Phase 2, up to `r.order[end]`: tables filled, upvalues set and joined. A table
    /// whose every value can be had is filled in bulk; one that refers to something
    /// not restored (which becomes a stand-in, noted and reported) entry by entry.
    fn fill(&mut self, lua: &Lua, r: &mut Restoring, end: usize) -> mlua::Result<()> {
        let mut bulk = Instructions::default();
        let mut one_by_one = Vec::new();
        let (standard, mut numbers) = match r.standard.take() {
            Some(standard) => standard,
            None => (lua.create_table()?, FxHashMap::default()),
        };
        for &id in &r.order[r.next..end] {
            let Some(Record::Table { metatable, entries }) = r.objects.get(&id) else {
                one_by_one.push(id);
                continue;
            };
            let has = |stored: &Stored| match stored {
                Stored::Object(id) => r.made(*id),
                Stored::Std(name) => self.std.value_of(name).is_some(),
                _ => true,
            };
            let plain_metatable = matches!(metatable, Stored::Nil | Stored::Object(_));
            if !r.tables.contains(&id)
                || !plain_metatable
                || !has(metatable)
                || !entries.iter().all(|(k, v)| has(k) && has(v))
            {
                one_by_one.push(id);
                continue;
            }
            // What the entry-by-entry fill sets: a metatable that is a table.
            if let Stored::Object(mt) = metatable {
                if r.tables.contains(mt) {
                    r.metatable_ids.push((id, *mt));
                }
            }
            bulk.table(id, entries.len() as u32);
            for (k, v) in entries {
                let key = put(k, &standard, &mut numbers, &self.std)?;
                let value = put(v, &standard, &mut numbers, &self.std)?;
                bulk.entry(key, value);
            }
        }
        rebuild::run(lua, &self.ids, Some(&standard), Step::Fill, &bulk)?;
        r.standard = Some((standard, numbers));
        let mut fill = Fill {
            keeper: self,
            lua,
            built: &r.built,
            damaged: &r.damaged,
            parents: &r.parents,
            problems: Vec::new(),
            stand_ins: Vec::new(),
            metatables: &mut r.metatables,
        };
        for id in one_by_one {
            let filled = match (r.objects.get(&id), r.built.get(&id)) {
                (Some(Record::Table { metatable, entries }), _) => match fill.keeper.ids.object(id) {
                    Some(Value::Table(t)) => fill.table(id, &t, metatable, entries),
                    _ => Ok(()),
                },
                (Some(Record::Closure { upvalues, .. }), Some(Value::Function(f))) => fill.closure(id, f, upvalues),
                _ => Ok(()),
            };
            // A record that passed every check and still fails costs its own value.
            if let Err(e) = filled {
                let path = r.parents.path(id).to_string();
                fill.problems.push(Problem { path, reason: format!("could not be filled in: {e}") });
            }
        }
        let (problems, stand_ins) = (fill.problems, fill.stand_ins);
        r.report.problems.extend(problems);
        for (owner, stand_in) in stand_ins {
            self.unrestored.note(owner, stand_in);
        }
        Ok(())
    }

    fn finish_rebuild(&mut self, lua: &Lua, r: &mut Restoring) -> mlua::Result<()> {
        let mut metatables = Instructions::default();
        for (id, metatable) in r.metatable_ids.drain(..) {
            metatables.metatable(id, metatable);
        }
        rebuild::run(lua, &self.ids, None, Step::Metatables, &metatables)?;
        for (table, metatable) in r.metatables.drain(..) {
            table.set_metatable(Some(metatable))?;
        }
        r.report.objects = r.built.len() + r.tables.len();
        let root = r.tables.contains(&r.root).then(|| self.ids.object(r.root)).flatten();
        let root_restored = matches!(root, Some(Value::Table(_)));
        let memory = match root {
            Some(v @ Value::Table(_)) => v,
            _ => {
                let reason = r.damaged.get(&r.root).cloned().unwrap_or_else(|| "its record is missing".into());
                r.report.problems.push(Problem {
                    path: "Memory".into(),
                    reason: format!("could not be restored: {reason}; Memory starts empty and its records are kept"),
                });
                r.reached.clear();
                Value::Table(lua.create_table()?)
            }
        };
        self.keep_unreached(r, root_restored);
        lua.globals().raw_set("Memory", memory)?;
        r.report.problems.sort_by(|a, b| a.path.cmp(&b.path));
        if root_restored && r.report.problems.is_empty() && self.unrestored.is_empty() {
            self.adopt_graph(lua, r)?;
        }
        Ok(())
    }

    /// A restore that brought every record back as it was gives the keeper the store's
    /// graph and marks every table it made clean, so the next save point reads only
    /// what changes after it: a full read would find every record as stored. Memory
    /// holding a standard table keeps full reads (their report needs one).
    fn adopt_graph(&mut self, lua: &Lua, r: &Restoring) -> mlua::Result<()> {
        let mut read = Vec::with_capacity(r.built.len() * 2 + r.tables.len());
        let mut tables = Vec::new();
        let mut std_table = false;
        let mut object = |children: &mut Vec<u64>, stored: &Stored| match stored {
            Stored::Object(id) => children.push(*id),
            Stored::Std(name) => std_table |= self.std.is_table(name),
            _ => {}
        };
        for &id in r.built.keys().chain(&r.tables) {
            let mut children = Vec::new();
            match r.objects.get(&id) {
                Some(Record::Table { metatable, entries }) => {
                    object(&mut children, metatable);
                    for (k, v) in entries {
                        object(&mut children, k);
                        object(&mut children, v);
                    }
                    tables.push(id);
                    read.push((id, Kind::Table, children));
                }
                Some(Record::Closure { proto, upvalues }) => {
                    // A cell recorded as another closure's is no reference (as in a
                    // save point's graph): only what the closure holds itself.
                    for up in upvalues {
                        if let StoredUpvalue::Own(v) = up {
                            object(&mut children, v);
                        }
                    }
                    children.push(*proto);
                    read.push((id, Kind::Closure, children));
                    read.push((*proto, Kind::Proto, Vec::new()));
                }
                _ => {}
            }
        }
        if std_table {
            return Ok(());
        }
        walk::walk(lua, &self.ids, |walker| tables.iter().for_each(|&id| walker.mark_clean(id)))?;
        self.graph = Some(Graph::build(r.root, read));
        self.read_everything = false;
        self.awaiting_commit = false;
        Ok(())
    }

    /// Tells the keeper what save points must keep although Memory does not reach it:
    /// the records behind values not restored, and records no intact record reaches.
    fn keep_unreached(&mut self, r: &mut Restoring, root_restored: bool) {
        let orphans: Vec<KeyName> = r
            .records
            .iter()
            .filter_map(|(k, _)| format::parse_key(k))
            .filter(|k| *k != KeyName::Meta && !r.reached.contains(k))
            .collect();
        let damaged = orphans
            .iter()
            .filter(|k| matches!(k, KeyName::Object(id) | KeyName::Proto(id) if r.damaged.contains_key(id)))
            .count();
        let always = damaged > 0 || !root_restored;
        if !orphans.is_empty() && always {
            r.report.problems.push(Problem {
                path: "Memory".into(),
                reason: format!(
                    "{} record(s) that Memory does not reach are kept as they are ({damaged} of them damaged): \
                     they may belong to a value that could not be restored",
                    orphans.len()
                ),
            });
        }
        let unbuilt: Vec<u64> = r
            .reached
            .iter()
            .filter_map(|k| match k {
                KeyName::Object(id) if !r.made(*id) => Some(*id),
                _ => None,
            })
            .collect();
        let reached = walk_records(&unbuilt, &|id| r.objects.get(&id)).1;
        self.unrestored.hold(reached.into_iter().collect(), orphans, always);
    }

    /// Loads a closure's bytecode, if its record is whole and was written by this store.
    /// Each prototype is authenticated and indexed once (`verified`), however many
    /// closures share it; each closure still gets its own function.
    fn load_proto(
        &mut self,
        lua: &Lua,
        id: u64,
        protos: &FxHashMap<u64, Record>,
        damaged: &FxHashMap<u64, String>,
        verified: &mut FxHashSet<u64>,
    ) -> Result<Function, String> {
        let Some(Record::Proto { tag, bytecode }) = protos.get(&id) else {
            return Err(match damaged.get(&id) {
                Some(e) => format!("its function's bytecode: {e}"),
                None => "its function's bytecode record is missing".into(),
            });
        };
        let first = !verified.contains(&id);
        if first && !tag_verifies(&self.secret, bytecode, tag) {
            return Err("its bytecode was not written by this store, so it was not loaded (foreign bytecode can \
                        corrupt the VM)"
                .into());
        }
        if first {
            // Not stored as far as a save point knows, so it is never deleted.
            self.quarantine.admit(id).inspect_err(|_| {
                self.stored.remove(&KeyName::Proto(id));
            })?;
        }
        let function = lua
            .load(&bytecode[..])
            .set_mode(ChunkMode::Binary)
            .into_function()
            .map_err(|e| format!("its bytecode does not load: {e}"))?;
        if first {
            verified.insert(id);
            self.proto_by_hash.insert(sha256(bytecode), id);
        }
        Ok(function)
    }

    /// A closure record must list as many upvalues as its bytecode has, and share
    /// cells only with upvalues that exist: a crafted record could otherwise make
    /// `debug.upvaluejoin` raise in the middle of the restore.
    fn check_upvalues(
        &self,
        f: Function,
        upvalues: &[StoredUpvalue],
        objects: &FxHashMap<u64, Record>,
    ) -> Result<Function, String> {
        let has = |i: usize| self.raw.getupvalue.call::<Value>((&f, i)).is_ok_and(|name| !name.is_nil());
        let n = upvalues.len();
        if (n > 0 && !has(n)) || has(n + 1) {
            return Err(format!("malformed record: it lists {n} upvalue(s), its bytecode another number"));
        }
        for (i, up) in upvalues.iter().enumerate() {
            if let StoredUpvalue::Shared { closure, index } = up {
                let there = match objects.get(closure) {
                    Some(Record::Closure { upvalues, .. }) => upvalues.len(),
                    _ => continue, // reported when filled: that function is not restored
                };
                if *index == 0 || *index as usize > there {
                    return Err(format!(
                        "malformed record: upvalue {} is shared with upvalue {index} of a function that has {there}",
                        i + 1
                    ));
                }
            }
        }
        Ok(f)
    }
}

struct Fill<'a> {
    keeper: &'a Keeper,
    lua: &'a Lua,
    built: &'a FxHashMap<u64, Value>,
    damaged: &'a FxHashMap<u64, String>,
    parents: &'a Parents,
    problems: Vec<Problem>,
    stand_ins: Vec<(u64, StandIn)>,
    metatables: &'a mut Vec<(Table, Table)>,
}

impl Fill<'_> {
    fn table(&mut self, id: u64, table: &Table, metatable: &Stored, entries: &[(Stored, Stored)]) -> mlua::Result<()> {
        if let Value::Table(mt) = self.value(metatable, id, || Edge::Metatable, || Place::Metatable)? {
            self.metatables.push((table.clone(), mt));
        }
        for (k, v) in entries {
            // Edges and places are made only for a value that is not restored: most
            // entries need neither.
            let key = self.value(k, id, || Edge::ObjectKey, || Place::Key)?;
            let place = || Place::Value(encoded(&stand_in_key(k, &key)));
            let value = self.value(v, id, || Edge::Key(Key::stored(k)), place)?;
            table.raw_set(key, value)?;
        }
        Ok(())
    }

    fn closure(&mut self, id: u64, function: &Function, upvalues: &[StoredUpvalue]) -> mlua::Result<()> {
        for (i, up) in upvalues.iter().enumerate() {
            let index = i as u32 + 1;
            match up {
                StoredUpvalue::Own(stored) => {
                    let raw = &self.keeper.raw;
                    let name = raw.getupvalue.call::<Option<String>>((function, index))?.unwrap_or_default();
                    let value = self.value(stored, id, || Edge::Upvalue { index, name }, || Place::Upvalue(i))?;
                    self.keeper.raw.setupvalue.call::<()>((function, index, value))?;
                }
                StoredUpvalue::Shared { closure, index: at } => match self.built.get(closure) {
                    Some(owner @ Value::Function(_)) => {
                        self.keeper.raw.upvaluejoin.call::<()>((function, index, owner, *at))?;
                    }
                    _ => {
                        // The cell stays this closure's own, nil (loading set it to _ENV),
                        // and the record keeps the link until the owner is back.
                        self.keeper.raw.setupvalue.call::<()>((function, index, Value::Nil))?;
                        let mut original = vec![1];
                        format::put_varint(&mut original, *closure);
                        format::put_varint(&mut original, u64::from(*at));
                        let shown = vec![0, encoded(&Stored::Nil)[0]];
                        self.stand_ins.push((id, StandIn { place: Place::Upvalue(i), shown, original }));
                        self.problems.push(Problem {
                            path: self.parents.path(id).to_string(),
                            reason: format!("upvalue {index} was shared with a function that could not be restored"),
                        });
                    }
                },
            }
        }
        Ok(())
    }

    /// A stored value in the new VM; a reference that cannot be resolved becomes a
    /// string saying why, is reported, and is noted at `place` in object `from`.
    fn value(
        &mut self,
        stored: &Stored,
        from: u64,
        edge: impl FnOnce() -> Edge,
        place: impl FnOnce() -> Place,
    ) -> mlua::Result<Value> {
        Ok(match stored {
            Stored::Nil => Value::Nil,
            Stored::Boolean(b) => Value::Boolean(*b),
            Stored::Integer(i) => Value::Integer(*i),
            Stored::Float(bits) => Value::Number(f64::from_bits(*bits)),
            Stored::String(s) => Value::String(self.lua.create_string(s)?),
            // Everything made is registered by id as it is made.
            Stored::Object(id) => match self.keeper.ids.object(*id) {
                Some(v) => v,
                None => {
                    let reason = match self.damaged.get(id) {
                        Some(e) => e.clone(),
                        None => "its record is missing".into(),
                    };
                    self.broken(stored, from, &edge(), place(), reason)?
                }
            },
            Stored::Std(name) => match self.keeper.std.value_of(name) {
                Some(v) => v.clone(),
                None => {
                    let reason = format!("the standard value {name} does not exist here");
                    self.broken(stored, from, &edge(), place(), reason)?
                }
            },
        })
    }

    fn broken(&mut self, stored: &Stored, from: u64, edge: &Edge, place: Place, reason: String) -> mlua::Result<Value> {
        let text = format!("<not restored: {reason}>");
        let (mut shown, mut original) = (Vec::new(), Vec::new());
        if let Place::Upvalue(_) = place {
            shown.push(0);
            original.push(0);
        }
        match place {
            // A string cannot be a metatable: the table comes back without one.
            Place::Metatable => format::put_value(&mut shown, &Stored::Nil),
            _ => format::put_string(&mut shown, text.as_bytes()),
        }
        format::put_value(&mut original, stored);
        self.stand_ins.push((from, StandIn { place, shown, original }));
        self.problems.push(Problem { path: self.parents.path_of(from, edge).to_string(), reason });
        Ok(Value::String(self.lua.create_string(text)?))
    }
}

/// A stored value as the bulk fill writes it; a standard value is numbered in
/// `standard` the first time it is met.
fn put<'s>(
    stored: &'s Stored,
    standard: &Table,
    numbers: &mut FxHashMap<String, u32>,
    std: &super::StdNames,
) -> mlua::Result<Put<'s>> {
    Ok(match stored {
        Stored::Nil => Put::Nil,
        Stored::Boolean(b) => Put::Boolean(*b),
        Stored::Integer(i) => Put::Integer(*i),
        Stored::Float(bits) => Put::Float(*bits),
        Stored::String(bytes) => Put::String(bytes),
        Stored::Object(id) => Put::Object(*id),
        Stored::Std(name) => match numbers.get(name) {
            Some(&n) => Put::Standard(n),
            None => {
                let n = numbers.len() as u32 + 1;
                standard.raw_set(n, std.value_of(name).cloned().unwrap_or(Value::Nil))?;
                numbers.insert(name.clone(), n);
                Put::Standard(n)
            }
        },
    })
}

/// The key a value's stand-in is found under: the stored key, or the stand-in that
/// replaced it when the key itself could not be restored.
fn stand_in_key(stored: &Stored, restored: &Value) -> Stored {
    match (stored, restored) {
        (Stored::Object(_) | Stored::Std(_), Value::String(s)) => Stored::String(s.as_bytes().to_vec()),
        _ => stored.clone(),
    }
}

fn encoded(stored: &Stored) -> Vec<u8> {
    let mut out = Vec::new();
    format::put_value(&mut out, stored);
    out
}

/// What makes a well-formed record unusable: a table key Lua cannot hold.
fn unusable(record: &Record) -> Option<&'static str> {
    match record {
        Record::Table { entries, .. } => entries.iter().find_map(|(k, _)| match k {
            Stored::Nil => Some("malformed record: a table key is nil"),
            Stored::Float(bits) if f64::from_bits(*bits).is_nan() => Some("malformed record: a table key is NaN"),
            _ => None,
        }),
        _ => None,
    }
}

/// Without an index record the root is not known: the table that no other record
/// refers to and that reaches the most records is taken for it (the secret is lost
/// with the index record, so functions cannot be authenticated and stay out).
fn salvage_root(objects: &FxHashMap<u64, Record>, report: &mut RestoreReport) -> Option<u64> {
    let mut referenced = FxHashSet::default();
    for record in objects.values() {
        references(record, |key, _| {
            referenced.insert(key);
        });
    }
    let mut candidates: Vec<u64> = objects
        .iter()
        .filter(|(id, record)| matches!(record, Record::Table { .. }) && !referenced.contains(&KeyName::Object(**id)))
        .map(|(id, _)| *id)
        .collect();
    candidates.sort_unstable();
    let root = candidates
        .into_iter()
        .max_by_key(|id| (walk_records(&[*id], &|id| objects.get(&id)).1.len(), std::cmp::Reverse(*id)))?;
    report.problems.push(Problem {
        path: "Memory".into(),
        reason: format!(
            "without the store's index record, Memory was recovered from table record {root} (the largest that \
             nothing else refers to); its functions cannot be verified without the store's key and are not restored \
             (export a snapshot and import it with --trust to get them back, if you trust this store)"
        ),
    });
    Some(root)
}

fn max_id(records: &[(Vec<u8>, Vec<u8>)]) -> u64 {
    records
        .iter()
        .filter_map(|(k, _)| match format::parse_key(k) {
            Some(KeyName::Object(id) | KeyName::Proto(id)) => Some(id),
            _ => None,
        })
        .max()
        .unwrap_or(0)
}
