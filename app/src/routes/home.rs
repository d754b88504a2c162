//! `/`: the union. Every host with its live state, and every agent of every
//! host in one list (ordered by [`crate::directory::ordering`]), filtered by
//! host, status and text.
//!
//! Before hydration the hosts come from [`server_hosts`] (the daemons the
//! server itself knows); once hydrated, from the registry and the channel.

use leptos::prelude::*;

use crate::components::agent_list::AgentList;
use crate::components::create_dialog::CreateAgentButton;
use crate::components::hosts::HostList;

/// The home page.
#[component]
pub fn HomePage() -> impl IntoView {
    view! {
        <HostList />
        <section class="agents-head">
            <h1>"Agents"</h1>
            <CreateAgentButton preferred_profile=None />
        </section>
        <AgentList />
    }
}
