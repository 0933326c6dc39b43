//! The REPL console: every run's output, returned values (tables and functions
//! unfold), errors with their traceback, and a one-line prompt with history. The
//! models (log.rs, history.rs) are plain Rust, tested natively; the rest draws them.

mod history;
mod log;
mod prompt;
mod transcript;
mod value;

use leptos::prelude::*;
use moonkeep_engine::Evaluation;

use crate::app::{services, Services};
use log::Log;
use prompt::Prompt;
use transcript::{EarlierRun, LatestRun};

/// The console's log for the page, provided once by the app (context). The runner
/// writes it through these methods as runs begin and end.
#[derive(Clone, Copy)]
pub struct ConsoleLog {
    log: RwSignal<Log>,
}

impl ConsoleLog {
    pub fn new() -> ConsoleLog {
        ConsoleLog { log: RwSignal::new(Log::default()) }
    }

    /// Reads the log (the caller follows its changes).
    pub fn with<T>(self, f: impl FnOnce(&Log) -> T) -> T {
        self.log.with(f)
    }

    pub fn with_untracked<T>(self, f: impl FnOnce(&Log) -> T) -> T {
        self.log.with_untracked(f)
    }

    pub fn begin(self, label: String) {
        self.log.update(|l| l.begin(label));
    }

    pub fn finish(self, evaluation: Evaluation) {
        self.log.update(|l| l.finish(evaluation));
    }

    pub fn clear(self) {
        self.log.update(Log::clear);
    }
}

#[component]
pub fn Console() -> impl IntoView {
    let Services { runner, console, .. } = services();
    let log_end = NodeRef::<leptos::html::Div>::new();
    // Keep the newest entry in view, scrolled in the next frame: the browser lays the
    // page out for that frame anyway, where scrolling at once forced a layout of its
    // own at the start and the end of every run (about 2 ms each run, profiled).
    Effect::new(move |_| {
        runner.track_output();
        request_animation_frame(move || {
            if let Some(end) = log_end.get_untracked() {
                end.scroll_into_view_with_bool(false);
            }
        });
    });
    // Keys only: an entry is cloned once, when its element is made, not at every change.
    let earlier = move || console.with(|l| l.earlier().iter().map(|e| e.label.clone()).enumerate().collect::<Vec<_>>());
    view! {
        <section id="console" class="pane console" aria-labelledby="console-title">
            <header class="pane-header">
                <h2 id="console-title" class="pane-title">"Console"</h2>
                <button type="button" data-testid="console-clear" on:click=move |_| console.clear()>
                    "Clear"
                </button>
            </header>
            <div class="console-log" data-testid="console-log">
                <For each=earlier key=|key| key.clone() let((index, _))>
                    <EarlierRun entry=console.with_untracked(|l| l.earlier()[index].clone()) />
                </For>
                <LatestRun />
                <div node_ref=log_end></div>
            </div>
            <Prompt />
        </section>
    }
}
