use leptos::html::Div;
use leptos::prelude::*;

use crate::app::services;
use crate::layout::{self, size_after_key, size_at, Pane};

/// A drag handle between a pane and the one before it, in their parent element; the
/// arrow keys move it too. Sizes are the pane's, in percent of the parent, kept in
/// the user's preferences.
#[component]
pub fn Splitter(pane: Pane) -> impl IntoView {
    let preferences = services().preferences;
    // A vertical bar divides left from right.
    let vertical = pane == Pane::Inspector;
    let (label, controls) = match pane {
        Pane::Inspector => ("Resize the Memory inspector", "memory-inspector"),
        Pane::Console => ("Resize the console", "console"),
    };
    let handle = NodeRef::<Div>::new();
    let dragging = RwSignal::new(false);
    let follow = move |ev: &leptos::ev::PointerEvent| {
        let Some(area) = handle.get_untracked().and_then(|h| h.parent_element()) else { return };
        let rect = area.get_bounding_client_rect();
        preferences.resize(
            pane,
            if vertical {
                size_at(ev.client_x() as f64, rect.left(), rect.width())
            } else {
                size_at(ev.client_y() as f64, rect.top(), rect.height())
            },
        );
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if let Some(next) = size_after_key(preferences.pane_size_now(pane), &ev.key(), ev.shift_key()) {
            ev.prevent_default();
            preferences.resize(pane, next);
        }
    };
    view! {
        <div
            node_ref=handle
            class="splitter"
            class:vertical=vertical
            class:dragging=move || dragging.get()
            role="separator"
            tabindex="0"
            aria-label=label
            aria-controls=controls
            aria-orientation=if vertical { "vertical" } else { "horizontal" }
            aria-valuemin=layout::MIN
            aria-valuemax=layout::MAX
            aria-valuenow=move || preferences.layout().size(pane).round()
            on:pointerdown=move |ev| {
                if let Some(handle) = handle.get_untracked() {
                    let _ = handle.set_pointer_capture(ev.pointer_id());
                }
                ev.prevent_default();
                dragging.set(true);
            }
            on:pointermove=move |ev| {
                if dragging.get_untracked() {
                    follow(&ev);
                }
            }
            on:pointerup=move |_| dragging.set(false)
            on:pointercancel=move |_| dragging.set(false)
            on:keydown=on_key
        ></div>
    }
}
