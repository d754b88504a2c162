//! Toasts: short notes in a corner for things that happen elsewhere — an
//! agent on another host that finished, failed or needs input while the
//! user looks at something else — and for errors of actions that finished
//! out of sight. Announced politely to screen readers; each goes away by
//! itself or with its close button.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::attention::{Entry, use_attention};
use crate::components::agent_list::title_of;
use crate::directory::use_directory;
use crate::live::use_live;

/// One toast.
#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub id: u64,
    pub text: String,
    pub href: Option<String>,
    pub error: bool,
}

/// The toasts context.
#[derive(Clone, Copy)]
pub struct Toasts(RwSignal<Vec<Toast>>, StoredValue<u64>);

pub fn provide_toasts() -> Toasts {
    let toasts = Toasts(RwSignal::new(Vec::new()), StoredValue::new(0));
    provide_context(toasts);
    toasts
}

pub fn use_toasts() -> Toasts {
    expect_context::<Toasts>()
}

/// How long a toast stays.
const SHOW_MS: u32 = 6_000;
/// At most this many at once (the oldest go first).
const MAX: usize = 4;

impl Toasts {
    pub fn push(&self, text: impl Into<String>, href: Option<String>, error: bool) {
        let id = self.1.get_value() + 1;
        self.1.set_value(id);
        self.0.update(|list| {
            list.push(Toast {
                id,
                text: text.into(),
                href,
                error,
            });
            let extra = list.len().saturating_sub(MAX);
            list.drain(..extra);
        });
        let list = self.0;
        #[cfg(feature = "hydrate")]
        gloo_timers::callback::Timeout::new(SHOW_MS, move || {
            list.update(|l| l.retain(|t| t.id != id));
        })
        .forget();
        #[cfg(not(feature = "hydrate"))]
        let _ = (list, SHOW_MS);
    }
}

#[component]
pub fn ToastHost() -> impl IntoView {
    let toasts = use_toasts();
    let attention = use_attention();
    let directory = use_directory();
    let live = use_live();
    let location = use_location();
    // New attention entries about an agent not on screen become toasts.
    let known = StoredValue::new(None::<crate::sorted::SortedSet<String>>);
    Effect::new(move |_| {
        let entries = attention.0.get();
        let ids: crate::sorted::SortedSet<String> = entries.iter().map(Entry::id).collect();
        let Some(before) = known.get_value() else {
            // What needed attention at load is the inbox's, not news.
            known.set_value(Some(ids));
            return;
        };
        let path = location.pathname.get_untracked();
        for entry in entries.iter().filter(|e| !before.contains(&e.id())) {
            let key = entry.key();
            let href = format!("/agent/{}/{}", key.profile_id, key.agent_id);
            if path == href {
                continue;
            }
            let title = directory
                .agent(key)
                .map(|c| c.snapshot.with_untracked(title_of))
                .unwrap_or_else(|| key.agent_id.clone());
            let (what, error) = match entry {
                Entry::Permission { .. } => ("needs your input", false),
                Entry::Unseen { failed: true, .. } => ("failed", true),
                Entry::Unseen { .. } => ("finished", false),
            };
            let host = live.label(&key.profile_id);
            toasts.push(format!("{title} {what} on {host}"), Some(href), error);
        }
        known.set_value(Some(ids));
    });
    // Opening the agent a toast points at answers it: the toast goes.
    Effect::new(move |_| {
        let path = location.pathname.get();
        toasts.0.maybe_update(|l| {
            let before = l.len();
            l.retain(|t| t.href.as_deref() != Some(path.as_str()));
            l.len() != before
        });
    });
    view! {
        <div class="toasts" role="status" aria-live="polite">
            <For
                each=move || toasts.0.get()
                key=|t| t.id
                children=move |t| {
                    let id = t.id;
                    view! {
                        <div class="toast" class:toast-error=t.error>
                            {match t.href.clone() {
                                Some(href) => view! { <a href=href>{t.text.clone()}</a> }.into_any(),
                                None => view! { <span>{t.text.clone()}</span> }.into_any(),
                            }}
                            <button class="toast-close" aria-label="Dismiss"
                                on:click=move |_| toasts.0.update(|l| l.retain(|x| x.id != id))>"×"</button>
                        </div>
                    }
                }
            />
        </div>
    }
}
