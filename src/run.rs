//! Run control: the one path every way of running takes (the Run button, Ctrl+Enter,
//! Shift+Enter, the console prompt). A run computes in slices of [`SLICE`]; between
//! slices the browser gets its event loop back (drawing, input, a Stop click), the
//! output so far is shown, and `Memory` is saved at least once a second.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use moonkeep_engine::{Evaluation, LuaError, Run, Step, Vm};

use crate::console::ConsoleLog;
use crate::now_ms;
use crate::persistence::Persistence;
use crate::scripts::Scripts;
use crate::settings::Preferences;

/// The chunk name errors and tracebacks use for the editor's code.
pub const CHUNK: &str = "main.lua";

/// The chunk name of what is typed at the console prompt.
pub const CONSOLE_CHUNK: &str = "console";

/// Code to run, and the editor line it starts on, so that an error's line can be
/// found in the editor when only a selection ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    pub text: String,
    pub first_line: u32,
}

impl Code {
    /// A whole buffer.
    pub fn whole(text: String) -> Code {
        Code { text, first_line: 1 }
    }
}

/// The editor line a failed run points at, and what went wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorMark {
    pub line: u32,
    pub message: String,
}

impl ErrorMark {
    /// Where `error` happened in the editor, if it happened in the code that ran
    /// (not in a function another chunk defined, nor in the host).
    pub fn of(error: &LuaError, code: &Code) -> Option<ErrorMark> {
        let location = error.location.as_ref().filter(|l| l.chunk == CHUNK)?;
        let prefix = format!("{}:{}:", location.chunk, location.line);
        let message = error.message.strip_prefix(&prefix).unwrap_or(&error.message).trim_start();
        Some(ErrorMark { line: location.line + code.first_line.max(1) - 1, message: message.to_owned() })
    }
}

/// Computing time per slice: short enough that a click is answered within a tenth of
/// a second, long enough that pauses cost little.
const SLICE: Duration = Duration::from_millis(40);

/// A run saves `Memory` at least this often.
const SAVE_EVERY: f64 = 1000.0;

/// Run control for the page, provided once by the app (context): the toolbar, the
/// editor, the console and the inspector read its signals and call its methods.
#[derive(Clone, Copy)]
pub struct Runner {
    /// The reactive view of [`Vm::running`], which is the one record of a run under
    /// way: copied from the Vm only when a run starts and when it ends.
    running: RwSignal<bool>,
    /// Output of the run under way, up to its last pause.
    live_output: RwSignal<String>,
    /// How many runs have finished.
    runs: RwSignal<u64>,
    /// The failing line of the last editor run, for the editor to mark.
    error: RwSignal<Option<ErrorMark>>,
    /// The Vm's interrupt flag: Stop raises it, the Vm ends the run at its next check.
    interrupt: StoredValue<Arc<AtomicBool>>,
    vm: StoredValue<Vm, LocalStorage>,
    /// The tabs, which `require` finds as they are when a run starts.
    scripts: RwSignal<Scripts>,
    persistence: Persistence,
    console: ConsoleLog,
}

impl Runner {
    pub fn new(
        vm: StoredValue<Vm, LocalStorage>,
        persistence: Persistence,
        console: ConsoleLog,
        preferences: Preferences,
        scripts: RwSignal<Scripts>,
    ) -> Runner {
        let runner = Runner {
            running: RwSignal::new(false),
            live_output: RwSignal::new(String::new()),
            runs: RwSignal::new(0),
            error: RwSignal::new(None),
            interrupt: StoredValue::new(vm.with_value(Vm::interrupt_flag)),
            vm,
            scripts,
            persistence,
            console,
        };
        Effect::new(move |_| {
            let seconds = preferences.time_budget();
            vm.with_value(|vm| vm.set_time_budget((seconds > 0).then(|| Duration::from_secs(seconds.into()))));
        });
        runner
    }

    pub fn running(self) -> bool {
        self.running.get()
    }

    /// `running`, without subscribing to it (for event handlers and effects).
    pub fn running_now(self) -> bool {
        self.running.get_untracked()
    }

    pub fn live_output(self) -> String {
        self.live_output.get()
    }

    /// How many runs have finished.
    pub fn runs(self) -> u64 {
        self.runs.get()
    }

    /// Subscribes the caller to everything a run shows as it goes and when it ends.
    pub fn track_output(self) {
        self.runs.track();
        self.live_output.track();
    }

    pub fn error(self) -> Option<ErrorMark> {
        self.error.get()
    }

    /// Whether Memory has been restored (nothing may run before).
    pub fn restored(self) -> bool {
        self.persistence.restored()
    }

    /// Whether code may run now: Memory restored and no run under way.
    pub fn ready(self) -> bool {
        self.persistence.restored() && !self.running.get()
    }

    /// Runs the editor's `code` (errors say "main.lua:line:"; the failing line is
    /// marked in the editor).
    pub fn run(self, code: Code) {
        let text = code.text.clone();
        self.start(text, CHUNK, CHUNK.to_owned(), Some(code));
    }

    /// Runs what was typed at the console prompt.
    pub fn run_in_console(self, source: String) {
        let label = format!("> {source}");
        self.start(source, CONSOLE_CHUNK, label, None);
    }

    /// The editor shows another script: the last run's mark does not belong to it.
    pub fn forget_error(self) {
        self.error.set(None);
    }

    /// Runs `source` as chunk `chunk` in the background; the console lists it under
    /// `label`. `code` is the editor's, when the editor ran it.
    fn start(self, source: String, chunk: &'static str, label: String, code: Option<Code>) {
        if !self.persistence.restored_now() || self.running_now() {
            return;
        }
        self.console.begin(label);
        self.persistence.made_by(chunk, &source);
        self.error.set(None);
        let modules = self.scripts.with_untracked(Scripts::modules);
        let run = self.vm.with_value(|vm| {
            vm.set_workspace(modules);
            vm.start(&source, chunk)
        });
        self.copy_running();
        self.live_output.set(String::new());
        leptos::task::spawn_local(async move {
            // A tab that follows another takes Memory over, up to date, before running.
            self.persistence.own().await;
            let evaluation = self.drive(run).await;
            let mark = code.and_then(|code| evaluation.result.as_ref().err().and_then(|e| ErrorMark::of(e, &code)));
            self.error.set(mark);
            self.live_output.set(String::new());
            self.console.finish(evaluation);
            self.runs.update(|n| *n += 1);
            self.copy_running();
            crate::mark("moonkeep:run-finished");
            self.persistence.save();
        });
    }

    /// Asks the run under way to stop; it ends with an "interrupted" error at the line
    /// it reached, keeping what it did to globals and `Memory` until then.
    pub fn stop(self) {
        if self.running_now() {
            self.interrupt.with_value(|flag| flag.store(true, Ordering::Relaxed));
        }
    }

    fn copy_running(self) {
        self.running.set(self.vm.with_value(Vm::running));
    }

    async fn drive(self, mut run: Run) -> Evaluation {
        let mut last_save = now_ms();
        loop {
            match self.vm.with_value(|vm| vm.resume(&mut run, Some(SLICE))) {
                Step::Finished(evaluation) => return evaluation,
                Step::Paused => {
                    // A silent stretch changes nothing on screen: setting the same text
                    // again would redraw the console and scroll it after every slice.
                    if self.live_output.with_untracked(|shown| shown != run.output()) {
                        self.live_output.set(run.output().to_owned());
                    }
                    if now_ms() - last_save >= SAVE_EVERY {
                        self.persistence.save_during_run();
                        last_save = now_ms();
                    }
                    crate::event_loop::next_task().await;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(source: &str) -> LuaError {
        Vm::new().unwrap().eval(source, CHUNK).result.unwrap_err()
    }

    #[test]
    fn a_runtime_error_marks_its_line_with_the_message() {
        let code = Code::whole("local x = 1\nlocal y = nil + x\n".into());
        let mark = ErrorMark::of(&error(&code.text), &code).unwrap();
        assert_eq!(mark, ErrorMark { line: 2, message: "attempt to perform arithmetic on a nil value".into() });
    }

    #[test]
    fn a_syntax_error_marks_its_line() {
        let code = Code::whole("print(1)\n\nx = = 2".into());
        let mark = ErrorMark::of(&error(&code.text), &code).unwrap();
        assert_eq!(mark.line, 3);
        assert!(mark.message.contains("unexpected symbol near '='"), "{}", mark.message);
    }

    #[test]
    fn a_selection_maps_back_to_its_place_in_the_buffer() {
        let code = Code { text: "print(1)\nerror('here')".into(), first_line: 10 };
        let mark = ErrorMark::of(&error(&code.text), &code).unwrap();
        assert_eq!(mark, ErrorMark { line: 11, message: "here".into() });
    }

    #[test]
    fn errors_elsewhere_mark_nothing() {
        let code = Code::whole("load('error(\"in another chunk\")', '=other.lua')()".into());
        assert_eq!(ErrorMark::of(&error(&code.text), &code), None);
        let code = Code::whole("error('no place', 0)".into());
        assert_eq!(ErrorMark::of(&error(&code.text), &code), None);
    }
}
