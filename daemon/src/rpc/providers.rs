//! The providers messages of a client session (schema §6): availability
//! list, snapshot (answered, then pushed as `providers_snapshot_update` so
//! clients that only listen for pushes see it too), refresh, and the
//! per-provider model and mode lists.
//!
//! Everything is answered from the registry at once: availability is a
//! PATH lookup and models/modes are what the provider knows statically or
//! learned from its last session, so no entry is ever left `loading`.

use protocol::{
    GetProvidersSnapshotRequest, GetProvidersSnapshotResponse, ListAvailableProvidersRequest,
    ListAvailableProvidersResponse, ListProviderModelsRequest, ListProviderModelsResponse,
    ListProviderModesRequest, ListProviderModesResponse, ProviderAvailability,
    ProviderSnapshotEntry, ProviderStatus, ProvidersSnapshotUpdate,
    RefreshProvidersSnapshotRequest, RefreshProvidersSnapshotResponse, SessionMessage,
};

use crate::provider::{Availability, Provider, ProviderInfo, ProviderRegistry};
use crate::rpc::RpcFailure;
use crate::rpc::outbox::Outbox;
use crate::time_util::iso_now;

/// `list_available_providers_request`.
pub(crate) async fn list_available(
    registry: &ProviderRegistry,
    outbox: &Outbox,
    req: ListAvailableProvidersRequest,
) -> Result<(), RpcFailure> {
    let providers = registry
        .providers()
        .iter()
        .map(|provider| {
            let error = unavailable_reason(provider.as_ref());
            ProviderAvailability {
                provider: provider.info().id,
                available: error.is_none(),
                error,
            }
        })
        .collect();
    let response = ListAvailableProvidersResponse {
        providers,
        error: registry.config_error().map(str::to_owned),
        fetched_at: iso_now(),
        request_id: req.request_id,
    };
    send(
        outbox,
        SessionMessage::ListAvailableProvidersResponse(response),
    )
    .await
}

/// `get_providers_snapshot_request`: the answer, then an update push.
pub(crate) async fn get_snapshot(
    registry: &ProviderRegistry,
    outbox: &Outbox,
    req: GetProvidersSnapshotRequest,
) -> Result<(), RpcFailure> {
    let entries = snapshot_entries(registry);
    let generated_at = iso_now();
    let response = GetProvidersSnapshotResponse {
        entries: entries.clone(),
        generated_at: generated_at.clone(),
        request_id: req.request_id,
    };
    send(
        outbox,
        SessionMessage::GetProvidersSnapshotResponse(response),
    )
    .await?;
    push_update(outbox, req.cwd, entries, generated_at).await
}

/// `refresh_providers_snapshot_request`: acknowledged, then re-probed and
/// pushed.
pub(crate) async fn refresh_snapshot(
    registry: &ProviderRegistry,
    outbox: &Outbox,
    req: RefreshProvidersSnapshotRequest,
) -> Result<(), RpcFailure> {
    let ack = RefreshProvidersSnapshotResponse {
        request_id: req.request_id,
        acknowledged: true,
    };
    send(
        outbox,
        SessionMessage::RefreshProvidersSnapshotResponse(ack),
    )
    .await?;
    push_update(outbox, req.cwd, snapshot_entries(registry), iso_now()).await
}

/// `list_provider_models_request`.
pub(crate) async fn list_models(
    registry: &ProviderRegistry,
    outbox: &Outbox,
    req: ListProviderModelsRequest,
) -> Result<(), RpcFailure> {
    let (info, error) = lookup(registry, &req.provider);
    let response = ListProviderModelsResponse {
        provider: req.provider,
        models: info.map(|info| info.models),
        error,
        fetched_at: iso_now(),
        request_id: req.request_id,
    };
    send(outbox, SessionMessage::ListProviderModelsResponse(response)).await
}

/// `list_provider_modes_request`.
pub(crate) async fn list_modes(
    registry: &ProviderRegistry,
    outbox: &Outbox,
    req: ListProviderModesRequest,
) -> Result<(), RpcFailure> {
    let (info, error) = lookup(registry, &req.provider);
    let response = ListProviderModesResponse {
        provider: req.provider,
        modes: info.map(|info| info.modes),
        error,
        fetched_at: iso_now(),
        request_id: req.request_id,
    };
    send(outbox, SessionMessage::ListProviderModesResponse(response)).await
}

/// One entry per provider, in display order.
pub(crate) fn snapshot_entries(registry: &ProviderRegistry) -> Vec<ProviderSnapshotEntry> {
    let fetched_at = iso_now();
    registry
        .providers()
        .iter()
        .map(|provider| {
            let info = provider.info();
            let error = unavailable_reason(provider.as_ref());
            let ready = error.is_none();
            ProviderSnapshotEntry {
                provider: info.id,
                label: Some(info.label),
                description: info.description,
                default_mode_id: info.default_mode_id,
                status: if ready {
                    ProviderStatus::Ready
                } else {
                    ProviderStatus::Unavailable
                },
                enabled: true,
                models: ready.then_some(info.models),
                modes: ready.then_some(info.modes),
                fetched_at: Some(fetched_at.clone()),
                error,
            }
        })
        .collect()
}

/// The provider's info when it is available, else the error to report.
fn lookup(registry: &ProviderRegistry, id: &str) -> (Option<ProviderInfo>, Option<String>) {
    match registry.get(id) {
        Some(provider) if unavailable_reason(provider.as_ref()).is_none() => {
            (Some(provider.info()), None)
        }
        _ => (None, Some(format!("Provider {id} is not available"))),
    }
}

fn unavailable_reason(provider: &dyn Provider) -> Option<String> {
    match provider.availability() {
        Availability::Available => None,
        Availability::Unavailable { reason } => Some(reason),
    }
}

async fn push_update(
    outbox: &Outbox,
    cwd: Option<String>,
    entries: Vec<ProviderSnapshotEntry>,
    generated_at: String,
) -> Result<(), RpcFailure> {
    let update = ProvidersSnapshotUpdate {
        cwd,
        entries,
        generated_at,
    };
    send(outbox, SessionMessage::ProvidersSnapshotUpdate(update)).await
}

/// A vanished client is not the handler's failure.
async fn send(outbox: &Outbox, message: SessionMessage) -> Result<(), RpcFailure> {
    let _ = outbox.session(message).await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_keep_the_daemon_key_order() {
        let home = tempfile::tempdir().expect("tempdir");
        let registry = ProviderRegistry::discover(home.path());
        let entries = snapshot_entries(&registry);
        let gemini = entries
            .iter()
            .find(|e| e.provider == "gemini")
            .expect("gemini");
        let json = serde_json::to_string(gemini).expect("json");
        let keys = [
            "\"provider\"",
            "\"label\"",
            "\"description\"",
            "\"defaultModeId\"",
            "\"status\"",
            "\"enabled\"",
            "\"fetchedAt\"",
        ];
        let positions: Vec<usize> = keys.iter().filter_map(|k| json.find(k)).collect();
        assert_eq!(positions.len(), keys.len(), "{json}");
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{json}");
    }

    #[test]
    fn unknown_providers_are_not_available() {
        let registry = ProviderRegistry::default();
        let (info, error) = lookup(&registry, "codex");
        assert!(info.is_none());
        assert_eq!(error.as_deref(), Some("Provider codex is not available"));
    }
}
