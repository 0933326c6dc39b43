//! Moonkeep's standard library, installed on a state: stock Lua 5.4 with what a browser
//! cannot do replaced on purpose (csrc/playground.c says what and why). Every
//! replacement is a C function, and none calls Rust through mlua: the run's output
//! reaches the host through a plain C callback, so a finalizer that prints while the
//! state closes, natively or in wasm, finds nothing gone.

use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_longlong, c_void};
use std::rc::Rc;
use std::sync::Once;

use mlua::ffi::lua_State;
use mlua::{Function, Lua, Result};

use crate::seal;

type WriteFn = unsafe extern "C" fn(*mut c_void, *const c_char, usize);
type ClockFn = extern "C" fn() -> f64;
type OffsetFn = extern "C" fn(f64) -> c_longlong;

extern "C" {
    fn moonkeep_playground_host(write: WriteFn, clock: ClockFn, offset: OffsetFn);
}

extern "C-unwind" {
    fn moonkeep_playground_open(state: *mut lua_State) -> c_int;
    fn moonkeep_playground_set_runner(state: *mut lua_State) -> c_int;
    fn moonkeep_playground_flush(state: *mut lua_State) -> c_int;
    fn moonkeep_run_entry(state: *mut lua_State) -> c_int;
}

/// Where a state's output goes.
pub type Sink = Rc<RefCell<dyn FnMut(&[u8])>>;

thread_local! {
    /// Each installed state's sink, by its key (the C side's `G(L)`).
    static SINKS: RefCell<Vec<(usize, Sink)>> = const { RefCell::new(Vec::new()) };
}

/// The library installed on one state. Its streams live as long as the state; output
/// written once the library is dropped (by finalizers, while the state closes) is
/// dropped too.
pub struct Library {
    key: usize,
    set_runner: Function,
    flush: Function,
    entry: Function,
}

impl Library {
    /// Installs the library on `lua`; everything `print`, `io.write` and
    /// `io.stdout`/`io.stderr` write goes to `sink`.
    pub fn install(lua: &Lua, sink: Sink) -> Result<Library> {
        static HOST: Once = Once::new();
        // SAFETY: the three functions match the C declarations in csrc/playground.h.
        HOST.call_once(|| unsafe { moonkeep_playground_host(on_write, on_clock, on_offset) });
        let key = crate::state_key(lua);
        SINKS.with_borrow_mut(|sinks| sinks.push((key, sink)));
        let (dump, load) = seal::bytecode_seal(lua)?;
        // SAFETY: these are lua_CFunctions that use only the C API and raise errors
        // through it (csrc/playground.c); mlua calls them as it calls any C function.
        let (open, set_runner, flush, entry) = unsafe {
            (
                lua.create_c_function(moonkeep_playground_open)?,
                lua.create_c_function(moonkeep_playground_set_runner)?,
                lua.create_c_function(moonkeep_playground_flush)?,
                lua.create_c_function(moonkeep_run_entry)?,
            )
        };
        let library = Library { key, set_runner, flush, entry };
        open.call::<()>((load, dump))?;
        Ok(library)
    }

    /// Tells the library which thread runs the script (`None` between runs): to the
    /// script that thread is the main one, as under the stand-alone `lua`.
    pub fn set_runner(&self, thread: Option<&mlua::Thread>) -> Result<()> {
        self.set_runner.call(thread)
    }

    /// Hands the host whatever the script's streams still buffer (a script may choose
    /// full buffering with `io.stdout:setvbuf`).
    pub fn flush(&self) -> Result<()> {
        self.flush.call(())
    }

    /// The function a run's thread starts with, the chunk as its argument: the chunk
    /// is then called from C, as `lua` calls a script.
    pub fn entry(&self) -> &Function {
        &self.entry
    }
}

impl Drop for Library {
    fn drop(&mut self) {
        SINKS.with_borrow_mut(|sinks| sinks.retain(|(key, _)| *key != self.key));
    }
}

unsafe extern "C" fn on_write(key: *mut c_void, bytes: *const c_char, len: usize) {
    if bytes.is_null() || len == 0 {
        return;
    }
    // SAFETY: the C caller passes a live buffer of `len` bytes.
    let bytes = unsafe { std::slice::from_raw_parts(bytes.cast::<u8>(), len) };
    let sink = SINKS.with_borrow(|sinks| sinks.iter().rev().find(|(k, _)| *k == key as usize).map(|(_, s)| s.clone()));
    // A sink busy further up the stack (it never calls Lua, so only a bug could do
    // that) loses the bytes rather than panicking across C.
    if let Some(sink) = sink {
        if let Ok(mut write) = sink.try_borrow_mut() {
            write(bytes);
        }
    }
}

extern "C" fn on_clock() -> f64 {
    crate::monotonic_seconds()
}

extern "C" fn on_offset(t: f64) -> c_longlong {
    crate::utc_offset_seconds(t)
}
