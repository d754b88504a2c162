//! Integration tests: spawn the real `paseo-test-agent` binary and drive it
//! over its stdio with a small JSON-RPC client, as the daemon would.

mod client;
mod edit;
mod protocol;
mod turns;
