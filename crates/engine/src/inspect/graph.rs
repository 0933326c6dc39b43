//! The first place of every object in Memory, found breadth first with children in
//! display order, and what a value looks like at a given place.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};

use mlua::{Function, Value};

use super::{Limits, Shown};
use crate::memory::{extend, live, Edge, Key, Raw, StdNames};

pub(super) struct Child {
    pub edge: Edge,
    pub value: Value,
}

/// An object's first place: its parent and the edge from it (none for `Memory`).
struct Place {
    parent: Option<(usize, Edge)>,
    /// Entries of a table, found while walking.
    entries: usize,
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
    /// Walks everything reachable from `root` once, breadth first.
    pub(crate) fn build(raw: &'a Raw, std: &'a StdNames, limits: Limits, root: Value) -> Graph<'a> {
        let mut graph = Graph { raw, std, limits, root: root.clone(), places: HashMap::new() };
        if !graph.is_object(&root) {
            return graph;
        }
        graph.places.insert(address(&root), Place { parent: None, entries: 0 });
        let mut queue = VecDeque::from([root]);
        while let Some(object) = queue.pop_front() {
            let at = address(&object);
            let (entries, children) = graph.listed(&object, true);
            if let Some(place) = graph.places.get_mut(&at) {
                place.entries = entries;
            }
            for child in children {
                if let Entry::Vacant(place) = graph.places.entry(address(&child.value)) {
                    place.insert(Place { parent: Some((at, child.edge)), entries: 0 });
                    queue.push_back(child.value);
                }
            }
        }
        graph
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

    /// `value` as shown where it hangs from `parent` by `edge` (`None`: the root).
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
                let has_metatable = t.metatable().is_some();
                Shown::Table { entries: place.entries, has_metatable, preview: self.table_preview(t, place.entries) }
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
