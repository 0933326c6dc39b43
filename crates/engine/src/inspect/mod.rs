//! A view of Memory for people: what the Memory inspector and `moonkeep inspect` show.
//!
//! Every table and Lua function reachable from Memory has one place, its first path
//! (breadth first, keys in order: the shortest route to it), where its contents are
//! shown; anywhere else it appears as a link to that path, so shared references and
//! cycles never make endless trees. The first paths do not depend on what is expanded,
//! so a link never moves when the user opens another branch.
//!
//! Two forms: [`Node`] trees cut by [`Limits`] (the command line), and flat lists of
//! [`Row`]s for the rows that are expanded or match a filter (the browser, which draws
//! only the rows in view, so 100,000 entries stay cheap to show).

mod delete;
mod graph;
mod rows;
mod show;
mod tree;

use std::fmt;

pub(crate) use delete::{delete, undo};
pub use delete::{DeleteError, Deleted, Entry};
pub(crate) use graph::{type_name, Graph};
pub(crate) use show::{params, preview};
pub(crate) use tree::value_tree;

/// Where a value sits in the one above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// `Memory` itself.
    Root,
    /// A table entry: the only kind of row that can be deleted.
    Entry,
    /// An upvalue of a Lua function; the key is its name.
    Upvalue,
    /// A table's metatable.
    Metatable,
}

/// One entry of the tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The key as Lua writes it after its parent: `jobs`, `[3]`, `["a b"]`; an
    /// upvalue's name; `metatable`.
    pub key: String,
    /// The full path: `Memory.jobs[3]`, `Memory.add (upvalue 'n')`, `getmetatable(Memory.p)`.
    pub path: String,
    pub place: Place,
    pub value: Shown,
    pub children: Vec<Node>,
    /// Children left out by the limits.
    pub hidden: usize,
}

/// One visible line of the inspector: the rows of [`crate::Vm::memory_rows`] are the
/// tree flattened in display order, each child after its parent.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// 0 for `Memory`, 1 for its entries, and so on.
    pub depth: usize,
    pub key: String,
    /// Identifies the row across refreshes; the expanded set holds these.
    pub path: String,
    pub place: Place,
    pub value: Shown,
    /// Has children to show: a table with entries or a metatable, a function with
    /// upvalues (never a link: a link's contents show at its target).
    pub expandable: bool,
    /// Its children follow it.
    pub expanded: bool,
    /// For a link: the paths to expand so that its target is shown, outermost first.
    pub reveal: Vec<String>,
    /// What [`crate::Vm::delete_row`] removes; only table entries have one.
    pub entry: Option<Entry>,
    /// Matches the filter (false for the rows shown only to lead to a match).
    pub matched: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// nil, booleans and numbers, as Lua writes them.
    Scalar {
        type_name: &'static str,
        text: String,
    },
    /// A string as a literal, cut to the limits, and its length.
    String {
        text: String,
        bytes: usize,
    },
    /// `preview` is a one-line constructor of the first entries: `{1, 2, x = "a", …}`.
    Table {
        entries: usize,
        has_metatable: bool,
        preview: String,
    },
    Function {
        params: Vec<String>,
        vararg: bool,
        defined: String,
        upvalues: Vec<Upvalue>,
    },
    /// A table or function shown at `to`.
    Link {
        type_name: &'static str,
        to: String,
    },
    /// A value of the standard environment, by name: `print`, `string`, `_G`.
    Std {
        type_name: &'static str,
        name: String,
    },
    /// Coroutines, userdata, C functions from outside the standard library.
    Other {
        type_name: &'static str,
        text: String,
    },
}

/// An upvalue of a function as its row shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Upvalue {
    pub name: String,
    /// A one-line preview of its value: `3`, `"dark"`, `{1, 2, …}`, `_G`.
    pub value: String,
}

/// How big a value is: entries of a table, bytes of a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Entries(usize),
    Bytes(usize),
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Size::Entries(1) => write!(f, "1 entry"),
            Size::Entries(n) => write!(f, "{n} entries"),
            Size::Bytes(1) => write!(f, "1 byte"),
            Size::Bytes(n) => write!(f, "{n} bytes"),
        }
    }
}

impl Shown {
    /// The Lua type of the value (for a link, of its target).
    pub fn type_name(&self) -> &'static str {
        match self {
            Shown::Scalar { type_name, .. }
            | Shown::Link { type_name, .. }
            | Shown::Std { type_name, .. }
            | Shown::Other { type_name, .. } => type_name,
            Shown::String { .. } => "string",
            Shown::Table { .. } => "table",
            Shown::Function { .. } => "function",
        }
    }

    pub fn size(&self) -> Option<Size> {
        match self {
            Shown::String { bytes, .. } => Some(Size::Bytes(*bytes)),
            Shown::Table { entries, .. } => Some(Size::Entries(*entries)),
            _ => None,
        }
    }

    /// The value on one line: a literal, a table's first entries, a function's
    /// signature, a link's target.
    pub fn preview(&self) -> String {
        match self {
            Shown::Scalar { text, .. } | Shown::String { text, .. } | Shown::Other { text, .. } => text.clone(),
            Shown::Table { preview, .. } => preview.clone(),
            Shown::Function { params, vararg, .. } => signature(params, *vararg),
            Shown::Link { to, .. } => format!("→ {to}"),
            Shown::Std { name, .. } => name.clone(),
        }
    }
}

/// `function(x, y, ...)`.
pub(crate) fn signature(params: &[String], vararg: bool) -> String {
    let mut all = params.join(", ");
    if vararg {
        all.push_str(if params.is_empty() { "..." } else { ", ..." });
    }
    format!("function({all})")
}

/// How much of a large Memory a [`Node`] tree shows, and how long strings get.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub depth: usize,
    pub entries: usize,
    pub string_chars: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { depth: 8, entries: 200, string_chars: 80 }
    }
}
