//! What the hub broadcasts. One enum so a subscriber (the browser live
//! channel) sees connection and agent changes of all daemons in order.

use protocol::AgentSnapshot;

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
}

impl HubEvent {
    /// The daemon this event is about.
    pub fn key(&self) -> &DaemonKey {
        match self {
            HubEvent::Connection { key, .. } | HubEvent::Agents { key, .. } => key,
        }
    }
}
