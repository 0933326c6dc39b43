//! The tree of Memory cut by [`Limits`](super::Limits), for `moonkeep inspect`.

use mlua::Value;

use super::graph::{address, Edge, Graph};
use super::{Node, Slot};

impl Graph<'_> {
    pub(crate) fn tree(&self) -> Node {
        let root = self.describe(&self.root, None);
        let mut node =
            Node { key: "Memory".into(), path: "Memory".into(), slot: Slot::Root, value: root.value, children: Vec::new(), hidden: 0 };
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
            let path = self.extend(&node.path, &child.edge, &key);
            let described = self.describe(&child.value, Some((address(value), &child.edge)));
            let slot = match child.edge {
                Edge::Key(_) => Slot::Entry,
                Edge::Upvalue { .. } => Slot::Upvalue,
                Edge::Metatable => Slot::Metatable,
            };
            let mut below = Node { key, path, slot, value: described.value, children: Vec::new(), hidden: 0 };
            if described.expandable {
                self.fill(&mut below, &child.value, depth + 1);
            }
            node.children.push(below);
        }
    }
}
