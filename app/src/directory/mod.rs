//! The session directory: every daemon session this tab holds, as
//! fine-grained signals, fed by the live channel and by server functions.
//!
//! `model` (pure data + `apply`) decides; this module only reflects each
//! [`Change`] onto the one signal it concerns: an agent's snapshot, its
//! pending permissions, one timeline item. So a streamed chunk re-renders
//! one item, a status change one row. Nothing here opens a socket; the live
//! client (`live::client`) calls [`Directory::apply`].
//!
//! Reads: [`use_directory`] (everything); which profile a route names, and
//! whether its session is current, is `crate::session` (it joins this with
//! the connections context).

pub mod model;
pub mod ordering;
pub mod timeline;

use crate::sorted::{SortedMap, SortedSet};

use std::sync::{Arc, Mutex};

use leptos::prelude::*;
use protocol::{AgentSnapshot, PermissionRequest, ProviderSnapshotEntry};

pub use model::{AgentKey, Change, DirectoryModel, SessionModel};
pub use timeline::{DisplayItem, TimelineChange, TimelineModel, kind as timeline_kind};

use crate::contract::{LiveTimelineItem, ServerMessage};

/// One agent's signals.
#[derive(Clone)]
pub struct AgentCell {
    pub snapshot: ArcRwSignal<AgentSnapshot>,
    pub permissions: ArcRwSignal<Vec<PermissionRequest>>,
}

/// One timeline's signals: the ordered item keys (`seq_start`), and one
/// signal per item.
#[derive(Clone, Default)]
pub struct TimelineCell {
    pub keys: ArcRwSignal<Vec<u64>>,
    pub items: Arc<Mutex<SortedMap<u64, ArcRwSignal<DisplayItem>>>>,
    pub has_older: ArcRwSignal<bool>,
    pub epoch: ArcRwSignal<String>,
    /// Rows have arrived at least once (from the cache or live).
    pub loaded: ArcRwSignal<bool>,
}

impl TimelineCell {
    /// The signal of the item starting at `seq_start`.
    pub fn item(&self, seq_start: u64) -> Option<ArcRwSignal<DisplayItem>> {
        self.items
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&seq_start)
            .cloned()
    }
}

/// The reactive directory (a `Copy` handle).
#[derive(Clone, Copy)]
pub struct Directory {
    model: StoredValue<DirectoryModel>,
    keys: RwSignal<Vec<AgentKey>>,
    agents: StoredValue<SortedMap<AgentKey, AgentCell>>,
    timelines: StoredValue<SortedMap<AgentKey, TimelineCell>>,
    providers: RwSignal<SortedMap<String, Vec<serde_json::Value>>>,
    live_profiles: RwSignal<SortedSet<String>>,
    /// Timelines the tab's screens show, with a count of screens each.
    follows: RwSignal<SortedMap<AgentKey, usize>>,
    /// The live channel's tab token (server functions carry it).
    pub tab_token: RwSignal<Option<String>>,
    /// Bumped on every change (the snapshot writer saves when it moved).
    generation: StoredValue<u64>,
    /// Agents opened on this page, most recent first (snapshot timelines).
    recent: StoredValue<Vec<AgentKey>>,
}

/// Provides the directory; call once at the root, after the live state.
pub fn provide_directory() -> Directory {
    let directory = Directory::new();
    provide_context(directory);
    directory
}

/// The directory provided at the root.
pub fn use_directory() -> Directory {
    expect_context::<Directory>()
}

impl Directory {
    fn new() -> Self {
        Directory {
            model: StoredValue::new(DirectoryModel::default()),
            keys: RwSignal::new(Vec::new()),
            agents: StoredValue::new(SortedMap::new()),
            timelines: StoredValue::new(SortedMap::new()),
            providers: RwSignal::new(SortedMap::new()),
            live_profiles: RwSignal::new(SortedSet::new()),
            follows: RwSignal::new(SortedMap::new()),
            tab_token: RwSignal::new(None),
            generation: StoredValue::new(0),
            recent: StoredValue::new(Vec::new()),
        }
    }

    /// Applies a live message and reflects what changed.
    pub fn apply(&self, message: ServerMessage) -> Vec<Change> {
        let changes = self
            .model
            .try_update_value(|model| model.apply(message))
            .unwrap_or_default();
        for change in &changes {
            self.reflect(change);
        }
        changes
    }

    /// Merges an older page fetched by a server function.
    pub fn prepend(
        &self,
        key: &AgentKey,
        epoch: &str,
        items: Vec<LiveTimelineItem>,
        has_older: bool,
    ) {
        if let Some(change) = self
            .model
            .try_update_value(|model| model.prepend(key, epoch, items, has_older))
        {
            self.reflect(&change);
        }
    }

    /// Drops everything held for a profile (it now reaches another daemon):
    /// its agents leave the lists until that daemon's snapshot arrives.
    pub fn forget(&self, profile_id: &str) {
        self.model.update_value(|model| {
            model.sessions.remove(profile_id);
        });
        self.reflect(&Change::AgentSet {
            profile_id: profile_id.to_owned(),
        });
    }

    /// Replaces one profile's session with a cached one (stale until the
    /// live snapshot); does nothing once the profile is live.
    pub fn restore(&self, profile_id: &str, session: SessionModel) {
        let mut restored = false;
        self.model.update_value(|model| {
            let live = model.sessions.get(profile_id).is_some_and(|s| s.live);
            if !live {
                model.sessions.insert(profile_id.to_owned(), session);
                restored = true;
            }
        });
        if !restored {
            return;
        }
        self.reflect(&Change::AgentSet {
            profile_id: profile_id.to_owned(),
        });
        let (agent_ids, timeline_ids) = self
            .model
            .with_value(|m| {
                m.session(profile_id).map(|s| {
                    (
                        s.agents.keys().cloned().collect::<Vec<_>>(),
                        s.timelines.keys().cloned().collect::<Vec<_>>(),
                    )
                })
            })
            .unwrap_or_default();
        for id in agent_ids {
            let key = AgentKey::new(profile_id, id);
            self.reflect(&Change::Agent(key.clone()));
            self.reflect(&Change::Permissions(key));
        }
        for id in timeline_ids {
            self.reflect(&Change::Timeline {
                key: AgentKey::new(profile_id, id),
                change: TimelineChange::Reset,
            });
        }
        self.reflect(&Change::Providers {
            profile_id: profile_id.to_owned(),
        });
    }

    /// Puts what the server painted (an agent and its tail) into the
    /// directory, so the first client render matches SSR. Never replaces
    /// live data or an agent already held.
    pub fn seed_server_tail(&self, tail: &crate::api::timeline::PaintedTail) {
        let key = AgentKey::new(&tail.profile_id, &tail.agent.id);
        let mut seeded = false;
        self.model.update_value(|model| {
            let session = model.sessions.entry(tail.profile_id.clone()).or_default();
            if session.live || session.agents.contains_key(&tail.agent.id) {
                return;
            }
            session
                .agents
                .insert(tail.agent.id.clone(), tail.agent.clone());
            session.timelines.insert(
                tail.agent.id.clone(),
                TimelineModel::from_rows(
                    &tail.epoch,
                    model::rows(tail.items.clone()),
                    tail.has_older,
                ),
            );
            seeded = true;
        });
        if seeded {
            self.reflect(&Change::AgentSet {
                profile_id: tail.profile_id.clone(),
            });
            self.reflect(&Change::Timeline {
                key,
                change: TimelineChange::Reset,
            });
        }
    }

    /// Reads the pure model (untracked).
    pub fn with_model<T>(&self, f: impl FnOnce(&DirectoryModel) -> T) -> T {
        self.model.with_value(f)
    }

    /// A counter that moves whenever the directory changes.
    pub fn generation(&self) -> u64 {
        self.generation.get_value()
    }

    /// The agents of `profile_id` opened most recently, newest first.
    pub fn recent_timelines(&self, profile_id: &str) -> Vec<String> {
        self.recent.with_value(|r| {
            r.iter()
                .filter(|k| k.profile_id == profile_id)
                .map(|k| k.agent_id.clone())
                .collect()
        })
    }

    fn reflect(&self, change: &Change) {
        self.generation.update_value(|g| *g += 1);
        match change {
            Change::AgentSet { profile_id } => {
                let (ids, removed): (Vec<String>, Vec<AgentKey>) = self.model.with_value(|m| {
                    let ids: Vec<String> = m
                        .session(profile_id)
                        .map(|s| s.agents.keys().cloned().collect())
                        .unwrap_or_default();
                    let removed = self.keys.with_untracked(|keys| {
                        keys.iter()
                            .filter(|k| &k.profile_id == profile_id && !ids.contains(&k.agent_id))
                            .cloned()
                            .collect()
                    });
                    (ids, removed)
                });
                for id in &ids {
                    self.ensure_agent(&AgentKey::new(profile_id, id));
                }
                self.agents.update_value(|cells| {
                    for key in &removed {
                        cells.remove(key);
                    }
                });
                self.keys.update(|keys| {
                    keys.retain(|k| &k.profile_id != profile_id);
                    keys.extend(ids.into_iter().map(|id| AgentKey::new(profile_id, id)));
                });
            }
            Change::Agent(key) => {
                if let Some(snapshot) = self.model_agent(key) {
                    match self.agents.with_value(|cells| cells.get(key).cloned()) {
                        Some(cell) => cell.snapshot.set(snapshot),
                        None => {
                            self.ensure_agent(key);
                        }
                    }
                }
            }
            Change::Permissions(key) => {
                let list = self.model.with_value(|m| {
                    m.session(&key.profile_id)
                        .and_then(|s| s.permissions.get(&key.agent_id).cloned())
                        .unwrap_or_default()
                });
                if let Some(cell) = self.agents.with_value(|cells| cells.get(key).cloned()) {
                    cell.permissions.set(list);
                }
            }
            Change::Providers { profile_id } => {
                let list = self.model.with_value(|m| {
                    m.session(profile_id)
                        .map(|s| s.providers.clone())
                        .unwrap_or_default()
                });
                self.providers.update(|p| {
                    p.insert(profile_id.clone(), list);
                });
            }
            Change::Timeline { key, change } => self.reflect_timeline(key, change),
            Change::Live { profile_id } => self.live_profiles.update(|set| {
                set.insert(profile_id.clone());
            }),
        }
    }

    fn model_agent(&self, key: &AgentKey) -> Option<AgentSnapshot> {
        self.model.with_value(|m| {
            m.session(&key.profile_id)
                .and_then(|s| s.agents.get(&key.agent_id).cloned())
        })
    }

    fn ensure_agent(&self, key: &AgentKey) {
        let exists = self.agents.with_value(|cells| cells.contains_key(key));
        if exists {
            return;
        }
        let Some(snapshot) = self.model_agent(key) else {
            return;
        };
        let permissions = self.model.with_value(|m| {
            m.session(&key.profile_id)
                .and_then(|s| s.permissions.get(&key.agent_id).cloned())
                .unwrap_or_default()
        });
        let cell = AgentCell {
            snapshot: ArcRwSignal::new(snapshot),
            permissions: ArcRwSignal::new(permissions),
        };
        self.agents.update_value(|cells| {
            cells.insert(key.clone(), cell);
        });
    }

    fn reflect_timeline(&self, key: &AgentKey, change: &TimelineChange) {
        let cell = self.timeline(key);
        let Some(model) = self.model.with_value(|m| {
            m.session(&key.profile_id)
                .and_then(|s| s.timelines.get(&key.agent_id).cloned())
        }) else {
            return;
        };
        let signal_for = |item: &DisplayItem| {
            let mut items = cell.items.lock().unwrap_or_else(|p| p.into_inner());
            match items.get(&item.seq_start) {
                Some(signal) => {
                    if *signal.read_untracked() != *item {
                        signal.set(item.clone());
                    }
                }
                None => {
                    items.insert(item.seq_start, ArcRwSignal::new(item.clone()));
                }
            }
        };
        match change {
            TimelineChange::None | TimelineChange::Gap { .. } => return,
            TimelineChange::Reset => {
                let mut fresh = SortedMap::new();
                {
                    let old = cell.items.lock().unwrap_or_else(|p| p.into_inner());
                    for item in &model.items {
                        // Keep the signal of an identical item (no DOM work).
                        match old.get(&item.seq_start) {
                            Some(signal) if *signal.read_untracked() == *item => {
                                fresh.insert(item.seq_start, signal.clone());
                            }
                            Some(signal) => {
                                signal.set(item.clone());
                                fresh.insert(item.seq_start, signal.clone());
                            }
                            None => {
                                fresh.insert(item.seq_start, ArcRwSignal::new(item.clone()));
                            }
                        }
                    }
                }
                *cell.items.lock().unwrap_or_else(|p| p.into_inner()) = fresh;
            }
            TimelineChange::Tail { first_changed, .. } => {
                for item in model.items.iter().skip(*first_changed) {
                    signal_for(item);
                }
            }
            TimelineChange::Prepended { count } => {
                for item in model.items.iter().take(*count) {
                    signal_for(item);
                }
            }
        }
        let keys: Vec<u64> = model.items.iter().map(|i| i.seq_start).collect();
        if *cell.keys.read_untracked() != keys {
            cell.keys.set(keys);
        }
        if *cell.has_older.read_untracked() != model.has_older {
            cell.has_older.set(model.has_older);
        }
        if *cell.epoch.read_untracked() != model.epoch {
            cell.epoch.set(model.epoch.clone());
        }
        if !*cell.loaded.read_untracked() {
            cell.loaded.set(true);
        }
    }

    /// Every agent key (tracked: changes when agents come or go).
    pub fn keys(&self) -> Vec<AgentKey> {
        self.keys.get()
    }

    /// One agent's signals, if the directory holds it (untracked; read
    /// [`Directory::keys`] first to react to its arrival).
    pub fn agent(&self, key: &AgentKey) -> Option<AgentCell> {
        self.agents.with_value(|cells| cells.get(key).cloned())
    }

    /// One timeline's signals (made empty on first use, so a screen can
    /// subscribe before rows arrive).
    pub fn timeline(&self, key: &AgentKey) -> TimelineCell {
        if let Some(cell) = self.timelines.with_value(|t| t.get(key).cloned()) {
            return cell;
        }
        let cell = TimelineCell::default();
        self.timelines.update_value(|t| {
            t.insert(key.clone(), cell.clone());
        });
        cell
    }

    /// A profile's providers (tracked), decoded; an entry that does not
    /// decode is left out.
    pub fn providers(&self, profile_id: &str) -> Vec<ProviderSnapshotEntry> {
        self.providers.with(|p| {
            p.get(profile_id)
                .into_iter()
                .flatten()
                .filter_map(|v| serde_json::from_value(v.clone()).ok())
                .collect()
        })
    }

    /// Whether a profile's live snapshot arrived on this page (tracked).
    pub fn is_live(&self, profile_id: &str) -> bool {
        self.live_profiles.with(|set| set.contains(profile_id))
    }

    /// Starts showing a timeline (counted per screen).
    pub fn follow(&self, key: AgentKey) {
        self.recent.update_value(|r| {
            r.retain(|k| k != &key);
            r.insert(0, key.clone());
            r.truncate(64);
        });
        self.follows.update(|f| *f.entry(key).or_default() += 1);
    }

    /// Stops showing a timeline.
    pub fn unfollow(&self, key: &AgentKey) {
        self.follows.update(|f| {
            if let Some(count) = f.get_mut(key) {
                *count -= 1;
                if *count == 0 {
                    f.remove(key);
                }
            }
        });
    }

    /// The followed timelines (tracked).
    pub fn followed(&self) -> Vec<AgentKey> {
        self.follows.with(|f| f.keys().cloned().collect())
    }
}
