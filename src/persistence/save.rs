//! Saving: a save point walked from the Vm at once (what Memory is at that moment is
//! what gets saved) and committed in one IndexedDB transaction. The VM hears of it
//! (`Vm::committed`) only once the transaction succeeded, so a failed save is retried
//! by the next one; the status bar hears of it through [`SaveState`].

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use moonkeep_engine::{Cause, SavePoint, StoreError};
use moonkeep_store_idb::IdbStore;

use super::follow::{announce, timer, Notice};
use super::{quota, Persistence, SaveState, NOT_OWNER};
use crate::now_ms;

impl Persistence {
    /// A save point after a run (or a change in the inspector), committed in the
    /// background.
    pub fn save(self) {
        self.save_as(Cause::Run);
    }

    /// A save point in the middle of a long run (its version says so).
    pub fn save_during_run(self) {
        self.save_as(Cause::DuringRun);
    }

    fn save_as(self, cause: Cause) {
        if !self.may_save() {
            // A follower's run ended (or the page is hidden): time to catch up.
            spawn_local(self.follow_up(false));
            return;
        }
        if self.tabs.with_value(|t| t.in_flight > 0) {
            // Made once the commit in flight lands (`pay_owed`); the end of a run is
            // owed rather than a save point in the middle of one.
            self.tabs.update_value(|t| {
                t.owed = Some(if cause == Cause::DuringRun { t.owed.unwrap_or(cause) } else { cause });
            });
            return;
        }
        let Some((store, point, walk_ms)) = self.save_point(cause) else { return };
        if point.is_empty() {
            return;
        }
        self.state.set(SaveState::Saving);
        spawn_local(async move {
            let _ = self.commit(&store, &point, walk_ms).await;
            let persistent = self.quota.get_untracked().is_some_and(|q| q.persistent);
            quota::refresh(self.quota, persistent).await;
        });
    }

    /// A save point committed now; resolves with the milliseconds it took (walk and
    /// commit), or why it could not be made.
    pub async fn save_now(self) -> Result<f64, String> {
        if !self.may_save() {
            return Err(NOT_OWNER.into());
        }
        // A save point taken before a commit in flight lands would be refused.
        while self.tabs.with_value(|t| t.in_flight > 0) {
            let _ = wasm_bindgen_futures::JsFuture::from(timer(10)).await;
        }
        let (store, point, walk_ms) = self.save_point(Cause::Run).ok_or("this browser gives Moonkeep no storage")?;
        self.commit(&store, &point, walk_ms).await.map(|commit_ms| walk_ms + commit_ms)
    }

    /// Makes the save asked for while commits were in flight, once the last has landed.
    pub(super) fn pay_owed(self) {
        let mut owed = None;
        self.tabs.update_value(|t| {
            if t.in_flight == 0 {
                owed = t.owed.take();
            }
        });
        if let Some(cause) = owed {
            self.save_as(cause);
        }
    }

    /// Walks Memory now, if there is a store; returns it with the save point and the
    /// walk's milliseconds.
    fn save_point(self, cause: Cause) -> Option<(Rc<IdbStore>, SavePoint, f64)> {
        let store = self.store.get_value()?;
        let walk_started = now_ms();
        let mut point = self.vm.with_value(|vm| vm.save_point());
        self.origin.with_value(|o| point.describe(js_sys::Date::now() as u64, cause, &o.chunk, &o.source));
        let walk_ms = now_ms() - walk_started;
        let unsaved: Vec<String> = point.problems.iter().map(ToString::to_string).collect();
        if self.unsaved.with_untracked(|shown| *shown != unsaved) {
            self.unsaved.set(unsaved);
        }
        Some((store, point, walk_ms))
    }

    /// Commits `point`, telling the VM, the status bar and the other tabs; the
    /// commit's milliseconds. A tab whose lock was taken meanwhile follows on.
    async fn commit(self, store: &IdbStore, point: &SavePoint, walk_ms: f64) -> Result<f64, String> {
        self.state.set(SaveState::Saving);
        let started = now_ms();
        self.tabs.update_value(|t| t.in_flight += 1);
        // Only onto the version this tab's Memory stands at: never over another tab's.
        let at = self.version.get_untracked();
        let mut committed = store.commit_at(at, &point.changes).await;
        // The browser's quota is full: older versions make room first (FORMAT.md R19).
        if committed.as_ref().is_err_and(|e| e.0.contains("quota is full")) && quota::make_room(store).await {
            committed = store.commit_at(at, &point.changes).await.map_err(|e| {
                StoreError(format!("{} (older versions of the history were thinned, and that was not enough)", e.0))
            });
        }
        let commit_ms = now_ms() - started;
        if committed.is_ok() {
            self.vm.with_value(|vm| vm.committed(point));
            if let Some(version) = point.version() {
                self.version.set(version);
                announce(Notice::Committed(version));
            }
        }
        self.state.set(match &committed {
            _ if !self.owns() => SaveState::Following { version: self.version.get_untracked() },
            Ok(()) => SaveState::Saved {
                detail: format!(
                    "{} records, {} bytes: save point {walk_ms:.1} ms, commit {commit_ms:.1} ms",
                    point.changes.len(),
                    point.bytes_written,
                ),
            },
            Err(e) => SaveState::Failed { reason: e.0.clone() },
        });
        self.landed();
        if committed.is_err() && self.stored_version().await.is_some_and(|stored| stored != at) {
            // Another tab saved meanwhile: show its Memory (this run's changes to Memory
            // are not kept; the message says so) rather than save over it.
            let _ = self.catch_up().await;
            if let Err(e) = &committed {
                self.state.set(SaveState::Failed {
                    reason: format!(
                        "{}: this tab now shows that version; its last run's changes to Memory were not kept",
                        e.0
                    ),
                });
            }
        }
        self.pay_owed();
        committed.map(|()| commit_ms).map_err(|e| e.0)
    }
}
