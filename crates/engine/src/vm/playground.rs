//! Installs Moonkeep's standard library (crates/lua: `moonkeep_lua::playground`, in C)
//! with the run's output going to the console.

use std::cell::RefCell;
use std::rc::Rc;

use mlua::Lua;
use moonkeep_lua::playground::Library;

use super::console::Console;

pub(super) fn install(lua: &Lua, console: &Rc<RefCell<Console>>) -> mlua::Result<Library> {
    let console = Rc::clone(console);
    Library::install(
        lua,
        Rc::new(RefCell::new(move |bytes: &[u8]| {
            // Never borrowed while Lua runs; a panic here would cross C.
            if let Ok(mut console) = console.try_borrow_mut() {
                console.write(bytes);
            }
        })),
    )
}
