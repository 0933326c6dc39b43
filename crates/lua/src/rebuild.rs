//! Creating, filling and giving metatables to many tables in one protected call
//! (`csrc/rebuild.c`), for a restore: through mlua each entry cost a protected call
//! and each table a handle. The host writes [`Instructions`]; tables and functions are
//! named by the ids of an [`ObjectIds`], where created tables are registered.

use std::ffi::c_void;

use mlua::{ffi, LightUserData, Lua, Table};

use crate::walk::ObjectIds;

extern "C-unwind" {
    fn moonkeep_rebuild(state: *mut ffi::lua_State) -> std::ffi::c_int;
}

/// A value to store, as [`Instructions::entry`] writes it.
#[derive(Clone, Copy, Debug)]
pub enum Put<'a> {
    Nil,
    Boolean(bool),
    Integer(i64),
    Float(u64),
    String(&'a [u8]),
    /// A table or function by id: created or registered before the call that uses it.
    Object(u64),
    /// The value at this index (from 1) of the standard values handed to [`run`].
    Standard(u32),
}

/// What one call does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Create = 0,
    Fill = 1,
    Metatables = 2,
}

/// Instructions for one call, of one [`Step`].
#[derive(Default)]
pub struct Instructions {
    bytes: Vec<u8>,
}

impl Instructions {
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Create: a table with room for `array` and `hash` entries, registered as `id`.
    pub fn create(&mut self, id: u64, array: u32, hash: u32) {
        self.bytes.extend_from_slice(&id.to_ne_bytes());
        self.bytes.extend_from_slice(&array.to_ne_bytes());
        self.bytes.extend_from_slice(&hash.to_ne_bytes());
    }

    /// Fill: table `id` gets `entries` entries, each written next by [`Instructions::entry`].
    pub fn table(&mut self, id: u64, entries: u32) {
        self.bytes.extend_from_slice(&id.to_ne_bytes());
        self.bytes.extend_from_slice(&entries.to_ne_bytes());
    }

    pub fn entry(&mut self, key: Put<'_>, value: Put<'_>) {
        self.put(key);
        self.put(value);
    }

    /// Metatables: table `id` gets table `metatable`.
    pub fn metatable(&mut self, id: u64, metatable: u64) {
        self.bytes.extend_from_slice(&id.to_ne_bytes());
        self.bytes.extend_from_slice(&metatable.to_ne_bytes());
    }

    fn put(&mut self, value: Put<'_>) {
        let out = &mut self.bytes;
        match value {
            Put::Nil => out.push(0),
            Put::Boolean(b) => out.push(if b { 2 } else { 1 }),
            Put::Integer(i) => {
                out.push(3);
                out.extend_from_slice(&(i as u64).to_ne_bytes());
            }
            Put::Float(bits) => {
                out.push(4);
                out.extend_from_slice(&bits.to_ne_bytes());
            }
            Put::String(s) => {
                out.push(5);
                out.extend_from_slice(&(s.len() as u32).to_ne_bytes());
                out.extend_from_slice(s);
            }
            Put::Object(id) => {
                out.push(6);
                out.extend_from_slice(&id.to_ne_bytes());
            }
            Put::Standard(i) => {
                out.push(7);
                out.extend_from_slice(&i.to_ne_bytes());
            }
        }
    }
}

/// Carries out `instructions` as `step`; `standard` holds the values [`Put::Standard`]
/// names (only a fill names any). A memory error (or instructions naming an id that does not exist) comes back
/// as an error, with what was done before it kept.
pub fn run(
    lua: &Lua,
    ids: &ObjectIds,
    standard: Option<&Table>,
    step: Step,
    instructions: &Instructions,
) -> mlua::Result<()> {
    if instructions.is_empty() {
        return Ok(());
    }
    let (by_id, by_object) = ids.tables();
    // SAFETY: moonkeep_rebuild is a lua_CFunction; mlua calls it in protected mode, so
    // its errors unwind no Rust frame. It reads `bytes.len()` bytes from the pointer,
    // which stays valid for the call (`instructions` is borrowed across it).
    let rebuild = unsafe { lua.create_c_function(moonkeep_rebuild)? };
    let bytes = &instructions.bytes;
    rebuild.call::<()>((
        by_id,
        by_object,
        standard,
        LightUserData(bytes.as_ptr() as *mut c_void),
        bytes.len() as i64,
        step as i64,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlua::Value;

    #[test]
    fn tables_are_created_filled_and_given_metatables_by_id() {
        let lua = crate::new_state();
        let ids = ObjectIds::new(&lua, 4).unwrap();
        let standard = lua.create_sequence_from([lua.globals().get::<Value>("print").unwrap()]).unwrap();
        let mut create = Instructions::default();
        for id in [10, 11, 12] {
            create.create(id, 2, 2);
        }
        run(&lua, &ids, None, Step::Create, &create).unwrap();
        let mut fill = Instructions::default();
        fill.table(10, 6);
        fill.entry(Put::Integer(1), Put::Object(11));
        fill.entry(Put::Integer(2), Put::String(b"two\0"));
        fill.entry(Put::String(b"f"), Put::Float(2.5f64.to_bits()));
        fill.entry(Put::Boolean(true), Put::Standard(1));
        fill.entry(Put::Object(12), Put::Boolean(false));
        fill.entry(Put::Float(3.0f64.to_bits()), Put::Nil);
        fill.table(12, 1);
        fill.entry(Put::String(b"__index"), Put::Object(11));
        run(&lua, &ids, Some(&standard), Step::Fill, &fill).unwrap();
        let mut metatables = Instructions::default();
        metatables.metatable(11, 12);
        run(&lua, &ids, None, Step::Metatables, &metatables).unwrap();
        lua.globals().set("T", ids.object(10).unwrap()).unwrap();
        let check = r#"
            assert(T[2] == "two\0" and T.f == 2.5 and T[true] == print and T[3] == nil)
            local inner = T[1]
            assert(getmetatable(inner).__index == inner)
            local n = 0 for k, v in pairs(T) do n = n + 1 if type(k) == "table" then assert(v == false) end end
            assert(n == 5, n)
        "#;
        lua.load(check).exec().unwrap();
        assert_eq!(ids.get(&ids.object(11).unwrap()), Some(11), "created tables are registered both ways");
    }

    #[test]
    fn an_unknown_id_is_an_error_not_a_crash() {
        let lua = crate::new_state();
        let ids = ObjectIds::new(&lua, 4).unwrap();
        let standard = lua.create_table().unwrap();
        let mut fill = Instructions::default();
        fill.table(99, 0);
        let e = run(&lua, &ids, Some(&standard), Step::Fill, &fill).unwrap_err();
        assert!(e.to_string().contains("object 99, which was not created"), "{e}");
        let mut short = Instructions::default();
        short.create(1, 0, 0);
        short.bytes.pop();
        let e = run(&lua, &ids, None, Step::Create, &short).unwrap_err();
        assert!(e.to_string().contains("end early"), "{e}");
    }
}
