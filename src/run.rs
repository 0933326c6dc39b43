//! Running code: the one path every way of running takes (the Run button, Ctrl+Enter,
//! Shift+Enter), so that how a run happens can change in one place.

use leptos::prelude::*;
use moonkeep_engine::{Evaluation, LuaError, Vm};

use crate::autosave::Autosave;

/// The chunk name errors and tracebacks use for the editor's code.
pub const CHUNK: &str = "main.lua";

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

/// The session's runs: what the last one gave and how many there were.
#[derive(Clone, Copy)]
pub struct Runner {
    vm: StoredValue<Vm, LocalStorage>,
    autosave: Autosave,
    pub last: RwSignal<Option<Evaluation>>,
    /// Counts runs; tests wait on it (`data-runs`).
    pub runs: RwSignal<u64>,
    /// The failing line of the last run, for the editor to mark.
    pub error: RwSignal<Option<ErrorMark>>,
}

impl Runner {
    pub fn new(vm: StoredValue<Vm, LocalStorage>, autosave: Autosave) -> Runner {
        Runner { vm, autosave, last: RwSignal::new(None), runs: RwSignal::new(0), error: RwSignal::new(None) }
    }

    /// Whether code may run (Memory is restored).
    pub fn ready(self) -> bool {
        self.autosave.ready.get()
    }

    /// Runs `code` against the session's Memory, shows the result and saves.
    pub fn run(self, code: Code) {
        if !self.autosave.ready.get_untracked() {
            return; // Memory is still being restored
        }
        let evaluation = self.vm.with_value(|vm| vm.eval(&code.text, CHUNK));
        self.error.set(evaluation.result.as_ref().err().and_then(|e| ErrorMark::of(e, &code)));
        self.last.set(Some(evaluation));
        self.runs.update(|n| *n += 1);
        self.autosave.save(self.vm);
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
