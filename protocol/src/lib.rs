//! Wire types of the Paseo daemon WebSocket protocol, version 1.
//!
//! Everything that crosses a daemon socket is declared here once, as serde
//! types shared by the daemon (which emits them), the hub (which consumes them)
//! and the browser app (which renders them). The crate does no I/O so the wasm
//! build can use it too.
//!
//! Decoding is tolerant by design: unknown fields are ignored and unknown
//! message types decode to an `Unknown` variant, because Paseo's schemas are
//! append-only and a newer peer must never break an older one.
//! Field names and shapes follow `paseo-v1-schemas.md` (the reference notes).

pub mod agent;
pub mod decode;
pub mod envelope;
pub mod rpc;
pub mod session;
pub mod status;

pub use agent::*;
pub use decode::{DecodeError, decode_client_frame};
pub use envelope::*;
pub use rpc::*;
pub use session::*;
pub use status::*;
