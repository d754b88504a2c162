//! What one tab holds of one daemon's session: agents, providers and the
//! ids of pending permission requests, exactly as this socket sent them.
//!
//! Why a copy per socket: a socket subscribes to the hub before it reads
//! the mirror, so an event can arrive that the snapshot already contains.
//! Comparing with what the tab holds drops such repeats, and gives an
//! honest `agents_version`: a content hash of what the tab holds, which a
//! new socket can compare with the hub's current mirror after a reconnect
//! (same content ⇒ same version, across sockets and server restarts).

use std::collections::{BTreeMap, BTreeSet};

use app::live::messages::ServerMessage;
use hub::{DaemonSnapshot, PermissionChange};
use protocol::{AgentSnapshot, ProviderSnapshotEntry};
use serde::Serialize;

use super::convert::{self, to_json};

/// Versions stay below 2⁵³ so JavaScript reads them exactly.
const VERSION_MASK: u64 = (1 << 53) - 1;

/// The tab's copy of one daemon's agent list and providers.
#[derive(Debug, Default)]
pub(super) struct AgentsView {
    /// By id, with each agent's content hash.
    agents: BTreeMap<String, (AgentSnapshot, u64)>,
    /// Wrapping sum of the agents' hashes (order-free, updated per change).
    agents_sum: u64,
    providers: Vec<ProviderSnapshotEntry>,
    providers_hash: u64,
    /// `(agent_id, request_id)` of the permission requests the tab knows
    /// to be pending.
    permissions: BTreeSet<(String, String)>,
}

impl AgentsView {
    /// The view after sending `snapshot` (or after a `resume` proved the
    /// tab already holds it).
    pub(super) fn new(snapshot: &DaemonSnapshot) -> Self {
        let mut view = AgentsView::default();
        for agent in &snapshot.agents {
            view.upsert(agent);
        }
        view.set_providers(&snapshot.providers);
        view.permissions = snapshot
            .pending_permissions
            .iter()
            .map(|p| (p.agent_id.clone(), p.request.id.clone()))
            .collect();
        view
    }

    /// Content hash of the agents and providers held (never 0: 0 is
    /// "unknown" in `resume`).
    pub(super) fn version(&self) -> u64 {
        let mixed = self
            .agents_sum
            .wrapping_add(self.providers_hash.rotate_left(17))
            .wrapping_add(0x9e37_79b9_7f4a_7c15);
        match mixed & VERSION_MASK {
            0 => 1,
            version => version,
        }
    }

    /// `snapshot` message of `snapshot`, carrying this view's version.
    pub(super) fn snapshot_message(
        &self,
        profile_id: &str,
        snapshot: &DaemonSnapshot,
    ) -> ServerMessage {
        ServerMessage::Snapshot {
            profile_id: profile_id.to_owned(),
            agents: snapshot.agents.clone(),
            providers: snapshot.providers.iter().map(to_json).collect(),
            pending_permissions: snapshot.pending_permissions.iter().map(to_json).collect(),
            agents_version: self.version(),
        }
    }

    /// Applies a hub agent delta; the `agents_delta` to send, if any agent
    /// really differs from what the tab holds.
    pub(super) fn apply(
        &mut self,
        profile_id: &str,
        upserts: &[AgentSnapshot],
        removals: &[String],
    ) -> Option<ServerMessage> {
        let upserts: Vec<AgentSnapshot> = upserts
            .iter()
            .filter(|agent| self.upsert(agent))
            .cloned()
            .collect();
        let removals: Vec<String> = removals
            .iter()
            .filter(|id| self.remove(id))
            .cloned()
            .collect();
        if upserts.is_empty() && removals.is_empty() {
            return None;
        }
        Some(ServerMessage::AgentsDelta {
            profile_id: profile_id.to_owned(),
            upserts,
            removals,
            agents_version: self.version(),
        })
    }

    /// The `providers` message, if the list differs from what the tab holds.
    pub(super) fn providers(
        &mut self,
        profile_id: &str,
        entries: &[ProviderSnapshotEntry],
    ) -> Option<ServerMessage> {
        if !self.set_providers(entries) {
            return None;
        }
        Some(ServerMessage::Providers {
            profile_id: profile_id.to_owned(),
            providers: entries.iter().map(to_json).collect(),
            agents_version: self.version(),
        })
    }

    /// The `permission` message, unless the tab already knows this change.
    pub(super) fn permission(
        &mut self,
        profile_id: &str,
        agent_id: &str,
        change: &PermissionChange,
    ) -> Option<ServerMessage> {
        let news = match change {
            PermissionChange::Requested { request } => self
                .permissions
                .insert((agent_id.to_owned(), request.id.clone())),
            PermissionChange::Resolved { request_id, .. } => self
                .permissions
                .remove(&(agent_id.to_owned(), request_id.clone())),
        };
        news.then(|| convert::permission(profile_id, agent_id, change))
    }

    /// True if the tab did not hold `agent` as it is.
    fn upsert(&mut self, agent: &AgentSnapshot) -> bool {
        let hash = content_hash(agent);
        if let Some((_, old)) = self.agents.get(&agent.id) {
            if *old == hash {
                return false;
            }
            self.agents_sum = self.agents_sum.wrapping_sub(*old);
        }
        self.agents_sum = self.agents_sum.wrapping_add(hash);
        self.agents.insert(agent.id.clone(), (agent.clone(), hash));
        true
    }

    fn remove(&mut self, agent_id: &str) -> bool {
        match self.agents.remove(agent_id) {
            Some((_, hash)) => {
                self.agents_sum = self.agents_sum.wrapping_sub(hash);
                true
            }
            None => false,
        }
    }

    fn set_providers(&mut self, entries: &[ProviderSnapshotEntry]) -> bool {
        let hash = content_hash(entries);
        if hash == self.providers_hash && self.providers == entries {
            return false;
        }
        self.providers = entries.to_vec();
        self.providers_hash = hash;
        true
    }
}

/// FNV-1a over the value's JSON (deterministic: struct fields in
/// declaration order, maps are `BTreeMap`s).
fn content_hash<T: Serialize + ?Sized>(value: &T) -> u64 {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: &str, title: &str) -> AgentSnapshot {
        serde_json::from_value(serde_json::json!({
            "id": id, "provider": "test", "cwd": "/tmp", "createdAt": "t0",
            "updatedAt": "t1", "status": "idle", "title": title,
        }))
        .expect("agent")
    }

    fn snapshot(agents: Vec<AgentSnapshot>) -> DaemonSnapshot {
        DaemonSnapshot {
            connection: hub::ConnectionSnapshot::default(),
            agents,
            agents_synced: true,
            providers: Vec::new(),
            pending_permissions: Vec::new(),
        }
    }

    #[test]
    fn a_repeated_upsert_is_not_sent_again() {
        let mut view = AgentsView::new(&snapshot(vec![agent("a", "one")]));
        assert!(view.apply("p", &[agent("a", "one")], &[]).is_none());
        assert!(
            view.apply("p", &[], &["zz".into()]).is_none(),
            "unknown removal"
        );
        let Some(ServerMessage::AgentsDelta { upserts, .. }) =
            view.apply("p", &[agent("a", "two")], &[])
        else {
            panic!("a changed agent is sent");
        };
        assert_eq!(upserts.len(), 1);
    }

    #[test]
    fn the_version_depends_on_content_not_on_history() {
        let direct = AgentsView::new(&snapshot(vec![agent("a", "x"), agent("b", "y")]));
        let mut stepwise = AgentsView::new(&snapshot(vec![agent("b", "old")]));
        stepwise.apply("p", &[agent("a", "x"), agent("c", "z")], &[]);
        stepwise.apply("p", &[agent("b", "y")], &["c".into()]);
        assert_eq!(direct.version(), stepwise.version());
        assert_ne!(
            direct.version(),
            AgentsView::new(&snapshot(vec![])).version()
        );
        assert!(direct.version() <= VERSION_MASK && direct.version() != 0);
    }
}
