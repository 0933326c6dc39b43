use leptos::prelude::*;
use moonkeep_engine::Vm;

use crate::autosave::Autosave;
use crate::components::memory_inspector::MemoryInspector;
use crate::components::scratchpad::Scratchpad;
use crate::components::snapshot_buttons::SnapshotButtons;
use crate::components::status_bar::StatusBar;
use crate::runner::Runner;

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
    let runner = Runner::new(vm, autosave);
    // Leaving or hiding the page: a last save point, in case one is owed (a failed save).
    let _ = window_event_listener(leptos::ev::pagehide, move |_| autosave.save(vm));
    let _ = window_event_listener(leptos::ev::visibilitychange, move |_| {
        if document().visibility_state() == web_sys::VisibilityState::Hidden {
            autosave.save(vm);
        }
    });
    view! {
        <main class="app">
            <header class="toolbar">
                <h1>"Moonkeep"</h1>
                <span class="tagline">"a Lua 5.4 playground that never forgets"</span>
                <SnapshotButtons autosave=autosave />
            </header>
            <Scratchpad runner=runner />
            <MemoryInspector vm=vm runner=runner autosave=autosave />
            <StatusBar autosave=autosave />
        </main>
    }
    .into_any()
}
