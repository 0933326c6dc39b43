//! Installs Moonkeep's standard library (`playground.lua`) with the host functions it
//! needs: output capture, a monotonic clock, the time zone, the bytecode seal.

use std::cell::RefCell;
use std::rc::Rc;

use mlua::{Function, Lua, Table};

use super::console::Console;

const SOURCE: &str = include_str!("playground.lua");

/// Installs the library; returns the function that tells it which thread runs the
/// script (`nil` between runs).
pub(super) fn install(lua: &Lua, console: &Rc<RefCell<Console>>) -> mlua::Result<Function> {
    let host = lua.create_table()?;
    host_output(lua, &host, console)?;
    let start = moonkeep_lua::monotonic_seconds();
    host.set("clock", lua.create_function(move |_, ()| Ok(moonkeep_lua::monotonic_seconds() - start))?)?;
    let (sealed_dump, load_sealed) = moonkeep_lua::seal::bytecode_seal(lua)?;
    host.set("sealed_dump", sealed_dump)?;
    host.set("load_sealed", load_sealed)?;
    if moonkeep_lua::has_host_time_zone() {
        host.set("utc_offset", lua.create_function(|_, t: f64| Ok(moonkeep_lua::utc_offset_seconds(t)))?)?;
    }
    lua.load(SOURCE).set_name("=[moonkeep]").call(host)
}

fn host_output(lua: &Lua, host: &Table, console: &Rc<RefCell<Console>>) -> mlua::Result<()> {
    let console = Rc::clone(console);
    let write = lua.create_function(move |_, text: mlua::LuaString| {
        console.borrow_mut().write(&text.as_bytes());
        Ok(())
    })?;
    host.set("write", write)
}
