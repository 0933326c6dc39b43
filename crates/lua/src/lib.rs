//! The Lua state Moonkeep runs, on every target.
//!
//! This crate is the one place where Moonkeep touches C and `unsafe`. On
//! `wasm32-unknown-unknown`, `build.rs` compiles Lua 5.4 and `csrc/wasm_rt.c`
//! (setjmp/longjmp over WebAssembly exceptions, WASI stubs), and the `wasm` module
//! below holds the Rust ends of that runtime. On every target `build.rs` compiles Lua
//! itself, with the interpreter-loop patch the [`Watchdog`] relies on.
//! Everything above this crate uses mlua's safe API.

use mlua::{Lua, LuaOptions, StdLib};

#[cfg(target_arch = "wasm32")]
mod heap;
pub mod playground;
pub mod rebuild;
pub mod seal;
pub mod walk;
mod watchdog;
pub use watchdog::{Halt, Watchdog};

/// Where the unpatched Lua 5.4.9 sources are (the `lua-src` crate's): the engine's
/// conformance tests build stock Lua from them as their oracle.
#[doc(hidden)]
pub const STOCK_LUA_SOURCES: &str = env!("MOONKEEP_STOCK_LUA_SOURCES");

/// A new Lua 5.4 state with the standard libraries, `debug` included.
///
/// mlua calls loading `debug` unsafe because it can reach values mlua relies on (the
/// registry, upvalues of Rust callbacks). The engine's playground library closes
/// those doors (`debug.getregistry`, and the upvalues of C functions) before any user
/// code runs, which is what makes offering `debug` sound.
pub fn new_state() -> Lua {
    #[cfg(target_arch = "wasm32")]
    wasm::init();
    let libs = StdLib::ALL_SAFE | StdLib::DEBUG;
    // SAFETY: see above; the engine restricts `debug` before running user code.
    unsafe { Lua::unsafe_new_with(libs, LuaOptions::new()) }
}

/// The key C files a state's host data under (`G(L)`): the same for all its threads.
pub(crate) fn state_key(lua: &Lua) -> usize {
    extern "C" {
        fn moonkeep_watchdog_key(state: *mut mlua::ffi::lua_State) -> *mut std::ffi::c_void;
    }
    // SAFETY: exec_raw lends a valid state pointer for the closure's duration.
    unsafe {
        let mut key = 0usize;
        let _ = lua.exec_raw::<()>((), |state| key = moonkeep_watchdog_key(state) as usize);
        key
    }
}

/// Seconds on a monotonic clock with sub-millisecond resolution (`performance.now()` in
/// the browser), for `os.clock` and benchmarks.
pub fn monotonic_seconds() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        wasm::performance_now() / 1000.0
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        use std::sync::OnceLock;
        use std::time::Instant;
        static EPOCH: OnceLock<Instant> = OnceLock::new();
        EPOCH.get_or_init(Instant::now).elapsed().as_secs_f64()
    }
}

/// Whether libc lacks the user's time zone and [`utc_offset_seconds`] must supply it.
/// True in the browser, where libc knows only UTC; natively libc reads the zone itself.
pub fn has_host_time_zone() -> bool {
    cfg!(target_arch = "wasm32")
}

/// Seconds east of UTC in the user's time zone at Unix time `t` (daylight saving
/// included). Only meaningful where [`has_host_time_zone`] is true; 0 elsewhere.
pub fn utc_offset_seconds(t: f64) -> i64 {
    #[cfg(target_arch = "wasm32")]
    {
        wasm::utc_offset_seconds(t)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = t;
        0
    }
}

#[cfg(target_arch = "wasm32")]
mod wasm {
    use std::sync::Once;
    use wasm_bindgen::prelude::*;

    // Lua itself links through mlua-sys (feature `external`); naming the crate keeps
    // that dependency, and with it the `external` feature, in the build.
    use mlua_sys as _;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = console, js_name = log)]
        fn console_log(text: &str);
        #[wasm_bindgen(js_namespace = console, js_name = error)]
        fn console_error(text: &str);
        #[wasm_bindgen(js_namespace = performance, js_name = now)]
        pub(crate) fn performance_now() -> f64;

        type Date;
        #[wasm_bindgen(static_method_of = Date)]
        fn now() -> f64;
        #[wasm_bindgen(constructor)]
        fn new(ms: f64) -> Date;
        #[wasm_bindgen(method, js_name = getTimezoneOffset)]
        fn get_timezone_offset(this: &Date) -> f64;
    }

    pub(crate) fn utc_offset_seconds(t: f64) -> i64 {
        // getTimezoneOffset is minutes *west* of UTC.
        -(Date::new(t * 1000.0).get_timezone_offset() * 60.0) as i64
    }

    extern "C" {
        /// Synthesised by wasm-ld: runs C constructors (wasi-libc has one). Referencing it
        /// also stops wasm-ld from wrapping every export in constructor/destructor calls.
        fn __wasm_call_ctors();
    }

    pub(crate) fn init() {
        static CTORS: Once = Once::new();
        // SAFETY: runs the module's C constructors exactly once, before any C code runs.
        CTORS.call_once(|| unsafe { __wasm_call_ctors() });
    }

    /// Bytes C wrote to stdout or stderr. The engine routes Lua's `print` and `io.write`
    /// itself, so only stray C output (Lua's `warn`) lands here: it goes to the console.
    #[no_mangle]
    pub unsafe extern "C" fn lua_wasm_host_write(fd: i32, bytes: *const u8, len: usize) {
        if bytes.is_null() || len == 0 {
            return;
        }
        // SAFETY: the C caller passes a live buffer of `len` bytes.
        let bytes = unsafe { std::slice::from_raw_parts(bytes, len) };
        let text = String::from_utf8_lossy(bytes);
        if fd == 2 {
            console_error(&text);
        } else {
            console_log(&text);
        }
    }

    /// Wall clock in nanoseconds since the Unix epoch, for `time()` (`os.time`, `os.date`).
    #[no_mangle]
    pub extern "C" fn lua_wasm_host_time_ns() -> u64 {
        (Date::now() * 1_000_000.0) as u64
    }
}
