use leptos::html::Details;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::demos::Demo;
use crate::scripts::Scripts;

/// A disclosure listing the demos; choosing one opens it as a new script.
#[component]
pub fn ExamplesMenu(scripts: RwSignal<Scripts>, demos: Vec<Demo>) -> impl IntoView {
    let menu = NodeRef::<Details>::new();
    let close = move || {
        if let Some(menu) = menu.get_untracked() {
            menu.set_open(false);
        }
    };
    let open_demo = move |demo: Demo| {
        scripts.update(|s| {
            s.create(Some(demo.title), demo.source);
        });
        close();
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && menu.get_untracked().is_some_and(|m| m.open()) {
            ev.prevent_default();
            close();
            if let Some(summary) = menu.get_untracked().and_then(|m| m.first_element_child()) {
                let _ = summary.unchecked_into::<web_sys::HtmlElement>().focus();
            }
        }
    };
    // Focus leaving the menu (Tab past its end, a click elsewhere) closes it.
    let on_focus_out = move |ev: leptos::ev::FocusEvent| {
        let inside = ev
            .related_target()
            .and_then(|t| t.dyn_into::<web_sys::Node>().ok())
            .is_some_and(|node| menu.get_untracked().is_some_and(|m| m.contains(Some(&node))));
        if !inside {
            close();
        }
    };
    view! {
        <details class="menu" node_ref=menu on:keydown=on_key on:focusout=on_focus_out>
            <summary data-testid="examples">"Examples"</summary>
            <ul class="menu-items" aria-label="Examples">
                {demos
                    .into_iter()
                    .map(|demo| {
                        view! {
                            <li>
                                <button data-testid="example" data-file=demo.file on:click=move |_| open_demo(demo)>
                                    {demo.title}
                                </button>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
        </details>
    }
}
