//! Messages inside the `{"type":"session","message":…}` wrapper.
//!
//! Requests (client → daemon) are internally tagged: `{type, requestId, …}`.
//! Replies and pushes (daemon → client) are adjacently tagged:
//! `{type, payload}`. Both enums end in an `Unknown` catch-all.

use serde::{Deserialize, Serialize};

use crate::agent::{AgentUpdate, FetchAgentsRequest, FetchAgentsResponse};
use crate::rpc::RpcError;
use crate::status::StatusPayload;

/// Session-level ping; the reply echoes `client_sent_at` so a client can
/// measure round trips (the hub's heartbeat uses it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionPing {
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_sent_at: Option<i64>,
}

/// Reply to [`SessionPing`]; times are epoch milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionPong {
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_sent_at: Option<i64>,
    pub server_received_at: i64,
    pub server_sent_at: i64,
}

/// A request or notification from a client, inside the session wrapper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SessionRequest {
    Ping(SessionPing),
    FetchAgentsRequest(FetchAgentsRequest),
    /// A type this version does not implement; the daemon answers with
    /// `rpc_error` code `unknown_schema`.
    #[serde(other)]
    Unknown,
}

impl SessionRequest {
    /// The wire `type` of this request, used as `requestType` in errors.
    pub fn type_name(&self) -> &'static str {
        match self {
            SessionRequest::Ping(_) => "ping",
            SessionRequest::FetchAgentsRequest(_) => "fetch_agents_request",
            SessionRequest::Unknown => "unknown",
        }
    }
}

/// A reply or push from a daemon, inside the session wrapper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
pub enum SessionMessage {
    Status(StatusPayload),
    Pong(SessionPong),
    RpcError(RpcError),
    FetchAgentsResponse(FetchAgentsResponse),
    AgentUpdate(AgentUpdate),
    /// A message type this version does not know; consumers skip it.
    #[serde(other)]
    Unknown,
}
