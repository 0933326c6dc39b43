use leptos::prelude::*;
use moonkeep_engine::{Place, Row, Shown};

use crate::inspector::window::top_of;
use crate::inspector::Inspector;

/// Indentation per level (px).
const INDENT: f64 = 16.0;

/// One row of the Memory tree: key, type, value, size; a function's place and
/// upvalues; a link to follow; a delete button for table entries. `on_act` is called
/// after the row acted, to keep the keyboard in the tree.
#[component]
pub fn InspectorRow(inspector: Inspector, index: usize, on_act: Callback<()>) -> impl IntoView {
    let Some(row) = inspector.rows.with_untracked(|rows| rows.get(index).cloned()) else {
        return ().into_any();
    };
    let active = move || inspector.active.get() == Some(index);
    let type_name = row.value.type_name();
    let twisty = match (row.expandable, row.expanded) {
        (true, true) => "▾",
        (true, false) => "▸",
        _ => "",
    };
    let tag = (row.place == Place::Upvalue).then(|| view! { <span class="tag">"upvalue"</span> });
    let size = row.value.size().map(|s| view! { <span class="size">{s.to_string()}</span> });
    let delete =
        (row.entry.is_some() && !inspector.read_only()).then(|| delete_button(inspector, index, &row.path, on_act));
    let title = format!("{} = {}", row.path, row.value.preview());
    view! {
        <div
            role="treeitem"
            id=format!("memory-row-{index}")
            class="inspector-row"
            class:active=active
            class:unmatched=row.expanded && !row.matched && inspector.filtering()
            data-testid="memory-row"
            data-path=row.path.clone()
            data-type=type_name
            aria-expanded=row.expandable.then(|| row.expanded.to_string())
            aria-selected=move || active().to_string()
            title=title
            style:top=format!("{}px", top_of(index))
            style:padding-left=format!("{}px", 4.0 + row.depth as f64 * INDENT)
            on:click=move |_| {
                inspector.select(index);
                inspector.toggle(index);
                on_act.run(());
            }
        >
            <span class="twisty" aria-hidden="true">{twisty}</span>
            <span class="key">{row.key.clone()}</span>
            {tag}
            <span class="type">{type_name}</span>
            {row_value(inspector, index, row.clone(), on_act)}
            <span class="end">{size} {delete}</span>
        </div>
    }
    // tachys knows no aria-level attribute by name.
    .attr("aria-level", (row.depth + 1).to_string())
    .into_any()
}

/// A row's value: a preview, a link to where a shared value is shown, and for a
/// function where it was defined and its upvalues.
fn row_value(inspector: Inspector, index: usize, row: Row, on_act: Callback<()>) -> AnyView {
    match row.value {
        Shown::Link { to, .. } => view! {
            <button
                class="link"
                tabindex="-1"
                data-testid="memory-link"
                title=format!("Show {to}")
                on:click=move |ev| {
                    ev.stop_propagation();
                    inspector.jump(index);
                    on_act.run(());
                }
            >
                "→ "
                {to.clone()}
            </button>
        }
        .into_any(),
        Shown::Function { ref defined, ref upvalues, .. } => {
            let upvalues = (!upvalues.is_empty()).then(|| {
                let list: Vec<String> = upvalues.iter().map(|u| format!("{} = {}", u.name, u.value)).collect();
                view! { <span class="upvalues">"upvalues: " {list.join(", ")}</span> }
            });
            view! {
                <span class="preview">{row.value.preview()}</span>
                <span class="defined">{defined.clone()}</span>
                {upvalues}
            }
            .into_any()
        }
        other => view! { <span class="preview">{other.preview()}</span> }.into_any(),
    }
}

/// Deletes a table entry (Undo follows).
fn delete_button(inspector: Inspector, index: usize, path: &str, on_act: Callback<()>) -> impl IntoView {
    view! {
        <button
            class="delete"
            tabindex="-1"
            data-testid="memory-delete"
            aria-label=format!("Delete {path}")
            title="Delete this entry (Undo follows)"
            prop:disabled=move || inspector.busy()
            on:click=move |ev| {
                ev.stop_propagation();
                inspector.delete(index);
                on_act.run(());
            }
        >
            "✕"
        </button>
    }
}
