//! Two versions compared path by path: every value Memory held in either, written as
//! a short preview, and the paths whose previews differ. A function is its bytecode's
//! digest, and its upvalues are paths of their own, so a changed function shows as a
//! changed digest or a changed upvalue.

use std::collections::{BTreeMap, HashMap, VecDeque};

use super::{records_at, HistoryError};
use crate::memory::format::{self, KeyName, Record, Stored, Upvalue};
use crate::memory::path::{Parents, Step};
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
    let old = values(&records_at(records, a)?);
    let new = values(&records_at(records, b)?);
    let mut out = Vec::new();
    for (path, shown) in &old {
        match new.get(path) {
            None => out.push(Difference { path: path.clone(), old: Some(shown.clone()), new: None }),
            Some(now) if now != shown => {
                out.push(Difference { path: path.clone(), old: Some(shown.clone()), new: Some(now.clone()) })
            }
            Some(_) => {}
        }
    }
    for (path, shown) in new {
        if !old.contains_key(&path) {
            out.push(Difference { path, old: None, new: Some(shown) });
        }
    }
    out.sort_by(|x, y| x.path.cmp(&y.path));
    Ok(out)
}

/// Every path of one version's Memory (records as `records_at` gives them) and its
/// value's preview. Objects are walked breadth first, so each is listed under its
/// shortest path; a second reference to it shows that path.
fn values(records: &[(Vec<u8>, Vec<u8>)]) -> BTreeMap<String, String> {
    let mut objects = HashMap::new();
    let mut digests = HashMap::new();
    let mut root = 0;
    for (key, value) in records {
        match (format::parse_key(key), format::decode(value)) {
            (Some(KeyName::Meta), Ok(Record::Meta(m))) => root = m.root,
            (Some(KeyName::Proto(id)), Ok(Record::Proto { bytecode, .. })) => {
                let hash = sha256(&bytecode);
                digests.insert(id, hash[..6].iter().map(|b| format!("{b:02x}")).collect::<String>());
            }
            (Some(KeyName::Object(id)), record) => {
                objects.insert(id, record.map_err(|e| e.to_string()));
            }
            _ => {}
        }
    }
    let mut walk = Walk { objects: &objects, digests: &digests, parents: Parents::default(), out: BTreeMap::new() };
    walk.run(root);
    walk.out
}

struct Walk<'a> {
    objects: &'a HashMap<u64, Result<Record, String>>,
    digests: &'a HashMap<u64, String>,
    parents: Parents,
    out: BTreeMap<String, String>,
}

impl Walk<'_> {
    fn run(&mut self, root: u64) {
        let mut queue = VecDeque::from([root]);
        let mut seen = std::collections::HashSet::from([root]);
        self.out.insert("Memory".into(), self.object(root));
        while let Some(id) = queue.pop_front() {
            let mut children = Vec::new();
            match self.objects.get(&id) {
                Some(Ok(Record::Table { metatable, entries })) => {
                    children.push((Step::Metatable, metatable.clone()));
                    children.extend(entries.iter().map(|(k, v)| (Step::Key(k.clone()), v.clone())));
                }
                Some(Ok(Record::Closure { upvalues, .. })) => {
                    for (i, up) in upvalues.iter().enumerate() {
                        let step = Step::Upvalue(format!("#{}", i + 1));
                        match up {
                            Upvalue::Own(v) => children.push((step, v.clone())),
                            Upvalue::Shared { closure, index } => {
                                let path = self.parents.path(*closure);
                                let shown = format!("shared with {path} (upvalue '#{index}')");
                                self.out.insert(self.parents.path_of(id, &step), shown);
                            }
                        }
                    }
                }
                _ => {}
            }
            for (step, value) in children {
                if matches!((&step, &value), (Step::Metatable, Stored::Nil)) {
                    continue;
                }
                let shown = match value {
                    Stored::Object(child) if seen.insert(child) => {
                        self.parents.note(child, id, step.clone());
                        queue.push_back(child);
                        self.object(child)
                    }
                    Stored::Object(child) => format!("the same as {}", self.parents.path(child)),
                    other => scalar(&other),
                };
                self.out.insert(self.parents.path_of(id, &step), shown);
            }
        }
    }

    fn object(&self, id: u64) -> String {
        match self.objects.get(&id) {
            Some(Ok(Record::Table { entries, .. })) => format!("table ({} entries)", entries.len()),
            Some(Ok(Record::Closure { proto, upvalues })) => {
                let digest = self.digests.get(proto).map_or("<bytecode missing or damaged>", |d| d.as_str());
                format!("function {digest} ({} upvalues)", upvalues.len())
            }
            Some(Ok(_)) => "<a record of another kind>".into(),
            Some(Err(e)) => format!("<damaged record: {e}>"),
            None => "<record missing>".into(),
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
