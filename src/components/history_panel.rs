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
use crate::history::{list_markup, local_time, PAGE};

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
            list_markup(shown, selected.get(), history.current(), local_time)
        })
    };
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
    let options = move || {
        history.entries_with(|entries| {
            entries
                .iter()
                .map(|e| {
                    let n = e.number;
                    view! { <option value=n selected=n == other.get_untracked()>{n}</option> }
                })
                .collect_view()
        })
    };
    let details = move || {
        chosen().map(|number| {
            view! {
                <div class="history-actions">
                    <button
                        data-testid="history-restore"
                        disabled=move || restoring() || history.current() == number
                        on:click=move |_| history.restore(number)
                    >
                        "Restore version "
                        {number}
                    </button>
                    <button
                        data-testid="history-diff"
                        disabled=acting
                        on:click=move |_| history.compare(number, other.get_untracked())
                    >
                        "Compare with"
                    </button>
                    <select
                        aria-label="Version to compare with"
                        data-testid="history-diff-with"
                        on:change=move |ev| other.set(event_target_value(&ev).parse().unwrap_or(0))
                    >
                        {options}
                    </select>
                </div>
                <div inner_html=move || history.details_markup(number) />
            }
        })
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
            <ol class="history-list" aria-label="Versions of Memory, newest first" inner_html=list on:click=pick />
            <Show when=more>
                <button class="history-more" data-testid="history-older" on:click=show_more>
                    "Show older versions"
                </button>
            </Show>
            <div class="history-details" data-testid="history-details">{details}</div>
        </section>
    }
}
