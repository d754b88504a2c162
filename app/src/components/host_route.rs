//! What every route with a `:server_id` shares: resolving it to one of this
//! tab's profiles (a profile id, or the `srv_` id one of them reported),
//! the "connecting" and "unknown host" pages while it does not, and the
//! inline placeholder of a host that is not online.

use leptos::prelude::*;

use crate::directory::use_directory;
use crate::live::use_live;
use crate::session::{all_hosts_answered, route_profile};

/// "Connecting to the host…" (also the SSR paint of hosts only the browser
/// knows).
#[component]
pub fn ConnectingHost() -> impl IntoView {
    view! {
        <section class="connecting" data-state="connecting">
            <p>"Connecting to the host…"</p>
        </section>
    }
}

/// The route names a host this browser does not know.
#[component]
pub fn UnknownHost(server_id: String) -> impl IntoView {
    view! {
        <section class="unknown-host" data-state="unknown-host">
            <h1>"Unknown host"</h1>
            <p>{format!("“{server_id}” is not one of the hosts this browser knows.")}</p>
            <p>"Add the host in this browser to open its agents, or go back to "<a href="/">"all agents"</a>"."</p>
        </section>
    }
}

/// Renders `page(profile_id)` once `server_id` resolves to a profile of
/// this tab; "connecting" until every profile answered, then "unknown
/// host". The page is rebuilt only when the profile changes.
#[component]
pub fn HostRoute<F, V>(#[prop(into)] server_id: Signal<String>, page: F) -> impl IntoView
where
    F: Fn(String) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let live = use_live();
    let directory = use_directory();
    let profile = Memo::new(move |_| route_profile(live, directory, &server_id.get()));
    move || match profile.get() {
        Some(profile_id) => page(profile_id).into_any(),
        None if live.hydrated.get() && all_hosts_answered(live) => view! {
            <UnknownHost server_id=server_id.get() />
        }
        .into_any(),
        None => view! { <ConnectingHost /> }.into_any(),
    }
}

/// Shown while the host is not online: the page keeps what this browser
/// last saw, and its actions wait.
#[component]
pub fn OfflinePlaceholder(#[prop(into)] profile_id: String) -> impl IntoView {
    let live = use_live();
    let id = profile_id.clone();
    let status = Signal::derive(move || live.shown_status(&id));
    let offline = move || status.get() != "online";
    view! {
        <Show when=offline>
            <div class="placeholder offline" role="status" data-state="offline">
                {
                    let id = profile_id.clone();
                    move || format!(
                        "{} is {} — showing what this browser last saw; actions wait until it reconnects.",
                        live.label(&id), status.get()
                    )
                }
            </div>
        </Show>
    }
}
