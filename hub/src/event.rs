//! What the hub broadcasts. One enum so a subscriber (the browser live
//! channel) sees connection, agent, timeline, permission and provider changes
//! of all daemons in the order they happened.
//!
//! A receiver that falls behind gets `RecvError::Lagged` from tokio's
//! broadcast channel: it must not guess what it missed but re-read the
//! mirror ([`crate::Hub::snapshot`], [`crate::Hub::timeline`]) and carry on
//! from there; every event is a delta on top of that mirror.

use std::sync::Arc;

use protocol::{AgentSnapshot, ProviderSnapshotEntry};

use crate::mirror::permissions::PermissionChange;
use crate::mirror::timeline::TimelineRow;
use crate::state::ConnectionSnapshot;
use crate::target::DaemonKey;

/// A change on one daemon, sent to every [`crate::Hub::subscribe`] receiver.
#[derive(Debug, Clone, PartialEq)]
pub enum HubEvent {
    /// The connection's snapshot changed (status, error, server info). A
    /// final `idle` snapshot follows when the connection is closed because
    /// nobody watches it any more.
    Connection {
        key: DaemonKey,
        snapshot: ConnectionSnapshot,
    },
    /// Agents were added/changed (`upserts`) or went away (`removals`, agent
    /// ids). One such event, possibly empty, also follows every completed
    /// (re)fetch of the agent list, so a receiver knows the list is current.
    Agents {
        key: DaemonKey,
        upserts: Vec<AgentSnapshot>,
        removals: Vec<String>,
    },
    /// Rows appended to a followed timeline, in seq order, each seq after
    /// the previous newest row of `epoch` (never a seq sent before). Rows
    /// are shared (`Arc`) with the mirror and every other subscriber.
    Timeline {
        key: DaemonKey,
        agent_id: String,
        epoch: String,
        items: Vec<Arc<TimelineRow>>,
    },
    /// A followed timeline was replaced: first load, epoch change, or the
    /// daemon answered a resync with `reset`. Drop what you hold for it.
    TimelineReset {
        key: DaemonKey,
        agent_id: String,
        epoch: String,
        items: Vec<Arc<TimelineRow>>,
        has_older: bool,
    },
    /// A permission request started or stopped waiting for an answer.
    Permission {
        key: DaemonKey,
        agent_id: String,
        change: PermissionChange,
    },
    /// The daemon's provider snapshot changed (the whole list).
    Providers {
        key: DaemonKey,
        entries: Vec<ProviderSnapshotEntry>,
    },
}

impl HubEvent {
    /// The daemon this event is about.
    pub fn key(&self) -> &DaemonKey {
        match self {
            HubEvent::Connection { key, .. }
            | HubEvent::Agents { key, .. }
            | HubEvent::Timeline { key, .. }
            | HubEvent::TimelineReset { key, .. }
            | HubEvent::Permission { key, .. }
            | HubEvent::Providers { key, .. } => key,
        }
    }
}
