//! Running code: the one path every way of running takes (the Run button, Ctrl+Enter,
//! Shift+Enter, the console prompt). A run computes in slices of [`SLICE`]; between
//! slices the browser gets its event loop back (drawing, input, a Stop click), the
//! output so far is shown, and `Memory` is saved at least once a second.

use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use gloo_storage::Storage;
use leptos::prelude::*;
use moonkeep_engine::{Evaluation, LuaError, Step, Vm};

use crate::autosave::Autosave;
use crate::now_ms;

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

/// Budget for one run unless the user chose another.
pub const DEFAULT_BUDGET_SECONDS: u32 = 30;

/// Where the chosen budget is kept between visits.
const BUDGET_KEY: &str = "moonkeep.time-budget";

/// Finished runs the console keeps above the latest one.
const LOG_ENTRIES: usize = 200;
/// Output an older console entry keeps: the latest run's is whole (up to the engine's
/// 1 MiB cap), older ones are cut so the page stays light.
const LOG_ENTRY_OUTPUT: usize = 64 * 1024;

/// A finished run as the console lists it.
#[derive(Clone, PartialEq)]
pub struct Entry {
    /// What ran: "main.lua" for the editor, the input for the console prompt.
    pub label: String,
    pub evaluation: Evaluation,
}

/// The session's run state, shared by the toolbar, the editor and the console.
#[derive(Clone, Copy)]
pub struct Runner {
    /// A run is under way.
    pub running: RwSignal<bool>,
    /// Output of the run under way, up to its last pause.
    pub live_output: RwSignal<String>,
    /// The last finished run (or the one under way), and how many have finished.
    pub last: RwSignal<Option<Evaluation>>,
    pub label: RwSignal<String>,
    pub runs: RwSignal<u64>,
    /// Earlier runs, oldest first.
    pub log: RwSignal<Vec<Entry>>,
    /// Seconds a run may compute before it is stopped; 0 = no limit.
    pub budget_seconds: RwSignal<u32>,
    /// The failing line of the last editor run, for the editor to mark.
    pub error: RwSignal<Option<ErrorMark>>,
    stop: StoredValue<Rc<Cell<bool>>, LocalStorage>,
    vm: StoredValue<Vm, LocalStorage>,
    autosave: Autosave,
}

impl Runner {
    pub fn new(vm: StoredValue<Vm, LocalStorage>, autosave: Autosave) -> Runner {
        let budget = gloo_storage::LocalStorage::get::<u32>(BUDGET_KEY).unwrap_or(DEFAULT_BUDGET_SECONDS);
        let runner = Runner {
            running: RwSignal::new(false),
            live_output: RwSignal::new(String::new()),
            last: RwSignal::new(None),
            label: RwSignal::new(String::new()),
            runs: RwSignal::new(0),
            log: RwSignal::new(Vec::new()),
            budget_seconds: RwSignal::new(budget),
            error: RwSignal::new(None),
            stop: StoredValue::new_local(Rc::new(Cell::new(false))),
            vm,
            autosave,
        };
        Effect::new(move |_| {
            let seconds = runner.budget_seconds.get();
            let _ = gloo_storage::LocalStorage::set(BUDGET_KEY, seconds);
            vm.with_value(|vm| vm.set_time_budget((seconds > 0).then(|| Duration::from_secs(seconds.into()))));
        });
        runner
    }

    /// Whether Memory has been restored (nothing may run before).
    pub fn restored(self) -> bool {
        self.autosave.ready.get()
    }

    /// Whether code may run now: Memory restored and no run under way.
    pub fn ready(self) -> bool {
        self.autosave.ready.get() && !self.running.get()
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

    /// Runs `source` as chunk `chunk` in the background; the console lists it under
    /// `label`. `code` is the editor's, when the editor ran it.
    fn start(self, source: String, chunk: &'static str, label: String, code: Option<Code>) {
        if !self.autosave.ready.get_untracked() || self.running.get_untracked() {
            return;
        }
        if let Some(evaluation) = self.last.get_untracked() {
            let label = self.label.get_untracked();
            self.log.update(|log| {
                log.push(Entry { label, evaluation: shortened(evaluation) });
                let excess = log.len().saturating_sub(LOG_ENTRIES);
                log.drain(..excess);
            });
            self.last.set(None);
        }
        self.label.set(label);
        self.error.set(None);
        self.running.set(true);
        self.live_output.set(String::new());
        self.stop.with_value(|s| s.set(false));
        leptos::task::spawn_local(async move {
            let evaluation = self.drive(&source, chunk).await;
            let mark = code.and_then(|code| evaluation.result.as_ref().err().and_then(|e| ErrorMark::of(e, &code)));
            self.error.set(mark);
            self.live_output.set(String::new());
            self.last.set(Some(evaluation));
            self.runs.update(|n| *n += 1);
            self.running.set(false);
            crate::mark("moonkeep:run-finished");
            self.autosave.save(self.vm);
        });
    }

    /// Empties the console (the run under way, if any, goes on).
    pub fn clear(self) {
        self.log.set(Vec::new());
        if !self.running.get_untracked() {
            self.last.set(None);
            self.label.set(String::new());
        }
    }

    /// Asks the run under way to stop; it ends with an "interrupted" error at the line
    /// it reached, keeping what it did to globals and `Memory` until then.
    pub fn stop(self) {
        if self.running.get_untracked() {
            self.stop.with_value(|s| s.set(true));
        }
    }

    async fn drive(self, source: &str, chunk: &str) -> Evaluation {
        let mut run = self.vm.with_value(|vm| vm.start(source, chunk));
        let mut last_save = now_ms();
        loop {
            let stop = self.stop.with_value(|s| s.get());
            let step = self.vm.with_value(|vm| {
                if stop {
                    vm.interrupt_flag().store(true, Ordering::Relaxed);
                }
                vm.resume(&mut run, Some(SLICE))
            });
            match step {
                Step::Finished(evaluation) => return evaluation,
                Step::Paused => {
                    // A silent stretch changes nothing on screen: setting the same text
                    // again would redraw the console and scroll it after every slice.
                    if self.live_output.with_untracked(|shown| shown != run.output()) {
                        self.live_output.set(run.output().to_owned());
                    }
                    if now_ms() - last_save >= SAVE_EVERY {
                        self.autosave.save(self.vm);
                        last_save = now_ms();
                    }
                    crate::event_loop::next_task().await;
                }
            }
        }
    }
}

fn shortened(mut evaluation: Evaluation) -> Evaluation {
    if evaluation.output.len() > LOG_ENTRY_OUTPUT {
        let mut end = LOG_ENTRY_OUTPUT;
        while !evaluation.output.is_char_boundary(end) {
            end -= 1;
        }
        let cut = evaluation.output.len() - end;
        evaluation.output.truncate(end);
        evaluation.output.push_str(&format!("\n[{cut} more bytes not kept in the console history]\n"));
    }
    evaluation
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
