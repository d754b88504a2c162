//! HTTP side of the daemon: the axum router (`/ws`, `/api/health`,
//! `/api/status`) and the daemon-wide state handlers share. Every route sits
//! behind `access::guard` (Host/Origin allowlists, HTTP bearer password);
//! the WebSocket password is checked at the upgrade (`auth::ws_verdict`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::HeaderMap;
use axum::middleware;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};
use protocol::ServerInfo;
use tokio::sync::{mpsc, watch};

use crate::connection;
use crate::time_util::iso_now;

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
    pub clients: Arc<crate::clients::Clients>,
    /// Host/Origin allowlists and the password (see `crate::access`).
    pub access: Arc<crate::access::AccessPolicy>,
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

/// Builds the router for one daemon.
pub(crate) fn router(state: Arc<DaemonState>) -> Router {
    Router::new()
        .route("/ws", get(ws_upgrade))
        .route("/api/health", get(health))
        .route("/api/status", get(status))
        .layer(middleware::from_fn_with_state(
            state.access.clone(),
            crate::access::guard,
        ))
        .with_state(state)
}

async fn ws_upgrade(
    State(state): State<Arc<DaemonState>>,
    headers: HeaderMap,
    mut ws: WebSocketUpgrade,
) -> Response {
    let verdict = crate::auth::ws_verdict(state.access.password.as_ref(), &headers);
    if let Some(protocol) = verdict.protocol {
        ws.set_selected_protocol(protocol);
    }
    if let Err(reason) = verdict.outcome {
        return ws.on_upgrade(move |socket| crate::auth::close_unauthorized(socket, reason));
    }
    let max = state.max_frame_bytes;
    ws.max_message_size(max)
        .max_frame_size(max)
        .on_failed_upgrade(|err| tracing::debug!(%err, "websocket upgrade failed"))
        .on_upgrade(move |socket| connection::run(socket, state))
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "timestamp": iso_now() }))
}

async fn status(State(state): State<Arc<DaemonState>>) -> Json<serde_json::Value> {
    let info = &state.server_info;
    Json(serde_json::json!({
        "status": "server_info",
        "serverId": info.server_id,
        "hostname": info.hostname,
        "version": info.version,
        "listen": state.listen.to_string(),
    }))
}
