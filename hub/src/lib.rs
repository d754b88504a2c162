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

mod actor;
pub mod backoff;
pub mod config;
mod connect;
mod decode;
mod error;
mod event;
mod follow;
pub mod heartbeat;
mod hub;
mod inbound;
mod mirror;
mod online;
mod permissions;
mod registry;
mod requests;
mod routing;
mod row_scan;
pub mod state;
pub mod target;
mod timeline;

pub use backoff::{Backoff, BackoffPolicy};
pub use config::HubConfig;
pub use error::{ConfigError, HubError};
pub use event::HubEvent;
pub use follow::FollowGuard;
pub use heartbeat::{Heartbeat, HeartbeatAction, HeartbeatPolicy};
pub use hub::{DaemonSnapshot, Hub, WatchGuard};
pub use permissions::{PendingPermission, PermissionChange};
pub use state::{ConnectionSnapshot, ConnectionStatus};
pub use target::{DaemonKey, DaemonTarget};
pub use timeline::{TimelineMirror, TimelineRow};
