use gloo_storage::Storage;
use leptos::prelude::*;
use moonkeep_engine::Evaluation;

use crate::runner::Runner;

/// What the editor holds on a first visit.
const EXAMPLE: &str = include_str!("../../demo/welcome.lua");

/// Where the editor's text is kept between visits.
const EDITOR_KEY: &str = "moonkeep.editor";

/// The chunk name errors and tracebacks use for the editor's code.
const CHUNK: &str = "main.lua";

/// A source box, a Run button and the transcript of the last run.
#[component]
pub fn Scratchpad(runner: Runner) -> impl IntoView {
    // The editor's text is a setting, kept in localStorage on every change.
    let initial = gloo_storage::LocalStorage::get::<String>(EDITOR_KEY).unwrap_or_else(|_| EXAMPLE.to_owned());
    let (source, set_source) = signal(initial);
    Effect::new(move |_| {
        let _ = gloo_storage::LocalStorage::set(EDITOR_KEY, source.get());
    });
    let run = move || runner.run(source.get_untracked(), CHUNK);
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            ev.prevent_default();
            run();
        }
    };
    view! {
        <section class="scratchpad">
            <label for="source">"Lua"</label>
            <textarea
                id="source"
                data-testid="editor"
                spellcheck="false"
                rows="14"
                prop:value=source
                on:input=move |ev| set_source.set(event_target_value(&ev))
                on:keydown=on_keydown
            ></textarea>
            <div class="actions">
                <button data-testid="run" on:click=move |_| run() prop:disabled=move || !runner.can_run()>
                    "Run"
                </button>
                <button data-testid="stop" on:click=move |_| runner.stop() prop:disabled=move || !runner.running.get()>
                    "Stop"
                </button>
                <span class="hint">"Ctrl+Enter"</span>
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
            </div>
            <Transcript runner=runner />
        </section>
    }
}

#[component]
fn Transcript(runner: Runner) -> impl IntoView {
    let last = runner.last;
    let runs = runner.runs;
    let failed = move || last.with(|l| l.as_ref().is_some_and(|e| e.result.is_err()));
    let traceback = move || {
        last.with(|l| l.as_ref().and_then(|e| e.result.as_ref().err()).and_then(|e| e.traceback.clone()))
    };
    view! {
        <pre
            class="transcript"
            class:failed=failed
            data-testid="console-output"
            data-runs=runs
            data-running=move || runner.running.get().to_string()
            aria-live="polite"
        >
            {move || {
                if runner.running.get() {
                    runner.live_output.get()
                } else {
                    last.with(|l| l.as_ref().map(Evaluation::transcript).unwrap_or_default())
                }
            }}
        </pre>
        <Show when=move || traceback().is_some()>
            <details class="traceback">
                <summary>"stack traceback"</summary>
                <pre data-testid="traceback">{move || traceback().unwrap_or_default()}</pre>
            </details>
        </Show>
    }
}
