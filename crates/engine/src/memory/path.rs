//! Where a value sits in Memory, written as Lua would: `Memory.jobs[3]`,
//! `getmetatable(Memory.point).__index`, `Memory.counter (upvalue 'n')`.
//!
//! One vocabulary for every walk of the graph: an [`Edge`] is one step from an
//! object to a value it holds, a [`Path`] a root followed by edges, and [`extend`] the
//! one spelling of a step, used by save reports, restore problems, the history's
//! diffs, the inspector and the proof alike.

use std::collections::VecDeque;
use std::fmt;

use mlua::Value;
use rustc_hash::{FxHashMap, FxHashSet};

use super::format::{KeyName, Record, Stored, StoredUpvalue};
use crate::render::{is_identifier, quote};

/// One step from an object to a value it holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Edge {
    /// The value of a table entry.
    Key(Key),
    /// A table's metatable.
    Metatable,
    /// A Lua function's upvalue, 1-based. `name` is its name, or `#index` where only
    /// the position is known (the history's records hold no names).
    Upvalue { index: u32, name: String },
    /// A table or function used as a key in the table.
    ObjectKey,
}

/// A table key, exactly: the same key finds the same entry again.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Key {
    Boolean(bool),
    Integer(i64),
    /// The float's bits: Lua turns integral float keys into integers, and NaN is no key.
    Float(u64),
    String(Vec<u8>),
    /// A table, function or other object used as a key, by address while it lives.
    Object {
        type_name: &'static str,
        address: usize,
    },
    /// An object used as a key in a stored record, by its id.
    Record(u64),
    /// A value of the standard environment used as a key, by name.
    Std(String),
}

/// A place in Memory (or in a standard table): a root name and the edges from it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Path {
    root: String,
    edges: Vec<Edge>,
}

impl Path {
    pub fn new(root: impl Into<String>, edges: Vec<Edge>) -> Path {
        Path { root: root.into(), edges }
    }

    pub fn push(&mut self, edge: Edge) {
        self.edges.push(edge);
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.edges.iter().fold(self.root.clone(), |path, edge| extend(&path, edge));
        f.write_str(&text)
    }
}

/// `path` followed by `edge`: the one spelling of a step.
pub(crate) fn extend(path: &str, edge: &Edge) -> String {
    match edge {
        Edge::Key(key @ Key::String(s)) if is_identifier(s) => format!("{path}.{}", key.index()),
        Edge::Key(key) => format!("{path}{}", key.index()),
        Edge::Metatable => format!("getmetatable({path})"),
        Edge::Upvalue { name, .. } => format!("{path} (upvalue '{name}')"),
        Edge::ObjectKey => format!("{path}[<key>]"),
    }
}

impl Edge {
    /// An upvalue known only by its position: records hold no names (the bytecode does).
    pub(crate) fn upvalue_at(index: u32) -> Edge {
        Edge::Upvalue { index, name: format!("#{index}") }
    }
}

impl Key {
    /// The key as Lua writes it after its table: `name`, `[3]`, `[0.5]`, `["a b"]`,
    /// `[table: 0x55d0c8f0a2b0]`.
    pub fn index(&self) -> String {
        match self {
            Key::String(s) if is_identifier(s) => String::from_utf8_lossy(s).into_owned(),
            Key::String(s) => format!("[{}]", quote(s)),
            Key::Boolean(b) => format!("[{b}]"),
            Key::Integer(i) => format!("[{i}]"),
            Key::Float(bits) => format!("[{}]", float_text(f64::from_bits(*bits))),
            Key::Object { type_name, address } => format!("[{type_name}: {address:#x}]"),
            Key::Record(id) => format!("[<object {id}>]"),
            Key::Std(name) => format!("[{name}]"),
        }
    }

    /// A live key.
    pub fn of(key: &Value) -> Key {
        match key {
            Value::Boolean(b) => Key::Boolean(*b),
            Value::Integer(i) => Key::Integer(*i),
            Value::Number(n) => Key::Float(n.to_bits()),
            Value::String(s) => Key::String(s.as_bytes().to_vec()),
            other => Key::Object { type_name: other.type_name(), address: other.to_pointer() as usize },
        }
    }

    /// A key as a record stores it. Nil is no key; a malformed record's nil key reads `[nil]`.
    pub(crate) fn stored(key: &Stored) -> Key {
        match key {
            Stored::Nil => Key::Std("nil".into()),
            Stored::Boolean(b) => Key::Boolean(*b),
            Stored::Integer(i) => Key::Integer(*i),
            Stored::Float(bits) => Key::Float(*bits),
            Stored::String(s) => Key::String(s.clone()),
            Stored::Object(id) => Key::Record(*id),
            Stored::Std(name) => Key::Std(name.clone()),
        }
    }
}

/// A float as Lua's `tostring` writes it: C's `%.14g`, and `.0` after what would
/// otherwise read as an integer (`1.0`, `1e+100`, `0.1`, `-inf`). Rounded from the
/// exact digits as C rounds (to nearest, ties to even), with the fixed-point
/// formatting the page has anyway (`{:.1}`): `{:e}` costs the page 3 KB gzip.
pub(crate) fn float_text(n: f64) -> String {
    if !n.is_finite() {
        let name = if n.is_nan() { "nan" } else { "inf" };
        return if n.is_sign_negative() { format!("-{name}") } else { name.into() };
    }
    let mut text = String::from(if n.is_sign_negative() { "-" } else { "" });
    let (digits, exponent) = significant_digits(n.abs());
    let digit = |i: i32| digits.get(i as usize).map_or('0', |&d| char::from(d));
    if (-4..14).contains(&exponent) {
        // Fixed notation: from the first digit (or the units) down to the last digit,
        // or the units, whichever is lower.
        let last = (exponent + 1 - digits.len() as i32).min(0);
        for place in (last..=exponent.max(0)).rev() {
            text.push(if place > exponent { '0' } else { digit(exponent - place) });
            if place == 0 && last < 0 {
                text.push('.');
            }
        }
        if last == 0 {
            text.push_str(".0");
        }
    } else {
        text.push(digit(0));
        if digits.len() > 1 {
            text.push('.');
            text.extend(digits[1..].iter().map(|&d| char::from(d)));
        }
        text.push_str(if exponent < 0 { "e-" } else { "e+" });
        // At least two digits, at most three (doubles end near 1e308).
        let e = exponent.unsigned_abs();
        let places: &[u32] = if e >= 100 { &[100, 10, 1] } else { &[10, 1] };
        text.extend(places.iter().map(|p| char::from(b'0' + (e / p % 10) as u8)));
    }
    text
}

/// The first 14 significant digits of `n` (positive and finite), rounded to nearest
/// with ties to even, without trailing zeros, and the decimal exponent of the first
/// one (zero is one digit `0`).
fn significant_digits(n: f64) -> (Vec<u8>, i32) {
    // A double has as many decimals as fractional bits: written with that many, every
    // digit is exact.
    let bits = n.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let mantissa = bits & ((1 << 52) - 1) | if biased == 0 { 0 } else { 1 << 52 };
    let power = if biased == 0 { -1074 } else { biased - 1075 };
    let decimals = if mantissa == 0 { 0 } else { (-(power + mantissa.trailing_zeros() as i32)).max(0) as usize };
    let mut digits = format!("{n:.decimals$}").into_bytes();
    let point = digits.iter().position(|&d| d == b'.').unwrap_or(digits.len());
    if point < digits.len() {
        digits.remove(point);
    }
    let first = digits.iter().position(|&d| d != b'0').unwrap_or(digits.len() - 1);
    let mut exponent = point as i32 - first as i32 - 1;
    let mut digits = digits.split_off(first);
    if digits.len() > 14 {
        let tail = digits.split_off(14);
        let up = tail[0] > b'5' || (tail[0] == b'5' && (tail[1..].iter().any(|&d| d != b'0') || digits[13] % 2 == 1));
        if up {
            // Carry: trailing nines become zeros (dropped below), or all of them a 1.
            while digits.last() == Some(&b'9') {
                digits.pop();
            }
            match digits.last_mut() {
                Some(d) => *d += 1,
                None => {
                    digits.push(b'1');
                    exponent += 1;
                }
            }
        }
    }
    while digits.len() > 1 && digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, exponent)
}

/// The references a record holds: objects (with the edge to them) and its prototype.
pub(crate) fn references(record: &Record, mut each: impl FnMut(KeyName, Edge)) {
    let mut object = |stored: &Stored, edge: Edge| {
        if let Stored::Object(id) = stored {
            each(KeyName::Object(*id), edge);
        }
    };
    match record {
        Record::Table { metatable, entries } => {
            object(metatable, Edge::Metatable);
            for (k, v) in entries {
                object(k, Edge::ObjectKey);
                object(v, Edge::Key(Key::stored(k)));
            }
        }
        Record::Closure { proto, upvalues } => {
            for (i, up) in (1..).zip(upvalues) {
                let edge = Edge::upvalue_at(i);
                match up {
                    StoredUpvalue::Own(v) => object(v, edge),
                    StoredUpvalue::Shared { closure, .. } => object(&Stored::Object(*closure), edge),
                }
            }
            // A prototype is no place in Memory: the edge is never written.
            each(KeyName::Proto(*proto), Edge::ObjectKey);
        }
        _ => {}
    }
}

/// The walk of stored records: breadth first from `roots` through `record(id)`, an
/// object's record when it is intact. Every object and prototype reached (the roots
/// included), and how each object was first reached.
pub(crate) fn walk_records<'r>(
    roots: &[u64],
    record: &dyn Fn(u64) -> Option<&'r Record>,
) -> (Parents, FxHashSet<KeyName>) {
    let mut parents = Parents::default();
    let mut seen: FxHashSet<KeyName> = roots.iter().map(|id| KeyName::Object(*id)).collect();
    let mut queue: VecDeque<u64> = roots.iter().copied().collect();
    while let Some(id) = queue.pop_front() {
        let Some(record) = record(id) else { continue };
        references(record, |key, edge| {
            if seen.insert(key) {
                if let KeyName::Object(child) = key {
                    parents.note(child, id, edge);
                    queue.push_back(child);
                }
            }
        });
    }
    (parents, seen)
}

/// How each object was first reached in a walk, to write its path when needed: walks
/// record a parent per object, and only a report builds a path.
#[derive(Default)]
pub(crate) struct Parents {
    first: FxHashMap<u64, (u64, Edge)>,
}

impl Parents {
    /// Remembers how `child` was first reached; later routes are ignored.
    pub(crate) fn note(&mut self, child: u64, parent: u64, edge: Edge) {
        self.first.entry(child).or_insert((parent, edge));
    }

    /// Forgets every route, keeping the room they took.
    pub(crate) fn clear(&mut self) {
        self.first.clear();
    }

    /// The path of object `id`.
    pub(crate) fn path(&self, id: u64) -> Path {
        let mut edges = Vec::new();
        let mut at = id;
        while let Some((parent, edge)) = self.first.get(&at) {
            edges.push(edge.clone());
            at = *parent;
            if edges.len() > 10_000 {
                break; // a damaged store could make a loop of parents
            }
        }
        edges.reverse();
        Path::new("Memory", edges)
    }

    /// The path of `edge` taken from object `id`.
    pub(crate) fn path_of(&self, id: u64, edge: &Edge) -> Path {
        let mut path = self.path(id);
        path.push(edge.clone());
        path
    }

    /// Gives upvalue edges known only by position their names: `name(closure, index)`.
    pub(crate) fn name_upvalues(&mut self, name: impl Fn(u64, u32) -> Option<String>) {
        for (parent, edge) in self.first.values_mut() {
            if let Edge::Upvalue { index, name: known } = edge {
                if let Some(found) = name(*parent, *index) {
                    *known = found;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(k: Key) -> Edge {
        Edge::Key(k)
    }

    #[test]
    fn paths_read_like_lua() {
        let mut p = Parents::default();
        p.note(2, 1, key(Key::String(b"jobs".to_vec())));
        p.note(3, 2, key(Key::Integer(3)));
        p.note(4, 3, Edge::Metatable);
        p.note(5, 4, key(Key::String(b"a b".to_vec())));
        p.note(3, 1, key(Key::Integer(99))); // a second route is ignored
        assert_eq!(p.path(1).to_string(), "Memory");
        assert_eq!(p.path(3).to_string(), "Memory.jobs[3]");
        assert_eq!(p.path(5).to_string(), "getmetatable(Memory.jobs[3])[\"a b\"]");
        let co = Edge::Upvalue { index: 1, name: "co".into() };
        assert_eq!(p.path_of(2, &co).to_string(), "Memory.jobs (upvalue 'co')");
    }

    /// Every kind of edge, spelled once.
    #[test]
    fn every_edge_has_one_spelling() {
        let cases: Vec<(Edge, &str)> = vec![
            (key(Key::String(b"name".to_vec())), "Memory.name"),
            (key(Key::String(b"not an identifier".to_vec())), "Memory[\"not an identifier\"]"),
            (key(Key::String(b"end".to_vec())), "Memory[\"end\"]"),
            (key(Key::String(b"a\"\n".to_vec())), "Memory[\"a\\\"\\n\"]"),
            (key(Key::Integer(-7)), "Memory[-7]"),
            (key(Key::Float(1.5f64.to_bits())), "Memory[1.5]"),
            (key(Key::Float(1e100f64.to_bits())), "Memory[1e+100]"),
            (key(Key::Float(0.1f64.to_bits())), "Memory[0.1]"),
            (key(Key::Float(f64::INFINITY.to_bits())), "Memory[inf]"),
            (key(Key::Boolean(true)), "Memory[true]"),
            (key(Key::Object { type_name: "table", address: 0x55d0 }), "Memory[table: 0x55d0]"),
            (key(Key::Record(12)), "Memory[<object 12>]"),
            (key(Key::Std("print".into())), "Memory[print]"),
            (Edge::Metatable, "getmetatable(Memory)"),
            (Edge::Upvalue { index: 2, name: "n".into() }, "Memory (upvalue 'n')"),
            (Edge::Upvalue { index: 2, name: "#2".into() }, "Memory (upvalue '#2')"),
            (Edge::ObjectKey, "Memory[<key>]"),
        ];
        for (edge, expected) in cases {
            assert_eq!(Path::new("Memory", vec![edge]).to_string(), expected);
        }
        let nested = Path::new(
            "Memory",
            vec![
                key(Key::String(b"f".to_vec())),
                Edge::Upvalue { index: 1, name: "cache".into() },
                Edge::Metatable,
                key(Key::String(b"__index".to_vec())),
            ],
        );
        assert_eq!(nested.to_string(), "getmetatable(Memory.f (upvalue 'cache')).__index");
        assert_eq!(Path::new("string", vec![key(Key::String(b"x".to_vec()))]).to_string(), "string.x");
    }

    /// Float keys read as Lua's own `tostring` writes them, compared with the VM's.
    #[test]
    fn floats_are_spelled_as_lua_tostring() {
        let lua = moonkeep_lua::new_state();
        let tostring: mlua::Function = lua.globals().get("tostring").unwrap();
        let mut floats = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.5,
            1.5,
            2.0f64.powi(53),
            1e14,
            1e15,
            1e16,
            123456789012345.0,
            1e-4,
            1e-5,
            0.00012345678901234,
            std::f64::consts::PI,
            1.0 / 3.0,
            2.0 / 3.0,
            9.99999999999995e13,
            9.999999999999951e13,
            0.999999999999995,
            1e100,
            -1e-100,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::INFINITY,
            f64::NEG_INFINITY,
            // Exact ties at the 15th digit round to even, as C's printf does.
            123456789012345.0,
            123456789012355.0,
            1234567890123.25,
            1234567890123.75,
            99999999999999.5,
            0.5e-4,
            f64::NAN,
            -f64::NAN,
        ];
        // A deterministic spread of bit patterns over every exponent.
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = f64::from_bits(x);
            floats.push(f);
        }
        for f in floats {
            let lua_text: String = tostring.call(f).unwrap();
            assert_eq!(float_text(f), lua_text, "{f:e} ({:#x})", f.to_bits());
        }
    }
}
