//! Which timelines anyone wants, counted per daemon and agent.
//!
//! Why outside the actors: a browser may follow an agent before the daemon
//! is watched, or while its actor is being re-created after a grace period.
//! The table lives in the hub; an actor reads it on every (re)connect to know
//! which timelines to resync, and is told when an agent's first follower
//! arrives or its last one leaves. The guard a caller holds
//! (`FollowGuard`) is the facade's, in `hub.rs`.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::sync::lock;
use crate::target::DaemonKey;

/// Follower counts: daemon → agent id → followers.
#[derive(Debug, Default)]
pub(crate) struct Follows {
    table: Mutex<HashMap<DaemonKey, HashMap<String, usize>>>,
}

impl Follows {
    /// Adds a follower; true if it is the agent's first.
    pub(crate) fn add(&self, key: &DaemonKey, agent_id: &str) -> bool {
        let mut table = lock(&self.table);
        let count = table
            .entry(key.clone())
            .or_default()
            .entry(agent_id.to_owned())
            .or_default();
        *count += 1;
        *count == 1
    }

    /// Removes a follower; true if it was the agent's last.
    pub(crate) fn remove(&self, key: &DaemonKey, agent_id: &str) -> bool {
        let mut table = lock(&self.table);
        let Some(agents) = table.get_mut(key) else {
            return false;
        };
        let Some(count) = agents.get_mut(agent_id) else {
            return false;
        };
        *count = count.saturating_sub(1);
        if *count > 0 {
            return false;
        }
        agents.remove(agent_id);
        if agents.is_empty() {
            table.remove(key);
        }
        true
    }

    pub(crate) fn contains(&self, key: &DaemonKey, agent_id: &str) -> bool {
        lock(&self.table)
            .get(key)
            .is_some_and(|agents| agents.contains_key(agent_id))
    }

    /// Followed agents of `key`, sorted (so resyncs go out in a stable order).
    pub(crate) fn agents(&self, key: &DaemonKey) -> Vec<String> {
        let mut agents: Vec<String> = lock(&self.table)
            .get(key)
            .map(|agents| agents.keys().cloned().collect())
            .unwrap_or_default();
        agents.sort();
        agents
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DaemonTarget;

    fn key() -> DaemonKey {
        DaemonTarget {
            url: "ws://a:1/ws".into(),
            password: None,
            label: String::new(),
        }
        .key()
        .unwrap()
    }

    #[test]
    fn first_and_last_followers_are_reported() {
        let follows = Follows::default();
        let k = key();
        assert!(follows.add(&k, "a"));
        assert!(!follows.add(&k, "a"));
        assert!(!follows.remove(&k, "a"));
        assert!(follows.contains(&k, "a"));
        assert!(follows.remove(&k, "a"));
        assert!(!follows.contains(&k, "a"));
        assert!(!follows.remove(&k, "a"), "no underflow");
        assert!(follows.agents(&k).is_empty());
    }
}
