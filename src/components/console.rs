use leptos::prelude::*;
use moonkeep_engine::Evaluation;

use crate::run::Runner;

/// The transcript of the last run, and its traceback when it failed.
#[component]
pub fn Console(runner: Runner) -> impl IntoView {
    let last = runner.last;
    let failed = move || last.with(|l| l.as_ref().is_some_and(|e| e.result.is_err()));
    let traceback = move || {
        last.with(|l| l.as_ref().and_then(|e| e.result.as_ref().err()).and_then(|e| e.traceback.clone()))
    };
    view! {
        <section id="console" class="pane console" aria-labelledby="console-title">
            <h2 id="console-title" class="pane-title">"Console"</h2>
            <pre
                class="transcript"
                class:failed=failed
                data-testid="console-output"
                data-runs=move || runner.runs.get()
                aria-live="polite"
                tabindex="0"
                aria-label="Output of the last run"
            >{move || last.with(|l| l.as_ref().map(Evaluation::transcript).unwrap_or_default())}</pre>
            <Show when=move || traceback().is_some()>
                <details class="traceback">
                    <summary>"stack traceback"</summary>
                    <pre data-testid="traceback">{move || traceback().unwrap_or_default()}</pre>
                </details>
            </Show>
        </section>
    }
}
