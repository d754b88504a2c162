//! Permission prompts: what an agent asks before using a tool, the buttons it
//! offers, and the user's answer. The same request travels three ways (a
//! stream event, a dedicated push, the snapshot's `pendingPermissions`), so
//! its shape is declared once here.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::timeline::ToolCallDetail;

/// What kind of decision a permission request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionKind {
    Tool,
    Plan,
    Question,
    Mode,
    /// The wire value `other`.
    Other,
    /// A kind newer than this crate.
    #[serde(other)]
    Unknown,
}

/// Whether an answer (or a button) lets the agent proceed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionBehavior {
    Allow,
    Deny,
}

/// A custom button of a permission request. `variant` (primary, secondary,
/// danger) and `intent` (implement, implement_resume, dismiss) are
/// presentation hints kept as open strings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionAction {
    pub id: String,
    pub label: String,
    pub behavior: PermissionBehavior,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent: Option<String>,
}

/// An agent asking for permission. Its `id` is what the answer names as
/// `requestId`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PermissionRequest {
    pub id: String,
    pub provider: String,
    /// Tool name.
    pub name: String,
    pub kind: PermissionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Raw tool input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input: Option<Value>,
    /// Normalised preview of the tool call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<ToolCallDetail>,
    /// Provider-specific permission updates, opaque to us.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suggestions: Option<Vec<Value>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<PermissionAction>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}

/// The user's answer, discriminated on `behavior`. `selected_action_id`
/// names the chosen [`PermissionAction`], whose behavior must match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "behavior",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum PermissionResponse {
    Allow {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        selected_action_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        updated_input: Option<Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        updated_permissions: Option<Vec<Value>>,
    },
    Deny {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        selected_action_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        interrupt: Option<bool>,
    },
}

impl PermissionResponse {
    /// Whether this answer lets the agent proceed.
    pub fn behavior(&self) -> PermissionBehavior {
        match self {
            PermissionResponse::Allow { .. } => PermissionBehavior::Allow,
            PermissionResponse::Deny { .. } => PermissionBehavior::Deny,
        }
    }
}

/// `agent_permission_response` (client → daemon). `request_id` is the
/// permission request's `id`, not an RPC correlation id; success gets no
/// reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPermissionResponse {
    pub agent_id: String,
    pub request_id: String,
    pub response: PermissionResponse,
}

/// `agent_permission_request` push, sent right after the matching
/// `permission_requested` stream event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPermissionRequest {
    pub agent_id: String,
    pub request: PermissionRequest,
}

/// `agent_permission_resolved` push, sent after the `permission_resolved`
/// stream event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentPermissionResolved {
    pub agent_id: String,
    pub request_id: String,
    pub resolution: PermissionResponse,
}
