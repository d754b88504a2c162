//! The session directory as plain data: `profile_id → SessionModel`, and
//! [`DirectoryModel::apply`], which turns one live-channel message into the
//! new state plus the list of what changed.
//!
//! Why pure: every rule of the seed about what the browser holds (offline
//! sessions stay and go stale, seq ranges never applied twice, permissions
//! resolved elsewhere disappear) is decided here and tested natively; the
//! reactive layer (`directory::Directory`) only forwards each [`Change`] to
//! the one signal it concerns, so one update re-renders one row.

use crate::sorted::SortedMap;

use protocol::{AgentSnapshot, PermissionRequest};
use serde::{Deserialize, Serialize};

use super::timeline::{Row, TimelineChange, TimelineModel};
use crate::contract::{LiveTimelineItem, ServerMessage};

/// `(profile_id, agent_id)`: an agent is only ever named with its host.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AgentKey {
    pub profile_id: String,
    pub agent_id: String,
}

impl AgentKey {
    pub fn new(profile_id: impl Into<String>, agent_id: impl Into<String>) -> Self {
        AgentKey {
            profile_id: profile_id.into(),
            agent_id: agent_id.into(),
        }
    }
}

/// What the browser holds of one daemon.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionModel {
    pub agents: SortedMap<String, AgentSnapshot>,
    /// The daemon's `ProviderSnapshotEntry` objects as sent: decoded by
    /// the views that show them (see `Directory::providers`), which keeps
    /// that decoding out of the bundle's main module.
    pub providers: Vec<serde_json::Value>,
    /// Pending permission requests by agent id, in arrival order.
    pub permissions: SortedMap<String, Vec<PermissionRequest>>,
    pub timelines: SortedMap<String, TimelineModel>,
    /// The live channel's `agents_version`, echoed in `resume`.
    pub agents_version: u64,
    /// The daemon's `srv_` id, as last reported.
    pub daemon_id: Option<String>,
    /// A live `snapshot` arrived on this page; until then what is held came
    /// from the browser's cache and is stale.
    #[serde(skip)]
    pub live: bool,
}

/// One thing [`DirectoryModel::apply`] changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The set of agents of a profile changed (added, removed, replaced).
    AgentSet { profile_id: String },
    /// One agent's snapshot changed.
    Agent(AgentKey),
    /// One agent's pending permissions changed.
    Permissions(AgentKey),
    /// A profile's providers changed.
    Providers { profile_id: String },
    /// One timeline changed.
    Timeline {
        key: AgentKey,
        change: TimelineChange,
    },
    /// A profile's session became live (its first snapshot on this page).
    Live { profile_id: String },
}

/// Every daemon session the tab holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DirectoryModel {
    pub sessions: SortedMap<String, SessionModel>,
}

impl DirectoryModel {
    pub fn session(&self, profile_id: &str) -> Option<&SessionModel> {
        self.sessions.get(profile_id)
    }

    /// Applies one server message; returns what changed, in order.
    pub fn apply(&mut self, message: ServerMessage) -> Vec<Change> {
        match message {
            ServerMessage::Snapshot {
                profile_id,
                agents,
                providers,
                pending_permissions,
                agents_version,
            } => self.snapshot(
                profile_id,
                agents,
                providers,
                pending_permissions,
                agents_version,
            ),
            ServerMessage::AgentsDelta {
                profile_id,
                upserts,
                removals,
                agents_version,
            } => {
                let session = self.sessions.entry(profile_id.clone()).or_default();
                session.agents_version = agents_version;
                let mut changes = Vec::new();
                let mut set_changed = false;
                for agent in upserts {
                    let key = AgentKey::new(&profile_id, &agent.id);
                    if session.agents.get(&agent.id) == Some(&agent) {
                        continue;
                    }
                    // The snapshot is authoritative for the agent's pending
                    // permissions (a resolution missed is cleared here).
                    let permissions = agent.pending_permissions.clone();
                    let old = session.agents.insert(agent.id.clone(), agent);
                    set_changed |= old.is_none();
                    changes.push(Change::Agent(key.clone()));
                    if session
                        .permissions
                        .get(&key.agent_id)
                        .cloned()
                        .unwrap_or_default()
                        != permissions
                    {
                        set_or_remove(&mut session.permissions, &key.agent_id, permissions);
                        changes.push(Change::Permissions(key));
                    }
                }
                for id in removals {
                    if session.agents.remove(&id).is_some() {
                        set_changed = true;
                        if session.permissions.remove(&id).is_some() {
                            changes.push(Change::Permissions(AgentKey::new(&profile_id, &id)));
                        }
                    }
                }
                if set_changed {
                    changes.insert(0, Change::AgentSet { profile_id });
                }
                changes
            }
            ServerMessage::Providers {
                profile_id,
                providers,
                agents_version,
            } => {
                let session = self.sessions.entry(profile_id.clone()).or_default();
                session.agents_version = agents_version;
                session.providers = providers;
                vec![Change::Providers { profile_id }]
            }
            ServerMessage::Permission {
                profile_id,
                agent_id,
                request,
                resolved,
            } => {
                let session = self.sessions.entry(profile_id.clone()).or_default();
                let list = session.permissions.entry(agent_id.clone()).or_default();
                let before = list.clone();
                if let Some(request) =
                    request.and_then(|r| serde_json::from_value::<PermissionRequest>(r).ok())
                    && !list.iter().any(|r| r.id == request.id)
                {
                    list.push(request);
                }
                if let Some(id) = resolved
                    .as_ref()
                    .and_then(|r| r.get("request_id"))
                    .and_then(|v| v.as_str())
                {
                    list.retain(|r| r.id != id);
                }
                let after = list.clone();
                if after.is_empty() {
                    session.permissions.remove(&agent_id);
                }
                if before == after {
                    Vec::new()
                } else {
                    vec![Change::Permissions(AgentKey::new(profile_id, agent_id))]
                }
            }
            ServerMessage::TimelineDelta {
                profile_id,
                agent_id,
                epoch,
                items,
            } => {
                let session = self.sessions.entry(profile_id.clone()).or_default();
                let rows = rows(items);
                let timeline = session.timelines.entry(agent_id.clone()).or_default();
                let change = if timeline.items.is_empty() && timeline.epoch.is_empty() {
                    // The server's first delta is the mirror's tail: seqs
                    // start at 1, so a later first row means older rows.
                    let has_older = rows.first().is_some_and(|r| r.seq_start > 1);
                    *timeline = TimelineModel::from_rows(&epoch, rows, has_older);
                    TimelineChange::Reset
                } else {
                    timeline.append(&epoch, rows)
                };
                vec![Change::Timeline {
                    key: AgentKey::new(profile_id, agent_id),
                    change,
                }]
            }
            ServerMessage::TimelineReset {
                profile_id,
                agent_id,
                epoch,
                items,
                has_older,
            } => {
                let session = self.sessions.entry(profile_id.clone()).or_default();
                session.timelines.insert(
                    agent_id.clone(),
                    TimelineModel::from_rows(&epoch, rows(items), has_older),
                );
                vec![Change::Timeline {
                    key: AgentKey::new(profile_id, agent_id),
                    change: TimelineChange::Reset,
                }]
            }
            ServerMessage::State {
                profile_id,
                daemon_id: Some(daemon_id),
                ..
            } => {
                let session = self.sessions.entry(profile_id).or_default();
                session.daemon_id = Some(daemon_id);
                Vec::new()
            }
            ServerMessage::State { .. }
            | ServerMessage::Hello { .. }
            | ServerMessage::Error { .. }
            | ServerMessage::ProbeResult { .. }
            | ServerMessage::DiffUpdate { .. }
            | ServerMessage::Unknown => Vec::new(),
        }
    }

    fn snapshot(
        &mut self,
        profile_id: String,
        agents: Vec<AgentSnapshot>,
        providers: Vec<serde_json::Value>,
        pending_permissions: Vec<serde_json::Value>,
        agents_version: u64,
    ) -> Vec<Change> {
        let session = self.sessions.entry(profile_id.clone()).or_default();
        let mut changes = vec![Change::AgentSet {
            profile_id: profile_id.clone(),
        }];
        let incoming: SortedMap<String, AgentSnapshot> =
            agents.into_iter().map(|a| (a.id.clone(), a)).collect();
        for (id, agent) in &incoming {
            if session.agents.get(id) != Some(agent) {
                changes.push(Change::Agent(AgentKey::new(&profile_id, id)));
            }
        }
        session.agents = incoming;
        let mut permissions: SortedMap<String, Vec<PermissionRequest>> = SortedMap::new();
        for entry in pending_permissions {
            let agent_id = entry
                .get("agent_id")
                .and_then(|v| v.as_str())
                .map(str::to_owned);
            let request = entry
                .get("request")
                .cloned()
                .and_then(|r| serde_json::from_value::<PermissionRequest>(r).ok());
            if let (Some(agent_id), Some(request)) = (agent_id, request) {
                permissions.entry(agent_id).or_default().push(request);
            }
        }
        let touched: crate::sorted::SortedSet<String> = session
            .permissions
            .keys()
            .chain(permissions.keys())
            .cloned()
            .collect();
        for agent_id in touched {
            if session.permissions.get(&agent_id) != permissions.get(&agent_id) {
                changes.push(Change::Permissions(AgentKey::new(&profile_id, agent_id)));
            }
        }
        session.permissions = permissions;
        session.providers = providers;
        session.agents_version = agents_version;
        changes.push(Change::Providers {
            profile_id: profile_id.clone(),
        });
        if !session.live {
            session.live = true;
            changes.push(Change::Live { profile_id });
        }
        changes
    }

    /// Puts an older page of rows before a timeline's first item.
    pub fn prepend(
        &mut self,
        key: &AgentKey,
        epoch: &str,
        items: Vec<LiveTimelineItem>,
        has_older: bool,
    ) -> Change {
        let session = self.sessions.entry(key.profile_id.clone()).or_default();
        let timeline = session.timelines.entry(key.agent_id.clone()).or_default();
        let change = timeline.prepend(epoch, rows(items), has_older);
        Change::Timeline {
            key: key.clone(),
            change,
        }
    }
}

fn set_or_remove(
    map: &mut SortedMap<String, Vec<PermissionRequest>>,
    id: &str,
    list: Vec<PermissionRequest>,
) {
    if list.is_empty() {
        map.remove(id);
    } else {
        map.insert(id.to_owned(), list);
    }
}

/// Live items → rows (items stay JSON: an unknown or malformed one is kept
/// as it came, never lost; views decode what they render).
pub fn rows(items: Vec<LiveTimelineItem>) -> Vec<Row> {
    items
        .into_iter()
        .map(|item| Row {
            seq_start: item.seq_start,
            seq_end: item.seq_end,
            timestamp: item.timestamp,
            item: item.item,
        })
        .collect()
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
