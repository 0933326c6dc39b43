//! Values a restore could not bring back, kept in the store exactly as they were.
//!
//! A damaged, missing or unauthenticated record comes back as a stand-in (the string
//! `<not restored: reason>`). Were a save point to write what it reads, the stand-in
//! would replace the reference in the parent's record and the damaged record, with
//! everything only it reaches, would be deleted: one bad byte would become a
//! permanent loss. So the restore notes where each stand-in was put, and every save
//! point that still finds it there writes the original reference instead, keeping the
//! records behind it. Once the user replaces or deletes the value, the stand-in is
//! gone from its place, and the next save point lets those records go.

use rustc_hash::FxHashMap;

use super::format::KeyName;

/// Where in its owner a stand-in was put.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Place {
    Metatable,
    /// The value under this key (the key as encoded, R7-R9).
    Value(Vec<u8>),
    /// An object used as a key.
    Key,
    /// The closure's upvalue at this 0-based position.
    Upvalue(usize),
}

/// One stand-in: what the restore put (as encoded) and what the record held.
#[derive(Debug, Clone)]
pub(crate) struct StandIn {
    pub place: Place,
    pub shown: Vec<u8>,
    pub original: Vec<u8>,
}

#[derive(Default)]
pub(crate) struct Unrestored {
    at: FxHashMap<u64, Vec<StandIn>>,
    /// The records of values not restored and what they reach: kept while a stand-in
    /// is in place.
    held: Vec<KeyName>,
    /// Records no intact record reaches from the root: kept with `held` (their owner
    /// may be a damaged record), and always while one of them is damaged itself (it
    /// may have been a root: nothing in Memory can release it).
    orphans: Vec<KeyName>,
    orphans_always: bool,
}

impl Unrestored {
    pub(crate) fn note(&mut self, owner: u64, stand_in: StandIn) {
        self.at.entry(owner).or_default().push(stand_in);
    }

    /// Whether the restore left nothing behind (a save point then has no stand-in to
    /// look for and no record to keep beside what it reaches).
    pub(crate) fn is_empty(&self) -> bool {
        self.at.is_empty() && self.held.is_empty() && self.orphans.is_empty()
    }

    pub(crate) fn hold(&mut self, held: Vec<KeyName>, orphans: Vec<KeyName>, orphans_always: bool) {
        self.held = held;
        self.orphans = orphans;
        self.orphans_always = orphans_always;
    }

    /// The records a save point must keep although it did not reach them.
    pub(crate) fn kept(&self, stand_in_in_place: bool) -> impl Iterator<Item = &KeyName> {
        let held: &[KeyName] = if stand_in_in_place { &self.held } else { &[] };
        let orphans: &[KeyName] = if stand_in_in_place || self.orphans_always { &self.orphans } else { &[] };
        held.iter().chain(orphans)
    }

    /// In a table as a save point read it (its metatable in `bytes[..*metatable_end]`,
    /// then entries as spans of key and value), puts the original back wherever a
    /// stand-in is still in place. True if one was.
    pub(crate) fn put_back_in_table(
        &self,
        owner: u64,
        bytes: &mut Vec<u8>,
        metatable_end: &mut usize,
        entries: &mut [(usize, usize, usize)],
    ) -> bool {
        let Some(list) = self.at.get(&owner) else { return false };
        let mut found = false;
        let mut out = Vec::with_capacity(bytes.len());
        let metatable = &bytes[..*metatable_end];
        match list.iter().find(|s| s.place == Place::Metatable && s.shown == metatable) {
            Some(s) => {
                out.extend_from_slice(&s.original);
                found = true;
            }
            None => out.extend_from_slice(metatable),
        }
        *metatable_end = out.len();
        for entry in entries.iter_mut() {
            let (read_key, read_value) = (&bytes[entry.0..entry.1], &bytes[entry.1..entry.2]);
            let (mut key, mut value) = (read_key, read_value);
            for s in list {
                match &s.place {
                    Place::Key if read_key == s.shown => key = &s.original,
                    Place::Value(k) if read_key == k.as_slice() && read_value == s.shown => value = &s.original,
                    _ => continue,
                }
                found = true;
            }
            let start = out.len();
            out.extend_from_slice(key);
            let middle = out.len();
            out.extend_from_slice(value);
            *entry = (start, middle, out.len());
        }
        *bytes = out;
        found
    }

    /// The same for a closure's upvalues, each a span of `bytes`.
    pub(crate) fn put_back_in_closure(&self, owner: u64, bytes: &mut Vec<u8>, spans: &[(usize, usize)]) -> bool {
        let Some(list) = self.at.get(&owner) else { return false };
        let mut found = false;
        let mut out = Vec::with_capacity(bytes.len());
        for (i, &(start, end)) in spans.iter().enumerate() {
            let mut upvalue = &bytes[start..end];
            if let Some(s) = list.iter().find(|s| s.place == Place::Upvalue(i) && s.shown == upvalue) {
                upvalue = &s.original;
                found = true;
            }
            out.extend_from_slice(upvalue);
        }
        *bytes = out;
        found
    }
}
