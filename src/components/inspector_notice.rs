use leptos::prelude::*;

use crate::inspector::{Inspector, Notice};

/// The last deletion, with Undo, or why an action failed.
#[component]
pub fn InspectorNotice(inspector: Inspector) -> impl IntoView {
    move || {
        inspector.notice.get().map(|notice| match notice {
            Notice::Deleted(path) => view! {
                <p class="inspector-notice" role="status" data-testid="memory-notice">
                    "Deleted " <code>{path}</code> " "
                    <button data-testid="memory-undo" on:click=move |_| inspector.undo()>"Undo"</button>
                </p>
            }
            .into_any(),
            Notice::Failed(reason) => view! {
                <p class="inspector-notice failed" role="alert" data-testid="memory-notice">{reason}</p>
            }
            .into_any(),
        })
    }
}
