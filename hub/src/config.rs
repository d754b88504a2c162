//! Every timeout and interval of the hub in one place, with defaults that
//! suit a LAN/localhost daemon. Tests shrink them; nothing in the hub is
//! hard-coded time.

use std::num::NonZeroUsize;
use std::time::Duration;

use crate::allowlist::HostAllowlist;
use crate::backoff::BackoffPolicy;
use crate::heartbeat::HeartbeatPolicy;

/// How the hub connects, retries, and lets go. The composite parts
/// ([`BackoffPolicy`], [`HeartbeatPolicy`]) are validated when built, so any
/// `HubConfig` value is usable.
#[derive(Debug, Clone, PartialEq)]
pub struct HubConfig {
    /// TCP connect (DNS included) must finish within this.
    pub connect_timeout: Duration,
    /// From TCP connected to `server_info` received: TLS, the WebSocket
    /// upgrade, `hello`, and the daemon's answer. A daemon that does not
    /// answer in time puts the connection in `error`.
    pub hello_timeout: Duration,
    /// One frame write may block this long before the connection is dropped.
    pub write_timeout: Duration,
    /// Waits between connection attempts.
    pub backoff: BackoffPolicy,
    /// Session-level ping cadence and tolerance.
    pub heartbeat: HeartbeatPolicy,
    /// How long a connection stays up after its last [`crate::WatchGuard`]
    /// is dropped (a page reload should not reconnect).
    pub grace_period: Duration,
    /// Buffer of the [`crate::Hub::subscribe`] channel; a slower receiver
    /// gets `Lagged` and should resync from the synchronous reads.
    pub event_capacity: NonZeroUsize,
    /// `appVersion` sent in `hello`. Paseo daemons hide every provider but
    /// claude/codex/opencode from clients older than 0.1.45 or without a
    /// version, so this must name a current Paseo app version.
    pub app_version: Option<String>,
    /// How long [`crate::Hub::request`] waits for the daemon's answer. An
    /// offline daemon, or one that drops while the request waits, fails the
    /// request at once instead.
    pub request_timeout: Duration,
    /// Rows fetched when a timeline is first followed (older rows are paged
    /// on demand).
    pub timeline_tail: u64,
    /// Most rows kept per followed timeline; older ones are dropped from the
    /// mirror (still on the daemon).
    pub timeline_capacity: usize,
    /// Initial WebSocket read buffer per connection. Most of an idle
    /// connection's memory (tungstenite allocates it up front; 128 KiB by
    /// default); larger frames still arrive, the buffer grows for them.
    pub read_buffer_bytes: usize,
    /// Which daemon hosts [`crate::Hub::watch`] and [`crate::Hub::probe`]
    /// may reach (the operator's option; empty: any). Pinned targets are
    /// the operator's own and are not checked.
    pub daemon_hosts: HostAllowlist,
    /// Extra trust anchors for `wss://` daemons besides the built-in
    /// (Mozilla) roots: the operator's CA or a daemon's self-signed
    /// certificate.
    pub extra_roots: Vec<rustls::pki_types::CertificateDer<'static>>,
}

impl Default for HubConfig {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            hello_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            backoff: BackoffPolicy::default(),
            heartbeat: HeartbeatPolicy::default(),
            grace_period: Duration::from_secs(30),
            event_capacity: NonZeroUsize::new(1024).unwrap_or(NonZeroUsize::MIN),
            app_version: Some(DEFAULT_APP_VERSION.to_owned()),
            request_timeout: Duration::from_secs(60),
            timeline_tail: 200,
            timeline_capacity: 5_000,
            read_buffer_bytes: 32 * 1024,
            daemon_hosts: HostAllowlist::default(),
            extra_roots: Vec::new(),
        }
    }
}

/// The Paseo app version whose protocol we speak (see the reference notes).
pub const DEFAULT_APP_VERSION: &str = "0.1.65";
