//! Agent Client Protocol (ACP) v1 client, written by hand.
//!
//! Why not the `agent-client-protocol` crate: its 5.2.0 release ships a
//! lockfile pinning a yanked dependency (`jiff-static =0.2.42`), the only
//! offline example agent it has speaks the unstable v2 protocol while every
//! real agent here speaks v1, and we need control it does not give over the
//! things real agents get wrong (see `acp-agents-notes.md` §2.5/§5): process
//! groups and group kills (npm wrappers orphan children that keep stdout
//! open), never relying on stdin EOF, timeouts on every exchange, and
//! tolerant decoding (key order, unknown fields, string or number ids,
//! colliding ids per direction, notifications after the prompt response).
//! The subset we need is small: JSON lines, a handful of methods.
//!
//! Layers, bottom up:
//! - [`jsonrpc`]: one JSON object per line, classified by shape.
//! - [`process`]: spawning in a process group, stderr to `tracing`, kills.
//! - [`client`]: the read loop, request/response matching, writer queue.
//! - [`mapping`], [`catalog`]: `session/update` → timeline items; modes and
//!   models from session results.
//! - `handler`: notifications → events, permission requests ↔ users.
//! - [`AcpProvider`] / `session`: the [`crate::provider::Provider`] impl.

pub mod catalog;
pub mod client;
mod errors;
mod handler;
pub mod jsonrpc;
pub mod mapping;
pub mod process;
mod provider;
mod session;
mod timeouts;

pub use provider::{AcpProvider, AcpProviderConfig};
pub use session::AcpSession;
pub use timeouts::AcpTimeouts;
