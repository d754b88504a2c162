//! The Paseo daemon as a library: everything `paseo-daemon` does, callable
//! in-process so the web server can embed a local daemon without spawning one.
//!
//! The crate is layered; arrows point down only:
//! - [`RunningDaemon`] (in `daemon.rs`): lifecycle (bind, serve, shut down);
//!   `state.rs`: the daemon-wide `DaemonState` every handler shares.
//! - `transport/`: HTTP routes, access and password checks, one socket's
//!   handshake and read loop, classifying inbound frames.
//! - `rpc/`: the request layer: a client session, its dispatch, and one
//!   handler file per area (agents, workspaces, providers, files, checkout, project,
//!   unsupported), plus the client sessions that survive reconnects.
//! - Domain modules, which know no transport: `agents/` (the agent
//!   manager), [`provider`] (the agent seam and the ACP provider),
//!   `store/` (durable records and timelines), `files/`, `git/`,
//!   [`procs`], `project_config`.
//! - [`config`], [`config_file`], [`home`], [`identity`], [`error`]: what a
//!   daemon is (settings, its `$PASEO_HOME` and the lock on it, its
//!   persistent `srv_` id).

#![warn(missing_docs)]

mod agents;
pub mod config;
pub mod config_file;
pub mod crash;
mod daemon;
pub mod error;
mod fd_limit;
mod files;
mod git;
pub mod home;
pub mod identity;
mod ids;
pub mod procs;
mod project_config;
pub mod provider;
mod rpc;
mod state;
mod store;
mod time_util;
pub mod tls;
mod transport;

pub use config::{
    DEFAULT_AGENT_IDLE_TIMEOUT, DEFAULT_HELLO_TIMEOUT, DEFAULT_LISTEN, DEFAULT_MAX_FRAME_BYTES,
    DEFAULT_PROMPT_TIMEOUT, DEFAULT_SESSION_GRACE, DaemonConfig, default_home,
};
pub use daemon::RunningDaemon;
pub use error::DaemonError;
pub use transport::auth;
