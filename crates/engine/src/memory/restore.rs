//! Rebuilding Memory from a store's records in a fresh VM, before user code runs.
//!
//! Two phases make cycles and shared references come back as they were: first every
//! object is created empty (tables) or loaded from its bytecode (closures), then
//! tables are filled, metatables set and upvalues assigned or joined. A record that is
//! damaged, missing or not authenticated costs only its own object: that value comes
//! back as a string naming the problem, and the record stays in the store untouched.

use std::collections::{HashMap, HashSet, VecDeque};

use mlua::chunk::ChunkMode;
use mlua::{Lua, Table, Value};

use super::format::{self, KeyName, Record, Stored, Upvalue};
use super::path::{Parents, Step};
use super::{digest, sha256, tag_verifies, Keeper, Problem, RestoreReport, SECRET_LEN};

/// A restore under way, done a slice at a time so that a host can show progress (and
/// a browser can draw it) while a large Memory loads. Work is counted in units: one
/// per record read, then one per object created and one per object filled.
pub(crate) struct Restoring {
    records: Vec<(Vec<u8>, Vec<u8>)>,
    fresh_secret: [u8; SECRET_LEN],
    phase: Phase,
    /// Position within the phase.
    next: usize,
    report: RestoreReport,
    objects: HashMap<u64, Record>,
    /// Object ids in a fixed order, for the create and fill phases.
    order: Vec<u64>,
    protos: HashMap<u64, Record>,
    /// Objects and prototypes that cannot be had, and why.
    damaged: HashMap<u64, String>,
    meta: Option<format::Meta>,
    root: u64,
    parents: Parents,
    built: HashMap<u64, Value>,
    verified: HashSet<u64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Read,
    Create,
    Fill,
    Done,
}

impl Restoring {
    pub(crate) fn new(records: Vec<(Vec<u8>, Vec<u8>)>, fresh_secret: [u8; SECRET_LEN]) -> Restoring {
        Restoring {
            report: RestoreReport { records: records.len(), ..RestoreReport::default() },
            records,
            fresh_secret,
            phase: Phase::Read,
            next: 0,
            objects: HashMap::new(),
            order: Vec::new(),
            protos: HashMap::new(),
            damaged: HashMap::new(),
            meta: None,
            root: 0,
            parents: Parents::default(),
            built: HashMap::new(),
            verified: HashSet::new(),
        }
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
    pub(crate) fn restore_step(
        &mut self,
        lua: &Lua,
        r: &mut Restoring,
        units: usize,
    ) -> mlua::Result<Option<RestoreReport>> {
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
                    r.next += 1;
                }
                Phase::Create => {
                    let Some(&id) = r.order.get(r.next) else {
                        r.phase = Phase::Fill;
                        r.next = 0;
                        continue;
                    };
                    self.create(lua, id, r)?;
                    r.next += 1;
                }
                Phase::Fill => {
                    let end = r.order.len().min(r.next.saturating_add(budget));
                    let mut fill = Fill {
                        keeper: self,
                        lua,
                        built: &r.built,
                        damaged: &r.damaged,
                        parents: &r.parents,
                        problems: Vec::new(),
                    };
                    for &id in &r.order[r.next..end] {
                        match (r.objects.get(&id), r.built.get(&id)) {
                            (Some(Record::Table { metatable, entries }), Some(Value::Table(t))) => {
                                fill.table(id, t, metatable, entries)?
                            }
                            (Some(Record::Closure { upvalues, .. }), Some(Value::Function(f))) => {
                                fill.closure(id, f, upvalues)?
                            }
                            _ => {}
                        }
                    }
                    r.report.problems.extend(fill.problems);
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
        let decoded =
            format::open(bytes).and_then(|(kind, body)| Ok((format::decode_body(kind, &body)?, digest(kind, &body))));
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
            (Some(KeyName::Object(id) | KeyName::Proto(id)), Err(e)) => {
                r.damaged.insert(id, format!("damaged record: {e}"));
                return; // not remembered as stored: the next save leaves it alone
            }
            (Some(KeyName::Meta), Err(e)) => {
                r.report.problems.push(Problem {
                    path: "Memory".into(),
                    reason: format!(
                        "the store's index record is damaged ({e}); Memory starts empty and the other records are kept"
                    ),
                });
                return;
            }
            _ => {
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
    /// is nothing to rebuild (a new store, or its index record is lost).
    fn begin_rebuild(&mut self, lua: &Lua, r: &mut Restoring) -> mlua::Result<bool> {
        match r.meta.clone() {
            Some(m) => {
                self.secret = m.secret;
                self.next_id = m.next_id.max(max_id(&r.records) + 1);
                self.meta = Some(m.clone());
                r.root = m.root;
                r.parents = paths_from(m.root, &r.objects);
                r.order = r.objects.keys().copied().collect();
                r.order.sort_unstable();
                Ok(true)
            }
            None => {
                self.secret = r.fresh_secret;
                self.next_id = self.next_id.max(max_id(&r.records) + 1);
                lua.globals().raw_set("Memory", lua.create_table()?)?;
                Ok(false)
            }
        }
    }

    /// Phase 1: every object is created empty (tables) or loaded (closures).
    fn create(&mut self, lua: &Lua, id: u64, r: &mut Restoring) -> mlua::Result<()> {
        let value = match r.objects.get(&id) {
            Some(Record::Table { .. }) => Value::Table(lua.create_table()?),
            Some(Record::Closure { proto, .. }) => {
                match self.load_proto(lua, *proto, &r.protos, &r.damaged, &mut r.verified) {
                    Ok(f) => f,
                    Err(reason) => {
                        r.damaged.insert(id, reason);
                        return Ok(());
                    }
                }
            }
            _ => return Ok(()),
        };
        r.built.insert(id, value);
        Ok(())
    }

    fn finish_rebuild(&mut self, lua: &Lua, r: &mut Restoring) -> mlua::Result<()> {
        for (&id, value) in &r.built {
            self.ids.set(value, id)?;
            if let (Value::Function(_), Some(Record::Closure { proto, .. })) = (value, r.objects.get(&id)) {
                self.proto_of.insert(id, *proto);
            }
        }
        r.report.objects = r.built.len();
        let memory = match r.built.get(&r.root) {
            Some(v @ Value::Table(_)) => v.clone(),
            _ => {
                let reason = r.damaged.get(&r.root).cloned().unwrap_or_else(|| "its record is missing".into());
                r.report
                    .problems
                    .push(Problem { path: "Memory".into(), reason: format!("could not be restored: {reason}") });
                Value::Table(lua.create_table()?)
            }
        };
        lua.globals().raw_set("Memory", memory)?;
        r.report.problems.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(())
    }

    /// Loads a closure's bytecode, if its record is whole and was written by this store.
    /// Each prototype is authenticated and indexed once (`verified`), however many
    /// closures share it; each closure still gets its own function.
    fn load_proto(
        &mut self,
        lua: &Lua,
        id: u64,
        protos: &HashMap<u64, Record>,
        damaged: &HashMap<u64, String>,
        verified: &mut HashSet<u64>,
    ) -> Result<Value, String> {
        let Some(Record::Proto { tag, bytecode }) = protos.get(&id) else {
            return Err(match damaged.get(&id) {
                Some(e) => format!("its function's bytecode: {e}"),
                None => "its function's bytecode record is missing".into(),
            });
        };
        let first = !verified.contains(&id);
        if first && !tag_verifies(&self.secret, bytecode, tag) {
            return Err("its bytecode was not written by this store, so it was not loaded (foreign bytecode can corrupt the VM)".into());
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
        Ok(Value::Function(function))
    }
}

struct Fill<'a> {
    keeper: &'a Keeper,
    lua: &'a Lua,
    built: &'a HashMap<u64, Value>,
    damaged: &'a HashMap<u64, String>,
    parents: &'a Parents,
    problems: Vec<Problem>,
}

impl Fill<'_> {
    fn table(&mut self, id: u64, table: &Table, metatable: &Stored, entries: &[(Stored, Stored)]) -> mlua::Result<()> {
        if let Value::Table(mt) = self.value(metatable, id, &Step::Metatable)? {
            table.set_metatable(Some(mt))?;
        }
        for (k, v) in entries {
            let key = self.value(k, id, &Step::KeyObject)?;
            let value = self.value(v, id, &Step::Key(k.clone()))?;
            if !key.is_nil() {
                table.raw_set(key, value)?;
            }
        }
        Ok(())
    }

    fn closure(&mut self, id: u64, function: &mlua::Function, upvalues: &[Upvalue]) -> mlua::Result<()> {
        for (i, up) in upvalues.iter().enumerate() {
            let index = i as u32 + 1;
            match up {
                Upvalue::Own(stored) => {
                    let name =
                        self.keeper.raw.getupvalue.call::<Option<String>>((function, index))?.unwrap_or_default();
                    let value = self.value(stored, id, &Step::Upvalue(name))?;
                    self.keeper.raw.setupvalue.call::<()>((function, index, value))?;
                }
                Upvalue::Shared { closure, index: at } => match self.built.get(closure) {
                    Some(owner @ Value::Function(_)) => {
                        self.keeper.raw.upvaluejoin.call::<()>((function, index, owner, *at))?;
                    }
                    _ => self.problems.push(Problem {
                        path: self.parents.path(id),
                        reason: format!("upvalue {index} was shared with a function that could not be restored"),
                    }),
                },
            }
        }
        Ok(())
    }

    /// A stored value in the new VM; a reference that cannot be resolved becomes a
    /// string saying why, and is reported.
    fn value(&mut self, stored: &Stored, from: u64, step: &Step) -> mlua::Result<Value> {
        Ok(match stored {
            Stored::Nil => Value::Nil,
            Stored::Boolean(b) => Value::Boolean(*b),
            Stored::Integer(i) => Value::Integer(*i),
            Stored::Float(bits) => Value::Number(f64::from_bits(*bits)),
            Stored::String(s) => Value::String(self.lua.create_string(s)?),
            Stored::Object(id) => match self.built.get(id) {
                Some(v) => v.clone(),
                None => {
                    let reason = match self.damaged.get(id) {
                        Some(e) => e.clone(),
                        None => "its record is missing".into(),
                    };
                    self.broken(from, step, reason)?
                }
            },
            Stored::Std(name) => match self.keeper.std.value_of(name) {
                Some(v) => v.clone(),
                None => self.broken(from, step, format!("the standard value {name} does not exist here"))?,
            },
        })
    }

    fn broken(&mut self, from: u64, step: &Step, reason: String) -> mlua::Result<Value> {
        let path = self.parents.path_of(from, step);
        let text = format!("<not restored: {reason}>");
        self.problems.push(Problem { path, reason });
        Ok(Value::String(self.lua.create_string(text)?))
    }
}

/// First parents of every object reachable from the root, breadth first, for paths.
fn paths_from(root: u64, objects: &HashMap<u64, Record>) -> Parents {
    let mut parents = Parents::default();
    let mut queue = VecDeque::from([root]);
    let mut seen = HashSet::from([root]);
    let mut visit = |queue: &mut VecDeque<u64>, parents: &mut Parents, from: u64, stored: &Stored, step: Step| {
        if let Stored::Object(id) = stored {
            if seen.insert(*id) {
                parents.note(*id, from, step);
                queue.push_back(*id);
            }
        }
    };
    while let Some(id) = queue.pop_front() {
        match objects.get(&id) {
            Some(Record::Table { metatable, entries }) => {
                visit(&mut queue, &mut parents, id, metatable, Step::Metatable);
                for (k, v) in entries {
                    visit(&mut queue, &mut parents, id, k, Step::KeyObject);
                    visit(&mut queue, &mut parents, id, v, Step::Key(k.clone()));
                }
            }
            Some(Record::Closure { upvalues, .. }) => {
                for (i, up) in upvalues.iter().enumerate() {
                    if let Upvalue::Own(v) = up {
                        visit(&mut queue, &mut parents, id, v, Step::Upvalue(format!("#{}", i + 1)));
                    }
                }
            }
            _ => {}
        }
    }
    parents
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
