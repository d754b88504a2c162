//! The agent snapshot, its sub-objects, and the messages that read agents
//! (`fetch_agents_*`, `fetch_agent_*`, `agent_update`). Every client renders
//! agents from this one shape, so it lives apart from the commands that
//! change agents. Field order follows the real daemon's output so our frames
//! read the same as Paseo's.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use serde_json::Value;

use crate::permission::PermissionRequest;
use crate::project::ProjectPlacement;

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
    /// Nullable on the wire (`str?|null`), so always sent, `null` when unknown:
    /// the real daemon sends `"model": null` before the session exists.
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub thinking_option_id: Option<String>,
    #[serde(default)]
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

/// One agent as every client sees it. `lastUsage` stays a JSON value (see
/// [`AgentSnapshot::usage`] for a typed view) so it survives a round trip
/// untouched.
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
    /// Sent for live agents (often `[]`), absent for stored ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub features: Option<Vec<AgentFeature>>,
    #[serde(default)]
    pub pending_permissions: Vec<PermissionRequest>,
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

impl AgentSnapshot {
    /// `lastUsage` decoded as [`AgentUsage`]; `None` when absent or malformed.
    pub fn usage(&self) -> Option<AgentUsage> {
        self.last_usage
            .as_ref()
            .and_then(|usage| serde_json::from_value(usage.clone()).ok())
    }
}

/// Token and cost counters of a turn (`turn_completed.usage`) or of an agent
/// (`lastUsage`). Every counter is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentUsage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cached_input_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_cost_usd: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window_max_tokens: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_window_used_tokens: Option<u64>,
}

/// One choice of a select feature, and also a model's thinking option.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectOption {
    pub id: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// A provider-specific switch shown next to an agent (e.g. Codex "Plan").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToggleFeature {
    pub id: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    pub value: bool,
}

/// A provider-specific choice among [`SelectOption`]s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SelectFeature {
    pub id: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tooltip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Selected option id; `null` when nothing is selected.
    #[serde(default)]
    pub value: Option<String>,
    pub options: Vec<SelectOption>,
}

/// A feature an agent exposes, discriminated on `type`. Decoded by hand
/// (`crate::tagged`): it sits in every agent snapshot the browser decodes.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentFeature {
    Toggle(ToggleFeature),
    Select(SelectFeature),
    /// A feature type this version does not know (or a malformed one), kept
    /// verbatim so relaying it loses nothing.
    #[serde(untagged)]
    Unknown(Value),
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
/// Scope, filter and sort are kept as JSON (so a request never fails on
/// them); [`FetchAgentsRequest::parsed_filter`] and friends give typed views.
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

/// `fetch_agent_history_request`: the agent list of Paseo's Sessions
/// screen. Paseo answers it like a `fetch_agents_request` without a
/// subscription; filter and sort are kept as JSON, as there.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchAgentHistoryRequest {
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<PageRequest>,
}

impl FetchAgentHistoryRequest {
    /// The same listing as a `fetch_agents_request` (no scope, no
    /// subscription), with `includeArchived` defaulting to true, as Paseo
    /// lists history.
    pub fn as_fetch_agents(&self) -> FetchAgentsRequest {
        let filter = match &self.filter {
            None | Some(Value::Null) => Some(serde_json::json!({"includeArchived": true})),
            Some(Value::Object(fields)) if !fields.contains_key("includeArchived") => {
                let mut fields = fields.clone();
                fields.insert("includeArchived".to_owned(), Value::Bool(true));
                Some(Value::Object(fields))
            }
            Some(other) => Some(other.clone()),
        };
        FetchAgentsRequest {
            request_id: self.request_id.clone(),
            scope: None,
            filter,
            sort: self.sort.clone(),
            page: self.page.clone(),
            subscribe: None,
        }
    }
}

/// Answer to [`FetchAgentHistoryRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchAgentHistoryResponse {
    pub request_id: String,
    pub entries: Vec<AgentEntry>,
    pub page_info: PageInfo,
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

impl FetchAgentsRequest {
    /// Whether `scope` is `"active"` (non-archived agents of live projects).
    pub fn active_scope(&self) -> bool {
        self.scope.as_ref().and_then(Value::as_str) == Some("active")
    }

    /// `filter` as a [`FetchAgentsFilter`] (the default when absent).
    pub fn parsed_filter(&self) -> Result<FetchAgentsFilter, serde_json::Error> {
        match &self.filter {
            None | Some(Value::Null) => Ok(FetchAgentsFilter::default()),
            Some(filter) => serde_json::from_value(filter.clone()),
        }
    }

    /// `sort` as a list of [`AgentSort`] keys; empty when absent, which
    /// means the default `updated_at desc`.
    pub fn parsed_sort(&self) -> Result<Vec<AgentSort>, serde_json::Error> {
        match &self.sort {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(sort) => serde_json::from_value(sort.clone()),
        }
    }
}

/// Typed view of `fetch_agents_request.filter`; every condition is optional
/// and all given ones must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchAgentsFilter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_keys: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statuses: Option<Vec<AgentStatus>>,
    /// Archived agents are excluded unless this is `true`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_archived: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires_attention: Option<bool>,
    /// Outer `None`: no condition. `Some(None)`: agents without an effective
    /// thinking option (the wire `null`).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::double_option"
    )]
    pub thinking_option_id: Option<Option<String>>,
}

/// What a `fetch_agents_request` can sort on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentSortKey {
    /// Pending permission, then error, running, initializing, the rest.
    StatusPriority,
    CreatedAt,
    UpdatedAt,
    Title,
}

/// Sort direction of list requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortDirection {
    Asc,
    Desc,
}

/// One key of `fetch_agents_request.sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSort {
    pub key: AgentSortKey,
    pub direction: SortDirection,
}

impl AgentEntry {
    /// `project` decoded as a [`ProjectPlacement`]; `None` when absent or
    /// not of that shape.
    pub fn placement(&self) -> Option<ProjectPlacement> {
        self.project
            .as_ref()
            .and_then(|project| serde_json::from_value(project.clone()).ok())
    }
}

/// `fetch_agent_request`: one agent by id, unique id prefix or exact title.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchAgentRequest {
    pub request_id: String,
    pub agent_id: String,
}

/// Answer to [`FetchAgentRequest`]; on failure `agent` and `project` are
/// `null` and `error` says why (`"Agent not found: …"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchAgentResponse {
    pub request_id: String,
    #[serde(default)]
    pub agent: Option<Box<AgentSnapshot>>,
    #[serde(default)]
    pub project: Option<ProjectPlacement>,
    #[serde(default)]
    pub error: Option<String>,
}
