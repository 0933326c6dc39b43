use leptos::html::Div;
use leptos::prelude::*;

use crate::layout::{self, size_after_key, size_at};

/// Which way a splitter's bar runs: a vertical bar divides left from right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    Vertical,
    Horizontal,
}

/// A drag handle between two panes of its parent element. `size` is the size of the
/// pane after it, in percent of the parent, and `resize` asks for another; the arrow
/// keys move it too.
#[component]
pub fn Splitter(
    size: Signal<f64>,
    resize: Callback<f64>,
    orientation: Orientation,
    /// What the splitter resizes, for people who cannot see it.
    label: &'static str,
    /// The id of the pane after the splitter.
    controls: &'static str,
) -> impl IntoView {
    let handle = NodeRef::<Div>::new();
    let dragging = RwSignal::new(false);
    let follow = move |ev: &leptos::ev::PointerEvent| {
        let Some(area) = handle.get_untracked().and_then(|h| h.parent_element()) else { return };
        let rect = area.get_bounding_client_rect();
        resize.run(match orientation {
            Orientation::Vertical => size_at(ev.client_x() as f64, rect.left(), rect.width()),
            Orientation::Horizontal => size_at(ev.client_y() as f64, rect.top(), rect.height()),
        });
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if let Some(next) = size_after_key(size.get_untracked(), &ev.key(), ev.shift_key()) {
            ev.prevent_default();
            resize.run(next);
        }
    };
    let vertical = orientation == Orientation::Vertical;
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
            aria-valuenow=move || size.get().round()
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
