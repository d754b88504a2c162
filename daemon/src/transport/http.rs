//! HTTP side of the daemon: the axum router (`/ws`, `/api/health`,
//! `/api/status`) over the daemon-wide [`DaemonState`]. Every route sits
//! behind `access::guard` (Host/Origin allowlists, HTTP bearer password);
//! the WebSocket password is checked at the upgrade (`auth::ws_verdict`).

use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::http::HeaderMap;
use axum::middleware;
use axum::response::Response;
use axum::routing::get;
use axum::{Json, Router};

use crate::state::DaemonState;
use crate::time_util::iso_now;
use crate::transport::connection;

/// Builds the router for one daemon.
pub(crate) fn router(state: Arc<DaemonState>) -> Router {
    Router::new()
        .route("/ws", get(ws_upgrade))
        .route("/api/health", get(health))
        .route("/api/status", get(status))
        .layer(middleware::from_fn_with_state(
            state.access.clone(),
            crate::transport::access::guard,
        ))
        .with_state(state)
}

async fn ws_upgrade(
    State(state): State<Arc<DaemonState>>,
    headers: HeaderMap,
    mut ws: WebSocketUpgrade,
) -> Response {
    let verdict = crate::transport::auth::ws_verdict(state.access.password.as_ref(), &headers);
    if let Some(protocol) = verdict.protocol {
        ws.set_selected_protocol(protocol);
    }
    if let Err(reason) = verdict.outcome {
        return ws
            .on_upgrade(move |socket| crate::transport::auth::close_unauthorized(socket, reason));
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
