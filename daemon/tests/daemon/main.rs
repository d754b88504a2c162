//! The daemon's integration tests, one binary (one link of the crate) with
//! a module per area. Most start the real `paseo-daemon` binary and talk
//! to it over a socket; `acp_test_agent` drives `AcpProvider` against the
//! real `paseo-test-agent`. The real-agent tier is a separate binary
//! (`tests/real_agents.rs`, ignored unless asked for).

#[path = "../agent_support/mod.rs"]
mod agent_support;
#[path = "../support/mod.rs"]
mod support;
mod support_acp;
mod workspace;

mod acp_test_agent;
mod agents;
mod agents_durability;
mod agents_lifecycle;
mod auth;
mod bad_input;
mod binary;
mod checkout;
mod cli_replay;
mod embedded;
mod file_explorer;
mod procs;
mod providers_ws;
