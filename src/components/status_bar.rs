use leptos::prelude::*;

use crate::autosave::Autosave;
use crate::run::Runner;
use crate::storage::human_bytes;

/// Whether Memory is saved, how the last save or restore went, and the storage the
/// browser gives us.
#[component]
pub fn StatusBar(autosave: Autosave, runner: Runner) -> impl IntoView {
    let status = autosave.status;
    let storage = move || {
        autosave.storage.get().map(|(estimate, persistent)| {
            let kept = if persistent { "persistent" } else { "the browser may evict it under pressure" };
            format!("{} of {} used · {kept}", human_bytes(estimate.usage), human_bytes(estimate.quota))
        })
    };
    let problems = autosave.problems;
    view! {
        <footer class="status-bar">
            <span
                data-testid="save-status"
                data-state=move || status.with(|s| s.state())
                role="status"
                aria-live="polite"
            >
                {move || status.with(|s| s.text())}
            </span>
            {move || autosave.restore_progress.get().map(|(done, total)| {
                let percent = if total == 0 { 0 } else { done * 100 / total };
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
            <Show when=move || autosave.ready.get() && !autosave.owner.get() && status.with(|s| s.state() == "not-saving") && autosave.storage_available()>
                <button data-testid="take-over" on:click=move |_| autosave.take_over()>
                    "Save in this tab instead"
                </button>
            </Show>
            <span class="storage" data-testid="storage">{storage}</span>
            <label class="budget" title="A run that computes longer is stopped; 0 means no limit">
                "Time limit "
                <input
                    type="number"
                    min="0"
                    max="3600"
                    data-testid="time-budget"
                    prop:value=move || runner.budget_seconds.get().to_string()
                    on:change=move |ev| {
                        if let Ok(seconds) = event_target_value(&ev).trim().parse::<u32>() {
                            runner.budget_seconds.set(seconds.min(3600));
                        }
                    }
                />
                " s"
            </label>
            <Show when=move || problems.with(|p| !p.is_empty())>
                <details class="restore-problems" data-testid="restore-problems" open>
                    <summary>"Some values could not be restored (their records are kept in storage)"</summary>
                    <ul>
                        {move || problems.get().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                    </ul>
                </details>
            </Show>
        </footer>
    }
}
