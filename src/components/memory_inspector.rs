use leptos::prelude::*;

/// Where the Memory inspector will go: a labelled, empty panel for now.
#[component]
pub fn MemoryInspector() -> impl IntoView {
    view! {
        <section
            id="memory-inspector"
            class="pane inspector"
            data-testid="memory-inspector"
            aria-labelledby="memory-inspector-title"
        >
            <h2 id="memory-inspector-title" class="pane-title">"Memory"</h2>
        </section>
    }
}
