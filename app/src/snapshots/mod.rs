//! `@paseo:session-snapshot:<profile_id>`: what the tab last knew of each
//! daemon, so lists and the last messages render at once after a reload,
//! marked stale until the live snapshot, and the tab resumes timelines
//! from their cursors instead of refetching them.
//!
//! Shape (v1): `{v, saved_at, daemon_id, agents, providers,
//! pending_permissions, timelines: {agent_id: {epoch, items, has_older}}}`,
//! at most [`MAX_TIMELINES`] timelines of at most [`MAX_ITEMS`] items each
//! (newest kept, `has_older` set when cut). The codec is pure and tested
//! natively; the storage glue (hydrate) writes at most once a second and on
//! `pagehide`, and on `QuotaExceededError` drops the oldest timelines with a
//! `console.warn`.

use crate::sorted::SortedMap;

use protocol::{AgentSnapshot, PermissionRequest};
use serde::{Deserialize, Serialize};

use crate::directory::{SessionModel, TimelineModel};

pub const KEY_PREFIX: &str = "@paseo:session-snapshot:";
pub const MAX_TIMELINES: usize = 20;
pub const MAX_ITEMS: usize = 200;

#[derive(Debug, Serialize, Deserialize)]
struct PendingEntry {
    agent_id: String,
    request: PermissionRequest,
}

#[derive(Debug, Serialize, Deserialize)]
struct SnapshotV1 {
    v: u32,
    saved_at: String,
    #[serde(default)]
    daemon_id: Option<String>,
    agents: Vec<AgentSnapshot>,
    #[serde(default)]
    providers: Vec<serde_json::Value>,
    #[serde(default)]
    pending_permissions: Vec<PendingEntry>,
    #[serde(default)]
    timelines: SortedMap<String, TimelineModel>,
}

/// Why a stored snapshot was not used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SnapshotError {
    #[error("unreadable session snapshot: {0}")]
    Unreadable(String),
    #[error("session snapshot version {0} is not supported")]
    Version(u32),
}

/// Encodes `session`, keeping the timelines named in `recent` (most recent
/// first) up to the limits.
pub fn encode(
    session: &SessionModel,
    recent: &[String],
    saved_at: &str,
    keep_timelines: usize,
) -> String {
    let mut timelines = SortedMap::new();
    for agent_id in recent.iter().take(keep_timelines.min(MAX_TIMELINES)) {
        if let Some(t) = session.timelines.get(agent_id) {
            let cut = t.items.len().saturating_sub(MAX_ITEMS);
            timelines.insert(
                agent_id.clone(),
                TimelineModel {
                    epoch: t.epoch.clone(),
                    items: t.items[cut..].to_vec(),
                    has_older: t.has_older || cut > 0,
                },
            );
        }
    }
    let snapshot = SnapshotV1 {
        v: 1,
        saved_at: saved_at.to_owned(),
        daemon_id: session.daemon_id.clone(),
        agents: session.agents.values().cloned().collect(),
        providers: session.providers.clone(),
        pending_permissions: session
            .permissions
            .iter()
            .flat_map(|(agent_id, list)| {
                list.iter().map(|request| PendingEntry {
                    agent_id: agent_id.clone(),
                    request: request.clone(),
                })
            })
            .collect(),
        timelines,
    };
    serde_json::to_string(&snapshot).unwrap_or_default()
}

/// Decodes a stored snapshot into a (stale) session.
pub fn decode(raw: &str) -> Result<SessionModel, SnapshotError> {
    let value: serde_json::Value =
        serde_json::from_str(raw).map_err(|e| SnapshotError::Unreadable(e.to_string()))?;
    let v = value.get("v").and_then(|v| v.as_u64()).unwrap_or(0) as u32;
    if v != 1 {
        return Err(SnapshotError::Version(v));
    }
    let snapshot: SnapshotV1 =
        serde_json::from_value(value).map_err(|e| SnapshotError::Unreadable(e.to_string()))?;
    let mut permissions: SortedMap<String, Vec<PermissionRequest>> = SortedMap::new();
    for entry in snapshot.pending_permissions {
        permissions
            .entry(entry.agent_id)
            .or_default()
            .push(entry.request);
    }
    Ok(SessionModel {
        agents: snapshot
            .agents
            .into_iter()
            .map(|a| (a.id.clone(), a))
            .collect(),
        providers: snapshot.providers,
        permissions,
        timelines: snapshot.timelines,
        agents_version: 0,
        daemon_id: snapshot.daemon_id,
        live: false,
    })
}

#[cfg(feature = "hydrate")]
mod storage;
#[cfg(feature = "hydrate")]
pub use storage::{load, preload as preload_writer, remove, start_saving};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::DisplayItem;
    use serde_json::json;

    fn session(items: usize) -> SessionModel {
        let agent: AgentSnapshot = serde_json::from_value(json!({
            "id": "a1", "provider": "test", "cwd": "/p", "createdAt": "t", "updatedAt": "t",
            "status": "idle"
        }))
        .expect("agent");
        let mut s = SessionModel::default();
        s.agents.insert("a1".into(), agent);
        s.daemon_id = Some("srv_1".into());
        s.timelines.insert(
            "a1".into(),
            TimelineModel {
                epoch: "e".into(),
                items: (1..=items as u64)
                    .map(|seq| DisplayItem {
                        seq_start: seq,
                        seq_end: seq,
                        timestamp: String::new(),
                        item: json!({"type": "user_message", "text": format!("m{seq}")}),
                    })
                    .collect(),
                has_older: false,
            },
        );
        s
    }

    #[test]
    fn a_snapshot_round_trips_stale_with_its_newest_items() {
        let raw = encode(
            &session(250),
            &["a1".into()],
            "2026-12-05T00:00:00Z",
            MAX_TIMELINES,
        );
        let value: serde_json::Value = serde_json::from_str(&raw).expect("json");
        assert_eq!(value["v"], 1);
        assert_eq!(value["daemon_id"], "srv_1");
        let back = decode(&raw).expect("decodes");
        assert!(!back.live);
        let t = &back.timelines["a1"];
        assert_eq!(t.items.len(), MAX_ITEMS);
        assert_eq!(t.items[0].seq_start, 51);
        assert!(t.has_older);
        assert_eq!(back.agents.len(), 1);
    }

    #[test]
    fn only_recent_timelines_are_kept() {
        let raw = encode(&session(3), &[], "t", MAX_TIMELINES);
        assert!(decode(&raw).expect("decodes").timelines.is_empty());
        let raw = encode(&session(3), &["a1".into()], "t", 0);
        assert!(decode(&raw).expect("decodes").timelines.is_empty());
    }

    #[test]
    fn corrupt_or_future_snapshots_are_refused_clearly() {
        assert!(matches!(decode("{nope"), Err(SnapshotError::Unreadable(_))));
        assert_eq!(decode(r#"{"v":2}"#), Err(SnapshotError::Version(2)));
        assert!(matches!(
            decode(r#"{"v":1,"agents":"x"}"#),
            Err(SnapshotError::Unreadable(_))
        ));
    }
}
