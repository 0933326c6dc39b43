//! Memory kept in IndexedDB without a save button: restored before the first run,
//! saved after every run. The status it keeps is what the status bar shows.

use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use moonkeep_engine::{snapshot, LuaError, RestoreReport, SavePoint, Vm, SECRET_LEN};
use moonkeep_store_idb::IdbStore;

use wasm_bindgen_futures::JsFuture;

use crate::{now_ms, storage, tab_lock};

const IN_ANOTHER_TAB: &str = "Memory is open in another tab, which saves it; this tab does not";
const TAKEN_OVER: &str = "another tab took Memory over; this tab no longer saves";

#[derive(Debug, Clone, PartialEq)]
pub enum SaveStatus {
    /// Loading Memory; the editor waits.
    Restoring,
    /// Memory is in the store as of the last run.
    Saved {
        detail: String,
    },
    Saving,
    /// The browser gives us no storage: everything works, nothing is kept.
    NotSaving {
        reason: String,
    },
    /// The last save failed; the previous one is intact and the next run tries again.
    Failed {
        reason: String,
    },
}

impl SaveStatus {
    pub fn text(&self) -> String {
        match self {
            SaveStatus::Restoring => "Restoring Memory…".into(),
            SaveStatus::Saved { detail } => format!("Saved · {detail}"),
            SaveStatus::Saving => "Saving…".into(),
            SaveStatus::NotSaving { reason } => format!("Not saving: {reason}"),
            SaveStatus::Failed { reason } => format!("Save failed: {reason}"),
        }
    }

    /// A stable word for styling and tests.
    pub fn state(&self) -> &'static str {
        match self {
            SaveStatus::Restoring => "restoring",
            SaveStatus::Saved { .. } => "saved",
            SaveStatus::Saving => "saving",
            SaveStatus::NotSaving { .. } => "not-saving",
            SaveStatus::Failed { .. } => "failed",
        }
    }
}

/// The store (if the browser gave us one) and the save status, shared by the panels.
#[derive(Clone, Copy)]
pub struct Autosave {
    store: StoredValue<Option<Rc<IdbStore>>, LocalStorage>,
    pub status: RwSignal<SaveStatus>,
    /// False until Memory is restored: nothing may run before that.
    pub ready: RwSignal<bool>,
    /// Values the last restore could not bring back, as "path: reason".
    pub problems: RwSignal<Vec<String>>,
    /// Storage used and allowed, and whether the browser made it persistent.
    pub storage: RwSignal<Option<(storage::Estimate, bool)>>,
    /// Whether this tab owns the store (see tab_lock); only the owner saves.
    pub owner: RwSignal<bool>,
    /// How long the restore at page load took (store read + rebuild), in ms.
    pub restore_ms: RwSignal<Option<f64>>,
    /// While a large Memory is rebuilt: (work done, work in all).
    pub restore_progress: RwSignal<Option<(usize, usize)>>,
}

impl Autosave {
    /// Opens the store and restores Memory into `vm` in the background.
    pub fn start(vm: StoredValue<Vm, LocalStorage>) -> Autosave {
        let autosave = Autosave {
            store: StoredValue::new_local(None),
            status: RwSignal::new(SaveStatus::Restoring),
            ready: RwSignal::new(false),
            problems: RwSignal::new(Vec::new()),
            storage: RwSignal::new(None),
            owner: RwSignal::new(false),
            restore_ms: RwSignal::new(None),
            restore_progress: RwSignal::new(None),
        };
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
            let opened = match opened {
                Ok(store) => store.load().await.map(|records| (store, records)),
                Err(e) => Err(e),
            };
            let status = match opened {
                Ok((store, records)) => {
                    let count = records.len();
                    let report = autosave.rebuild(vm, records).await;
                    autosave.store.set_value(Some(Rc::new(store)));
                    match report {
                        Ok(report) => {
                            autosave.restore_ms.set(Some(now_ms() - started));
                            autosave.problems.set(report.problems.iter().map(ToString::to_string).collect());
                            let damaged = match report.problems.len() {
                                0 => String::new(),
                                n => format!(", {n} not restored"),
                            };
                            SaveStatus::Saved {
                                detail: format!(
                                    "restored {} objects from {count} records in {:.1} ms{damaged}",
                                    report.objects,
                                    now_ms() - started
                                ),
                            }
                        }
                        Err(e) => SaveStatus::Failed { reason: format!("Memory could not be restored: {e}") },
                    }
                }
                Err(e) => {
                    let _ = vm.with_value(|vm| vm.restore(Vec::new(), fresh_secret()));
                    SaveStatus::NotSaving { reason: e.0 }
                }
            };
            let keeping = !matches!(status, SaveStatus::NotSaving { .. });
            let status = match (keeping, ownership) {
                (true, tab_lock::Ownership::Follower) => SaveStatus::NotSaving { reason: IN_ANOTHER_TAB.into() },
                (true, tab_lock::Ownership::Owner(held)) => {
                    autosave.owner.set(true);
                    spawn_local(async move {
                        // Rejected when another tab takes the store over.
                        if JsFuture::from(held).await.is_err() {
                            autosave.owner.set(false);
                            autosave.status.set(SaveStatus::NotSaving { reason: TAKEN_OVER.into() });
                        }
                    });
                    status
                }
                (true, tab_lock::Ownership::Unsupported) => {
                    autosave.owner.set(true);
                    status
                }
                (false, _) => status,
            };
            autosave.status.set(status);
            autosave.ready.set(true);
            crate::mark("moonkeep:restored");
            if keeping {
                let persistent = storage::request_persistence().await;
                autosave.refresh_storage(persistent).await;
            }
        });
        autosave
    }

    /// Rebuilds Memory from `records` in slices of about a frame, showing progress
    /// between them, so that a large Memory loads with the page alive.
    async fn rebuild(
        self,
        vm: StoredValue<Vm, LocalStorage>,
        records: Vec<(Vec<u8>, Vec<u8>)>,
    ) -> Result<RestoreReport, LuaError> {
        const FRAME_MS: f64 = 12.0;
        const UNITS: usize = 256;
        let mut restore = vm.with_value(|vm| vm.begin_restore(records, fresh_secret()));
        loop {
            let slice_started = now_ms();
            let outcome = vm.with_value(|vm| loop {
                if let Some(outcome) = vm.restore_step(&mut restore, UNITS) {
                    break Some(outcome);
                }
                if now_ms() - slice_started > FRAME_MS {
                    break None;
                }
            });
            match outcome {
                Some(outcome) => {
                    self.restore_progress.set(None);
                    return outcome;
                }
                None => {
                    self.restore_progress.set(Some(restore.progress()));
                    crate::event_loop::next_task().await;
                }
            }
        }
    }

    async fn refresh_storage(self, persistent: bool) {
        if let Some(estimate) = storage::estimate().await {
            self.storage.set(Some((estimate, persistent)));
        }
    }

    /// Whether the browser gave us a store at all (taking over needs one).
    pub fn storage_available(self) -> bool {
        self.store.with_value(Option::is_some)
    }

    /// Takes the store from the tab that holds it, then reloads so that this tab
    /// starts from what that tab saved.
    pub fn take_over(self) {
        spawn_local(async move {
            if let tab_lock::Ownership::Owner(_) = tab_lock::acquire(true).await {
                let _ = web_sys::window().map(|w| w.location().reload());
            }
        });
    }

    /// A snapshot of Memory as the store holds it (saving first if a save is owed).
    pub async fn export(self) -> Result<Vec<u8>, String> {
        let Some(store) = self.store.get_value() else {
            return Err("Nothing to export: this browser gives Moonkeep no storage".into());
        };
        let records = store.load().await.map_err(|e| e.0)?;
        Ok(snapshot::export(&records))
    }

    /// Replaces the stored Memory with a snapshot's. Functions written by another store
    /// are loaded only if the user says they trust the file. The caller reloads.
    pub async fn import(self, bytes: &[u8]) -> Result<(), String> {
        if !self.owner.get_untracked() {
            return Err("another tab saves Memory: save in this tab first, then import".into());
        }
        let Some(store) = self.store.get_value() else {
            return Err("this browser gives Moonkeep no storage to import into".into());
        };
        let current = store.load().await.map_err(|e| e.0)?;
        let changes = match snapshot::import(bytes, &current, fresh_secret(), false) {
            Err(snapshot::SnapshotError::Untrusted(n)) => {
                let question = format!(
                    "This snapshot holds {n} function(s) written by another Moonkeep. Loading bytecode \
                     from elsewhere can crash or corrupt the playground if the file was crafted.\n\n\
                     Import it only if you trust where it came from. Import and load the functions?"
                );
                let trusted = web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(false);
                if !trusted {
                    return Err("import cancelled; Memory is unchanged".into());
                }
                snapshot::import(bytes, &current, fresh_secret(), true)
            }
            other => other,
        }
        .map_err(|e| e.to_string())?;
        // This tab's Memory is now stale: it must not save again before the reload
        // (a pagehide save would write it over the import).
        self.owner.set(false);
        if let Err(e) = store.commit(&changes).await {
            self.owner.set(true);
            return Err(e.0);
        }
        Ok(())
    }

    /// A save point committed now; resolves with the milliseconds it took (walk and
    /// commit), or why it could not be made.
    pub async fn save_now(self, vm: StoredValue<Vm, LocalStorage>) -> Result<f64, String> {
        if !self.owner.get_untracked() {
            return Err("this tab does not save Memory (another tab does)".into());
        }
        let (store, point, walk_ms) = self.save_point(vm).ok_or("this browser gives Moonkeep no storage")?;
        self.commit(vm, &store, &point, walk_ms).await.map(|commit_ms| walk_ms + commit_ms)
    }

    /// Stops saving in this page: it is about to reload and must not write over what
    /// was just saved (the proof panel's reload).
    pub fn hold(self) {
        self.owner.set(false);
    }

    /// A save point after a run, committed in the background.
    pub fn save(self, vm: StoredValue<Vm, LocalStorage>) {
        if !self.owner.get_untracked() {
            return;
        }
        let Some((store, point, walk_ms)) = self.save_point(vm) else { return };
        if point.is_empty() {
            return;
        }
        self.status.set(SaveStatus::Saving);
        spawn_local(async move {
            let _ = self.commit(vm, &store, &point, walk_ms).await;
            let persistent = self.storage.get_untracked().is_some_and(|(_, p)| p);
            self.refresh_storage(persistent).await;
        });
    }

    /// Walks Memory now (what it is at this moment is what gets saved), if there is a
    /// store; returns it with the save point and the walk's milliseconds.
    fn save_point(self, vm: StoredValue<Vm, LocalStorage>) -> Option<(Rc<IdbStore>, SavePoint, f64)> {
        let store = self.store.get_value()?;
        let walk_started = now_ms();
        let point = vm.with_value(|vm| vm.save_point());
        let walk_ms = now_ms() - walk_started;
        for problem in &point.problems {
            web_sys::console::warn_1(&format!("not saved: {problem}").into());
        }
        Some((store, point, walk_ms))
    }

    /// Commits `point`, telling the VM and the status bar; the commit's milliseconds.
    async fn commit(
        self,
        vm: StoredValue<Vm, LocalStorage>,
        store: &IdbStore,
        point: &SavePoint,
        walk_ms: f64,
    ) -> Result<f64, String> {
        self.status.set(SaveStatus::Saving);
        let started = now_ms();
        match store.commit(&point.changes).await {
            Ok(()) => {
                vm.with_value(|vm| vm.committed(point));
                let commit_ms = now_ms() - started;
                self.status.set(SaveStatus::Saved {
                    detail: format!(
                        "{} records, {} bytes: save point {walk_ms:.1} ms, commit {commit_ms:.1} ms",
                        point.changes.len(),
                        point.bytes_written,
                    ),
                });
                Ok(commit_ms)
            }
            Err(e) => {
                self.status.set(SaveStatus::Failed { reason: e.0.clone() });
                Err(e.0)
            }
        }
    }
}

/// A new store's key for authenticating its bytecode, from the browser's CSPRNG.
fn fresh_secret() -> [u8; SECRET_LEN] {
    let mut secret = [0u8; SECRET_LEN];
    if let Some(crypto) = web_sys::window().and_then(|w| w.crypto().ok()) {
        let _ = crypto.get_random_values_with_u8_array(&mut secret);
    }
    secret
}
