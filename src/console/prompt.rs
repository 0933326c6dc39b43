use leptos::prelude::*;

use super::history::History;
use crate::app::{services, Services};
use crate::settings::{self, Browser};

/// The one-line prompt. Enter runs (or, if the input is unfinished, continues on the
/// next line, like `lua`'s ">>"); Up and Down walk the history, which is kept. A line
/// entered while Memory is still being restored waits, shown, and runs as soon as the
/// restore ends.
#[component]
pub fn Prompt() -> impl IntoView {
    let Services { runner, vm, .. } = services();
    let history = StoredValue::new(History::new(
        settings::read(&Browser::local(), settings::CONSOLE_HISTORY).unwrap_or_default(),
    ));
    let input = RwSignal::new(String::new());
    let pending = RwSignal::new(String::new());
    let queued = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        if runner.ready() {
            if let Some(source) = queued.get_untracked() {
                queued.set(None);
                runner.run_in_console(source);
            }
        }
    });
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Enter" if !ev.shift_key() => {
            ev.prevent_default();
            // A run under way keeps the line in the prompt; a restore queues it.
            if runner.restored() && !runner.ready() || queued.get_untracked().is_some() {
                return;
            }
            let line = input.get_untracked();
            let source = if pending.get_untracked().is_empty() {
                line.clone()
            } else {
                format!("{}\n{line}", pending.get_untracked())
            };
            if source.trim().is_empty() {
                return;
            }
            input.set(String::new());
            history.update_value(History::reset);
            if vm.with_value(|vm| vm.is_incomplete(&source)) {
                pending.set(source);
                return;
            }
            pending.set(String::new());
            history.update_value(|h| h.remember(source.clone()));
            let _ = history.with_value(|h| settings::write(&Browser::local(), settings::CONSOLE_HISTORY, &h.lines()));
            if runner.ready() {
                runner.run_in_console(source);
            } else {
                queued.set(Some(source));
            }
        }
        key @ ("ArrowUp" | "ArrowDown") => {
            let shown = history
                .try_update_value(|h| if key == "ArrowUp" { h.up() } else { h.down() }.map(str::to_owned))
                .flatten();
            if let Some(line) = shown {
                ev.prevent_default();
                input.set(line);
            }
        }
        "Escape" => {
            pending.set(String::new());
            input.set(String::new());
        }
        _ => {}
    };
    view! {
        <div class="prompt">
            <label for="console-input" class="prompt-sign">
                {move || if pending.get().is_empty() { ">" } else { ">>" }}
            </label>
            <input
                id="console-input"
                data-testid="console-input"
                type="text"
                spellcheck="false"
                autocomplete="off"
                aria-label="Lua console: Enter runs, Up and Down recall earlier input"
                placeholder=move || if runner.restored() { "Lua expression or statement" } else { "restoring Memory…" }
                prop:value=move || input.get()
                on:input=move |ev| input.set(event_target_value(&ev))
                on:keydown=on_keydown
            />
            {move || queued.get().map(|source| view! {
                <span class="prompt-queued" data-testid="console-queued">"runs once Memory is restored: " {source}</span>
            })}
        </div>
    }
}
