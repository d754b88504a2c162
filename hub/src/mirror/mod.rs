//! The hub's copy of one daemon's session, as pure state machines: no
//! sockets, no tasks, no clock of their own. The connection actor feeds
//! them decoded messages and broadcasts what they say changed, so every
//! rule is unit-tested without a daemon.
//!
//! - [`agents`]: the agent list (fetched pages plus `agent_update` pushes).
//! - [`permissions`]: pending permission requests across agents.
//! - [`timeline`]: one followed timeline, kept equal to the daemon's log.
//! - [`decode`] (with [`row_scan`], its fast path): daemon frames to what
//!   the mirrors take.

pub(crate) mod agents;
pub(crate) mod decode;
pub mod permissions;
pub(crate) mod row_scan;
pub mod timeline;

#[cfg(test)]
mod fuzz_tests;
