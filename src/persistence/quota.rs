//! What the browser lets us keep: usage and quota (`navigator.storage.estimate()`),
//! and a request that our storage be persistent, so the browser does not evict
//! Memory under storage pressure (`navigator.storage.persist()`).

use leptos::prelude::{RwSignal, Set};
use moonkeep_engine::history;
use moonkeep_store_idb::IdbStore;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub usage: f64,
    pub quota: f64,
}

/// Storage used and allowed, and whether the browser keeps it under pressure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quota {
    pub estimate: Estimate,
    pub persistent: bool,
}

impl Quota {
    /// What the status bar says.
    pub fn text(self) -> String {
        let kept = if self.persistent { "persistent" } else { "the browser may evict it under pressure" };
        format!("{} of {} used · {kept}", human_bytes(self.estimate.usage), human_bytes(self.estimate.quota))
    }
}

/// When the browser refuses a save for want of room: the history is thinned to half
/// of what it takes (FORMAT.md R19's order: the current and newest versions stay) and
/// what no kept version needs is deleted. True if anything was freed.
pub async fn make_room(store: &IdbStore) -> bool {
    let Ok(records) = store.load_history().await else { return false };
    let taken = history::usage(&records).bytes;
    let thinned = history::Retention { budget: taken / 2 }.thin(&records, js_sys::Date::now() as u64);
    if thinned.is_empty() || store.commit(&thinned).await.is_err() {
        return false;
    }
    let Ok(records) = store.load_history().await else { return true };
    let mut collection = history::Collection::find(&records);
    while !collection.is_done() {
        if store.commit(&collection.step(256)).await.is_err() {
            break;
        }
    }
    true
}

/// Asks the browser again how much is used (after a save, say).
pub async fn refresh(quota: RwSignal<Option<Quota>>, persistent: bool) {
    if let Some(estimate) = estimate().await {
        quota.set(Some(Quota { estimate, persistent }));
    }
}

fn manager() -> Option<web_sys::StorageManager> {
    Some(web_sys::window()?.navigator().storage())
}

pub async fn estimate() -> Option<Estimate> {
    let promise = manager()?.estimate().ok()?;
    let value = JsFuture::from(promise).await.ok()?;
    let estimate: web_sys::StorageEstimate = value.unchecked_into();
    Some(Estimate { usage: estimate.get_usage()?, quota: estimate.get_quota()? })
}

/// Asks for persistent storage; true if the browser grants it (or already had).
pub async fn request_persistence() -> bool {
    let Some(manager) = manager() else { return false };
    if let Ok(promise) = manager.persisted() {
        if JsFuture::from(promise).await.ok().and_then(|v| v.as_bool()) == Some(true) {
            return true;
        }
    }
    match manager.persist() {
        Ok(promise) => JsFuture::from(promise).await.ok().and_then(|v| v.as_bool()).unwrap_or(false),
        Err(_) => false,
    }
}

/// Bytes for people: "812 B", "1.4 MB", "2.0 GB".
fn human_bytes(bytes: f64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = bytes.max(0.0);
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{value:.0} {}", UNITS[0])
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_is_said_in_units_people_read() {
        let quota = Quota { estimate: Estimate { usage: 812.0, quota: 1.4e9 }, persistent: true };
        assert_eq!(quota.text(), "812 B of 1.4 GB used · persistent");
        assert_eq!(human_bytes(1_500_000.0), "1.5 MB");
    }
}
