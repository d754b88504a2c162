//! The agent snapshot and the agent-list messages (`fetch_agents_*`,
//! `agent_update`). Field order follows the real daemon's output so our
//! frames read the same as Paseo's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use serde_json::Value;

/// Lifecycle of an agent as the daemon reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    Initializing,
    Idle,
    Running,
    Error,
    Closed,
    /// A status newer than this crate; shown as-is, never fails a decode.
    #[serde(other)]
    Unknown,
}

/// Why an agent wants the user's attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttentionReason {
    Finished,
    Error,
    Permission,
    #[serde(other)]
    Unknown,
}

/// What the provider behind an agent can do. All six flags are required on
/// the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentCapabilityFlags {
    pub supports_streaming: bool,
    pub supports_session_persistence: bool,
    pub supports_dynamic_modes: bool,
    pub supports_mcp_servers: bool,
    pub supports_reasoning_stream: bool,
    pub supports_tool_invocations: bool,
}

impl Default for AgentCapabilityFlags {
    /// The flags Paseo reports for a stored agent whose provider is not loaded.
    fn default() -> Self {
        Self {
            supports_streaming: false,
            supports_session_persistence: true,
            supports_dynamic_modes: false,
            supports_mcp_servers: false,
            supports_reasoning_stream: false,
            supports_tool_invocations: true,
        }
    }
}

/// A mode an agent can run in (e.g. "Always Ask", "Plan").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentMode {
    pub id: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_tier: Option<String>,
}

/// What the provider session is actually running with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentRuntimeInfo {
    pub provider: String,
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_option_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<Value>,
}

/// How to find the provider's own session again (resume / import).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersistenceHandle {
    pub provider: String,
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_handle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// One agent as every client sees it. Nested objects we do not interpret
/// (features, usage, pending permission details) stay JSON values so they
/// survive a round trip untouched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSnapshot {
    pub id: String,
    pub provider: String,
    pub cwd: String,
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub thinking_option_id: Option<String>,
    #[serde(default)]
    pub effective_thinking_option_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runtime_info: Option<AgentRuntimeInfo>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub last_user_message_at: Option<String>,
    pub status: AgentStatus,
    #[serde(default)]
    pub capabilities: AgentCapabilityFlags,
    #[serde(default)]
    pub current_mode_id: Option<String>,
    #[serde(default)]
    pub available_modes: Vec<AgentMode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<Value>>,
    #[serde(default)]
    pub pending_permissions: Vec<Value>,
    #[serde(default)]
    pub persistence: Option<PersistenceHandle>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_usage: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default)]
    pub requires_attention: bool,
    #[serde(default)]
    pub attention_reason: Option<AttentionReason>,
    #[serde(default)]
    pub attention_timestamp: Option<String>,
    #[serde(default)]
    pub archived_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_unavailable: Option<bool>,
}

/// Subscription part of a `fetch_agents_request`: asks for `agent_update`
/// pushes after the response.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentsSubscription {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
}

/// Paging of list requests: at most 200 per page, opaque cursor.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
}

/// `fetch_agents_request`: list agents, optionally subscribing to changes.
/// Filter and sort are kept as JSON until the daemon interprets them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchAgentsRequest {
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<PageRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribe: Option<AgentsSubscription>,
}

/// One row of a `fetch_agents_response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentEntry {
    pub agent: AgentSnapshot,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<Value>,
}

/// Cursors of a list page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    pub next_cursor: Option<String>,
    pub prev_cursor: Option<String>,
    pub has_more: bool,
}

/// Answer to [`FetchAgentsRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchAgentsResponse {
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    pub entries: Vec<AgentEntry>,
    pub page_info: PageInfo,
}

/// Push to subscribed sessions when an agent appears, changes or goes away.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AgentUpdate {
    Upsert {
        agent: Box<AgentSnapshot>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        project: Option<Value>,
    },
    #[serde(rename_all = "camelCase")]
    Remove { agent_id: String },
}
