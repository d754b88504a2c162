//! The hub's copy of one daemon's agent list, kept current from
//! `fetch_agents_response` pages and `agent_update` pushes.
//!
//! A (re)fetch replaces the list wholesale. Pushes that arrive while a fetch
//! is in flight are buffered and applied on top of the fetched list, so none
//! is lost; a buffered upsert older than the fetched copy of that agent
//! (by `updatedAt`) is skipped so it cannot roll the agent back. The list is
//! kept while the daemon is offline: stale data beats no data. Archived
//! agents are part of the list (it is fetched with `includeArchived`),
//! carrying their `archivedAt`.

use std::collections::BTreeMap;
use std::mem;

use protocol::{AgentSnapshot, AgentUpdate, FetchAgentsResponse};

/// Changes to hand to subscribers.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct AgentsDelta {
    pub(crate) upserts: Vec<AgentSnapshot>,
    pub(crate) removals: Vec<String>,
}

impl AgentsDelta {
    pub(crate) fn is_empty(&self) -> bool {
        self.upserts.is_empty() && self.removals.is_empty()
    }
}

/// Result of feeding a `fetch_agents_response`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FetchProgress {
    /// Not the response we wait for.
    Ignored,
    /// More pages: request the next one with this cursor, then call
    /// [`AgentMirror::continue_fetch`] with its request id.
    NextPage { cursor: String },
    /// The list is complete; this is what changed (maybe nothing).
    Complete(AgentsDelta),
}

#[derive(Debug, Default)]
enum Sync {
    /// No fetch yet on this connection; pushes apply directly.
    #[default]
    Unsynced,
    Fetching {
        request_id: String,
        fetched: BTreeMap<String, AgentSnapshot>,
        buffered: Vec<AgentUpdate>,
    },
    Synced,
}

#[derive(Debug, Default)]
pub(crate) struct AgentMirror {
    agents: BTreeMap<String, AgentSnapshot>,
    sync: Sync,
}

impl AgentMirror {
    /// All agents, ordered by id.
    pub(crate) fn agents(&self) -> Vec<AgentSnapshot> {
        self.agents.values().cloned().collect()
    }

    /// Whether the list reflects a completed fetch on the current connection.
    pub(crate) fn is_synced(&self) -> bool {
        matches!(self.sync, Sync::Synced)
    }

    /// A fetch with `request_id` was sent; buffer pushes until it completes.
    pub(crate) fn begin_fetch(&mut self, request_id: String) {
        self.sync = Sync::Fetching {
            request_id,
            fetched: BTreeMap::new(),
            buffered: Vec::new(),
        };
    }

    /// The next page was requested under `request_id`.
    pub(crate) fn continue_fetch(&mut self, request_id: String) {
        if let Sync::Fetching {
            request_id: current,
            ..
        } = &mut self.sync
        {
            *current = request_id;
        }
    }

    /// The connection dropped: an unfinished fetch and its buffer are void
    /// (the next connection fetches everything again); the list stays.
    pub(crate) fn disconnected(&mut self) {
        self.sync = Sync::Unsynced;
    }

    pub(crate) fn on_response(&mut self, response: FetchAgentsResponse) -> FetchProgress {
        let Sync::Fetching {
            request_id,
            fetched,
            ..
        } = &mut self.sync
        else {
            return FetchProgress::Ignored;
        };
        if *request_id != response.request_id {
            return FetchProgress::Ignored;
        }
        for entry in response.entries {
            fetched.insert(entry.agent.id.clone(), entry.agent);
        }
        if response.page_info.has_more
            && let Some(cursor) = response.page_info.next_cursor
        {
            return FetchProgress::NextPage { cursor };
        }
        let Sync::Fetching {
            mut fetched,
            buffered,
            ..
        } = mem::replace(&mut self.sync, Sync::Synced)
        else {
            return FetchProgress::Ignored;
        };
        for update in buffered {
            apply_buffered(&mut fetched, update);
        }
        FetchProgress::Complete(self.replace(fetched))
    }

    /// An `agent_update` push; `None` while buffering or when nothing changed.
    pub(crate) fn on_update(&mut self, update: AgentUpdate) -> Option<AgentsDelta> {
        if let Sync::Fetching { buffered, .. } = &mut self.sync {
            buffered.push(update);
            return None;
        }
        let mut delta = AgentsDelta::default();
        match update {
            AgentUpdate::Upsert { agent, .. } => {
                if self.agents.get(&agent.id) != Some(&agent) {
                    self.agents.insert(agent.id.clone(), (*agent).clone());
                    delta.upserts.push(*agent);
                }
            }
            AgentUpdate::Remove { agent_id } => {
                if self.agents.remove(&agent_id).is_some() {
                    delta.removals.push(agent_id);
                }
            }
        }
        (!delta.is_empty()).then_some(delta)
    }

    /// An authoritative copy of one agent (`fetch_agent`). Skipped when it
    /// is older than the copy held. Archived agents are kept like any
    /// other (the list is fetched with `includeArchived`).
    pub(crate) fn on_snapshot(&mut self, agent: AgentSnapshot) -> Option<AgentsDelta> {
        let held = self.agents.get(&agent.id);
        if held.is_some_and(|held| held.updated_at > agent.updated_at) {
            return None;
        }
        self.on_update(AgentUpdate::Upsert {
            agent: Box::new(agent),
            project: None,
        })
    }

    fn replace(&mut self, next: BTreeMap<String, AgentSnapshot>) -> AgentsDelta {
        let removals = self
            .agents
            .keys()
            .filter(|id| !next.contains_key(*id))
            .cloned()
            .collect();
        let upserts = next
            .values()
            .filter(|agent| self.agents.get(&agent.id) != Some(*agent))
            .cloned()
            .collect();
        self.agents = next;
        AgentsDelta { upserts, removals }
    }
}

fn apply_buffered(list: &mut BTreeMap<String, AgentSnapshot>, update: AgentUpdate) {
    match update {
        AgentUpdate::Upsert { agent, .. } => {
            // ISO-8601 timestamps from one daemon compare as strings.
            let older = list
                .get(&agent.id)
                .is_some_and(|fetched| fetched.updated_at > agent.updated_at);
            if !older {
                list.insert(agent.id.clone(), *agent);
            }
        }
        AgentUpdate::Remove { agent_id } => {
            list.remove(&agent_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::AgentStatus;

    fn agent(id: &str, updated_at: &str) -> AgentSnapshot {
        serde_json::from_value(serde_json::json!({
            "id": id, "provider": "mock", "cwd": "/tmp", "createdAt": "2026-01-01T00:00:00.000Z",
            "updatedAt": updated_at, "status": "idle",
        }))
        .unwrap()
    }

    fn response(
        request_id: &str,
        agents: &[AgentSnapshot],
        next: Option<&str>,
    ) -> FetchAgentsResponse {
        let entries: Vec<_> = agents
            .iter()
            .map(|a| serde_json::json!({ "agent": a }))
            .collect();
        serde_json::from_value(serde_json::json!({
            "requestId": request_id,
            "entries": entries,
            "pageInfo": { "nextCursor": next, "prevCursor": null, "hasMore": next.is_some() },
        }))
        .unwrap()
    }

    fn upsert(a: AgentSnapshot) -> AgentUpdate {
        AgentUpdate::Upsert {
            agent: Box::new(a),
            project: None,
        }
    }

    const T1: &str = "2026-01-01T00:00:01.000Z";
    const T2: &str = "2026-01-01T00:00:02.000Z";

    fn synced(agents: &[AgentSnapshot]) -> AgentMirror {
        let mut m = AgentMirror::default();
        m.begin_fetch("r1".into());
        m.on_response(response("r1", agents, None));
        m
    }

    #[test]
    fn response_fills_the_list() {
        let mut m = AgentMirror::default();
        m.begin_fetch("r1".into());
        let FetchProgress::Complete(delta) = m.on_response(response("r1", &[agent("a", T1)], None))
        else {
            panic!("complete expected");
        };
        assert_eq!(delta.upserts.len(), 1);
        assert!(m.is_synced());
        assert_eq!(m.agents()[0].id, "a");
    }

    #[test]
    fn response_to_another_request_is_ignored() {
        let mut m = AgentMirror::default();
        m.begin_fetch("r1".into());
        assert_eq!(
            m.on_response(response("zz", &[agent("a", T1)], None)),
            FetchProgress::Ignored
        );
        assert!(m.agents().is_empty());
    }

    #[test]
    fn updates_before_the_response_are_not_lost() {
        let mut m = AgentMirror::default();
        m.begin_fetch("r1".into());
        assert_eq!(m.on_update(upsert(agent("early", T1))), None, "buffered");
        m.on_response(response("r1", &[agent("a", T1)], None));
        let ids: Vec<_> = m.agents().into_iter().map(|a| a.id).collect();
        assert_eq!(ids, ["a", "early"]);
    }

    #[test]
    fn buffered_removal_applies_after_the_response() {
        let mut m = AgentMirror::default();
        m.begin_fetch("r1".into());
        m.on_update(AgentUpdate::Remove {
            agent_id: "a".into(),
        });
        m.on_response(response("r1", &[agent("a", T1)], None));
        assert!(m.agents().is_empty());
    }

    #[test]
    fn buffered_upsert_older_than_the_fetched_copy_is_skipped() {
        let mut m = AgentMirror::default();
        m.begin_fetch("r1".into());
        m.on_update(upsert(agent("a", T1)));
        m.on_response(response("r1", &[agent("a", T2)], None));
        assert_eq!(m.agents()[0].updated_at, T2);
    }

    #[test]
    fn pages_accumulate_until_the_last() {
        let mut m = AgentMirror::default();
        m.begin_fetch("r1".into());
        assert_eq!(
            m.on_response(response("r1", &[agent("a", T1)], Some("c1"))),
            FetchProgress::NextPage {
                cursor: "c1".into()
            }
        );
        m.continue_fetch("r2".into());
        assert!(matches!(
            m.on_response(response("r2", &[agent("b", T1)], None)),
            FetchProgress::Complete(_)
        ));
        assert_eq!(m.agents().len(), 2);
    }

    #[test]
    fn push_after_sync_upserts() {
        let mut m = synced(&[]);
        let delta = m.on_update(upsert(agent("a", T1))).unwrap();
        assert_eq!(delta.upserts[0].id, "a");
    }

    #[test]
    fn unchanged_upsert_is_no_delta() {
        let mut m = synced(&[agent("a", T1)]);
        assert_eq!(m.on_update(upsert(agent("a", T1))), None);
    }

    #[test]
    fn push_removal_removes() {
        let mut m = synced(&[agent("a", T1)]);
        let delta = m
            .on_update(AgentUpdate::Remove {
                agent_id: "a".into(),
            })
            .unwrap();
        assert_eq!(delta.removals, ["a"]);
        assert_eq!(
            m.on_update(AgentUpdate::Remove {
                agent_id: "a".into()
            }),
            None
        );
    }

    #[test]
    fn snapshot_refreshes_but_never_rolls_back() {
        let mut m = synced(&[agent("a", T2)]);
        assert_eq!(m.on_snapshot(agent("a", T1)), None, "older copy");
        let mut newer = agent("a", T2);
        newer.status = AgentStatus::Running;
        assert!(m.on_snapshot(newer).is_some());
        let mut archived = agent("z", T1);
        archived.archived_at = Some(T1.into());
        let delta = m
            .on_snapshot(archived)
            .expect("archived agents are mirrored");
        assert_eq!(delta.upserts[0].archived_at.as_deref(), Some(T1));
    }

    #[test]
    fn refetch_reports_only_differences() {
        let mut m = synced(&[agent("a", T1), agent("b", T1)]);
        m.disconnected();
        assert!(!m.is_synced());
        assert_eq!(m.agents().len(), 2, "stale list kept while offline");
        m.begin_fetch("r2".into());
        let mut changed = agent("b", T2);
        changed.status = AgentStatus::Running;
        let FetchProgress::Complete(delta) =
            m.on_response(response("r2", &[changed, agent("c", T1)], None))
        else {
            panic!("complete expected");
        };
        let upserts: Vec<_> = delta.upserts.into_iter().map(|a| a.id).collect();
        assert_eq!(upserts, ["b", "c"]);
        assert_eq!(delta.removals, ["a"]);
    }
}
