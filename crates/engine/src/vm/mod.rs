//! The Lua VM as Moonkeep runs it: one long-lived state per session, chunks evaluated
//! with REPL semantics, output captured per run.

mod console;
mod modules;
mod playground;
mod proof;
mod run;

use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use mlua::chunk::ChunkMode;
use mlua::{Function, Lua};
use moonkeep_lua::playground::Library;
use moonkeep_lua::Watchdog;

use crate::complete::{Completions, Hover, Reader, Signature};
use crate::error::LuaError;
use crate::inspect::{self, DeleteError, Deleted, Graph, Limits, Node, Row};
use crate::memory::{Keeper, Quarantine, Raw, RestoreReport, Restoring, SavePoint, SECRET_LEN};
use console::Console;
use modules::Modules;

pub(crate) use console::display;
pub use console::OUTPUT_LIMIT;
pub use modules::{Module, Scripts, Workspace};
pub use proof::KeyPrint;
pub use run::{Run, Step};

/// Bytes a Lua state may use unless told otherwise: a memory bomb becomes a Lua
/// "not enough memory" error long before the browser kills the tab.
pub const MEMORY_LIMIT: usize = 1 << 30;

/// A Lua 5.4 state with Moonkeep's standard library (`moonkeep_lua::playground`).
pub struct Vm {
    lua: Lua,
    console: Rc<RefCell<Console>>,
    keeper: RefCell<Keeper>,
    watchdog: Watchdog,
    /// The standard library: output, the run's entry and thread.
    library: Library,
    time_budget: Cell<Option<Duration>>,
    /// Whether a [`Run`] is under way (started, not finished).
    running: Cell<bool>,
    /// Where `require` finds the workspace's modules.
    modules: RefCell<Modules>,
}

/// A restore under way (see [`Vm::begin_restore`]).
pub struct Restore(Restoring);

impl Restore {
    /// (work done, work in all); the total is known once the records are read.
    pub fn progress(&self) -> (usize, usize) {
        self.0.progress()
    }
}

/// What one evaluation produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Everything `print`, `io.write` and friends wrote during the run, as text to
    /// show: bytes that are not UTF-8 appear as `\xFF`.
    pub output: String,
    /// The same output as the bytes Lua wrote (a command line writes these).
    pub raw_output: Vec<u8>,
    /// The values the chunk returned, each shown as the REPL shows it, or the error.
    pub result: Result<Vec<String>, LuaError>,
    /// The returned values again as trees a console can unfold (tables' entries,
    /// functions' parameters and where they were defined); empty on error.
    pub values: Vec<Node>,
}

impl Evaluation {
    /// The run as one text: output, then `=> values` or `error: message`. Tests on
    /// every host compare this form.
    pub fn transcript(&self) -> String {
        let mut text = self.output.clone();
        match &self.result {
            Ok(values) if values.is_empty() => {}
            Ok(values) => {
                text.push_str("=> ");
                text.push_str(&values.join("\t"));
                text.push('\n');
            }
            Err(e) => {
                text.push_str("error: ");
                text.push_str(&e.message);
                text.push('\n');
            }
        }
        text
    }
}

impl Vm {
    /// A fresh VM. Fails only if the host cannot set up Lua's standard library.
    pub fn new() -> Result<Vm, LuaError> {
        let lua = moonkeep_lua::new_state();
        let console = Rc::new(RefCell::new(Console::default()));
        let setup = || -> mlua::Result<(Keeper, Library, Modules)> {
            let raw = Raw::capture(&lua)?;
            let library = playground::install(&lua, &console)?;
            let modules = Modules::install(&lua)?;
            let keeper = Keeper::new(&lua, raw)?;
            lua.globals().raw_set("Memory", lua.create_table()?)?;
            Ok((keeper, library, modules))
        };
        let (keeper, library, modules) = setup().map_err(|e| LuaError::from_mlua(&e))?;
        let watchdog = Watchdog::attach(&lua);
        let vm = Vm {
            lua,
            console,
            keeper: RefCell::new(keeper),
            watchdog,
            library,
            time_budget: Cell::new(None),
            running: Cell::new(false),
            modules: RefCell::new(modules),
        };
        vm.set_memory_limit(MEMORY_LIMIT);
        Ok(vm)
    }

    /// Bytes the state may use; an allocation past it is a Lua memory error, and the
    /// VM stays usable.
    pub fn set_memory_limit(&self, bytes: usize) {
        // Only fails where mlua does not own the allocator, which is never the case here.
        let _ = self.lua.set_memory_limit(bytes);
    }

    /// Rebuilds `Memory` from a store's records. A new store (no records) adopts
    /// `fresh_secret` as the key that authenticates its bytecode; an existing one keeps
    /// its own. On a VM that restored or saved before, the new `Memory` replaces the old
    /// one and later save points are computed against these records alone (the other
    /// globals stay).
    pub fn restore(
        &self,
        records: Vec<(Vec<u8>, Vec<u8>)>,
        fresh_secret: [u8; SECRET_LEN],
    ) -> Result<RestoreReport, LuaError> {
        let mut keeper = self.keeper.borrow_mut();
        keeper.forget(&self.lua).map_err(|e| LuaError::from_mlua(&e))?;
        keeper.restore(&self.lua, records, fresh_secret).map_err(|e| LuaError::from_mlua(&e))
    }

    /// Where `require "name"` looks after `package.preload` from the next run on (by
    /// default: no scripts). A module loaded from it stays in `package.loaded`, as Lua
    /// keeps it, until a run starts with its source changed or gone: that run loads it
    /// anew.
    pub fn set_workspace(&self, workspace: impl Workspace + 'static) {
        self.modules.borrow_mut().set_workspace(Box::new(workspace));
    }

    /// Prototypes the next restore must not load, or must announce before loading
    /// (see [`Quarantine`]).
    pub fn set_quarantine(&self, quarantine: Quarantine) {
        self.keeper.borrow_mut().quarantine = quarantine;
    }

    /// [`Vm::restore`] in slices, for a host that shows progress while a large Memory
    /// loads: call [`Vm::restore_step`] until it returns the report.
    pub fn begin_restore(
        &self,
        records: Vec<(Vec<u8>, Vec<u8>)>,
        fresh_secret: [u8; SECRET_LEN],
    ) -> Result<Restore, LuaError> {
        self.keeper.borrow_mut().forget(&self.lua).map_err(|e| LuaError::from_mlua(&e))?;
        Ok(Restore(Restoring::new(records, fresh_secret)))
    }

    /// Does about `units` of `restore`'s work (a unit is a record read, an object
    /// created or an object filled); the outcome once it is finished.
    pub fn restore_step(&self, restore: &mut Restore, units: usize) -> Option<Result<RestoreReport, LuaError>> {
        match self.keeper.borrow_mut().restore_step(&self.lua, &mut restore.0, units.max(1)) {
            Ok(Some(report)) => Some(Ok(report)),
            Ok(None) => None,
            Err(e) => Some(Err(LuaError::from_mlua(&e))),
        }
    }

    /// A save point: the store changes that bring it to the current `Memory`.
    /// Apply them to the store, then call [`Vm::committed`].
    pub fn save_point(&self) -> SavePoint {
        self.keeper.borrow_mut().save_point(&self.lua)
    }

    /// Tells the engine that `point` reached the store, so later save points are
    /// computed against it. Not calling it after a failed commit makes the next save
    /// point write those changes again.
    pub fn committed(&self, point: &SavePoint) {
        self.keeper.borrow_mut().committed(point);
    }

    /// Evaluates `source` as the Lua REPL does: as an expression whose values are
    /// shown if it is one, else as statements. `chunk` names the source in error
    /// messages and tracebacks ("main.lua:3: ..."). Runs to the end in one go; a host
    /// that must stay responsive uses [`Vm::start`] and [`Vm::resume`] instead.
    pub fn eval(&self, source: &str, chunk: &str) -> Evaluation {
        let mut run = self.start(source, chunk);
        loop {
            if let Step::Finished(evaluation) = self.resume(&mut run, None) {
                return evaluation;
            }
        }
    }

    /// Runs a script file as `lua FILE` does: its bytes as they are (Lua source need
    /// not be UTF-8), a first line starting with `#` (`#!/usr/bin/env lua`) skipped,
    /// the chunk named `@name` (`debug.getinfo(1).source`), no values shown. Binary
    /// chunks are refused, as everywhere.
    pub fn eval_file(&self, source: &[u8], name: &str) -> Evaluation {
        let mut run = self.start_file(source, name);
        loop {
            if let Step::Finished(evaluation) = self.resume(&mut run, None) {
                return evaluation;
            }
        }
    }

    /// The longest a run may compute (pauses excluded) before it is stopped with an
    /// error at the line it reached; `None` for no limit (the default). Globals and
    /// `Memory` keep whatever the run did before it was stopped.
    pub fn set_time_budget(&self, budget: Option<Duration>) {
        self.time_budget.set(budget);
    }

    /// Raising this flag, from any thread, stops the current run at its next
    /// instruction with "interrupted" (a `pcall` in the script cannot catch it for
    /// good). A run that starts lowers it.
    pub fn interrupt_flag(&self) -> Arc<AtomicBool> {
        self.watchdog.interrupt_flag()
    }

    /// Whether a run is under way: started and not yet finished. The one record of
    /// that fact; a host that draws it reads it here after starting and finishing.
    pub fn running(&self) -> bool {
        self.running.get()
    }

    /// The tree of `Memory`, cut by `limits` (`moonkeep inspect`).
    pub fn memory_tree(&self, limits: Limits) -> Node {
        let keeper = self.keeper.borrow();
        Graph::build(&keeper.raw, &keeper.std, limits, self.memory()).tree()
    }

    /// The Memory inspector's rows: `Memory`, then the children of each row whose
    /// path is in `expanded`, in display order; with a non-empty `filter`, the rows
    /// whose key or value contains it and the rows leading to them. Every row is
    /// returned: a host draws only those in view.
    pub fn memory_rows(&self, expanded: &BTreeSet<String>, filter: &str) -> Vec<Row> {
        let keeper = self.keeper.borrow();
        Graph::build(&keeper.raw, &keeper.std, Limits::default(), self.memory()).rows(expanded, filter)
    }

    /// Removes the table entry a row of [`Vm::memory_rows`] stands for, found again
    /// from `Memory` by its real keys (not by the row's text: `[0.3]` may be
    /// `0.1 + 0.2`). The next save point records the deletion.
    pub fn delete_row(&self, row: &Row) -> Result<Deleted, DeleteError> {
        inspect::delete(&self.lua, &self.keeper.borrow().raw, row)
    }

    /// Puts a deleted entry back where it was, unless that key has a value again.
    pub fn undo_delete(&self, deleted: Deleted) -> Result<(), DeleteError> {
        inspect::undo(deleted)
    }

    /// What may be typed at the end of `text_before_cursor`: keywords, locals of the
    /// text, globals, fields and methods of live values (see `complete`). Reads
    /// values raw and runs no Lua code, so it may be asked between a run's slices.
    pub fn complete(&self, text_before_cursor: &str) -> Completions {
        self.reader(|r| r.complete(text_before_cursor))
            .unwrap_or(Completions { from: text_before_cursor.len(), items: Vec::new() })
    }

    /// The live value of the name (or path) at byte `offset` of `text`.
    pub fn hover(&self, text: &str, offset: usize) -> Option<Hover> {
        self.reader(|r| r.hover(text, offset)).flatten()
    }

    /// The parameters of the live Lua function whose call `offset` is in.
    pub fn signature(&self, text: &str, offset: usize) -> Option<Signature> {
        self.reader(|r| r.signature(text, offset)).flatten()
    }

    /// `None` while a restore holds the keeper (between its steps it does not).
    fn reader<T>(&self, read: impl FnOnce(&Reader) -> T) -> Option<T> {
        let keeper = self.keeper.try_borrow().ok()?;
        Some(read(&Reader { lua: &self.lua, raw: &keeper.raw, std: &keeper.std }))
    }

    fn memory(&self) -> mlua::Value {
        self.lua.globals().raw_get::<mlua::Value>("Memory").unwrap_or(mlua::Value::Nil)
    }

    /// Bytes in use by the Lua state.
    pub fn used_memory(&self) -> usize {
        self.lua.used_memory()
    }

    /// Whether `source` is the start of a chunk that more lines could complete (an
    /// open `function`, string or bracket), as a REPL asks before running it.
    pub fn is_incomplete(&self, source: &str) -> bool {
        matches!(
            self.compile(source, "stdin"),
            Err(LuaError { kind: crate::ErrorKind::Syntax { incomplete: true }, .. })
        )
    }

    fn compile_file(&self, source: &[u8], name: &str) -> Result<Function, LuaError> {
        let source = source.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(source);
        // Like lua.c: a first line starting with '#' is skipped, its newline kept so that
        // line numbers stay right.
        let source = match source.first() {
            Some(b'#') => source.iter().position(|&b| b == b'\n').map_or(&source[source.len()..], |end| &source[end..]),
            _ => source,
        };
        let name = format!("@{name}");
        self.lua
            .load(source)
            .set_name(&name)
            .set_mode(ChunkMode::Text)
            .into_function()
            .map_err(|e| LuaError::from_mlua(&e))
    }

    pub(crate) fn compile(&self, source: &str, chunk: &str) -> Result<Function, LuaError> {
        let name = format!("={chunk}");
        let load = |text: &str| self.lua.load(text).set_name(&name).set_mode(ChunkMode::Text).into_function();
        // Like lua.c: "return <line>;" first, so an expression shows its values.
        if let Ok(f) = load(&format!("return {source};")) {
            return Ok(f);
        }
        load(source).map_err(|e| LuaError::from_mlua(&e))
    }
}
