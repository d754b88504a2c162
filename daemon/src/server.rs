//! HTTP side of the daemon: the axum router (`/ws`, `/api/health`,
//! `/api/status`), the daemon-wide state handlers share, and the guard that
//! keeps web pages from reaching a password-less daemon.
//!
//! The guard exists because the daemon listens on loopback without a
//! password: any web page the user visits could otherwise open
//! `ws://127.0.0.1:6767/ws` (WebSockets have no CORS) or reach it through
//! DNS rebinding. So requests whose `Host` or `Origin` is not a loopback name
//! get 403, like Paseo's host allowlist and origin check with their defaults.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
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
        .layer(middleware::from_fn(guard_host_and_origin))
        .with_state(state)
}

async fn ws_upgrade(
    State(state): State<Arc<DaemonState>>,
    headers: HeaderMap,
    mut ws: WebSocketUpgrade,
) -> Response {
    // Browsers fail the handshake when they offered subprotocols and none is
    // selected; Paseo (without a password) echoes the first one offered.
    if let Some(first) = first_offered_protocol(&headers) {
        ws.set_selected_protocol(first);
    }
    let max = state.max_frame_bytes;
    ws.max_message_size(max)
        .max_frame_size(max)
        .on_failed_upgrade(|err| tracing::debug!(%err, "websocket upgrade failed"))
        .on_upgrade(move |socket| connection::run(socket, state))
}

/// The first subprotocol in the client's `Sec-WebSocket-Protocol` header(s).
fn first_offered_protocol(headers: &HeaderMap) -> Option<HeaderValue> {
    let first = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)?
        .to_str()
        .ok()?
        .split(',')
        .next()?
        .trim();
    (!first.is_empty())
        .then(|| HeaderValue::from_str(first).ok())
        .flatten()
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

async fn guard_host_and_origin(request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host_ok = headers
        .get(header::HOST)
        .is_none_or(|host| header_names_loopback(host, |h| format!("http://{h}")));
    let origin_ok = headers
        .get(header::ORIGIN)
        .is_none_or(|origin| header_names_loopback(origin, str::to_owned));
    if host_ok && origin_ok {
        return next.run(request).await;
    }
    tracing::warn!(
        host = ?headers.get(header::HOST),
        origin = ?headers.get(header::ORIGIN),
        path = %request.uri().path(),
        "rejected request from a non-local host or origin"
    );
    (
        StatusCode::FORBIDDEN,
        "Forbidden: non-local Host or Origin\n",
    )
        .into_response()
}

/// Whether a Host or Origin header value (turned into a URL by `to_url`)
/// names a loopback host: `localhost`, `*.localhost` or a loopback IP.
fn header_names_loopback(value: &HeaderValue, to_url: impl Fn(&str) -> String) -> bool {
    let Ok(text) = value.to_str() else {
        return false;
    };
    let Ok(url) = url::Url::parse(&to_url(text.trim())) else {
        return false;
    };
    match url.host() {
        Some(url::Host::Domain(name)) => {
            let name = name.to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host_ok(host: &'static str) -> bool {
        header_names_loopback(&HeaderValue::from_static(host), |h| format!("http://{h}"))
    }

    fn origin_ok(origin: &'static str) -> bool {
        header_names_loopback(&HeaderValue::from_static(origin), str::to_owned)
    }

    #[test]
    fn loopback_hosts_pass_others_fail() {
        assert!(host_ok("127.0.0.1:6767"));
        assert!(host_ok("localhost:6767"));
        assert!(host_ok("[::1]:6767"));
        assert!(host_ok("LOCALHOST"));
        assert!(host_ok("app.localhost:3000"));
        assert!(!host_ok("evil.example:6767"));
        assert!(!host_ok("192.168.1.2:6767"));
        assert!(!host_ok("localhost.evil.example"));
    }

    #[test]
    fn loopback_origins_pass_others_fail() {
        assert!(origin_ok("http://localhost:3000"));
        assert!(origin_ok("http://127.0.0.1:3000"));
        assert!(!origin_ok("https://evil.example"));
        assert!(!origin_ok("null"));
    }
}
