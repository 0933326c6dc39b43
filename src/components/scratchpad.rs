use gloo_storage::Storage;
use leptos::prelude::*;
use moonkeep_engine::{Evaluation, Vm};

use crate::autosave::Autosave;

/// What the editor holds on a first visit.
const EXAMPLE: &str = include_str!("../../demo/welcome.lua");

/// Where the editor's text is kept between visits.
const EDITOR_KEY: &str = "moonkeep.editor";

/// The chunk name errors and tracebacks use for the editor's code.
const CHUNK: &str = "main.lua";

/// A source box, a Run button and the transcript of the last run.
#[component]
pub fn Scratchpad(vm: StoredValue<Vm, LocalStorage>, autosave: Autosave) -> impl IntoView {
    // The editor's text is a setting, kept in localStorage on every change.
    let initial = gloo_storage::LocalStorage::get::<String>(EDITOR_KEY).unwrap_or_else(|_| EXAMPLE.to_owned());
    let (source, set_source) = signal(initial);
    Effect::new(move |_| {
        let _ = gloo_storage::LocalStorage::set(EDITOR_KEY, source.get());
    });
    let (last, set_last) = signal(None::<Evaluation>);
    let (runs, set_runs) = signal(0u64);
    let run = move || {
        if !autosave.ready.get_untracked() {
            return; // Memory is still being restored
        }
        let evaluation = vm.with_value(|vm| vm.eval(&source.get_untracked(), CHUNK));
        set_last.set(Some(evaluation));
        set_runs.update(|n| *n += 1);
        autosave.save(vm);
    };
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
                <button data-testid="run" on:click=move |_| run() prop:disabled=move || !autosave.ready.get()>
                    "Run"
                </button>
                <span class="hint">"Ctrl+Enter"</span>
            </div>
            <Transcript last=last runs=runs />
        </section>
    }
}

#[component]
fn Transcript(last: ReadSignal<Option<Evaluation>>, runs: ReadSignal<u64>) -> impl IntoView {
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
            aria-live="polite"
        >{move || last.with(|l| l.as_ref().map(Evaluation::transcript).unwrap_or_default())}</pre>
        <Show when=move || traceback().is_some()>
            <details class="traceback">
                <summary>"stack traceback"</summary>
                <pre data-testid="traceback">{move || traceback().unwrap_or_default()}</pre>
            </details>
        </Show>
    }
}
