//! The hub's integration tests, one binary (one link of the crate) with a
//! module per behaviour: real in-process daemons, and stub servers or a
//! proxy only for what a real daemon cannot be made to do on cue.

mod support;

mod bad_input;
mod bursts;
mod daemon_connection;
mod diffs;
mod failures;
mod fixture_replay;
mod probe;
mod resync;
mod routing;
mod security;
mod sharing;
mod three_daemons;
