//! Building the wire `AgentSnapshot` from what we store and what a live
//! session reports.
//!
//! An agent's snapshot must not flicker when its provider process is
//! reaped for idleness and restarted later, so everything comes from the
//! record (which the live session keeps up to date) and the provider's
//! static info; the live session only adds the model it actually runs.

use protocol::{AgentCapabilityFlags, AgentRuntimeInfo, AgentSnapshot};

use super::agent::Live;
use crate::provider::ProviderInfo;
use crate::store::AgentRecord;

/// The snapshot of an agent. `provider` is `None` when the agent's
/// provider is not registered (the snapshot then says
/// `providerUnavailable: true`).
pub(crate) fn build(
    record: &AgentRecord,
    live: Option<&Live>,
    provider: Option<&ProviderInfo>,
) -> AgentSnapshot {
    let available_modes = if record.available_modes.is_empty() {
        provider.map(|info| info.modes.clone()).unwrap_or_default()
    } else {
        record.available_modes.clone()
    };
    let current_mode_id = record
        .mode_id
        .clone()
        .or_else(|| provider.and_then(|info| info.default_mode_id.clone()));
    let runtime_model = live
        .and_then(|live| live.current_model.clone())
        .or_else(|| record.model.clone());
    let session_id = live
        .map(|live| live.session_id.clone())
        .or_else(|| record.persistence.as_ref().map(|p| p.session_id.clone()));
    let capabilities = match provider {
        Some(info) => AgentCapabilityFlags {
            supports_streaming: true,
            supports_session_persistence: info.supports_resume,
            supports_dynamic_modes: !available_modes.is_empty(),
            supports_mcp_servers: false,
            supports_reasoning_stream: true,
            supports_tool_invocations: true,
        },
        None => AgentCapabilityFlags::default(),
    };
    AgentSnapshot {
        id: record.id.clone(),
        provider: record.provider.clone(),
        cwd: record.cwd.clone(),
        model: record.model.clone().or_else(|| runtime_model.clone()),
        thinking_option_id: record.thinking_option_id.clone(),
        effective_thinking_option_id: record.thinking_option_id.clone(),
        runtime_info: Some(AgentRuntimeInfo {
            provider: record.provider.clone(),
            session_id,
            model: runtime_model,
            thinking_option_id: record.thinking_option_id.clone(),
            mode_id: current_mode_id.clone(),
            extra: None,
        }),
        created_at: record.created_at.clone(),
        updated_at: record.updated_at.clone(),
        last_user_message_at: record.last_user_message_at.clone(),
        status: record.status,
        capabilities,
        current_mode_id,
        available_modes,
        features: Some(Vec::new()),
        pending_permissions: record.pending_permissions.clone(),
        persistence: record.persistence.clone(),
        title: record.title.clone(),
        labels: record.labels.clone(),
        last_usage: record.last_usage.clone(),
        last_error: record.last_error.clone(),
        requires_attention: record.requires_attention,
        attention_reason: record
            .requires_attention
            .then_some(record.attention_reason)
            .flatten(),
        attention_timestamp: record
            .requires_attention
            .then(|| record.attention_timestamp.clone())
            .flatten(),
        archived_at: record.archived_at.clone(),
        provider_unavailable: provider.is_none().then_some(true),
    }
}
