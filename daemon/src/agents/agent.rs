//! One agent in memory: its record and timeline (the durable part), the
//! live provider session if one runs, and the running turn.
//!
//! Two ways in, on purpose:
//! - `core`, a plain mutex held only for short, non-async sections. Reads
//!   (snapshots, timeline pages) and provider events go straight through
//!   it; appending a row and broadcasting it happen under it, which is what
//!   keeps every client's view of one agent in seq order.
//! - `ops`, a FIFO of commands (send, cancel, archive, set mode/model)
//!   run one after the other by the agent's own task, so two requests for
//!   the same agent take effect in the order they arrived even though each
//!   may await a provider for a while, and the socket that sent them never
//!   waits.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Instant;

use futures_util::future::BoxFuture;
use protocol::{AgentModelDefinition, PermissionResponse};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::AbortHandle;

use crate::provider::AgentSession;
use crate::store::{AgentRecord, TimelineLog};

/// A provider session that is open.
pub(crate) struct Live {
    /// The session.
    pub session: Arc<dyn AgentSession>,
    /// The provider's id for it.
    pub session_id: String,
    /// Models it offers.
    pub models: Vec<AgentModelDefinition>,
    /// The model in effect.
    pub current_model: Option<String>,
    /// Where a finished prompt reports its outcome: the session's event
    /// task, which first applies every event the provider sent before the
    /// prompt returned (so no row lands after `turn_completed`).
    pub turn_ends: mpsc::UnboundedSender<(u64, TurnOutcome)>,
}

/// The turn in progress.
pub(crate) struct Turn {
    /// Distinguishes this turn from later ones.
    pub id: u64,
    /// The task awaiting the provider's prompt.
    pub task: AbortHandle,
    /// `Core::last_activity` when the turn started: unchanged at the end
    /// means the agent sent nothing during the turn.
    pub started: Instant,
}

/// The mutable state of one agent.
pub(crate) struct Core {
    /// What is persisted in `agent.json`.
    pub record: AgentRecord,
    /// The timeline.
    pub log: TimelineLog,
    /// The open provider session, if any.
    pub live: Option<Live>,
    /// Bumped whenever a session is opened or dropped; events of older
    /// sessions are ignored.
    pub generation: u64,
    /// The running turn.
    pub turn: Option<Turn>,
    /// Counter for turn ids.
    pub turns_started: u64,
    /// Where permission answers go, by permission id (the requests
    /// themselves are in `record.pending_permissions`).
    pub permission_replies: HashMap<String, oneshot::Sender<PermissionResponse>>,
    /// Last time the session did or was asked something (idle reaping).
    pub last_activity: Instant,
    /// Set by delete; every later operation is a no-op.
    pub deleted: bool,
}

/// One agent.
pub(crate) struct Agent {
    /// Its id.
    pub id: String,
    core: Mutex<Core>,
    /// The command queue, made (and its task spawned) on the first
    /// command: most loaded agents never get one, and a task per agent was
    /// a measurable part of starting with 1,000 of them.
    ops: OnceLock<mpsc::UnboundedSender<BoxFuture<'static, ()>>>,
    changes: watch::Sender<u64>,
    /// Held while a provider session is being opened, so a resume and a
    /// send (or two imports of one session) arriving together open one
    /// session, not two (the loser would leak a provider process).
    pub opening: tokio::sync::Mutex<()>,
}

impl Agent {
    /// Wraps a loaded or new agent (its command task starts with the
    /// first command).
    pub(crate) fn new(record: AgentRecord, log: TimelineLog) -> Arc<Self> {
        Arc::new(Self {
            id: record.id.clone(),
            core: Mutex::new(Core {
                record,
                log,
                live: None,
                generation: 0,
                turn: None,
                turns_started: 0,
                permission_replies: HashMap::new(),
                last_activity: Instant::now(),
                deleted: false,
            }),
            ops: OnceLock::new(),
            changes: watch::Sender::new(0),
            opening: tokio::sync::Mutex::new(()),
        })
    }

    /// Locks the core. Never hold this across an `.await`.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Core> {
        self.core
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues a command behind the ones already queued.
    pub(crate) fn enqueue(&self, op: impl Future<Output = ()> + Send + 'static) {
        let ops = self.ops.get_or_init(|| {
            let (ops, mut queue) = mpsc::unbounded_channel::<BoxFuture<'static, ()>>();
            tokio::spawn(async move {
                while let Some(op) = queue.recv().await {
                    op.await;
                }
            });
            ops
        });
        if ops.send(Box::pin(op)).is_err() {
            tracing::error!(agent = %self.id, "agent command task is gone; command dropped");
        }
    }

    /// Watches snapshot changes (the value is a change counter).
    pub(crate) fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    /// Signals a snapshot change to watchers.
    pub(crate) fn notify_changed(&self) {
        self.changes.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// How a turn ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TurnOutcome {
    /// The provider finished or honoured a cancel.
    Ended(crate::provider::TurnEnd),
    /// The provider reported an error.
    Failed(String),
    /// Nothing came back within the prompt timeout.
    TimedOut,
}
