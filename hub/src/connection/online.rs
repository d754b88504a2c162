//! The online phase of one connection: what the hub asks for when it comes
//! online (the agent list with a subscription, the provider snapshot, and a
//! resync of every followed timeline after its last `{epoch, seq}` plus a
//! `fetch_agent` for its turn state), the heartbeat, caller requests and
//! follow changes. Incoming messages are applied in `inbound.rs`.
//!
//! Why one loop: the socket is the only ordering the daemon guarantees, so
//! frames, requests and resyncs are all handled by the task that reads it,
//! and the hub's own requests are queued (`outbox`) while a message is being
//! applied and written right after it.

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{FutureExt, SinkExt, StreamExt};
use protocol::{
    AgentsSubscription, ClientFrame, FetchAgentRequest, FetchAgentTimelineRequest,
    FetchAgentsRequest, GetProvidersSnapshotRequest, PageRequest, SessionPing, SessionRequest,
    TimelineDirection, TimelineProjection,
};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use super::connect::{self, Failure, Socket, classify_close, classify_ws_error};
use super::{Actor, Command};
use crate::heartbeat::{Heartbeat, HeartbeatAction};
use crate::mirror::timeline::{FetchPlan, FollowedTimeline};
use crate::state::epoch_ms;
use crate::sync::lock;

/// Largest page Paseo serves.
const AGENTS_PAGE_LIMIT: u32 = 200;

/// Most frames applied per wake-up of the connection task (all of them
/// already read; see [`Actor::on_frames`]). Bounded so heartbeats and
/// commands are not starved by a daemon that never stops streaming.
const READ_BATCH: usize = 256;

pub(super) enum SessionEnd {
    Shutdown,
    Failed(Failure),
}

/// What one of the hub's own requests was for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Internal {
    Agents,
    Providers,
    /// A timeline fetch for this agent.
    Timeline(String),
    /// A `fetch_agent` for this agent's current state.
    Agent(String),
    /// A diff subscription (the hub's id for it).
    Diff(String),
}

pub(super) type Sink = SplitSink<Socket, Message>;
pub(super) type Stream = SplitStream<Socket>;

impl Actor {
    pub(super) async fn online(
        &mut self,
        socket: Socket,
        commands: &mut mpsc::UnboundedReceiver<Command>,
    ) -> SessionEnd {
        let (mut sink, mut stream) = socket.split();
        let mut heartbeat = Heartbeat::new(self.config.heartbeat);
        let period = self.config.heartbeat.interval();
        let mut ticker = tokio::time::interval_at(Instant::now() + period, period);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);

        self.start_sync();
        // Send the sync requests now, not after the first frame or tick.
        if let Err(failure) = self.flush(&mut sink).await {
            return SessionEnd::Failed(failure);
        }
        loop {
            let result = tokio::select! {
                frame = stream.next() => self.on_frames(frame, &mut stream, &mut heartbeat),
                _ = ticker.tick() => {
                    self.pending.prune();
                    match heartbeat.on_tick(Instant::now()) {
                        HeartbeatAction::SendPing { request_id } => {
                            self.outbox.push(SessionRequest::Ping(SessionPing {
                                request_id,
                                client_sent_at: Some(epoch_ms()),
                            }));
                            Ok(())
                        }
                        HeartbeatAction::Dead { missed } => Err(Failure::offline(format!(
                            "the daemon did not answer {missed} heartbeat pings"
                        ))),
                    }
                },
                command = commands.recv() => match command {
                    None => {
                        self.close(&mut sink).await;
                        return SessionEnd::Shutdown;
                    }
                    Some(command) => self.on_command(command, &mut sink).await,
                },
            };
            let result = match result {
                Ok(()) => self.flush(&mut sink).await,
                Err(failure) => Err(failure),
            };
            if let Err(failure) = result {
                return SessionEnd::Failed(failure);
            }
        }
    }

    /// `first` and every frame already read after it (up to
    /// [`READ_BATCH`]), without waiting: the rows they carry go out as one
    /// event per timeline instead of one per row, and the loop's other
    /// branches are polled once per batch instead of once per frame.
    fn on_frames(
        &mut self,
        first: Option<Result<Message, WsError>>,
        stream: &mut Stream,
        heartbeat: &mut Heartbeat,
    ) -> Result<(), Failure> {
        let mut frame = first;
        let mut applied = 0;
        let result = loop {
            let result = match frame {
                None => Err(Failure::offline("the connection was lost")),
                Some(Err(err)) => Err(classify_ws_error(err)),
                Some(Ok(Message::Text(text))) => self.on_text(&text, heartbeat),
                Some(Ok(Message::Close(frame))) => Err(classify_close(frame)),
                Some(Ok(_)) => Ok(()),
            };
            applied += 1;
            if result.is_err() || applied == READ_BATCH {
                break result;
            }
            match stream.next().now_or_never() {
                Some(next) => frame = next,
                None => break result,
            }
        };
        self.send_rows();
        result
    }

    /// Queues what a fresh connection needs: the agent list (subscribing),
    /// the providers, and every followed timeline with its agent's state.
    fn start_sync(&mut self) {
        let request_id = self.request_id("agents");
        lock(&self.view).mirror.begin_fetch(request_id.clone());
        self.internal.insert(request_id.clone(), Internal::Agents);
        self.outbox.push(fetch_agents(request_id, None));

        let request_id = self.request_id("providers");
        self.internal
            .insert(request_id.clone(), Internal::Providers);
        self.outbox
            .push(SessionRequest::GetProvidersSnapshotRequest(
                GetProvidersSnapshotRequest {
                    request_id,
                    cwd: None,
                },
            ));

        for agent_id in self.follows.agents(&self.target.key) {
            let resync = lock(&self.view).timelines.contains_key(&agent_id);
            if resync {
                // Turn state comes from the daemon, not from replayed rows.
                let request_id = self.request_id("agent");
                self.internal
                    .insert(request_id.clone(), Internal::Agent(agent_id.clone()));
                self.outbox
                    .push(SessionRequest::FetchAgentRequest(FetchAgentRequest {
                        request_id,
                        agent_id: agent_id.clone(),
                    }));
            }
            self.fetch_timeline(&agent_id);
        }
        self.resubscribe_diffs();
    }

    /// Queues the fetch that brings `agent_id`'s timeline up to date
    /// (creating its mirror on first follow).
    pub(super) fn fetch_timeline(&mut self, agent_id: &str) {
        let request_id = self.request_id("timeline");
        let capacity = self.config.timeline_capacity;
        let plan = {
            let mut view = lock(&self.view);
            let timeline = view
                .timelines
                .entry(agent_id.to_owned())
                .or_insert_with(|| FollowedTimeline::new(capacity));
            let plan = timeline.plan();
            timeline.begin_fetch(request_id.clone());
            plan
        };
        let (direction, cursor, limit) = match plan {
            FetchPlan::Tail => (TimelineDirection::Tail, None, self.config.timeline_tail),
            FetchPlan::After(cursor) => (TimelineDirection::After, Some(cursor), 0),
        };
        tracing::debug!(daemon = %self.target.key, agent = agent_id, ?direction, ?cursor, "fetching timeline");
        self.internal
            .insert(request_id.clone(), Internal::Timeline(agent_id.to_owned()));
        self.outbox.push(SessionRequest::FetchAgentTimelineRequest(
            FetchAgentTimelineRequest {
                agent_id: agent_id.to_owned(),
                request_id,
                direction: Some(direction),
                cursor,
                limit: Some(limit),
                projection: Some(TimelineProjection::Canonical),
            },
        ));
    }

    async fn on_command(&mut self, command: Command, sink: &mut Sink) -> Result<(), Failure> {
        match command {
            Command::RetryNow => Ok(()),
            Command::Request { request, reply } => match self.pending.register(&request, reply) {
                Ok(message) => self.send(sink, &session_frame(message)).await,
                Err((reply, error)) => {
                    let _ = reply.send(Err(error));
                    Ok(())
                }
            },
            Command::Send { request, sent } => {
                let result = self
                    .send(sink, &ClientFrame::Session { message: request })
                    .await;
                let _ = sent.send(match &result {
                    Ok(()) => Ok(()),
                    Err(_) => Err(self.unavailable()),
                });
                result
            }
            Command::Follow(agent_id) => {
                let fetching = lock(&self.view)
                    .timelines
                    .get(&agent_id)
                    .is_some_and(FollowedTimeline::is_fetching);
                if self.follows.contains(&self.target.key, &agent_id) && !fetching {
                    self.fetch_timeline(&agent_id);
                }
                Ok(())
            }
            Command::Unfollow(agent_id) => {
                self.forget_timeline(&agent_id);
                Ok(())
            }
            Command::SubscribeDiff(subscription) => {
                self.add_diff(*subscription, true);
                Ok(())
            }
            Command::UnsubscribeDiff(id) => {
                self.remove_diff(&id, true);
                Ok(())
            }
        }
    }

    /// Writes the queued requests.
    async fn flush(&mut self, sink: &mut Sink) -> Result<(), Failure> {
        for message in std::mem::take(&mut self.outbox) {
            self.send(sink, &ClientFrame::Session { message }).await?;
        }
        Ok(())
    }

    async fn send(&self, sink: &mut Sink, frame: &impl Serialize) -> Result<(), Failure> {
        connect::send_frame(sink, frame, self.config.write_timeout).await
    }

    async fn close(&self, sink: &mut Sink) {
        let frame = CloseFrame {
            code: CloseCode::Normal,
            reason: "Client closed".into(),
        };
        let closing = sink.send(Message::Close(Some(frame)));
        if tokio::time::timeout(self.config.write_timeout, closing)
            .await
            .is_err()
        {
            tracing::debug!(daemon = %self.target.key, "close frame not sent in time");
        }
    }
}

/// `{"type":"session","message":…}` around an already encoded message.
fn session_frame(message: serde_json::Value) -> serde_json::Value {
    serde_json::json!({ "type": "session", "message": message })
}

pub(super) fn fetch_agents(request_id: String, cursor: Option<String>) -> SessionRequest {
    let first_page = cursor.is_none();
    SessionRequest::FetchAgentsRequest(FetchAgentsRequest {
        request_id,
        page: Some(PageRequest {
            limit: Some(AGENTS_PAGE_LIMIT),
            cursor,
        }),
        // Archived agents too (with their `archivedAt`): the browser can
        // show them on request; archiving then arrives as an upsert.
        filter: Some(serde_json::json!({"includeArchived": true})),
        // Only the first page subscribes: a new subscription would replace it.
        subscribe: first_page.then(AgentsSubscription::default),
        ..FetchAgentsRequest::default()
    })
}
