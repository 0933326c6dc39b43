//! What the page does when Moonkeep itself fails. Lua errors never get here; a Rust
//! panic (a bug) or a WebAssembly trap does, and after either the module cannot run
//! again. Rather than leave a page that silently ignores clicks, the `#crash` banner
//! in index.html says so and offers a reload. Traps and uncaught JavaScript errors are
//! caught by the small script beside the banner (Rust cannot run any more by then);
//! panics are reported here, before the module aborts.

pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_banner(&info.to_string());
    }));
}

fn show_banner(detail: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if let Some(text) = document.get_element_by_id("crash-detail") {
        text.set_text_content(Some(detail));
    }
    if let Some(banner) = document.get_element_by_id("crash") {
        let _ = banner.remove_attribute("hidden");
    }
}
