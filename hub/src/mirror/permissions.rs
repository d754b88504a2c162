//! Pending permission requests of one daemon, across all its agents.
//!
//! Why its own mirror: a daemon announces one request up to three times
//! (`permission_requested` stream event, `agent_permission_request` push,
//! the agent snapshot's `pendingPermissions`) and resolves it twice, and a
//! browser that arrives late must still see what waits for an answer. Pushes
//! change the set incrementally and are de-duplicated by request id; an
//! agent snapshot (fetch or `agent_update`) is authoritative for its agent
//! and reconciles the set, so a resolution missed while offline still
//! clears the request.

use std::collections::BTreeMap;

use protocol::{PermissionRequest, PermissionResponse};
use serde::Serialize;

/// A permission request waiting for an answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PendingPermission {
    pub agent_id: String,
    pub request: PermissionRequest,
}

/// How an agent's pending permissions changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PermissionChange {
    /// A new request waits for an answer.
    Requested { request: Box<PermissionRequest> },
    /// The request is no longer pending. `resolution` is `None` when the
    /// hub learnt it from a snapshot (the answer itself was not seen).
    Resolved {
        request_id: String,
        resolution: Option<PermissionResponse>,
    },
}

/// `(agent_id, change)` pairs to broadcast.
pub(crate) type Changes = Vec<(String, PermissionChange)>;

#[derive(Debug, Default)]
pub(crate) struct PermissionMirror {
    by_agent: BTreeMap<String, Vec<PermissionRequest>>,
}

impl PermissionMirror {
    /// Every pending request, by agent id then arrival.
    pub(crate) fn list(&self) -> Vec<PendingPermission> {
        self.by_agent
            .iter()
            .flat_map(|(agent_id, requests)| {
                requests.iter().map(|request| PendingPermission {
                    agent_id: agent_id.clone(),
                    request: request.clone(),
                })
            })
            .collect()
    }

    pub(crate) fn requested(&mut self, agent_id: &str, request: PermissionRequest) -> Changes {
        let requests = self.by_agent.entry(agent_id.to_owned()).or_default();
        if requests.iter().any(|known| known.id == request.id) {
            return Vec::new();
        }
        requests.push(request.clone());
        vec![(
            agent_id.to_owned(),
            PermissionChange::Requested {
                request: Box::new(request),
            },
        )]
    }

    pub(crate) fn resolved(
        &mut self,
        agent_id: &str,
        request_id: &str,
        resolution: Option<PermissionResponse>,
    ) -> Changes {
        let Some(requests) = self.by_agent.get_mut(agent_id) else {
            return Vec::new();
        };
        let before = requests.len();
        requests.retain(|request| request.id != request_id);
        let removed = requests.len() != before;
        if requests.is_empty() {
            self.by_agent.remove(agent_id);
        }
        if !removed {
            return Vec::new();
        }
        vec![(
            agent_id.to_owned(),
            PermissionChange::Resolved {
                request_id: request_id.to_owned(),
                resolution,
            },
        )]
    }

    /// Makes `agent_id`'s set equal to its snapshot's `pendingPermissions`.
    pub(crate) fn reconcile(&mut self, agent_id: &str, current: &[PermissionRequest]) -> Changes {
        let known = self.by_agent.get(agent_id).cloned().unwrap_or_default();
        let mut changes = Vec::new();
        for gone in known
            .iter()
            .filter(|k| !current.iter().any(|c| c.id == k.id))
        {
            changes.extend(self.resolved(agent_id, &gone.id, None));
        }
        for request in current {
            changes.extend(self.requested(agent_id, request.clone()));
        }
        changes
    }

    /// The agent went away: its requests are gone too.
    pub(crate) fn remove_agent(&mut self, agent_id: &str) -> Changes {
        self.reconcile(agent_id, &[])
    }

    /// Agents that have pending requests.
    pub(crate) fn agent_ids(&self) -> Vec<String> {
        self.by_agent.keys().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(id: &str) -> PermissionRequest {
        serde_json::from_value(serde_json::json!({
            "id": id, "provider": "test", "name": "edit", "kind": "tool",
        }))
        .unwrap()
    }

    fn allow() -> PermissionResponse {
        PermissionResponse::Allow {
            selected_action_id: None,
            updated_input: None,
            updated_permissions: None,
        }
    }

    #[test]
    fn a_request_announced_twice_is_pending_once() {
        let mut m = PermissionMirror::default();
        assert_eq!(m.requested("a", request("p1")).len(), 1);
        assert!(m.requested("a", request("p1")).is_empty());
        assert_eq!(m.list().len(), 1);
    }

    #[test]
    fn resolution_is_reported_once() {
        let mut m = PermissionMirror::default();
        m.requested("a", request("p1"));
        let changes = m.resolved("a", "p1", Some(allow()));
        assert!(matches!(
            &changes[..],
            [(
                _,
                PermissionChange::Resolved {
                    resolution: Some(_),
                    ..
                }
            )]
        ));
        assert!(m.resolved("a", "p1", Some(allow())).is_empty());
        assert!(m.list().is_empty());
    }

    #[test]
    fn a_snapshot_reconciles_missed_changes() {
        let mut m = PermissionMirror::default();
        m.requested("a", request("old"));
        let changes = m.reconcile("a", &[request("new")]);
        assert_eq!(changes.len(), 2);
        assert!(
            matches!(&changes[0].1, PermissionChange::Resolved { request_id, resolution: None } if request_id == "old")
        );
        assert!(
            matches!(&changes[1].1, PermissionChange::Requested { request } if request.id == "new")
        );
        assert!(m.reconcile("a", &[request("new")]).is_empty(), "idempotent");
    }

    #[test]
    fn removing_an_agent_resolves_its_requests() {
        let mut m = PermissionMirror::default();
        m.requested("a", request("p1"));
        m.requested("b", request("p2"));
        assert_eq!(m.remove_agent("a").len(), 1);
        assert_eq!(m.agent_ids(), ["b"]);
    }
}
