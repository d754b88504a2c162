//! The hosts: each registry profile with its live state, last error and a
//! "retry now" that reaches the hub.

use leptos::prelude::*;

use super::action::act;
use crate::api::agents::retry_host;
use crate::directory::use_directory;
use crate::hosts::{HostView, server_hosts};
use crate::live::{ConnectionStatus, use_live};

#[component]
pub fn HostList() -> impl IntoView {
    let live = use_live();
    let ssr_hosts = Resource::new(|| (), |_| server_hosts());
    // Before hydration: the server's own hosts (what SSR rendered).
    let ssr_rows = move || ssr_hosts.get().and_then(Result::ok).unwrap_or_default();
    view! {
        <section class="hosts" data-hydrated=move || live.hydrated.get().to_string()>
            <h2>"Hosts"</h2>
            <Suspense fallback=|| view! { <p class="hosts-loading">"Connecting to your hosts…"</p> }>
                <ul class="host-list">
                    <Show
                        when=move || live.hydrated.get()
                        fallback=move || {
                            ssr_rows()
                                .into_iter()
                                .map(|host| view! { <StaticHostRow host /> })
                                .collect_view()
                        }
                    >
                        <For
                            each=move || live.profiles.get()
                            key=|p| (p.id.clone(), p.label.clone(), p.ws_url.clone())
                            children=move |p| view! { <HostRow profile_id=p.id label=p.label ws_url=p.ws_url /> }
                        />
                    </Show>
                </ul>
            </Suspense>
        </section>
    }
    .into_any()
}

#[component]
fn StaticHostRow(host: HostView) -> impl IntoView {
    let status = host.status.as_str();
    view! {
        <li class="host" data-profile-id=host.profile_id.clone() data-status=status>
            <span class="host-label">{host.label}</span>
            <span class="host-url">{host.ws_url}</span>
            <span class=format!("host-status status-{status}")>{status}</span>
            {host.last_error.map(|err| view! { <span class="host-error">{err}</span> })}
        </li>
    }
}

#[component]
fn HostRow(profile_id: String, label: String, ws_url: String) -> impl IntoView {
    let live = use_live();
    let directory = use_directory();
    let id = profile_id.clone();
    let status = Signal::derive(move || live.shown_status(&id));
    let id = profile_id.clone();
    let host = Signal::derive(move || live.hosts.with(|h| h.get(&id).cloned()));
    let id = profile_id.clone();
    let agent_count = move || {
        directory
            .keys()
            .iter()
            .filter(|k| k.profile_id == id)
            .filter(|k| {
                directory
                    .agent(k)
                    .is_some_and(|c| c.snapshot.with(|a| a.archived_at.is_none()))
            })
            .count()
    };
    let id = profile_id.clone();
    let retry_error = RwSignal::new(None::<String>);
    let retry = move |_| {
        let id = id.clone();
        act(directory, retry_error, move |token| retry_host(token, id));
    };
    let offline = Signal::derive(move || {
        host.get()
            .map(|h| h.status)
            .unwrap_or(ConnectionStatus::Connecting)
            != ConnectionStatus::Online
    });
    view! {
        <li class="host" data-profile-id=profile_id.clone() data-status=status>
            <span class="host-label">{label}</span>
            <span class="host-url">{ws_url}</span>
            <span class=move || format!("host-status status-{}", status.get()) aria-label="connection state">
                {status}
            </span>
            <span class="host-meta">
                {move || {
                    let h = host.get();
                    let version = h.as_ref().and_then(|h| h.version.clone());
                    let n = agent_count();
                    format!(
                        "{n} agent{}{}",
                        if n == 1 { "" } else { "s" },
                        version.map(|v| format!(" · daemon {v}")).unwrap_or_default(),
                    )
                }}
            </span>
            {move || host.get().and_then(|h| h.last_error).filter(|_| offline.get()).map(|err| view! { <span class="host-error">{err}</span> })}
            <Show when=move || offline.get()>
                <button class="retry" on:click=retry.clone()>"Retry now"</button>
            </Show>
            {move || retry_error.get().map(|e| view! { <span class="host-error">{e}</span> })}
        </li>
    }
}
