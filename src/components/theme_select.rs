use leptos::prelude::*;

use crate::app::services;
use crate::theme::Theme;

/// Light, dark, or whatever the system prefers; remembered.
#[component]
pub fn ThemeSelect() -> impl IntoView {
    let preferences = services().preferences;
    view! {
        <label class="theme-select">
            "Theme"
            <select
                data-testid="theme"
                on:change=move |ev| preferences.set_theme(Theme::from_value(&event_target_value(&ev)))
                prop:value=move || preferences.theme().value()
            >
                {Theme::ALL
                    .into_iter()
                    .map(|t| view! { <option value=t.value()>{t.label()}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}
