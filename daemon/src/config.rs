//! Daemon settings. One plain struct so the CLI, the embedding web server
//! and tests build configurations the same way; every timeout and limit is
//! configurable because tests need short ones (see the design notes,
//! "Ports, processes, time in tests").

use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::PathBuf;
use std::time::Duration;

/// Where Paseo daemons listen unless told otherwise: loopback, port 6767.
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 6767));

/// How long a new socket may stay silent before it must have said hello
/// (Paseo closes with 4001 after 15 s).
pub const DEFAULT_HELLO_TIMEOUT: Duration = Duration::from_secs(15);

/// Largest WebSocket frame or message accepted (16 MiB); larger ones end
/// that connection, never the daemon.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;

/// A turn still running after this long fails with a timeout message.
pub const DEFAULT_PROMPT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// A provider process with nothing to do for this long is stopped (and
/// restarted on the agent's next prompt).
pub const DEFAULT_AGENT_IDLE_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// How long a client's session (its subscriptions) outlives its socket,
/// waiting for a reconnect with the same `clientId` (Paseo: 90 s).
pub const DEFAULT_SESSION_GRACE: Duration = Duration::from_secs(90);

/// Longest one request to an agent provider (other than a prompt) may take.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Everything a daemon needs to start. Build it with [`DaemonConfig::new`]
/// and set fields; it is `non_exhaustive` so fields can be added later
/// without breaking embedders.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DaemonConfig {
    /// Address to bind; port 0 picks a free port (see
    /// [`crate::RunningDaemon::local_addr`]). A non-loopback address is
    /// refused unless [`Self::password`] is set.
    pub listen: SocketAddr,
    /// `$PASEO_HOME`: holds `server-id` and `daemon.lock`; created if missing.
    pub home: PathBuf,
    /// Time a socket has to send a valid hello before it is closed with 4001.
    pub hello_timeout: Duration,
    /// Maximum size of one WebSocket frame and of one reassembled message.
    pub max_frame_bytes: usize,
    /// Fixed server id. `None` means: the `PASEO_SERVER_ID` environment
    /// variable if set and non-blank, else the id persisted in
    /// `$PASEO_HOME/server-id` (created on first start).
    pub server_id: Option<String>,
    /// How long [`crate::RunningDaemon::shutdown`] waits for open sockets to
    /// finish their close handshake before dropping them.
    pub shutdown_grace: Duration,
    /// How often a checkout diff subscription checks the work tree for
    /// changes (see `git::watch`).
    pub diff_poll_interval: Duration,
    /// Longest a turn may run before it is failed and its session stopped.
    pub prompt_timeout: Duration,
    /// Idle time after which a provider process is stopped.
    pub agent_idle_timeout: Duration,
    /// How long a disconnected client's session is kept for a reconnect.
    pub session_grace: Duration,
    /// The daemon password (held hashed). `None`: no authentication, and
    /// only loopback addresses may be bound.
    pub password: Option<crate::transport::auth::Password>,
    /// Hostnames accepted in `Host` besides loopback names and IP
    /// literals; `*` accepts any, `.example.com` a domain and its subdomains.
    pub allowed_hosts: Vec<String>,
    /// Origins accepted besides same-origin and loopback ones
    /// (`scheme://host[:port]`); `*` accepts any.
    pub cors_origins: Vec<String>,
    /// Longest one request to an agent provider may take.
    pub request_timeout: Duration,
    /// Serve `wss://` with this certificate and key instead of `ws://`
    /// (for a daemon reached over a network; see `crate::tls`).
    pub tls: Option<crate::tls::TlsFiles>,
}

impl DaemonConfig {
    /// A configuration with the given address and home and defaults for
    /// everything else.
    pub fn new(listen: SocketAddr, home: PathBuf) -> Self {
        Self {
            listen,
            home,
            hello_timeout: DEFAULT_HELLO_TIMEOUT,
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            server_id: None,
            shutdown_grace: Duration::from_secs(5),
            diff_poll_interval: crate::git::DEFAULT_DIFF_POLL_INTERVAL,
            prompt_timeout: DEFAULT_PROMPT_TIMEOUT,
            agent_idle_timeout: DEFAULT_AGENT_IDLE_TIMEOUT,
            session_grace: DEFAULT_SESSION_GRACE,
            password: None,
            allowed_hosts: Vec::new(),
            cors_origins: Vec::new(),
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            tls: None,
        }
    }
}

/// The default `$PASEO_HOME`: the `PASEO_HOME` environment variable if set
/// and non-empty, else `~/.paseo`, else `.paseo` in the current directory
/// when no home directory is known.
pub fn default_home() -> PathBuf {
    if let Some(home) = std::env::var_os("PASEO_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(home);
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(user_home) => PathBuf::from(user_home).join(".paseo"),
        None => PathBuf::from(".paseo"),
    }
}
