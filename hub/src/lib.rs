//! The hub: the web server's side of every daemon connection.
//!
//! Browsers never talk to daemons directly. The server asks the hub to
//! [`Hub::watch`] a [`DaemonTarget`]; the hub keeps exactly one connection
//! per [`DaemonKey`] (shared by every browser and profile that names the same
//! daemon with the same credential), keeps it alive with backoff and a
//! heartbeat, and mirrors the daemon's session: agents, followed timelines
//! ([`Hub::follow`]), pending permissions and providers. Every change goes
//! out as a [`HubEvent`]; reads ([`Hub::snapshot`], [`Hub::timeline`], …) are
//! synchronous copies of the mirror so SSR and server functions never wait
//! on a socket. [`Hub::request`] routes a request to one daemon and
//! correlates its reply, failing at once when the daemon is away.
//!
//! No Leptos and no HTTP serving here: only the multi-daemon core.
//!
//! Layout:
//! - The facade: `hub.rs` ([`Hub`], [`WatchGuard`]), `routing.rs` (requests
//!   to one daemon), `follow.rs` (who follows which timeline), `registry.rs`
//!   (who watches which daemon), `diff.rs` (live diffs, each delivered to
//!   its one subscriber).
//! - `connection/`: the actor that owns one daemon connection (its loop,
//!   `connect`, the `online` phase, `inbound` message routing, caller
//!   `requests`); its state is private to the folder, and the facade reads
//!   only its shared `View`.
//! - `mirror/`: pure copies of a daemon's session, no I/O and no clock:
//!   `agents`, `permissions`, `timeline`, `decode` and `row_scan`.
//! - Pure rules beside them: [`state`] (the connection state machine),
//!   [`backoff`], [`heartbeat`], [`config`], [`target`], `event`, `error`.

mod allowlist;
pub mod backoff;
pub mod config;
mod connection;
mod diff;
mod error;
mod event;
mod follow;
pub mod heartbeat;
mod hub;
mod mirror;
mod probe;
mod registry;
mod routing;
pub mod state;
mod sync;
pub mod target;

pub use allowlist::HostAllowlist;
pub use backoff::{Backoff, BackoffPolicy};
pub use config::HubConfig;
pub use diff::{DiffGuard, DiffPush, DiffSink};
pub use error::{ConfigError, HubError};
pub use event::HubEvent;
pub use heartbeat::{Heartbeat, HeartbeatAction, HeartbeatPolicy};
pub use hub::{DaemonSnapshot, FollowGuard, Hub, WatchGuard};
pub use mirror::permissions::{PendingPermission, PermissionChange};
pub use mirror::timeline::{TimelineMirror, TimelineRow};
pub use probe::{FailureKind, ProbeFailure, ProbeInfo};
pub use state::{ConnectionSnapshot, ConnectionStatus};
pub use target::{DaemonKey, DaemonTarget};
