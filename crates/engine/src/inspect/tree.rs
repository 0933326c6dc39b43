//! The tree of Memory cut by [`Limits`], for `moonkeep inspect`.

use mlua::Value;

use super::graph::{address, Graph};
use super::{Limits, Node, Place};
use crate::memory::{extend, Edge, Raw, StdNames};

/// How far the console unfolds a returned value.
const VALUE_LIMITS: Limits = Limits { depth: 6, entries: 100, string_chars: 200 };

/// The tree of one value a run returned, which the console unfolds. `name` stands for
/// the value in paths ("(1)" for the first value).
pub(crate) fn value_tree(name: &str, value: &Value, raw: &Raw, std: &StdNames) -> Node {
    Graph::build(raw, std, VALUE_LIMITS, value.clone()).tree_named(name)
}

impl Graph<'_> {
    pub(crate) fn tree(&mut self) -> Node {
        self.tree_named("Memory")
    }

    fn tree_named(&mut self, name: &str) -> Node {
        // Nodes are described down to the depth limit; below it they are only counted.
        self.walk(self.limits.depth);
        self.tree_walked(name)
    }

    /// The tree, once [`Graph::walk`] went as deep as it goes.
    pub(super) fn tree_walked(&self, name: &str) -> Node {
        let root = self.describe(&self.root, None);
        let mut node = Node {
            key: name.into(),
            path: name.into(),
            place: Place::Root,
            value: root.value,
            children: Vec::new(),
            hidden: 0,
        };
        if root.expandable {
            self.fill(&mut node, &self.root, 0);
        }
        node
    }

    fn fill(&self, node: &mut Node, value: &Value, depth: usize) {
        let children = self.children(value);
        if depth >= self.limits.depth {
            node.hidden = children.len();
            return;
        }
        node.hidden = children.len().saturating_sub(self.limits.entries);
        for child in children.into_iter().take(self.limits.entries) {
            let key = self.key_text(&child.edge);
            let path = extend(&node.path, &child.edge);
            let described = self.describe(&child.value, Some((address(value), &child.edge)));
            let place = match child.edge {
                Edge::Key(_) | Edge::ObjectKey => Place::Entry,
                Edge::Upvalue { .. } => Place::Upvalue,
                Edge::Metatable => Place::Metatable,
            };
            let mut below = Node { key, path, place, value: described.value, children: Vec::new(), hidden: 0 };
            if described.expandable {
                self.fill(&mut below, &child.value, depth + 1);
            }
            node.children.push(below);
        }
    }
}
