//! The one binding to the editor bundle (editor/editor.js, CodeMirror 6, built into
//! editor/dist/editor.js by editor/build.mjs before cargo runs).
//!
//! wasm-bindgen reads a `module = "/..."` file while expanding the macro, on every
//! target. The module path is therefore given only for wasm32: natively (`cargo
//! test` on a fresh checkout, before any bundle exists) the same declarations compile
//! to stubs that are never called.

use leptos::prelude::*;
use moonkeep_engine::{check, Completions, Hover, ItemKind, Signature, Vm};
use wasm_bindgen::prelude::*;

#[cfg_attr(target_arch = "wasm32", wasm_bindgen(module = "/editor/dist/editor.js"))]
#[cfg_attr(not(target_arch = "wasm32"), wasm_bindgen)]
extern "C" {
    /// A CodeMirror view showing one script at a time.
    pub type Editor;

    /// Mounts an editor in `parent`, described by the element with id `described_by`.
    /// `on_change(text)` follows every edit; `on_run(text, first_line)` is Ctrl/Cmd+Enter
    /// (everything) or Shift+Enter (the selection or the current line).
    #[wasm_bindgen(constructor)]
    pub fn new(parent: &web_sys::HtmlElement, described_by: &str, on_change: &JsValue, on_run: &JsValue) -> Editor;

    /// Shows script `key` holding `text`, keeping each script's undo history.
    #[wasm_bindgen(method)]
    pub fn open(this: &Editor, key: u32, text: &str);

    /// Marks `line` (1-based) as failing with `message` until the next edit.
    #[wasm_bindgen(method, js_name = markError)]
    pub fn mark_error(this: &Editor, line: u32, message: &str);

    #[wasm_bindgen(method, js_name = clearError)]
    pub fn clear_error(this: &Editor);

    /// The object completion, hover, signature help and syntax checks ask (its shape is
    /// documented in editor/assist.js).
    #[wasm_bindgen(method, js_name = setAssistant)]
    pub fn set_assistant(this: &Editor, assistant: &JsValue);
}

/// The assistant editor/assist.js asks while code is typed: completion, hover and
/// signature help from the live VM (read raw between a run's slices: no Lua code runs),
/// and syntax checks by Lua's parser (the VM is not touched). Offsets are the editor's
/// UTF-16 code units; the engine's are bytes.
pub fn assistant(vm: StoredValue<Vm, LocalStorage>) -> JsValue {
    let complete = Closure::<dyn Fn(String) -> JsValue>::new(move |before: String| {
        vm.try_with_value(|vm| completions(&before, &vm.complete(&before))).unwrap_or(JsValue::NULL)
    });
    let hover = Closure::<dyn Fn(String, u32) -> JsValue>::new(move |text: String, at: u32| {
        let offset = byte_offset(&text, at as usize);
        vm.try_with_value(|vm| vm.hover(&text, offset).map(|h| hover_object(&text, &h)))
            .flatten()
            .unwrap_or(JsValue::NULL)
    });
    let signature = Closure::<dyn Fn(String) -> JsValue>::new(move |before: String| {
        vm.try_with_value(|vm| vm.signature(&before, before.len()).map(|s| signature_object(&s)))
            .flatten()
            .unwrap_or(JsValue::NULL)
    });
    let check = Closure::<dyn Fn(String) -> JsValue>::new(|text: String| match check(&text, crate::run::CHUNK) {
        Some(d) => object(&[("line", d.line.into()), ("message", d.message.into())]),
        None => JsValue::NULL,
    });
    object(&[
        ("complete", complete.into_js_value()),
        ("hover", hover.into_js_value()),
        ("signature", signature.into_js_value()),
        ("check", check.into_js_value()),
    ])
}

fn completions(before: &str, c: &Completions) -> JsValue {
    let items: js_sys::Array = c
        .items
        .iter()
        .map(|i| {
            let kind = match i.kind {
                ItemKind::Keyword => "keyword",
                ItemKind::Local => "local",
                ItemKind::Global => "global",
                ItemKind::Field => "field",
                ItemKind::Method => "method",
            };
            object(&[
                ("label", i.label.as_str().into()),
                ("kind", kind.into()),
                ("type", i.type_name.into()),
                ("detail", i.detail.as_str().into()),
            ])
        })
        .collect();
    object(&[("from", utf16_len(&before[..c.from]).into()), ("items", items.into())])
}

fn hover_object(text: &str, h: &Hover) -> JsValue {
    let optional = |s: &Option<String>| s.as_deref().map_or(JsValue::UNDEFINED, JsValue::from);
    object(&[
        ("from", utf16_len(&text[..h.from]).into()),
        ("to", utf16_len(&text[..h.to]).into()),
        ("path", h.path.as_str().into()),
        ("type", h.type_name.into()),
        ("preview", h.preview.as_str().into()),
        ("size", optional(&h.size)),
        ("defined", optional(&h.defined)),
    ])
}

fn signature_object(s: &Signature) -> JsValue {
    let params: js_sys::Array = s.params.iter().map(|p| JsValue::from(p.as_str())).collect();
    object(&[
        ("name", s.name.as_str().into()),
        ("params", params.into()),
        ("vararg", s.vararg.into()),
        ("active", (s.active as u32).into()),
    ])
}

fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let object = js_sys::Object::new();
    for (key, value) in fields {
        // Setting a property on a fresh plain object cannot fail.
        let _ = js_sys::Reflect::set(&object, &JsValue::from(*key), value);
    }
    object.into()
}

fn utf16_len(text: &str) -> u32 {
    text.encode_utf16().count() as u32
}

/// The byte offset of UTF-16 offset `at` in `text` (clamped to its end).
fn byte_offset(text: &str, at: usize) -> usize {
    let mut units = 0;
    for (i, c) in text.char_indices() {
        if units >= at {
            return i;
        }
        units += c.len_utf16();
    }
    text.len()
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen(module = "/editor/dist/editor.js"))]
#[cfg_attr(not(target_arch = "wasm32"), wasm_bindgen)]
extern "C" {
    /// Formats the script shown in the editor with StyLua (fetched on first use) as one
    /// change that Undo takes back. Rejects with a message naming the script `name` when
    /// StyLua cannot be loaded or cannot parse it; the text is then unchanged.
    #[wasm_bindgen(js_name = formatScript)]
    pub fn format_script(name: &str) -> js_sys::Promise;
}
