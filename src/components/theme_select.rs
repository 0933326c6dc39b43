use leptos::prelude::*;

use crate::settings;
use crate::theme::Theme;

/// Light, dark, or whatever the system prefers; remembered.
#[component]
pub fn ThemeSelect() -> impl IntoView {
    let theme = RwSignal::new(settings::load_theme());
    Effect::new(move |_| {
        let theme = theme.get();
        theme.apply();
        settings::save_theme(theme);
    });
    view! {
        <label class="theme-select">
            "Theme"
            <select
                data-testid="theme"
                on:change=move |ev| theme.set(Theme::from_value(&event_target_value(&ev)))
                prop:value=move || theme.get().value()
            >
                {Theme::ALL
                    .into_iter()
                    .map(|t| view! { <option value=t.value()>{t.label()}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}
