//! `/inbox`: every pending permission of every host, answerable in place,
//! and agents that finished or failed while unseen — newest first, each
//! linking to its agent.

use leptos::prelude::*;

use crate::attention::{Entry, use_attention};
use crate::components::agent_list::title_of;
use crate::components::permission::Prompt;
use crate::directory::{AgentKey, use_directory};
use crate::live::use_live;

#[component]
pub fn InboxPage() -> impl IntoView {
    let attention = use_attention();
    let live = use_live();
    view! {
        <section class="inbox" data-hydrated=move || live.hydrated.get().to_string()>
            <h1>"Inbox"</h1>
            <p class="muted">"Everything that needs you, on every host: permission prompts first answered here, and agents that finished or failed while you were elsewhere."</p>
            <Show when=move || attention.0.with(Vec::is_empty)>
                <p class="empty" data-state="empty">"Nothing needs you right now."</p>
            </Show>
            <ul class="inbox-list">
                <For
                    each=move || attention.0.get()
                    key=Entry::id
                    children=move |entry| view! { <InboxEntry entry /> }
                />
            </ul>
        </section>
    }
}

#[component]
fn InboxEntry(entry: Entry) -> impl IntoView {
    let directory = use_directory();
    let live = use_live();
    let key = entry.key().clone();
    let href = format!("/agent/{}/{}", key.profile_id, key.agent_id);
    let title = {
        let key = key.clone();
        move || {
            directory
                .agent(&key)
                .map(|c| c.snapshot.with(title_of))
                .unwrap_or_else(|| key.agent_id.clone())
        }
    };
    let host = live.label(&key.profile_id);
    let (kind, body) = match entry {
        Entry::Permission { key, request, .. } => (
            "permission",
            view! { <Prompt key=key request=*request /> }.into_any(),
        ),
        Entry::Unseen { failed, key, .. } => (
            if failed { "failed" } else { "finished" },
            view! { <SeenButton key failed /> }.into_any(),
        ),
    };
    view! {
        <li class=format!("inbox-entry inbox-{kind}") data-profile-id=key.profile_id.clone() data-agent-id=key.agent_id.clone()>
            <div class="inbox-head">
                <a href=href class="inbox-agent">{title}</a>
                <span class="inbox-host">{host}</span>
                <span class=format!("badge badge-{kind}")>{kind}</span>
            </div>
            {body}
        </li>
    }
}

/// "Finished" / "failed" entries: open the agent or mark it seen here.
#[component]
fn SeenButton(key: AgentKey, failed: bool) -> impl IntoView {
    let directory = use_directory();
    let error = RwSignal::new(None::<String>);
    let text = if failed {
        "It stopped with an error while you were away."
    } else {
        "It finished its turn while you were away."
    };
    let clear = move |_| {
        let key = key.clone();
        crate::components::action::act(directory, error, move |token| async move {
            match crate::api::agents::clear_attention(token, key.profile_id, key.agent_id).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(crate::error::AppError::DaemonUnavailable {
                    status: "offline".into(),
                    last_error: Some("it went away before the agent was marked seen".into()),
                }),
                Err(err) => Err(err),
            }
        });
    };
    view! {
        <div class="inbox-seen">
            <span>{text}</span>
            <button on:click=clear>"Mark seen"</button>
            {move || error.get().map(|e| view! { <span class="inline-error">{e}</span> })}
        </div>
    }
}
