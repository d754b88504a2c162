//! One tab's live session: browser messages and hub events in, server
//! messages out, in the order they must be sent.
//!
//! Per watched profile the session holds the hub watch, the tab's copy of
//! the daemon's agents ([`AgentsView`], `None` until the first snapshot)
//! and the followed timelines ([`Stream`]). The first `snapshot` goes out
//! as soon as the hub's agent list is synced on a live connection; after
//! that only deltas, unless this socket lagged behind the hub's broadcast
//! (then a fresh snapshot and a re-read of every followed timeline).

use std::collections::BTreeMap;

use app::api::ssr::Tabs;
use app::live::messages::{BrowserMessage, ProfileCursors, ServerMessage, WatchedProfile};
use hub::{DaemonKey, FollowGuard, Hub, HubEvent, WatchGuard};
use protocol::{FetchAgentTimelineRequest, TimelineCursor, TimelineDirection, TimelineProjection};

use super::agents::AgentsView;
use super::convert;
use super::diffs::Diffs;
use super::stream::{Out, Step, Stream};

/// Timelines one tab may follow at once (a tab shows a handful).
const MAX_FOLLOWS: usize = 256;
/// A connection test gives up after this long, whatever the daemon does.
const PROBE_LIMIT: std::time::Duration = std::time::Duration::from_secs(10);

/// One followed timeline: the hub's claim and this tab's position.
struct Followed {
    _guard: FollowGuard,
    stream: Stream,
}

/// One watched profile of this tab.
struct Profile {
    key: DaemonKey,
    _guard: WatchGuard,
    /// What the tab holds; `None` until a snapshot was sent (or a resume
    /// proved the tab holds the current one).
    view: Option<AgentsView>,
    /// `agents_version` from the tab's `resume`, until the first snapshot.
    resumed_version: Option<u64>,
    follows: BTreeMap<String, Followed>,
}

/// The state of one live-channel socket.
pub(super) struct Session {
    hub: Hub,
    /// The tab's token and the server's table of tabs: every `watch`
    /// records which daemon each profile is, for server functions.
    tabs: Tabs,
    token: String,
    profiles: BTreeMap<String, Profile>,
    /// A `watch` arrived on this socket (a `resume` before it is kept for it).
    watched: bool,
    pending_resume: BTreeMap<String, ProfileCursors>,
    next_request: u64,
    /// Answers computed off the loop (probes), sent when they are ready.
    side: tokio::sync::mpsc::UnboundedSender<ServerMessage>,
    /// The tab's live diffs.
    diffs: Diffs,
}

impl Session {
    /// `side`: answers computed off the loop; `diff_sink`: where the hub
    /// delivers this tab's diffs (the socket reads both other ends).
    pub(super) fn new(
        hub: Hub,
        tabs: Tabs,
        token: String,
        side: tokio::sync::mpsc::UnboundedSender<ServerMessage>,
        diff_sink: hub::DiffSink,
    ) -> Self {
        Session {
            side,
            diffs: Diffs::new(diff_sink),
            hub,
            tabs,
            token,
            profiles: BTreeMap::new(),
            watched: false,
            pending_resume: BTreeMap::new(),
            next_request: 0,
        }
    }

    /// A text frame from the tab.
    pub(super) async fn on_text(&mut self, text: &str) -> Vec<ServerMessage> {
        match serde_json::from_str::<BrowserMessage>(text) {
            Ok(BrowserMessage::Watch { profiles }) => self.watch(profiles).await,
            Ok(BrowserMessage::Follow {
                profile_id,
                agent_id,
                cursor,
            }) => {
                let cursor = cursor.map(|c| TimelineCursor {
                    epoch: c.epoch,
                    seq: c.seq,
                });
                self.follow(&profile_id, &agent_id, cursor).await
            }
            Ok(BrowserMessage::Unfollow {
                profile_id,
                agent_id,
            }) => {
                if let Some(profile) = self.profiles.get_mut(&profile_id) {
                    profile.follows.remove(&agent_id);
                }
                Vec::new()
            }
            Ok(BrowserMessage::Resume { cursors, tab_token }) => {
                if let Some(old) = tab_token {
                    self.tabs.adopt(&self.token, &old);
                }
                self.resume(cursors.into_iter().collect()).await
            }
            Ok(BrowserMessage::Probe {
                probe_id,
                ws_url,
                password,
            }) => {
                self.probe(probe_id, ws_url, password);
                Vec::new()
            }
            Ok(BrowserMessage::SubscribeDiff {
                profile_id,
                subscription_id,
                cwd,
            }) => {
                let Some(profile) = self.profiles.get(&profile_id) else {
                    return vec![not_watched(&profile_id, None)];
                };
                self.diffs
                    .subscribe(&self.hub, &profile_id, &profile.key, subscription_id, cwd)
                    .into_iter()
                    .collect()
            }
            Ok(BrowserMessage::UnsubscribeDiff { subscription_id }) => {
                self.diffs.unsubscribe(&subscription_id);
                Vec::new()
            }
            Ok(BrowserMessage::Unknown) => {
                vec![convert::error("unknown live message type", None, None)]
            }
            Err(err) => {
                tracing::warn!(%err, "unreadable live channel message");
                vec![convert::error(
                    format!("unreadable live channel message: {err}"),
                    None,
                    None,
                )]
            }
        }
    }

    /// Tests a connection off the loop; the result comes back on `side`.
    fn probe(&self, probe_id: String, ws_url: String, password: Option<String>) {
        let hub = self.hub.clone();
        let side = self.side.clone();
        tokio::spawn(async move {
            let target = hub::DaemonTarget {
                url: ws_url,
                password,
                label: "connection test".into(),
            };
            let result = hub.probe(&target, PROBE_LIMIT).await;
            tracing::info!(
                daemon = ?target,
                ok = result.is_ok(),
                "connection test"
            );
            let _ = side.send(convert::probe_result(probe_id, result));
        });
    }

    /// A hub event: forwarded to every profile of this tab on that daemon.
    pub(super) async fn on_event(&mut self, event: &HubEvent) -> Vec<ServerMessage> {
        let ids: Vec<String> = self
            .profiles
            .iter()
            .filter(|(_, profile)| profile.key == *event.key())
            .map(|(id, _)| id.clone())
            .collect();
        let mut out = Vec::new();
        for id in ids {
            out.extend(self.profile_event(&id, event).await);
        }
        out
    }

    /// A diff the hub delivered to this tab.
    pub(super) fn on_diff(&self, push: hub::DiffPush) -> Vec<ServerMessage> {
        self.diffs.on_push(push).into_iter().collect()
    }

    /// This socket missed hub events: state, a fresh snapshot and every
    /// followed timeline again, from the mirror.
    pub(super) async fn resync(&mut self) -> Vec<ServerMessage> {
        let ids: Vec<String> = self.profiles.keys().cloned().collect();
        let mut out = Vec::new();
        for id in ids {
            if let Some(profile) = self.profiles.get_mut(&id) {
                profile.view = None;
                profile.resumed_version = None;
            }
            out.extend(self.state(&id));
            out.extend(self.catch_up(&id).await);
        }
        out
    }

    /// Replaces the tab's watched set; keeps what it holds of profiles that
    /// still name the same daemon connection.
    async fn watch(&mut self, profiles: Vec<WatchedProfile>) -> Vec<ServerMessage> {
        self.watched = true;
        let resume = std::mem::take(&mut self.pending_resume);
        let mut previous = std::mem::take(&mut self.profiles);
        let mut out = Vec::new();
        for wanted in profiles {
            let id = wanted.profile_id;
            if self.profiles.contains_key(&id) {
                out.push(convert::error(
                    "profile listed twice in watch",
                    Some(&id),
                    None,
                ));
                continue;
            }
            let target = hub::DaemonTarget {
                url: wanted.ws_url,
                password: wanted.password,
                label: wanted.label,
            };
            let guard = match self.hub.watch(target) {
                Ok(guard) => guard,
                Err(err) => {
                    out.push(convert::refused(&id, err.to_string()));
                    continue;
                }
            };
            let profile = match previous.remove(&id) {
                Some(mut kept) if kept.key == *guard.key() => {
                    kept._guard = guard;
                    kept
                }
                _ => Profile {
                    key: guard.key().clone(),
                    _guard: guard,
                    view: None,
                    resumed_version: None,
                    follows: BTreeMap::new(),
                },
            };
            self.profiles.insert(id.clone(), profile);
            out.extend(self.state(&id));
            if let Some(cursors) = resume.get(&id) {
                out.extend(self.resume_profile(&id, cursors.clone()));
            }
            out.extend(self.catch_up(&id).await);
        }
        let profiles = &self.profiles;
        self.diffs
            .retain(|id| profiles.get(id).map(|profile| profile.key.clone()));
        self.tabs.set_profiles(
            &self.token,
            self.profiles
                .iter()
                .map(|(id, profile)| (id.clone(), profile.key.clone()))
                .collect(),
        );
        out
    }

    async fn resume(&mut self, cursors: BTreeMap<String, ProfileCursors>) -> Vec<ServerMessage> {
        if !self.watched {
            // The `watch` that names these profiles' URLs comes next.
            self.pending_resume = cursors;
            return Vec::new();
        }
        let mut out = Vec::new();
        for (id, cursors) in cursors {
            if !self.profiles.contains_key(&id) {
                out.push(not_watched(&id, None));
                continue;
            }
            out.extend(self.state(&id));
            out.extend(self.resume_profile(&id, cursors));
            out.extend(self.catch_up(&id).await);
        }
        out
    }

    /// Records what the tab holds of a watched profile (caught up later).
    fn resume_profile(&mut self, id: &str, cursors: ProfileCursors) -> Vec<ServerMessage> {
        let Some(profile) = self.profiles.get_mut(id) else {
            return Vec::new();
        };
        if profile.view.is_none() {
            profile.resumed_version = Some(cursors.agents_version);
        }
        let mut out = Vec::new();
        for (agent_id, cursor) in cursors.timelines {
            let cursor = TimelineCursor {
                epoch: cursor.epoch,
                seq: cursor.seq,
            };
            if let Err(error) = self.add_follow(id, &agent_id, Some(cursor)) {
                out.push(error);
            }
        }
        out
    }

    async fn follow(
        &mut self,
        id: &str,
        agent_id: &str,
        cursor: Option<TimelineCursor>,
    ) -> Vec<ServerMessage> {
        if let Err(error) = self.add_follow(id, agent_id, cursor) {
            return vec![error];
        }
        self.settle(id, agent_id).await
    }

    /// Starts following (or repositions an existing follow on a cursor).
    fn add_follow(
        &mut self,
        id: &str,
        agent_id: &str,
        cursor: Option<TimelineCursor>,
    ) -> Result<(), ServerMessage> {
        let Some(profile) = self.profiles.get_mut(id) else {
            return Err(not_watched(id, Some(agent_id)));
        };
        if agent_id.is_empty() {
            return Err(convert::error("follow needs an agent_id", Some(id), None));
        }
        if let Some(followed) = profile.follows.get_mut(agent_id) {
            if let Some(cursor) = cursor {
                followed.stream.reposition(cursor);
            }
            return Ok(());
        }
        if profile.follows.len() >= MAX_FOLLOWS {
            return Err(convert::error(
                format!("at most {MAX_FOLLOWS} timelines can be followed at once"),
                Some(id),
                Some(agent_id),
            ));
        }
        let guard = self.hub.follow(&profile.key, agent_id);
        profile.follows.insert(
            agent_id.to_owned(),
            Followed {
                _guard: guard,
                stream: Stream::new(cursor),
            },
        );
        Ok(())
    }

    async fn profile_event(&mut self, id: &str, event: &HubEvent) -> Vec<ServerMessage> {
        let Some(profile) = self.profiles.get_mut(id) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        match event {
            HubEvent::Connection { snapshot, .. } => out.push(convert::state(id, snapshot)),
            HubEvent::Agents {
                upserts, removals, ..
            } => {
                if let Some(view) = &mut profile.view {
                    out.extend(view.apply(id, upserts, removals));
                }
            }
            HubEvent::Providers { entries, .. } => {
                if let Some(view) = &mut profile.view {
                    out.extend(view.providers(id, entries));
                }
            }
            HubEvent::Permission {
                agent_id, change, ..
            } => {
                if let Some(view) = &mut profile.view {
                    out.extend(view.permission(id, agent_id, change));
                }
            }
            HubEvent::Timeline {
                agent_id,
                epoch,
                items,
                ..
            } => {
                let Some(followed) = profile.follows.get_mut(agent_id) else {
                    return out;
                };
                match followed.stream.on_append(epoch, items) {
                    Some(step) => out.extend(timeline_message(id, agent_id, step)),
                    None => out.extend(self.settle(id, agent_id).await),
                }
                return out;
            }
            HubEvent::TimelineReset { agent_id, .. } => {
                if profile.follows.contains_key(agent_id) {
                    out.extend(self.settle(id, agent_id).await);
                }
                return out;
            }
        }
        if self.profiles.get(id).is_some_and(|p| p.view.is_none()) {
            out.extend(self.snapshot_if_synced(id));
        }
        out
    }

    /// The snapshot (if the agent list is synced) and every followed
    /// timeline from the mirror.
    async fn catch_up(&mut self, id: &str) -> Vec<ServerMessage> {
        let mut out = self.snapshot_if_synced(id);
        let agents: Vec<String> = self
            .profiles
            .get(id)
            .map(|profile| profile.follows.keys().cloned().collect())
            .unwrap_or_default();
        for agent_id in agents {
            out.extend(self.settle(id, &agent_id).await);
        }
        out
    }

    fn state(&self, id: &str) -> Option<ServerMessage> {
        let profile = self.profiles.get(id)?;
        let snapshot = self.hub.connection(&profile.key)?;
        Some(convert::state(id, &snapshot))
    }

    /// First snapshot of a profile, once the hub's agent list is current;
    /// nothing if a `resume` showed the tab already holds exactly it.
    fn snapshot_if_synced(&mut self, id: &str) -> Vec<ServerMessage> {
        let Some(profile) = self.profiles.get_mut(id) else {
            return Vec::new();
        };
        let Some(snapshot) = self.hub.snapshot(&profile.key) else {
            return Vec::new();
        };
        if profile.view.is_some() || !snapshot.agents_synced {
            return Vec::new();
        }
        let view = AgentsView::new(&snapshot);
        let held = profile.resumed_version.take() == Some(view.version());
        let message = (!held).then(|| view.snapshot_message(id, &snapshot));
        profile.view = Some(view);
        message.into_iter().collect()
    }

    /// Brings one followed timeline up to date from the hub's mirror,
    /// fetching from the daemon what the mirror no longer holds.
    async fn settle(&mut self, id: &str, agent_id: &str) -> Vec<ServerMessage> {
        let mut out = Vec::new();
        let mut fetched = false;
        loop {
            let Some(profile) = self.profiles.get_mut(id) else {
                return out;
            };
            let key = profile.key.clone();
            let Some(followed) = profile.follows.get_mut(agent_id) else {
                return out;
            };
            let Some(mirror) = self.hub.timeline(&key, agent_id) else {
                return out;
            };
            let cursor = match followed.stream.on_mirror(&mirror) {
                Step::Fetch(cursor) if !fetched => cursor,
                Step::Fetch(_) => {
                    // The fetched page did not reach the mirror: start over.
                    let reset = followed.stream.reset_from(&mirror);
                    out.extend(timeline_message(id, agent_id, Step::Send(reset)));
                    return out;
                }
                step => {
                    out.extend(timeline_message(id, agent_id, step));
                    return out;
                }
            };
            fetched = true;
            self.next_request += 1;
            let request = FetchAgentTimelineRequest {
                agent_id: agent_id.to_owned(),
                request_id: format!("live-gap-{}", self.next_request),
                direction: Some(TimelineDirection::After),
                cursor: Some(cursor),
                limit: Some(0),
                projection: Some(TimelineProjection::Canonical),
            };
            let page = self.hub.fetch_timeline(&key, request).await;
            let Some(followed) = self
                .profiles
                .get_mut(id)
                .and_then(|profile| profile.follows.get_mut(agent_id))
            else {
                return out;
            };
            let delta = match page {
                Ok(page) => followed.stream.on_page(page),
                Err(err) => {
                    tracing::warn!(%err, agent = agent_id, "cannot fetch the rows a tab lacks: resetting its timeline");
                    None
                }
            };
            let out_step = match delta {
                Some(delta) => Step::Send(delta),
                None => Step::Send(followed.stream.reset_from(&mirror)),
            };
            let was_reset = matches!(out_step, Step::Send(Out::Reset { .. }));
            out.extend(timeline_message(id, agent_id, out_step));
            if was_reset {
                return out;
            }
        }
    }
}

fn not_watched(id: &str, agent_id: Option<&str>) -> ServerMessage {
    convert::error(
        format!("profile {id} is not watched on this channel: send watch with it first"),
        Some(id),
        agent_id,
    )
}

fn timeline_message(id: &str, agent_id: &str, step: Step) -> Option<ServerMessage> {
    match step {
        Step::Wait | Step::Nothing | Step::Fetch(_) => None,
        Step::Send(Out::Delta { epoch, items }) => Some(ServerMessage::TimelineDelta {
            profile_id: id.to_owned(),
            agent_id: agent_id.to_owned(),
            epoch,
            items: convert::items(&items),
        }),
        Step::Send(Out::Reset {
            epoch,
            items,
            has_older,
        }) => Some(ServerMessage::TimelineReset {
            profile_id: id.to_owned(),
            agent_id: agent_id.to_owned(),
            epoch,
            items: convert::items(&items),
            has_older,
        }),
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
