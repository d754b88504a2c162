//! Wire types of the Paseo daemon WebSocket protocol, version 1.
//!
//! Everything that crosses a daemon socket is declared here once, as serde
//! types shared by the daemon (which emits them), the hub (which consumes them)
//! and the browser app (which renders them). The crate does no I/O so the wasm
//! build can use it too (the `testing` helpers, which read fixture files, are
//! the one exception: they exist only with the `test-support` feature, which
//! the daemon's and hub's tests turn on).
//!
//! Decoding is tolerant by design: unknown fields are ignored and unknown
//! message types decode to an `Unknown` variant, because Paseo's schemas are
//! append-only and a newer peer must never break an older one. Nested content
//! a relay may have to pass on (stream events, timeline items, tool details,
//! agent features) keeps unknown kinds verbatim as `Unknown(Value)`.
//! Encoding sends every key the real daemon always sends, `null` included.
//! Field names and shapes follow `paseo-v1-schemas.md` (the reference notes).
//!
//! Modules, by what they hold:
//! - [`envelope`]: top-level frames, hello, close codes; [`decode`]: decoding
//!   with enough context to answer a bad frame; [`session`]: the session
//!   request/message enums and session-level ping/heartbeat.
//! - [`status`], [`rpc`], [`activity`]: the daemon's result and error channels.
//! - [`agent`]: the agent snapshot and agent listing; [`project`]: project
//!   placement; [`commands`]: requests that create or change agents;
//!   [`attachments`]: images and attachments sent with prompts.
//! - [`timeline`]: timeline items, cursors and paged fetch; [`stream`]: live
//!   `agent_stream` events; [`permission`]: permission prompts and answers.
//! - [`provider`]: providers, models, modes; [`files`]: file explorer;
//!   [`checkout`]: git status, diffs and worktrees; [`workspace`]: the
//!   workspaces Paseo's app is built around, and its workspace screen's
//!   requests.
//! - [`terminal`], [`automation`]: features this daemon does not have yet
//!   (terminals; chat rooms, schedules, loops), typed only as far as the
//!   answers it gives Paseo clients that ask for them.

pub mod activity;
pub mod agent;
pub mod attachments;
pub mod automation;
pub mod checkout;
pub mod commands;
pub mod decode;
pub mod envelope;
pub mod fields;
pub mod files;
pub mod permission;
pub mod project;
pub mod provider;
pub mod rpc;
pub mod session;
pub mod status;
pub mod stream;
pub mod tagged;
pub mod terminal;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod timeline;
mod wire;
pub mod workspace;

pub use activity::*;
pub use agent::*;
pub use attachments::*;
pub use automation::*;
pub use checkout::*;
pub use commands::*;
pub use decode::{DecodeError, decode_client_frame, decode_server_frame};
pub use envelope::*;
pub use files::*;
pub use permission::*;
pub use project::*;
pub use provider::*;
pub use rpc::*;
pub use session::*;
pub use status::*;
pub use stream::*;
pub use terminal::*;
pub use timeline::*;
pub use workspace::*;
