use gloo_storage::Storage;
use leptos::prelude::*;
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
    let run = move || runner.run(source.get_untracked(), CHUNK, CHUNK.to_owned());
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
        </section>
    }
}
