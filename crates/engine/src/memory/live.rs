//! The edges of the live graph: what a table or Lua function in the running VM links
//! to, read raw (no metamethod runs) and in one order, the order the inspector shows
//! them in. The walks of the live graph visit children through these two functions:
//! the inspector's breadth-first walk (`inspect/graph.rs`) and the proof's depth-first
//! digest (`vm/proof.rs`). The save walk reads the same edges off the C stack
//! (`moonkeep_lua::walk`), the record walks from stored records (`path::references`).

use mlua::{Function, LuaString, Table, Value};

use super::Edge;
use crate::render::sort_entries;

/// How many entries `table` has, and those whose value `keep` accepts, sorted as the
/// inspector lists them (numbers, strings, the rest). Its metatable is `table.metatable()`.
pub(crate) fn entries(table: &Table, keep: impl Fn(&Value) -> bool) -> (usize, Vec<(Value, Value)>) {
    let mut count = 0;
    let mut kept = Vec::new();
    let _ = table.for_each::<Value, Value>(|k, v| {
        count += 1;
        if keep(&v) {
            kept.push((k, v));
        }
        Ok(())
    });
    sort_entries(&mut kept);
    (count, kept)
}

/// A Lua function's upvalues, by index and name (`?` when stripped), with their values.
/// `getupvalue` is `debug.getupvalue`, captured before user code ran.
pub(crate) fn upvalues(getupvalue: &Function, f: &Function) -> Vec<(Edge, Value)> {
    (1..=i64::from(f.info().num_upvalues))
        .filter_map(|i| {
            let (name, value) = getupvalue.call::<(Option<LuaString>, Value)>((f, i)).ok()?;
            let name = name.map_or_else(|| "?".into(), |n| n.to_string_lossy());
            Some((Edge::Upvalue { index: i as u32, name }, value))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use mlua::Lua;

    use super::*;

    #[test]
    fn entries_are_counted_all_and_kept_in_display_order() {
        let lua = Lua::new();
        let t: Table = lua.load("return { 3, 1, b = {}, a = 'x', [2.5] = true }").eval().unwrap();
        let (count, kept) = entries(&t, |v| !matches!(v, Value::Boolean(_)));
        assert_eq!(count, 5);
        let keys: Vec<String> = kept.iter().map(|(k, _)| format!("{k:?}")).collect();
        assert_eq!(keys, ["Integer(1)", "Integer(2)", "String(\"a\")", "String(\"b\")"]);
    }

    #[test]
    fn upvalues_come_by_index_with_their_names() {
        let lua = moonkeep_lua::new_state();
        let getupvalue = crate::memory::Raw::capture(&lua).unwrap().getupvalue;
        let f: Function = lua.load("local n, s = 1, 'two' return function() return n, s end").eval().unwrap();
        let found: Vec<(Edge, String)> =
            upvalues(&getupvalue, &f).into_iter().map(|(e, v)| (e, format!("{v:?}"))).collect();
        assert_eq!(
            found,
            [
                (Edge::Upvalue { index: 1, name: "n".into() }, "Integer(1)".into()),
                (Edge::Upvalue { index: 2, name: "s".into() }, "String(\"two\")".into()),
            ]
        );
    }
}
