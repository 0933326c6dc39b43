//! The REPL console: every run's output, returned values (tables and functions
//! unfold), errors with their traceback, and a one-line prompt with history.

use gloo_storage::Storage;
use leptos::prelude::*;
use moonkeep_engine::{Evaluation, Node, Shown, Vm};

use crate::run::{Entry, Runner};

/// Where the prompt's history is kept between visits.
const HISTORY_KEY: &str = "moonkeep.console-history";
const HISTORY_LEN: usize = 200;

#[component]
pub fn Console(runner: Runner, vm: StoredValue<Vm, LocalStorage>) -> impl IntoView {
    let log_end = NodeRef::<leptos::html::Div>::new();
    // Keep the newest entry in view, scrolled in the next frame: the browser lays the
    // page out for that frame anyway, where scrolling at once forced a layout of its
    // own at the start and the end of every run (about 2 ms each run, profiled).
    Effect::new(move |_| {
        runner.runs.track();
        runner.live_output.track();
        request_animation_frame(move || {
            if let Some(end) = log_end.get_untracked() {
                end.scroll_into_view_with_bool(false);
            }
        });
    });
    view! {
        <section id="console" class="pane console" aria-labelledby="console-title">
            <header class="pane-header">
                <h2 id="console-title" class="pane-title">"Console"</h2>
                <button type="button" data-testid="console-clear" on:click=move |_| runner.clear()>
                    "Clear"
                </button>
            </header>
            <div class="console-log" data-testid="console-log">
                <For each=move || runner.log.get().into_iter().enumerate() key=|(i, e)| (*i, e.label.clone()) let((_, entry))>
                    <LogEntry entry=entry />
                </For>
                <Current runner=runner />
                <div node_ref=log_end></div>
            </div>
            <Prompt runner=runner vm=vm />
        </section>
    }
}

/// An earlier run.
#[component]
fn LogEntry(entry: Entry) -> impl IntoView {
    let failed = entry.evaluation.result.is_err();
    let label = entry.label.clone();
    view! {
        <div class="entry" class:failed=failed>
            <div class="entry-label">{label}</div>
            <Transcript evaluation=entry.evaluation testid="console-entry" />
        </div>
    }
}

/// The run under way or the last one: the element tests and screen readers follow.
#[component]
fn Current(runner: Runner) -> impl IntoView {
    let failed = move || runner.last.with(|l| l.as_ref().is_some_and(|e| e.result.is_err()));
    view! {
        <div class="entry current" class:failed=failed>
            <Show when=move || !runner.label.get().is_empty()>
                <div class="entry-label">{move || runner.label.get()}</div>
            </Show>
            <pre
                class="transcript"
                data-testid="console-output"
                data-runs=move || runner.runs.get()
                data-running=move || runner.running.get().to_string()
                aria-live="polite"
            >
                {move || {
                    if runner.running.get() {
                        runner.live_output.get().into_view().into_any()
                    } else {
                        match runner.last.get() {
                            Some(evaluation) => view! { <TranscriptBody evaluation=evaluation /> }.into_any(),
                            None => ().into_any(),
                        }
                    }
                }}
            </pre>
            {move || runner.last.get().and_then(|e| e.result.err()).and_then(|e| e.traceback).map(|t| {
                view! {
                    <details class="traceback">
                        <summary>"stack traceback"</summary>
                        <pre data-testid="traceback">{t}</pre>
                    </details>
                }
            })}
        </div>
    }
}

#[component]
fn Transcript(evaluation: Evaluation, testid: &'static str) -> impl IntoView {
    let traceback = evaluation.result.as_ref().err().and_then(|e| e.traceback.clone());
    view! {
        <pre class="transcript" data-testid=testid>
            <TranscriptBody evaluation=evaluation />
        </pre>
        {traceback.map(|t| view! {
            <details class="traceback">
                <summary>"stack traceback"</summary>
                <pre>{t}</pre>
            </details>
        })}
    }
}

/// `Evaluation::transcript`, with each returned table or function able to unfold.
/// Unfolded parts are only in the page while open, so the text stays the transcript.
#[component]
fn TranscriptBody(evaluation: Evaluation) -> impl IntoView {
    let output = evaluation.output.clone();
    let tail = match &evaluation.result {
        Ok(values) if values.is_empty() => ().into_any(),
        Ok(values) => {
            let trees = evaluation.values.clone();
            let parts = values
                .iter()
                .enumerate()
                .map(|(i, text)| {
                    let sep = if i > 0 { "\t" } else { "" };
                    let tree = trees.get(i).cloned();
                    view! { {sep}<Value text=text.clone() tree=tree /> }
                })
                .collect_view();
            view! { "=> " {parts} "\n" }.into_any()
        }
        Err(e) => view! { <span class="error">"error: " {e.message.clone()} "\n"</span> }.into_any(),
    };
    view! { {output} {tail} }
}

/// One returned value: its text, and for tables and Lua functions a toggle that shows
/// the entries or the function's parameters, origin and upvalues. The toggle's glyph
/// comes from CSS, so the text of the page stays the transcript.
#[component]
fn Value(text: String, tree: Option<Node>) -> impl IntoView {
    let unfoldable = tree.as_ref().is_some_and(|t| matches!(t.value, Shown::Table { .. } | Shown::Function { .. }));
    if !unfoldable {
        return view! { <span class="value">{text}</span> }.into_any();
    }
    let tree = tree.expect("checked above");
    let open = RwSignal::new(false);
    let label = format!("show {}", tree.path);
    view! {
        <span class="value unfoldable">
            <button
                type="button"
                class="unfold"
                aria-expanded=move || open.get().to_string()
                aria-label=label
                on:click=move |_| open.update(|o| *o = !*o)
            ></button>
            {text}
            <Show when=move || open.get()>
                <TreeView node=tree.clone() />
            </Show>
        </span>
    }
    .into_any()
}

#[component]
fn TreeView(node: Node) -> impl IntoView {
    let detail = match &node.value {
        Shown::Table { entries, has_metatable, .. } => {
            format!("table, {entries} entries{}", if *has_metatable { ", with a metatable" } else { "" })
        }
        Shown::Function { defined, upvalues, .. } => {
            let up = if upvalues.is_empty() {
                String::new()
            } else {
                let shown: Vec<String> = upvalues.iter().map(|u| format!("{} = {}", u.name, u.value)).collect();
                format!(" · upvalues: {}", shown.join(", "))
            };
            format!("{} · defined at {defined}{up}", node.value.preview())
        }
        _ => String::new(),
    };
    let hidden = node.hidden;
    let children = node
        .children
        .into_iter()
        .map(|child| {
            let text = match &child.value {
                Shown::Function { defined, .. } => format!("function · {defined}"),
                other => other.preview(),
            };
            let nested = matches!(child.value, Shown::Table { .. } | Shown::Function { .. });
            let key = child.key.clone();
            view! {
                <li>
                    <span class="key">{key}</span>" = "
                    {if nested { view! { <Value text=text tree=Some(child) /> }.into_any() } else { view! { <span class="value">{text}</span> }.into_any() }}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="tree">
            <div class="tree-detail">{detail}</div>
            <ul>{children}</ul>
            {(hidden > 0).then(|| view! { <div class="tree-detail">{format!("… {hidden} more")}</div> })}
        </div>
    }
}

/// The one-line prompt. Enter runs (or, if the input is unfinished, continues on the
/// next line, like `lua`'s ">>"); Up and Down walk the history, which is kept.
#[component]
fn Prompt(runner: Runner, vm: StoredValue<Vm, LocalStorage>) -> impl IntoView {
    let history = RwSignal::new(gloo_storage::LocalStorage::get::<Vec<String>>(HISTORY_KEY).unwrap_or_default());
    // Position while walking the history: None = the line being typed.
    let cursor = RwSignal::new(None::<usize>);
    let input = RwSignal::new(String::new());
    let pending = RwSignal::new(String::new());
    let remember = move |line: String| {
        history.update(|h| {
            if h.last() != Some(&line) {
                h.push(line);
            }
            let excess = h.len().saturating_sub(HISTORY_LEN);
            h.drain(..excess);
        });
        let _ = gloo_storage::LocalStorage::set(HISTORY_KEY, history.get_untracked());
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Enter" if !ev.shift_key() => {
            ev.prevent_default();
            if !runner.ready() {
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
            cursor.set(None);
            if vm.with_value(|vm| vm.is_incomplete(&source)) {
                pending.set(source);
                return;
            }
            pending.set(String::new());
            remember(source.clone());
            runner.run_in_console(source);
        }
        "ArrowUp" | "ArrowDown" => {
            let h = history.get_untracked();
            if h.is_empty() {
                return;
            }
            ev.prevent_default();
            let next = match (ev.key().as_str(), cursor.get_untracked()) {
                ("ArrowUp", None) => Some(h.len() - 1),
                ("ArrowUp", Some(i)) => Some(i.saturating_sub(1)),
                ("ArrowDown", Some(i)) if i + 1 < h.len() => Some(i + 1),
                _ => None,
            };
            cursor.set(next);
            input.set(next.map(|i| h[i].clone()).unwrap_or_default());
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
        </div>
    }
}
