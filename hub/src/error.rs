//! The hub's typed errors. Kept apart so every module (targets, config
//! validation, the facade, request routing) reports through one enum the web
//! server can match.

use std::time::Duration;

use crate::state::ConnectionStatus;
use crate::target::DaemonKey;

/// A configuration value that cannot work (rejected when it is built, so the
/// actors never see it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {reason}")]
pub struct ConfigError {
    /// Which setting, e.g. `backoff.jitter`.
    pub field: &'static str,
    /// What is wrong with it, e.g. `must be in [0, 1), got 1.5`.
    pub reason: String,
}

impl ConfigError {
    pub(crate) fn new(field: &'static str, reason: impl Into<String>) -> Self {
        Self {
            field,
            reason: reason.into(),
        }
    }
}

/// Everything the hub's public API can refuse. Messages are meant for people
/// (they end up in the settings page) and never contain a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HubError {
    /// The URL does not parse. `url` is shown with any user info masked.
    #[error("invalid daemon URL {url:?}: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// Parsed, but not a WebSocket URL.
    #[error(
        "unsupported URL scheme \"{scheme}\" in {url:?}: a daemon URL must start with ws:// or wss:// (for example ws://localhost:6767/ws)"
    )]
    UnsupportedScheme { url: String, scheme: String },
    /// `ws://user:pass@host/…`: credentials would end up in keys and logs.
    #[error(
        "the daemon URL {url:?} contains a user name or password; remove it from the URL and put the password in the password field"
    )]
    CredentialsInUrl { url: String },
    /// The password cannot travel as a WebSocket subprotocol token.
    #[error(
        "the password contains characters that cannot be sent to a daemon: only letters, digits and !#$%&'*+-.^_`|~ are allowed"
    )]
    InvalidPassword,
    /// The operator's daemon-host allowlist does not name this host.
    #[error("this server's operator does not allow daemons at {url:?} (paseo-web --daemon-host)")]
    HostNotAllowed { url: String },
    /// A [`crate::HubConfig`] part was built with impossible values.
    #[error("invalid hub configuration: {0}")]
    Config(#[from] ConfigError),
    /// Nobody watches or pins this daemon, so the hub has no connection.
    #[error("the hub has no connection to {key}: watch it first")]
    NotWatched { key: DaemonKey },
    /// The daemon is not online, or the connection ended while the request
    /// waited. Returned at once, never after a timeout.
    #[error("the daemon {key} is {status}{}", reason(.last_error))]
    DaemonUnavailable {
        key: DaemonKey,
        status: ConnectionStatus,
        last_error: Option<String>,
    },
    /// The daemon answered nothing within the request timeout.
    #[error("the daemon {key} did not answer {request_type} within {after:?}")]
    Timeout {
        key: DaemonKey,
        request_type: &'static str,
        after: Duration,
    },
    /// This request gets no reply to wait for (notifications,
    /// `agent_permission_response`, a cancel without `requestId`): use
    /// [`crate::Hub::send`].
    #[error("{request_type} gets no reply from the daemon: send it without waiting")]
    NoReply { request_type: &'static str },
    /// The daemon answered with `rpc_error`.
    #[error("the daemon refused {request_type}: {message}")]
    Rpc {
        request_type: String,
        /// E.g. `handler_error`, `unknown_schema` (see `protocol::rpc_code`).
        code: Option<String>,
        message: String,
    },
    /// `status: agent_create_failed` (create or import).
    #[error("the daemon could not create the agent: {message}")]
    AgentCreateFailed {
        message: String,
        code: Option<String>,
    },
    /// The request could not be encoded.
    #[error("could not encode the request: {0}")]
    Encode(String),
}

fn reason(last_error: &Option<String>) -> String {
    match last_error {
        Some(error) => format!(" ({error})"),
        None => String::new(),
    }
}
