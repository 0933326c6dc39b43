//! Moonkeep in the browser: the UI layer. It drives the engine's `Vm` and shows what
//! it does; no Lua semantics live here.
#![forbid(unsafe_code)]

// .cargo/config.toml sets this cfg for wasm32; a RUSTFLAGS variable would silently drop
// it and add 26 KB gzip to the page.
#[cfg(all(target_arch = "wasm32", not(erase_components)))]
compile_error!(
    "the page must be built with `--cfg erase_components` (.cargo/config.toml); \
     a RUSTFLAGS variable replaces that file's flags: add the cfg to it or unset it"
);

mod app;
mod components;
mod console;
mod crash;
mod demos;
mod editor;
mod event_loop;
mod history;
mod inspector;
mod layout;
mod persistence;
mod proof;
mod run;
mod scripts;
mod settings;
mod theme;
mod warm_up;

fn main() {
    mark("moonkeep:start");
    crash::install();
    leptos::mount::mount_to_body(app::App);
    mark("moonkeep:interactive");
}

/// Milliseconds on the page's monotonic clock (`performance.now()`).
pub fn now_ms() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map_or(0.0, |p| p.now())
}

/// A User Timing mark (`performance.mark`), read by the benchmarks.
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}
