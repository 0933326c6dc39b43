//! Deleting the entry a row stands for, found again from `Memory` by its real keys,
//! and putting it back.

use std::sync::Arc;

use mlua::{Lua, Table, Value};

use super::Row;
use crate::memory::{Edge, Key, Raw};

/// The table entry a [`Row`] stands for: the edges from `Memory` to the
/// table holding it (shared by its siblings), and its key.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    table: Arc<[Edge]>,
    key: Key,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeleteError {
    #[error("{0} is not a table entry: only entries can be deleted")]
    NotAnEntry(String),
    #[error("{0} is no longer in Memory (a run changed it); the inspector shows Memory as it is now")]
    Gone(String),
    #[error("{0} has a new value since it was deleted; the new value is kept")]
    Replaced(String),
}

/// An entry taken out of Memory, held so that it can be put back.
pub struct Deleted {
    table: Table,
    key: Value,
    value: Value,
    path: String,
}

impl Entry {
    pub(super) fn new(table: Arc<[Edge]>, key: Key) -> Entry {
        Entry { table, key }
    }
}

impl Deleted {
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// Removes the entry `row` stands for from its table (a raw assignment of nil: no
/// `__newindex` runs).
pub(crate) fn delete(lua: &Lua, raw: &Raw, row: &Row) -> Result<Deleted, DeleteError> {
    let Some(entry) = &row.entry else { return Err(DeleteError::NotAnEntry(row.path.clone())) };
    let gone = || DeleteError::Gone(row.path.clone());
    let mut at = lua.globals().raw_get::<Value>("Memory").map_err(|_| gone())?;
    for edge in entry.table.iter() {
        at = step(lua, raw, &at, edge).ok_or_else(gone)?;
    }
    let Value::Table(table) = at else { return Err(gone()) };
    let key = find_key(lua, &table, &entry.key).ok_or_else(gone)?;
    let value: Value = table.raw_get(&key).map_err(|_| gone())?;
    if value.is_nil() {
        return Err(gone());
    }
    table.raw_set(&key, Value::Nil).map_err(|_| gone())?;
    Ok(Deleted { table, key, value, path: row.path.clone() })
}

/// Puts a deleted entry back, unless its key has been given a value since.
pub(crate) fn undo(deleted: Deleted) -> Result<(), DeleteError> {
    let current: Value = deleted.table.raw_get(&deleted.key).unwrap_or(Value::Nil);
    if !current.is_nil() {
        return Err(DeleteError::Replaced(deleted.path));
    }
    deleted.table.raw_set(&deleted.key, &deleted.value).map_err(|_| DeleteError::Gone(deleted.path))
}

fn step(lua: &Lua, raw: &Raw, at: &Value, edge: &Edge) -> Option<Value> {
    match (at, edge) {
        (Value::Table(t), Edge::Key(k)) => {
            let key = find_key(lua, t, k)?;
            t.raw_get::<Value>(key).ok().filter(|v| !v.is_nil())
        }
        (Value::Table(t), Edge::Metatable) => t.metatable().map(Value::Table),
        (Value::Function(f), Edge::Upvalue { index, name }) => {
            let (found, value) = raw.getupvalue.call::<(Option<String>, Value)>((f, *index)).ok()?;
            (found.as_deref() == Some(name)).then_some(value)
        }
        _ => None,
    }
}

/// The Lua value of a key; an object key is looked for among the table's keys.
fn find_key(lua: &Lua, table: &Table, key: &Key) -> Option<Value> {
    Some(match key {
        Key::Boolean(b) => Value::Boolean(*b),
        Key::Integer(i) => Value::Integer(*i),
        Key::Float(bits) => Value::Number(f64::from_bits(*bits)),
        Key::String(bytes) => Value::String(lua.create_string(bytes).ok()?),
        Key::Object { type_name, address } => table
            .pairs::<Value, Value>()
            .filter_map(Result::ok)
            .map(|(k, _)| k)
            .find(|k| k.type_name() == *type_name && k.to_pointer() as usize == *address)?,
        // Keys of stored records: never in a live row.
        Key::Record(_) | Key::Std(_) => return None,
    })
}
