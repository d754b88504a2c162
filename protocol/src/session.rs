//! Messages inside the `{"type":"session","message":…}` wrapper.
//!
//! Requests (client → daemon) are internally tagged: `{type, requestId, …}`.
//! Replies and pushes (daemon → client) are adjacently tagged:
//! `{type, payload}`. Both enums end in an `Unknown` catch-all. The payload
//! types live in the module named for what they carry; this module only
//! assembles them and holds the session-level liveness messages.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::activity::ActivityLogEntry;
use crate::agent::{
    AgentUpdate, FetchAgentHistoryRequest, FetchAgentHistoryResponse, FetchAgentRequest,
    FetchAgentResponse, FetchAgentsRequest, FetchAgentsResponse,
};
use crate::automation::{ChatListResponse, ListRequest, LoopListResponse, ScheduleListResponse};
use crate::checkout::{
    CheckoutDiffUpdate, CheckoutPrStatusRequest, CheckoutPrStatusResponse, CheckoutStatusRequest,
    CheckoutStatusResponse, CheckoutStatusUpdate, PaseoWorktreeListRequest,
    PaseoWorktreeListResponse, SubscribeCheckoutDiffRequest, SubscribeCheckoutDiffResponse,
    UnsubscribeCheckoutDiffRequest,
};
use crate::commands::{
    AgentArchived, AgentDeleted, ArchiveAgentRequest, CancelAgentRequest, CancelAgentResponse,
    ClearAgentAttention, ClearAgentAttentionResponse, CreateAgentRequest, DeleteAgentRequest,
    ImportAgentRequest, RefreshAgentRequest, ResumeAgentRequest, SendAgentMessageRequest,
    SendAgentMessageResponse, SetAgentModeRequest, SetAgentModeResponse, SetAgentModelRequest,
    SetAgentModelResponse, SetAgentThinkingRequest, SetAgentThinkingResponse, UpdateAgentRequest,
    UpdateAgentResponse, WaitForFinishRequest, WaitForFinishResponse,
};
use crate::files::{FileExplorerRequest, FileExplorerResponse};
use crate::permission::{AgentPermissionRequest, AgentPermissionResolved, AgentPermissionResponse};
use crate::provider::{
    GetProvidersSnapshotRequest, GetProvidersSnapshotResponse, ListAvailableProvidersRequest,
    ListAvailableProvidersResponse, ListProviderModelsRequest, ListProviderModelsResponse,
    ListProviderModesRequest, ListProviderModesResponse, ProvidersSnapshotUpdate,
    RefreshProvidersSnapshotRequest, RefreshProvidersSnapshotResponse,
};
use crate::rpc::RpcError;
use crate::status::StatusPayload;
use crate::stream::AgentStreamPayload;
use crate::terminal::{
    ListTerminalsRequest, ListTerminalsResponse, SubscribeTerminalsRequest, TerminalsChanged,
    UnsubscribeTerminalsRequest,
};
use crate::timeline::{FetchAgentTimelineRequest, FetchAgentTimelineResponse};
use crate::workspace::{
    FetchWorkspacesRequest, FetchWorkspacesResponse, ListAvailableEditorsRequest,
    ListAvailableEditorsResponse, ProjectIconRequest, ProjectIconResponse,
    ReadProjectConfigRequest, ReadProjectConfigResponse, WorkspaceSetupStatusRequest,
    WorkspaceSetupStatusResponse, WorkspaceUpdate,
};

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

/// Kind of device behind a `client_heartbeat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceType {
    Web,
    /// Mobile sessions only receive stream events of their focused agent.
    Mobile,
}

/// `client_heartbeat`: what the user is looking at, used to pick who gets
/// notified. No reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientHeartbeat {
    pub device_type: DeviceType,
    #[serde(default)]
    pub focused_agent_id: Option<String>,
    pub last_activity_at: String,
    pub app_visible: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_visibility_changed_at: Option<String>,
}

/// A request or notification from a client, inside the session wrapper.
#[allow(
    clippy::large_enum_variant,
    reason = "requests are short-lived; boxing would only complicate matching and construction"
)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SessionRequest {
    Ping(SessionPing),
    FetchAgentsRequest(FetchAgentsRequest),
    FetchAgentRequest(FetchAgentRequest),
    CreateAgentRequest(CreateAgentRequest),
    ResumeAgentRequest(ResumeAgentRequest),
    ImportAgentRequest(ImportAgentRequest),
    SendAgentMessageRequest(SendAgentMessageRequest),
    CancelAgentRequest(CancelAgentRequest),
    DeleteAgentRequest(DeleteAgentRequest),
    ArchiveAgentRequest(ArchiveAgentRequest),
    SetAgentModeRequest(SetAgentModeRequest),
    SetAgentModelRequest(SetAgentModelRequest),
    SetAgentThinkingRequest(SetAgentThinkingRequest),
    WaitForFinishRequest(WaitForFinishRequest),
    ClearAgentAttention(ClearAgentAttention),
    FetchAgentTimelineRequest(FetchAgentTimelineRequest),
    AgentPermissionResponse(AgentPermissionResponse),
    ListAvailableProvidersRequest(ListAvailableProvidersRequest),
    GetProvidersSnapshotRequest(GetProvidersSnapshotRequest),
    RefreshProvidersSnapshotRequest(RefreshProvidersSnapshotRequest),
    ListProviderModelsRequest(ListProviderModelsRequest),
    ListProviderModesRequest(ListProviderModesRequest),
    FileExplorerRequest(FileExplorerRequest),
    CheckoutStatusRequest(CheckoutStatusRequest),
    SubscribeCheckoutDiffRequest(SubscribeCheckoutDiffRequest),
    UnsubscribeCheckoutDiffRequest(UnsubscribeCheckoutDiffRequest),
    ClientHeartbeat(ClientHeartbeat),
    UpdateAgentRequest(UpdateAgentRequest),
    RefreshAgentRequest(RefreshAgentRequest),
    PaseoWorktreeListRequest(PaseoWorktreeListRequest),
    ListTerminalsRequest(ListTerminalsRequest),
    #[serde(rename = "chat/list")]
    ChatList(ListRequest),
    #[serde(rename = "schedule/list")]
    ScheduleList(ListRequest),
    #[serde(rename = "loop/list")]
    LoopList(ListRequest),
    FetchWorkspacesRequest(FetchWorkspacesRequest),
    FetchAgentHistoryRequest(FetchAgentHistoryRequest),
    WorkspaceSetupStatusRequest(WorkspaceSetupStatusRequest),
    ListAvailableEditorsRequest(ListAvailableEditorsRequest),
    ReadProjectConfigRequest(ReadProjectConfigRequest),
    SubscribeTerminalsRequest(SubscribeTerminalsRequest),
    UnsubscribeTerminalsRequest(UnsubscribeTerminalsRequest),
    CheckoutPrStatusRequest(CheckoutPrStatusRequest),
    ProjectIconRequest(ProjectIconRequest),
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
            SessionRequest::FetchAgentRequest(_) => "fetch_agent_request",
            SessionRequest::CreateAgentRequest(_) => "create_agent_request",
            SessionRequest::ResumeAgentRequest(_) => "resume_agent_request",
            SessionRequest::ImportAgentRequest(_) => "import_agent_request",
            SessionRequest::SendAgentMessageRequest(_) => "send_agent_message_request",
            SessionRequest::CancelAgentRequest(_) => "cancel_agent_request",
            SessionRequest::DeleteAgentRequest(_) => "delete_agent_request",
            SessionRequest::ArchiveAgentRequest(_) => "archive_agent_request",
            SessionRequest::SetAgentModeRequest(_) => "set_agent_mode_request",
            SessionRequest::SetAgentModelRequest(_) => "set_agent_model_request",
            SessionRequest::SetAgentThinkingRequest(_) => "set_agent_thinking_request",
            SessionRequest::WaitForFinishRequest(_) => "wait_for_finish_request",
            SessionRequest::ClearAgentAttention(_) => "clear_agent_attention",
            SessionRequest::FetchAgentTimelineRequest(_) => "fetch_agent_timeline_request",
            SessionRequest::AgentPermissionResponse(_) => "agent_permission_response",
            SessionRequest::ListAvailableProvidersRequest(_) => "list_available_providers_request",
            SessionRequest::GetProvidersSnapshotRequest(_) => "get_providers_snapshot_request",
            SessionRequest::RefreshProvidersSnapshotRequest(_) => {
                "refresh_providers_snapshot_request"
            }
            SessionRequest::ListProviderModelsRequest(_) => "list_provider_models_request",
            SessionRequest::ListProviderModesRequest(_) => "list_provider_modes_request",
            SessionRequest::FileExplorerRequest(_) => "file_explorer_request",
            SessionRequest::CheckoutStatusRequest(_) => "checkout_status_request",
            SessionRequest::SubscribeCheckoutDiffRequest(_) => "subscribe_checkout_diff_request",
            SessionRequest::UnsubscribeCheckoutDiffRequest(_) => {
                "unsubscribe_checkout_diff_request"
            }
            SessionRequest::ClientHeartbeat(_) => "client_heartbeat",
            SessionRequest::UpdateAgentRequest(_) => "update_agent_request",
            SessionRequest::RefreshAgentRequest(_) => "refresh_agent_request",
            SessionRequest::PaseoWorktreeListRequest(_) => "paseo_worktree_list_request",
            SessionRequest::ListTerminalsRequest(_) => "list_terminals_request",
            SessionRequest::ChatList(_) => "chat/list",
            SessionRequest::ScheduleList(_) => "schedule/list",
            SessionRequest::LoopList(_) => "loop/list",
            SessionRequest::FetchWorkspacesRequest(_) => "fetch_workspaces_request",
            SessionRequest::FetchAgentHistoryRequest(_) => "fetch_agent_history_request",
            SessionRequest::WorkspaceSetupStatusRequest(_) => "workspace_setup_status_request",
            SessionRequest::ListAvailableEditorsRequest(_) => "list_available_editors_request",
            SessionRequest::ReadProjectConfigRequest(_) => "read_project_config_request",
            SessionRequest::SubscribeTerminalsRequest(_) => "subscribe_terminals_request",
            SessionRequest::UnsubscribeTerminalsRequest(_) => "unsubscribe_terminals_request",
            SessionRequest::CheckoutPrStatusRequest(_) => "checkout_pr_status_request",
            SessionRequest::ProjectIconRequest(_) => "project_icon_request",
            SessionRequest::Unknown => "unknown",
        }
    }

    /// The `requestId` a reply (or `rpc_error`) must echo; `None` for
    /// notifications without one. For `agent_permission_response` this is
    /// the permission request id, which is also what its `rpc_error` names.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            SessionRequest::Ping(r) => Some(&r.request_id),
            SessionRequest::FetchAgentsRequest(r) => Some(&r.request_id),
            SessionRequest::FetchAgentRequest(r) => Some(&r.request_id),
            SessionRequest::CreateAgentRequest(r) => Some(&r.request_id),
            SessionRequest::ResumeAgentRequest(r) => Some(&r.request_id),
            SessionRequest::ImportAgentRequest(r) => Some(&r.request_id),
            SessionRequest::SendAgentMessageRequest(r) => Some(&r.request_id),
            SessionRequest::CancelAgentRequest(r) => r.request_id.as_deref(),
            SessionRequest::DeleteAgentRequest(r) => Some(&r.request_id),
            SessionRequest::ArchiveAgentRequest(r) => Some(&r.request_id),
            SessionRequest::SetAgentModeRequest(r) => Some(&r.request_id),
            SessionRequest::SetAgentModelRequest(r) => Some(&r.request_id),
            SessionRequest::SetAgentThinkingRequest(r) => Some(&r.request_id),
            SessionRequest::WaitForFinishRequest(r) => Some(&r.request_id),
            SessionRequest::ClearAgentAttention(r) => r.request_id.as_deref(),
            SessionRequest::FetchAgentTimelineRequest(r) => Some(&r.request_id),
            SessionRequest::AgentPermissionResponse(r) => Some(&r.request_id),
            SessionRequest::ListAvailableProvidersRequest(r) => Some(&r.request_id),
            SessionRequest::GetProvidersSnapshotRequest(r) => Some(&r.request_id),
            SessionRequest::RefreshProvidersSnapshotRequest(r) => Some(&r.request_id),
            SessionRequest::ListProviderModelsRequest(r) => Some(&r.request_id),
            SessionRequest::ListProviderModesRequest(r) => Some(&r.request_id),
            SessionRequest::FileExplorerRequest(r) => Some(&r.request_id),
            SessionRequest::CheckoutStatusRequest(r) => Some(&r.request_id),
            SessionRequest::SubscribeCheckoutDiffRequest(r) => Some(&r.request_id),
            SessionRequest::UpdateAgentRequest(r) => Some(&r.request_id),
            SessionRequest::RefreshAgentRequest(r) => Some(&r.request_id),
            SessionRequest::PaseoWorktreeListRequest(r) => Some(&r.request_id),
            SessionRequest::ListTerminalsRequest(r) => Some(&r.request_id),
            SessionRequest::ChatList(r)
            | SessionRequest::ScheduleList(r)
            | SessionRequest::LoopList(r) => Some(&r.request_id),
            SessionRequest::FetchWorkspacesRequest(r) => Some(&r.request_id),
            SessionRequest::FetchAgentHistoryRequest(r) => Some(&r.request_id),
            SessionRequest::WorkspaceSetupStatusRequest(r) => Some(&r.request_id),
            SessionRequest::ListAvailableEditorsRequest(r) => Some(&r.request_id),
            SessionRequest::ReadProjectConfigRequest(r) => Some(&r.request_id),
            SessionRequest::CheckoutPrStatusRequest(r) => Some(&r.request_id),
            SessionRequest::ProjectIconRequest(r) => Some(&r.request_id),
            SessionRequest::SubscribeTerminalsRequest(_)
            | SessionRequest::UnsubscribeTerminalsRequest(_) => None,
            SessionRequest::UnsubscribeCheckoutDiffRequest(_)
            | SessionRequest::ClientHeartbeat(_)
            | SessionRequest::Unknown => None,
        }
    }
}

/// A reply or push from a daemon, inside the session wrapper.
///
/// Decoding goes through [`Value`] so that an unknown `type` with a
/// `payload` still lands in [`SessionMessage::Unknown`] (serde's own
/// catch-all only accepts a missing payload for adjacently tagged enums).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self")]
#[serde(tag = "type", content = "payload", rename_all = "snake_case")]
pub enum SessionMessage {
    Status(StatusPayload),
    Pong(SessionPong),
    RpcError(RpcError),
    FetchAgentsResponse(FetchAgentsResponse),
    AgentUpdate(AgentUpdate),
    FetchAgentResponse(FetchAgentResponse),
    SendAgentMessageResponse(SendAgentMessageResponse),
    CancelAgentResponse(CancelAgentResponse),
    AgentDeleted(AgentDeleted),
    AgentArchived(AgentArchived),
    SetAgentModeResponse(SetAgentModeResponse),
    SetAgentModelResponse(SetAgentModelResponse),
    SetAgentThinkingResponse(SetAgentThinkingResponse),
    WaitForFinishResponse(WaitForFinishResponse),
    ClearAgentAttentionResponse(ClearAgentAttentionResponse),
    AgentStream(AgentStreamPayload),
    FetchAgentTimelineResponse(FetchAgentTimelineResponse),
    AgentPermissionRequest(AgentPermissionRequest),
    AgentPermissionResolved(AgentPermissionResolved),
    ActivityLog(ActivityLogEntry),
    ListAvailableProvidersResponse(ListAvailableProvidersResponse),
    GetProvidersSnapshotResponse(GetProvidersSnapshotResponse),
    ProvidersSnapshotUpdate(ProvidersSnapshotUpdate),
    RefreshProvidersSnapshotResponse(RefreshProvidersSnapshotResponse),
    ListProviderModelsResponse(ListProviderModelsResponse),
    ListProviderModesResponse(ListProviderModesResponse),
    FileExplorerResponse(FileExplorerResponse),
    CheckoutStatusResponse(CheckoutStatusResponse),
    CheckoutStatusUpdate(CheckoutStatusUpdate),
    SubscribeCheckoutDiffResponse(SubscribeCheckoutDiffResponse),
    CheckoutDiffUpdate(CheckoutDiffUpdate),
    UpdateAgentResponse(UpdateAgentResponse),
    PaseoWorktreeListResponse(PaseoWorktreeListResponse),
    ListTerminalsResponse(ListTerminalsResponse),
    #[serde(rename = "chat/list/response")]
    ChatListResponse(ChatListResponse),
    #[serde(rename = "schedule/list/response")]
    ScheduleListResponse(ScheduleListResponse),
    #[serde(rename = "loop/list/response")]
    LoopListResponse(LoopListResponse),
    FetchWorkspacesResponse(FetchWorkspacesResponse),
    WorkspaceUpdate(WorkspaceUpdate),
    FetchAgentHistoryResponse(FetchAgentHistoryResponse),
    WorkspaceSetupStatusResponse(WorkspaceSetupStatusResponse),
    ListAvailableEditorsResponse(ListAvailableEditorsResponse),
    ReadProjectConfigResponse(ReadProjectConfigResponse),
    TerminalsChanged(TerminalsChanged),
    CheckoutPrStatusResponse(CheckoutPrStatusResponse),
    ProjectIconResponse(ProjectIconResponse),
    /// A message type this version does not know; consumers skip it.
    #[serde(other)]
    Unknown,
}

impl SessionMessage {
    /// The wire `type` of this message.
    pub fn type_name(&self) -> &'static str {
        match self {
            SessionMessage::Status(_) => "status",
            SessionMessage::Pong(_) => "pong",
            SessionMessage::RpcError(_) => "rpc_error",
            SessionMessage::FetchAgentsResponse(_) => "fetch_agents_response",
            SessionMessage::AgentUpdate(_) => "agent_update",
            SessionMessage::FetchAgentResponse(_) => "fetch_agent_response",
            SessionMessage::SendAgentMessageResponse(_) => "send_agent_message_response",
            SessionMessage::CancelAgentResponse(_) => "cancel_agent_response",
            SessionMessage::AgentDeleted(_) => "agent_deleted",
            SessionMessage::AgentArchived(_) => "agent_archived",
            SessionMessage::SetAgentModeResponse(_) => "set_agent_mode_response",
            SessionMessage::SetAgentModelResponse(_) => "set_agent_model_response",
            SessionMessage::SetAgentThinkingResponse(_) => "set_agent_thinking_response",
            SessionMessage::WaitForFinishResponse(_) => "wait_for_finish_response",
            SessionMessage::ClearAgentAttentionResponse(_) => "clear_agent_attention_response",
            SessionMessage::AgentStream(_) => "agent_stream",
            SessionMessage::FetchAgentTimelineResponse(_) => "fetch_agent_timeline_response",
            SessionMessage::AgentPermissionRequest(_) => "agent_permission_request",
            SessionMessage::AgentPermissionResolved(_) => "agent_permission_resolved",
            SessionMessage::ActivityLog(_) => "activity_log",
            SessionMessage::ListAvailableProvidersResponse(_) => {
                "list_available_providers_response"
            }
            SessionMessage::GetProvidersSnapshotResponse(_) => "get_providers_snapshot_response",
            SessionMessage::ProvidersSnapshotUpdate(_) => "providers_snapshot_update",
            SessionMessage::RefreshProvidersSnapshotResponse(_) => {
                "refresh_providers_snapshot_response"
            }
            SessionMessage::ListProviderModelsResponse(_) => "list_provider_models_response",
            SessionMessage::ListProviderModesResponse(_) => "list_provider_modes_response",
            SessionMessage::FileExplorerResponse(_) => "file_explorer_response",
            SessionMessage::CheckoutStatusResponse(_) => "checkout_status_response",
            SessionMessage::CheckoutStatusUpdate(_) => "checkout_status_update",
            SessionMessage::SubscribeCheckoutDiffResponse(_) => "subscribe_checkout_diff_response",
            SessionMessage::CheckoutDiffUpdate(_) => "checkout_diff_update",
            SessionMessage::UpdateAgentResponse(_) => "update_agent_response",
            SessionMessage::PaseoWorktreeListResponse(_) => "paseo_worktree_list_response",
            SessionMessage::ListTerminalsResponse(_) => "list_terminals_response",
            SessionMessage::ChatListResponse(_) => "chat/list/response",
            SessionMessage::ScheduleListResponse(_) => "schedule/list/response",
            SessionMessage::LoopListResponse(_) => "loop/list/response",
            SessionMessage::FetchWorkspacesResponse(_) => "fetch_workspaces_response",
            SessionMessage::WorkspaceUpdate(_) => "workspace_update",
            SessionMessage::FetchAgentHistoryResponse(_) => "fetch_agent_history_response",
            SessionMessage::WorkspaceSetupStatusResponse(_) => "workspace_setup_status_response",
            SessionMessage::ListAvailableEditorsResponse(_) => "list_available_editors_response",
            SessionMessage::ReadProjectConfigResponse(_) => "read_project_config_response",
            SessionMessage::TerminalsChanged(_) => "terminals_changed",
            SessionMessage::CheckoutPrStatusResponse(_) => "checkout_pr_status_response",
            SessionMessage::ProjectIconResponse(_) => "project_icon_response",
            SessionMessage::Unknown => "unknown",
        }
    }
}

impl SessionMessage {
    /// The `requestId` this message answers; `None` for pushes. One place
    /// that knows every reply type, so a relay routing answers to callers
    /// (the hub) need not keep its own list in step with this enum.
    pub fn request_id(&self) -> Option<&str> {
        use SessionMessage as M;
        let id = match self {
            M::Pong(m) => &m.request_id,
            M::RpcError(m) => &m.request_id,
            M::FetchAgentsResponse(m) => &m.request_id,
            M::FetchAgentResponse(m) => &m.request_id,
            M::SendAgentMessageResponse(m)
            | M::SetAgentModeResponse(m)
            | M::SetAgentModelResponse(m)
            | M::SetAgentThinkingResponse(m)
            | M::UpdateAgentResponse(m) => &m.request_id,
            M::CancelAgentResponse(m) => &m.request_id,
            M::AgentDeleted(m) => &m.request_id,
            M::AgentArchived(m) => &m.request_id,
            M::WaitForFinishResponse(m) => &m.request_id,
            M::ClearAgentAttentionResponse(m) => &m.request_id,
            M::FetchAgentTimelineResponse(m) => &m.request_id,
            M::ListAvailableProvidersResponse(m) => &m.request_id,
            M::GetProvidersSnapshotResponse(m) => &m.request_id,
            M::RefreshProvidersSnapshotResponse(m) => &m.request_id,
            M::ListProviderModelsResponse(m) => &m.request_id,
            M::ListProviderModesResponse(m) => &m.request_id,
            M::FileExplorerResponse(m) => &m.request_id,
            M::CheckoutStatusResponse(m) => &m.request_id,
            M::SubscribeCheckoutDiffResponse(m) => &m.request_id,
            M::PaseoWorktreeListResponse(m) => &m.request_id,
            M::ListTerminalsResponse(m) => &m.request_id,
            M::ChatListResponse(m) => &m.request_id,
            M::ScheduleListResponse(m) => &m.request_id,
            M::LoopListResponse(m) => &m.request_id,
            M::FetchWorkspacesResponse(m) => &m.request_id,
            M::FetchAgentHistoryResponse(m) => &m.request_id,
            M::WorkspaceSetupStatusResponse(m) => &m.request_id,
            M::ListAvailableEditorsResponse(m) => &m.request_id,
            M::ReadProjectConfigResponse(m) => &m.request_id,
            M::CheckoutPrStatusResponse(m) => &m.request_id,
            M::ProjectIconResponse(m) => &m.request_id,
            M::Status(
                StatusPayload::AgentCreated { request_id, .. }
                | StatusPayload::AgentCreateFailed { request_id, .. }
                | StatusPayload::AgentResumed { request_id, .. }
                | StatusPayload::AgentRefreshed { request_id, .. }
                | StatusPayload::RestartRequested { request_id, .. }
                | StatusPayload::ShutdownRequested { request_id, .. },
            ) => request_id,
            M::Status(_)
            | M::AgentUpdate(_)
            | M::AgentStream(_)
            | M::AgentPermissionRequest(_)
            | M::AgentPermissionResolved(_)
            | M::ActivityLog(_)
            | M::ProvidersSnapshotUpdate(_)
            | M::CheckoutStatusUpdate(_)
            | M::CheckoutDiffUpdate(_)
            | M::WorkspaceUpdate(_)
            | M::TerminalsChanged(_)
            | M::Unknown => return None,
        };
        Some(id)
    }
}

impl Serialize for SessionMessage {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // The inherent function generated by `#[serde(remote = "Self")]`.
        SessionMessage::serialize(self, serializer)
    }
}

impl<'de> Deserialize<'de> for SessionMessage {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        match SessionMessage::deserialize(&value) {
            Ok(message) => Ok(message),
            Err(err) => {
                // Known type with a bad payload → error; unknown type → Unknown.
                let probe = serde_json::json!({ "type": value.get("type") });
                match SessionMessage::deserialize(&probe) {
                    Ok(SessionMessage::Unknown) => Ok(SessionMessage::Unknown),
                    _ => Err(serde::de::Error::custom(err)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_name_the_request_they_answer_and_pushes_none() {
        let reply = |text: &str| -> Option<String> {
            let message: SessionMessage = serde_json::from_str(text).expect("decodes");
            message.request_id().map(str::to_owned)
        };
        assert_eq!(
            reply(
                r#"{"type":"update_agent_response","payload":{"requestId":"u","agentId":"a","accepted":true,"error":null}}"#
            )
            .as_deref(),
            Some("u")
        );
        assert_eq!(
            reply(r#"{"type":"status","payload":{"status":"agent_refreshed","agentId":"a","requestId":"r"}}"#)
                .as_deref(),
            Some("r")
        );
        assert_eq!(
            reply(r#"{"type":"workspace_update","payload":{"kind":"remove","id":"/w"}}"#),
            None
        );
        assert_eq!(
            reply(r#"{"type":"terminals_changed","payload":{"cwd":"/w","terminals":[]}}"#),
            None
        );
    }
}
