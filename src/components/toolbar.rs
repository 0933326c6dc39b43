use leptos::prelude::*;

use crate::app::services;
use crate::components::examples_menu::ExamplesMenu;
use crate::components::format_button::FormatButton;
use crate::components::snapshot_buttons::SnapshotButtons;
use crate::components::theme_select::ThemeSelect;
use crate::demos;
use crate::run::Code;
use crate::scripts::Scripts;

/// The page's header: Run, Format, the examples, the theme, Memory export and import.
#[component]
pub fn Toolbar(scripts: RwSignal<Scripts>) -> impl IntoView {
    let runner = services().runner;
    let run = move |_| runner.run(Code::whole(scripts.with_untracked(|s| s.active().text.clone())));
    view! {
        <header class="toolbar">
            <h1>"Moonkeep"</h1>
            <span class="tagline">"a Lua 5.4 playground that never forgets"</span>
            <div class="run-group">
                <button
                    class="primary"
                    data-testid="run"
                    on:click=run
                    prop:disabled=move || !runner.ready()
                    aria-describedby="run-keys"
                >
                    "Run"
                </button>
                <button
                    data-testid="stop"
                    on:click=move |_| runner.stop()
                    prop:disabled=move || !runner.running()
                    title="Stop the run under way"
                >
                    "Stop"
                </button>
                <span class="hint" id="run-keys">"Ctrl+Enter runs all · Shift+Enter the selection"</span>
            </div>
            <FormatButton scripts=scripts />
            <ExamplesMenu scripts=scripts demos=demos::all() />
            <ThemeSelect />
            <SnapshotButtons />
        </header>
    }
}
