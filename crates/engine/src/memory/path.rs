//! Where an object sits in Memory, written as Lua would: `Memory.jobs[3]`,
//! `getmetatable(Memory.point).__index`, `Memory.counter (upvalue 'n')`.
//! Paths are only built when something needs reporting; the walk records each
//! object's first parent.

use rustc_hash::FxHashMap;

use super::format::Stored;
use crate::render::{is_identifier, quote};

#[derive(Debug, Clone)]
pub(crate) enum Step {
    Key(Stored),
    Upvalue(String),
    Metatable,
    /// An object used as a key.
    KeyObject,
}

#[derive(Default)]
pub(crate) struct Parents {
    first: FxHashMap<u64, (u64, Step)>,
}

impl Parents {
    /// Remembers how `child` was first reached; later routes are ignored.
    pub(crate) fn note(&mut self, child: u64, parent: u64, step: Step) {
        self.first.entry(child).or_insert((parent, step));
    }

    /// Forgets every route, keeping the room they took.
    pub(crate) fn clear(&mut self) {
        self.first.clear();
    }

    /// The path of object `id`.
    pub(crate) fn path(&self, id: u64) -> String {
        let mut steps = Vec::new();
        let mut at = id;
        while let Some((parent, step)) = self.first.get(&at) {
            steps.push(step);
            at = *parent;
            if steps.len() > 10_000 {
                break; // a damaged store could make a loop of parents
            }
        }
        steps.iter().rev().fold("Memory".to_owned(), |path, step| extend(path, step))
    }

    /// The path of `step` taken from object `id`.
    pub(crate) fn path_of(&self, id: u64, step: &Step) -> String {
        extend(self.path(id), step)
    }
}

pub(crate) fn extend(path: String, step: &Step) -> String {
    match step {
        Step::Key(Stored::String(s)) if is_identifier(s) => format!("{path}.{}", String::from_utf8_lossy(s)),
        Step::Key(key) => format!("{path}[{}]", key_text(key)),
        Step::Upvalue(name) => format!("{path} (upvalue '{name}')"),
        Step::Metatable => format!("getmetatable({path})"),
        Step::KeyObject => format!("{path}[<key>]"),
    }
}

fn key_text(key: &Stored) -> String {
    match key {
        Stored::Nil => "nil".into(),
        Stored::Boolean(b) => b.to_string(),
        Stored::Integer(i) => i.to_string(),
        Stored::Float(bits) => format!("{}", f64::from_bits(*bits)),
        Stored::String(s) => quote(s),
        Stored::Object(id) => format!("<object {id}>"),
        Stored::Std(name) => name.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_like_lua() {
        let mut p = Parents::default();
        p.note(2, 1, Step::Key(Stored::String(b"jobs".to_vec())));
        p.note(3, 2, Step::Key(Stored::Integer(3)));
        p.note(4, 3, Step::Metatable);
        p.note(5, 4, Step::Key(Stored::String(b"a b".to_vec())));
        p.note(3, 1, Step::Key(Stored::Integer(99))); // a second route is ignored
        assert_eq!(p.path(1), "Memory");
        assert_eq!(p.path(3), "Memory.jobs[3]");
        assert_eq!(p.path(5), "getmetatable(Memory.jobs[3])[\"a b\"]");
        assert_eq!(p.path_of(2, &Step::Upvalue("co".into())), "Memory.jobs (upvalue 'co')");
    }
}
