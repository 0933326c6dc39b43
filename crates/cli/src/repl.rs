//! `moonkeep repl` on a terminal: a line editor (rustyline) with Emacs keys, history
//! kept across sessions in a file beside the database, and multi-line entries (Enter
//! on an unfinished chunk goes on to the next line, as `lua -i` does).

use std::path::{Path, PathBuf};
use std::rc::Rc;

use moonkeep_engine::Vm;
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Config, Context, Editor, Helper};

/// Entries the history keeps.
const HISTORY: usize = 1000;

/// What the user entered.
pub enum Entry {
    /// A chunk, complete (or beyond repair: the VM says which).
    Chunk(String),
    /// Ctrl+D on an empty line: the end.
    End,
}

/// The terminal's line editor, its history file and whether writing it has failed
/// (said once, never fatal).
pub struct LineEditor {
    editor: Editor<LuaLines, DefaultHistory>,
    history: PathBuf,
    history_failed: bool,
}

impl LineEditor {
    pub fn new(vm: Rc<Vm>, history: PathBuf) -> Result<LineEditor, String> {
        let config = Config::builder()
            .max_history_size(HISTORY)
            .map_err(|e| format!("cannot set up the line editor: {e}"))?
            .auto_add_history(false)
            .build();
        let mut editor = Editor::with_config(config).map_err(|e| format!("cannot set up the line editor: {e}"))?;
        editor.set_helper(Some(LuaLines { vm }));
        let mut line_editor = LineEditor { editor, history, history_failed: false };
        if line_editor.history.exists() {
            if let Err(e) = line_editor.editor.load_history(&line_editor.history) {
                line_editor.warn("read", &e);
            }
        }
        Ok(line_editor)
    }

    /// The next entry. Ctrl+C clears the line being edited and asks again.
    pub fn read(&mut self) -> Result<Entry, String> {
        loop {
            match self.editor.readline("> ") {
                Ok(chunk) => {
                    self.remember(&chunk);
                    return Ok(Entry::Chunk(chunk));
                }
                Err(rustyline::error::ReadlineError::Interrupted) => continue,
                Err(rustyline::error::ReadlineError::Eof) => return Ok(Entry::End),
                Err(e) => return Err(format!("cannot read input: {e}")),
            }
        }
    }

    fn remember(&mut self, chunk: &str) {
        if chunk.trim().is_empty() {
            return;
        }
        let _ = self.editor.add_history_entry(chunk);
        if self.history_failed {
            return;
        }
        if let Err(e) = self.editor.append_history(&self.history) {
            self.warn("write", &e);
        }
    }

    fn warn(&mut self, verb: &str, e: &dyn std::fmt::Display) {
        self.history_failed = true;
        eprintln!(
            "moonkeep: cannot {verb} the history file {}: {e} (this session's lines are kept until it ends)",
            self.history.display()
        );
    }

    /// Lines entered this session and before, oldest first.
    #[cfg(test)]
    fn entries(&self) -> Vec<String> {
        self.editor.history().iter().cloned().collect()
    }
}

/// Where the history of the REPL on `db` is kept: `memory.redb.history` beside
/// `memory.redb`.
pub fn history_file(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}.history", db.display()))
}

/// What the editor knows of Lua, from the live VM: when a chunk is unfinished, and
/// what may be typed at the cursor.
struct LuaLines {
    vm: Rc<Vm>,
}

impl Validator for LuaLines {
    fn validate(&self, context: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(if self.vm.is_incomplete(context.input()) {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

/// Tab completes from live values, as the page's editor does (`Vm::complete`).
impl Completer for LuaLines {
    type Candidate = Pair;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<Pair>)> {
        Ok(candidates(&self.vm, line, pos))
    }
}

/// Where the word at `pos` (a byte offset) starts, and what may replace it: each shown
/// with its type and value (`hp  integer 1`), as the page's completion list shows it.
fn candidates(vm: &Vm, line: &str, pos: usize) -> (usize, Vec<Pair>) {
    let before = line.get(..pos).unwrap_or(line);
    let completions = vm.complete(before);
    let pairs = completions
        .items
        .into_iter()
        .map(|item| {
            let display = match item.type_name {
                "" => item.label.clone(),
                type_name => format!("{}  {type_name} {}", item.label, item.detail),
            };
            Pair { display, replacement: item.label }
        })
        .collect();
    (completions.from, pairs)
}

impl Hinter for LuaLines {
    type Hint = String;
}

impl Highlighter for LuaLines {}

impl Helper for LuaLines {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_history_file_sits_beside_the_database() {
        assert_eq!(history_file(Path::new("/data/memory.redb")), PathBuf::from("/data/memory.redb.history"));
    }

    #[test]
    fn tab_offers_the_fields_of_live_values_with_their_types() {
        let vm = Vm::new().unwrap();
        vm.eval("Memory.player = { hp = 1, name = 'x' }", "repl").result.unwrap();
        let line = "print(Memory.player.h";
        let (from, pairs) = candidates(&vm, line, line.len());
        assert_eq!(&line[from..], "h");
        let shown: Vec<(&str, &str)> = pairs.iter().map(|p| (p.replacement.as_str(), p.display.as_str())).collect();
        assert_eq!(shown, [("hp", "hp  integer 1")]);
        // String methods after `:`, from the cursor, not the line's end.
        let (from, pairs) = candidates(&vm, "(\"x\"):up rest", 8);
        assert_eq!(from, 6);
        assert!(
            pairs.iter().any(|p| p.replacement == "upper"),
            "{:?}",
            pairs.iter().map(|p| &p.replacement).collect::<Vec<_>>()
        );
    }

    #[test]
    fn an_unreadable_history_file_is_said_once_and_costs_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // A directory where the file should be: neither readable nor writable as one.
        let history = dir.path().join("h");
        std::fs::create_dir(&history).unwrap();
        let mut editor = LineEditor::new(Rc::new(Vm::new().unwrap()), history).unwrap();
        assert!(editor.history_failed);
        editor.remember("x = 1");
        assert_eq!(editor.entries(), ["x = 1"]);
    }
}
