//! Requests that create or change agents (create, resume, import, send,
//! cancel, delete, archive, set mode/model, wait, clear attention) and their
//! direct answers. Results of create/resume/import travel as `status`
//! messages (see [`crate::status`]); the rest have their own replies here.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::agent::{AgentSnapshot, PersistenceHandle};
use crate::attachments::{Attachment, ImageAttachment, lenient_attachments};

/// An MCP server handed to the agent, discriminated on `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum McpServerConfig {
    Stdio {
        command: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        args: Option<Vec<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        env: Option<BTreeMap<String, String>>,
    },
    Http {
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        headers: Option<BTreeMap<String, String>>,
    },
    Sse {
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        headers: Option<BTreeMap<String, String>>,
    },
}

/// How a new agent is configured (`create_agent_request.config`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSessionConfig {
    /// Open provider id (`claude`, `codex`, `opencode`, `mock`, …).
    pub provider: String,
    pub cwd: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_option_id: Option<String>,
    /// Feature id → value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_values: Option<Value>,
    /// Explicit title, trimmed, 1..200 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_access: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_search: Option<bool>,
    /// Provider-specific extras: `{ codex?: {…}, claude?: {…} }`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp_servers: Option<BTreeMap<String, McpServerConfig>>,
}

/// [`AgentSessionConfig`] with every field optional: the overrides of a
/// resume.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentSessionConfigOverrides {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_option_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub feature_values: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox_mode: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_access: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_search: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp_servers: Option<BTreeMap<String, McpServerConfig>>,
}

/// Branch/worktree preparation asked for with a new agent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GitSetupOptions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_branch: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_new_branch: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_branch_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_worktree: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worktree_slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_name: Option<String>,
    /// `branch-off` or `checkout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_pr_number: Option<u64>,
}

/// `create_agent_request`, answered by `status` `agent_created` or
/// `agent_create_failed`, only after the initial prompt was dispatched.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateAgentRequest {
    pub request_id: String,
    pub config: AgentSessionConfig,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    /// Legacy alias for worktree creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worktree_name: Option<String>,
    /// Sent as the first message when non-empty after trimming.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_prompt: Option<String>,
    /// `messageId` of the initial user message; generated when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_message_id: Option<String>,
    /// JSON schema for structured output of the first run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<ImageAttachment>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_attachments"
    )]
    pub attachments: Option<Vec<Attachment>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git: Option<GitSetupOptions>,
    /// Defaults to `{}`; always sent.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// `resume_agent_request`: reopen a stored provider session. Success is
/// `status` `agent_resumed`; failure is only an `activity_log` error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResumeAgentRequest {
    pub request_id: String,
    /// Required but nullable; a null handle only earns an activity_log error.
    #[serde(default)]
    pub handle: Option<PersistenceHandle>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<AgentSessionConfigOverrides>,
}

/// `import_agent_request`: adopt a provider-native session as an agent.
/// Answered by `status` `agent_resumed` or `agent_create_failed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportAgentRequest {
    pub request_id: String,
    pub provider: String,
    pub session_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
}

/// `send_agent_message_request`: a user turn for an agent (id, prefix or
/// title).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendAgentMessageRequest {
    pub request_id: String,
    pub agent_id: String,
    pub text: String,
    /// Client-chosen id, echoed in the `user_message` item (deduplication).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub images: Option<Vec<ImageAttachment>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_attachments"
    )]
    pub attachments: Option<Vec<Attachment>>,
}

/// The `{requestId, agentId, accepted, error}` reply shared by
/// `send_agent_message_response`, `set_agent_mode_response`,
/// `set_agent_model_response`, `set_agent_thinking_response` and
/// `update_agent_response`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentAcceptance {
    pub request_id: String,
    /// The resolved agent id.
    pub agent_id: String,
    pub accepted: bool,
    #[serde(default)]
    pub error: Option<String>,
}

/// Payload of `send_agent_message_response`; `accepted` only once the run
/// has actually started (the daemon waits up to 15 s).
pub type SendAgentMessageResponse = AgentAcceptance;
/// Payload of `set_agent_mode_response`.
pub type SetAgentModeResponse = AgentAcceptance;
/// Payload of `set_agent_model_response`.
pub type SetAgentModelResponse = AgentAcceptance;
/// Payload of `set_agent_thinking_response`.
pub type SetAgentThinkingResponse = AgentAcceptance;

/// `cancel_agent_request`: interrupt the running turn. Without a
/// `request_id` there is no reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelAgentRequest {
    pub agent_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// Answer to [`CancelAgentRequest`]: the snapshot after the interrupt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelAgentResponse {
    pub request_id: String,
    pub agent_id: String,
    #[serde(default)]
    pub agent: Option<Box<AgentSnapshot>>,
}

/// `delete_agent_request` (exact id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteAgentRequest {
    pub agent_id: String,
    pub request_id: String,
}

/// `agent_deleted`: sent even when the agent did not exist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentDeleted {
    pub agent_id: String,
    pub request_id: String,
}

/// `archive_agent_request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveAgentRequest {
    pub agent_id: String,
    pub request_id: String,
}

/// `agent_archived`, the answer to [`ArchiveAgentRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentArchived {
    pub agent_id: String,
    /// ISO timestamp; the existing one if already archived.
    pub archived_at: String,
    pub request_id: String,
}

/// `set_agent_mode_request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetAgentModeRequest {
    pub agent_id: String,
    pub mode_id: String,
    pub request_id: String,
}

/// `set_agent_model_request`; a null model means the provider default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetAgentModelRequest {
    pub agent_id: String,
    #[serde(default)]
    pub model_id: Option<String>,
    pub request_id: String,
}

/// `set_agent_thinking_request`; a null option means the provider default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetAgentThinkingRequest {
    pub agent_id: String,
    #[serde(default)]
    pub thinking_option_id: Option<String>,
    pub request_id: String,
}

/// `update_agent_request`: rename an agent and/or merge labels into its
/// labels (keys not named keep their values). A blank `name` and an empty
/// `labels` mean "leave as is"; with neither, the answer is
/// `accepted: false`. Answered by `update_agent_response`
/// ([`UpdateAgentResponse`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateAgentRequest {
    pub agent_id: String,
    /// The new title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    pub request_id: String,
}

/// Payload of `update_agent_response`.
pub type UpdateAgentResponse = AgentAcceptance;

/// `refresh_agent_request`: reload the agent's provider session. Success is
/// `status` `agent_refreshed` ([`crate::StatusPayload::AgentRefreshed`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshAgentRequest {
    pub agent_id: String,
    pub request_id: String,
}

/// `wait_for_finish_request`: block until the agent settles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaitForFinishRequest {
    pub request_id: String,
    pub agent_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

/// How a wait ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WaitForFinishStatus {
    Idle,
    Error,
    /// Stopped on a permission request.
    Permission,
    Timeout,
    #[serde(other)]
    Unknown,
}

/// Answer to [`WaitForFinishRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaitForFinishResponse {
    pub request_id: String,
    pub status: WaitForFinishStatus,
    /// The wire key `final`.
    #[serde(rename = "final", default)]
    pub final_agent: Option<Box<AgentSnapshot>>,
    #[serde(default)]
    pub error: Option<String>,
    /// The last assistant text.
    #[serde(default)]
    pub last_message: Option<String>,
}

/// One agent id or several (`clear_agent_attention.agentId`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AgentIds {
    One(String),
    Many(Vec<String>),
}

impl AgentIds {
    /// The ids as a list, whichever form was sent.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            AgentIds::One(id) => vec![id.clone()],
            AgentIds::Many(ids) => ids.clone(),
        }
    }
}

/// `clear_agent_attention`; replied to only when `request_id` is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClearAgentAttention {
    pub agent_id: AgentIds,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// `clear_agent_attention_response`: the snapshots after clearing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClearAgentAttentionResponse {
    pub request_id: String,
    pub agent_id: AgentIds,
    pub agents: Vec<AgentSnapshot>,
}
