use leptos::prelude::*;
use moonkeep_engine::Vm;

use crate::components::code_editor::CodeEditor;
use crate::components::history_panel::HistoryPanel;
use crate::components::memory_inspector::MemoryInspector;
use crate::components::proof_panel::ProofPanel;
use crate::components::script_tabs::ScriptTabs;
use crate::components::splitter::Splitter;
use crate::components::status_bar::StatusBar;
use crate::components::toolbar::Toolbar;
use crate::console::{Console, ConsoleLog};
use crate::history::History;
use crate::layout::{Layout, Pane};
use crate::persistence::Persistence;
use crate::run::Runner;
use crate::settings::{self, Browser, Preferences};
use crate::{demos, warm_up};

/// The session's services, made once by [`App`] and provided to the panels through
/// context. Each keeps its signals private: panels read them and call methods.
#[derive(Clone, Copy)]
pub struct Services {
    pub vm: StoredValue<Vm, LocalStorage>,
    pub persistence: Persistence,
    pub runner: Runner,
    pub console: ConsoleLog,
    pub preferences: Preferences,
    pub history: History,
}

/// The services [`App`] provides (one context for them all: each context type costs the
/// page its own lookup code).
pub fn services() -> Services {
    expect_context::<Services>()
}

/// The page: makes the session's services and lays out the panels.
#[component]
pub fn App() -> impl IntoView {
    let vm = match Vm::new() {
        Ok(vm) => vm,
        Err(e) => {
            return view! {
                <main class="app">
                    <p class="fatal" role="alert">"Moonkeep could not start Lua: " {e.message}</p>
                </main>
            }
            .into_any()
        }
    };
    let vm = StoredValue::new_local(vm);
    let preferences = Preferences::load();
    let persistence = Persistence::start(vm);
    let console = ConsoleLog::new();
    let scripts = RwSignal::new(settings::load_scripts(&Browser::local(), demos::welcome().source));
    let runner = Runner::new(vm, persistence, console, preferences, scripts);
    let history = History::new(persistence, runner);
    provide_context(Services { vm, persistence, runner, console, preferences, history });
    persistence.follow(Signal::derive(move || runner.running()));
    warm_up::once_ready(move || persistence.restored());
    // Leaving or hiding the page: a last save point, in case one is owed (a failed save);
    // showing it: a tab that follows another catches up, in case it missed a message.
    let _ = window_event_listener(leptos::ev::pagehide, move |_| persistence.save());
    let _ = window_event_listener(leptos::ev::visibilitychange, move |_| {
        if document().visibility_state() == web_sys::VisibilityState::Hidden {
            persistence.save();
        } else {
            persistence.shown();
        }
    });

    Effect::new(move |_| {
        let _ = scripts.with(|s| settings::write(&Browser::local(), settings::SCRIPTS, s));
    });

    let layout = move || preferences.layout();
    let sizes = move || {
        let Layout { inspector, console } = layout();
        format!("--inspector-size: {inspector:.2}%; --console-size: {console:.2}%")
    };

    view! {
        <main class="app">
            <Toolbar scripts=scripts />
            <div class="workspace" style=sizes>
                <div class="main-column">
                    <ScriptTabs scripts=scripts />
                    <CodeEditor scripts=scripts />
                    <Splitter pane=Pane::Console />
                    <Console />
                </div>
                <Splitter pane=Pane::Inspector />
                <div class="side-column">
                    <MemoryInspector />
                    <HistoryPanel />
                    <ProofPanel />
                </div>
            </div>
            <StatusBar />
        </main>
    }
    .into_any()
}
