use leptos::html::Button;
use leptos::prelude::*;

use crate::components::script_tab::ScriptTab;
use crate::scripts::{Closed, Scripts};

/// The scripts as tabs: open one, add one, rename or close one (closing can be
/// undone until the next close).
#[component]
pub fn ScriptTabs(scripts: RwSignal<Scripts>) -> impl IntoView {
    let tabs =
        Memo::new(move |_| scripts.with(|s| s.list().iter().map(|s| (s.id, s.name.clone())).collect::<Vec<_>>()));
    let active = Memo::new(move |_| scripts.with(Scripts::active_id));
    let name_of = move |id: u32| {
        Signal::derive(move || {
            tabs.with(|t| t.iter().find(|tab| tab.0 == id).map(|tab| tab.1.clone()).unwrap_or_default())
        })
    };
    let closed = RwSignal::new(None::<Closed>);
    let undo_button = NodeRef::<Button>::new();

    let close = Callback::new(move |id: u32| {
        let mut taken = None;
        scripts.update(|s| taken = s.close(id));
        if taken.is_some() {
            closed.set(taken);
        }
    });
    let undo = move |_| {
        if let Some(script) = closed.get_untracked() {
            scripts.update(|s| s.reopen(script));
            closed.set(None);
        }
    };
    // A keyboard user who just closed a tab lands on Undo.
    Effect::new(move |_| {
        if closed.with(Option::is_some) {
            if let Some(button) = undo_button.get() {
                let _ = button.focus();
            }
        }
    });

    view! {
        <nav class="script-tabs" aria-label="Scripts">
            <ul class="tab-list">
                <For each=move || tabs.get() key=|tab| tab.0 let:tab>
                    <ScriptTab id=tab.0 name=name_of(tab.0) active=active scripts=scripts on_close=close />
                </For>
            </ul>
            <button
                class="icon new-script"
                data-testid="new-script"
                aria-label="New script"
                title="New script"
                on:click=move |_| {
                    scripts.update(|s| {
                        s.create(None, "");
                    });
                }
            >
                "+"
            </button>
            <Show when=move || closed.with(Option::is_some)>
                <span class="closed-note" role="status">
                    {move || closed.with(|c| c.as_ref().map(|c| format!("Closed “{}”", c.script.name)))}
                    <button class="link" data-testid="undo-close" node_ref=undo_button on:click=undo>
                        "Undo"
                    </button>
                </span>
            </Show>
        </nav>
    }
}
