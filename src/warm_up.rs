//! Warms Lua's interpreter once the page is ready. V8 first runs wasm as baseline code
//! and cannot switch a running function to optimized code, and Lua runs a whole chunk
//! in one call of its interpreter loop: without this, the first Run after a page load
//! computes at baseline speed from start to end. A few milliseconds of Lua in a
//! throwaway VM, while the page is idle, get the loop and its helpers optimized first.
use leptos::prelude::*;
use moonkeep_engine::Vm;
use wasm_bindgen::JsCast;

/// Calls, arithmetic, table and string work: the paths most programs take.
const WARM_UP: &str = r#"
local function f(n) if n < 2 then return n end return f(n - 1) + f(n - 2) end
local t, s = {}, 0
for i = 1, 3000 do t[i] = { i, tostring(i) } s = s + #t[i][2] end
table.sort(t, function(a, b) return a[1] > b[1] end)
local parts = {}
for i = 1, 300 do parts[#parts + 1] = string.format("%d:%s", i, t[i][2]) end
return f(18) + s + #table.concat(parts, ",")
"#;

/// Warms the interpreter once, after `ready` (Run enabled) first turns true.
pub fn once_ready(ready: impl Fn() -> bool + 'static) {
    Effect::new(move |scheduled: Option<bool>| {
        if scheduled == Some(true) {
            return true;
        }
        let now = ready();
        if now {
            schedule();
        }
        now
    });
}

/// Runs the warm-up once the page is idle (after the current task where the browser
/// has no idle callbacks), then marks `moonkeep:warmed`.
fn schedule() {
    let warm = wasm_bindgen::closure::Closure::once_into_js(|| {
        if let Ok(vm) = Vm::new() {
            let _ = vm.eval(WARM_UP, "warm-up");
        }
        crate::mark("moonkeep:warmed");
    });
    let Some(window) = web_sys::window() else { return };
    if window.request_idle_callback(warm.unchecked_ref()).is_err() {
        let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(warm.unchecked_ref(), 0);
    }
}
