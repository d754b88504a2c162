//! Browser notifications, once the user allowed them in settings: when an
//! agent on any host needs input, finishes or fails while the tab is hidden
//! or another agent is open. One per event: de-duplicated on the attention
//! entry's id (`profile|agent|permission id or attention time`) in
//! localStorage, so a reload or a second tab never repeats one.

use std::collections::VecDeque;

/// Whether the user turned notifications on (`"on"`).
pub const ENABLED_KEY: &str = "@paseo:notifications";
/// The ids already notified (newest last), a JSON array.
pub const SEEN_KEY: &str = "@paseo:notified";
/// How many ids are remembered.
const REMEMBER: usize = 500;

/// The ids to notify now: not seen before, not about the agent on screen
/// unless the tab is hidden (pure).
pub fn to_notify(
    entries: &[(String, String)],
    seen: &VecDeque<String>,
    open_agent_path: Option<&str>,
    hidden: bool,
) -> Vec<String> {
    entries
        .iter()
        .filter(|(id, _)| !seen.contains(id))
        .filter(|(_, path)| hidden || Some(path.as_str()) != open_agent_path)
        .map(|(id, _)| id.clone())
        .collect()
}

/// Adds ids to the remembered list, keeping the newest [`REMEMBER`].
pub fn remember(seen: &mut VecDeque<String>, ids: impl IntoIterator<Item = String>) {
    for id in ids {
        if !seen.contains(&id) {
            seen.push_back(id);
        }
    }
    while seen.len() > REMEMBER {
        seen.pop_front();
    }
}

/// Browser glue: the settings switch and the effect that raises them.
#[cfg(feature = "hydrate")]
pub mod browser {
    use std::collections::VecDeque;

    use leptos::prelude::*;
    use leptos::wasm_bindgen::JsCast;
    use leptos::wasm_bindgen::closure::Closure;
    use leptos_router::hooks::use_location;

    use super::*;
    use crate::attention::{Entry, use_attention};
    use crate::components::agent_list::title_of;
    use crate::directory::use_directory;
    use crate::live::use_live;

    fn storage() -> Option<web_sys::Storage> {
        window().local_storage().ok().flatten()
    }

    pub fn enabled() -> bool {
        storage()
            .and_then(|s| s.get_item(ENABLED_KEY).ok().flatten())
            .as_deref()
            == Some("on")
            && web_sys::Notification::permission() == web_sys::NotificationPermission::Granted
    }

    fn load_seen() -> VecDeque<String> {
        storage()
            .and_then(|s| s.get_item(SEEN_KEY).ok().flatten())
            .and_then(|raw| serde_json::from_str::<VecDeque<String>>(&raw).ok())
            .unwrap_or_default()
    }

    fn save_seen(seen: &VecDeque<String>) {
        if let (Some(s), Ok(raw)) = (storage(), serde_json::to_string(seen)) {
            let _ = s.set_item(SEEN_KEY, &raw);
        }
    }

    /// Asks the browser, then turns notifications on; what is pending now
    /// counts as seen (no flood of old events). Returns the permission.
    pub async fn enable(current: Vec<String>) -> String {
        let promise = web_sys::Notification::request_permission();
        let answer = match promise {
            Ok(p) => wasm_bindgen_futures::JsFuture::from(p)
                .await
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_else(|| "default".into()),
            Err(_) => "denied".into(),
        };
        if answer == "granted"
            && let Some(s) = storage()
        {
            let _ = s.set_item(ENABLED_KEY, "on");
            let mut seen = load_seen();
            remember(&mut seen, current);
            save_seen(&seen);
        }
        answer
    }

    pub fn disable() {
        if let Some(s) = storage() {
            let _ = s.remove_item(ENABLED_KEY);
        }
    }

    /// Raises a notification for every new attention entry (see module doc).
    pub fn start() {
        let attention = use_attention();
        let directory = use_directory();
        let live = use_live();
        let location = use_location();
        Effect::new(move |_| {
            let entries = attention.0.get();
            if !enabled() {
                return;
            }
            let pairs: Vec<(String, String)> = entries
                .iter()
                .map(|e| {
                    let k = e.key();
                    (e.id(), format!("/agent/{}/{}", k.profile_id, k.agent_id))
                })
                .collect();
            // Read fresh: another tab may have notified meanwhile.
            let mut seen = load_seen();
            let path = location.pathname.get_untracked();
            let open = path.starts_with("/agent/").then_some(path.as_str());
            let hidden = document().hidden();
            let fresh = to_notify(&pairs, &seen, open, hidden);
            remember(&mut seen, pairs.iter().map(|(id, _)| id.clone()));
            save_seen(&seen);
            for id in fresh {
                let Some(entry) = entries.iter().find(|e| e.id() == id) else {
                    continue;
                };
                let key = entry.key().clone();
                let title = directory
                    .agent(&key)
                    .map(|c| c.snapshot.with_untracked(title_of))
                    .unwrap_or_else(|| key.agent_id.clone());
                let what = match entry {
                    Entry::Permission { .. } => "needs your input",
                    Entry::Unseen { failed: true, .. } => "failed",
                    Entry::Unseen { .. } => "finished",
                };
                let body = format!("{title} {what} on {}", live.label(&key.profile_id));
                let options = web_sys::NotificationOptions::new();
                options.set_body(&body);
                options.set_tag(&id);
                let Ok(note) = web_sys::Notification::new_with_options("Paseo", &options) else {
                    continue;
                };
                let href = format!("/agent/{}/{}", key.profile_id, key.agent_id);
                let on_click = Closure::<dyn FnMut()>::new(move || {
                    let _ = window().focus();
                    let _ = window().location().assign(&href);
                });
                note.set_onclick(Some(on_click.as_ref().unchecked_ref()));
                on_click.forget();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(id: &str, path: &str) -> (String, String) {
        (id.into(), path.into())
    }

    #[test]
    fn only_unseen_events_about_another_agent_or_a_hidden_tab() {
        let entries = [
            pair("a|1|perm:p", "/agent/a/1"),
            pair("b|2|seen:t", "/agent/b/2"),
        ];
        let mut seen = VecDeque::new();
        assert_eq!(
            to_notify(&entries, &seen, Some("/agent/a/1"), false),
            ["b|2|seen:t"]
        );
        assert_eq!(
            to_notify(&entries, &seen, Some("/agent/a/1"), true).len(),
            2
        );
        remember(&mut seen, ["b|2|seen:t".to_owned()]);
        assert!(to_notify(&entries, &seen, Some("/agent/a/1"), false).is_empty());
    }

    #[test]
    fn the_memory_is_bounded_and_keeps_the_newest() {
        let mut seen = VecDeque::new();
        remember(&mut seen, (0..600).map(|i| i.to_string()));
        assert_eq!(seen.len(), REMEMBER);
        assert_eq!(seen.front().map(String::as_str), Some("100"));
        remember(&mut seen, ["599".to_owned()]);
        assert_eq!(seen.len(), REMEMBER, "no duplicates");
    }
}
