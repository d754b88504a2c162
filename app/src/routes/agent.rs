//! `/agent/:server_id/:agent_id`: one agent, scoped to the route's daemon.
//! `server_id` is a profile id, or a `srv_` id one of this tab's profiles
//! reported (never resolved through anything else). Neither → an inline
//! "unknown host" page. An offline host keeps its stale timeline readable
//! with an inline placeholder, and actions say why they are disabled.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::agents::{
    archive_agent, clear_attention, delete_agent, rename_agent, unarchive_agent,
};
use crate::api::timeline::server_tail;
use crate::components::action::act;
use crate::components::agent_list::{status_name, title_of};
use crate::components::composer::Composer;
use crate::components::host_route::{ConnectingHost, OfflinePlaceholder, UnknownHost};
use crate::components::permission::Permissions;
use crate::components::timeline::Timeline;
use crate::directory::{AgentKey, use_directory};
use crate::explorer::{diff_href, files_href};
use crate::live::use_live;
use crate::session::{all_hosts_answered, route_profile};

#[component]
pub fn AgentPage() -> impl IntoView {
    let params = use_params_map();
    let directory = use_directory();
    let live = use_live();
    let server_id = move || params.with(|p| p.get("server_id").unwrap_or_default());
    let agent_id = move || params.with(|p| p.get("agent_id").unwrap_or_default());
    // The profile the route names, once known.
    let profile = Memo::new(move |_| route_profile(live, directory, &server_id()));
    // What the server painted for its own daemon (None for other hosts).
    let tail = Resource::new(
        move || (server_id(), agent_id()),
        |(server_id, agent_id)| server_tail(server_id, agent_id),
    );
    let tail_profile = move || {
        let tail = tail.get().and_then(Result::ok).flatten()?;
        directory.seed_server_tail(&tail);
        Some(tail.profile_id)
    };
    let key = Memo::new(move |_| {
        profile
            .get()
            .or_else(tail_profile)
            .map(|p| AgentKey::new(p, agent_id()))
    });

    // Follow the shown timeline; unfollow when leaving or switching.
    let followed = StoredValue::new(None::<AgentKey>);
    Effect::new(move |_| {
        let wanted = key.get();
        let current = followed.get_value();
        if wanted != current {
            if let Some(old) = current {
                directory.unfollow(&old);
            }
            if let Some(new) = wanted.clone() {
                directory.follow(new);
            }
            followed.set_value(wanted);
        }
    });
    on_cleanup(move || {
        if let Some(old) = followed.get_value() {
            directory.unfollow(&old);
        }
    });

    view! {
        <Suspense fallback=|| view! { <ConnectingHost /> }>
        {move || match key.get() {
            Some(key) => view! { <AgentView key /> }.into_any(),
            None if live.hydrated.get() && all_hosts_answered(live) => {
                view! { <UnknownHost server_id=server_id() /> }.into_any()
            }
            None => view! { <ConnectingHost /> }.into_any(),
        }}
        </Suspense>
    }
}

#[component]
fn AgentView(key: AgentKey) -> impl IntoView {
    // `?seq=N`: open at that row (search hits and shared links).
    // A new `?seq=` (a search hit on the open agent) re-opens the timeline there.
    let query = use_query_map();
    let focus = Memo::new(move |_| {
        query
            .with(|q| q.get("seq"))
            .and_then(|s| s.parse::<u64>().ok())
    });
    let timeline_key = key.clone();
    let directory = use_directory();
    let live = use_live();
    let k = key.clone();
    let agent = move || {
        let _ = directory.keys();
        directory.agent(&k).map(|cell| cell.snapshot.get())
    };
    let k = key.clone();
    let host_status = Signal::derive(move || live.shown_status(&k.profile_id));
    let k = key.clone();
    let host_label = Signal::derive(move || live.label(&k.profile_id));
    let k = key.clone();
    let blocked = Signal::derive(move || live.can_act(&k.profile_id).err());
    let k = key.clone();
    let session_live = Signal::derive(move || directory.is_live(&k.profile_id));
    let error = RwSignal::new(None::<String>);

    // Opening an agent that finished or failed unseen marks it seen.
    {
        let k = key.clone();
        let agent = agent.clone();
        Effect::new(move |_| {
            let needs = agent().is_some_and(|a| a.requires_attention);
            let Some(token) = directory.tab_token.get() else {
                return;
            };
            if needs && session_live.get() && blocked.get().is_none() {
                let k = k.clone();
                leptos::task::spawn_local(async move {
                    match clear_attention(token, k.profile_id, k.agent_id).await {
                        Ok(true) => {}
                        Ok(false) => leptos::logging::log!(
                            "the host went away before the agent was marked seen; marking it when it is back"
                        ),
                        Err(e) => leptos::logging::warn!("could not mark the agent seen: {e}"),
                    }
                });
            }
        });
    }

    let k = key.clone();
    let rename = {
        let agent = agent.clone();
        move |_| {
            let current = agent().map(|a| title_of(&a)).unwrap_or_default();
            let Some(title) = window()
                .prompt_with_message_and_default("New title", &current)
                .ok()
                .flatten()
                .filter(|t| !t.trim().is_empty() && *t != current)
            else {
                return;
            };
            let k = k.clone();
            act(directory, error, move |token| {
                rename_agent(token, k.profile_id, k.agent_id, title)
            });
        }
    };
    let k = key.clone();
    let archive = move |_| {
        let k = k.clone();
        act(directory, error, move |token| {
            archive_agent(token, k.profile_id, k.agent_id)
        });
    };
    let k = key.clone();
    let unarchive = move |_| {
        let k = k.clone();
        act(directory, error, move |token| {
            unarchive_agent(token, k.profile_id, k.agent_id)
        });
    };
    let archived = {
        let agent = agent.clone();
        Signal::derive(move || agent().is_some_and(|a| a.archived_at.is_some()))
    };
    let k = key.clone();
    let delete = move |_| {
        if !window()
            .confirm_with_message("Delete this agent and its history on its host?")
            .unwrap_or(false)
        {
            return;
        }
        let Some(token) = directory.tab_token.get_untracked() else {
            return;
        };
        let k = k.clone();
        leptos::task::spawn_local(async move {
            match delete_agent(token, k.profile_id, k.agent_id).await {
                Ok(()) => {
                    let navigate = leptos_router::hooks::use_navigate();
                    navigate("/", Default::default());
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    };
    let title = {
        let agent = agent.clone();
        move || {
            agent()
                .map(|a| title_of(&a))
                .unwrap_or_else(|| "Agent".into())
        }
    };
    let status = {
        let agent = agent.clone();
        Signal::derive(move || agent().map(|a| status_name(a.status)).unwrap_or("unknown"))
    };
    let meta = {
        let agent = agent.clone();
        Signal::derive(move || {
            agent().map(|a| (a.provider.clone(), a.cwd.clone(), a.last_error.clone()))
        })
    };
    let offline = Signal::derive(move || host_status.get() != "online");
    let k_files = key.profile_id.clone();
    view! {
        <section class="agent-page" data-profile-id=key.profile_id.clone() data-agent-id=key.agent_id.clone()
            data-status=status data-host-status=host_status>
            <header class="agent-header">
                <div class="agent-heading">
                    <a class="back" href="/" aria-label="All agents">"←"</a>
                    <h1>{title}</h1>
                    <span class=move || format!("badge status-{}", status.get())>{status}</span>
                </div>
                <div class="agent-meta">
                    <span class="host-chip">{move || host_label.get()}</span>
                    <span class=move || format!("host-status status-{}", host_status.get())>{host_status}</span>
                    {move || meta.get().map(|(provider, cwd, _)| view! {
                        <span class="provider">{provider}</span>
                        <span class="cwd" title=cwd.clone()>{cwd.clone()}</span>
                        <a class="ws-link" href=files_href(&k_files, &cwd, ".")>"Files"</a>
                        <a class="ws-link" href=diff_href(&k_files, &cwd)>"Diff"</a>
                    })}
                </div>
                <div class="agent-actions">
                    <button on:click=rename disabled=move || blocked.get().is_some()>"Rename"</button>
                    <Show
                        when=move || archived.get()
                        fallback=move || view! { <button on:click=archive.clone() disabled=move || blocked.get().is_some()>"Archive"</button> }
                    >
                        <button on:click=unarchive.clone() disabled=move || blocked.get().is_some()>"Unarchive"</button>
                    </Show>
                    <button class="danger" on:click=delete disabled=move || blocked.get().is_some()>"Delete"</button>
                </div>
                {move || meta.get().and_then(|(_, _, e)| e).map(|e| view! { <p class="inline-error">{e}</p> })}
                {move || error.get().map(|e| view! { <p class="inline-error" role="alert">{e}</p> })}
            </header>
            <OfflinePlaceholder profile_id=key.profile_id.clone() />
            <Show when=move || !session_live.get() && !offline.get()>
                <div class="placeholder" role="status">"Catching up with the host…"</div>
            </Show>
            {move || view! { <Timeline key=timeline_key.clone() focus=focus.get() /> }}
            <Permissions key=key.clone() />
            <Composer key=key.clone() />
        </section>
    }
    .into_any()
}
