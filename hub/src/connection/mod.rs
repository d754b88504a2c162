//! The task that owns one daemon connection for as long as anyone wants it.
//!
//! Loop: `connecting` → [`connect::open`] → `online` (see `online.rs`:
//! subscribe, resync, heartbeat, apply pushes, route requests) → on failure
//! `offline`/`error`, wait per the backoff (or the cap, or until "retry now")
//! → again. It stops when the registry drops its handle (the command channel
//! closes), closing the socket with 1000 "Client closed". Everything it
//! learns goes into the shared [`View`] (read synchronously by the hub) and
//! out as [`HubEvent`]s. Requests that reach it while it is not online are
//! answered at once with `DaemonUnavailable`: a caller never waits for a
//! timeout on a daemon that is known to be away.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use protocol::{ClientType, Hello, PROTOCOL_VERSION, ProviderSnapshotEntry, SessionRequest};
use tokio::runtime::Handle;
use tokio::sync::{broadcast, mpsc, oneshot};
use tokio::time::Instant;

pub(crate) mod connect;
mod diffs;
mod inbound;
mod online;
pub(crate) mod requests;

use crate::backoff::Backoff;
use crate::config::HubConfig;
use crate::diff::DiffSubscription;
use crate::error::HubError;
use crate::event::HubEvent;
use crate::follow::Follows;
use crate::mirror::agents::AgentMirror;
use crate::mirror::permissions::PermissionMirror;
use crate::mirror::timeline::FollowedTimeline;
use crate::state::{ConnectionState, ConnectionStatus, StateEvent, Transition, epoch_ms};
use crate::sync::lock;
use crate::target::ValidTarget;
use connect::RetryAfter;
use online::{Internal, SessionEnd};
use requests::{PendingRequests, Reply};

/// Requests to a running actor.
#[derive(Debug)]
pub(crate) enum Command {
    /// Skip the current backoff wait.
    RetryNow,
    /// Send and wait for the correlated reply.
    Request {
        request: SessionRequest,
        reply: Reply,
    },
    /// Send without waiting for a reply (notifications, permission answers).
    Send {
        request: SessionRequest,
        sent: oneshot::Sender<Result<(), HubError>>,
    },
    /// An agent got its first follower.
    Follow(String),
    /// An agent lost its last follower.
    Unfollow(String),
    /// A live diff subscription (boxed: much larger than the others).
    SubscribeDiff(Box<DiffSubscription>),
    /// A [`crate::DiffGuard`] was dropped.
    UnsubscribeDiff(String),
}

/// What the hub reads synchronously.
#[derive(Debug, Default)]
pub(crate) struct View {
    pub(crate) state: ConnectionState,
    pub(crate) mirror: AgentMirror,
    pub(crate) timelines: HashMap<String, FollowedTimeline>,
    pub(crate) permissions: PermissionMirror,
    pub(crate) providers: Vec<ProviderSnapshotEntry>,
}

/// The registry's handle on a running actor; dropping it stops the actor.
pub(crate) struct DaemonHandle {
    pub(crate) view: Arc<Mutex<View>>,
    pub(crate) commands: mpsc::UnboundedSender<Command>,
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
    pub(crate) follows: Arc<Follows>,
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
        follows: deps.follows.clone(),
        next_request: 0,
        pending: PendingRequests::default(),
        internal: HashMap::new(),
        outbox: Vec::new(),
        unsent: Vec::new(),
        diffs: diffs::Diffs::default(),
    };
    deps.runtime.spawn(async move {
        let _live = live;
        actor.run(receiver).await;
    });
    DaemonHandle { view, commands }
}

struct Actor {
    target: ValidTarget,
    hello: Hello,
    config: Arc<HubConfig>,
    view: Arc<Mutex<View>>,
    events: broadcast::Sender<HubEvent>,
    follows: Arc<Follows>,
    next_request: u64,
    /// Caller requests waiting on the current connection.
    pending: PendingRequests,
    /// The hub's own requests on the current connection, by request id.
    internal: HashMap<String, Internal>,
    /// The hub's own requests to send after the current message.
    outbox: Vec<SessionRequest>,
    /// Followed agents with live rows applied but not yet broadcast
    /// (see `Actor::send_rows`).
    unsent: Vec<String>,
    /// Live diff subscriptions and their sinks.
    diffs: diffs::Diffs,
}

impl Actor {
    async fn run(mut self, mut commands: mpsc::UnboundedReceiver<Command>) {
        let mut backoff = Backoff::new(self.config.backoff);
        'connection: loop {
            self.apply(StateEvent::Connect);
            let (target, hello, config) =
                (self.target.clone(), self.hello.clone(), self.config.clone());
            let open = connect::open(&target, &hello, &config);
            tokio::pin!(open);
            let opened = loop {
                tokio::select! {
                    opened = &mut open => break opened,
                    command = commands.recv() => match command {
                        None => break 'connection,
                        Some(command) => self.while_away(command),
                    },
                }
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
                    self.disconnected();
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
            // After the state says why, so callers see the new status.
            self.pending.fail_all(&self.unavailable());
            tracing::debug!(daemon = %self.target.key, ?delay, "next connection attempt");
            let wait = tokio::time::sleep(delay);
            tokio::pin!(wait);
            loop {
                tokio::select! {
                    () = &mut wait => break,
                    command = commands.recv() => match command {
                        None => break 'connection,
                        Some(Command::RetryNow) => {
                            tracing::info!(daemon = %self.target.key, "retry now requested");
                            break;
                        }
                        Some(command) => self.while_away(command),
                    },
                }
            }
        }
        self.apply(StateEvent::Stop { at_ms: epoch_ms() });
        self.pending.fail_all(&self.unavailable());
    }

    /// A command while not online: requests fail at once; follow changes
    /// are picked up from the follow table on the next connection.
    fn while_away(&mut self, command: Command) {
        match command {
            Command::SubscribeDiff(subscription) => self.add_diff(*subscription, false),
            Command::UnsubscribeDiff(id) => self.remove_diff(&id, false),
            Command::RetryNow | Command::Follow(_) => {}
            Command::Request { reply, .. } => {
                let _ = reply.send(Err(self.unavailable()));
            }
            Command::Send { sent, .. } => {
                let _ = sent.send(Err(self.unavailable()));
            }
            Command::Unfollow(agent_id) => self.forget_timeline(&agent_id),
        }
    }

    /// Drops an unfollowed timeline's mirror (unless followed again since).
    fn forget_timeline(&self, agent_id: &str) {
        if !self.follows.contains(&self.target.key, agent_id) {
            lock(&self.view).timelines.remove(agent_id);
        }
    }

    /// The connection ended: keep every mirror (stale beats nothing), void
    /// what was in flight on it.
    fn disconnected(&mut self) {
        // Rows already in the mirror are broadcast before the state change.
        self.send_rows();
        self.internal.clear();
        self.outbox.clear();
        let mut view = lock(&self.view);
        view.mirror.disconnected();
        for timeline in view.timelines.values_mut() {
            timeline.disconnected();
        }
    }

    /// The error for a request that cannot reach the daemon now.
    fn unavailable(&self) -> HubError {
        let snapshot = lock(&self.view).state.snapshot().clone();
        HubError::DaemonUnavailable {
            key: self.target.key.clone(),
            status: snapshot.status,
            last_error: snapshot.last_error,
        }
    }

    /// A request id for the hub's own requests (`hub-<kind>-N`).
    fn request_id(&mut self, kind: &str) -> String {
        self.next_request += 1;
        format!("hub-{kind}-{}", self.next_request)
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
