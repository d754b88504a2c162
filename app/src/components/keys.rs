//! The global key listener and the shortcuts help (`?`). Which key does
//! what is `crate::shortcuts` (pure); this module only wires it to the
//! window, the router and the overlays.

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};

use crate::components::palette::Overlays;
use crate::directory::{AgentKey, ordering, use_directory};
use crate::shortcuts::{LIST, Shortcut, action_for, neighbour};

#[component]
pub fn Shortcuts() -> impl IntoView {
    let overlays = expect_context::<Overlays>();
    let directory = use_directory();
    let navigate = use_navigate();
    let location = use_location();
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        let Some(shortcut) = action_for(
            &ev.key(),
            ev.ctrl_key(),
            ev.meta_key(),
            ev.alt_key(),
            in_field(&ev),
        ) else {
            return;
        };
        let go = |href: &str| navigate(href, Default::default());
        match shortcut {
            Shortcut::Palette => {
                ev.prevent_default();
                overlays.help.set(false);
                overlays.palette.update(|open| *open = !*open);
            }
            Shortcut::Help => overlays.help.update(|open| *open = !*open),
            Shortcut::CloseOverlay => {
                overlays.help.set(false);
                overlays.palette.set(false);
            }
            Shortcut::NewAgent => {
                ev.prevent_default();
                go("/?new=");
            }
            Shortcut::FocusComposer => {
                if let Ok(Some(el)) = document().query_selector(".composer textarea")
                    && let Ok(el) =
                        leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el)
                {
                    ev.prevent_default();
                    let _ = el.focus();
                }
            }
            Shortcut::NextAgent | Shortcut::PreviousAgent => {
                let order = ordered_agents(directory);
                let current = current_agent(&location.pathname.get_untracked());
                if let Some(next) =
                    neighbour(&order, current.as_ref(), shortcut == Shortcut::NextAgent)
                {
                    go(&format!("/agent/{}/{}", next.profile_id, next.agent_id));
                }
            }
            Shortcut::Inbox => go("/inbox"),
            Shortcut::Settings => go("/settings"),
        }
    });
    on_cleanup(move || handle.remove());
    view! {
        <Show when=move || overlays.help.get()>
            <div class="dialog-backdrop" on:click=move |_| overlays.help.set(false)></div>
            <div class="dialog shortcuts-help" role="dialog" aria-modal="true" aria-labelledby="help-title">
                <h2 id="help-title">"Keyboard shortcuts"</h2>
                <dl class="shortcut-list">
                    {LIST.iter().map(|(keys, what)| view! { <dt><kbd>{*keys}</kbd></dt><dd>{*what}</dd> }).collect_view()}
                </dl>
                <p class="muted">"In a text field only Ctrl/⌘ K works; the message box keeps Enter (send or queue), Ctrl/⌘ Enter and Esc (stop)."</p>
                <div class="dialog-actions">
                    <button class="primary" on:click=move |_| overlays.help.set(false)>"Close"</button>
                </div>
            </div>
        </Show>
    }
}

/// Whether the key went to something the user types in.
fn in_field(ev: &web_sys::KeyboardEvent) -> bool {
    let Some(target) = ev.target() else {
        return false;
    };
    let Ok(el) = leptos::wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(target) else {
        return false;
    };
    matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT") || el.is_content_editable()
}

/// The union's order (needs input first…), unarchived agents only.
fn ordered_agents(directory: crate::directory::Directory) -> Vec<AgentKey> {
    let mut rows: Vec<(AgentKey, protocol::AgentSnapshot, usize)> = directory
        .keys()
        .into_iter()
        .filter_map(|k| {
            let cell = directory.agent(&k)?;
            let agent = cell.snapshot.get_untracked();
            let pending = cell.permissions.with_untracked(Vec::len);
            agent.archived_at.is_none().then_some((k, agent, pending))
        })
        .collect();
    crate::sorted::sort_by(&mut rows, |a, b| {
        ordering::compare((&a.1, a.2, &a.0), (&b.1, b.2, &b.0))
    });
    rows.into_iter().map(|(k, _, _)| k).collect()
}

/// The agent a `/agent/<server>/<agent>` path shows.
fn current_agent(path: &str) -> Option<AgentKey> {
    let mut parts = path.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("agent"), Some(server), Some(agent)) => Some(AgentKey::new(server, agent)),
        _ => None,
    }
}
