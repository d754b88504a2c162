//! `/`: every host the user has, with its live connection state.
//!
//! Before hydration (and during it) the list shows the server-configured
//! daemons from [`server_hosts`]; once hydrated it shows the browser's
//! registry joined with the live channel's states, updated without reload.

use leptos::prelude::*;

use crate::hosts::{HostView, server_hosts};
use crate::live::{ConnectionStatus, LiveState};

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    let live = expect_context::<LiveState>();
    let ssr_hosts = Resource::new(|| (), |_| server_hosts());

    let rows = move || -> Vec<HostView> {
        if live.hydrated.get() {
            let hosts = live.hosts.get();
            live.profiles
                .get()
                .into_iter()
                .map(|profile| {
                    let state = hosts.get(&profile.id);
                    HostView {
                        status: state
                            .map(|s| s.status)
                            .unwrap_or(ConnectionStatus::Connecting),
                        last_error: state.and_then(|s| s.last_error.clone()),
                        last_online_at: state.and_then(|s| s.last_online_at),
                        daemon_id: state.and_then(|s| s.daemon_id.clone()),
                        profile_id: profile.id,
                        label: profile.label,
                        ws_url: profile.ws_url,
                    }
                })
                .collect()
        } else {
            ssr_hosts.get().and_then(Result::ok).unwrap_or_default()
        }
    };

    view! {
        <section class="hosts" data-hydrated=move || live.hydrated.get().to_string()>
            <h1>"Hosts"</h1>
            <Suspense fallback=|| view! { <p class="hosts-loading">"Connecting to your hosts…"</p> }>
                <ul class="host-list">
                    {move || rows().into_iter().map(|host| view! { <HostRow host /> }).collect_view()}
                </ul>
            </Suspense>
        </section>
    }
}

/// One host: label, URL, state badge, and the last error when there is one.
#[component]
fn HostRow(host: HostView) -> impl IntoView {
    let status = host.status.as_str();
    view! {
        <li class="host" data-profile-id=host.profile_id.clone() data-status=status>
            <span class="host-label">{host.label}</span>
            <span class="host-url">{host.ws_url}</span>
            <span class=format!("host-status status-{status}") aria-label="connection state">
                {status}
            </span>
            {host.last_error.map(|err| view! { <span class="host-error">{err}</span> })}
        </li>
    }
}
