//! The live diffs the tab's pages show, over the tab's one channel.
//!
//! A page calls [`LiveDiffs::watch`] for `(profile, cwd)` and
//! [`LiveDiffs::unwatch`] when it goes; the channel (`client.rs`) sends
//! `subscribe_diff`/`unsubscribe_diff` to match whenever it is open (again
//! after every reconnect) and hands each `diff_update` to
//! [`LiveDiffs::apply`]. The last diff of each `(profile, cwd)` stays in
//! memory after the page leaves, so an offline host's diff page shows what
//! this tab last saw.

use crate::sorted::SortedMap;

use leptos::prelude::*;

use crate::contract::{LiveDiffFile, ServerMessage};

/// Which diff: a profile's daemon and a directory on it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DiffTarget {
    pub profile_id: String,
    pub cwd: String,
}

/// The last diff received for a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedDiff {
    pub files: Vec<LiveDiffFile>,
    /// The daemon's reason for having no diff.
    pub error: Option<String>,
    /// How many diffs arrived for this target in this tab (a test hook and
    /// the "live" indicator).
    pub updates: u64,
}

/// The tab's diff subscriptions and what they brought (a `Copy` bundle of
/// signals, part of [`super::LiveState`]).
#[derive(Debug, Clone, Copy)]
pub struct LiveDiffs {
    /// What the pages want now: the tab's subscription id → target.
    pub wanted: RwSignal<SortedMap<String, DiffTarget>>,
    received: RwSignal<SortedMap<DiffTarget, ReceivedDiff>>,
    next_id: StoredValue<u64>,
}

impl LiveDiffs {
    pub(super) fn new() -> Self {
        LiveDiffs {
            wanted: RwSignal::new(SortedMap::new()),
            received: RwSignal::new(SortedMap::new()),
            next_id: StoredValue::new(0),
        }
    }

    /// Starts watching `target`; returns the id to [`Self::unwatch`] with.
    pub fn watch(&self, target: DiffTarget) -> String {
        let n = self.next_id.get_value() + 1;
        self.next_id.set_value(n);
        let id = format!("diff-{n}");
        self.wanted.update(|w| {
            w.insert(id.clone(), target);
        });
        id
    }

    pub fn unwatch(&self, id: &str) {
        self.wanted.update(|w| {
            w.remove(id);
        });
    }

    /// The last diff of `target` (tracked).
    pub fn get(&self, target: &DiffTarget) -> Option<ReceivedDiff> {
        self.received.with(|r| r.get(target).cloned())
    }

    /// A `diff_update` of a subscription still wanted (a late one for a
    /// page that left is dropped). Other messages are ignored.
    pub fn apply(&self, message: ServerMessage) {
        let ServerMessage::DiffUpdate {
            profile_id,
            subscription_id,
            files,
            error,
            ..
        } = message
        else {
            return;
        };
        let Some(target) = self
            .wanted
            .with_untracked(|w| w.get(&subscription_id).cloned())
            .filter(|t| t.profile_id == profile_id)
        else {
            return;
        };
        self.received.update(|r| {
            let updates = r.get(&target).map_or(0, |d| d.updates) + 1;
            r.insert(
                target,
                ReceivedDiff {
                    files,
                    error,
                    updates,
                },
            );
        });
    }
}
