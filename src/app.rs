use leptos::prelude::*;
use moonkeep_engine::Vm;

use crate::autosave::Autosave;
use crate::components::code_editor::CodeEditor;
use crate::components::console::Console;
use crate::components::memory_inspector::MemoryInspector;
use crate::components::proof_panel::ProofPanel;
use crate::components::script_tabs::ScriptTabs;
use crate::components::splitter::{Orientation, Splitter};
use crate::components::status_bar::StatusBar;
use crate::components::toolbar::Toolbar;
use crate::layout::Layout;
use crate::run::Runner;
use crate::{demos, settings, warm_up};

/// The page. The session's one `Vm` is created here and lent to the panels.
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
    let autosave = Autosave::start(vm);
    warm_up::once_ready(autosave.ready);
    // Leaving or hiding the page: a last save point, in case one is owed (a failed save).
    let _ = window_event_listener(leptos::ev::pagehide, move |_| autosave.save(vm));
    let _ = window_event_listener(leptos::ev::visibilitychange, move |_| {
        if document().visibility_state() == web_sys::VisibilityState::Hidden {
            autosave.save(vm);
        }
    });
    let runner = Runner::new(vm, autosave);

    let scripts = RwSignal::new(settings::load_scripts(demos::welcome().source));
    Effect::new(move |_| scripts.with(settings::save_scripts));

    let layout = settings::load_layout();
    let inspector = RwSignal::new(layout.inspector);
    let console = RwSignal::new(layout.console);
    Effect::new(move |_| settings::save_layout(Layout { inspector: inspector.get(), console: console.get() }));
    let sizes = move || format!("--inspector-size: {:.2}%; --console-size: {:.2}%", inspector.get(), console.get());

    view! {
        <main class="app">
            <Toolbar scripts=scripts runner=runner autosave=autosave />
            <div class="workspace" style=sizes>
                <div class="main-column">
                    <ScriptTabs scripts=scripts />
                    <CodeEditor scripts=scripts runner=runner />
                    <Splitter
                        size=console
                        orientation=Orientation::Horizontal
                        label="Resize the console"
                        controls="console"
                    />
                    <Console runner=runner vm=vm />
                </div>
                <Splitter
                    size=inspector
                    orientation=Orientation::Vertical
                    label="Resize the Memory inspector"
                    controls="memory-inspector"
                />
                <div class="side-column">
                    <MemoryInspector vm=vm runner=runner autosave=autosave />
                    <ProofPanel vm=vm autosave=autosave runner=runner />
                </div>
            </div>
            <StatusBar autosave=autosave runner=runner />
        </main>
    }
    .into_any()
}
