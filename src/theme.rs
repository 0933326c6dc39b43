//! Light and dark themes: style/main.css defines both as CSS custom properties and
//! picks one from `<html data-theme>`, or from `prefers-color-scheme` without it.

use serde::{Deserialize, Serialize};

/// Read from its word like [`Theme::from_value`] (an unknown one follows the system),
/// which also costs the page less than a derived enum parser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", from = "String")]
pub enum Theme {
    /// Whatever the system prefers.
    System,
    Light,
    Dark,
}

impl From<String> for Theme {
    fn from(value: String) -> Theme {
        Theme::from_value(&value)
    }
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    /// The value in forms and in `data-theme`.
    pub fn value(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Theme::System => "System",
            Theme::Light => "Light",
            Theme::Dark => "Dark",
        }
    }

    pub fn from_value(value: &str) -> Theme {
        Theme::ALL.into_iter().find(|t| t.value() == value).unwrap_or(Theme::System)
    }

    /// Shows the page in this theme.
    pub fn apply(self) {
        let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) else {
            return;
        };
        let _ = match self {
            Theme::System => root.remove_attribute("data-theme"),
            chosen => root.set_attribute("data-theme", chosen.value()),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_unknown_ones_follow_the_system() {
        for theme in Theme::ALL {
            assert_eq!(Theme::from_value(theme.value()), theme);
        }
        assert_eq!(Theme::from_value("sepia"), Theme::System);
    }

    #[test]
    fn stored_as_the_words_index_html_reads() {
        assert_eq!(serde_json::to_string(&Theme::Dark).unwrap(), "\"dark\"");
        assert_eq!(serde_json::from_str::<Theme>("\"light\"").unwrap(), Theme::Light);
    }
}
