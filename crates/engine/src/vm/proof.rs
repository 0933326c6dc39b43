//! The proof panel's fingerprint of Memory: for each top-level key, the value's type
//! and a digest of its whole structure, and for functions what calling them on the
//! user's probe arguments returns. A fingerprint taken before a reload and one taken
//! after the restore agree key by key when Memory came back as it was.

use std::collections::HashMap;
use std::ffi::c_void;
use std::time::Duration;

use mlua::{Function, LuaString, MultiValue, Table, Value};
use xxhash_rust::xxh3::Xxh3;

use moonkeep_lua::monotonic_seconds;

use super::run::Resumed;
use super::Vm;
use crate::error::LuaError;
use crate::memory::StdNames;
use crate::memory::{live, Key};
use crate::render;

/// How long one probe call (or evaluating the probe arguments) may compute.
const PROBE_BUDGET: Duration = Duration::from_secs(2);

/// One key of Memory as the proof panel compares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPrint {
    /// The key as Lua writes it after `Memory`: `counter`, `[1]`, `["a b"]`.
    pub key: String,
    pub type_name: String,
    /// 16 hex digits: equal digests mean equal structure (values, nesting, sharing,
    /// cycles, metatables, bytecode and upvalues).
    pub digest: String,
    /// For a function: what calling it on the probe arguments returned, or its error.
    pub probe: Option<String>,
}

impl Vm {
    /// The fingerprint of `Memory`. `probe_args` is a Lua expression list (`1, "x"`)
    /// each function in `Memory` is called with; it may be empty. Digests are taken
    /// before any probe runs (a probe may change Memory).
    pub fn fingerprint(&self, probe_args: &str) -> Result<Vec<KeyPrint>, LuaError> {
        if self.running.get() {
            return Err(LuaError::host("a run is under way: the fingerprint waits for it to finish"));
        }
        let memory = match self.lua.globals().raw_get::<Value>("Memory") {
            Ok(Value::Table(t)) => t,
            _ => return Ok(Vec::new()),
        };
        let mut entries: Vec<(Value, Value)> = memory.pairs::<Value, Value>().filter_map(Result::ok).collect();
        render::sort_entries(&mut entries);
        let tostring = self.keeper.borrow().raw.tostring.clone();
        let mut prints: Vec<KeyPrint> = entries
            .iter()
            .map(|(k, v)| KeyPrint {
                key: key_text(k),
                type_name: v.type_name().to_owned(),
                digest: format!("{:016x}", self.digest(v)),
                probe: None,
            })
            .collect();
        if prints.iter().any(|p| p.type_name == "function") {
            let args = self.probe_args(probe_args)?;
            for (print, (_, value)) in prints.iter_mut().zip(&entries) {
                if let Value::Function(f) = value {
                    print.probe = Some(self.probe(f, &args, &tostring));
                }
            }
        }
        Ok(prints)
    }

    fn digest(&self, value: &Value) -> u64 {
        let keeper = self.keeper.borrow();
        let mut digest = Digest { getupvalue: &keeper.raw.getupvalue, std: &keeper.std, seen: HashMap::new() };
        let mut h = Xxh3::new();
        digest.value(&mut h, value);
        h.digest()
    }

    fn probe_args(&self, source: &str) -> Result<MultiValue, LuaError> {
        if source.trim().is_empty() {
            return Ok(MultiValue::new());
        }
        let f = self
            .lua
            .load(format!("return {source}"))
            .set_name("=probe")
            .into_function()
            .map_err(|e| LuaError::from_mlua(&e))?;
        self.call_watched(f)
    }

    fn probe(&self, f: &Function, args: &MultiValue, tostring: &Function) -> String {
        let bound = match f.bind(args.clone()) {
            Ok(b) => b,
            Err(e) => return format!("error: {}", LuaError::from_mlua(&e).message),
        };
        match self.call_watched(bound) {
            Ok(values) if values.is_empty() => "(nothing)".to_owned(),
            Ok(values) => values.iter().map(|v| render::show(v, tostring)).collect::<Vec<_>>().join(", "),
            Err(e) => format!("error: {}", e.message),
        }
    }

    /// Calls `f` on a thread of its own under the watchdog, so that a probe that never
    /// returns is stopped; what it prints is dropped.
    fn call_watched(&self, f: Function) -> Result<MultiValue, LuaError> {
        let thread = self.lua.create_thread(f).map_err(|e| LuaError::from_mlua(&e))?;
        let halt_at = monotonic_seconds() + PROBE_BUDGET.as_secs_f64();
        let resumed =
            self.resume_watched(&thread, None, f64::INFINITY, halt_at, "probe stopped: it ran longer than 2 s");
        self.console.borrow_mut().clear();
        match resumed {
            Resumed::Returned(values) => Ok(values),
            Resumed::Failed(e) => Err(e),
            // Never asked to pause (no pause time), so never paused.
            Resumed::Paused => Err(LuaError::host("a probe paused")),
        }
    }
}

/// A structural hash: equal for graphs that are equal as values, whatever their
/// addresses or the order `pairs` visits them in.
struct Digest<'a> {
    getupvalue: &'a Function,
    /// The standard environment (`_G`, `print`, `string`) counts by name: a closure's
    /// `_ENV` must not pull every global into its digest.
    std: &'a StdNames,
    /// Tables and functions met so far, by the order they were met: a second meeting
    /// (sharing, cycles) hashes as a back-reference.
    seen: HashMap<*const c_void, u64>,
}

impl Digest<'_> {
    fn value(&mut self, h: &mut Xxh3, value: &Value) {
        if let Some(name) = self.std.name_at(value.to_pointer()) {
            h.update(&[10]);
            h.update(name.as_bytes());
            h.update(&[0]);
            return;
        }
        match value {
            Value::Nil => h.update(&[0]),
            Value::Boolean(b) => h.update(&[1, u8::from(*b)]),
            Value::Integer(i) => {
                h.update(&[2]);
                h.update(&i.to_le_bytes());
            }
            Value::Number(n) => {
                h.update(&[3]);
                h.update(&n.to_bits().to_le_bytes());
            }
            Value::String(s) => self.string(h, s),
            Value::Table(t) => {
                if self.back_reference(h, value) {
                    return;
                }
                self.table(h, t);
            }
            Value::Function(f) => {
                if self.back_reference(h, value) {
                    return;
                }
                self.function(h, f);
            }
            other => {
                h.update(&[9]);
                h.update(other.type_name().as_bytes());
            }
        }
    }

    fn string(&self, h: &mut Xxh3, s: &LuaString) {
        let bytes = s.as_bytes();
        h.update(&[4]);
        h.update(&(bytes.len() as u64).to_le_bytes());
        h.update(&bytes);
    }

    fn back_reference(&mut self, h: &mut Xxh3, value: &Value) -> bool {
        let next = self.seen.len() as u64;
        match self.seen.get(&value.to_pointer()) {
            Some(index) => {
                h.update(&[5]);
                h.update(&index.to_le_bytes());
                true
            }
            None => {
                self.seen.insert(value.to_pointer(), next);
                false
            }
        }
    }

    fn table(&mut self, h: &mut Xxh3, t: &Table) {
        h.update(&[6]);
        // Keys of the same kind in a canonical order; tables and functions as keys
        // keep the order they have (rare in practice).
        let (_, entries) = live::entries(t, |_| true);
        h.update(&(entries.len() as u64).to_le_bytes());
        for (k, v) in &entries {
            self.value(h, k);
            self.value(h, v);
        }
        match t.metatable() {
            Some(mt) => self.value(h, &Value::Table(mt)),
            None => h.update(&[0]),
        }
    }

    fn function(&mut self, h: &mut Xxh3, f: &Function) {
        if f.info().what == "C" {
            // Built-ins have no bytecode; which one it is shows in its probe results.
            h.update(&[8]);
            return;
        }
        h.update(&[7]);
        h.update(&f.dump(true));
        for (_, value) in live::upvalues(self.getupvalue, f) {
            self.value(h, &value);
        }
    }
}

/// A key as Lua writes it after `Memory`: `name`, `[3]`, `["a b"]`, `[0.5]`. An
/// object's address changes across a reload, so an object key reads as its type.
fn key_text(key: &Value) -> String {
    match key {
        Value::Table(_) | Value::Function(_) | Value::Thread(_) | Value::UserData(_) | Value::LightUserData(_) => {
            format!("[{}]", key.type_name())
        }
        _ => Key::of(key).index(),
    }
}
