//! Values as the REPL shows them: scalars exactly as Lua's `tostring` writes them,
//! tables as readable constructors (`{1, 2, x = "a"}`) with cycles marked and size
//! bounded, so that showing any value is cheap and never fails.

use std::cmp::Ordering;
use std::ffi::c_void;

use mlua::{Function, Table, Value};

/// Tables nested deeper than this show as `{...}`.
const MAX_DEPTH: usize = 4;
/// Entries shown per table; the rest are counted.
const MAX_ENTRIES: usize = 100;
/// A constructor longer than this on one line is laid out one entry per line.
const LINE_WIDTH: usize = 72;

/// Shows a value returned to the REPL. Strings appear raw, as `tostring` gives them
/// (bytes that are not UTF-8 as `\xFF`, as in output).
pub(crate) fn show(value: &Value, tostring: &Function) -> String {
    match value {
        Value::String(s) => crate::vm::display(&s.as_bytes()),
        _ => Renderer { tostring, path: Vec::new() }.value(value, 0),
    }
}

struct Renderer<'a> {
    /// The original `tostring`, captured before user code could replace it.
    tostring: &'a Function,
    /// Tables on the path from the root to the one being shown: meeting one again is a cycle.
    path: Vec<*const c_void>,
}

impl Renderer<'_> {
    fn value(&mut self, value: &Value, depth: usize) -> String {
        match value {
            Value::String(s) => quote(&s.as_bytes()),
            Value::Table(t) if !has_own_text(t) => self.table(t, depth),
            other => self.tostring(other),
        }
    }

    fn tostring(&self, value: &Value) -> String {
        match self.tostring.call::<mlua::LuaString>(value.clone()) {
            Ok(s) => s.to_string_lossy(),
            Err(e) => format!("<{} whose __tostring failed: {}>", value.type_name(), first_line(&e.to_string())),
        }
    }

    fn table(&mut self, table: &Table, depth: usize) -> String {
        let id = table.to_pointer();
        if self.path.contains(&id) {
            return "<cycle>".to_owned();
        }
        if depth >= MAX_DEPTH {
            return "{...}".to_owned();
        }
        self.path.push(id);
        let (entries, hidden) = self.entries(table, depth);
        self.path.pop();
        layout(&entries, hidden, depth)
    }

    /// The table's entries as text: the sequence 1..n first, then other keys sorted.
    fn entries(&mut self, table: &Table, depth: usize) -> (Vec<String>, usize) {
        let len = table.raw_len();
        let mut shown = Vec::new();
        for i in 1..=len.min(MAX_ENTRIES) {
            let v: Value = table.raw_get(i).unwrap_or(Value::Nil);
            shown.push(self.value(&v, depth + 1));
        }
        let mut others: Vec<(Value, Value)> =
            table.pairs::<Value, Value>().filter_map(Result::ok).filter(|(k, _)| !is_sequence_key(k, len)).collect();
        let total = len + others.len();
        sort_entries(&mut others);
        for (k, v) in others.into_iter().take(MAX_ENTRIES.saturating_sub(shown.len())) {
            let key = match &k {
                Value::String(s) if is_identifier(&s.as_bytes()) => s.to_string_lossy(),
                _ => format!("[{}]", self.value(&k, depth + 1)),
            };
            shown.push(format!("{key} = {}", self.value(&v, depth + 1)));
        }
        let hidden = total - shown.len();
        (shown, hidden)
    }
}

fn layout(entries: &[String], hidden: usize, depth: usize) -> String {
    let mut items: Vec<String> = entries.to_vec();
    if hidden > 0 {
        items.push(format!("... {hidden} more"));
    }
    if items.is_empty() {
        return "{}".to_owned();
    }
    let one_line = format!("{{{}}}", items.join(", "));
    if one_line.len() <= LINE_WIDTH && !one_line.contains('\n') {
        return one_line;
    }
    let indent = "  ".repeat(depth + 1);
    let close = "  ".repeat(depth);
    format!("{{\n{indent}{}\n{close}}}", items.join(&format!(",\n{indent}")))
}

/// A table whose metatable gives it its own text (`__tostring`, or `__name` as
/// `luaL_tolstring` uses it) is shown through `tostring`, as Lua would.
fn has_own_text(table: &Table) -> bool {
    table.metatable().is_some_and(|mt| {
        mt.raw_get::<Value>("__tostring").is_ok_and(|v| !v.is_nil())
            || mt.raw_get::<Value>("__name").is_ok_and(|v| v.is_string())
    })
}

fn is_sequence_key(key: &Value, len: usize) -> bool {
    matches!(key, Value::Integer(i) if *i >= 1 && (*i as u64) <= len as u64)
}

/// Numbers in order, then strings, booleans and the rest: the order tables are shown in.
/// Sorts a table's entries by [`key_order`] of their keys. One function for every such
/// sort: each call site of a generic sort is its own copy of the sorting code in the page.
pub(crate) fn sort_entries(entries: &mut [(Value, Value)]) {
    entries.sort_unstable_by(|a, b| key_order(&a.0, &b.0));
}

fn key_order(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Integer(_) | Value::Number(_) => 0,
            Value::String(_) => 1,
            Value::Boolean(_) => 2,
            _ => 3,
        }
    }
    fn number(v: &Value) -> f64 {
        match v {
            Value::Integer(i) => *i as f64,
            Value::Number(n) => *n,
            _ => 0.0,
        }
    }
    rank(a).cmp(&rank(b)).then_with(|| match (a, b) {
        (Value::Integer(x), Value::Integer(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => x.as_bytes().as_ref().cmp(y.as_bytes().as_ref()),
        (Value::Boolean(x), Value::Boolean(y)) => x.cmp(y),
        _ if rank(a) == 0 => number(a).total_cmp(&number(b)),
        _ => a.to_pointer().cmp(&b.to_pointer()),
    })
}

pub(crate) const KEYWORDS: [&str; 22] = [
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in", "local", "nil",
    "not", "or", "repeat", "return", "then", "true", "until", "while",
];

pub(crate) fn is_identifier(bytes: &[u8]) -> bool {
    let Some((&first, rest)) = bytes.split_first() else { return false };
    (first.is_ascii_alphabetic() || first == b'_')
        && rest.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
        && !KEYWORDS.iter().any(|k| k.as_bytes() == bytes)
}

/// A string as a one-line Lua literal: escapes for quotes, backslashes, control
/// characters and bytes that are not UTF-8.
pub(crate) fn quote(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_ascii_control() => out.push_str(&format!("\\{:03}", c as u32)),
                c if c.is_control() => out.push_str(&format!("\\u{{{:X}}}", c as u32)),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\{b:03}"));
        }
    }
    out.push('"');
    out
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_escapes_what_would_break_a_line() {
        assert_eq!(quote(b"a\"b\\c\n\t\x01\xff"), r#""a\"b\\c\n\t\001\255""#);
        assert_eq!(quote("héllo".as_bytes()), "\"héllo\"");
    }

    #[test]
    fn identifiers_exclude_keywords_and_leading_digits() {
        assert!(is_identifier(b"_x1"));
        assert!(!is_identifier(b"end"));
        assert!(!is_identifier(b"1x"));
        assert!(!is_identifier(b"a b"));
        assert!(!is_identifier(b""));
    }
}
