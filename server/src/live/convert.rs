//! Hub types → live-channel messages. The wire types live in `app` (shared
//! with the wasm build, which cannot depend on the hub), so every hub value
//! crosses here, tagged with the tab's profile id.

use std::sync::Arc;

use app::live::messages::{LiveTimelineItem, ServerMessage};
use hub::{ConnectionSnapshot, PermissionChange, TimelineRow};
use serde::Serialize;
use serde_json::{Value, json};

use crate::ssr::status;

/// `state` of one profile.
pub(super) fn state(profile_id: &str, snapshot: &ConnectionSnapshot) -> ServerMessage {
    ServerMessage::State {
        profile_id: profile_id.to_owned(),
        status: status(snapshot.status),
        last_error: snapshot.last_error.clone(),
        last_online_at: snapshot.last_online_at,
        daemon_id: snapshot.daemon_id.clone(),
        version: snapshot.version.clone(),
    }
}

/// `state: error` for a profile the hub refused (bad URL, …).
pub(super) fn refused(profile_id: &str, error: String) -> ServerMessage {
    ServerMessage::State {
        profile_id: profile_id.to_owned(),
        status: app::live::ConnectionStatus::Error,
        last_error: Some(error),
        last_online_at: None,
        daemon_id: None,
        version: None,
    }
}

/// `error`: the channel stays open.
pub(super) fn error(
    message: impl Into<String>,
    profile_id: Option<&str>,
    agent_id: Option<&str>,
) -> ServerMessage {
    ServerMessage::Error {
        message: message.into(),
        profile_id: profile_id.map(str::to_owned),
        agent_id: agent_id.map(str::to_owned),
    }
}

/// `probe_result`: the probe's outcome, the failure as its kind's wire name.
pub(super) fn probe_result(
    probe_id: String,
    result: Result<hub::ProbeInfo, hub::ProbeFailure>,
) -> ServerMessage {
    use app::live::messages::{ProbeError, ProbeOk};
    match result {
        Ok(info) => ServerMessage::ProbeResult {
            probe_id,
            ok: Some(Box::new(ProbeOk {
                daemon_id: info.daemon_id,
                hostname: info.hostname,
                version: info.version,
                capabilities: info.capabilities,
            })),
            error: None,
        },
        Err(failure) => ServerMessage::ProbeResult {
            probe_id,
            ok: None,
            error: Some(ProbeError {
                kind: serde_json::to_value(failure.kind)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_else(|| "other".into()),
                message: failure.message,
            }),
        },
    }
}

/// One timeline row with its seq range.
pub(super) fn item(row: &TimelineRow) -> LiveTimelineItem {
    LiveTimelineItem {
        seq_start: row.seq_start,
        seq_end: row.seq_end,
        item: to_json(&row.item),
        provider: row.provider.clone(),
        timestamp: row.timestamp.clone(),
    }
}

pub(super) fn items(rows: &[Arc<TimelineRow>]) -> Vec<LiveTimelineItem> {
    rows.iter().map(|row| item(row)).collect()
}

/// `permission` for one change of `agent_id`'s pending requests.
pub(super) fn permission(
    profile_id: &str,
    agent_id: &str,
    change: &PermissionChange,
) -> ServerMessage {
    let (request, resolved) = match change {
        PermissionChange::Requested { request } => (Some(to_json(request)), None),
        PermissionChange::Resolved {
            request_id,
            resolution,
        } => (
            None,
            Some(json!({"request_id": request_id, "resolution": to_json(resolution)})),
        ),
    };
    ServerMessage::Permission {
        profile_id: profile_id.to_owned(),
        agent_id: agent_id.to_owned(),
        request,
        resolved,
    }
}

/// Serialises a hub/protocol value (plain derived types: cannot fail in
/// practice; logged and sent as `null` if it ever does).
pub(super) fn to_json<T: Serialize + ?Sized>(value: &T) -> Value {
    serde_json::to_value(value).unwrap_or_else(|err| {
        tracing::error!(%err, "cannot encode a hub value for the live channel");
        Value::Null
    })
}
