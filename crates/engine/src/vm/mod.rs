//! The Lua VM as Moonkeep runs it: one long-lived state per session, chunks evaluated
//! with REPL semantics, output captured per run.

mod console;
mod playground;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use mlua::chunk::ChunkMode;
use mlua::{Function, Lua, MultiValue};

use crate::error::LuaError;
use crate::inspect::{self, Limits, Node};
use crate::memory::{Keeper, Raw, RestoreReport, SavePoint, SECRET_LEN};
use crate::render;
use console::Console;

pub use console::OUTPUT_LIMIT;

/// How far one run may go before Moonkeep stops it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunLimits {
    /// Seconds of wall-clock time for one evaluation.
    pub time_budget: f64,
    /// Bytes the whole Lua state may use.
    pub memory: usize,
}

impl Default for RunLimits {
    fn default() -> RunLimits {
        RunLimits { time_budget: 5.0, memory: 1 << 30 }
    }
}

/// A Lua 5.4 state with Moonkeep's standard library (see `playground.lua`).
pub struct Vm {
    lua: Lua,
    console: Rc<RefCell<Console>>,
    limits: Cell<RunLimits>,
    keeper: RefCell<Keeper>,
}

/// What one evaluation produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Everything `print`, `io.write` and friends wrote during the run.
    pub output: String,
    /// The values the chunk returned, each shown as the REPL shows it, or the error.
    pub result: Result<Vec<String>, LuaError>,
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
        let setup = || -> mlua::Result<Keeper> {
            let raw = Raw::capture(&lua)?;
            playground::install(&lua, &console)?;
            let keeper = Keeper::new(&lua, raw)?;
            lua.globals().raw_set("Memory", lua.create_table()?)?;
            Ok(keeper)
        };
        let keeper = setup().map_err(|e| LuaError::from_mlua(&e))?;
        let vm = Vm { lua, console, limits: Cell::new(RunLimits::default()), keeper: RefCell::new(keeper) };
        vm.set_limits(RunLimits::default());
        Ok(vm)
    }

    /// Sets the time budget of each run and the memory the state may use. A run past
    /// its budget, or an allocation past the limit, ends in a Lua error; the VM and
    /// everything the run did before stay usable.
    pub fn set_limits(&self, limits: RunLimits) {
        self.limits.set(limits);
        // Only fails where mlua does not own the allocator, which is never the case here.
        let _ = self.lua.set_memory_limit(limits.memory);
    }

    /// Rebuilds `Memory` from a store's records. Call once, on a fresh VM, before any
    /// user code. A new store (no records) adopts `fresh_secret` as the key that
    /// authenticates its bytecode; an existing one keeps its own.
    pub fn restore(&self, records: Vec<(Vec<u8>, Vec<u8>)>, fresh_secret: [u8; SECRET_LEN]) -> Result<RestoreReport, LuaError> {
        self.keeper.borrow_mut().restore(&self.lua, records, fresh_secret).map_err(|e| LuaError::from_mlua(&e))
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
    /// messages and tracebacks ("main.lua:3: ...").
    ///
    /// Each run has a time budget and the state a memory limit ([`Vm::set_limits`]).
    pub fn eval(&self, source: &str, chunk: &str) -> Evaluation {
        self.console.borrow_mut().clear();
        self.watch_time();
        let result = self.compile(source, chunk).and_then(|f| self.call(&f));
        self.lua.remove_global_hook();
        let output = self.console.borrow_mut().take();
        Evaluation { output, result }
    }

    /// A count hook that ends the run once its time budget is spent. Past the deadline
    /// it fires on every instruction, so a `pcall` that catches the error cannot keep
    /// the run alive: the next instruction outside it fails too. Coroutines inherit the
    /// hook; scripts cannot replace it (`debug.sethook` is refused by the playground).
    fn watch_time(&self) {
        let budget = self.limits.get().time_budget;
        let deadline = moonkeep_lua::monotonic_seconds() + budget;
        let message = format!(
            "this run was stopped after its time budget of {budget} s (a runaway loop?); \
             Memory and globals keep what it did until then"
        );
        let expired = Rc::new(Cell::new(false));
        let hook = move |lua: &Lua, _: &mlua::debug::Debug| {
            if !expired.get() && moonkeep_lua::monotonic_seconds() <= deadline {
                return Ok(mlua::VmState::Continue);
            }
            if !expired.replace(true) {
                let message = message.clone();
                let every = mlua::HookTriggers::new().every_nth_instruction(1);
                let _ = lua.set_global_hook(every, move |_, _| Err(mlua::Error::runtime(message.clone())));
            }
            Err(mlua::Error::runtime(message.clone()))
        };
        let _ = self.lua.set_global_hook(mlua::HookTriggers::new().every_nth_instruction(10_000), hook);
    }

    /// The tree of `Memory` as the inspector shows it.
    pub fn memory_tree(&self, limits: Limits) -> Node {
        let memory = self.lua.globals().raw_get::<mlua::Value>("Memory").unwrap_or(mlua::Value::Nil);
        inspect::tree(&memory, &self.keeper.borrow().raw, limits)
    }

    /// Bytes in use by the Lua state.
    pub fn used_memory(&self) -> usize {
        self.lua.used_memory()
    }

    fn compile(&self, source: &str, chunk: &str) -> Result<Function, LuaError> {
        let name = format!("={chunk}");
        let load = |text: &str| {
            self.lua.load(text).set_name(&name).set_mode(ChunkMode::Text).into_function()
        };
        // Like lua.c: "return <line>;" first, so an expression shows its values.
        if let Ok(f) = load(&format!("return {source};")) {
            return Ok(f);
        }
        load(source).map_err(|e| LuaError::from_mlua(&e))
    }

    fn call(&self, function: &Function) -> Result<Vec<String>, LuaError> {
        let values = function.call::<MultiValue>(()).map_err(|e| LuaError::from_mlua(&e))?;
        // Lua's own `tostring`, captured at start: showing values must not depend on
        // globals the user may have replaced.
        let tostring = &self.keeper.borrow().raw.tostring;
        Ok(values.iter().map(|v| render::show(v, tostring)).collect())
    }
}
