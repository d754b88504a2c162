//! Hosts as the pages show them, and the server function that lets SSR
//! render the daemons the server itself is configured with.
//!
//! The server cannot read the browser's registry, so the first paint lists
//! the daemons the *server* knows (the embedded local daemon, daemons given
//! on its command line); after hydration the list comes from the registry
//! and the live channel.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::live::ConnectionStatus;

/// One host row. `profile_id` is the registry id in the browser; for
/// server-configured daemons rendered by SSR it is the server's own key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostView {
    pub profile_id: String,
    pub label: String,
    pub ws_url: String,
    pub status: ConnectionStatus,
    pub last_error: Option<String>,
    pub last_online_at: Option<i64>,
    pub daemon_id: Option<String>,
}

/// Server-side source of [`HostView`]s for SSR, provided by the web server
/// (which owns the hub) as request context.
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct ConfiguredHosts(pub std::sync::Arc<dyn Fn() -> Vec<HostView> + Send + Sync>);

/// The daemons the server is configured with, with their current state.
#[server]
pub async fn server_hosts() -> Result<Vec<HostView>, ServerFnError> {
    Ok(use_context::<ConfiguredHosts>()
        .map(|hosts| (hosts.0)())
        .unwrap_or_default())
}
