//! Which agent providers a daemon offers, with their models and modes: the
//! availability list, the provider snapshot (requested and pushed), and the
//! per-provider model/mode lists. Provider ids are open strings throughout.

use serde::{Deserialize, Serialize};

use crate::agent::{AgentMode, SelectOption};

/// A model a provider offers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentModelDefinition {
    pub provider: String,
    pub id: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_default: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_options: Option<Vec<SelectOption>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_thinking_option_id: Option<String>,
}

/// Where a provider's snapshot entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderStatus {
    Ready,
    /// Models and modes not fetched yet (they are absent).
    Loading,
    Error,
    Unavailable,
    #[serde(other)]
    Unknown,
}

/// One provider in a providers snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderSnapshotEntry {
    pub provider: String,
    /// Display name, e.g. "Claude".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Nullable, so always sent.
    #[serde(default)]
    pub default_mode_id: Option<String>,
    pub status: ProviderStatus,
    #[serde(default = "crate::wire::default_true")]
    pub enabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub models: Option<Vec<AgentModelDefinition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modes: Option<Vec<AgentMode>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetched_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `list_available_providers_request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListAvailableProvidersRequest {
    pub request_id: String,
}

/// Whether one provider can be used on this daemon.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderAvailability {
    pub provider: String,
    pub available: bool,
    #[serde(default)]
    pub error: Option<String>,
}

/// Answer to [`ListAvailableProvidersRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListAvailableProvidersResponse {
    pub providers: Vec<ProviderAvailability>,
    #[serde(default)]
    pub error: Option<String>,
    pub fetched_at: String,
    pub request_id: String,
}

/// `get_providers_snapshot_request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetProvidersSnapshotRequest {
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
}

/// Answer to [`GetProvidersSnapshotRequest`]; entries may still be
/// `loading`, with [`ProvidersSnapshotUpdate`]s following.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetProvidersSnapshotResponse {
    pub entries: Vec<ProviderSnapshotEntry>,
    pub generated_at: String,
    pub request_id: String,
}

/// `providers_snapshot_update`, pushed to every session on each change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProvidersSnapshotUpdate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    pub entries: Vec<ProviderSnapshotEntry>,
    pub generated_at: String,
}

/// `refresh_providers_snapshot_request`: re-probe some or all providers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshProvidersSnapshotRequest {
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub providers: Option<Vec<String>>,
}

/// Answer to [`RefreshProvidersSnapshotRequest`]; results come as updates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshProvidersSnapshotResponse {
    pub request_id: String,
    pub acknowledged: bool,
}

/// `list_provider_models_request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListProviderModelsRequest {
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    pub request_id: String,
}

/// Answer to [`ListProviderModelsRequest`]; `models` is absent on error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListProviderModelsResponse {
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub models: Option<Vec<AgentModelDefinition>>,
    #[serde(default)]
    pub error: Option<String>,
    pub fetched_at: String,
    pub request_id: String,
}

/// `list_provider_modes_request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListProviderModesRequest {
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    pub request_id: String,
}

/// Answer to [`ListProviderModesRequest`]; `modes` is absent on error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListProviderModesResponse {
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modes: Option<Vec<AgentMode>>,
    #[serde(default)]
    pub error: Option<String>,
    pub fetched_at: String,
    pub request_id: String,
}
