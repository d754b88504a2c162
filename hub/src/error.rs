//! The hub's typed errors. Kept apart so every module (targets, config
//! validation, the facade) reports through one enum the web server can match.

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
    /// A [`crate::HubConfig`] part was built with impossible values.
    #[error("invalid hub configuration: {0}")]
    Config(#[from] ConfigError),
}
