//! One tab owns Memory's store at a time, through the Web Locks API. Two tabs saving
//! independently would each overwrite the other's records; instead the first tab
//! holds the lock and saves, the others follow it (follow.rs), and a run in a follower
//! steals the lock, at which point the old owner stops saving and follows.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

const LOCK: &str = "moonkeep-memory";

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["navigator", "locks"], js_name = request)]
    fn request_lock(name: &str, options: &Object, callback: &Function) -> Result<Promise, JsValue>;
}

/// The outcome of asking for the store.
pub enum Ownership {
    /// This tab holds the lock; the promise rejects if another tab steals it.
    Owner(Promise),
    /// Another tab holds it.
    Follower,
    /// The browser has no Web Locks: nothing to coordinate with.
    Unsupported,
}

/// Asks for the store: only if free, or by taking it from whoever holds it (`steal`).
/// The browser is asked at once, when this is called; the future tells the answer.
pub fn acquire(steal: bool) -> impl std::future::Future<Output = Ownership> {
    let mut answer = None;
    let granted = Promise::new(&mut |resolve, _| answer = Some(resolve));
    let asked = answer.and_then(|answer| {
        let callback = Closure::once_into_js(move |lock: JsValue| -> Promise {
            let got = !lock.is_null() && !lock.is_undefined();
            let _ = answer.call1(&JsValue::NULL, &JsValue::from_bool(got));
            if got {
                Promise::new(&mut |_, _| {}) // held until the page goes away or it is stolen
            } else {
                Promise::resolve(&JsValue::UNDEFINED)
            }
        });
        let options = Object::new();
        let flag = if steal { "steal" } else { "ifAvailable" };
        let _ = Reflect::set(&options, &JsValue::from_str(flag), &JsValue::TRUE);
        request_lock(LOCK, &options, callback.unchecked_ref()).ok()
    });
    async move {
        let Some(held) = asked else { return Ownership::Unsupported };
        match JsFuture::from(granted).await.ok().and_then(|v| v.as_bool()) {
            Some(true) => Ownership::Owner(held),
            _ => Ownership::Follower,
        }
    }
}

/// When another tab steals the lock this tab holds (`held` rejects), this tab follows.
pub fn on_taken_over(held: Promise, persistence: super::Persistence) {
    leptos::task::spawn_local(async move {
        if JsFuture::from(held).await.is_err() {
            persistence.lost();
        }
    });
}
