//! Start-up: open the store, ask for the tab lock, read the records and rebuild Memory
//! in slices of about a frame, so that a large Memory loads with the page alive.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use moonkeep_engine::history;
use moonkeep_engine::{LuaError, RestoreReport, StoreError, Vm};
use moonkeep_store_idb::IdbStore;

use super::{fresh_secret, quota, tab_lock, Persistence, SaveState};
use crate::now_ms;

/// Restores Memory into the page's Vm in the background and sets the state it ends in.
pub(super) fn start(persistence: Persistence) {
    // Both asked now, while the page is still being built: the answers wait in the
    // browser's queue instead of being asked for after the first paint. Records are
    // read only once the lock is decided, so an owner reads what the last owner wrote.
    // The open is awaited first and from the start: polled only after its upgrade
    // had begun, indexed_db_futures would hand out the database while the upgrade's
    // transaction still runs (seen: "A version change transaction is running").
    let started = now_ms();
    let lock = tab_lock::acquire(false);
    let opening = IdbStore::open();
    spawn_local(async move {
        let opened = opening.await;
        let ownership = lock.await;
        let writes = !matches!(ownership, tab_lock::Ownership::Follower);
        persistence.tabs.update_value(|t| t.owns = writes);
        let opened = match opened {
            Ok(store) => match load(&store).await {
                Ok(records) if writes => prepare(&store, records).await.map(|records| (store, records)),
                Ok(records) => Ok((store, records)),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        };
        let state = match opened {
            Ok((store, records)) => {
                let outcome = rebuild(persistence, records).await;
                persistence.store.set_value(Some(Rc::new(store)));
                match outcome {
                    Ok(rebuilt) => {
                        persistence.restore_ms.set(Some(now_ms() - started));
                        SaveState::Saved { detail: rebuilt.detail(now_ms() - started) }
                    }
                    Err(reason) => SaveState::Failed { reason },
                }
            }
            Err(e) => {
                let empty = fresh_secret().map(|secret| persistence.vm.with_value(|vm| vm.restore(Vec::new(), secret)));
                match empty {
                    Ok(_) => SaveState::NoStorage { reason: e.0 },
                    Err(reason) => SaveState::NoStorage { reason: format!("{}; {reason}", e.0) },
                }
            }
        };
        let keeping = !matches!(state, SaveState::NoStorage { .. });
        let state = match (keeping, ownership) {
            (true, tab_lock::Ownership::Follower) => {
                SaveState::Following { version: persistence.version.get_untracked() }
            }
            (true, tab_lock::Ownership::Owner(held)) => {
                tab_lock::on_taken_over(held, persistence);
                state
            }
            (true, tab_lock::Ownership::Unsupported) | (false, _) => state,
        };
        persistence.state.set(state);
        crate::mark("moonkeep:restored");
        // A version announced while this follower read the store may be newer.
        spawn_local(persistence.follow_up(false));
        if keeping {
            let persistent = quota::request_persistence().await;
            quota::refresh(persistence.quota, persistent).await;
        }
    });
}

/// Opened by the tab that saves: a store of format version 1 becomes version 1 of a
/// store with history (one commit, nothing else changes). Returns the records as they
/// are then. The page does not thin its history yet (the command line does): the
/// retention code costs the page about 7 KB gzip, more than its budget has left.
async fn prepare(store: &IdbStore, records: Vec<(Vec<u8>, Vec<u8>)>) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
    match history::migrate(&records, js_sys::Date::now() as u64) {
        Some(changes) => {
            store.commit(&changes).await?;
            load(store).await
        }
        None => Ok(records),
    }
}

/// The records a restore needs: the current Memory's alone while its meta record
/// names the current version (the newest, FORMAT.md R14), so a long history costs a
/// restore nothing; every record otherwise, to number the next version past them all.
async fn load(store: &IdbStore) -> Result<Vec<(Vec<u8>, Vec<u8>)>, StoreError> {
    let live = store.load_live().await?;
    match history::meta(&live) {
        Ok(_) => Ok(live),
        Err(_) => store.load().await,
    }
}

impl Persistence {
    /// Rebuilds Memory from what the store holds now, in place (the other globals
    /// stay): after a version was restored, or another tab saved. Nothing runs
    /// meanwhile (the state says Restoring); then the tab saves or follows as before.
    pub async fn catch_up(self) -> Result<(), String> {
        let store = self.store.get_value().ok_or("this browser gives Moonkeep no storage")?;
        let started = now_ms();
        self.state.set(SaveState::Restoring { progress: None });
        let rebuilt = match load(&store).await {
            Ok(records) => rebuild(self, records).await,
            Err(e) => Err(e.0),
        };
        self.state.set(match rebuilt {
            Ok(_) if !self.owns() => SaveState::Following { version: self.version.get_untracked() },
            Ok(ref rebuilt) => SaveState::Saved { detail: rebuilt.detail(now_ms() - started) },
            Err(ref reason) if !self.owns() => SaveState::NoStorage { reason: reason.clone() },
            Err(ref reason) => SaveState::Failed { reason: reason.clone() },
        });
        crate::mark("moonkeep:caught-up");
        rebuilt.map(|_| ())
    }
}

/// What a rebuild restored.
struct Rebuilt {
    objects: usize,
    records: usize,
    damaged: usize,
}

impl Rebuilt {
    /// The status bar's words for it, given how long it took.
    fn detail(&self, ms: f64) -> String {
        let damaged = match self.damaged {
            0 => String::new(),
            n => format!(", {n} not restored"),
        };
        format!("restored {} objects from {} records in {ms:.1} ms{damaged}", self.objects, self.records)
    }
}

/// Rebuilds Memory from `records`; sets the problems and the version Memory now
/// stands at, or says why Memory could not be restored.
async fn rebuild(persistence: Persistence, records: Vec<(Vec<u8>, Vec<u8>)>) -> Result<Rebuilt, String> {
    let count = records.len();
    let version = history::meta(&records).map_or(0, |m| m.version);
    let report = rebuild_records(persistence, records).await?;
    persistence.problems.set(report.problems.iter().map(ToString::to_string).collect());
    persistence.version.set(version);
    Ok(Rebuilt { objects: report.objects, records: count, damaged: report.problems.len() })
}

/// Restores `records` into the VM a slice of about a frame at a time, showing
/// progress between slices.
async fn rebuild_records(persistence: Persistence, records: Vec<(Vec<u8>, Vec<u8>)>) -> Result<RestoreReport, String> {
    const FRAME_MS: f64 = 12.0;
    const UNITS: usize = 256;
    let vm = persistence.vm;
    let secret = fresh_secret()?;
    let restoring = |e: LuaError| format!("Memory could not be restored: {e}");
    let mut restore = vm.with_value(|vm| vm.begin_restore(records, secret)).map_err(restoring)?;
    loop {
        let slice_started = now_ms();
        let outcome = vm.with_value(|vm: &Vm| loop {
            if let Some(outcome) = vm.restore_step(&mut restore, UNITS) {
                break Some(outcome);
            }
            if now_ms() - slice_started > FRAME_MS {
                break None;
            }
        });
        match outcome {
            Some(outcome) => {
                return outcome.map_err(restoring);
            }
            None => {
                persistence.state.set(SaveState::Restoring { progress: Some(restore.progress()) });
                crate::event_loop::next_task().await;
            }
        }
    }
}
