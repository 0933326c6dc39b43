use leptos::html::{Button, Input};
use leptos::prelude::*;

use crate::scripts::Scripts;

/// One script's tab: a button that opens it, renaming in place (double-click, F2 or
/// the pencil button) and a close button. Delete closes the focused tab.
#[component]
pub fn ScriptTab(
    id: u32,
    name: Signal<String>,
    active: Memo<u32>,
    scripts: RwSignal<Scripts>,
    on_close: Callback<u32>,
) -> impl IntoView {
    let is_active = move || active.get() == id;
    let renaming = RwSignal::new(false);
    let tab = NodeRef::<Button>::new();

    let finish = Callback::new(move |name: Option<String>| {
        if let Some(name) = name {
            scripts.update(|s| {
                let _ = s.rename(id, &name); // an empty name keeps the old one
            });
        }
        renaming.set(false);
        request_animation_frame(move || {
            if let Some(tab) = tab.get_untracked() {
                let _ = tab.focus();
            }
        });
    });
    let on_tab_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "F2" => {
            ev.prevent_default();
            renaming.set(true);
        }
        "Delete" => {
            ev.prevent_default();
            on_close.run(id);
        }
        _ => {}
    };
    view! {
        <li class="tab" class:active=is_active data-testid="script-tab">
            <button
                class="tab-open"
                node_ref=tab
                hidden=move || renaming.get()
                aria-current=move || is_active().then_some("true")
                title="Double-click or F2 to rename, Delete to close"
                on:click=move |_| {
                    scripts.update(|s| {
                        s.select(id);
                    });
                }
                on:dblclick=move |_| renaming.set(true)
                on:keydown=on_tab_key
            >
                {name}
            </button>
            <Show when=move || renaming.get()>
                {rename_field(name, renaming, finish)}
            </Show>
            <Show when=move || is_active() && !renaming.get()>
                <button
                    class="icon"
                    aria-label=move || format!("Rename {}", name.get())
                    title="Rename"
                    on:click=move |_| renaming.set(true)
                >
                    "✎"
                </button>
            </Show>
            <button
                class="icon"
                aria-label=move || format!("Close {}", name.get())
                title="Close"
                on:click=move |_| on_close.run(id)
            >
                "×"
            </button>
        </li>
    }
}

/// The tab's name in an input, all of it selected so that typing replaces it. Enter or
/// leaving the field renames; Escape keeps the old name.
fn rename_field(name: Signal<String>, renaming: RwSignal<bool>, finish: Callback<Option<String>>) -> impl IntoView {
    let field = NodeRef::<Input>::new();
    Effect::new(move |_| {
        if let Some(field) = field.get() {
            field.set_value(&name.get_untracked());
            let _ = field.focus();
            field.select();
        }
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Enter" => {
            ev.prevent_default();
            finish.run(Some(event_target_value(&ev)));
        }
        "Escape" => {
            ev.prevent_default();
            finish.run(None);
        }
        _ => {}
    };
    view! {
        <input
            class="tab-rename"
            node_ref=field
            aria-label="Script name"
            on:keydown=on_key
            on:blur=move |ev| {
                if renaming.get_untracked() {
                    finish.run(Some(event_target_value(&ev)));
                }
            }
        />
    }
}
