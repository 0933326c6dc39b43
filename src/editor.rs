//! The one binding to the editor bundle (editor/editor.js, CodeMirror 6, built into
//! editor/dist/editor.js by editor/build.mjs before cargo runs).
//!
//! wasm-bindgen reads a `module = "/..."` file while expanding the macro, on every
//! target. The module path is therefore given only for wasm32: natively (`cargo
//! test` on a fresh checkout, before any bundle exists) the same declarations compile
//! to stubs that are never called.

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
