//! A view of Memory for people: the tree the Memory inspector and `moonkeep inspect`
//! show. Shared references and cycles appear once, then as links to their first path.

use std::collections::HashMap;
use std::ffi::c_void;

use mlua::{Function, LuaString, Value};

use crate::memory::Raw;
use crate::render::{is_identifier, quote};

/// One entry of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The key as Lua writes it after its parent: `jobs`, `[3]`, `["a b"]`.
    pub key: String,
    /// The full path: `Memory.jobs[3]`.
    pub path: String,
    pub value: Shown,
    pub children: Vec<Node>,
    /// Entries of this table left out by the limits.
    pub hidden: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// nil, booleans, numbers and strings, as a literal (long strings cut).
    Scalar { type_name: &'static str, text: String },
    Table { entries: usize, has_metatable: bool },
    Function { params: Vec<String>, vararg: bool, defined: String, upvalues: Vec<String> },
    /// A table or function already shown at `to`.
    Link { to: String },
    /// Coroutines, userdata, C functions.
    Other { type_name: &'static str, text: String },
}

/// How much of a large Memory to show.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub depth: usize,
    pub entries: usize,
    pub string_chars: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { depth: 8, entries: 200, string_chars: 80 }
    }
}

pub(crate) fn tree(memory: &Value, raw: &Raw, limits: Limits) -> Node {
    let mut walk = Walk { raw, limits, first_path: HashMap::new() };
    walk.node("Memory".into(), "Memory".into(), memory, 0)
}

struct Walk<'a> {
    raw: &'a Raw,
    limits: Limits,
    first_path: HashMap<*const c_void, String>,
}

impl Walk<'_> {
    fn node(&mut self, key: String, path: String, value: &Value, depth: usize) -> Node {
        let mut node = Node { key, path: path.clone(), value: Shown::Other { type_name: "nil", text: String::new() }, children: Vec::new(), hidden: 0 };
        if matches!(value, Value::Table(_) | Value::Function(_)) {
            let pointer = value.to_pointer();
            if let Some(to) = self.first_path.get(&pointer) {
                node.value = Shown::Link { to: to.clone() };
                return node;
            }
            self.first_path.insert(pointer, path.clone());
        }
        node.value = match value {
            Value::Table(t) => {
                let entries: Vec<(Value, Value)> = t.pairs::<Value, Value>().filter_map(Result::ok).collect();
                let shown = Shown::Table { entries: entries.len(), has_metatable: t.metatable().is_some() };
                if depth < self.limits.depth {
                    self.children(&mut node, entries, depth);
                } else {
                    node.hidden = entries.len();
                }
                shown
            }
            Value::Function(f) => self.function(f),
            other => self.scalar(other),
        };
        node
    }

    fn children(&mut self, node: &mut Node, mut entries: Vec<(Value, Value)>, depth: usize) {
        entries.sort_by(|(a, _), (b, _)| key_order(a, b));
        node.hidden = entries.len().saturating_sub(self.limits.entries);
        for (k, v) in entries.into_iter().take(self.limits.entries) {
            let key = key_text(&k, |v| self.number(v));
            let path = if key.starts_with('[') { format!("{}{key}", node.path) } else { format!("{}.{key}", node.path) };
            node.children.push(self.node(key, path, &v, depth + 1));
        }
    }

    fn function(&self, f: &Function) -> Shown {
        let info = f.info();
        if info.what == "C" {
            return Shown::Other { type_name: "function", text: "built-in function".into() };
        }
        let params = (1..=i64::from(info.num_params))
            .map(|i| {
                self.raw.getlocal.call::<Option<String>>((f, i)).ok().flatten().unwrap_or_else(|| "?".into())
            })
            .collect();
        let upvalues = (1..=i64::from(info.num_upvalues))
            .filter_map(|i| self.raw.getupvalue.call::<(Option<LuaString>, Value)>((f, i)).ok())
            .filter_map(|(name, _)| name.map(|n| n.to_string_lossy()))
            .collect();
        let defined = format!("{}:{}", info.short_src.unwrap_or_default(), info.line_defined.unwrap_or(0));
        Shown::Function { params, vararg: info.is_vararg, defined, upvalues }
    }

    /// A number exactly as Lua's `tostring` writes it ("1.0", "1e+100", "-nan").
    fn number(&self, value: &Value) -> String {
        self.raw.tostring.call::<String>(value).unwrap_or_default()
    }

    fn scalar(&self, value: &Value) -> Shown {
        let (type_name, text) = match value {
            Value::Nil => ("nil", "nil".into()),
            Value::Boolean(b) => ("boolean", b.to_string()),
            Value::Integer(i) => ("integer", i.to_string()),
            Value::Number(_) => ("float", self.number(value)),
            Value::String(s) => {
                let bytes = s.as_bytes();
                let cut = bytes.len() > self.limits.string_chars;
                let mut text = quote(&bytes[..bytes.len().min(self.limits.string_chars)]);
                if cut {
                    text.push_str(&format!("... ({} bytes)", bytes.len()));
                }
                ("string", text)
            }
            Value::Thread(_) => return Shown::Other { type_name: "thread", text: "coroutine".into() },
            other => return Shown::Other { type_name: other.type_name(), text: other.type_name().into() },
        };
        Shown::Scalar { type_name, text }
    }
}

pub(crate) fn key_text(key: &Value, number: impl Fn(&Value) -> String) -> String {
    match key {
        Value::String(s) if is_identifier(&s.as_bytes()) => s.to_string_lossy(),
        Value::String(s) => format!("[{}]", quote(&s.as_bytes())),
        Value::Integer(i) => format!("[{i}]"),
        Value::Number(_) => format!("[{}]", number(key)),
        Value::Boolean(b) => format!("[{b}]"),
        other => format!("[{}]", other.type_name()),
    }
}

/// Numbers in order first, then strings, then everything else.
pub(crate) fn key_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    fn rank(v: &Value) -> (u8, f64) {
        match v {
            Value::Integer(i) => (0, *i as f64),
            Value::Number(n) => (0, *n),
            Value::String(_) => (1, 0.0),
            Value::Boolean(b) => (2, f64::from(u8::from(*b))),
            _ => (3, 0.0),
        }
    }
    let (ra, na) = rank(a);
    let (rb, nb) = rank(b);
    ra.cmp(&rb).then(na.total_cmp(&nb)).then_with(|| match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => x.as_bytes().as_ref().cmp(y.as_bytes().as_ref()),
        _ => std::cmp::Ordering::Equal,
    })
}

/// How far the console unfolds a returned value.
const VALUE_LIMITS: Limits = Limits { depth: 6, entries: 100, string_chars: 200 };

/// The tree of one returned value, which the console unfolds. `name` stands for the
/// value in paths ("(1)" for the first value).
pub(crate) fn value_tree(name: &str, value: &Value, raw: &Raw) -> Node {
    let mut walk = Walk { raw, limits: VALUE_LIMITS, first_path: HashMap::new() };
    walk.node(name.into(), name.into(), value, 0)
}
