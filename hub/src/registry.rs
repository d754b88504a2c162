//! Who wants which daemon: the sharing rules, separate from the sockets.
//!
//! One entry per [`DaemonKey`], created by the first watcher and holding the
//! running actor's handle. Watchers are counted; when the last one goes the
//! caller schedules an expiry after the grace period, and the expiry only
//! removes the entry if nobody came back in the meantime (checked with a
//! generation number). Pinned entries never expire. Client ids are kept per
//! key for the hub's whole life, so a re-created actor re-attaches to the
//! same daemon-side session.

use std::collections::HashMap;

use crate::target::DaemonKey;

struct Entry<H> {
    handle: H,
    watchers: usize,
    pinned: bool,
    generation: u64,
}

/// The sharing table; `H` is the actor handle (generic so the rules are
/// tested without actors).
pub(crate) struct Registry<H> {
    entries: HashMap<DaemonKey, Entry<H>>,
    client_ids: HashMap<DaemonKey, String>,
}

impl<H> Default for Registry<H> {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
            client_ids: HashMap::new(),
        }
    }
}

impl<H> Registry<H> {
    /// Adds a watcher (or a pin) for `key`, calling `start(client_id)` to
    /// create the actor if there is none. Returns whether one was started.
    pub(crate) fn acquire(
        &mut self,
        key: &DaemonKey,
        pin: bool,
        start: impl FnOnce(&str) -> H,
    ) -> bool {
        let started = !self.entries.contains_key(key);
        let client_ids = &mut self.client_ids;
        let entry = self.entries.entry(key.clone()).or_insert_with(|| {
            let client_id = client_ids.entry(key.clone()).or_insert_with(new_client_id);
            Entry {
                handle: start(client_id),
                watchers: 0,
                pinned: false,
                generation: 0,
            }
        });
        entry.generation += 1;
        if pin {
            entry.pinned = true;
        } else {
            entry.watchers += 1;
        }
        started
    }

    /// Whether a pinned entry (the operator's own daemon) has this URL,
    /// whatever its credential.
    pub(crate) fn pins_url(&self, url: &str) -> bool {
        self.entries
            .iter()
            .any(|(key, entry)| entry.pinned && key.url() == url)
    }

    /// Removes one watcher. `Some(generation)` when nothing holds the entry
    /// any more: call [`Registry::expire`] with it after the grace period.
    pub(crate) fn release(&mut self, key: &DaemonKey) -> Option<u64> {
        let entry = self.entries.get_mut(key)?;
        entry.watchers = entry.watchers.saturating_sub(1);
        entry.generation += 1;
        (entry.watchers == 0 && !entry.pinned).then_some(entry.generation)
    }

    /// Removes the entry if it is still unwatched since `generation`; the
    /// returned handle is dropped by the caller, which stops the actor.
    pub(crate) fn expire(&mut self, key: &DaemonKey, generation: u64) -> Option<H> {
        let entry = self.entries.get(key)?;
        if entry.generation != generation || entry.watchers > 0 || entry.pinned {
            return None;
        }
        self.entries.remove(key).map(|entry| entry.handle)
    }

    pub(crate) fn get(&self, key: &DaemonKey) -> Option<&H> {
        self.entries.get(key).map(|entry| &entry.handle)
    }
}

/// `cid_` + 32 hex digits, like Paseo's own clients.
fn new_client_id() -> String {
    format!("cid_{:032x}", rand::random::<u128>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DaemonTarget;

    fn key(url: &str) -> DaemonKey {
        DaemonTarget {
            url: url.into(),
            password: None,
            label: String::new(),
        }
        .key()
        .unwrap()
    }

    #[test]
    fn second_watcher_shares_the_actor() {
        let mut r = Registry::default();
        let k = key("ws://a:1/ws");
        assert!(r.acquire(&k, false, |_| ()));
        assert!(!r.acquire(&k, false, |_| ()));
    }

    #[test]
    fn release_of_the_last_watcher_asks_for_expiry() {
        let mut r = Registry::default();
        let k = key("ws://a:1/ws");
        r.acquire(&k, false, |_| ());
        r.acquire(&k, false, |_| ());
        assert_eq!(r.release(&k), None);
        let generation = r.release(&k).unwrap();
        assert!(r.expire(&k, generation).is_some());
        assert!(r.get(&k).is_none());
    }

    #[test]
    fn a_watcher_during_the_grace_period_cancels_expiry() {
        let mut r = Registry::default();
        let k = key("ws://a:1/ws");
        r.acquire(&k, false, |_| ());
        let generation = r.release(&k).unwrap();
        assert!(!r.acquire(&k, false, |_| ()), "actor reused");
        assert!(r.expire(&k, generation).is_none());
    }

    #[test]
    fn stale_expiry_after_leave_and_return_is_ignored() {
        let mut r = Registry::default();
        let k = key("ws://a:1/ws");
        r.acquire(&k, false, |_| ());
        let first = r.release(&k).unwrap();
        r.acquire(&k, false, |_| ());
        let second = r.release(&k).unwrap();
        assert!(r.expire(&k, first).is_none());
        assert!(r.expire(&k, second).is_some());
    }

    #[test]
    fn pinned_entries_never_expire() {
        let mut r = Registry::default();
        let k = key("ws://a:1/ws");
        r.acquire(&k, true, |_| ());
        r.acquire(&k, false, |_| ());
        assert_eq!(r.release(&k), None);
    }

    #[test]
    fn client_id_survives_the_actor() {
        let mut r = Registry::default();
        let k = key("ws://a:1/ws");
        let mut ids = Vec::new();
        r.acquire(&k, false, |id| ids.push(id.to_owned()));
        let generation = r.release(&k).unwrap();
        r.expire(&k, generation);
        r.acquire(&k, false, |id| ids.push(id.to_owned()));
        assert_eq!(ids.len(), 2);
        assert_eq!(ids[0], ids[1]);
        assert!(ids[0].starts_with("cid_") && ids[0].len() == 36);
    }

    #[test]
    fn different_keys_get_different_client_ids() {
        let mut r = Registry::default();
        let mut ids = Vec::new();
        r.acquire(&key("ws://a:1/ws"), false, |id| ids.push(id.to_owned()));
        r.acquire(&key("ws://b:1/ws"), false, |id| ids.push(id.to_owned()));
        assert_ne!(ids[0], ids[1]);
    }
}
