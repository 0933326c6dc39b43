//! Returned tables and functions that unfold in the console.

use leptos::prelude::*;
use moonkeep_engine::{Node, Shown};

/// One returned value: its text, and for tables and Lua functions a toggle that shows
/// the entries or the function's parameters, origin and upvalues. The toggle's glyph
/// comes from CSS, so the text of the page stays the transcript.
#[component]
pub fn Value(text: String, tree: Option<Node>) -> impl IntoView {
    let unfoldable = tree.as_ref().is_some_and(|t| matches!(t.value, Shown::Table { .. } | Shown::Function { .. }));
    if !unfoldable {
        return view! { <span class="value">{text}</span> }.into_any();
    }
    let tree = tree.expect("checked above");
    let open = RwSignal::new(false);
    let label = format!("show {}", tree.path);
    view! {
        <span class="value unfoldable">
            <button
                type="button"
                class="unfold"
                aria-expanded=move || open.get().to_string()
                aria-label=label
                on:click=move |_| open.update(|o| *o = !*o)
            ></button>
            {text}
            <Show when=move || open.get()>
                <TreeView node=tree.clone() />
            </Show>
        </span>
    }
    .into_any()
}

#[component]
fn TreeView(node: Node) -> impl IntoView {
    let detail = match &node.value {
        Shown::Table { entries, has_metatable, .. } => {
            format!("table, {entries} entries{}", if *has_metatable { ", with a metatable" } else { "" })
        }
        Shown::Function { defined, upvalues, .. } => {
            let up = if upvalues.is_empty() {
                String::new()
            } else {
                let shown: Vec<String> = upvalues.iter().map(|u| format!("{} = {}", u.name, u.value)).collect();
                format!(" · upvalues: {}", shown.join(", "))
            };
            format!("{} · defined at {defined}{up}", node.value.preview())
        }
        _ => String::new(),
    };
    let hidden = node.hidden;
    let children = node
        .children
        .into_iter()
        .map(|child| {
            let text = match &child.value {
                Shown::Function { defined, .. } => format!("function · {defined}"),
                other => other.preview(),
            };
            let nested = matches!(child.value, Shown::Table { .. } | Shown::Function { .. });
            let key = child.key.clone();
            view! {
                <li>
                    <span class="key">{key}</span>" = "
                    {if nested { view! { <Value text=text tree=Some(child) /> }.into_any() } else { view! { <span class="value">{text}</span> }.into_any() }}
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="tree">
            <div class="tree-detail">{detail}</div>
            <ul>{children}</ul>
            {(hidden > 0).then(|| view! { <div class="tree-detail">{format!("… {hidden} more")}</div> })}
        </div>
    }
}
