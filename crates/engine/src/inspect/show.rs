//! Values as one line of text: literals, keys, table previews, function signatures.

use mlua::{Function, Table, Value};

use super::graph::{type_name, Graph};
use super::{signature, Limits, Shown, Upvalue};
use crate::memory::{float_text, Edge, Key, Raw, StdNames};
use crate::render::{is_identifier, quote, sort_entries};

/// Characters of a table's preview before it is cut with `…`.
const PREVIEW_CHARS: usize = 48;
/// Characters of an upvalue's preview in its function's row.
const UPVALUE_CHARS: usize = 24;
/// Strings inside a preview are cut to this many bytes.
const PREVIEW_STRING: usize = 16;
/// Tables up to this size are previewed in key order; larger ones in `next` order
/// (their sequence part first), so a preview never sorts a big table.
const SORTED_PREVIEW: usize = 32;

impl Graph<'_> {
    /// A value that is not an object with a place: nil, booleans, numbers, strings,
    /// C functions, coroutines, userdata.
    pub(super) fn scalar(&self, value: &Value) -> Shown {
        let text = match value {
            Value::Nil => "nil".into(),
            Value::Boolean(b) => b.to_string(),
            Value::Integer(i) => i.to_string(),
            Value::Number(n) => float_text(*n),
            Value::String(s) => {
                let bytes = s.as_bytes();
                return Shown::String { text: cut_string(&bytes, self.limits.string_chars), bytes: bytes.len() };
            }
            Value::Function(_) => return Shown::Other { type_name: "function", text: "C function".into() },
            Value::Thread(_) => return Shown::Other { type_name: "thread", text: "coroutine".into() },
            other => return Shown::Other { type_name: other.type_name(), text: other.type_name().into() },
        };
        Shown::Scalar { type_name: type_name(value), text }
    }

    pub(super) fn function(&self, f: &Function) -> Shown {
        let info = f.info();
        let params = self.params(f, info.num_params);
        let upvalues = self
            .upvalues(f)
            .into_iter()
            .map(|c| {
                let Edge::Upvalue { name, .. } = c.edge else { unreachable!("upvalues hang by upvalue edges") };
                Upvalue { name, value: self.brief(&c.value, UPVALUE_CHARS) }
            })
            .collect();
        let defined = format!("{}:{}", info.short_src.unwrap_or_default(), info.line_defined.unwrap_or(0));
        Shown::Function { params, vararg: info.is_vararg, defined, upvalues }
    }

    /// `{1, 2, x = "a", …}`: the first entries of a table with `entries` entries.
    pub(super) fn table_preview(&self, t: &Table, entries: usize) -> String {
        self.constructor(t, entries, PREVIEW_CHARS)
    }

    fn constructor(&self, t: &Table, entries: usize, budget: usize) -> String {
        let mut pairs: Vec<(Value, Value)> = if entries <= SORTED_PREVIEW {
            let mut all: Vec<(Value, Value)> = t.pairs().filter_map(Result::ok).collect();
            sort_entries(&mut all);
            all
        } else {
            t.pairs().filter_map(Result::ok).take(budget / 2).collect()
        };
        let mut text = String::from("{");
        let mut next_index = 1;
        let mut shown = 0;
        for (k, v) in pairs.drain(..) {
            let item = match k {
                Value::Integer(i) if i == next_index => {
                    next_index += 1;
                    self.inner(&v)
                }
                _ => format!("{} = {}", self.key_in_constructor(&k), self.inner(&v)),
            };
            if shown > 0 && text.chars().count() + item.chars().count() + 2 > budget {
                break;
            }
            if shown > 0 {
                text.push_str(", ");
            }
            text.push_str(&item);
            shown += 1;
        }
        if shown < entries {
            text.push_str(if shown > 0 { ", …" } else { "…" });
        }
        text.push('}');
        text
    }

    /// A value inside a preview: nested tables are `{…}`.
    fn inner(&self, value: &Value) -> String {
        match value {
            Value::Table(t) if self.std_name(value).is_none() => {
                if t.is_empty() {
                    "{}".into()
                } else {
                    "{…}".into()
                }
            }
            other => self.brief(other, PREVIEW_STRING + 2),
        }
    }

    /// A value in a few characters, for previews: literals, names of standard values,
    /// signatures, short constructors.
    pub(super) fn brief(&self, value: &Value, budget: usize) -> String {
        if let Some(name) = self.std_name(value) {
            return name.to_owned();
        }
        match value {
            Value::String(s) => cut_string(&s.as_bytes(), budget.saturating_sub(2).max(PREVIEW_STRING)),
            Value::Table(t) => {
                let entries = t.pairs::<Value, Value>().take(SORTED_PREVIEW + 1).count();
                self.constructor(t, entries, budget)
            }
            Value::Function(f) if f.info().what != "C" => {
                let info = f.info();
                signature(&self.params(f, info.num_params), info.is_vararg)
            }
            other => self.scalar(other).preview(),
        }
    }

    fn params(&self, f: &Function, count: u8) -> Vec<String> {
        params(self.raw, f, count)
    }

    fn key_in_constructor(&self, key: &Value) -> String {
        match key {
            Value::String(s) if is_identifier(&s.as_bytes()) => s.to_string_lossy(),
            other => format!("[{}]", self.brief(other, PREVIEW_STRING + 2)),
        }
    }

    /// The key as Lua writes it after its parent: `name`, `[3]`, `["a b"]`, `[0.1]`
    /// (long strings cut); an upvalue's name; `metatable`.
    pub(super) fn key_text(&self, edge: &Edge) -> String {
        match edge {
            Edge::Key(Key::String(s)) if s.len() > self.limits.string_chars => {
                format!("[{}]", cut_string(s, self.limits.string_chars))
            }
            Edge::Key(key) => key.index(),
            Edge::Upvalue { name, .. } => name.clone(),
            Edge::Metatable => "metatable".into(),
            Edge::ObjectKey => "<key>".into(),
        }
    }
}

/// A value on its own, as the inspector previews it, without walking Memory: what
/// completion and hover show (bounded work for a table of any size).
pub(crate) fn preview(raw: &Raw, std: &StdNames, value: &Value) -> String {
    Graph::build(raw, std, Limits::default(), Value::Nil).brief(value, PREVIEW_CHARS)
}

/// Parameter names, as `debug.getlocal(f, i)` gives them for a function not running.
pub(crate) fn params(raw: &Raw, f: &Function, count: u8) -> Vec<String> {
    (1..=i64::from(count))
        .map(|i| raw.getlocal.call::<Option<String>>((f, i)).ok().flatten().unwrap_or_else(|| "?".into()))
        .collect()
}

/// A string as a literal of at most `limit` bytes of content, with its length if cut.
fn cut_string(bytes: &[u8], limit: usize) -> String {
    if bytes.len() <= limit {
        return quote(bytes);
    }
    // Not inside a UTF-8 character: step back over continuation bytes (at most 3).
    let mut end = limit;
    while end + 3 > limit && end > 0 && bytes[end] & 0xC0 == 0x80 {
        end -= 1;
    }
    format!("{}…", quote(&bytes[..end]))
}
