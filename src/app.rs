use leptos::prelude::*;
use moonkeep_engine::Vm;

use crate::components::code_editor::CodeEditor;
use crate::components::memory_inspector::MemoryInspector;
use crate::components::proof_panel::ProofPanel;
use crate::components::script_tabs::ScriptTabs;
use crate::components::splitter::{Orientation, Splitter};
use crate::components::status_bar::StatusBar;
use crate::components::toolbar::Toolbar;
use crate::console::{Console, ConsoleLog};
use crate::layout::Layout;
use crate::persistence::Persistence;
use crate::run::Runner;
use crate::settings::{self, Browser, Preferences};
use crate::{demos, warm_up};

/// The page. The session's services are made here, once, and provided to the panels
/// through context: the `Vm`, [`Persistence`], [`Runner`], [`ConsoleLog`] and
/// [`Preferences`].
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
    let runner = Runner::new(vm, persistence, console, preferences);
    provide_context(vm);
    provide_context(preferences);
    provide_context(persistence);
    provide_context(console);
    provide_context(runner);
    warm_up::once_ready(Signal::derive(move || persistence.restored()));
    // Leaving or hiding the page: a last save point, in case one is owed (a failed save).
    let _ = window_event_listener(leptos::ev::pagehide, move |_| persistence.save());
    let _ = window_event_listener(leptos::ev::visibilitychange, move |_| {
        if document().visibility_state() == web_sys::VisibilityState::Hidden {
            persistence.save();
        }
    });

    let scripts = RwSignal::new(settings::load_scripts(&Browser::local(), demos::welcome().source));
    Effect::new(move |_| {
        let _ = scripts.with(|s| settings::write(&Browser::local(), settings::SCRIPTS, s));
    });

    let layout = move || preferences.layout();
    let sizes = move || {
        let Layout { inspector, console } = layout();
        format!("--inspector-size: {inspector:.2}%; --console-size: {console:.2}%")
    };
    let resize_console = Callback::new(move |console| preferences.set_layout(Layout { console, ..layout() }));
    let resize_inspector = Callback::new(move |inspector| preferences.set_layout(Layout { inspector, ..layout() }));

    view! {
        <main class="app">
            <Toolbar scripts=scripts />
            <div class="workspace" style=sizes>
                <div class="main-column">
                    <ScriptTabs scripts=scripts />
                    <CodeEditor scripts=scripts />
                    <Splitter
                        size=Signal::derive(move || layout().console)
                        resize=resize_console
                        orientation=Orientation::Horizontal
                        label="Resize the console"
                        controls="console"
                    />
                    <Console />
                </div>
                <Splitter
                    size=Signal::derive(move || layout().inspector)
                    resize=resize_inspector
                    orientation=Orientation::Vertical
                    label="Resize the Memory inspector"
                    controls="memory-inspector"
                />
                <div class="side-column">
                    <MemoryInspector />
                    <ProofPanel />
                </div>
            </div>
            <StatusBar />
        </main>
    }
    .into_any()
}
