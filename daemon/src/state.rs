//! The daemon-wide state every route, connection and request handler
//! shares: settings fixed at start and the long-lived services (providers,
//! agents, client sessions, access policy, process ledger). Built once by
//! `RunningDaemon::start`; handlers reach the domain only through it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use protocol::ServerInfo;
use tokio::sync::{mpsc, watch};

use crate::provider::ProviderRegistry;

/// State shared by every route and connection of one daemon.
pub(crate) struct DaemonState {
    /// What `server_info` says (built once at start).
    pub server_info: ServerInfo,
    /// The bound address, for `/api/status`.
    pub listen: SocketAddr,
    /// Time a socket has to say hello.
    pub hello_timeout: Duration,
    /// Largest accepted frame/message.
    pub max_frame_bytes: usize,
    /// Flips to `true` (or its sender drops) when the daemon stops.
    pub shutdown: watch::Receiver<bool>,
    /// Poll interval of checkout diff subscriptions.
    pub diff_poll_interval: Duration,
    /// The agent providers (see `crate::provider::registry`).
    pub providers: Arc<crate::provider::ProviderRegistry>,
    /// Every agent (see `crate::agents`).
    pub agents: Arc<crate::agents::AgentManager>,
    /// Client sessions by `clientId`, kept across reconnects.
    pub clients: Arc<crate::rpc::clients::Clients>,
    /// Host/Origin allowlists and the password (see `crate::transport::access`).
    pub access: Arc<crate::transport::access::AccessPolicy>,
    /// Agent process groups, for cleanup after a crash; providers record
    /// and forget their groups here (see `crate::procs` for how).
    #[allow(
        dead_code,
        reason = "held so the ledger lives as long as the daemon; providers own clones"
    )]
    pub procs: Arc<crate::procs::ProcessLedger>,
    /// Held by every clone of the state: the daemon knows all connections
    /// have ended when the matching receiver sees the channel close.
    pub _alive: mpsc::Sender<()>,
}

impl DaemonState {
    /// The daemon's providers (for the agent manager: `get(id)` then
    /// `open`).
    pub(crate) fn providers(&self) -> &ProviderRegistry {
        &self.providers
    }
}
