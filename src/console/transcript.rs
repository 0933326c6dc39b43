//! A run as the console shows it: its label, `Evaluation::transcript` with unfoldable
//! values, and the traceback of an error.

use leptos::prelude::*;
use moonkeep_engine::Evaluation;

use super::log::Entry;
use super::value::Value;
use crate::app::{services, Services};

/// An earlier run.
#[component]
pub fn EarlierRun(entry: Entry) -> impl IntoView {
    let Some(evaluation) = entry.evaluation else { return ().into_any() };
    let failed = evaluation.result.is_err();
    view! {
        <div class="entry" class:failed=failed>
            <div class="entry-label">{entry.label}</div>
            <Transcript evaluation=evaluation testid="console-entry" />
        </div>
    }
    .into_any()
}

/// The run under way or the last one: the element tests and screen readers follow.
#[component]
pub fn LatestRun() -> impl IntoView {
    let Services { runner, console, .. } = services();
    let evaluation = move || console.with(|l| l.latest().and_then(|e| e.evaluation.clone()));
    let label = move || console.with(|l| l.latest().map(|e| e.label.clone()).unwrap_or_default());
    let failed =
        move || console.with(|l| l.latest().and_then(|e| e.evaluation.as_ref()).is_some_and(|e| e.result.is_err()));
    view! {
        <div class="entry current" class:failed=failed>
            <Show when=move || !label().is_empty()>
                <div class="entry-label">{label}</div>
            </Show>
            <pre
                class="transcript"
                data-testid="console-output"
                data-runs=move || runner.runs()
                data-running=move || runner.running().to_string()
                aria-live="polite"
            >
                {move || {
                    if runner.running() {
                        runner.live_output().into_view().into_any()
                    } else {
                        match evaluation() {
                            Some(evaluation) => view! { <TranscriptBody evaluation=evaluation /> }.into_any(),
                            None => ().into_any(),
                        }
                    }
                }}
            </pre>
            {move || evaluation().and_then(|e| e.result.err()).and_then(|e| e.traceback).map(|t| {
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
