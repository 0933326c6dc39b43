//! Values of the standard environment by name. `print`, `string.format` or `_G` are
//! not saved as contents (a C function has none, and `_G` is not Memory's to keep):
//! they are saved as their names and looked up again in the new VM. The names are
//! found by walking the globals once, before any user code runs.

use std::collections::{BTreeSet, HashMap};
use std::ffi::c_void;

use mlua::{Lua, Value};
use rustc_hash::FxHashMap;

use super::path::{Edge, Key, Path};

pub(crate) struct StdNames {
    /// Looked up for every table and function a save point meets.
    by_pointer: FxHashMap<*const c_void, String>,
    by_name: HashMap<String, Value>,
    /// A copy of each standard table as the VM started, to tell what a script changed
    /// in one (that is not saved: the table is saved by name).
    pristine: HashMap<String, Value>,
}

/// Tables are walked this deep below `_G`: `string` is depth 1, `string.format` 2.
const DEPTH: usize = 2;

impl StdNames {
    pub(crate) fn build(lua: &Lua) -> mlua::Result<StdNames> {
        let mut names =
            StdNames { by_pointer: FxHashMap::default(), by_name: HashMap::new(), pristine: HashMap::new() };
        let globals = lua.globals();
        names.add(lua, "_G".into(), Value::Table(globals.clone()))?;
        let mut level = vec![(String::new(), globals)];
        for depth in 0..DEPTH {
            let mut next = Vec::new();
            for (prefix, table) in level {
                let mut entries: Vec<(String, Value)> = table
                    .pairs::<Value, Value>()
                    .filter_map(Result::ok)
                    .filter_map(|(k, v)| match k {
                        Value::String(s) => Some((s.to_str().ok()?.to_owned(), v)),
                        _ => None,
                    })
                    .collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                for (key, value) in entries {
                    let name = if prefix.is_empty() { key } else { format!("{prefix}.{key}") };
                    let is_new = names.add(lua, name.clone(), value.clone())?;
                    if let (true, Value::Table(t)) = (is_new, value) {
                        if depth + 1 < DEPTH {
                            next.push((name, t));
                        }
                    }
                }
            }
            level = next;
        }
        Ok(names)
    }

    /// Records functions and tables under their first (shortest) name. Keeping the
    /// value keeps it alive, so its address cannot be reused by another object.
    fn add(&mut self, lua: &Lua, name: String, value: Value) -> mlua::Result<bool> {
        if !matches!(value, Value::Function(_) | Value::Table(_)) {
            return Ok(false);
        }
        let pointer = value.to_pointer();
        if self.by_pointer.contains_key(&pointer) {
            return Ok(false);
        }
        self.by_pointer.insert(pointer, name.clone());
        if let Value::Table(t) = &value {
            let copy = lua.create_table()?;
            t.for_each(|k: Value, v: Value| copy.raw_set(k, v))?;
            self.pristine.insert(name.clone(), Value::Table(copy));
        }
        self.by_name.insert(name, value);
        Ok(true)
    }

    /// Whether the standard value of this name is a table.
    pub(crate) fn is_table(&self, name: &str) -> bool {
        self.pristine.contains_key(name)
    }

    /// The keys of the standard table `name` that a script added, replaced or removed
    /// (`Memory` in `_G` aside: it is Moonkeep's own), as Lua would write them, sorted.
    pub(crate) fn changed_keys(&self, name: &str) -> Vec<String> {
        let (Some(Value::Table(before)), Some(Value::Table(now))) = (self.pristine.get(name), self.by_name.get(name))
        else {
            return Vec::new();
        };
        let shown = |key: &Value| Path::new(name, vec![Edge::Key(Key::of(key))]).to_string();
        let mut changed = BTreeSet::new();
        for (key, value) in now.pairs::<Value, Value>().flatten() {
            let ours = name == "_G" && matches!(&key, Value::String(s) if s.as_bytes() == b"Memory");
            if !ours && before.raw_get::<Value>(&key).is_ok_and(|was| was != value) {
                changed.insert(shown(&key));
            }
        }
        for (key, _) in before.pairs::<Value, Value>().flatten() {
            if now.raw_get::<Value>(&key).is_ok_and(|v| v.is_nil()) {
                changed.insert(format!("{} (removed)", shown(&key)));
            }
        }
        changed.into_iter().collect()
    }

    /// The name of the standard value at this address, if it is one.
    pub(crate) fn name_of(&self, value: &Value) -> Option<&str> {
        self.name_at(value.to_pointer())
    }

    pub(crate) fn name_at(&self, pointer: *const c_void) -> Option<&str> {
        self.by_pointer.get(&pointer).map(String::as_str)
    }

    pub(crate) fn value_of(&self, name: &str) -> Option<&Value> {
        self.by_name.get(name)
    }
}
