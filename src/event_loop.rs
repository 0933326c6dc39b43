//! Giving the browser its event loop back in the middle of long work.

use wasm_bindgen::prelude::*;

/// Resolves in a new task of the event loop, after input and drawing had their turn.
/// A message to a MessageChannel port is a task without setTimeout's 4 ms clamp.
pub async fn next_task() {
    thread_local! {
        static CHANNEL: web_sys::MessageChannel = web_sys::MessageChannel::new().expect("MessageChannel");
    }
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let on_message = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
        CHANNEL.with(|channel| {
            channel.port1().set_onmessage(Some(on_message.unchecked_ref()));
            let _ = channel.port2().post_message(&JsValue::UNDEFINED);
        });
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}
