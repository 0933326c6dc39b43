//! The History panel: every version of Memory, newest first, each with its time, the
//! code that made it and what it wrote. Choosing one shows it in the inspector
//! (read-only) with what it changed; it can be compared with any other version and
//! restored. "Undo last run" (Ctrl+Alt+Z anywhere) restores the version before it.
//! The list and the comparison are drawn as markup (history.rs writes it, escaped)
//! with one click handler for all their buttons: a view per row would cost the page
//! several KB of code for each kind of row.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::app::services;
use crate::history::{entry_class, list_markup, local_time, PAGE};

#[component]
pub fn HistoryPanel() -> impl IntoView {
    let history = services().history;
    let selected = RwSignal::new(None::<u64>);
    let other = RwSignal::new(0u64);
    let _ = window_event_listener(leptos::ev::keydown, move |ev| {
        if (ev.ctrl_key() || ev.meta_key()) && ev.alt_key() && ev.code() == "KeyZ" {
            ev.prevent_default();
            history.undo_last_run();
        }
    });
    // The newest versions drawn: a long list is redrawn on every new version, so more
    // are drawn only when asked for (read from the store first if not yet read).
    let drawn = RwSignal::new(PAGE);
    let list = move || {
        history.entries_with(|entries| {
            let shown = &entries[..entries.len().min(drawn.get())];
            list_markup(shown, selected.get_untracked(), history.current(), local_time)
        })
    };
    // A choice marks its version in the list as drawn: writing the markup of a list of
    // a thousand versions again took as long as showing the version.
    let list_ref = NodeRef::<leptos::html::Ol>::new();
    Effect::new(move |_| {
        let chosen = selected.get();
        let Some(list) = list_ref.get_untracked() else { return };
        let mark = |entry: web_sys::Element, chosen: bool| {
            entry.set_class_name(entry_class(chosen, entry.class_name().contains("current")));
            if let Ok(Some(button)) = entry.query_selector("button") {
                let _ = button.set_attribute("aria-pressed", &chosen.to_string());
            }
        };
        if let Ok(Some(entry)) = list.query_selector(".selected") {
            mark(entry, false);
        }
        if let Some(Ok(Some(entry))) = chosen.map(|n| list.query_selector(&format!("[data-version=\"{n}\"]"))) {
            mark(entry, true);
        }
    });
    let more = move || history.has_older() || history.entries_with(|entries| entries.len() > drawn.get());
    let show_more = move |_| {
        if history.entries_with(|entries| entries.len() <= drawn.get_untracked()) {
            history.show_older();
        }
        drawn.update(|n| *n += PAGE);
    };
    // A click on a version's button (the list is markup: the button names its version).
    let pick = move |ev: leptos::ev::MouseEvent| {
        let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let Some(number) = target.and_then(|t| t.closest("[data-version]").ok().flatten()) else { return };
        let Some(number) = number.get_attribute("data-version").and_then(|n| n.parse().ok()) else { return };
        selected.set(Some(number));
        other.set(history.current());
        if history.current() == number {
            history.view_current();
        } else {
            history.view(number);
        }
    };
    let acting = move || !history.ready();
    let restoring = move || acting() || !history.may_restore();
    let chosen = move || selected.get().filter(|n| history.entries_with(|e| e.iter().any(|e| e.number == *n)));
    // Drawn once while a version is chosen, not again for each choice. The version to
    // compare with is typed, not picked from a list of every version: a thousand
    // options took longer to draw than the version itself.
    let number = move || chosen().unwrap_or(0);
    let number_now = move || selected.get_untracked().unwrap_or(0);
    let details = view! {
        <Show when=move || chosen().is_some()>
            <div class="history-actions">
                <button
                    data-testid="history-restore"
                    disabled=move || restoring() || history.current() == number()
                    on:click=move |_| history.restore(number_now())
                >
                    "Restore version "
                    {number}
                </button>
                <button
                    data-testid="history-diff"
                    disabled=acting
                    on:click=move |_| history.compare(number_now(), other.get_untracked())
                >
                    "Compare with"
                </button>
                <input
                    type="number"
                    min="1"
                    step="1"
                    aria-label="Version to compare with"
                    data-testid="history-diff-with"
                    prop:value=move || other.get().to_string()
                    on:input=move |ev| other.set(event_target_value(&ev).trim().parse().unwrap_or(0))
                />
            </div>
            <div inner_html=move || history.details_markup(number()) />
        </Show>
    };

    view! {
        <section class="history-panel" data-testid="history" aria-labelledby="history-title">
            <div class="pane-header">
                <h2 id="history-title" class="pane-title">"History"</h2>

                <button
                    data-testid="undo-run"
                    aria-keyshortcuts="Control+Alt+Z"
                    title="Restore the version before the last run (Ctrl+Alt+Z)"
                    disabled=restoring
                    on:click=move |_| history.undo_last_run()
                >
                    "Undo last run"
                </button>
            </div>
            <details class="history-budget">
                <summary data-testid="history-size">{move || history.size_text()}</summary>
                <label>
                    "Older versions are thinned beyond "
                    <input
                        type="number"
                        min="1"
                        step="1"
                        data-testid="history-budget"
                        prop:value=move || history.budget_mb().map(|mb| mb.to_string()).unwrap_or_default()
                        on:change=move |ev| history.set_budget_mb(event_target_value(&ev).trim().parse().unwrap_or(0))
                    />
                    " MB"
                </label>
            </details>
            <p class="history-notice" role="status">{move || history.notice()}</p>
            <ol
                class="history-list"
                aria-label="Versions of Memory, newest first"
                node_ref=list_ref
                inner_html=list
                on:click=pick
            />
            <Show when=more>
                <button class="history-more" data-testid="history-older" on:click=show_more>
                    "Show older versions"
                </button>
            </Show>
            <div class="history-details" data-testid="history-details">{details}</div>
        </section>
    }
}
