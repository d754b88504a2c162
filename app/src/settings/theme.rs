//! Dark, light or the system's: kept in `@paseo:theme`, applied as
//! `data-theme` on `<html>` (the stylesheet follows the system otherwise).

use leptos::prelude::*;

pub const THEME_KEY: &str = "@paseo:theme";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Theme {
    System,
    Dark,
    Light,
}

impl Theme {
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Dark => "dark",
            Theme::Light => "light",
        }
    }

    /// Unknown or missing values follow the system.
    pub fn parse(raw: Option<&str>) -> Theme {
        match raw {
            Some("dark") => Theme::Dark,
            Some("light") => Theme::Light,
            _ => Theme::System,
        }
    }
}

/// The chosen theme, as a context.
#[derive(Clone, Copy)]
pub struct ThemeChoice(pub RwSignal<Theme>);

pub fn provide_theme() -> ThemeChoice {
    let choice = ThemeChoice(RwSignal::new(Theme::System));
    provide_context(choice);
    choice
}

pub fn use_theme() -> ThemeChoice {
    expect_context::<ThemeChoice>()
}

impl ThemeChoice {
    /// Reads the stored choice and keeps `<html data-theme>` and storage in
    /// step with the signal (browser only).
    pub fn start(self) {
        #[cfg(feature = "hydrate")]
        {
            use gloo_storage::{LocalStorage, Storage};
            let stored = LocalStorage::raw().get_item(THEME_KEY).ok().flatten();
            self.0.set(Theme::parse(stored.as_deref()));
            Effect::new(move |_| {
                let theme = self.0.get();
                let Some(root) = document().document_element() else {
                    return;
                };
                let _ = match theme {
                    Theme::System => {
                        let _ = LocalStorage::raw().remove_item(THEME_KEY);
                        root.remove_attribute("data-theme")
                    }
                    other => {
                        let _ = LocalStorage::raw().set_item(THEME_KEY, other.as_str());
                        root.set_attribute("data-theme", other.as_str())
                    }
                };
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_values_parse_and_garbage_follows_the_system() {
        assert_eq!(Theme::parse(Some("dark")), Theme::Dark);
        assert_eq!(Theme::parse(Some("light")), Theme::Light);
        assert_eq!(Theme::parse(Some("{corrupt")), Theme::System);
        assert_eq!(Theme::parse(None), Theme::System);
    }
}
