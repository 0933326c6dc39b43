use leptos::prelude::*;

use crate::app::{services, Services};
use crate::persistence::SaveState;

/// Whether Memory is saved, how the last save or restore went, the storage the browser
/// gives us, and the time limit of a run.
#[component]
pub fn StatusBar() -> impl IntoView {
    let Services { persistence, preferences, history, .. } = services();
    let progress = move || match persistence.state() {
        SaveState::Restoring { progress } => progress,
        _ => None,
    };
    view! {
        <footer class="status-bar">
            <span data-testid="save-status" data-state=move || persistence.state().word() role="status" aria-live="polite">
                {move || persistence.state().text()}
            </span>
            {move || progress().map(|(done, total)| {
                let percent = (done * 100).checked_div(total).unwrap_or(0);
                view! {
                    <progress
                        data-testid="restore-progress"
                        max=total.to_string()
                        value=done.to_string()
                        aria-label="Restoring Memory"
                    ></progress>
                    <span class="restore-percent">{format!("{percent}%")}</span>
                }
            })}
            <span class="storage" data-testid="storage">{move || persistence.quota().map(|q| q.text())}</span>
            <span class="storage" data-testid="history-usage">"History: " {move || history.size_text()}</span>
            <label class="budget" title="A run that computes longer is stopped; 0 means no limit">
                "Time limit "
                <input
                    type="number"
                    min="0"
                    max="3600"
                    data-testid="time-budget"
                    prop:value=move || preferences.time_budget().to_string()
                    on:change=move |ev| {
                        if let Ok(seconds) = event_target_value(&ev).trim().parse::<u32>() {
                            preferences.set_time_budget(seconds);
                        }
                    }
                />
                " s"
            </label>
            <Show when=move || !persistence.unsaved().is_empty()>
                <details class="save-problems" data-testid="save-problems" open>
                    <summary>"Some values are not saved"</summary>
                    <ul>
                        {move || persistence.unsaved().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                    </ul>
                </details>
            </Show>
            <Show when=move || !persistence.problems().is_empty()>
                <details class="restore-problems" data-testid="restore-problems" open>
                    <summary>"Some values could not be restored (their records are kept in storage)"</summary>
                    <ul>
                        {move || persistence.problems().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                    </ul>
                </details>
            </Show>
        </footer>
    }
}
