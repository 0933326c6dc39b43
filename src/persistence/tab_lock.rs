//! One tab owns Memory's store at a time, through the Web Locks API. Two tabs saving
//! independently would each overwrite the other's records; instead the first tab
//! holds the lock, a later tab runs without saving and says so, and can take over
//! (stealing the lock), at which point the other tab stops saving and says so.

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

const TAKEN_OVER: &str = "another tab took Memory over; this tab no longer saves";

/// When another tab steals the lock this tab holds (`held` rejects), this tab stops
/// saving and says so.
pub fn on_taken_over(held: Promise, state: leptos::prelude::RwSignal<super::SaveState>) {
    use leptos::prelude::Set;
    leptos::task::spawn_local(async move {
        if JsFuture::from(held).await.is_err() {
            state.set(super::SaveState::InAnotherTab { reason: TAKEN_OVER });
        }
    });
}

/// Takes the store from the tab that holds it, then reloads so that this tab starts
/// from what that tab saved.
pub fn take_over() {
    leptos::task::spawn_local(async move {
        if let Ownership::Owner(_) = acquire(true).await {
            let _ = web_sys::window().map(|w| w.location().reload());
        }
    });
}
