//! The `status` message: Paseo's channel for the handshake answer
//! (`server_info`) and for agent lifecycle results.

use serde::{Deserialize, Serialize};

use crate::agent::AgentSnapshot;

/// What the daemon says about itself right after a valid hello. Receiving it
/// is what makes a connection "online".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerInfo {
    /// Daemon-owned id, `srv_` + 12 url-safe characters, stable across restarts.
    pub server_id: String,
    #[serde(default)]
    pub hostname: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<ServerFeatures>,
}

/// Feature flags advertised in `server_info`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServerFeatures {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub providers_snapshot: Option<bool>,
}

/// Payload of a `status` message, discriminated on its `status` key. The
/// lifecycle results (`agent_created`, `agent_resumed`, …) answer the agent
/// commands of [`crate::commands`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum StatusPayload {
    ServerInfo(ServerInfo),
    #[serde(rename_all = "camelCase")]
    AgentCreated {
        agent_id: String,
        request_id: String,
        agent: Box<AgentSnapshot>,
    },
    #[serde(rename_all = "camelCase")]
    AgentCreateFailed {
        request_id: String,
        error: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error_code: Option<String>,
    },
    #[serde(rename_all = "camelCase")]
    AgentResumed {
        agent_id: String,
        request_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeline_size: Option<u64>,
        agent: Box<AgentSnapshot>,
    },
    /// `refresh_agent_request` succeeded.
    #[serde(rename_all = "camelCase")]
    AgentRefreshed {
        agent_id: String,
        request_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeline_size: Option<u64>,
    },
    /// Answer to `restart_server_request`.
    #[serde(rename_all = "camelCase")]
    RestartRequested {
        client_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
        request_id: String,
    },
    /// Answer to `shutdown_server_request`.
    #[serde(rename_all = "camelCase")]
    ShutdownRequested {
        client_id: String,
        request_id: String,
    },
    /// Broadcast when the daemon's mutable config changes; kept as JSON.
    DaemonConfigChanged {
        config: serde_json::Value,
    },
    /// An inbound frame could not be parsed and carried no `requestId`.
    Error {
        message: String,
    },
    /// A status newer than this crate.
    #[serde(other)]
    Unknown,
}
