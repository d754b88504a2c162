//! Workspaces: the directories Paseo's app builds its sidebar, agent route
//! and new-agent screen from (`fetch_workspaces_*`, `workspace_update`),
//! and the small requests its workspace screen sends (setup status, project
//! config, project icon, editors).
//!
//! Paseo keeps a registry of projects and workspaces; this daemon derives
//! them from its agents (see the daemon's `agents::workspaces`). The types
//! follow Paseo's schema; open sets (kinds) are strings.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::agent::{AgentsSubscription, PageInfo, PageRequest, SortDirection};
use crate::project::ProjectPlacement;

/// `fetch_workspaces_request.filter`: every given condition must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceFilter {
    /// Case-insensitive substring of the name, project id or id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_prefix: Option<String>,
}

/// A sort key of `fetch_workspaces_request.sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceSortKey {
    StatusPriority,
    ActivityAt,
    Name,
    ProjectId,
}

/// One key of `fetch_workspaces_request.sort`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkspaceSort {
    pub key: WorkspaceSortKey,
    pub direction: SortDirection,
}

/// `fetch_workspaces_request`: list workspaces, optionally subscribing to
/// `workspace_update` pushes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchWorkspacesRequest {
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filter: Option<WorkspaceFilter>,
    /// Empty means Paseo's default, `activity_at desc`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sort: Vec<WorkspaceSort>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<PageRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribe: Option<AgentsSubscription>,
}

/// What a workspace's agents need, most urgent first (Paseo's bucket).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorkspaceStatus {
    /// An agent waits on a permission.
    NeedsInput,
    Failed,
    Running,
    /// An agent finished and was not looked at yet.
    Attention,
    Done,
    /// A bucket newer than this crate.
    #[serde(other)]
    Unknown,
}

/// One workspace (Paseo's `WorkspaceDescriptorPayload`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceDescriptor {
    /// The workspace directory; also what an agent's `cwd` is matched on.
    pub id: String,
    pub project_id: String,
    pub project_display_name: String,
    pub project_root_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_directory: Option<String>,
    /// `git`, `non_git` (or the legacy `directory`).
    pub project_kind: String,
    /// `local_checkout`, `worktree`, `directory` (or `checkout`).
    pub workspace_kind: String,
    /// The branch, else the directory's name.
    pub name: String,
    #[serde(default)]
    pub archiving_at: Option<String>,
    pub status: WorkspaceStatus,
    /// Latest agent activity (ISO), if any.
    #[serde(default)]
    pub activity_at: Option<String>,
    /// `{additions, deletions}`; `null` when not computed.
    #[serde(default)]
    pub diff_stat: Option<Value>,
    /// Scripts and services; kept as JSON (this daemon runs none).
    #[serde(default)]
    pub scripts: Vec<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_runtime: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub github_runtime: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<ProjectPlacement>,
}

/// Answer to [`FetchWorkspacesRequest`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchWorkspacesResponse {
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    pub entries: Vec<WorkspaceDescriptor>,
    pub page_info: PageInfo,
}

/// `workspace_update` push to a workspaces subscription.
#[allow(
    clippy::large_enum_variant,
    reason = "short-lived pushes; boxing would only complicate construction"
)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WorkspaceUpdate {
    Upsert { workspace: WorkspaceDescriptor },
    Remove { id: String },
}

/// `workspace_setup_status_request`: progress of a worktree's setup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSetupStatusRequest {
    pub workspace_id: String,
    pub request_id: String,
}

/// Answer to [`WorkspaceSetupStatusRequest`]; `snapshot` is `null` when no
/// setup ran (always, here: this daemon creates no worktrees).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorkspaceSetupStatusResponse {
    pub request_id: String,
    pub workspace_id: String,
    #[serde(default)]
    pub snapshot: Option<Value>,
}

/// `list_available_editors_request`: editors the daemon's host can open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListAvailableEditorsRequest {
    pub request_id: String,
}

/// One editor (`{id, label}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditorTarget {
    pub id: String,
    pub label: String,
}

/// Answer to [`ListAvailableEditorsRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListAvailableEditorsResponse {
    pub request_id: String,
    pub editors: Vec<EditorTarget>,
    #[serde(default)]
    pub error: Option<String>,
}

/// `read_project_config_request`: the project's `paseo.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadProjectConfigRequest {
    pub request_id: String,
    pub repo_root: String,
}

/// `{mtimeMs, size}` of `paseo.json`, for optimistic writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectConfigRevision {
    pub mtime_ms: f64,
    pub size: u64,
}

/// Answer to [`ReadProjectConfigRequest`], discriminated on `ok`: the
/// config (`null` when the file is absent) or an error `{code}`
/// (`project_not_found`, `invalid_project_config`, …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadProjectConfigResponse {
    pub request_id: String,
    pub repo_root: String,
    pub ok: bool,
    /// Present (possibly `null`: no file) when `ok`; absent otherwise.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::double_option"
    )]
    pub config: Option<Option<Value>>,
    /// Present (possibly `null`) when `ok`; absent otherwise.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::wire::double_option"
    )]
    pub revision: Option<Option<ProjectConfigRevision>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Value>,
}

/// `project_icon_request`: the project's icon (favicon, logo).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectIconRequest {
    pub cwd: String,
    pub request_id: String,
}

/// An icon as base64 data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectIcon {
    pub data: String,
    pub mime_type: String,
}

/// Answer to [`ProjectIconRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectIconResponse {
    pub cwd: String,
    #[serde(default)]
    pub icon: Option<ProjectIcon>,
    #[serde(default)]
    pub error: Option<String>,
    pub request_id: String,
}
