//! Moonkeep's engine: a Lua 5.4 VM with REPL semantics, captured output, readable
//! values and errors that say where they happened. It knows nothing of the web: the
//! browser app and the command line drive the same [`Vm`].
#![forbid(unsafe_code)]

mod complete;
mod error;
mod inspect;
mod memory;
mod render;
mod store;
pub mod time;
mod vm;

pub use complete::{check, Completions, Diagnostic, Hover, Item, ItemKind, Signature};
pub use error::{ErrorKind, Location, LuaError};
pub use inspect::{DeleteError, Deleted, Entry, Limits, Node, Place, Row, Shown, Size, Upvalue};
pub use memory::{
    history, Cause, Edge, Key, Path, Problem, Quarantine, RestoreReport, SavePoint, SnapshotError, Version,
    FORMAT_VERSION, SECRET_LEN, STORE_VERSION,
};
/// Snapshots: one portable file holding a whole Memory.
pub mod snapshot {
    pub use crate::memory::{export, import, import_at, SnapshotError};
}
pub use store::{Change, MemoryStore, Records, Store, StoreError};
pub use vm::{Evaluation, KeyPrint, Restore, Run, Step, Vm, MEMORY_LIMIT, OUTPUT_LIMIT};
pub use vm::{Module, Scripts, Workspace};
