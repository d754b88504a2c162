//! Applying what a daemon sends to the mirrors, in socket order.
//!
//! Order of routing for one message: heartbeat pongs; answers to the hub's
//! own requests (agent list, providers, timeline fetches, `fetch_agent`);
//! answers to caller requests (by rewritten `requestId`); then pushes
//! (`agent_update`, `agent_stream`, permission pushes, provider updates).
//! Mirrors change under the view lock; events go out after it is released.
//! Turn state is never inferred from stream events: it comes from agent
//! snapshots (`agent_update`, `fetch_agent`), which the daemon owns.

use protocol::{AgentSnapshot, AgentStreamPayload, SessionMessage, StatusPayload, StreamEvent};
use tokio::time::Instant;

use super::connect::{Failure, RetryAfter};
use super::online::{Internal, fetch_agents};
use super::requests::reply_request_id;
use super::{Actor, View};
use crate::event::HubEvent;
use crate::heartbeat::Heartbeat;
use crate::mirror::agents::{AgentsDelta, FetchProgress};
use crate::mirror::decode::{Decoded, LiveRow, decode};
use crate::mirror::permissions::Changes;
use crate::mirror::timeline::{FollowedTimeline, Outcome, TimelineChange};
use crate::state::{StateEvent, epoch_ms};
use crate::sync::lock;

impl Actor {
    pub(super) fn on_text(&mut self, text: &str, heartbeat: &mut Heartbeat) -> Result<(), Failure> {
        let message = match decode(text) {
            Ok(Decoded::Row(live)) => {
                self.on_row(live);
                return Ok(());
            }
            Ok(Decoded::Message(message)) => *message,
            Ok(Decoded::Other) => return Ok(()),
            Err(err) => {
                tracing::warn!(daemon = %self.target.key, %err, "undecodable frame from daemon skipped");
                return Ok(());
            }
        };
        if let SessionMessage::Pong(pong) = &message
            && heartbeat.on_pong(&pong.request_id, Instant::now())
        {
            return Ok(());
        }
        self.on_message(message)
    }

    pub(super) fn on_message(&mut self, message: SessionMessage) -> Result<(), Failure> {
        // Rows read before this message are broadcast before its effects.
        self.send_rows();
        if let Some(internal) = reply_request_id(&message).and_then(|id| self.internal.remove(id)) {
            return self.on_internal_reply(internal, message);
        }
        let Some(message) = self.pending.complete(message) else {
            return Ok(());
        };
        match message {
            SessionMessage::Status(StatusPayload::ServerInfo(info)) => {
                self.apply(StateEvent::ServerInfo {
                    info,
                    at_ms: epoch_ms(),
                });
            }
            SessionMessage::Status(StatusPayload::Error { message }) => {
                tracing::warn!(daemon = %self.target.key, %message, "daemon reported an error");
            }
            SessionMessage::AgentUpdate(update) => {
                let mut view = lock(&self.view);
                let delta = view.mirror.on_update(update);
                // A followed agent whose fetch was refused (not known yet)
                // is fetched again once the daemon lists it.
                let retry: Vec<String> = delta
                    .iter()
                    .flat_map(|delta| &delta.upserts)
                    .filter(|agent| {
                        view.timelines
                            .get(&agent.id)
                            .is_some_and(FollowedTimeline::is_idle)
                    })
                    .map(|agent| agent.id.clone())
                    .collect();
                let events = delta.map(|delta| self.agents_changed(&mut view, delta, false));
                drop(view);
                self.emit_all(events.unwrap_or_default());
                for agent_id in retry {
                    self.fetch_timeline(&agent_id);
                }
            }
            SessionMessage::AgentStream(payload) => self.on_stream(payload),
            SessionMessage::AgentPermissionRequest(push) => {
                let changes = lock(&self.view)
                    .permissions
                    .requested(&push.agent_id, push.request);
                self.emit_permissions(changes);
            }
            SessionMessage::AgentPermissionResolved(push) => {
                let changes = lock(&self.view).permissions.resolved(
                    &push.agent_id,
                    &push.request_id,
                    Some(push.resolution),
                );
                self.emit_permissions(changes);
            }
            // Provider availability is the machine's; a daemon pushes it for
            // whatever cwd it last resolved (Paseo: its home), so keep the latest.
            SessionMessage::ProvidersSnapshotUpdate(update) => {
                self.set_providers(update.entries);
            }
            SessionMessage::CheckoutDiffUpdate(update) => {
                self.deliver_diff(
                    &update.subscription_id,
                    update.cwd,
                    update.files,
                    update.error,
                );
            }
            SessionMessage::RpcError(err) => {
                tracing::debug!(daemon = %self.target.key, request_id = err.request_id, error = err.error, "rpc_error for no waiting request");
            }
            _ => {}
        }
        Ok(())
    }

    fn on_internal_reply(
        &mut self,
        internal: Internal,
        message: SessionMessage,
    ) -> Result<(), Failure> {
        match (internal, message) {
            (Internal::Agents, SessionMessage::FetchAgentsResponse(response)) => {
                let mut view = lock(&self.view);
                match view.mirror.on_response(response) {
                    FetchProgress::Ignored => {}
                    FetchProgress::NextPage { cursor } => {
                        drop(view);
                        let request_id = self.request_id("agents");
                        lock(&self.view).mirror.continue_fetch(request_id.clone());
                        self.internal.insert(request_id.clone(), Internal::Agents);
                        self.outbox.push(fetch_agents(request_id, Some(cursor)));
                    }
                    FetchProgress::Complete(delta) => {
                        let events = self.agents_changed(&mut view, delta, true);
                        drop(view);
                        self.emit_all(events);
                    }
                }
            }
            (Internal::Agents, SessionMessage::RpcError(err)) => {
                return Err(Failure::error(
                    format!("the daemon could not list its agents: {}", err.error),
                    RetryAfter::Backoff,
                ));
            }
            (Internal::Providers, SessionMessage::GetProvidersSnapshotResponse(response)) => {
                self.set_providers(response.entries);
            }
            (Internal::Timeline(agent_id), SessionMessage::FetchAgentTimelineResponse(page)) => {
                let outcome = lock(&self.view)
                    .timelines
                    .get_mut(&agent_id)
                    .and_then(|timeline| timeline.on_fetch(page));
                if let Some(outcome) = outcome {
                    self.timeline_outcome(&agent_id, outcome);
                }
            }
            (Internal::Agent(_), SessionMessage::FetchAgentResponse(response)) => {
                if let Some(agent) = response.agent {
                    self.refresh_agent(*agent);
                }
            }
            (Internal::Timeline(agent_id), SessionMessage::RpcError(err)) => {
                tracing::warn!(daemon = %self.target.key, agent = agent_id, error = err.error, "timeline fetch refused");
                if let Some(timeline) = lock(&self.view).timelines.get_mut(&agent_id) {
                    timeline.disconnected();
                }
            }
            (Internal::Diff(id), SessionMessage::SubscribeCheckoutDiffResponse(answer)) => {
                self.deliver_diff(&id, answer.cwd, answer.files, answer.error);
            }
            (Internal::Diff(id), SessionMessage::RpcError(err)) => {
                self.diff_refused(&id, err.error);
            }
            (internal, message) => {
                tracing::debug!(daemon = %self.target.key, ?internal, reply = message.type_name(), "unexpected reply to the hub's own request");
            }
        }
        Ok(())
    }

    /// A live timeline row (rows of agents nobody follows are dropped).
    /// Applied to the mirror at once; broadcast by [`Actor::send_rows`]
    /// with the other rows of the same read batch.
    fn on_row(&mut self, live: LiveRow<'_>) {
        let step = lock(&self.view)
            .timelines
            .get_mut(&*live.agent_id)
            .map(|timeline| timeline.on_live_deferred(&live.epoch, live.row));
        let Some(step) = step else {
            return;
        };
        if step.needs_fetch {
            tracing::info!(daemon = %self.target.key, agent = &*live.agent_id, "timeline hole or new epoch: fetching");
            self.fetch_timeline(&live.agent_id);
        }
        if step.first_unsent {
            self.unsent.push(live.agent_id.into_owned());
        }
    }

    /// Broadcasts the rows applied since the last call: one
    /// `HubEvent::Timeline` per timeline, its rows in seq order. Called at
    /// the end of every read batch and before anything else is applied, so
    /// events keep the socket's order per timeline and relative to every
    /// other kind of event.
    pub(super) fn send_rows(&mut self) {
        if self.unsent.is_empty() {
            return;
        }
        let mut changes = Vec::with_capacity(self.unsent.len());
        {
            let mut view = lock(&self.view);
            for agent_id in self.unsent.drain(..) {
                if let Some(change) = view
                    .timelines
                    .get_mut(&agent_id)
                    .and_then(FollowedTimeline::take_unsent)
                {
                    changes.push((agent_id, change));
                }
            }
        }
        for (agent_id, change) in changes {
            if let TimelineChange::Append { epoch, items } = change {
                self.emit(HubEvent::Timeline {
                    key: self.target.key.clone(),
                    agent_id,
                    epoch,
                    items,
                });
            }
        }
    }

    /// Stream events other than timeline rows (see `decode`).
    fn on_stream(&mut self, payload: AgentStreamPayload) {
        let agent_id = payload.agent_id;
        match payload.event {
            StreamEvent::PermissionRequested { request, .. } => {
                let changes = lock(&self.view).permissions.requested(&agent_id, request);
                self.emit_permissions(changes);
            }
            StreamEvent::PermissionResolved {
                request_id,
                resolution,
                ..
            } => {
                let changes =
                    lock(&self.view)
                        .permissions
                        .resolved(&agent_id, &request_id, Some(resolution));
                self.emit_permissions(changes);
            }
            _ => {}
        }
    }

    fn timeline_outcome(&mut self, agent_id: &str, outcome: Outcome) {
        let key = self.target.key.clone();
        match outcome.change {
            Some(TimelineChange::Append { epoch, items }) => self.emit(HubEvent::Timeline {
                key,
                agent_id: agent_id.to_owned(),
                epoch,
                items,
            }),
            Some(TimelineChange::Reset {
                epoch,
                items,
                has_older,
            }) => self.emit(HubEvent::TimelineReset {
                key,
                agent_id: agent_id.to_owned(),
                epoch,
                items,
                has_older,
            }),
            None => {}
        }
        if let Some(error) = outcome.failed {
            tracing::warn!(daemon = %self.target.key, agent = agent_id, error, "timeline fetch failed");
        }
        if outcome.needs_fetch {
            tracing::info!(daemon = %self.target.key, agent = agent_id, "timeline hole or new epoch: fetching");
            self.fetch_timeline(agent_id);
        }
    }

    /// An authoritative snapshot of one agent (`fetch_agent`).
    fn refresh_agent(&mut self, agent: AgentSnapshot) {
        let mut view = lock(&self.view);
        let delta = view.mirror.on_snapshot(agent);
        let events = delta.map(|delta| self.agents_changed(&mut view, delta, false));
        drop(view);
        self.emit_all(events.unwrap_or_default());
    }

    /// Events for an agent-list change, reconciling pending permissions
    /// with the snapshots (all of them after a complete fetch).
    fn agents_changed(&self, view: &mut View, delta: AgentsDelta, complete: bool) -> Vec<HubEvent> {
        let mut changes: Changes = Vec::new();
        if complete {
            let agents = view.mirror.agents();
            for agent in &agents {
                changes.extend(
                    view.permissions
                        .reconcile(&agent.id, &agent.pending_permissions),
                );
            }
            for agent_id in view.permissions.agent_ids() {
                if !agents.iter().any(|agent| agent.id == agent_id) {
                    changes.extend(view.permissions.remove_agent(&agent_id));
                }
            }
        } else {
            for agent in &delta.upserts {
                changes.extend(
                    view.permissions
                        .reconcile(&agent.id, &agent.pending_permissions),
                );
            }
            for agent_id in &delta.removals {
                changes.extend(view.permissions.remove_agent(agent_id));
            }
        }
        let mut events = vec![HubEvent::Agents {
            key: self.target.key.clone(),
            upserts: delta.upserts,
            removals: delta.removals,
        }];
        events.extend(
            changes
                .into_iter()
                .map(|(agent_id, change)| HubEvent::Permission {
                    key: self.target.key.clone(),
                    agent_id,
                    change,
                }),
        );
        events
    }

    fn set_providers(&self, entries: Vec<protocol::ProviderSnapshotEntry>) {
        let changed = {
            let mut view = lock(&self.view);
            let changed = view.providers != entries;
            view.providers = entries.clone();
            changed
        };
        if changed {
            self.emit(HubEvent::Providers {
                key: self.target.key.clone(),
                entries,
            });
        }
    }

    fn emit_permissions(&self, changes: Changes) {
        for (agent_id, change) in changes {
            self.emit(HubEvent::Permission {
                key: self.target.key.clone(),
                agent_id,
                change,
            });
        }
    }

    fn emit_all(&self, events: Vec<HubEvent>) {
        for event in events {
            self.emit(event);
        }
    }
}
