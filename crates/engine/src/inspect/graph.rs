//! The first place of every object in Memory, found breadth first with children in
//! display order, and what a value looks like at a given place.
//!
//! The walk goes only as deep as the view shows: an object shown d edges below the
//! root has its first place at most d edges below it, and breadth first, the places of
//! the objects up to d edges down are final once the objects above them are listed. So
//! a view of the first levels of a Memory of a million objects lists only those levels.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};

use mlua::{Function, Table, Value};

use super::{Limits, Shown};
use crate::memory::{extend, live, Edge, Key, Raw, StdNames};

pub(super) struct Child {
    pub edge: Edge,
    pub value: Value,
}

/// An object's first place: its parent and the edge from it (none for `Memory`).
struct Place {
    parent: Option<(usize, Edge)>,
    /// Entries of a table, if the walk listed them.
    entries: Option<usize>,
}

/// Memory's objects and their first places, for one refresh of the view.
pub(crate) struct Graph<'a> {
    pub(super) raw: &'a Raw,
    std: &'a StdNames,
    pub(super) limits: Limits,
    pub(super) root: Value,
    places: HashMap<usize, Place>,
}

/// What a value looks like at one place.
pub(super) struct Described {
    pub value: Shown,
    pub expandable: bool,
    /// For a link: the paths to expand to show its target.
    pub reveal: Vec<String>,
}

impl<'a> Graph<'a> {
    /// A view of what is reachable from `root`; [`Graph::walk`] finds the places.
    pub(crate) fn build(raw: &'a Raw, std: &'a StdNames, limits: Limits, root: Value) -> Graph<'a> {
        Graph { raw, std, limits, root, places: HashMap::new() }
    }

    /// Finds the first places of every object at most `depth` edges from the root:
    /// breadth first, listing the objects above that depth. Rows down to `depth` can
    /// then be described. The objects at `depth` are not queued: the queue holds no
    /// more than about one level's values, each a reference in mlua's auxiliary stack,
    /// which has room for about a million.
    pub(super) fn walk(&mut self, depth: usize) {
        self.places.clear();
        if !self.is_object(&self.root) {
            return;
        }
        self.places.insert(address(&self.root), Place { parent: None, entries: None });
        let mut queue = VecDeque::new();
        if depth > 0 {
            queue.push_back((self.root.clone(), 0));
        }
        while let Some((object, level)) = queue.pop_front() {
            let at = address(&object);
            let (entries, children) = self.listed(&object, true);
            if let Some(place) = self.places.get_mut(&at) {
                place.entries = Some(entries);
            }
            for child in children {
                if let Entry::Vacant(place) = self.places.entry(address(&child.value)) {
                    place.insert(Place { parent: Some((at, child.edge)), entries: None });
                    if level + 1 < depth {
                        queue.push_back((child.value, level + 1));
                    }
                }
            }
        }
    }

    pub(super) fn std_name(&self, value: &Value) -> Option<&str> {
        self.std.name_of(value)
    }

    /// Tables and Lua functions have places and contents; values of the standard
    /// environment are shown by name, C functions have nothing to show.
    fn is_object(&self, value: &Value) -> bool {
        match value {
            Value::Table(_) => self.std.name_of(value).is_none(),
            Value::Function(f) => self.std.name_of(value).is_none() && is_lua(f),
            _ => false,
        }
    }

    /// Every child of `value` in display order: a table's metatable, then its entries
    /// by key (numbers, strings, the rest); a Lua function's upvalues.
    pub(super) fn children(&self, value: &Value) -> Vec<Child> {
        if !self.is_object(value) {
            return Vec::new();
        }
        self.listed(value, false).1
    }

    /// A table's entry count and its children in display order; with `objects_only`,
    /// only the children that are objects, without sorting the others (a table of
    /// 100,000 numbers has none to sort).
    fn listed(&self, value: &Value, objects_only: bool) -> (usize, Vec<Child>) {
        let keep = |v: &Value| !objects_only || self.is_object(v);
        match value {
            Value::Table(t) => {
                let (entries, kept) = live::entries(t, keep);
                let metatable = t.metatable().map(Value::Table).filter(|mt| keep(mt));
                let children = (metatable.map(|mt| Child { edge: Edge::Metatable, value: mt }).into_iter())
                    .chain(kept.into_iter().map(|(k, v)| Child { edge: Edge::Key(Key::of(&k)), value: v }))
                    .collect();
                (entries, children)
            }
            Value::Function(f) => (0, self.upvalues(f).into_iter().filter(|c| keep(&c.value)).collect()),
            _ => (0, Vec::new()),
        }
    }

    pub(super) fn upvalues(&self, f: &Function) -> Vec<Child> {
        live::upvalues(&self.raw.getupvalue, f).into_iter().map(|(edge, value)| Child { edge, value }).collect()
    }

    /// `value` as shown where it hangs from `parent` by `edge` (`None`: the root), no
    /// deeper than [`Graph::walk`] went.
    pub(super) fn describe(&self, value: &Value, parent: Option<(usize, &Edge)>) -> Described {
        if !matches!(value, Value::Table(_) | Value::Function(_)) {
            // Most rows: no lookups for them.
            return Described { value: self.scalar(value), expandable: false, reveal: Vec::new() };
        }
        if let Some(name) = self.std.name_of(value) {
            let value = Shown::Std { type_name: type_name(value), name: name.to_owned() };
            return Described { value, expandable: false, reveal: Vec::new() };
        }
        let Some(place) = self.places.get(&address(value)).filter(|_| self.is_object(value)) else {
            return Described { value: self.scalar(value), expandable: false, reveal: Vec::new() };
        };
        let first = match (&place.parent, parent) {
            (None, None) => true,
            (Some((p, e)), Some((q, f))) => *p == q && e == f,
            _ => false,
        };
        if !first {
            let mut route = self.route(address(value));
            let to = route.pop().unwrap_or_default();
            return Described {
                value: Shown::Link { type_name: type_name(value), to },
                expandable: false,
                reveal: route,
            };
        }
        let value = match value {
            Value::Table(t) => {
                // Not listed yet (the deepest rows shown): counted, not sorted.
                let entries = place.entries.unwrap_or_else(|| count(t));
                let has_metatable = t.metatable().is_some();
                Shown::Table { entries, has_metatable, preview: self.table_preview(t, entries) }
            }
            Value::Function(f) => self.function(f),
            _ => unreachable!("only tables and functions have places"),
        };
        let expandable = match &value {
            Shown::Table { entries, has_metatable, .. } => *entries > 0 || *has_metatable,
            Shown::Function { upvalues, .. } => !upvalues.is_empty(),
            _ => false,
        };
        Described { value, expandable, reveal: Vec::new() }
    }

    /// The paths from `Memory` down to the object at `address`, its own last.
    fn route(&self, address: usize) -> Vec<String> {
        let mut edges = Vec::new();
        let mut at = address;
        while let Some((parent, edge)) = self.places.get(&at).and_then(|p| p.parent.as_ref()) {
            edges.push(edge);
            at = *parent;
        }
        let mut paths = vec!["Memory".to_owned()];
        for edge in edges.into_iter().rev() {
            let next = extend(paths.last().expect("starts with Memory"), edge);
            paths.push(next);
        }
        paths
    }
}

/// Identity of a table or function: its address while it lives.
pub(super) fn address(value: &Value) -> usize {
    value.to_pointer() as usize
}

/// How many entries `table` has, read raw. Each entry is read as a `bool`, which makes
/// no reference to a table or function value (a `Value` would: ten times slower).
fn count(table: &Table) -> usize {
    let mut entries = 0;
    let _ = table.for_each::<bool, bool>(|_, _| {
        entries += 1;
        Ok(())
    });
    entries
}

fn is_lua(f: &Function) -> bool {
    f.info().what != "C"
}

pub(crate) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Integer(_) => "integer",
        Value::Number(_) => "float",
        other => other.type_name(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use mlua::Lua;
    use proptest::prelude::*;

    use super::*;
    use crate::inspect::Row;

    /// A Lua state whose `Memory` `source` fills, with what a graph reads it with.
    fn memory(source: &str) -> (Lua, Raw, StdNames) {
        let lua = moonkeep_lua::new_state();
        let raw = Raw::capture(&lua).unwrap();
        let std = StdNames::build(&lua).unwrap();
        lua.load(format!("Memory = {{}}\n{source}")).exec().unwrap();
        (lua, raw, std)
    }

    fn root(lua: &Lua) -> Value {
        lua.globals().get("Memory").unwrap()
    }

    fn open(paths: &[&str]) -> BTreeSet<String> {
        paths.iter().map(|p| p.to_string()).collect()
    }

    #[test]
    fn the_walk_lists_no_object_below_the_rows_shown() {
        let (lua, raw, std) = memory(
            "Memory.big, Memory.small = {}, {}\n\
             for i = 1, 1000 do Memory.big[i] = { { i } } end",
        );
        let mut graph = Graph::build(&raw, &std, Limits::default(), root(&lua));
        assert_eq!(graph.rows(&open(&["Memory"]), "").len(), 3);
        // Memory and the two objects its rows show: none of the 2,000 below them.
        assert_eq!(graph.places.len(), 3);
        assert_eq!(graph.rows(&open(&["Memory", "Memory.big"]), "").len(), 1003);
        assert_eq!(graph.places.len(), 1003);
        assert_eq!(graph.rows(&BTreeSet::new(), "").len(), 1);
        assert_eq!(graph.places.len(), 1);
    }

    /// Lua that makes Memory a graph of `objects` tables (object 1 is `Memory`) with
    /// the given entries, metatables and closures: shared objects and cycles at every
    /// depth, and strings for filters to find.
    fn generated(objects: usize, links: &[(usize, usize, u8)]) -> String {
        let mut source = format!("local o = {{ Memory }}\nfor i = 2, {objects} do o[i] = {{ s = 'text ' .. i }} end\n");
        for (n, &(from, to, kind)) in links.iter().enumerate() {
            let (from, to) = (from % objects + 1, to % objects + 1);
            source += &match kind % 4 {
                0 => format!("o[{from}][{n}] = o[{to}]\n"),
                1 => format!("o[{from}].k{n} = o[{to}]\n"),
                2 if from != 1 => format!("setmetatable(o[{from}], o[{to}])\n"),
                _ => format!("do local up = o[{to}] o[{from}].f{n} = function() return up end end\n"),
            };
        }
        source
    }

    /// Rows with a walk of everything, as the inspector found them before it walked
    /// only as deep as it shows.
    fn full_rows(graph: &mut Graph, expanded: &BTreeSet<String>, filter: &str) -> Vec<Row> {
        graph.walk(usize::MAX);
        graph.rows_walked(expanded, filter)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Expanding rows at random, a few levels at a time, the bounded walk gives
        /// exactly the rows of a full one: order, links, entry counts, expandable flags.
        #[test]
        fn the_bounded_walk_gives_the_rows_of_a_full_walk(
            objects in 2usize..14,
            links in prop::collection::vec((0usize..14, 0usize..14, 0u8..4), 0..40),
            choices in prop::collection::vec(any::<bool>(), 1..64),
            filter in prop::sample::select(vec!["", "text 1", "k", "f", "metatable", "[3]"]),
        ) {
            let (lua, raw, std) = memory(&generated(objects, &links));
            let mut bounded = Graph::build(&raw, &std, Limits::default(), root(&lua));
            let mut full = Graph::build(&raw, &std, Limits::default(), root(&lua));
            let mut expanded = open(&["Memory"]);
            let mut choice = choices.iter().cycle();
            for _ in 0..6 {
                let rows = bounded.rows(&expanded, "");
                prop_assert_eq!(&rows, &full_rows(&mut full, &expanded, ""));
                for row in rows.iter().filter(|r| r.expandable && !r.expanded) {
                    if *choice.next().expect("cycles") {
                        expanded.insert(row.path.clone());
                    }
                }
            }
            prop_assert_eq!(bounded.rows(&expanded, filter), full_rows(&mut full, &expanded, filter));
            let limits = Limits { depth: objects % 4, ..Limits::default() };
            let mut bounded = Graph::build(&raw, &std, limits, root(&lua));
            let mut full = Graph::build(&raw, &std, limits, root(&lua));
            full.walk(usize::MAX);
            prop_assert_eq!(bounded.tree(), full.tree_walked("Memory"));
        }
    }
}
