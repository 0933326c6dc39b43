//! Memory kept in IndexedDB without a save button: restored before the first run
//! (restore.rs), saved after every run (save.rs), by one tab at a time (tab_lock.rs)
//! while the others follow it live (follow.rs), within what the browser allows
//! (quota.rs), and exported or imported as a snapshot file (snapshot.rs).
//! [`SaveState`] is what the status bar shows.

mod follow;
mod quota;
mod restore;
mod save;
mod snapshot;
mod tab_lock;

use std::rc::Rc;

use leptos::prelude::*;
use moonkeep_engine::{Change, Vm, SECRET_LEN};
use moonkeep_store_idb::IdbStore;

pub use quota::Quota;

/// Where Memory stands between this tab and the store: the one answer to "may this
/// tab run?" ([`SaveState::restored`]) and "does it save?" ([`SaveState::saves`]).
#[derive(Debug, Clone, PartialEq)]
pub enum SaveState {
    /// Loading Memory; nothing may run. While a large Memory is rebuilt: (work done,
    /// work in all).
    Restoring {
        progress: Option<(usize, usize)>,
    },
    Saving,
    /// Memory is in the store as of the last run.
    Saved {
        detail: String,
    },
    /// The last save failed; the previous one is intact and the next run tries again.
    Failed {
        reason: String,
    },
    /// The browser gives us no storage: everything works, nothing is kept.
    NoStorage {
        reason: String,
    },
    /// Another tab saves Memory; this one shows it live, at this version, and a run
    /// here takes it over.
    Following {
        version: u64,
    },
}

impl SaveState {
    pub fn text(&self) -> String {
        match self {
            SaveState::Restoring { .. } => "Restoring Memory…".into(),
            SaveState::Saved { detail } => format!("Saved · {detail}"),
            SaveState::Saving => "Saving…".into(),
            SaveState::NoStorage { reason } => format!("Not saving: {reason}"),
            SaveState::Following { version } => {
                format!("Following another tab · version {version} · a run here takes Memory over")
            }
            SaveState::Failed { reason } => format!("Save failed: {reason}"),
        }
    }

    /// A stable word for styling and tests.
    pub fn word(&self) -> &'static str {
        match self {
            SaveState::Restoring { .. } => "restoring",
            SaveState::Saved { .. } => "saved",
            SaveState::Saving => "saving",
            SaveState::NoStorage { .. } => "not-saving",
            SaveState::Following { .. } => "following",
            SaveState::Failed { .. } => "failed",
        }
    }

    /// Memory is restored: code may run.
    pub fn restored(&self) -> bool {
        !matches!(self, SaveState::Restoring { .. })
    }

    /// This tab writes Memory to the store.
    pub fn saves(&self) -> bool {
        matches!(self, SaveState::Saving | SaveState::Saved { .. } | SaveState::Failed { .. })
    }
}

/// Memory's persistence for the page, provided once by the app (context). Components
/// read its signals and call its methods.
#[derive(Clone, Copy)]
pub struct Persistence {
    vm: StoredValue<Vm, LocalStorage>,
    store: StoredValue<Option<Rc<IdbStore>>, LocalStorage>,
    state: RwSignal<SaveState>,
    /// Set when the page is about to reload over what it just wrote (the proof's
    /// reload, an import): from then on it must not save, whatever the state says.
    held: StoredValue<bool>,
    /// Values the last restore could not bring back, as "path: reason".
    problems: RwSignal<Vec<String>>,
    /// Values the last save point could not save (a coroutine, a changed standard
    /// table), as "path: reason".
    unsaved: RwSignal<Vec<String>>,
    /// Storage used and allowed, and whether the browser made it persistent.
    quota: RwSignal<Option<Quota>>,
    /// How long the restore at page load took (store read + rebuild), in ms.
    restore_ms: RwSignal<Option<f64>>,
    /// The version Memory stands at in this tab: the store's current one as of the
    /// last restore or save point (0 before the first).
    version: RwSignal<u64>,
    /// What made the changes the next save point records (its version's chunk and
    /// source): the run under way, or an edit in the inspector.
    origin: StoredValue<Origin>,
    /// Where this tab stands among the others: owner or follower (follow.rs).
    tabs: StoredValue<follow::Tabs, LocalStorage>,
}

/// The chunk name and source a version records as what made it.
#[derive(Clone, Default)]
pub struct Origin {
    pub chunk: String,
    pub source: String,
}

impl Persistence {
    /// Opens the store and restores Memory into `vm` in the background.
    pub fn start(vm: StoredValue<Vm, LocalStorage>) -> Persistence {
        let persistence = Persistence {
            vm,
            store: StoredValue::new_local(None),
            state: RwSignal::new(SaveState::Restoring { progress: None }),
            held: StoredValue::new(false),
            problems: RwSignal::new(Vec::new()),
            unsaved: RwSignal::new(Vec::new()),
            quota: RwSignal::new(None),
            restore_ms: RwSignal::new(None),
            version: RwSignal::new(0),
            origin: StoredValue::new(Origin::default()),
            tabs: StoredValue::new_local(follow::Tabs::default()),
        };
        restore::start(persistence);
        persistence
    }

    pub fn state(self) -> SaveState {
        self.state.get()
    }

    /// Whether Memory has been restored (nothing may run before).
    pub fn restored(self) -> bool {
        self.state.with(SaveState::restored)
    }

    /// `restored`, without subscribing to it.
    pub fn restored_now(self) -> bool {
        self.state.with_untracked(SaveState::restored)
    }

    /// Whether this tab saves (imports need it).
    pub fn saves(self) -> bool {
        self.state.with(SaveState::saves)
    }

    /// The version Memory stands at (see the field).
    pub fn version(self) -> u64 {
        self.version.get()
    }

    /// `version`, without subscribing to it.
    pub fn version_now(self) -> u64 {
        self.version.get_untracked()
    }

    /// The store, once opened; None while restoring or without storage.
    pub fn store(self) -> Option<Rc<IdbStore>> {
        self.store.get_value()
    }

    /// Commits `changes` made outside a save point (a version restored, FORMAT.md R17)
    /// and rebuilds Memory from the store.
    pub async fn replace(self, changes: Vec<Change>) -> Result<(), String> {
        if !self.may_save() {
            return Err(NOT_OWNER.into());
        }
        let store = self.store.get_value().ok_or("this browser gives Moonkeep no storage")?;
        self.state.set(SaveState::Saving);
        self.tabs.update_value(|t| t.in_flight += 1);
        let committed = store.commit(&changes).await;
        self.landed();
        if let Err(e) = committed {
            self.state.set(SaveState::Failed { reason: e.0.clone() });
            return Err(e.0);
        }
        self.catch_up().await?;
        follow::announce(follow::Notice::Committed(self.version.get_untracked()));
        self.pay_owed();
        Ok(())
    }

    /// Values the last restore could not bring back.
    pub fn problems(self) -> Vec<String> {
        self.problems.get()
    }

    /// What the next versions are made by, until told otherwise.
    pub fn made_by(self, chunk: &str, source: &str) {
        self.origin.set_value(Origin { chunk: chunk.to_owned(), source: source.to_owned() });
    }

    /// Values the last save point could not save.
    pub fn unsaved(self) -> Vec<String> {
        self.unsaved.get()
    }

    pub fn quota(self) -> Option<Quota> {
        self.quota.get()
    }

    /// How long the restore at page load took (not followed: it is set once).
    pub fn restore_ms(self) -> Option<f64> {
        self.restore_ms.get_untracked()
    }

    /// Stops saving in this page: it is about to reload and must not write over what
    /// was just saved (the proof panel's reload).
    pub fn hold(self) {
        self.held.set_value(true);
    }

    /// Whether a save may be written now.
    fn may_save(self) -> bool {
        self.owns() && self.state.with_untracked(SaveState::saves) && !self.held.get_value()
    }
}

/// Why a tab that follows another does not write the store.
const NOT_OWNER: &str = "another tab saves Memory: run something in this tab to take it over first";

/// A new store's key for authenticating its bytecode, from the system's CSPRNG. Without
/// one nothing is kept: a predictable key would let a crafted file's bytecode in.
fn fresh_secret() -> Result<[u8; SECRET_LEN], String> {
    let mut secret = [0u8; SECRET_LEN];
    getrandom::fill(&mut secret).map_err(|e| {
        format!("this browser gives no secure random numbers to key the store ({e}), so Memory is not kept")
    })?;
    Ok(secret)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_secret_is_never_predictable() {
        let (a, b) = (fresh_secret().unwrap(), fresh_secret().unwrap());
        assert_ne!(a, [0; SECRET_LEN]);
        assert_ne!(a, b);
    }

    #[test]
    fn only_a_restored_tab_that_owns_the_store_saves() {
        let restoring = SaveState::Restoring { progress: Some((1, 2)) };
        assert!(!restoring.restored() && !restoring.saves());
        for owner in
            [SaveState::Saving, SaveState::Saved { detail: "x".into() }, SaveState::Failed { reason: "x".into() }]
        {
            assert!(owner.restored() && owner.saves(), "{owner:?}");
        }
        for follower in [SaveState::NoStorage { reason: "x".into() }, SaveState::Following { version: 3 }] {
            assert!(follower.restored() && !follower.saves(), "{follower:?}");
        }
        assert_eq!(SaveState::NoStorage { reason: "x".into() }.word(), "not-saving");
        assert_eq!(SaveState::Following { version: 3 }.word(), "following");
        assert!(SaveState::Following { version: 3 }.text().contains("version 3"));
    }
}
