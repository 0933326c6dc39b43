//! A run: one evaluation that may take many slices. The chunk runs on its own Lua
//! thread; the watchdog (crates/lua) makes that thread yield when a slice is used up,
//! so a host with an event loop (the browser) can draw, save and take a Stop click
//! between slices, and stops it when its time budget is spent.

use std::sync::atomic::Ordering;
use std::time::Duration;

use mlua::thread::ThreadStatus;
use mlua::{Function, MultiValue, Thread};
use moonkeep_lua::monotonic_seconds;

use super::{console, Evaluation, Vm};
use crate::error::{ErrorKind, LuaError};
use crate::inspect::{self, Node};
use crate::render;

/// An evaluation under way. Drive it with [`Vm::resume`] until it is finished.
pub struct Run {
    state: State,
    /// Output taken at pauses so far, as bytes and as text to show.
    raw_output: Vec<u8>,
    output: String,
    /// Seconds spent running (pauses excluded), for the time budget.
    used: f64,
}

enum State {
    /// The thread, and the chunk it is to call on its first resume.
    Running(Thread, Option<Function>),
    /// Compilation failed, or another run was under way: nothing to run.
    Failed(LuaError),
    Finished,
}

/// What one resume of a watched thread came to.
pub(super) enum Resumed {
    Paused,
    Returned(MultiValue),
    Failed(LuaError),
}

/// What [`Vm::resume`] ended with.
#[derive(Debug)]
pub enum Step {
    /// The slice is used up; resume again to go on.
    Paused,
    /// The run is over.
    Finished(Evaluation),
}

impl Run {
    /// Everything the run printed up to its last pause, as text to show (bytes that
    /// are not UTF-8 as `\xFF`).
    pub fn output(&self) -> &str {
        &self.output
    }
}

impl Vm {
    /// Starts evaluating `source` (see [`Vm::eval`]); nothing runs until
    /// [`Vm::resume`]. Only one run is under way at a time.
    ///
    /// A debug hook set by an earlier run is removed first: a hook that raises errors
    /// would otherwise fail every later run, `debug.sethook()` included.
    pub fn start(&self, source: &str, chunk: &str) -> Run {
        self.start_with(|| self.compile(source, chunk))
    }

    /// Starts running a script file as the stand-alone `lua` runs `lua FILE` (see
    /// [`Vm::eval_file`]).
    pub fn start_file(&self, source: &[u8], name: &str) -> Run {
        self.start_with(|| self.compile_file(source, name))
    }

    fn start_with(&self, compile: impl FnOnce() -> Result<Function, LuaError>) -> Run {
        let failed = |e| Run { state: State::Failed(e), output: String::new(), raw_output: Vec::new(), used: 0.0 };
        if self.running.get() {
            return failed(LuaError::host("another run is still under way: stop it or wait for it to finish"));
        }
        self.lua.remove_hook();
        self.console.borrow_mut().clear();
        self.watchdog.interrupt_flag().store(false, Ordering::Relaxed);
        let modules = self.modules.borrow_mut().refresh(&self.lua).map_err(|e| LuaError::from_mlua(&e));
        let started = modules.and_then(|()| compile()).and_then(|f| {
            let thread = self.lua.create_thread(self.library.entry().clone()).map_err(|e| LuaError::from_mlua(&e))?;
            Ok((thread, f))
        });
        match started {
            Ok((thread, f)) => {
                self.running.set(true);
                let _ = self.library.set_runner(Some(&thread));
                Run { state: State::Running(thread, Some(f)), output: String::new(), raw_output: Vec::new(), used: 0.0 }
            }
            Err(e) => failed(e),
        }
    }

    /// Runs `run` for at most `slice` of computing (all of it with `None`), then
    /// returns. A pause comes at the first point where the chunk can yield: inside a
    /// coroutine of the script's own, or a callback from C (`table.sort`'s comparator,
    /// `string.gsub`'s function), the run goes on to the end of that call.
    pub fn resume(&self, run: &mut Run, slice: Option<Duration>) -> Step {
        let (thread, chunk) = match std::mem::replace(&mut run.state, State::Finished) {
            State::Running(thread, chunk) => (thread, chunk),
            State::Failed(e) => return self.finish(run, Err(e)),
            State::Finished => {
                return self.finish(run, Err(LuaError::host("this run is already finished")));
            }
        };
        let started = monotonic_seconds();
        let pause_at = slice.map_or(f64::INFINITY, |s| started + s.as_secs_f64());
        let (halt_at, budget_message) = match self.time_budget.get() {
            Some(budget) => (
                started + (budget.as_secs_f64() - run.used).max(0.0),
                format!("run stopped: it used up its time budget of {}", seconds(budget)),
            ),
            None => (f64::INFINITY, String::new()),
        };
        let resumed = self.resume_watched(&thread, chunk, pause_at, halt_at, &budget_message);
        run.used += monotonic_seconds() - started;
        match resumed {
            Resumed::Paused => {
                let new = self.console.borrow_mut().take_new();
                run.output.push_str(&console::display(&new));
                run.raw_output.extend_from_slice(&new);
                run.state = State::Running(thread, None);
                Step::Paused
            }
            Resumed::Returned(values) => {
                let keeper = self.keeper.borrow();
                let shown = values.iter().map(|v| render::show(v, &keeper.raw.tostring)).collect();
                let trees = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| inspect::value_tree(&format!("({})", i + 1), v, &keeper.raw, &keeper.std))
                    .collect();
                drop(keeper);
                self.finish_with(run, Ok(shown), trees)
            }
            Resumed::Failed(e) => self.finish(run, Err(e)),
        }
    }

    /// Resumes `thread` (with `argument`, the first time) under the watchdog: it pauses
    /// at the first safe point after `pause_at` and halts with `halt_message` after
    /// `halt_at`. Anything but a pause ends the watch.
    pub(super) fn resume_watched(
        &self,
        thread: &Thread,
        argument: Option<Function>,
        pause_at: f64,
        halt_at: f64,
        halt_message: &str,
    ) -> Resumed {
        self.watchdog.watch(thread, pause_at, halt_at, halt_message);
        let result = thread.resume::<MultiValue>(argument);
        if self.watchdog.take_pause() && result.is_ok() && thread.status() == ThreadStatus::Resumable {
            return Resumed::Paused;
        }
        let halted = self.watchdog.halted().is_some();
        self.watchdog.finish(thread);
        match result {
            Ok(values) if thread.status() == ThreadStatus::Finished => Resumed::Returned(values),
            // The chunk itself called coroutine.yield: as in plain Lua, an error.
            Ok(_) => Resumed::Failed(LuaError::runtime("attempt to yield from outside a coroutine")),
            Err(e) => {
                let mut e = LuaError::from_mlua(&e);
                if halted {
                    e.kind = ErrorKind::Stopped;
                }
                Resumed::Failed(e)
            }
        }
    }

    fn finish(&self, run: &mut Run, result: Result<Vec<String>, LuaError>) -> Step {
        self.finish_with(run, result, Vec::new())
    }

    fn finish_with(&self, run: &mut Run, result: Result<Vec<String>, LuaError>, values: Vec<Node>) -> Step {
        self.running.set(false);
        let _ = self.library.flush();
        let _ = self.library.set_runner(None);
        run.state = State::Finished;
        let mut output = std::mem::take(&mut run.output);
        let mut raw_output = std::mem::take(&mut run.raw_output);
        let rest = self.console.borrow_mut().finish(&raw_output);
        output.push_str(&console::display(&rest));
        raw_output.extend_from_slice(&rest);
        Step::Finished(Evaluation { output, raw_output, result, values })
    }
}

/// "10 s", "1.5 s", "250 ms".
fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 {
        format!("{} ms", d.as_millis())
    } else {
        format!("{} s", (s * 10.0).round() / 10.0)
    }
}
