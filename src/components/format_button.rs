use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;

use crate::editor;
use crate::scripts::Scripts;

/// The Format command: this button and Shift+Alt+F in the editor (which sends the
/// `moonkeep-format` event) format the open script with StyLua. The first Format
/// fetches StyLua, so the button is busy (`aria-busy`, drawn by the CSS) until the
/// script is formatted; why a Format changed nothing is shown beside it until the next
/// edit.
#[component]
pub fn FormatButton(scripts: RwSignal<Scripts>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let message = RwSignal::new(String::new());
    let format = move || {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let name = scripts.with_untracked(|s| s.active().name.clone());
        spawn_local(async move {
            // The editor rejects with a message (a string) when it left the script as it was.
            let outcome = JsFuture::from(editor::format_script(&name)).await;
            message.set(outcome.err().and_then(|e| e.as_string()).unwrap_or_default());
            busy.set(false);
        });
    };
    let _ = window_event_listener_untyped("moonkeep-format", move |_| format());
    // A message is about the text as it was: the next edit (or another script) ends it.
    Effect::new(move |_| {
        scripts.track();
        message.set(String::new());
    });
    view! {
        <button
            data-testid="format"
            on:click=move |_| format()
            aria-busy=move || if busy.get() { "true" } else { "false" }
            title="Format the script with StyLua (Shift+Alt+F)"
        >
            "Format"
        </button>
        <span class="format-message" data-testid="format-message" role="status">
            {message}
        </span>
    }
}
