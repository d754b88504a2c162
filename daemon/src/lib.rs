//! The Paseo daemon as a library: everything `paseo-daemon` does, callable
//! in-process so the web server can embed a local daemon without spawning one.
//!
//! The crate is layered so later features slot in without reshaping it:
//! - [`config`], [`home`], [`identity`]: what a daemon is (settings, its
//!   `$PASEO_HOME` and the lock on it, its persistent `srv_` id).
//! - [`RunningDaemon`] (in `daemon.rs`): lifecycle (bind, serve, shut down).
//! - `server.rs` (HTTP routes, upgrade guard), `connection.rs` (one socket's
//!   handshake state machine), `inbound.rs` (classifying client frames) and
//!   `session.rs` (request dispatch) implement Paseo protocol v1. Agents,
//!   timelines, providers, files and git become new session handlers and
//!   new modules holding daemon-wide state in `server::DaemonState`;
//!   `unsupported.rs` answers the Paseo features this daemon lacks.

#![warn(missing_docs)]

mod access;
mod agents;
pub mod auth;
mod clients;
pub mod config;
pub mod config_file;
mod connection;
mod daemon;
pub mod error;
mod fd_limit;
mod files;
mod git;
pub mod home;
pub mod identity;
mod ids;
mod inbound;
mod outbox;
pub mod procs;
mod project_config;
pub mod provider;
mod server;
mod session;
mod store;
mod time_util;
mod unsupported;

pub use config::{
    DEFAULT_AGENT_IDLE_TIMEOUT, DEFAULT_HELLO_TIMEOUT, DEFAULT_LISTEN, DEFAULT_MAX_FRAME_BYTES,
    DEFAULT_PROMPT_TIMEOUT, DEFAULT_SESSION_GRACE, DaemonConfig, default_home,
};
pub use daemon::RunningDaemon;
pub use error::DaemonError;
