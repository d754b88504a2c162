//! The task that owns one daemon connection for as long as anyone wants it.
//!
//! Loop: `connecting` → [`connect::open`] → `online` (subscribe to the agent
//! list, heartbeat, apply pushes) → on failure `offline`/`error`, wait per
//! the backoff (or the cap, or until "retry now") → again. It stops when the
//! registry drops its handle (the command channel closes), closing the socket
//! with 1000 "Client closed". Everything it learns goes into the shared
//! [`View`] (read synchronously by the hub) and out as [`HubEvent`]s.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use protocol::{
    AgentsSubscription, ClientFrame, ClientType, FetchAgentsRequest, Hello, PROTOCOL_VERSION,
    PageRequest, ServerFrame, SessionMessage, SessionPing, SessionRequest, StatusPayload,
};
use tokio::runtime::Handle;
use tokio::sync::{broadcast, mpsc};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::backoff::Backoff;
use crate::config::HubConfig;
use crate::connect::{self, Failure, RetryAfter, Socket, classify_close, classify_ws_error};
use crate::event::HubEvent;
use crate::heartbeat::{Heartbeat, HeartbeatAction};
use crate::mirror::{AgentMirror, FetchProgress};
use crate::state::{ConnectionState, ConnectionStatus, StateEvent, Transition, epoch_ms};
use crate::target::ValidTarget;

/// Largest page Paseo serves.
const AGENTS_PAGE_LIMIT: u32 = 200;
const AGENTS_REQUEST_PREFIX: &str = "hub-agents-";

/// Requests to a running actor.
#[derive(Debug)]
pub(crate) enum Command {
    /// Skip the current backoff wait.
    RetryNow,
}

/// What the hub reads synchronously.
#[derive(Debug, Default)]
pub(crate) struct View {
    pub(crate) state: ConnectionState,
    pub(crate) mirror: AgentMirror,
}

/// The registry's handle on a running actor; dropping it stops the actor.
pub(crate) struct DaemonHandle {
    pub(crate) view: Arc<Mutex<View>>,
    pub(crate) commands: mpsc::UnboundedSender<Command>,
}

/// Locks ignoring poisoning: the data is plain state, still consistent.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Counts running actor tasks; decrements when the task ends or is dropped.
struct LiveActor(Arc<AtomicUsize>);

impl Drop for LiveActor {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Everything an actor needs besides its target.
pub(crate) struct ActorDeps {
    pub(crate) runtime: Handle,
    pub(crate) config: Arc<HubConfig>,
    pub(crate) events: broadcast::Sender<HubEvent>,
    pub(crate) live: Arc<AtomicUsize>,
}

/// Starts the actor for `target` on the hub's runtime.
pub(crate) fn spawn(target: ValidTarget, client_id: &str, deps: &ActorDeps) -> DaemonHandle {
    let view = Arc::new(Mutex::new(View::default()));
    let (commands, receiver) = mpsc::unbounded_channel();
    deps.live.fetch_add(1, Ordering::SeqCst);
    let live = LiveActor(deps.live.clone());
    let hello = Hello {
        client_id: client_id.to_owned(),
        client_type: ClientType::Browser,
        protocol_version: PROTOCOL_VERSION,
        app_version: deps.config.app_version.clone(),
        capabilities: Some(serde_json::Map::from_iter([(
            "reasoning_merge_enum".to_owned(),
            serde_json::Value::Bool(true),
        )])),
    };
    let actor = Actor {
        target,
        hello,
        config: deps.config.clone(),
        view: view.clone(),
        events: deps.events.clone(),
        next_request: 0,
    };
    deps.runtime.spawn(async move {
        let _live = live;
        actor.run(receiver).await;
    });
    DaemonHandle { view, commands }
}

enum SessionEnd {
    Shutdown,
    Failed(Failure),
}

type Sink = SplitSink<Socket, Message>;

struct Actor {
    target: ValidTarget,
    hello: Hello,
    config: Arc<HubConfig>,
    view: Arc<Mutex<View>>,
    events: broadcast::Sender<HubEvent>,
    next_request: u64,
}

impl Actor {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut backoff = Backoff::new(self.config.backoff);
        loop {
            self.apply(StateEvent::Connect);
            let opened = tokio::select! {
                opened = connect::open(&self.target, &self.hello, &self.config) => opened,
                () = closed(&mut commands) => break,
            };
            let failure = match opened {
                Ok((socket, info)) => {
                    self.apply(StateEvent::ServerInfo {
                        info,
                        at_ms: epoch_ms(),
                    });
                    backoff.connected(Instant::now());
                    let end = self.online(socket, &mut commands).await;
                    backoff.disconnected(Instant::now());
                    lock(&self.view).mirror.disconnected();
                    match end {
                        SessionEnd::Shutdown => break,
                        SessionEnd::Failed(failure) => failure,
                    }
                }
                Err(failure) => failure,
            };
            let delay = match failure.retry {
                RetryAfter::Backoff => backoff.next_delay(),
                RetryAfter::Cap => backoff.policy().max(),
            };
            self.apply(failure.into_event(epoch_ms()));
            tracing::debug!(daemon = %self.target.key, ?delay, "next connection attempt");
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                command = commands.recv() => match command {
                    None => break,
                    Some(Command::RetryNow) => {
                        tracing::info!(daemon = %self.target.key, "retry now requested");
                    }
                },
            }
        }
        self.apply(StateEvent::Stop { at_ms: epoch_ms() });
    }

    /// The online phase of one connection, until it fails or we stop.
    async fn online(
        &mut self,
        socket: Socket,
        commands: &mut mpsc::UnboundedReceiver<Command>,
    ) -> SessionEnd {
        let (mut sink, mut stream) = socket.split();
        let mut heartbeat = Heartbeat::new(self.config.heartbeat);
        let period = self.config.heartbeat.interval();
        let mut ticker = tokio::time::interval_at(Instant::now() + period, period);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);

        let request_id = self.request_id();
        lock(&self.view).mirror.begin_fetch(request_id.clone());
        if let Err(failure) = self.send(&mut sink, fetch_agents(request_id, None)).await {
            return SessionEnd::Failed(failure);
        }

        loop {
            let result = tokio::select! {
                frame = stream.next() => match frame {
                    None => Err(Failure::offline("the connection was lost")),
                    Some(Err(err)) => Err(classify_ws_error(err)),
                    Some(Ok(Message::Text(text))) => {
                        self.on_text(&text, &mut heartbeat, &mut sink).await
                    }
                    Some(Ok(Message::Close(frame))) => Err(classify_close(frame)),
                    Some(Ok(_)) => Ok(()),
                },
                _ = ticker.tick() => match heartbeat.on_tick(Instant::now()) {
                    HeartbeatAction::SendPing { request_id } => {
                        let ping = SessionRequest::Ping(SessionPing {
                            request_id,
                            client_sent_at: Some(epoch_ms()),
                        });
                        self.send(&mut sink, ping).await
                    }
                    HeartbeatAction::Dead { missed } => Err(Failure::offline(format!(
                        "the daemon did not answer {missed} heartbeat pings"
                    ))),
                },
                command = commands.recv() => match command {
                    None => {
                        self.close(&mut sink).await;
                        return SessionEnd::Shutdown;
                    }
                    Some(Command::RetryNow) => Ok(()),
                },
            };
            if let Err(failure) = result {
                return SessionEnd::Failed(failure);
            }
        }
    }

    async fn on_text(
        &mut self,
        text: &str,
        heartbeat: &mut Heartbeat,
        sink: &mut Sink,
    ) -> Result<(), Failure> {
        let message = match serde_json::from_str::<ServerFrame>(text) {
            Ok(ServerFrame::Session { message }) => message,
            Ok(_) => return Ok(()),
            Err(err) => {
                tracing::warn!(daemon = %self.target.key, %err, "undecodable frame from daemon skipped");
                return Ok(());
            }
        };
        match message {
            SessionMessage::Pong(pong) => {
                heartbeat.on_pong(&pong.request_id, Instant::now());
            }
            SessionMessage::Status(StatusPayload::ServerInfo(info)) => {
                self.apply(StateEvent::ServerInfo {
                    info,
                    at_ms: epoch_ms(),
                });
            }
            SessionMessage::Status(StatusPayload::Error { message }) => {
                tracing::warn!(daemon = %self.target.key, %message, "daemon reported an error");
            }
            SessionMessage::FetchAgentsResponse(response) => {
                let progress = lock(&self.view).mirror.on_response(response);
                match progress {
                    FetchProgress::Ignored => {}
                    FetchProgress::NextPage { cursor } => {
                        let request_id = self.request_id();
                        lock(&self.view).mirror.continue_fetch(request_id.clone());
                        self.send(sink, fetch_agents(request_id, Some(cursor)))
                            .await?;
                    }
                    FetchProgress::Complete(delta) => {
                        self.emit(HubEvent::Agents {
                            key: self.target.key.clone(),
                            upserts: delta.upserts,
                            removals: delta.removals,
                        });
                    }
                }
            }
            SessionMessage::AgentUpdate(update) => {
                let delta = lock(&self.view).mirror.on_update(update);
                if let Some(delta) = delta {
                    self.emit(HubEvent::Agents {
                        key: self.target.key.clone(),
                        upserts: delta.upserts,
                        removals: delta.removals,
                    });
                }
            }
            SessionMessage::RpcError(err) if err.request_id.starts_with(AGENTS_REQUEST_PREFIX) => {
                return Err(Failure::error(
                    format!("the daemon could not list its agents: {}", err.error),
                    RetryAfter::Backoff,
                ));
            }
            _ => {}
        }
        Ok(())
    }

    fn request_id(&mut self) -> String {
        self.next_request += 1;
        format!("{AGENTS_REQUEST_PREFIX}{}", self.next_request)
    }

    async fn send(&self, sink: &mut Sink, message: SessionRequest) -> Result<(), Failure> {
        let frame = ClientFrame::Session { message };
        connect::send_frame(sink, &frame, self.config.write_timeout).await
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

    /// Feeds the state machine; logs and broadcasts what changed.
    fn apply(&self, event: StateEvent) {
        let (transition, snapshot, changed) = {
            let mut view = lock(&self.view);
            let before = view.state.snapshot().clone();
            let transition = view.state.apply(event);
            let after = view.state.snapshot().clone();
            let changed = after != before;
            (transition, after, changed)
        };
        let Some(transition) = transition else {
            return;
        };
        self.log(transition, snapshot.last_error.as_deref());
        if changed {
            self.emit(HubEvent::Connection {
                key: self.target.key.clone(),
                snapshot,
            });
        }
    }

    fn log(&self, Transition { from, to }: Transition, error: Option<&str>) {
        let key = &self.target.key;
        let label = &self.target.label;
        let error = error.unwrap_or("");
        match to {
            _ if from == to => {
                tracing::debug!(daemon = %key, label, status = %to, "daemon info refreshed");
            }
            ConnectionStatus::Offline | ConnectionStatus::Error => {
                tracing::warn!(daemon = %key, label, %from, %to, error, "daemon connection {from} → {to}");
            }
            _ => {
                tracing::info!(daemon = %key, label, %from, %to, error, "daemon connection {from} → {to}");
            }
        }
    }

    fn emit(&self, event: HubEvent) {
        // No receivers is fine: the synchronous reads still see the state.
        let _ = self.events.send(event);
    }
}

fn fetch_agents(request_id: String, cursor: Option<String>) -> SessionRequest {
    let first_page = cursor.is_none();
    SessionRequest::FetchAgentsRequest(FetchAgentsRequest {
        request_id,
        page: Some(PageRequest {
            limit: Some(AGENTS_PAGE_LIMIT),
            cursor,
        }),
        // Only the first page subscribes: a new subscription would replace it.
        subscribe: first_page.then(AgentsSubscription::default),
        ..FetchAgentsRequest::default()
    })
}

/// Resolves when the command channel closes (retry requests are ignored:
/// they only matter while waiting).
async fn closed(commands: &mut mpsc::UnboundedReceiver<Command>) {
    while commands.recv().await.is_some() {}
}
