use leptos::prelude::*;
use moonkeep_engine::Vm;

use crate::components::scratchpad::Scratchpad;

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
    view! {
        <main class="app">
            <header class="toolbar">
                <h1>"Moonkeep"</h1>
                <span class="tagline">"a Lua 5.4 playground that never forgets"</span>
            </header>
            <Scratchpad vm=vm />
        </main>
    }
    .into_any()
}
