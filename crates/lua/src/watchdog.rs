//! The Rust half of the watchdog (csrc/watchdog.c): decides when a run on a Lua
//! thread pauses (yields back to its host, so a browser can breathe) or halts (a time
//! budget spent, or an interrupt such as Ctrl+C or a Stop button).
//!
//! The patched interpreter loop calls in every `countdown` function entries and
//! backward jumps. The countdown adapts so that calls come about once a millisecond:
//! reading the clock that often costs nothing measurable, and a pause comes within a
//! couple of milliseconds of its time.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, c_int, c_void, CString};
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};

use mlua::ffi::lua_State;
use mlua::{Lua, Thread};

use crate::monotonic_seconds;

const KEEP_GOING: c_int = 0;
const PAUSE: c_int = 1;
const HALT: c_int = 2;

/// Seconds between ticks the countdown aims at.
const TICK_SPACING: f64 = 0.001;
const FIRST_COUNTDOWN: c_int = 256;
const MAX_COUNTDOWN: c_int = 1 << 20;
/// While no run is watched the loop should not call in at all.
const IDLE_COUNTDOWN: c_int = 1 << 30;

type TickFn = unsafe extern "C" fn(*mut c_void, *mut lua_State, c_int, *mut c_int) -> c_int;
type DecideFn = unsafe extern "C" fn(*mut c_void, *mut lua_State, c_int) -> c_int;
type MessageFn = unsafe extern "C" fn(*mut c_void) -> *const c_char;

extern "C" {
    fn moonkeep_watchdog_install(tick: TickFn, decide: DecideFn, message: MessageFn);
    fn moonkeep_watchdog_key(state: *mut lua_State) -> *mut c_void;
    fn moonkeep_watchdog_set_countdown(n: c_int);
    fn moonkeep_watchdog_release(state: *mut lua_State);
}

/// Why a run was halted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Halt {
    /// It ran past the time it was given.
    TimeBudget,
    /// Its interrupt flag was raised.
    Interrupted,
}

/// One Lua state's watchdog. Watches at most one run (thread) at a time.
pub struct Watchdog {
    shared: Rc<Shared>,
}

struct Shared {
    key: usize,
    /// The watched thread's `lua_State`, 0 when no run is watched. Only this thread
    /// pauses: a yield from a coroutine the script resumed itself would go to the script.
    runner: Cell<usize>,
    pause_at: Cell<f64>,
    halt_at: Cell<f64>,
    halted: Cell<Option<Halt>>,
    paused: Cell<bool>,
    interrupt: Arc<AtomicBool>,
    messages: Messages,
    countdown: Cell<c_int>,
    last_tick: Cell<f64>,
}

struct Messages {
    time_budget: RefCell<CString>,
    interrupted: CString,
}

thread_local! {
    static WATCHED: RefCell<Vec<Weak<Shared>>> = const { RefCell::new(Vec::new()) };
}

impl Watchdog {
    /// The watchdog of `lua`'s state. Create one per state.
    pub fn attach(lua: &Lua) -> Watchdog {
        static INSTALL: Once = Once::new();
        // SAFETY: the three functions match the C declarations in csrc/watchdog.c.
        INSTALL.call_once(|| unsafe { moonkeep_watchdog_install(on_tick, on_decide, on_message) });
        // SAFETY: exec_raw lends a valid state pointer for the closure's duration.
        let key = unsafe {
            let mut key = 0usize;
            let _ = lua.exec_raw::<()>((), |state| key = moonkeep_watchdog_key(state) as usize);
            key
        };
        let shared = Rc::new(Shared {
            key,
            runner: Cell::new(0),
            pause_at: Cell::new(f64::INFINITY),
            halt_at: Cell::new(f64::INFINITY),
            halted: Cell::new(None),
            paused: Cell::new(false),
            interrupt: Arc::new(AtomicBool::new(false)),
            messages: Messages {
                time_budget: RefCell::new(CString::default()),
                interrupted: CString::new("interrupted").expect("no NUL"),
            },
            countdown: Cell::new(FIRST_COUNTDOWN),
            last_tick: Cell::new(0.0),
        });
        WATCHED.with_borrow_mut(|watched| {
            watched.retain(|w| w.strong_count() > 0);
            watched.push(Rc::downgrade(&shared));
        });
        Watchdog { shared }
    }

    /// Watches a run on `thread` until [`Watchdog::finish`]: it yields at the first
    /// safe point after `pause_at` (seconds on [`monotonic_seconds`]'s clock) and
    /// raises `"chunk:line: <budget_message>"` after `halt_at`. Either may be infinite.
    pub fn watch(&self, thread: &Thread, pause_at: f64, halt_at: f64, budget_message: &str) {
        let s = &self.shared;
        s.runner.set(thread.to_pointer() as usize);
        s.pause_at.set(pause_at);
        s.halt_at.set(halt_at);
        s.paused.set(false);
        *s.messages.time_budget.borrow_mut() = CString::new(budget_message.replace('\0', " ")).expect("NULs replaced");
        s.last_tick.set(monotonic_seconds());
        s.countdown.set(FIRST_COUNTDOWN);
        // SAFETY: sets a plain C integer on this thread.
        unsafe { moonkeep_watchdog_set_countdown(FIRST_COUNTDOWN) };
    }

    /// Whether the run's last yield was the watchdog's pause (rather than the script
    /// calling `coroutine.yield` outside any coroutine of its own). Clears the mark.
    pub fn take_pause(&self) -> bool {
        self.shared.paused.replace(false)
    }

    /// Why the watched run was halted, if it was.
    pub fn halted(&self) -> Option<Halt> {
        self.shared.halted.get()
    }

    /// Raising this flag (from any thread, a signal handler's helper included) halts
    /// the run being watched at its next tick.
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        self.shared.interrupt.clone()
    }

    /// The run on `thread` is over (or abandoned): stop watching and take the
    /// watchdog's hook off the thread.
    pub fn finish(&self, thread: &Thread) {
        let s = &self.shared;
        s.runner.set(0);
        s.pause_at.set(f64::INFINITY);
        s.halt_at.set(f64::INFINITY);
        s.halted.set(None);
        s.paused.set(false);
        s.interrupt.store(false, Ordering::Relaxed);
        // SAFETY: `thread` keeps its lua_State alive; release only touches its hook.
        unsafe { moonkeep_watchdog_release(thread.to_pointer() as *mut lua_State) };
    }
}

fn find(key: *mut c_void) -> Option<Rc<Shared>> {
    WATCHED.with_borrow(|watched| watched.iter().filter_map(Weak::upgrade).find(|s| s.key == key as usize))
}

impl Shared {
    /// HALT, PAUSE or KEEP_GOING for `state` at this moment.
    fn verdict(&self, state: *mut lua_State, yieldable: c_int, now: f64) -> c_int {
        if self.halted.get().is_none() {
            if self.interrupt.load(Ordering::Relaxed) {
                self.halted.set(Some(Halt::Interrupted));
            } else if now >= self.halt_at.get() {
                self.halted.set(Some(Halt::TimeBudget));
            }
        }
        if self.halted.get().is_some() {
            HALT
        } else if now >= self.pause_at.get() && state as usize == self.runner.get() && yieldable != 0 {
            PAUSE
        } else {
            KEEP_GOING
        }
    }
}

unsafe extern "C" fn on_tick(
    key: *mut c_void,
    state: *mut lua_State,
    yieldable: c_int,
    countdown: *mut c_int,
) -> c_int {
    let next;
    let verdict = match find(key) {
        Some(s) if s.runner.get() != 0 => {
            let now = monotonic_seconds();
            let spacing = now - s.last_tick.replace(now);
            // Scale toward the spacing aimed at: down at once, up at most twofold.
            let scale = (TICK_SPACING / spacing.max(1e-9)).min(2.0);
            let n = (s.countdown.get() as f64 * scale).clamp(1.0, MAX_COUNTDOWN as f64) as c_int;
            s.countdown.set(n);
            next = n;
            s.verdict(state, yieldable, now)
        }
        _ => {
            next = IDLE_COUNTDOWN;
            KEEP_GOING
        }
    };
    // SAFETY: the C caller passes its countdown's address.
    unsafe { *countdown = next };
    verdict
}

unsafe extern "C" fn on_decide(key: *mut c_void, state: *mut lua_State, yieldable: c_int) -> c_int {
    match find(key) {
        Some(s) if s.runner.get() != 0 => {
            let verdict = s.verdict(state, yieldable, monotonic_seconds());
            if verdict == PAUSE {
                s.paused.set(true);
                s.pause_at.set(f64::INFINITY);
            }
            verdict
        }
        _ => KEEP_GOING,
    }
}

unsafe extern "C" fn on_message(key: *mut c_void) -> *const c_char {
    static UNKNOWN: &std::ffi::CStr = c"halted";
    match find(key) {
        // The pointer stays valid after `s` is dropped: the Vm owning the watchdog
        // (and so the string) outlives the hook that reads it.
        Some(s) => match s.halted.get() {
            Some(Halt::Interrupted) => s.messages.interrupted.as_ptr(),
            _ => s.messages.time_budget.borrow().as_ptr(),
        },
        None => UNKNOWN.as_ptr(),
    }
}
