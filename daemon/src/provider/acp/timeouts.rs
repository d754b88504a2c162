//! The bounds on talking to an ACP agent, shared by the provider (which
//! is configured with them) and its sessions (which enforce them).

use std::time::Duration;

/// Every bound on talking to an agent. Tests shorten them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcpTimeouts {
    /// `initialize` (gemini takes over 4 s under load).
    pub initialize: Duration,
    /// `session/new`, `session/load`, `session/set_mode`, ….
    pub request: Duration,
    /// A turn fails when the agent sends nothing for this long (time spent
    /// waiting for a user's permission answer does not count).
    pub prompt_idle: Duration,
    /// After `session/cancel`, how long to wait for the agent to confirm.
    pub cancel_grace: Duration,
    /// SIGTERM → SIGKILL delay at shutdown.
    pub shutdown_grace: Duration,
}

impl Default for AcpTimeouts {
    fn default() -> Self {
        Self {
            initialize: Duration::from_secs(60),
            request: Duration::from_secs(60),
            prompt_idle: Duration::from_secs(15 * 60),
            cancel_grace: Duration::from_secs(5),
            shutdown_grace: Duration::from_secs(3),
        }
    }
}
