//! Reading a graph of tables and Lua functions straight off the Lua stack.
//!
//! mlua hands out every table, function and string as a handle kept in its reference
//! stack, with a protected call per operation; a save point that reads every entry of
//! every table in `Memory` paid that per entry. [`walk`] reads values with the C API
//! instead and lends them to a [`Visit`] as [`Slot`]s that cannot outlive the call
//! they are lent to.
//!
//! Soundness rests on rules kept in this file:
//! - While a pass runs, the walker calls only C API functions that raise no Lua error
//!   (a Lua error would `longjmp` over Rust frames). `lua_next` raises one for a key
//!   no longer in the table, so when foreign code (a visitor) has run between a key
//!   being read and its use as `lua_next`'s key, the key is first found still there.
//! - Whatever is lent sits in a stack slot for the whole call, out of the collector's
//!   reach even if a visitor runs Lua code.
//! - The walker's own calls allocate no Lua object, so they run no garbage collection
//!   (nor finalizers, which are user code). Objects met for the first time are parked
//!   in a table whose array part was allocated beforehand, and get their ids after the
//!   pass, from one protected C call.

use std::collections::HashMap;
use std::ffi::{c_int, c_void, CStr};
use std::marker::PhantomData;
use std::ops::ControlFlow;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};

use mlua::{ffi, LightUserData, Lua, Table, Value};

extern "C-unwind" {
    // csrc/marks.c: none raises an error or runs the collector.
    fn moonkeep_is_clean(state: *mut ffi::lua_State, index: c_int) -> c_int;
    fn moonkeep_mark_clean(state: *mut ffi::lua_State, index: c_int);
    fn moonkeep_dirty_count(state: *mut ffi::lua_State) -> ffi::lua_Integer;
    fn moonkeep_push_dirty(state: *mut ffi::lua_State, i: ffi::lua_Integer);
    fn moonkeep_clear_dirty(state: *mut ffi::lua_State);
    // csrc/rebuild.c: a lua_CFunction, called in protected mode.
    fn moonkeep_register(state: *mut ffi::lua_State) -> c_int;
}

/// Stack indices of `walk`'s arguments inside a pass.
const BY_OBJECT: c_int = 1;
const BY_ID: c_int = 2;
const PENDING: c_int = 3;
/// Table entries read between two visits: each takes two stack slots. Only when a
/// table has more than this is a key looked up again before `lua_next` resumes.
const CHUNK: c_int = 128;
/// Stack slots a visitor's [`Scope`] calls need above the values lent to it.
const SCOPE_SLOTS: c_int = 4;

/// Ids the host gives tables and functions, in two weak Lua tables (object to id, id
/// to object), so an id lives exactly as long as its object and the object can be
/// found again by its id.
#[derive(Clone)]
pub struct ObjectIds {
    by_object: Table,
    by_id: Table,
    /// Objects first met in a pass, waiting for their ids; its array part has room
    /// for `capacity` of them, allocated once.
    pending: Table,
    capacity: usize,
}

impl ObjectIds {
    /// `capacity`: how many new objects one pass of [`walk`] can meet before the
    /// caller must end it (they are registered between passes).
    pub fn new(lua: &Lua, capacity: usize) -> mlua::Result<ObjectIds> {
        let weak = |mode: &str| -> mlua::Result<Table> {
            let t = lua.create_table()?;
            let mt = lua.create_table()?;
            mt.raw_set("__mode", mode)?;
            t.set_metatable(Some(mt))?;
            Ok(t)
        };
        let capacity = capacity.max(1);
        Ok(ObjectIds {
            by_object: weak("k")?,
            by_id: weak("v")?,
            pending: lua.create_table_with_capacity(capacity, 0)?,
            capacity,
        })
    }

    /// A copy whose passes have room for `capacity` new objects (a fresh `pending`
    /// table of that size; the ids are shared). A walk that meets many new objects
    /// doubles its room after each full pass, so re-reading the object a full pass
    /// stopped in costs, over the whole walk, about as much as reading it once.
    pub fn with_room(&self, lua: &Lua, capacity: usize) -> mlua::Result<ObjectIds> {
        let capacity = capacity.max(1);
        Ok(ObjectIds { pending: lua.create_table_with_capacity(capacity, 0)?, capacity, ..self.clone() })
    }

    /// How many new objects one pass has room for.
    pub fn room(&self) -> usize {
        self.capacity
    }

    /// The id of a table or function, if it has one.
    pub fn get(&self, object: &Value) -> Option<u64> {
        match self.by_object.raw_get::<Value>(object) {
            Ok(Value::Integer(id)) => Some(id as u64),
            _ => None,
        }
    }

    /// The table or function with id `id`, if it lives.
    pub fn object(&self, id: u64) -> Option<Value> {
        match self.by_id.raw_get::<Value>(id as i64) {
            Ok(Value::Nil) | Err(_) => None,
            Ok(object) => Some(object),
        }
    }

    /// The two id tables (id to object, object to id), for `rebuild`.
    pub(crate) fn tables(&self) -> (&Table, &Table) {
        (&self.by_id, &self.by_object)
    }

    /// Gives `object` (a table or function) the id `id`.
    pub fn set(&self, object: &Value, id: u64) -> mlua::Result<()> {
        self.by_object.raw_set(object, id as i64)?;
        self.by_id.raw_set(id as i64, object)
    }
}

/// A value lent to a visitor, valid during the call it is lent to.
#[derive(Clone, Copy, Debug)]
pub enum Slot<'s> {
    Nil,
    Boolean(bool),
    Integer(i64),
    Number(f64),
    String(&'s [u8]),
    Table(Ref<'s>),
    /// A Lua function (it has a prototype and upvalues).
    Function(Ref<'s>),
    CFunction(Ref<'s>),
    Thread,
    UserData,
    LightUserData,
}

/// A table or function lent to a visitor: a stack slot that stays put for the call.
/// Invariant in `'s`, so a `Ref` from one call cannot be handed to another's [`Scope`].
#[derive(Clone, Copy, Debug)]
pub struct Ref<'s> {
    index: c_int,
    pointer: *const c_void,
    _call: PhantomData<fn(&'s ()) -> &'s ()>,
}

impl Ref<'_> {
    /// The object's address: equal for the same object, never dereferenced.
    pub fn pointer(&self) -> *const c_void {
        self.pointer
    }
}

/// What [`Walker::read`] found under an id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    Table,
    Function,
    /// No live table or Lua function has this id.
    Missing,
    /// The visitor stopped (a [`Scope::keep`] found no room); read it again next pass.
    Stopped,
}

/// Receives what [`Walker::read`] finds; `Break` stops the read.
pub trait Visit {
    /// A table's metatable, `Slot::Nil` for none; always before its entries.
    fn metatable<'s>(&mut self, scope: &mut Scope<'s>, metatable: Slot<'s>) -> ControlFlow<()>;
    /// Each entry of a table, in `next` order.
    fn entry<'s>(&mut self, scope: &mut Scope<'s>, key: Slot<'s>, value: Slot<'s>) -> ControlFlow<()>;
    /// Each upvalue of a Lua function, in order: 1-based index, name, value, and the
    /// identity of its cell (equal for upvalues shared between closures).
    fn upvalue<'s>(
        &mut self,
        scope: &mut Scope<'s>,
        index: u32,
        name: &'s [u8],
        value: Slot<'s>,
        cell: usize,
    ) -> ControlFlow<()>;
}

/// One pass: reads objects by id until the caller returns.
pub struct Walker {
    state: *mut ffi::lua_State,
    pass: Pass,
}

struct Pass {
    capacity: usize,
    /// Ids of the objects parked in `pending`, in order, and where each is.
    kept: Vec<u64>,
    kept_at: HashMap<u64, usize>,
}

/// What a visitor may do with the objects lent to it.
pub struct Scope<'s> {
    state: *mut ffi::lua_State,
    pass: &'s mut Pass,
    _call: PhantomData<fn(&'s ()) -> &'s ()>,
}

impl<'s> Scope<'s> {
    /// The object's id, if it has one.
    pub fn id_of(&mut self, object: Ref<'s>) -> Option<u64> {
        let mut found = 0;
        // SAFETY: `object.index` is a live slot for this call, the pass reserved
        // SCOPE_SLOTS free slots, and a raw get on a table raises no error.
        unsafe {
            ffi::lua_pushvalue(self.state, object.index);
            ffi::lua_rawget(self.state, BY_OBJECT);
            let id = ffi::lua_tointegerx(self.state, -1, &mut found);
            ffi::lua_settop(self.state, -2);
            (found != 0).then_some(id as u64)
        }
    }

    /// Whether the object is a table unwritten since the walk that last read it (every
    /// table write of the patched Lua clears the mark; build.rs lists them).
    pub fn is_clean(&mut self, object: Ref<'s>) -> bool {
        // SAFETY: a live slot; marks.c reads a flag and raises no error.
        unsafe { moonkeep_is_clean(self.state, object.index) != 0 }
    }

    /// Gives a new object the id `id`, registered when the pass ends; until then
    /// [`Walker::read`] finds it too. False if the pass has no room left: the visitor
    /// should stop, and the caller end the pass.
    pub fn keep(&mut self, object: Ref<'s>, id: u64) -> bool {
        let pass = &mut *self.pass;
        if pass.kept.len() >= pass.capacity {
            return false;
        }
        let at = pass.kept.len() + 1;
        // SAFETY: a live slot; `at` is within the array part `pending` was created
        // with, so the raw set neither allocates nor raises.
        unsafe {
            ffi::lua_pushvalue(self.state, object.index);
            ffi::lua_rawseti(self.state, PENDING, at as ffi::lua_Integer);
        }
        pass.kept.push(id);
        pass.kept_at.insert(id, at);
        true
    }
}

/// The ids of the tables written since a walk read them (the state's dirty log), and
/// empties the log; None if the log could not hold them all (it could not grow), when
/// the caller must read everything. A logged table without an id is left out.
pub fn take_dirty(lua: &Lua, ids: &ObjectIds) -> mlua::Result<Option<Vec<u64>>> {
    let mut dirty = None;
    // SAFETY: pushing a logged table (kept alive by the collector while logged) and a
    // raw get on the id table raise no error; the log is emptied with no allocation.
    unsafe {
        lua.exec_raw::<()>(ids.by_object.clone(), |state| {
            let count = moonkeep_dirty_count(state);
            if count >= 0 && ffi::lua_checkstack(state, 2) != 0 {
                let mut found = Vec::with_capacity(count as usize);
                for i in 0..count {
                    moonkeep_push_dirty(state, i);
                    let mut is_id = 0;
                    ffi::lua_rawget(state, 1);
                    let id = ffi::lua_tointegerx(state, -1, &mut is_id);
                    ffi::lua_settop(state, 1);
                    if is_id != 0 {
                        found.push(id as u64);
                    }
                }
                dirty = Some(found);
            }
            moonkeep_clear_dirty(state);
            ffi::lua_settop(state, 0);
        })?;
    }
    Ok(dirty)
}

/// Runs `pass` over a [`Walker`], then registers the objects it kept.
pub fn walk<R>(lua: &Lua, ids: &ObjectIds, pass: impl FnOnce(&mut Walker) -> R) -> mlua::Result<R> {
    let mut pass = Some(pass);
    let mut outcome = None;
    let mut kept = Vec::new();
    let args = (ids.by_object.clone(), ids.by_id.clone(), ids.pending.clone());
    // SAFETY: the closure calls only the error-free C API functions of `Walker`, and
    // leaves an empty stack (no results).
    unsafe {
        lua.exec_raw::<()>(args, |state| {
            let mut walker =
                Walker { state, pass: Pass { capacity: ids.capacity, kept: Vec::new(), kept_at: HashMap::new() } };
            let run = pass.take().expect("run once");
            outcome = Some(catch_unwind(AssertUnwindSafe(|| run(&mut walker))));
            kept = walker.pass.kept;
            ffi::lua_settop(state, 0);
        })?;
    }
    if !kept.is_empty() {
        // One protected C call registers them all (through mlua: four calls each).
        // SAFETY: moonkeep_register is a lua_CFunction, called in protected mode; it
        // reads `kept.len()` ids from the pointer, valid for the call.
        let (ids_at, count) = (LightUserData(kept.as_ptr() as *mut c_void), kept.len() as i64);
        let registered = unsafe { lua.create_c_function(moonkeep_register) }.and_then(|register| {
            register.call::<()>((ids.pending.clone(), ids.by_id.clone(), ids.by_object.clone(), ids_at, count))
        });
        if let Err(e) = registered {
            // Nothing is left alive in `pending` by a failure.
            for at in 1..=kept.len() {
                ids.pending.raw_set(at, Value::Nil)?;
            }
            return Err(e);
        }
    }
    match outcome.expect("the pass ran") {
        Ok(result) => Ok(result),
        Err(panic) => resume_unwind(panic),
    }
}

impl Walker {
    /// Whether the pass has kept as many new objects as it has room for.
    pub fn is_full(&self) -> bool {
        self.pass.kept.len() >= self.pass.capacity
    }

    /// New objects kept so far in this pass.
    pub fn kept(&self) -> usize {
        self.pass.kept.len()
    }

    /// Reads the table or Lua function with id `id` into `visit`.
    pub fn read(&mut self, id: u64, visit: &mut impl Visit) -> Read {
        let state = self.state;
        // SAFETY: every call below is one of the error-free functions; the stack has
        // room for what is pushed (checked), and is restored before returning.
        unsafe {
            if ffi::lua_checkstack(state, SCOPE_SLOTS + 2) == 0 {
                return Read::Stopped;
            }
            if !self.push(id) {
                return Read::Missing;
            }
            let object = ffi::lua_gettop(state);
            let read = match ffi::lua_type(state, object) {
                ffi::LUA_TTABLE => self.table(object, visit),
                ffi::LUA_TFUNCTION if ffi::lua_iscfunction(state, object) == 0 => self.function(object, visit),
                _ => Read::Missing,
            };
            ffi::lua_settop(state, object - 1);
            read
        }
    }

    /// The bytecode of Lua function `id` as `string.dump` makes it (with debug
    /// information), or None if no Lua function has this id.
    pub fn dump(&mut self, id: u64) -> Option<Vec<u8>> {
        let state = self.state;
        // SAFETY: error-free calls; `lua_dump` only calls `write`, which appends to
        // the Vec passed as its data pointer.
        unsafe {
            if ffi::lua_checkstack(state, 2) == 0 || !self.push(id) {
                return None;
            }
            let top = ffi::lua_gettop(state);
            let mut bytes = Vec::new();
            let is_lua = ffi::lua_type(state, top) == ffi::LUA_TFUNCTION && ffi::lua_iscfunction(state, top) == 0;
            if is_lua {
                ffi::lua_dump(state, write, &mut bytes as *mut Vec<u8> as *mut c_void, 0);
            }
            ffi::lua_settop(state, top - 1);
            is_lua.then_some(bytes)
        }
    }

    /// Whether table `id` is unwritten since a read or [`Walker::mark_clean`] marked
    /// it: every table write of the patched Lua clears the mark (build.rs lists them).
    pub fn is_clean(&mut self, id: u64) -> bool {
        self.with_object(id, |state, index| unsafe { moonkeep_is_clean(state, index) != 0 }).unwrap_or(false)
    }

    /// Marks table `id` clean: its next write puts it in the dirty log.
    pub fn mark_clean(&mut self, id: u64) {
        self.with_object(id, |state, index| unsafe { moonkeep_mark_clean(state, index) });
    }

    /// `f` on the stack index of object `id`, if there is one.
    fn with_object<R>(&mut self, id: u64, f: impl FnOnce(*mut ffi::lua_State, c_int) -> R) -> Option<R> {
        let state = self.state;
        // SAFETY: error-free calls; one slot is checked for, and the stack restored.
        // `f` is given a live slot and calls only marks.c, which raises no error.
        unsafe {
            if ffi::lua_checkstack(state, 1) == 0 || !self.push(id) {
                return None;
            }
            let top = ffi::lua_gettop(state);
            let result = f(state, top);
            ffi::lua_settop(state, top - 1);
            Some(result)
        }
    }

    /// Pushes the object with id `id` (kept in this pass, or registered); false, with
    /// nothing pushed, if there is none.
    unsafe fn push(&mut self, id: u64) -> bool {
        // Most passes keep nothing: skip hashing then.
        let kept = if self.pass.kept_at.is_empty() { None } else { self.pass.kept_at.get(&id).copied() };
        let found = match kept {
            Some(at) => ffi::lua_rawgeti(self.state, PENDING, at as ffi::lua_Integer),
            None => ffi::lua_rawgeti(self.state, BY_ID, id as ffi::lua_Integer),
        };
        if found == ffi::LUA_TNIL {
            ffi::lua_settop(self.state, -2);
            return false;
        }
        true
    }

    unsafe fn scope(&mut self) -> Scope<'_> {
        Scope { state: self.state, pass: &mut self.pass, _call: PhantomData }
    }

    /// The metatable, then the entries, CHUNK at a time: the entries of a chunk are
    /// all on the stack before the visitor sees any of them.
    /// The table is marked clean before it is read, so a write made while it is read
    /// (by a visitor, or a pass stopped half-way) puts it in the dirty log.
    unsafe fn table(&mut self, table: c_int, visit: &mut impl Visit) -> Read {
        let state = self.state;
        moonkeep_mark_clean(state, table);
        let flow = if ffi::lua_getmetatable(state, table) != 0 {
            let flow = visit.metatable(&mut self.scope(), slot(state, table + 1));
            ffi::lua_settop(state, table);
            flow
        } else {
            visit.metatable(&mut self.scope(), Slot::Nil)
        };
        if flow.is_break() {
            return Read::Stopped;
        }
        ffi::lua_pushnil(state);
        loop {
            // The stack is [table, key]; read up to CHUNK entries after the key.
            if ffi::lua_checkstack(state, 2 * CHUNK + SCOPE_SLOTS) == 0 {
                return Read::Stopped;
            }
            let mut count = 0;
            while ffi::lua_next(state, table) != 0 {
                count += 1;
                if count == CHUNK {
                    break;
                }
                ffi::lua_pushvalue(state, -2);
            }
            for i in 0..count {
                let key = table + 1 + 2 * i;
                let flow = visit.entry(&mut self.scope(), slot(state, key), slot(state, key + 1));
                if flow.is_break() {
                    return Read::Stopped;
                }
            }
            if count < CHUNK {
                return Read::Table;
            }
            // Resume after the chunk's last key, if the visitor left it in the table.
            let last = table + 2 * CHUNK - 1;
            ffi::lua_pushvalue(state, last);
            let present = ffi::lua_rawget(state, table) != ffi::LUA_TNIL;
            if !present {
                return Read::Table;
            }
            ffi::lua_copy(state, last, table + 1);
            ffi::lua_settop(state, table + 1);
        }
    }

    unsafe fn function(&mut self, function: c_int, visit: &mut impl Visit) -> Read {
        let state = self.state;
        for index in 1.. {
            let name = ffi::lua_getupvalue(state, function, index);
            if name.is_null() {
                break;
            }
            let cell = ffi::lua_upvalueid(state, function, index) as usize;
            // The name lives in the function's prototype, anchored by the function.
            let name = CStr::from_ptr(name).to_bytes();
            let flow = visit.upvalue(&mut self.scope(), index as u32, name, slot(state, function + 1), cell);
            ffi::lua_settop(state, function);
            if flow.is_break() {
                return Read::Stopped;
            }
        }
        Read::Function
    }
}

/// The value at `index`, lent for as long as it stays there.
unsafe fn slot<'s>(state: *mut ffi::lua_State, index: c_int) -> Slot<'s> {
    let object = |index| Ref { index, pointer: ffi::lua_topointer(state, index), _call: PhantomData };
    match ffi::lua_type(state, index) {
        ffi::LUA_TBOOLEAN => Slot::Boolean(ffi::lua_toboolean(state, index) != 0),
        ffi::LUA_TNUMBER if ffi::lua_isinteger(state, index) != 0 => {
            Slot::Integer(ffi::lua_tointegerx(state, index, std::ptr::null_mut()))
        }
        ffi::LUA_TNUMBER => Slot::Number(ffi::lua_tonumberx(state, index, std::ptr::null_mut())),
        ffi::LUA_TSTRING => {
            // A string is returned in place, without conversion or allocation.
            let mut len = 0;
            let bytes = ffi::lua_tolstring(state, index, &mut len);
            Slot::String(std::slice::from_raw_parts(bytes.cast::<u8>(), len))
        }
        ffi::LUA_TTABLE => Slot::Table(object(index)),
        ffi::LUA_TFUNCTION if ffi::lua_iscfunction(state, index) != 0 => Slot::CFunction(object(index)),
        ffi::LUA_TFUNCTION => Slot::Function(object(index)),
        ffi::LUA_TTHREAD => Slot::Thread,
        ffi::LUA_TUSERDATA => Slot::UserData,
        ffi::LUA_TLIGHTUSERDATA => Slot::LightUserData,
        _ => Slot::Nil,
    }
}

/// `lua_dump`'s writer: appends to the `Vec<u8>` behind `data`.
unsafe extern "C-unwind" fn write(
    _: *mut ffi::lua_State,
    bytes: *const c_void,
    len: usize,
    data: *mut c_void,
) -> c_int {
    if len > 0 {
        let out = &mut *data.cast::<Vec<u8>>();
        out.extend_from_slice(std::slice::from_raw_parts(bytes.cast::<u8>(), len));
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlua::Function;

    /// Writes down what it is lent; keeps tables it meets under ids from 100 on.
    #[derive(Default)]
    struct Notes {
        metatable: Option<String>,
        entries: Vec<(String, String)>,
        upvalues: Vec<(u32, String, String, usize)>,
        next_id: u64,
        /// Called with each entry's key, to change Lua state behind the walker's back.
        meddle: Option<Meddle>,
    }

    type Meddle = Box<dyn FnMut(Slot<'_>)>;

    impl Notes {
        fn note<'s>(&mut self, scope: &mut Scope<'s>, slot: Slot<'s>) -> Result<String, ()> {
            Ok(match slot {
                Slot::Integer(i) => format!("{i}"),
                Slot::Number(n) => format!("{n:?}"),
                Slot::String(s) => format!("{:?}", String::from_utf8_lossy(s)),
                Slot::Boolean(b) => format!("{b}"),
                Slot::Table(r) | Slot::Function(r) => match scope.id_of(r) {
                    Some(id) => format!("#{id}"),
                    None => {
                        let id = 100 + self.next_id;
                        if !scope.keep(r, id) {
                            return Err(());
                        }
                        self.next_id += 1;
                        format!("new #{id}")
                    }
                },
                other => format!("{other:?}").split('(').next().unwrap_or("").to_owned(),
            })
        }
    }

    impl Visit for Notes {
        fn metatable<'s>(&mut self, scope: &mut Scope<'s>, metatable: Slot<'s>) -> ControlFlow<()> {
            let Ok(metatable) = self.note(scope, metatable) else { return ControlFlow::Break(()) };
            self.metatable = Some(metatable);
            ControlFlow::Continue(())
        }

        fn entry<'s>(&mut self, scope: &mut Scope<'s>, key: Slot<'s>, value: Slot<'s>) -> ControlFlow<()> {
            if let Some(meddle) = &mut self.meddle {
                meddle(key);
            }
            match (self.note(scope, key), self.note(scope, value)) {
                (Ok(k), Ok(v)) => self.entries.push((k, v)),
                _ => return ControlFlow::Break(()),
            }
            ControlFlow::Continue(())
        }

        fn upvalue<'s>(
            &mut self,
            scope: &mut Scope<'s>,
            index: u32,
            name: &'s [u8],
            value: Slot<'s>,
            cell: usize,
        ) -> ControlFlow<()> {
            let Ok(value) = self.note(scope, value) else { return ControlFlow::Break(()) };
            self.upvalues.push((index, String::from_utf8_lossy(name).into_owned(), value, cell));
            ControlFlow::Continue(())
        }
    }

    fn with_id(lua: &Lua, ids: &ObjectIds, source: &str, id: u64) -> Value {
        let value: Value = lua.load(source).eval().unwrap();
        ids.set(&value, id).unwrap();
        value
    }

    #[test]
    fn a_table_is_read_whole_and_new_objects_get_their_ids_after_the_pass() {
        let lua = crate::new_state();
        let ids = ObjectIds::new(&lua, 16).unwrap();
        let mt = with_id(&lua, &ids, "MT = {} return MT", 7);
        with_id(
            &lua,
            &ids,
            "local t = setmetatable({}, MT) for i = 1, 300 do t[i] = i * 2 end
            t.s, t.f, t.b, t.sub, t.mt = 'str', 1.5, true, {}, MT SUB = t.sub return t",
            1,
        );
        let mut notes = Notes::default();
        let read = walk(&lua, &ids, |w| w.read(1, &mut notes)).unwrap();
        assert_eq!(read, Read::Table);
        assert_eq!(notes.metatable.as_deref(), Some("#7"));
        assert_eq!(notes.entries.len(), 305);
        let mut entries = notes.entries.clone();
        entries.sort();
        for (key, value) in [
            ("\"s\"", "\"str\""),
            ("\"f\"", "1.5"),
            ("\"b\"", "true"),
            ("\"sub\"", "new #100"),
            ("\"mt\"", "#7"),
            ("300", "600"),
        ] {
            assert!(entries.contains(&(key.to_owned(), value.to_owned())), "{key} = {value}");
        }
        let sub: Value = lua.globals().get("SUB").unwrap();
        assert_eq!(ids.get(&sub), Some(100), "registered after the pass");
        assert_eq!(ids.get(&mt), Some(7));
        let mut again = Notes::default();
        walk(&lua, &ids, |w| {
            assert_eq!(w.read(100, &mut again), Read::Table);
            assert_eq!(w.read(999, &mut again), Read::Missing);
        })
        .unwrap();
    }

    /// Registering the objects a pass met needs memory (the id tables grow): when there
    /// is none, the walk fails and `pending` keeps nothing alive.
    #[test]
    fn a_registration_that_runs_out_of_memory_leaves_nothing_parked() {
        let lua = crate::new_state();
        let ids = ObjectIds::new(&lua, 4096).unwrap();
        with_id(&lua, &ids, "T = {} for i = 1, 3000 do T[i] = {} end return T", 1);
        lua.set_memory_limit(lua.used_memory() + 4096).unwrap();
        let mut notes = Notes { next_id: 2, ..Notes::default() };
        let walked = walk(&lua, &ids, |w| w.read(1, &mut notes));
        lua.set_memory_limit(0).unwrap();
        assert!(walked.is_err(), "3,000 new ids fit in 4 KB");
        assert_eq!(ids.pending.raw_len(), 0);
        assert!((1..=3000).all(|at| ids.pending.raw_get::<Value>(at).unwrap().is_nil()));
    }

    #[test]
    fn a_function_lends_its_upvalues_with_their_cells_and_dumps_as_string_dump_does() {
        let lua = crate::new_state();
        let ids = ObjectIds::new(&lua, 16).unwrap();
        let f = with_id(
            &lua,
            &ids,
            "local a, b = 1, 'two' function F() return a, b end function G() return a end return F",
            1,
        );
        with_id(&lua, &ids, "return G", 2);
        with_id(&lua, &ids, "return print", 3);
        let (mut f_notes, mut g_notes) = (Notes::default(), Notes::default());
        let (dumped, reads) = walk(&lua, &ids, |w| {
            let reads = (w.read(1, &mut f_notes), w.read(2, &mut g_notes), w.read(3, &mut Notes::default()));
            (w.dump(1), reads)
        })
        .unwrap();
        assert_eq!(reads, (Read::Function, Read::Function, Read::Missing), "a C function is not read");
        let names: Vec<_> = f_notes.upvalues.iter().map(|u| (u.0, u.1.as_str(), u.2.as_str())).collect();
        assert_eq!(names, [(1, "a", "1"), (2, "b", "\"two\"")]);
        assert_eq!(g_notes.upvalues[0].3, f_notes.upvalues[0].3, "one cell, shared");
        assert_ne!(f_notes.upvalues[0].3, f_notes.upvalues[1].3);
        let dump: Function = lua.load("return string.dump").eval().unwrap();
        let expected: mlua::LuaString = dump.call(f).unwrap();
        assert_eq!(dumped.as_deref(), Some(&expected.as_bytes()[..]));
    }

    /// Whether each table is clean after `source` ran, every one having been marked
    /// clean before it; the dirty log then holds exactly the ones that are not.
    fn clean_after(lua: &Lua, ids: &ObjectIds, objects: &[u64], source: &str) -> Vec<bool> {
        take_dirty(lua, ids).unwrap();
        walk(lua, ids, |w| objects.iter().for_each(|&id| w.mark_clean(id))).unwrap();
        lua.load(source).exec().unwrap_or_else(|e| panic!("{source}: {e}"));
        let clean: Vec<bool> = walk(lua, ids, |w| objects.iter().map(|&id| w.is_clean(id)).collect()).unwrap();
        let mut dirty = take_dirty(lua, ids).unwrap().expect("the log held every table");
        dirty.sort_unstable();
        let expected: Vec<u64> = objects.iter().zip(&clean).filter(|(_, c)| !**c).map(|(id, _)| *id).collect();
        assert_eq!(dirty, expected, "the dirty log after {source}");
        clean
    }

    /// Every way Lua writes a table's entries or metatable clears its mark: the VM's
    /// stores (fast and through `__newindex` chains), `_ENV` stores, the raw and
    /// table-library functions, metatables, the C API, and the collector emptying a
    /// weak entry. Reads leave it.
    #[test]
    fn every_write_to_a_table_clears_its_clean_mark_and_reads_keep_it() {
        let lua = crate::new_state();
        let ids = ObjectIds::new(&lua, 16).unwrap();
        let t = with_id(&lua, &ids, "T = { 3, 1, 2, x = 1, [2.5] = 'f' } return T", 1);
        let Value::Table(table) = t else { unreachable!() };
        with_id(&lua, &ids, "P = setmetatable({}, { __newindex = setmetatable({}, { __newindex = T }) }) return P", 2);
        with_id(&lua, &ids, "W = setmetatable({}, { __mode = 'v' }) return W", 3);
        with_id(&lua, &ids, "K = setmetatable({}, { __mode = 'k' }) return K", 4);
        for read in [
            "local a, b, c = T.x, T[1], #T",
            "for k, v in pairs(T) do end for i, v in ipairs(T) do end",
            "local a, b = rawget(T, 1), rawlen(T) local m = getmetatable(T) local k = next(T)",
            "local s = table.concat({ table.unpack(T) }, ',')",
            "T.x = T.x", // a store of the same value is a write: the mark is cleared anyway
        ] {
            let clean = clean_after(&lua, &ids, &[1], read)[0];
            assert_eq!(clean, !read.starts_with("T.x ="), "{read}");
        }
        for write in [
            "T.x = 2",
            "T[1] = 30",
            "local k = 'y' T[k] = true",
            "T[100] = 1",
            "T.x = nil",
            "T[2.5] = 'g'",
            "load('x = 3', 'c', 't', T)()",
            "rawset(T, 'r', 1)",
            "rawset(T, 1, 4)",
            "table.insert(T, 9)",
            "table.insert(T, 1, 0)",
            "table.remove(T)",
            "table.remove(T, 1)",
            "table.move({ 7, 8 }, 1, 2, 1, T)",
            "table.sort(T, function(a, b) return a > b end)",
            "setmetatable(T, {})",
            "setmetatable(T, nil)",
            "debug.setmetatable(T, {})",
            "P.deep = 1",
            "for k in pairs(T) do T[k] = nil break end",
        ] {
            assert_eq!(clean_after(&lua, &ids, &[1], write), [false], "{write}");
            lua.load("T = T or {} T[1], T[2], T[3] = 3, 1, 2").exec().unwrap();
        }
        assert_eq!(clean_after(&lua, &ids, &[1], "").len(), 1);
        walk(&lua, &ids, |w| w.mark_clean(1)).unwrap();
        table.set("api", 1).unwrap();
        assert!(!walk(&lua, &ids, |w| w.is_clean(1)).unwrap(), "lua_settable");
        walk(&lua, &ids, |w| w.mark_clean(1)).unwrap();
        table.raw_set(5, 1).unwrap();
        assert!(!walk(&lua, &ids, |w| w.is_clean(1)).unwrap(), "lua_rawset");
        lua.load("W[1] = {} K[{}] = 1").exec().unwrap();
        assert_eq!(clean_after(&lua, &ids, &[3, 4], "collectgarbage() collectgarbage()"), [false, false], "weak");
        assert_eq!(clean_after(&lua, &ids, &[3, 4], "collectgarbage()"), [true, true], "nothing left to collect");
    }

    /// A read marks a table clean, a second write to it is not logged twice, and a
    /// logged table outlives the collections before the save point that reads it: the
    /// log holds a pointer, which must never dangle.
    #[test]
    fn the_dirty_log_notes_each_written_table_once_and_keeps_it_alive() {
        let lua = crate::new_state();
        let ids = ObjectIds::new(&lua, 16).unwrap();
        with_id(&lua, &ids, "T = { 1 } return T", 1);
        with_id(&lua, &ids, "return {}", 2);
        let read = walk(&lua, &ids, |w| (w.read(1, &mut Notes::default()), w.is_clean(1), w.is_clean(2))).unwrap();
        assert_eq!(read, (Read::Table, true, false), "a read marks the table it reads, and only it");
        lua.load("T[1] = 2 T[2] = 3 T = nil collectgarbage() collectgarbage()").exec().unwrap();
        assert_eq!(take_dirty(&lua, &ids).unwrap(), Some(vec![1]), "logged once, and still alive");
        assert_eq!(take_dirty(&lua, &ids).unwrap(), Some(vec![]), "taking the log empties it");
        lua.load("collectgarbage() collectgarbage()").exec().unwrap();
        let gone = walk(&lua, &ids, |w| w.read(1, &mut Notes::default())).unwrap();
        assert_eq!(gone, Read::Missing, "once taken from the log, an unreachable table is collected");
    }

    /// A log that cannot grow (the state's memory limit is reached) says so, so the
    /// next save point reads everything instead of trusting an incomplete log.
    #[test]
    fn a_log_that_cannot_grow_asks_for_a_full_walk() {
        let lua = crate::new_state();
        let ids = ObjectIds::new(&lua, 16).unwrap();
        with_id(&lua, &ids, "T = {} return T", 1);
        lua.load("for i = 1, 200 do T[i] = { false } end").exec().unwrap();
        let tables: Vec<Value> = lua.load("return table.unpack(T)").eval::<mlua::MultiValue>().unwrap().into_vec();
        for (i, t) in tables.iter().enumerate() {
            ids.set(t, 10 + i as u64).unwrap();
        }
        walk(&lua, &ids, |w| (10..210).for_each(|id| w.mark_clean(id))).unwrap();
        // The writes allocate nothing; the log's first 64 slots take 512 bytes.
        let writes = lua.load("if ... then for i = 1, 200 do T[i][1] = true end end").into_function().unwrap();
        writes.call::<()>(false).unwrap(); // a first call grows what calls need
        lua.set_memory_limit(lua.used_memory() + 256).unwrap();
        writes.call::<()>(true).unwrap();
        lua.set_memory_limit(0).unwrap();
        assert_eq!(take_dirty(&lua, &ids).unwrap(), None);
        walk(&lua, &ids, |w| w.mark_clean(10)).unwrap();
        lua.load("T[1][2] = true").exec().unwrap();
        assert_eq!(take_dirty(&lua, &ids).unwrap(), Some(vec![10]), "taking the log resets it");
    }

    #[test]
    fn a_pass_without_room_stops_the_read() {
        let lua = crate::new_state();
        let ids = ObjectIds::new(&lua, 2).unwrap();
        with_id(&lua, &ids, "return { {}, {}, {} }", 1);
        let mut notes = Notes::default();
        walk(&lua, &ids, |w| {
            assert_eq!(w.read(1, &mut notes), Read::Stopped);
            assert!(w.is_full());
        })
        .unwrap();
        // The two kept are registered: the next pass needs room for one.
        let mut notes = Notes { next_id: 2, ..Notes::default() };
        let read = walk(&lua, &ids, |w| w.read(1, &mut notes)).unwrap();
        assert_eq!(read, Read::Table);
        let values: Vec<_> = notes.entries.iter().map(|e| e.1.as_str()).collect();
        assert_eq!(values, ["#100", "#101", "new #102"]);
    }

    /// A visitor that empties and regrows the table it reads: `lua_next` would raise
    /// "invalid key to 'next'" (a longjmp over Rust frames) if the walker resumed from
    /// a key no longer there.
    #[test]
    fn a_visitor_changing_the_table_it_reads_cannot_make_the_read_raise() {
        let lua = crate::new_state();
        let ids = ObjectIds::new(&lua, 16).unwrap();
        let t = with_id(&lua, &ids, "local t = {} for i = 1, 1000 do t['k' .. i] = i end return t", 1);
        let Value::Table(table) = t else { unreachable!() };
        let (meddler, lua2) = (table.clone(), lua.clone());
        let mut calls = 0;
        let mut notes = Notes {
            meddle: Some(Box::new(move |key| {
                calls += 1;
                if let Slot::String(name) = key {
                    meddler.raw_set(lua2.create_string(name).unwrap(), Value::Nil).unwrap();
                }
                // The last entry of the first chunk: its key is gone when the rehash
                // these insertions cause is over.
                if calls == CHUNK {
                    for i in 0..5000 {
                        meddler.raw_set(format!("new{i}"), i).unwrap();
                    }
                }
            })),
            ..Notes::default()
        };
        let read = walk(&lua, &ids, |w| w.read(1, &mut notes));
        assert_eq!(read.unwrap(), Read::Table);
        assert!(notes.entries.len() >= CHUNK as usize);
    }
}
