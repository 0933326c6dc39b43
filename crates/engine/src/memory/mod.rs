//! Persistence of `Memory`: everything reachable from the global table `Memory` is
//! written as records (docs/FORMAT.md) at each save point and rebuilt in a new VM.
//!
//! A save point encodes the objects it reads and compares each record with what the
//! store already holds, so it writes only what changed; it reads everything once, then
//! only the tables the patched Lua logged as written and every closure, so nested
//! mutations, upvalue changes and moved references are all seen. Objects keep stable
//! ids across save points through weak tables, so an unchanged object keeps its key.

#[cfg(test)]
mod damage_props;
#[cfg(test)]
mod damage_tests;
mod format;
mod graph;
pub mod history;
pub(crate) mod live;
mod path;
mod quarantine;
mod restore;
mod save;
mod snapshot;
mod std_names;
mod unrestored;

use std::collections::HashMap;

use hmac::{Hmac, Mac};
use mlua::{Function, Lua, Table};
use moonkeep_lua::walk::ObjectIds;
use rustc_hash::FxHashMap;
use sha2::Sha256;

use crate::store::Change;
pub use format::{Cause, Version, FORMAT_VERSION, SECRET_LEN, STORE_VERSION};
use format::{KeyName, Meta, Record, TAG_LEN};
pub(crate) use path::{extend, float_text};
pub use path::{Edge, Key, Path};
pub use quarantine::Quarantine;
pub(crate) use restore::Restoring;
pub use snapshot::{export, import, import_at, SnapshotError};
pub(crate) use std_names::StdNames;

/// Lua functions the keeper uses, captured before the playground library replaces
/// some of them (its `debug` refuses host functions; a script may replace any).
pub(crate) struct Raw {
    pub getupvalue: Function,
    pub setupvalue: Function,
    pub upvaluejoin: Function,
    pub getlocal: Function,
    pub tostring: Function,
}

impl Raw {
    pub(crate) fn capture(lua: &Lua) -> mlua::Result<Raw> {
        let debug: Table = lua.globals().get("debug")?;
        Ok(Raw {
            getupvalue: debug.get("getupvalue")?,
            setupvalue: debug.get("setupvalue")?,
            upvaluejoin: debug.get("upvaluejoin")?,
            getlocal: debug.get("getlocal")?,
            tostring: lua.globals().get("tostring")?,
        })
    }
}

/// What the engine knows about the store between save points.
pub(crate) struct Keeper {
    pub(crate) raw: Raw,
    pub(crate) std: StdNames,
    /// Object <-> id, in weak Lua tables.
    ids: ObjectIds,
    /// Closure id -> prototype id (a closure's prototype never changes), so that an
    /// unchanged function is not dumped again.
    proto_of: FxHashMap<u64, u64>,
    /// Table id -> what its last save point read, to skip re-encoding it unchanged.
    fingerprints: FxHashMap<u64, Fingerprint>,
    /// SHA-256 of bytecode -> prototype id, so identical prototypes are stored once.
    proto_by_hash: HashMap<[u8; 32], u64>,
    /// Digest of every record the store holds (as far as this engine committed).
    stored: FxHashMap<KeyName, u64>,
    scratch: save::Scratch,
    /// Values the restore could not bring back, kept in the store as they were.
    unrestored: unrestored::Unrestored,
    /// The meta record as last committed, if any.
    meta: Option<Meta>,
    /// The newest version the store holds (0 for none): the next save point's is one
    /// more, even when the meta record that counts them was damaged.
    newest_version: u64,
    secret: [u8; SECRET_LEN],
    next_id: u64,
    /// Prototypes the host keeps from loading (`moonkeep import --trust`).
    pub(crate) quarantine: Quarantine,
    /// The store's graph of records as the last save point left it, so the next one
    /// can read only the tables written since (and every closure); None until a save
    /// point has read everything.
    graph: Option<graph::Graph>,
    /// A save point with changes was made and the host has not said it committed.
    awaiting_commit: bool,
    /// The last full read met what a save point that reads only what changed could not
    /// report again (a value that cannot be saved, a standard table, a stand-in).
    read_everything: bool,
}

/// One save point: the changes for the store, and what could not be saved.
#[derive(Debug, Clone)]
pub struct SavePoint {
    pub changes: Vec<Change>,
    pub problems: Vec<Problem>,
    /// Objects (tables and closures) reachable from Memory.
    pub objects: usize,
    /// Objects this save point read: all of them, or the closures, the tables written
    /// since the last save point and the new objects they reach.
    pub read: usize,
    /// Bytes of records written by this save point.
    pub bytes_written: usize,
    digests: Vec<(KeyName, Option<u64>)>,
    meta: Meta,
    /// Where in `changes` the new version's entry is, its number and its entry.
    entry: Option<(usize, u64, Version)>,
}

impl SavePoint {
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The version this save point makes; None if it changes nothing.
    pub fn version(&self) -> Option<u64> {
        self.entry.as_ref().map(|(_, number, _)| *number)
    }

    /// Says in the new version's entry when it was made (ms since the Unix epoch) and
    /// by what: the host knows the clock and the run, the walk does not.
    pub fn describe(&mut self, time: u64, cause: Cause, chunk: &str, source: &str) {
        if let Some((at, number, entry)) = &mut self.entry {
            entry.time = time;
            entry.cause = cause;
            entry.chunk = chunk.to_owned();
            entry.source = format::cap(source).to_owned();
            let value = format::encode(&Record::Version(entry.clone()));
            if let Change::Put { value: before, .. } = &self.changes[*at] {
                self.bytes_written = self.bytes_written + value.len() - before.len();
            }
            self.changes[*at] = Change::Put { key: format::version_key(*number), value };
        }
    }
}

/// A value that could not be saved or restored, and where it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where in Memory, as Lua would write it: `Memory.jobs[3]`.
    pub path: String,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// What a restore found.
#[derive(Debug, Clone, Default)]
pub struct RestoreReport {
    /// Objects (tables and closures) rebuilt.
    pub objects: usize,
    /// Records read.
    pub records: usize,
    pub problems: Vec<Problem>,
}

/// A table's entries as a save point read them (in `next` order, hashed) and the
/// digest of the record they encode to. The same entries read in the same order make
/// the same record, so a table whose entries hash the same is not encoded again.
#[derive(Clone, Copy)]
struct Fingerprint {
    entries: u128,
    digest: u64,
}

/// New objects one pass of the save walk can meet before their ids are registered
/// (their ids wait in a preallocated Lua table of this many slots).
const PASS_CAPACITY: usize = 4096;

impl Keeper {
    pub(crate) fn new(lua: &Lua, raw: Raw) -> mlua::Result<Keeper> {
        Keeper::with_pass_capacity(lua, raw, PASS_CAPACITY)
    }

    fn with_pass_capacity(lua: &Lua, raw: Raw, pass_capacity: usize) -> mlua::Result<Keeper> {
        Ok(Keeper {
            raw,
            std: StdNames::build(lua)?,
            ids: ObjectIds::new(lua, pass_capacity)?,
            proto_of: FxHashMap::default(),
            fingerprints: FxHashMap::default(),
            proto_by_hash: HashMap::new(),
            stored: FxHashMap::default(),
            scratch: save::Scratch::default(),
            unrestored: unrestored::Unrestored::default(),
            meta: None,
            newest_version: 0,
            secret: [0; SECRET_LEN],
            next_id: 1,
            quarantine: Quarantine::default(),
            graph: None,
            awaiting_commit: false,
            read_everything: true,
        })
    }

    /// Forgets Memory's objects and what the store held, before a restore replaces
    /// Memory in a VM that already ran (a page catching up with another tab, a version
    /// restored). Ids never go back, so no id can name two objects.
    pub(crate) fn forget(&mut self, lua: &Lua) -> mlua::Result<()> {
        self.ids = ObjectIds::new(lua, PASS_CAPACITY)?;
        self.proto_of.clear();
        self.fingerprints.clear();
        self.proto_by_hash.clear();
        self.stored.clear();
        self.unrestored = unrestored::Unrestored::default();
        self.meta = None;
        self.newest_version = 0;
        self.graph = None;
        Ok(())
    }

    /// Records that `point` reached the store.
    pub(crate) fn committed(&mut self, point: &SavePoint) {
        for (key, digest) in &point.digests {
            match digest {
                Some(d) => self.stored.insert(*key, *d),
                None => self.stored.remove(key),
            };
        }
        self.meta = Some(point.meta.clone());
        self.newest_version = self.newest_version.max(point.meta.version);
        self.awaiting_commit = false;
    }

    fn tag(&self, bytecode: &[u8]) -> [u8; TAG_LEN] {
        tag(&self.secret, bytecode)
    }

    fn fresh_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }
}

/// A prototype's authentication tag: HMAC-SHA-256 under the store's secret, truncated.
fn tag(secret: &[u8; SECRET_LEN], bytecode: &[u8]) -> [u8; TAG_LEN] {
    mac(secret, bytecode).finalize().into_bytes()[..TAG_LEN].try_into().expect("TAG_LEN <= 32")
}

fn mac(secret: &[u8; SECRET_LEN], bytecode: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(bytecode);
    mac
}

/// Identifies a record's content between save points: kind and uncompressed body,
/// so unchanged objects are recognised before any compression is spent on them.
/// XXH3: fast enough to run over every body at every save point.
fn digest(kind: u8, body: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64_with_seed(body, u64::from(kind))
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    Sha256::digest(bytes).into()
}

/// Whether `tag` is `bytecode`'s tag under `secret`, compared in constant time by the
/// hmac crate.
fn tag_verifies(secret: &[u8; SECRET_LEN], bytecode: &[u8], tag: &[u8; TAG_LEN]) -> bool {
    mac(secret, bytecode).verify_truncated_left(tag).is_ok()
}
