//! Everything Moonkeep keeps in the browser besides Memory (which lives in IndexedDB:
//! see persistence/), each key named here and nowhere else. Values are JSON.
//!
//! | key | holds |
//! | --- | --- |
//! | `moonkeep.settings` | [`Settings`]: theme, pane sizes, time limit, probe arguments |
//! | `moonkeep.scripts` | every script and which one is open ([`Scripts`]) |
//! | `moonkeep.console-history` | the console prompt's history, oldest first |
//! | `moonkeep.proof` (sessionStorage) | the proof's fingerprint, waiting for the reload |
//!
//! Keys of earlier versions are read once, moved under the new key and deleted.

use leptos::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::layout::{Layout, Pane};
use crate::scripts::Scripts;
use crate::theme::Theme;

/// The small settings, kept together under one key. index.html reads `theme` from it
/// to paint the first frame in the right theme.
pub const SETTINGS: &str = "moonkeep.settings";
/// The scripts (names, texts, which one is open): a value of its own, saved on each edit.
pub const SCRIPTS: &str = "moonkeep.scripts";
/// The console prompt's history.
pub const CONSOLE_HISTORY: &str = "moonkeep.console-history";
/// In sessionStorage: the fingerprint taken before the proof's reload.
pub const PROOF_PENDING: &str = "moonkeep.proof";

/// The single editor's text before scripts had tabs; moved into the first script.
const OLD_EDITOR: &str = "moonkeep.editor";
/// Keys each setting had before they were kept together.
const OLD_THEME: &str = "moonkeep.theme";
const OLD_LAYOUT: &str = "moonkeep.layout";
const OLD_TIME_BUDGET: &str = "moonkeep.time-budget";
const OLD_PROBES: &str = "moonkeep.proof-probes";

/// Seconds a run may compute unless the user chose another limit.
pub const DEFAULT_TIME_BUDGET: u32 = 30;
/// The largest time limit the status bar accepts (an hour).
pub const MAX_TIME_BUDGET: u32 = 3600;
const DEFAULT_PROBES: &str = "1, 2";

/// The settings a user chooses; every field has a default, so a stored value missing
/// one (an older version's) still loads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Absent or "system": follow `prefers-color-scheme`.
    pub theme: Theme,
    pub layout: Layout,
    /// Seconds a run may compute before it is stopped; 0 = no limit.
    pub time_budget: u32,
    /// What the proof calls every function in Memory with.
    pub probes: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            theme: Theme::System,
            layout: Layout::default(),
            time_budget: DEFAULT_TIME_BUDGET,
            probes: DEFAULT_PROBES.to_owned(),
        }
    }
}

impl Settings {
    /// Stored values brought back in range (they may have been edited by hand).
    fn checked(self) -> Settings {
        Settings { layout: self.layout.checked(), time_budget: self.time_budget.min(MAX_TIME_BUDGET), ..self }
    }

    /// The settings as earlier versions kept them, one key each.
    fn from_old_keys(storage: &impl KeyValues) -> Settings {
        let defaults = Settings::default();
        Settings {
            theme: read(storage, OLD_THEME).unwrap_or(defaults.theme),
            layout: read(storage, OLD_LAYOUT).unwrap_or(defaults.layout),
            time_budget: read(storage, OLD_TIME_BUDGET).unwrap_or(defaults.time_budget),
            probes: read(storage, OLD_PROBES).unwrap_or(defaults.probes),
        }
        .checked()
    }
}

/// Where the values are kept: the browser's localStorage, or a map in tests.
pub trait KeyValues {
    fn get(&self, key: &str) -> Option<String>;
    fn set(&self, key: &str, value: &str) -> Result<(), String>;
    fn remove(&self, key: &str);
}

/// The page's localStorage or sessionStorage; without one (blocked, or natively)
/// nothing is read and writing fails with a reason.
pub struct Browser(Option<web_sys::Storage>);

impl Browser {
    pub fn local() -> Browser {
        Browser(web_sys::window().and_then(|w| w.local_storage().ok().flatten()))
    }

    pub fn session() -> Browser {
        Browser(web_sys::window().and_then(|w| w.session_storage().ok().flatten()))
    }
}

impl KeyValues for Browser {
    fn get(&self, key: &str) -> Option<String> {
        self.0.as_ref()?.get_item(key).ok().flatten()
    }

    fn set(&self, key: &str, value: &str) -> Result<(), String> {
        let storage = self.0.as_ref().ok_or("this browser gives Moonkeep no storage for settings")?;
        storage
            .set_item(key, value)
            .map_err(|_| format!("the browser refused to keep {key} (its storage is full or blocked)"))
    }

    fn remove(&self, key: &str) {
        if let Some(storage) = &self.0 {
            let _ = storage.remove_item(key);
        }
    }
}

/// The value under `key`, if there is one and it parses; a value that does not parse
/// is reported and left in place, not overwritten until the user changes the setting.
pub fn read<T: DeserializeOwned>(storage: &impl KeyValues, key: &str) -> Option<T> {
    let text = storage.get(key)?;
    match from_json(&text) {
        Ok(value) => Some(value),
        Err(e) => {
            warn(&format!("{key} in the browser's storage is not what Moonkeep expects ({e}); using the default"));
            None
        }
    }
}

/// Keeps `value` under `key`; a failure is reported (the page goes on without it).
pub fn write<T: Serialize>(storage: &impl KeyValues, key: &str, value: &T) -> Result<(), String> {
    let text = to_json(value).map_err(|e| format!("{key}: {e}"))?;
    storage.set(key, &text).inspect_err(|e| warn(&format!("not kept: {e}")))
}

/// A value from JSON text: in the browser through its own JSON.parse.
#[cfg(target_arch = "wasm32")]
fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = js_sys::JSON::parse(text).map_err(|e| e.as_string().unwrap_or_else(|| "not JSON".into()))?;
    serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
}

#[cfg(not(target_arch = "wasm32"))]
fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// A value as JSON text (objects, not Maps, in the browser: what JSON.stringify writes).
#[cfg(target_arch = "wasm32")]
fn to_json<T: Serialize>(value: &T) -> Result<String, String> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let value = value.serialize(&serializer).map_err(|e| e.to_string())?;
    js_sys::JSON::stringify(&value).map(String::from).map_err(|_| "cannot be written as JSON".into())
}

#[cfg(not(target_arch = "wasm32"))]
fn to_json<T: Serialize>(value: &T) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}

/// The settings, from `moonkeep.settings` or, the first time, from the keys of earlier
/// versions (deleted once the settings are safely under the new key).
pub fn load(storage: &impl KeyValues) -> Settings {
    if storage.get(SETTINGS).is_some() {
        return read::<Settings>(storage, SETTINGS).map(Settings::checked).unwrap_or_default();
    }
    let settings = Settings::from_old_keys(storage);
    let had_old = [OLD_THEME, OLD_LAYOUT, OLD_TIME_BUDGET, OLD_PROBES].iter().any(|k| storage.get(k).is_some());
    if had_old && write(storage, SETTINGS, &settings).is_ok() {
        for key in [OLD_THEME, OLD_LAYOUT, OLD_TIME_BUDGET, OLD_PROBES] {
            storage.remove(key);
        }
    }
    settings
}

/// The stored scripts; the first time, the text of the single editor Moonkeep had
/// before tabs (then deleted), else the welcome example.
pub fn load_scripts(storage: &impl KeyValues, welcome: &str) -> Scripts {
    let stored = read::<Scripts>(storage, SCRIPTS);
    let migrating = stored.is_none();
    let scripts = Scripts::load(stored, read::<String>(storage, OLD_EDITOR), welcome);
    // The old key goes only once its text is safely under the new one.
    if migrating && storage.get(OLD_EDITOR).is_some() && write(storage, SCRIPTS, &scripts).is_ok() {
        storage.remove(OLD_EDITOR);
    }
    scripts
}

fn warn(text: &str) {
    if cfg!(target_arch = "wasm32") {
        web_sys::console::warn_1(&text.into());
    }
}

/// The user's settings for the page: read through signals, changed through methods,
/// kept by one effect. Provided once by the app (context).
#[derive(Clone, Copy)]
pub struct Preferences {
    settings: RwSignal<Settings>,
}

impl Preferences {
    pub fn load() -> Preferences {
        let preferences = Preferences { settings: RwSignal::new(load(&Browser::local())) };
        // Written only when changed: a stored value that did not parse stays as it was.
        Effect::new(move |ran: Option<()>| {
            preferences.settings.with(|s| {
                s.theme.apply();
                if ran.is_some() {
                    let _ = write(&Browser::local(), SETTINGS, s);
                }
            })
        });
        preferences
    }

    pub fn theme(self) -> Theme {
        self.settings.with(|s| s.theme)
    }

    pub fn layout(self) -> Layout {
        self.settings.with(|s| s.layout)
    }

    /// A pane's size without subscribing to it (for event handlers).
    pub fn pane_size_now(self, pane: Pane) -> f64 {
        self.settings.with_untracked(|s| s.layout.size(pane))
    }

    pub fn time_budget(self) -> u32 {
        self.settings.with(|s| s.time_budget)
    }

    pub fn probes(self) -> String {
        self.settings.with(|s| s.probes.clone())
    }

    pub fn set_theme(self, theme: Theme) {
        self.settings.update(|s| s.theme = theme);
    }

    pub fn resize(self, pane: Pane, size: f64) {
        self.settings.update(|s| s.layout = s.layout.resized(pane, size));
    }

    pub fn set_time_budget(self, seconds: u32) {
        self.settings.update(|s| s.time_budget = seconds.min(MAX_TIME_BUDGET));
    }

    pub fn set_probes(self, probes: String) {
        self.settings.update(|s| s.probes = probes);
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Default)]
    struct Map(RefCell<BTreeMap<String, String>>);

    impl Map {
        fn with(pairs: &[(&str, &str)]) -> Map {
            Map(RefCell::new(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()))
        }

        fn keys(&self) -> Vec<String> {
            self.0.borrow().keys().cloned().collect()
        }
    }

    impl KeyValues for Map {
        fn get(&self, key: &str) -> Option<String> {
            self.0.borrow().get(key).cloned()
        }

        fn set(&self, key: &str, value: &str) -> Result<(), String> {
            self.0.borrow_mut().insert(key.to_owned(), value.to_owned());
            Ok(())
        }

        fn remove(&self, key: &str) {
            self.0.borrow_mut().remove(key);
        }
    }

    #[test]
    fn a_first_visit_has_the_defaults_and_writes_nothing() {
        let storage = Map::default();
        assert_eq!(load(&storage), Settings::default());
        assert_eq!(storage.keys(), Vec::<String>::new());
        assert_eq!(Settings::default().time_budget, 30);
        assert_eq!(Settings::default().probes, "1, 2");
    }

    #[test]
    fn the_keys_of_earlier_versions_move_under_one_key() {
        let storage = Map::with(&[
            ("moonkeep.theme", "\"dark\""),
            ("moonkeep.layout", r#"{"inspector":40.0,"console":20.0}"#),
            ("moonkeep.time-budget", "5"),
            ("moonkeep.proof-probes", "\"3, 'x'\""),
            ("moonkeep.scripts", "{}"),
        ]);
        let expected = Settings {
            theme: Theme::Dark,
            layout: Layout { inspector: 40.0, console: 20.0 },
            time_budget: 5,
            probes: "3, 'x'".into(),
        };
        assert_eq!(load(&storage), expected);
        assert_eq!(storage.keys(), ["moonkeep.scripts", "moonkeep.settings"], "old keys deleted, others kept");
        assert_eq!(load(&storage), expected, "and read back from the new key");
    }

    #[test]
    fn a_damaged_old_key_falls_back_to_its_default_alone() {
        let storage = Map::with(&[("moonkeep.theme", "dark"), ("moonkeep.time-budget", "7")]);
        let settings = load(&storage);
        assert_eq!((settings.theme, settings.time_budget), (Theme::System, 7));
    }

    #[test]
    fn stored_values_are_brought_back_in_range_and_missing_fields_defaulted() {
        let storage =
            Map::with(&[("moonkeep.settings", r#"{"time_budget":99999,"layout":{"inspector":500.0,"console":30.0}}"#)]);
        let settings = load(&storage);
        assert_eq!(settings.time_budget, MAX_TIME_BUDGET);
        assert_eq!(settings.layout.inspector, crate::layout::MAX);
        assert_eq!(settings.probes, "1, 2");
    }

    #[test]
    fn index_html_finds_the_theme_at_the_top_level() {
        let settings = Settings { theme: Theme::Light, ..Settings::default() };
        let json: serde_json::Value = serde_json::to_value(&settings).unwrap();
        assert_eq!(json["theme"], "light");
    }

    #[test]
    fn the_single_editor_text_becomes_the_first_script_and_its_key_goes() {
        let storage = Map::with(&[("moonkeep.editor", "\"return 7\"")]);
        let scripts = load_scripts(&storage, "welcome");
        assert_eq!(scripts.active().text, "return 7");
        assert_eq!(storage.keys(), ["moonkeep.scripts"]);
        assert_eq!(load_scripts(&storage, "welcome"), scripts);
    }
}
