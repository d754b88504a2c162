//! The hub: the web server's side of every daemon connection.
//!
//! Browsers never talk to daemons directly. The server asks the hub to
//! [`Hub::watch`] a [`DaemonTarget`]; the hub keeps exactly one connection
//! per [`DaemonKey`] (shared by every browser and profile that names the same
//! daemon with the same credential), keeps it alive with backoff and a
//! heartbeat, mirrors the daemon's agent list, and broadcasts every change as
//! a [`HubEvent`]. Reads ([`Hub::connection`], [`Hub::agents`]) are
//! synchronous copies of that mirror so SSR and server functions never wait
//! on a socket.
//!
//! No Leptos and no HTTP serving here: only the multi-daemon core.

mod actor;
pub mod backoff;
pub mod config;
mod connect;
mod error;
mod event;
pub mod heartbeat;
mod hub;
mod mirror;
mod registry;
pub mod state;
pub mod target;

pub use backoff::{Backoff, BackoffPolicy};
pub use config::HubConfig;
pub use error::{ConfigError, HubError};
pub use event::HubEvent;
pub use heartbeat::{Heartbeat, HeartbeatAction, HeartbeatPolicy};
pub use hub::{Hub, WatchGuard};
pub use state::{ConnectionSnapshot, ConnectionStatus};
pub use target::{DaemonKey, DaemonTarget};
