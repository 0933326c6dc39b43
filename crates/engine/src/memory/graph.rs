//! The objects the store holds and what each refers to, with reference counts, so
//! that a save point which reads only what changed still finds what became
//! unreachable: an object whose count drops to zero is gone with everything only it
//! reached, and an object whose count drops but not to zero may close a cycle that is
//! now garbage, which a trial deletion over what it reaches finds (Bacon and Rajan's
//! synchronous cycle collection: count only the references from outside that part of
//! the graph). Only the engine's own numbers are touched here, never Lua.

use rustc_hash::{FxHashMap, FxHashSet};

use super::format::KeyName;

/// What a record is, for the key it is stored under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Table,
    Closure,
    Proto,
}

impl Kind {
    pub(super) fn key(self, id: u64) -> KeyName {
        match self {
            Kind::Table | Kind::Closure => KeyName::Object(id),
            Kind::Proto => KeyName::Proto(id),
        }
    }
}

/// One object as a save point read it: its id, kind, and the ids it refers to (once
/// per reference; a closure refers to its prototype).
pub(super) type Read = (u64, Kind, Vec<u64>);

struct Node {
    kind: Kind,
    /// References from other nodes (and one for the root).
    refs: u32,
    children: Box<[u64]>,
}

/// What `new` refers to that `old` did not (into `added`) and the other way round
/// (into `dropped`), each reference counted.
fn difference(old: &[u64], new: &[u64], added: &mut Vec<u64>, dropped: &mut Vec<u64>) {
    if old == new {
        return;
    }
    let (mut old, mut new) = (old.to_vec(), new.to_vec());
    old.sort_unstable();
    new.sort_unstable();
    let (mut i, mut j) = (0, 0);
    while i < old.len() || j < new.len() {
        match (old.get(i), new.get(j)) {
            (Some(a), Some(b)) if a == b => {
                i += 1;
                j += 1;
            }
            (Some(a), Some(b)) if a < b => {
                dropped.push(*a);
                i += 1;
            }
            (Some(a), None) => {
                dropped.push(*a);
                i += 1;
            }
            (_, Some(b)) => {
                added.push(*b);
                j += 1;
            }
            (None, None) => unreachable!("the loop's condition"),
        }
    }
}

/// The graph of records reachable from Memory's root, as last saved.
pub(super) struct Graph {
    root: u64,
    nodes: FxHashMap<u64, Node>,
    /// Every closure: a save point reads them all (their upvalues are written without
    /// any table write), in this order, so the first to own a shared cell stays it.
    closures: std::collections::BTreeSet<u64>,
    protos: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Color {
    Gray,
    White,
    Black,
}

impl Graph {
    /// The graph of everything a full walk read.
    pub(super) fn build(root: u64, read: Vec<Read>) -> Graph {
        let mut graph = Graph { root, nodes: FxHashMap::default(), closures: Default::default(), protos: 0 };
        graph.nodes.reserve(read.len());
        for (id, kind, children) in read {
            graph.insert(id, kind, children);
        }
        let edges: Vec<u64> = graph.nodes.values().flat_map(|n| n.children.iter().copied()).collect();
        for child in edges {
            if let Some(node) = graph.nodes.get_mut(&child) {
                node.refs += 1;
            }
        }
        if let Some(node) = graph.nodes.get_mut(&root) {
            node.refs += 1;
        }
        graph
    }

    fn insert(&mut self, id: u64, kind: Kind, children: Vec<u64>) -> Option<Box<[u64]>> {
        if kind == Kind::Closure {
            self.closures.insert(id);
        }
        let children = children.into_boxed_slice();
        match self.nodes.get_mut(&id) {
            Some(node) => Some(std::mem::replace(&mut node.children, children)),
            None => {
                self.protos += usize::from(kind == Kind::Proto);
                self.nodes.insert(id, Node { kind, refs: 0, children });
                None
            }
        }
    }

    pub(super) fn root(&self) -> u64 {
        self.root
    }

    pub(super) fn contains(&self, id: u64) -> bool {
        self.nodes.contains_key(&id)
    }

    /// Tables and closures.
    pub(super) fn objects(&self) -> usize {
        self.nodes.len() - self.protos
    }

    pub(super) fn closures(&self) -> impl Iterator<Item = u64> + '_ {
        self.closures.iter().copied()
    }

    /// Takes in what a save point read again (or for the first time), and returns
    /// what is no longer reachable, each with its kind; those are gone from the graph.
    /// Costs what was read and what went, not the size of the graph.
    pub(super) fn update(&mut self, read: Vec<Read>) -> Vec<(u64, Kind)> {
        let mut added = Vec::new();
        let mut dropped = Vec::new();
        let mut fresh = Vec::new();
        for (id, kind, children) in read {
            match self.nodes.get(&id) {
                Some(node) => difference(&node.children, &children, &mut added, &mut dropped),
                None => {
                    fresh.push(id);
                    added.extend_from_slice(&children);
                }
            }
            self.insert(id, kind, children);
        }
        for child in added {
            if let Some(node) = self.nodes.get_mut(&child) {
                node.refs += 1;
            }
        }
        let mut gone = Vec::new();
        let mut suspects = Vec::new();
        self.release(dropped, &mut gone, &mut suspects);
        // A new object nothing refers to (read from a dirty table that was itself
        // dropped) is gone too.
        for id in fresh {
            if self.nodes.get(&id).is_some_and(|n| n.refs == 0) && id != self.root {
                self.remove(id, &mut gone, &mut suspects);
            }
        }
        suspects.retain(|id| self.nodes.contains_key(id));
        if !suspects.is_empty() {
            self.collect_cycles(suspects, &mut gone);
        }
        gone
    }

    fn forget(&mut self, id: u64, kind: Kind) {
        self.closures.remove(&id);
        self.protos -= usize::from(kind == Kind::Proto);
    }

    /// Drops one reference to each of `children`; those left with none are removed.
    fn release(&mut self, mut children: Vec<u64>, gone: &mut Vec<(u64, Kind)>, suspects: &mut Vec<u64>) {
        while let Some(child) = children.pop() {
            let Some(node) = self.nodes.get_mut(&child) else { continue };
            node.refs -= 1;
            if node.refs == 0 && child != self.root {
                let node = self.nodes.remove(&child).expect("found above");
                self.forget(child, node.kind);
                gone.push((child, node.kind));
                children.extend_from_slice(&node.children);
            } else if node.kind != Kind::Proto {
                suspects.push(child);
            }
        }
    }

    fn remove(&mut self, id: u64, gone: &mut Vec<(u64, Kind)>, suspects: &mut Vec<u64>) {
        if let Some(node) = self.nodes.remove(&id) {
            self.forget(id, node.kind);
            gone.push((id, node.kind));
            self.release(node.children.into_vec(), gone, suspects);
        }
    }

    /// Trial deletion from `suspects`: take away the references from inside what they
    /// reach; what is left with none held only itself. The root's extra reference
    /// keeps it and what it reaches.
    fn collect_cycles(&mut self, suspects: Vec<u64>, gone: &mut Vec<(u64, Kind)>) {
        let mut color: FxHashMap<u64, Color> = FxHashMap::default();
        for &s in &suspects {
            if color.get(&s) != Some(&Color::Gray) {
                self.spread(s, Color::Gray, -1, &mut color);
            }
        }
        for &s in &suspects {
            let mut stack = vec![s];
            while let Some(n) = stack.pop() {
                if color.get(&n) != Some(&Color::Gray) {
                    continue;
                }
                if self.nodes[&n].refs > 0 {
                    // Reachable from outside: give back what was taken from what it reaches.
                    self.spread(n, Color::Black, 1, &mut color);
                } else {
                    color.insert(n, Color::White);
                    stack.extend(self.nodes[&n].children.iter().copied().filter(|c| self.nodes.contains_key(c)));
                }
            }
        }
        let white: FxHashSet<u64> = color.iter().filter(|(_, c)| **c == Color::White).map(|(id, _)| *id).collect();
        for id in white {
            let node = self.nodes.remove(&id).expect("a white node is in the graph");
            self.forget(id, node.kind);
            gone.push((id, node.kind));
            // References from the garbage to what stays were taken away above.
        }
    }

    /// Colors `start` and what it reaches `to` (passing what has that color already),
    /// changing the count of every reference followed on the way by `delta`.
    fn spread(&mut self, start: u64, to: Color, delta: i32, color: &mut FxHashMap<u64, Color>) {
        color.insert(start, to);
        let mut stack = vec![start];
        while let Some(n) = stack.pop() {
            let children = self.nodes[&n].children.clone();
            for c in children.iter() {
                let Some(child) = self.nodes.get_mut(c) else { continue };
                child.refs = child.refs.wrapping_add_signed(delta);
                if color.get(c) != Some(&to) {
                    color.insert(*c, to);
                    stack.push(*c);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(id: u64, children: &[u64]) -> Read {
        (id, Kind::Table, children.to_vec())
    }

    fn gone_ids(mut gone: Vec<(u64, Kind)>) -> Vec<u64> {
        gone.sort_unstable_by_key(|g| g.0);
        gone.into_iter().map(|g| g.0).collect()
    }

    #[test]
    fn a_dropped_branch_goes_with_what_only_it_reached() {
        // 1 -> 2 -> 3, 1 -> 4 -> 3
        let mut g = Graph::build(1, vec![table(1, &[2, 4]), table(2, &[3]), table(3, &[]), table(4, &[3])]);
        assert!(g.update(vec![table(1, &[4])]) == vec![(2, Kind::Table)], "3 is still reached through 4");
        assert_eq!(gone_ids(g.update(vec![table(1, &[])])), [3, 4]);
        assert_eq!(g.objects(), 1);
    }

    #[test]
    fn a_cycle_cut_off_from_the_root_is_found_and_one_still_reached_is_kept() {
        // 1 -> 2 <-> 3 -> 5, 1 -> 4 <-> 4
        let read = vec![table(1, &[2, 4]), table(2, &[3]), table(3, &[2, 5]), table(4, &[4]), table(5, &[])];
        let mut g = Graph::build(1, read);
        assert!(g.update(vec![table(1, &[2, 4, 5])]).is_empty(), "a new reference keeps everything");
        let mut g =
            Graph::build(1, vec![table(1, &[2, 4]), table(2, &[3]), table(3, &[2, 5]), table(4, &[4]), table(5, &[])]);
        assert_eq!(gone_ids(g.update(vec![table(1, &[4])])), [2, 3, 5]);
        assert_eq!(gone_ids(g.update(vec![table(1, &[])])), [4]);
        // Counts are exact afterwards: a later drop still finds garbage.
        let mut g = Graph::build(1, vec![table(1, &[2, 6]), table(2, &[3]), table(3, &[2]), table(6, &[2])]);
        assert!(g.update(vec![table(1, &[6])]).is_empty(), "2 and 3 are still reached through 6");
        assert_eq!(gone_ids(g.update(vec![table(1, &[])])), [2, 3, 6]);
    }

    /// Reading a table again with the same references costs nothing: a reference
    /// dropped and taken again would make every child a suspect, and the trial
    /// deletion would read all they reach.
    #[test]
    fn the_same_references_read_again_change_no_count() {
        let mut added = Vec::new();
        let mut dropped = Vec::new();
        difference(&[5, 3, 3, 9], &[3, 9, 5, 3], &mut added, &mut dropped);
        assert!(added.is_empty() && dropped.is_empty());
        difference(&[5, 3, 3, 9], &[3, 8, 5], &mut added, &mut dropped);
        assert_eq!((added, dropped), (vec![8], vec![3, 9]));
    }

    #[test]
    fn a_new_object_read_from_a_dropped_table_is_gone_too() {
        let mut g = Graph::build(1, vec![table(1, &[2]), table(2, &[])]);
        assert_eq!(gone_ids(g.update(vec![table(1, &[]), table(2, &[7]), table(7, &[])])), [2, 7]);
    }
}
