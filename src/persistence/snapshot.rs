//! Memory as a portable file: exported as the store holds it, imported in place of the
//! stored Memory (the page then reloads from it).

use leptos::prelude::*;
use moonkeep_engine::snapshot;

use super::{fresh_secret, Persistence};

impl Persistence {
    /// A snapshot of Memory as the store holds it.
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
        if !self.may_save() {
            return Err(super::NOT_OWNER.into());
        }
        let Some(store) = self.store.get_value() else {
            return Err("this browser gives Moonkeep no storage to import into".into());
        };
        let current = store.load().await.map_err(|e| e.0)?;
        let secret = fresh_secret()?;
        let changes = match snapshot::import(bytes, &current, secret, false) {
            Err(snapshot::SnapshotError::Untrusted(n)) => {
                if !trusted(n) {
                    return Err("import cancelled; Memory is unchanged".into());
                }
                snapshot::import(bytes, &current, secret, true)
            }
            other => other,
        }
        .map_err(|e| e.to_string())?;
        // This tab's Memory is now stale: it must not save again before the reload
        // (a pagehide save would write it over the import).
        self.held.set_value(true);
        if let Err(e) = store.commit(&changes).await {
            self.held.set_value(false);
            return Err(e.0);
        }
        Ok(())
    }
}

/// Asks the user whether to load `functions` functions another Moonkeep wrote.
fn trusted(functions: usize) -> bool {
    let question = format!(
        "This snapshot holds {functions} function(s) written by another Moonkeep. Loading bytecode \
         from elsewhere can crash or corrupt the playground if the file was crafted.\n\n\
         Import it only if you trust where it came from. Import and load the functions?"
    );
    web_sys::window().and_then(|w| w.confirm_with_message(&question).ok()).unwrap_or(false)
}
