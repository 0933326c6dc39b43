//! Two versions compared path by path. Only the records that differ between them are
//! compared entry by entry (the rest are the same bytes, so the same values): a table
//! by its keys, a function by its bytecode's digest and its upvalues. A value that is
//! a table or function is previewed (`table (3 entries)`, `function 1a2b3c4d5e6f (2
//! upvalues)`); one that only one version holds lists its entries as added or removed.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use rustc_hash::FxHashMap;

use super::{chosen_at, root_of, HistoryError};
use crate::memory::format::{self, KeyName, Record, Stored, StoredUpvalue};
use crate::memory::path::{extend, walk_records, Edge, Key, Parents};
use crate::memory::sha256;
use crate::render::quote;

/// A path whose value differs between two versions: None on one side means it was
/// added (old is None) or removed (new is None).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    pub path: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.old, &self.new) {
            (None, Some(new)) => write!(f, "+ {} = {new}", self.path),
            (Some(old), None) => write!(f, "- {} = {old}", self.path),
            (Some(old), Some(new)) => write!(f, "~ {}: {old} -> {new}", self.path),
            (None, None) => write!(f, "  {}", self.path),
        }
    }
}

/// What changed from version `a` to version `b`, in path order.
pub fn diff(records: &[(Vec<u8>, Vec<u8>)], a: u64, b: u64) -> Result<Vec<Difference>, HistoryError> {
    let (chosen_a, chosen_b) = (chosen_at(records, a), chosen_at(records, b));
    // Versions share most records: each is decoded once, for both.
    let mut decoded = Decoded::default();
    let old = Graph::read(root_of(records, a)?, &chosen_a, &mut decoded);
    let new = Graph::read(root_of(records, b)?, &chosen_b, &mut decoded);
    let mut out = Vec::new();
    for (id, (bytes, _)) in &new.objects {
        match old.objects.get(id) {
            Some((before, _)) if before == bytes => {}
            Some(_) => compare(*id, &old, &new, &mut out),
            None => list(*id, &new, &mut out, |path, shown| Difference { path, old: None, new: Some(shown) }),
        }
    }
    for id in old.objects.keys().filter(|id| !new.objects.contains_key(id)) {
        list(*id, &old, &mut out, |path, shown| Difference { path, old: Some(shown), new: None });
    }
    out.sort_by(|x, y| x.path.cmp(&y.path));
    Ok(out)
}

/// A record decoded, or why it could not be.
type Read = Rc<Result<Record, String>>;

/// Records decoded, by the address of their bytes: two versions that choose the same
/// stored record get the same slice of the store's records.
type Decoded = FxHashMap<*const u8, Read>;

/// One version's objects (those its root reaches), decoded, with their first paths.
struct Graph<'r> {
    objects: HashMap<u64, (&'r [u8], Read)>,
    chosen: &'r FxHashMap<KeyName, &'r [u8]>,
    /// Bytecode digests of the functions shown: only those are computed.
    digests: RefCell<HashMap<u64, String>>,
    parents: Parents,
}

impl<'r> Graph<'r> {
    fn read(root: u64, chosen: &'r FxHashMap<KeyName, &'r [u8]>, decoded: &mut Decoded) -> Graph<'r> {
        let mut objects: HashMap<u64, (&'r [u8], Read)> = chosen
            .iter()
            .filter_map(|(key, &bytes)| match key {
                KeyName::Object(id) => {
                    let record = decoded
                        .entry(bytes.as_ptr())
                        .or_insert_with(|| Rc::new(format::decode(bytes).map_err(|e| e.to_string())));
                    Some((*id, (bytes, record.clone())))
                }
                _ => None,
            })
            .collect();
        let (parents, reached) =
            walk_records(&[root], &|id| objects.get(&id).and_then(|(_, r)| r.as_ref().as_ref().ok()));
        objects.retain(|id, _| reached.contains(&KeyName::Object(*id)));
        Graph { objects, chosen, digests: RefCell::default(), parents }
    }

    fn record(&self, id: u64) -> Option<&Result<Record, String>> {
        self.objects.get(&id).map(|(_, record)| &**record)
    }

    fn digest(&self, proto: u64) -> String {
        let mut digests = self.digests.borrow_mut();
        let digest = digests.entry(proto).or_insert_with(|| {
            match self.chosen.get(&KeyName::Proto(proto)).map(|bytes| format::decode(bytes)) {
                Some(Ok(Record::Proto { bytecode, .. })) => {
                    sha256(&bytecode)[..6].iter().map(|b| format!("{b:02x}")).collect()
                }
                _ => "<bytecode missing or damaged>".into(),
            }
        });
        digest.clone()
    }

    /// A value as a diff shows it.
    fn show(&self, value: &Stored) -> String {
        match value {
            Stored::Object(id) => match self.record(*id) {
                Some(Ok(Record::Table { entries, .. })) => format!("table ({} entries)", entries.len()),
                Some(Ok(Record::Closure { proto, upvalues })) => {
                    format!("function {} ({} upvalues)", self.digest(*proto), upvalues.len())
                }
                Some(Ok(_)) => "<a record of another kind>".into(),
                Some(Err(e)) => format!("<damaged record: {e}>"),
                None => "<record missing>".into(),
            },
            other => scalar(other),
        }
    }

    /// Each place in object `id` (metatable, entries, upvalues), named from `base`
    /// (the object's path), and what it holds.
    fn places(&self, id: u64, base: &str) -> Vec<(String, String)> {
        let path = |edge: Edge| extend(base, &edge);
        match self.record(id) {
            Some(Ok(Record::Table { metatable, entries })) => {
                let metatable = (*metatable != Stored::Nil).then(|| (path(Edge::Metatable), self.show(metatable)));
                metatable
                    .into_iter()
                    .chain(entries.iter().map(|(k, v)| (path(Edge::Key(Key::stored(k))), self.show(v))))
                    .collect()
            }
            Some(Ok(Record::Closure { upvalues, .. })) => upvalues
                .iter()
                .zip(1..)
                .map(|(up, i)| {
                    let shown = match up {
                        StoredUpvalue::Own(v) => self.show(v),
                        StoredUpvalue::Shared { closure, index } => {
                            format!("shared with {} (upvalue '#{index}')", self.parents.path(*closure))
                        }
                    };
                    (path(Edge::upvalue_at(i)), shown)
                })
                .collect(),
            Some(Err(e)) => vec![(base.to_owned(), format!("<damaged record: {e}>"))],
            _ => Vec::new(),
        }
    }
}

/// An object only one version holds: each of its places, as `make` says.
fn list(id: u64, graph: &Graph, out: &mut Vec<Difference>, make: impl Fn(String, String) -> Difference) {
    out.extend(
        graph.places(id, &graph.parents.path(id).to_string()).into_iter().map(|(path, shown)| make(path, shown)),
    );
}

/// An object both versions hold with different records: its places compared, named
/// by the new version's path (so that a moved object compares too).
fn compare(id: u64, old: &Graph, new: &Graph, out: &mut Vec<Difference>) {
    let base = new.parents.path(id).to_string();
    let before: HashMap<String, String> = old.places(id, &base).into_iter().collect();
    let after = new.places(id, &base);
    for (path, shown) in &after {
        match before.get(path) {
            Some(was) if was == shown => {}
            was => out.push(Difference { path: path.clone(), old: was.cloned(), new: Some(shown.clone()) }),
        }
    }
    let now: HashSet<&String> = after.iter().map(|(p, _)| p).collect();
    for (path, was) in before {
        if !now.contains(&path) {
            out.push(Difference { path, old: Some(was), new: None });
        }
    }
}

/// Longest string shown whole in a preview.
const PREVIEW: usize = 60;

fn scalar(value: &Stored) -> String {
    match value {
        Stored::Nil => "nil".into(),
        Stored::Boolean(b) => b.to_string(),
        Stored::Integer(i) => i.to_string(),
        Stored::Float(bits) => format!("{:?}", f64::from_bits(*bits)),
        Stored::String(s) if s.len() > PREVIEW => format!("{}... ({} bytes)", quote(&s[..PREVIEW]), s.len()),
        Stored::String(s) => quote(s),
        Stored::Object(id) => format!("<object {id}>"),
        Stored::Std(name) => name.clone(),
    }
}
