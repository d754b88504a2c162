//! The top-level frames: what travels on the socket outside the `session`
//! wrapper (the handshake, WS-level ping/pong), plus the close codes.

use serde::{Deserialize, Serialize};

use crate::session::{SessionMessage, SessionRequest};

/// The only protocol version this crate speaks; any other closes with 4003.
pub const PROTOCOL_VERSION: u32 = 1;

/// WebSocket close codes the daemon uses, with the exact reason strings
/// Paseo's clients expect.
pub mod close {
    /// No valid hello within the hello timeout.
    pub const HELLO_TIMEOUT: u16 = 4001;
    /// A hello that fails validation, or anything but hello/ping first.
    pub const INVALID_HELLO: u16 = 4002;
    /// `protocolVersion` is not [`super::PROTOCOL_VERSION`].
    pub const INCOMPATIBLE_VERSION: u16 = 4003;
    /// Missing or wrong bearer password.
    pub const UNAUTHORIZED: u16 = 4401;

    /// Reason sent with [`HELLO_TIMEOUT`].
    pub const REASON_HELLO_TIMEOUT: &str = "Hello timeout";
    /// Reason sent with [`INVALID_HELLO`] for a bad or missing hello.
    pub const REASON_INVALID_HELLO: &str = "Invalid hello";
    /// Reason sent with [`INVALID_HELLO`] for a second hello.
    pub const REASON_UNEXPECTED_HELLO: &str = "Unexpected hello";
    /// Reason sent with [`INVALID_HELLO`] for a session frame before hello.
    pub const REASON_SESSION_BEFORE_HELLO: &str = "Session message before hello";
    /// Reason sent with [`INCOMPATIBLE_VERSION`].
    pub const REASON_INCOMPATIBLE_VERSION: &str = "Incompatible protocol version";
    /// Reason sent with [`UNAUTHORIZED`] when no password was offered.
    pub const REASON_PASSWORD_REQUIRED: &str = "Password required";
    /// Reason sent with [`UNAUTHORIZED`] for a wrong password.
    pub const REASON_INCORRECT_PASSWORD: &str = "Incorrect password";
}

/// Which kind of client says hello; the daemon tailors nothing on it yet but
/// Paseo validates it, so we do too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientType {
    Mobile,
    Browser,
    Cli,
    Mcp,
}

/// The first message of every connection. A reused `client_id` re-attaches
/// to the daemon-side session it had before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hello {
    pub client_id: String,
    pub client_type: ClientType,
    pub protocol_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_version: Option<String>,
    /// Passthrough object; only `reasoning_merge_enum: true` matters today.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Hello {
    /// Whether the client declared a capability flag as exactly `true`.
    pub fn supports(&self, capability: &str) -> bool {
        self.capabilities
            .as_ref()
            .and_then(|caps| caps.get(capability))
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false)
    }
}

/// A frame sent by a client to a daemon.
#[allow(
    clippy::large_enum_variant,
    reason = "frames are decoded once and matched at once; boxing would change the public shape"
)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    Hello(Hello),
    /// WS-level keepalive, answered even before hello.
    Ping,
    /// Voice-era message that daemons accept and ignore.
    RecordingState {
        #[serde(rename = "isRecording", default)]
        is_recording: bool,
    },
    Session {
        message: SessionRequest,
    },
    /// A frame type this version does not know.
    #[serde(other)]
    Unknown,
}

/// A frame sent by a daemon to a client.
#[allow(
    clippy::large_enum_variant,
    reason = "frames are decoded once and matched at once; boxing would change the public shape"
)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Answer to a WS-level [`ClientFrame::Ping`].
    Pong,
    Session {
        message: SessionMessage,
    },
    #[serde(other)]
    Unknown,
}

impl ServerFrame {
    /// Wraps a session message, the way every daemon reply travels.
    pub fn session(message: SessionMessage) -> Self {
        ServerFrame::Session { message }
    }
}
