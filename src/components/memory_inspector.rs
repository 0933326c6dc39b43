use leptos::html::Div;
use leptos::prelude::*;

use crate::app::{services, Services};
use crate::components::inspector_notice::InspectorNotice;
use crate::components::inspector_row::InspectorRow;
use crate::inspector::window::{rows_to_draw, scroll_to_show, top_of, ROW_HEIGHT};
use crate::inspector::Inspector;

/// The live tree of Memory: filter, expand, follow links, delete. The list is
/// virtual: a spacer as tall as every row, and only the rows in view drawn in it, so
/// 100,000 entries cost as much to draw as 50.
#[component]
pub fn MemoryInspector() -> impl IntoView {
    let Services { vm, runner, persistence, history, .. } = services();
    let inspector = Inspector::new(vm, runner, persistence, history);
    let list = NodeRef::<Div>::new();
    let scroll_top = RwSignal::new(0.0);
    let height = RwSignal::new(ROW_HEIGHT * 20.0);
    let measure = move || {
        if let Some(el) = list.get_untracked() {
            scroll_top.set(f64::from(el.scroll_top()));
            height.set(f64::from(el.client_height()).max(ROW_HEIGHT));
        }
    };
    // The active row is always in view: scroll the least that shows it.
    Effect::new(move |_| {
        let Some(index) = inspector.active.get() else { return };
        let Some(el) = list.get_untracked() else { return };
        if let Some(top) = scroll_to_show(index, f64::from(el.scroll_top()), f64::from(el.client_height())) {
            el.set_scroll_top(top as i32);
        }
        measure();
    });
    let visible = move || {
        let rows = rows_to_draw(scroll_top.get(), height.get(), inspector.rows.with(Vec::len));
        let version = inspector.version.get();
        rows.map(move |i| (version, i)).collect::<Vec<_>>()
    };
    let focus_list = move || {
        if let Some(el) = list.get_untracked() {
            let _ = el.focus();
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        if inspector.key(&ev.key()) {
            ev.prevent_default();
            focus_list();
        }
    };
    let active_id = move || inspector.active.get().map(|i| format!("memory-row-{i}"));
    view! {
        <section
            id="memory-inspector"
            class="pane inspector memory-inspector"
            data-testid="memory-inspector"
            aria-labelledby="memory-inspector-title"
        >
            {inspector_bar(inspector)}
            {move || {
                history.viewing().map(|number| {
                    view! {
                        <p class="inspector-notice past" role="status" data-testid="past-version">
                            "Version " {number} ", a past version: read-only. "
                            <button on:click=move |_| history.view_current()>"Show the current Memory"</button>
                        </p>
                    }
                })
            }}
            <InspectorNotice inspector=inspector />
            <div
                class="inspector-list"
                role="tree"
                aria-label="Memory tree"
                tabindex="0"
                node_ref=list
                data-testid="memory-tree"
                data-version=move || inspector.version.get()
                aria-activedescendant=active_id
                on:scroll=move |_| measure()
                on:keydown=on_keydown
                on:focus=move |_| {
                    if inspector.active.get_untracked().is_none() && inspector.rows.with_untracked(|r| !r.is_empty()) {
                        inspector.select(0);
                    }
                }
            >
                <div
                    class="inspector-spacer"
                    style:height=move || format!("{}px", top_of(inspector.rows.with(Vec::len)))
                >
                    <For each=visible key=|item| *item let((_, index))>
                        <InspectorRow inspector=inspector index=index on_act=Callback::new(move |()| focus_list()) />
                    </For>
                </div>
            </div>
        </section>
    }
}

/// The inspector's title, filter and row count.
fn inspector_bar(inspector: Inspector) -> impl IntoView {
    let count = move || {
        let rows = inspector.rows.with(Vec::len);
        if inspector.filter.with(|f| f.trim().is_empty()) {
            format!("{rows} {}", if rows == 1 { "row" } else { "rows" })
        } else {
            let matches = inspector.rows.with(|r| r.iter().filter(|r| r.matched).count());
            format!("{matches} matching")
        }
    };
    view! {
        <div class="inspector-bar">
            <h2 id="memory-inspector-title" class="pane-title">"Memory"</h2>
            <input
                type="search"
                data-testid="memory-filter"
                placeholder="Filter keys and values"
                aria-label="Filter Memory by key or value"
                prop:value=move || inspector.filter.get()
                on:input=move |ev| inspector.set_filter(event_target_value(&ev))
            />
            <span class="inspector-count" data-testid="memory-count">{count}</span>
        </div>
    }
}
