use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::app::services;

/// Export Memory to a snapshot file, and import one (asking before loading functions
/// that another store wrote).
#[component]
pub fn SnapshotButtons() -> impl IntoView {
    let persistence = services().persistence;
    let (message, set_message) = signal(String::new());
    let export = move |_| {
        spawn_local(async move {
            match persistence.export().await {
                Ok(bytes) => {
                    download(&bytes, "memory.moonkeep");
                    set_message.set(format!("Exported {} bytes", bytes.len()));
                }
                Err(e) => set_message.set(e),
            }
        });
    };
    let import = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let Some(file) = input.files().and_then(|f| f.get(0)) else { return };
        input.set_value("");
        spawn_local(async move {
            let bytes = match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                Ok(buffer) => js_sys::Uint8Array::new(&buffer).to_vec(),
                Err(_) => return set_message.set(format!("{} could not be read", file.name())),
            };
            match persistence.import(&bytes).await {
                Ok(()) => {
                    let _ = web_sys::window().map(|w| w.location().reload());
                }
                Err(e) => set_message.set(format!("{}: {e}", file.name())),
            }
        });
    };
    view! {
        <div class="snapshot">
            <button data-testid="export" on:click=export prop:disabled=move || !persistence.restored()>
                "Export Memory"
            </button>
            <label class="button" prop:aria-disabled=move || !persistence.saves()>
                "Import Memory…"
                <input
                    type="file"
                    data-testid="import"
                    accept=".moonkeep,application/octet-stream"
                    on:change=import
                    prop:disabled=move || !persistence.saves()
                />
            </label>
            <span class="snapshot-message" data-testid="snapshot-message" role="status">{message}</span>
        </div>
    }
}

/// Offers `bytes` as a file download.
fn download(bytes: &[u8], name: &str) {
    let array = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(&array, &options) else { return };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return };
    let document = document();
    if let Ok(link) = document.create_element("a") {
        let _ = link.set_attribute("href", &url);
        let _ = link.set_attribute("download", name);
        if let Some(link) = link.dyn_ref::<web_sys::HtmlElement>() {
            link.click();
        }
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}
