use leptos::html::Div;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::app::services;
use crate::editor::{assistant, Editor};
use crate::run::{Code, ErrorMark, Runner};
use crate::scripts::Scripts;

/// The CodeMirror editor showing the open script. Edits go into `scripts`; its run
/// keys go to the runner; the runner's error mark is shown on its line.
#[component]
pub fn CodeEditor(scripts: RwSignal<Scripts>) -> impl IntoView {
    let runner = services().runner;
    let vm = services().vm;
    let host = NodeRef::<Div>::new();
    let editor = StoredValue::new_local(None::<Editor>);
    let active = Memo::new(move |_| scripts.with(Scripts::active_id));

    // Mount once the host exists, then show whichever script is open.
    Effect::new(move |_| {
        let Some(host) = host.get() else { return };
        let id = active.get();
        let first = editor.with_value(Option::is_none);
        if first {
            let mounted = mount(&host, scripts, runner);
            mounted.set_assistant(&assistant(vm));
            editor.set_value(Some(mounted));
        }
        let text = scripts.with_untracked(|s| s.active().text.clone());
        runner.forget_error();
        editor.with_value(|e| e.as_ref().map(|e| e.open(id, &text)));
        if first {
            crate::mark("moonkeep:editor"); // the editor shows its first script
        }
    });
    // Every run clears the mark when it starts and sets it when it ends; the editor is
    // told only of a change (clearing a mark that is not there still made CodeMirror
    // update its view, twice a run).
    Effect::new(move |shown: Option<Option<ErrorMark>>| {
        let mark = runner.error();
        if shown.as_ref() == Some(&mark) {
            return mark;
        }
        editor.with_value(|e| {
            let Some(e) = e else { return };
            match &mark {
                Some(mark) => e.mark_error(mark.line, &mark.message),
                None => e.clear_error(),
            }
        });
        mark
    });

    view! {
        <div class="code-editor" node_ref=host></div>
        <p id="editor-keys" class="visually-hidden">
            "Ctrl+Enter runs the script, Shift+Enter runs the selection or the current line. Tab indents; \
             press Escape, then Tab, to move on from the editor."
        </p>
    }
}

fn mount(host: &web_sys::HtmlElement, scripts: RwSignal<Scripts>, runner: Runner) -> Editor {
    // Both closures live as long as the page: the editor is never unmounted.
    let on_change = Closure::<dyn Fn(String)>::new(move |text: String| {
        scripts.update(|s| s.set_text(s.active_id(), &text));
    })
    .into_js_value();
    let on_run = Closure::<dyn Fn(String, u32)>::new(move |text, first_line| runner.run(Code { text, first_line }))
        .into_js_value();
    Editor::new(host, "editor-keys", &on_change, &on_run)
}
