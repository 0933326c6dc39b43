//! The inspector's rows: the tree flattened in display order, as far as it is
//! expanded; or, with a filter, the rows that match and the rows leading to them.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::graph::{address, Child, Graph};
use super::{Entry, Place, Row, Shown};
use crate::memory::{extend, Edge};

/// How deep a filter searches. Every row leading to a match is shown with its full
/// path, so a match at depth d costs d² characters; deeper rows are reached by
/// expanding.
pub(crate) const FILTER_DEPTH: usize = 64;

/// An object whose children are being listed. The walk keeps these on a stack of its
/// own rather than recursing: a chain of nested tables can be as deep as Memory is big.
struct Frame {
    children: std::vec::IntoIter<Child>,
    address: usize,
    path: String,
    depth: usize,
    /// The edges from `Memory` to this object, shared by its children's entries.
    steps: Arc<[Edge]>,
    /// This object's row in the output.
    row: usize,
    /// Some row below it matched the filter.
    found: bool,
}

impl Graph<'_> {
    /// Without a filter: `Memory`, then the children of every row whose path is in
    /// `expanded`. With one (matched against keys and the text of values that are not
    /// tables or functions, see [`matches()`]): every matching row in the whole
    /// tree down to [`FILTER_DEPTH`], with the rows leading to it shown expanded;
    /// `expanded` is not used. Memory is walked only as deep as these rows go.
    pub(crate) fn rows(&mut self, expanded: &BTreeSet<String>, filter: &str) -> Vec<Row> {
        let filtering = !filter.trim().is_empty();
        self.walk(if filtering { FILTER_DEPTH } else { shown_depth(expanded) });
        self.rows_walked(expanded, filter)
    }

    /// The rows, once [`Graph::walk`] went as deep as they go.
    pub(super) fn rows_walked(&self, expanded: &BTreeSet<String>, filter: &str) -> Vec<Row> {
        let needle = filter.trim();
        let filtering = !needle.is_empty();
        let root = self.describe(&self.root, None);
        let open = root.expandable && (filtering || expanded.contains("Memory"));
        let mut out = vec![Row {
            depth: 0,
            key: "Memory".into(),
            path: "Memory".into(),
            place: Place::Root,
            matched: filtering && matches(needle, "Memory", &root.value),
            value: root.value,
            expandable: root.expandable,
            expanded: open && !filtering,
            reveal: root.reveal,
            entry: None,
        }];
        if !open {
            return out;
        }
        let children = self.children(&self.root);
        if !filtering {
            out.reserve(children.len());
        }
        let mut stack = vec![Frame {
            children: children.into_iter(),
            address: address(&self.root),
            path: "Memory".into(),
            depth: 0,
            steps: Arc::from([]),
            row: 0,
            found: false,
        }];
        while let Some(frame) = stack.last_mut() {
            let Some(child) = frame.children.next() else {
                let done = stack.pop().expect("a frame was on top");
                if filtering {
                    close(&mut out, stack.last_mut(), &done);
                }
                continue;
            };
            let key = self.key_text(&child.edge);
            let described = self.describe(&child.value, Some((frame.address, &child.edge)));
            let depth = frame.depth + 1;
            let matched = filtering && matches(needle, &key, &described.value);
            // Filtering, a row that neither matches nor may lead to a match is skipped
            // before its path is even written.
            let searched = described.expandable && depth < FILTER_DEPTH;
            if filtering && !matched && !searched {
                continue;
            }
            let path = extend(&frame.path, &child.edge);
            let open = if filtering { searched } else { described.expandable && expanded.contains(&path) };
            frame.found |= matched;
            let (place, entry) = match &child.edge {
                Edge::Key(k) => (Place::Entry, Some(Entry::new(frame.steps.clone(), k.clone()))),
                Edge::Upvalue { .. } => (Place::Upvalue, None),
                Edge::Metatable => (Place::Metatable, None),
                // The inspector lists no key objects apart from their entries.
                Edge::ObjectKey => (Place::Entry, None),
            };
            let next = open.then(|| {
                let children = self.children(&child.value);
                if !filtering {
                    out.reserve(children.len());
                }
                Frame {
                    children: children.into_iter(),
                    address: address(&child.value),
                    path: path.clone(),
                    depth,
                    steps: frame.steps.iter().cloned().chain([child.edge]).collect(),
                    row: out.len(),
                    found: false,
                }
            });
            out.push(Row {
                depth,
                key,
                path,
                place,
                value: described.value,
                expandable: described.expandable,
                expanded: open && !filtering,
                reveal: described.reveal,
                entry,
                matched,
            });
            stack.extend(next);
        }
        out
    }
}

/// How deep the rows go without a filter: one below the deepest expanded row (0 with
/// none). Counted from the paths, each edge of which [`extend`] writes with a `.`, a `[`,
/// a `getmetatable(` or a ` (upvalue '`: keys in quotes may hold more of these, which
/// only makes the walk go deeper than it needs.
fn shown_depth(expanded: &BTreeSet<String>) -> usize {
    let edges = |path: &str| {
        path.bytes().filter(|b| matches!(b, b'.' | b'[')).count()
            + path.matches("getmetatable(").count()
            + path.matches(" (upvalue '").count()
    };
    expanded.iter().map(|path| edges(path) + 1).max().unwrap_or(0)
}

/// A finished object in a filtered walk stays if it or a row below it matched (and
/// `Memory` always stays); its parent learns that something below matched.
fn close(out: &mut Vec<Row>, parent: Option<&mut Frame>, done: &Frame) {
    if done.found {
        out[done.row].expanded = true;
    }
    if done.found || out[done.row].matched || done.row == 0 {
        if let Some(parent) = parent {
            parent.found = true;
        }
    } else {
        out.truncate(done.row);
    }
}

/// Whether the key or the value's text contains `needle`, ignoring the case of ASCII
/// letters (other characters match exactly: Unicode's case tables cost the page
/// about 11 KB gzip).
fn matches(needle: &str, key: &str, value: &Shown) -> bool {
    let text = match value {
        Shown::Scalar { text, .. } | Shown::String { text, .. } | Shown::Other { text, .. } => text.as_str(),
        Shown::Std { name, .. } => name.as_str(),
        _ => "",
    };
    contains(key, needle) || contains(text, needle)
}

fn contains(text: &str, needle: &str) -> bool {
    // Bytes, without allocating: a filter is tried against every row of Memory. A
    // match of whole UTF-8 sequences is a match of characters.
    let (text, needle) = (text.as_bytes(), needle.as_bytes());
    needle.is_empty() || text.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}
