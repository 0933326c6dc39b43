//! What an editor asks of the live program while code is typed: completion, hover,
//! signature help ([`crate::Vm::complete`], [`crate::Vm::hover`],
//! [`crate::Vm::signature`]) and syntax diagnostics ([`check`]).
//!
//! Answers come from the values in the VM, read raw: `rawget`, `rawlen`, `next` and
//! metatables, never `__index` functions, `__pairs` or any other Lua code (the garbage
//! collector is held while they read, so not even a finalizer runs). The work is
//! bounded for tables of any size: at most [`SCAN`] entries of a table are read, in
//! `next` order (stable while the table does not change), plus the typed name looked up
//! directly. A run paused between slices may be read this way; nothing is changed.
//! Input is plain text and a byte offset, output plain data, so the page and the
//! command line's REPL share it.

mod scan;

use std::cell::OnceCell;
use std::collections::BTreeSet;

use mlua::{Lua, LuaString, Table, Value};

use crate::error::LuaError;
use crate::inspect::{params, preview, type_name};
use crate::memory::{Raw, StdNames};
use crate::render::{is_identifier, KEYWORDS};
use scan::{path_ending_at, Base, Kind, Path, Step, Token};

/// Entries of one table read for a completion, at most.
pub const SCAN: usize = 2_000;
/// Items in one completion, at most.
pub const ITEMS: usize = 200;
/// `__index` tables followed from one table, at most (a chain may loop).
const CHAIN: usize = 8;
/// Entries counted for a hover's size, at most.
const COUNT: usize = 1_000;

/// What may be typed at the cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct Completions {
    /// Byte offset in the text where the word the items replace starts.
    pub from: usize,
    /// Sorted by label.
    pub items: Vec<Item>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub label: String,
    pub kind: ItemKind,
    /// The value's Lua type (`integer`, `table`, ...); empty for keywords and locals,
    /// whose values are not known.
    pub type_name: &'static str,
    /// The value as the inspector previews it: `1`, `{hp = 1, …}`, `function(name)`.
    pub detail: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Keyword,
    /// A local variable of the code being typed.
    Local,
    Global,
    /// A table's field, after `.`.
    Field,
    /// A function after `:` (a string's, or a table's through its `__index` table).
    Method,
}

/// The live value of the name or path under the cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct Hover {
    /// Byte range of the hovered name.
    pub from: usize,
    pub to: usize,
    /// The path as written: `Memory.player.hp`.
    pub path: String,
    pub type_name: &'static str,
    /// As the inspector previews it; for a function, its signature.
    pub preview: String,
    /// `3 entries`, `5 bytes`, `more than 1000 entries`.
    pub size: Option<String>,
    /// Where a Lua function was defined: `main.lua:3`.
    pub defined: Option<String>,
}

/// The Lua function whose call the cursor is in.
#[derive(Debug, Clone, PartialEq)]
pub struct Signature {
    /// The callee as written: `Memory.greet`, `obj:move`.
    pub name: String,
    /// Parameter names (for a method call, without `self`).
    pub params: Vec<String>,
    pub vararg: bool,
    /// Index of the argument the cursor is in (may be past the parameters).
    pub active: usize,
}

/// A syntax error, where Lua's parser found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// 1-based.
    pub line: u32,
    /// As Lua words it: `main.lua:3: 'end' expected near <eof>`.
    pub message: String,
}

/// Compiles `source` without running it, as a run would (an expression alone is a
/// chunk too), and returns the syntax error if there is one. Uses a Lua state of its
/// own: the VM is not touched.
pub fn check(source: &str, chunk: &str) -> Option<Diagnostic> {
    thread_local! {
        static PARSER: OnceCell<Lua> = const { OnceCell::new() };
    }
    PARSER.with(|parser| {
        let lua = parser.get_or_init(moonkeep_lua::new_state);
        let name = format!("={chunk}");
        let load = |text: &str| {
            lua.load(text).set_name(&name).set_mode(mlua::chunk::ChunkMode::Text).into_function().map(drop)
        };
        if load(&format!("return {source};")).is_ok() {
            return None;
        }
        let error = LuaError::from_mlua(&load(source).err()?);
        let line = error.location.as_ref().map_or(1, |l| l.line);
        Some(Diagnostic { line, message: error.message })
    })
}

/// Raw reads of one VM's values.
pub(crate) struct Reader<'a> {
    pub lua: &'a Lua,
    pub raw: &'a Raw,
    pub std: &'a StdNames,
}

impl Reader<'_> {
    /// Completions for the end of `text` (the text before the cursor).
    pub(crate) fn complete(&self, text: &str) -> Completions {
        let none = Completions { from: text.len(), items: Vec::new() };
        let (tokens, unfinished) = scan::tokens(text);
        if unfinished {
            return none;
        }
        let (word, rest) = match tokens.split_last() {
            Some((t, rest)) if t.end() == text.len() && matches!(t.kind, Kind::Name | Kind::Keyword) => (Some(t), rest),
            Some((t, _)) if t.end() == text.len() && t.kind != Kind::Symbol => return none,
            _ => (None, &tokens[..]),
        };
        let (prefix, from) = word.map_or(("", text.len()), |t| (t.text, t.start));
        let locals = scan::locals_in_scope(rest);
        let items = self.held(|| match rest.split_last() {
            Some((t, before)) if t.text == "." || t.text == ":" => {
                let method = t.text == ":";
                let Some(path) = before.len().checked_sub(1).and_then(|i| path_ending_at(before, text, i, &locals))
                else {
                    return Vec::new();
                };
                self.resolve(&path).map_or_else(Vec::new, |v| self.fields(&v, prefix, method))
            }
            Some((t, before)) if declares_name(t, before) => Vec::new(),
            _ => self.words(prefix, &locals),
        });
        Completions { from, items }
    }

    /// The live value of the name at `offset` in `text` (or of the path it ends).
    pub(crate) fn hover(&self, text: &str, offset: usize) -> Option<Hover> {
        let (tokens, _) = scan::tokens(text);
        let at = tokens.iter().position(|t| t.kind == Kind::Name && t.start <= offset && offset <= t.end())?;
        let locals = scan::locals_in_scope(&tokens[..at]);
        let (path, _) = named_path(&tokens, text, at, &locals)?;
        self.held(|| {
            let value = self.resolve(&path)?;
            let size = match &value {
                Value::String(s) => Some(count_text(s.as_bytes().len(), "byte", false)),
                Value::Table(t) if self.std.name_of(&value).is_none() => {
                    let entries = t.pairs::<Value, Value>().take(COUNT + 1).count();
                    Some(count_text(entries.min(COUNT), "entry", entries > COUNT))
                }
                _ => None,
            };
            let defined = match &value {
                Value::Function(f) if f.info().what != "C" => {
                    let info = f.info();
                    Some(format!("{}:{}", info.short_src.unwrap_or_default(), info.line_defined.unwrap_or(0)))
                }
                _ => None,
            };
            Some(Hover {
                from: tokens[at].start,
                to: tokens[at].end(),
                path: path.text,
                type_name: type_name(&value),
                preview: preview(self.raw, self.std, &value),
                size,
                defined,
            })
        })
    }

    /// The live Lua function whose call's argument list `offset` is in.
    pub(crate) fn signature(&self, text: &str, offset: usize) -> Option<Signature> {
        let before = text.get(..offset)?;
        let (tokens, unfinished) = scan::tokens(before);
        if unfinished {
            return None;
        }
        let (open, active) = open_call(&tokens)?;
        let callee = open.checked_sub(1)?;
        let locals = scan::locals_in_scope(&tokens[..callee]);
        let (path, method) = named_path(&tokens, before, callee, &locals)?;
        let name = path.text.clone();
        self.held(|| {
            let Value::Function(f) = self.resolve(&path)? else { return None };
            let info = f.info();
            if info.what == "C" {
                return None;
            }
            let mut params = params(self.raw, &f, info.num_params);
            if method && !params.is_empty() {
                params.remove(0);
            }
            Some(Signature { name, params, vararg: info.is_vararg, active })
        })
    }

    /// Runs `read` with the collector held, so that nothing it allocates lets a
    /// finalizer (Lua code) run; a collector the script stopped stays stopped.
    fn held<T>(&self, read: impl FnOnce() -> T) -> T {
        let running = self.lua.gc_is_running();
        self.lua.gc_stop();
        let out = read();
        if running {
            self.lua.gc_restart();
        }
        out
    }

    fn resolve(&self, path: &Path) -> Option<Value> {
        let mut value = match &path.base {
            Base::Global(name) => self.lua.globals().raw_get::<Value>(name.as_str()).ok()?,
            Base::String => Value::Table(self.string_methods()?),
        };
        for step in &path.steps {
            let key = match step {
                Step::Name(name) => Value::String(self.lua.create_string(name).ok()?),
                Step::Integer(i) => Value::Integer(*i),
            };
            value = self.index(&value, &key)?;
        }
        Some(value)
    }

    /// `value[key]` without metamethods: a table's own entry, else its `__index`
    /// tables' (functions are not called); a string's methods.
    fn index(&self, value: &Value, key: &Value) -> Option<Value> {
        self.chain(value).find_map(|t| t.raw_get::<Value>(key).ok().filter(|v| !v.is_nil()))
    }

    /// The tables where `value`'s fields are looked up, in order: the table itself and
    /// the `__index` tables of its metatables; for a string, the string library.
    fn chain(&self, value: &Value) -> impl Iterator<Item = Table> {
        let first = match value {
            Value::Table(t) => Some(t.clone()),
            Value::String(_) => self.string_methods(),
            _ => None,
        };
        std::iter::successors(first, |t| match t.metatable()?.raw_get::<Value>("__index").ok()? {
            Value::Table(next) => Some(next),
            _ => None,
        })
        .take(CHAIN)
    }

    fn string_methods(&self) -> Option<Table> {
        match self.lua.type_metatable::<LuaString>()?.raw_get::<Value>("__index").ok()? {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }

    /// The fields of `value` that start with `prefix`: the first [`SCAN`] entries of
    /// each table of its chain, and `prefix` itself looked up; after `:`, functions only.
    fn fields(&self, value: &Value, prefix: &str, method: bool) -> Vec<Item> {
        let kind = if method { ItemKind::Method } else { ItemKind::Field };
        let mut found: Vec<(String, Value)> = Vec::new();
        let mut seen = BTreeSet::new();
        for table in self.chain(value) {
            let mut add = |key: &LuaString, v: Value| {
                let bytes = key.as_bytes();
                if starts_with(&bytes, prefix) && is_identifier(&bytes) && (!method || v.is_function()) {
                    let label = key.to_string_lossy();
                    if seen.insert(label.clone()) {
                        found.push((label, v));
                    }
                }
            };
            let mut scanned = 0;
            for (k, v) in table.pairs::<Value, Value>().take(SCAN).flatten() {
                scanned += 1;
                if let Value::String(key) = &k {
                    add(key, v);
                }
            }
            if scanned >= SCAN && !prefix.is_empty() {
                if let (Ok(key), Ok(v)) = (self.lua.create_string(prefix), table.raw_get::<Value>(prefix)) {
                    if !v.is_nil() {
                        add(&key, v);
                    }
                }
            }
        }
        self.items(found, kind)
    }

    /// Keywords, the locals in scope and the globals (raw `_G` keys) that start with
    /// `prefix`.
    fn words(&self, prefix: &str, locals: &BTreeSet<String>) -> Vec<Item> {
        let mut items: Vec<Item> = KEYWORDS
            .iter()
            .filter(|k| k.starts_with(prefix))
            .map(|k| Item { label: (*k).into(), kind: ItemKind::Keyword, type_name: "", detail: "keyword".into() })
            .collect();
        items.extend(locals.iter().filter(|l| l.starts_with(prefix)).map(|l| Item {
            label: l.clone(),
            kind: ItemKind::Local,
            type_name: "",
            detail: "local".into(),
        }));
        let globals = Value::Table(self.lua.globals());
        let mut fields = self.fields(&globals, prefix, false);
        fields.retain(|f| !locals.contains(&f.label));
        for item in &mut fields {
            item.kind = ItemKind::Global;
        }
        items.extend(fields);
        items.sort_by(|a, b| a.label.cmp(&b.label));
        items.truncate(ITEMS);
        items
    }

    fn items(&self, mut found: Vec<(String, Value)>, kind: ItemKind) -> Vec<Item> {
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found.truncate(ITEMS);
        found
            .into_iter()
            .map(|(label, value)| Item {
                label,
                kind,
                type_name: type_name(&value),
                detail: preview(self.raw, self.std, &value),
            })
            .collect()
    }
}

/// The path ending at token `at`, a method's too (`obj:move` reads `obj.move`), and
/// whether it is a method's.
fn named_path(tokens: &[Token], text: &str, at: usize, locals: &BTreeSet<String>) -> Option<(Path, bool)> {
    let name = tokens[at];
    if at >= 2 && name.kind == Kind::Name && tokens[at - 1].text == ":" {
        let mut object = path_ending_at(tokens, text, at - 2, locals)?;
        object.text = format!("{}:{}", object.text, name.text);
        object.steps.push(Step::Name(name.text.as_bytes().to_vec()));
        return Some((object, true));
    }
    path_ending_at(tokens, text, at, locals).map(|p| (p, false))
}

/// Whether the word after token `t` names something new (`local x`, `for i`,
/// `local function f`, `goto l`), where nothing existing is offered.
fn declares_name(t: &Token, before: &[Token]) -> bool {
    match (t.kind, t.text) {
        (Kind::Keyword, "local" | "for" | "goto") | (Kind::Symbol, "::") => true,
        (Kind::Keyword, "function") => before.last().is_some_and(|b| b.kind == Kind::Keyword && b.text == "local"),
        _ => false,
    }
}

fn starts_with(bytes: &[u8], prefix: &str) -> bool {
    bytes.starts_with(prefix.as_bytes())
}

/// The `(` of the innermost call still open at the end of `tokens`, and how many of
/// its arguments came before the last one.
fn open_call(tokens: &[Token]) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut commas = 0;
    for (i, t) in tokens.iter().enumerate().rev() {
        if t.kind != Kind::Symbol {
            continue;
        }
        match t.text {
            ")" | "]" | "}" => depth += 1,
            "(" if depth == 0 => return Some((i, commas)),
            "[" | "{" if depth == 0 => return None,
            "(" | "[" | "{" => depth -= 1,
            "," if depth == 0 => commas += 1,
            _ => {}
        }
    }
    None
}

fn count_text(n: usize, unit: &str, more: bool) -> String {
    let units = match (n, unit) {
        (1, _) if !more => unit.to_owned(),
        (_, "entry") => "entries".to_owned(),
        _ => format!("{unit}s"),
    };
    if more {
        format!("more than {n} {units}")
    } else {
        format!("{n} {units}")
    }
}
