//! Providers: the one seam between the daemon and the coding agents it runs.
//!
//! The agent manager only knows this trait. A provider says who it is and
//! whether it can run here ([`Provider::info`], [`Provider::availability`]),
//! and opens sessions ([`Provider::open`]) — a fresh one, or an existing
//! provider session by id (resume / import). A session then runs turns
//! ([`AgentSession::prompt`] resolves when the turn ends) while everything
//! the agent produces streams through the [`SessionEvent`] channel given at
//! open time, so the manager can persist and broadcast items in order
//! without ever blocking the provider's own I/O loop.
//!
//! Permission requests carry a oneshot reply: the provider waits on it in
//! its own task; the manager stores the request durably, shows it to every
//! client, and completes the oneshot when a client answers (or drops it when
//! the turn dies, which the provider reports as "cancelled").

pub mod acp;
pub mod launch;
pub mod registry;

pub use registry::ProviderRegistry;

use std::path::PathBuf;

use futures_util::future::BoxFuture;
use protocol::{
    AgentMode, AgentModelDefinition, PermissionRequest, PermissionResponse, TimelineItem,
};
use tokio::sync::{mpsc, oneshot};

/// Static description of a provider, for snapshots and new agents.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderInfo {
    /// Open string id on the wire (`claude`, `gemini`, `test`, …).
    pub id: String,
    /// Display name, e.g. "Claude".
    pub label: String,
    /// One line shown under the label.
    pub description: Option<String>,
    /// The mode new agents start in, when known (claude `default`, codex
    /// `auto`, opencode `build`).
    pub default_mode_id: Option<String>,
    /// Modes known before any session exists (may be empty).
    pub modes: Vec<AgentMode>,
    /// Models known before any session exists (may be empty).
    pub models: Vec<AgentModelDefinition>,
    /// Whether `open` with `resume_session_id` can work (ACP `loadSession`).
    pub supports_resume: bool,
}

/// Whether a provider can run on this machine right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Availability {
    /// The executable was found.
    Available,
    /// With a reason a user can act on ("`gemini` not found on PATH").
    Unavailable {
        /// What is missing, e.g. "`gemini` not found on PATH".
        reason: String,
    },
}

/// What the manager asks for when it needs a live provider session.
pub struct OpenSession {
    /// The agent's working directory (made absolute by ACP providers).
    pub cwd: PathBuf,
    /// Mode to switch to after opening, if not already current.
    pub mode_id: Option<String>,
    /// Model to switch to after opening, if not already current.
    pub model: Option<String>,
    /// `Some(id)`: load this provider session (resume / import). ACP
    /// agents replay the conversation while loading: those rows arrive as
    /// [`SessionEvent::Item`]s (user messages included) *before* `open`
    /// resolves, so a manager that already stores the timeline can drop
    /// events received before `open` returns.
    pub resume_session_id: Option<String>,
    /// Everything the session produces, in order.
    pub events: mpsc::UnboundedSender<SessionEvent>,
}

/// A session that is open; returned by [`Provider::open`].
pub struct OpenedSession {
    /// The live session.
    pub session: Box<dyn AgentSession>,
    /// The provider's own session id (persisted for resume).
    pub session_id: String,
    /// Modes the session offers.
    pub modes: Vec<AgentMode>,
    /// The mode in effect.
    pub current_mode_id: Option<String>,
    /// Models the session offers.
    pub models: Vec<AgentModelDefinition>,
    /// The model in effect.
    pub current_model: Option<String>,
}

/// Something a running session produced.
#[derive(Debug)]
pub enum SessionEvent {
    /// A timeline row: message/reasoning chunk, tool call state, todo, error…
    Item(TimelineItem),
    /// The agent asks the user. `request.id` is made by the provider and
    /// unique within the daemon (e.g. a UUID). Answer through `reply`;
    /// dropping `reply` means "cancelled".
    Permission {
        /// What to show the user.
        request: PermissionRequest,
        /// Where the user's answer goes.
        reply: oneshot::Sender<PermissionResponse>,
    },
    /// The agent switched mode by itself.
    ModeChanged {
        /// The new mode.
        mode_id: String,
    },
    /// Token usage or cost, as the provider reports it (`lastUsage`).
    Usage(serde_json::Value),
    /// The provider process went away; `error` when it was not asked to.
    /// Sent once per opened session (never for a failed `open`).
    Exited {
        /// `None` after [`AgentSession::shutdown`], else why it died.
        error: Option<String>,
    },
}

/// How a turn ended when it did not fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnEnd {
    /// The agent finished (ACP `end_turn`, `max_tokens`, `refusal`, …).
    Completed,
    /// Stopped by [`AgentSession::cancel`] (or the agent's `cancelled`).
    Canceled,
}

/// Why a provider operation failed. Messages are shown to users as-is, so
/// they say what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The provider cannot run here (e.g. its executable is missing).
    #[error("{0}")]
    Unavailable(String),
    /// Missing credentials: `message` says which env var or login.
    #[error("{message}")]
    Auth {
        /// What the agent said and what the user should do.
        message: String,
    },
    /// The agent process died.
    #[error("{0}")]
    Crashed(String),
    /// The agent did not answer in time.
    #[error("{0}")]
    Timeout(String),
    /// Resume was asked of an agent without `loadSession`.
    #[error("this provider cannot resume sessions")]
    ResumeUnsupported,
    /// The agent answered with an error or something we cannot use.
    #[error("{0}")]
    Protocol(String),
    /// Starting or talking to the agent failed at the OS level.
    #[error("{0}")]
    Io(String),
}

/// A kind of coding agent the daemon can run.
pub trait Provider: Send + Sync + 'static {
    /// Who this provider is (may improve once a session reported modes
    /// and models).
    fn info(&self) -> ProviderInfo;
    /// Cheap check (PATH lookup, config), called for snapshots and creates.
    fn availability(&self) -> Availability;
    /// Starts the agent process if needed and opens (or loads) a session.
    fn open(
        &self,
        request: OpenSession,
    ) -> BoxFuture<'static, Result<OpenedSession, ProviderError>>;
    /// What to do when the agent wants credentials (env var or login), for
    /// messages about turns that failed without a word from the agent:
    /// agents without network or credentials often retry silently for
    /// ever (opencode, gemini; ACP notes §5.3).
    fn auth_hint(&self) -> Option<String> {
        None
    }
}

/// One live provider session. Methods take `&self` and return `'static`
/// futures so the manager can run them on their own tasks.
pub trait AgentSession: Send + Sync + 'static {
    /// Runs one turn; resolves when it ends. Items stream meanwhile.
    fn prompt(&self, text: String) -> BoxFuture<'static, Result<TurnEnd, ProviderError>>;
    /// Best effort: asks the agent to stop the running turn.
    fn cancel(&self) -> BoxFuture<'static, ()>;
    /// Switches the session's mode.
    fn set_mode(&self, mode_id: String) -> BoxFuture<'static, Result<(), ProviderError>>;
    /// Switches the session's model.
    fn set_model(&self, model: String) -> BoxFuture<'static, Result<(), ProviderError>>;
    /// Stops the agent process (SIGTERM to its group, then SIGKILL).
    fn shutdown(&self) -> BoxFuture<'static, ()>;
}
