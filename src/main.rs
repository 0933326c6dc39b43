//! Moonkeep in the browser: the UI layer. It drives the engine's `Vm` and shows what
//! it does; no Lua semantics live here.

mod app;
mod components;
mod crash;

fn main() {
    crash::install();
    leptos::mount::mount_to_body(app::App);
}
