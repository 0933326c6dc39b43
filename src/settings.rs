//! Small settings kept in localStorage through gloo-storage, each under one key.
//! (Memory itself lives in IndexedDB: see autosave.rs.)

use gloo_storage::{LocalStorage, Storage};

use crate::layout::Layout;
use crate::scripts::Scripts;
use crate::theme::Theme;

/// The scripts (names, texts, which one is open).
pub const SCRIPTS: &str = "moonkeep.scripts";
/// The single editor's text before scripts had tabs; migrated into the first script.
pub const LEGACY_EDITOR: &str = "moonkeep.editor";
/// "light" or "dark"; absent: follow the system (`prefers-color-scheme`). index.html
/// reads it too, to paint the first frame in the right theme.
pub const THEME: &str = "moonkeep.theme";
/// Pane sizes.
pub const LAYOUT: &str = "moonkeep.layout";

pub fn load_scripts(welcome: &str) -> Scripts {
    let stored = LocalStorage::get::<Scripts>(SCRIPTS).ok();
    let migrating = stored.is_none();
    let scripts = Scripts::load(stored, LocalStorage::get::<String>(LEGACY_EDITOR).ok(), welcome);
    // The old key goes only once its text is safely under the new one.
    if migrating && LocalStorage::set(SCRIPTS, &scripts).is_ok() {
        LocalStorage::delete(LEGACY_EDITOR);
    }
    scripts
}

pub fn save_scripts(scripts: &Scripts) {
    if let Err(e) = LocalStorage::set(SCRIPTS, scripts) {
        web_sys::console::warn_1(&format!("scripts not saved: {e}").into());
    }
}

pub fn load_theme() -> Theme {
    LocalStorage::get::<Theme>(THEME).unwrap_or(Theme::System)
}

pub fn save_theme(theme: Theme) {
    match theme {
        Theme::System => LocalStorage::delete(THEME),
        chosen => {
            let _ = LocalStorage::set(THEME, chosen);
        }
    }
}

pub fn load_layout() -> Layout {
    LocalStorage::get::<Layout>(LAYOUT).map(Layout::checked).unwrap_or_default()
}

pub fn save_layout(layout: Layout) {
    let _ = LocalStorage::set(LAYOUT, layout);
}
