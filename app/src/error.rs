//! The one error type of every server function. It crosses the wire as
//! JSON intact, so the browser can tell "this tab is unknown, wait for the
//! channel and retry" from "that daemon is offline, say why" from "the
//! daemon refused, show its message".

use leptos::prelude::ServerFnError;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use protocol::fields::{Fields, WireError};
use serde::{Deserialize, Serialize};

/// Decoded by hand (a tag match over `Value`, [`AppError::from_value`]):
/// serde's derive for an internally tagged enum would bring its `Content`
/// buffering into the browser's main module for this one type (see
/// `protocol::fields`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    /// No live channel with this tab token (never opened, or closed longer
    /// than the grace period): reconnect the channel, then retry.
    #[error("this tab is not connected to the server yet; retrying once it is")]
    TabUnknown,
    /// The tab never watched this profile (not in its registry).
    #[error("host {profile_id} is not one of this tab's hosts")]
    DaemonSessionUnavailable { profile_id: String },
    /// The host is known but not online.
    #[error("the host is {status}{}", last_error.as_ref().map(|e| format!(": {e}")).unwrap_or_default())]
    DaemonUnavailable {
        status: String,
        last_error: Option<String>,
    },
    /// The daemon answered with an error.
    #[error("{message}")]
    Rpc {
        code: Option<String>,
        message: String,
    },
    /// The daemon did not answer in time.
    #[error("no answer from the host after {after_ms} ms ({what})")]
    Timeout { what: String, after_ms: u64 },
    /// The request itself is wrong (empty text, missing cwd…). Struct
    /// variants, not `BadRequest(String)`: an internally tagged enum cannot
    /// serialize a newtype around a string, and server_fn panics when the
    /// error it must send does not serialize.
    #[error("{message}")]
    BadRequest { message: String },
    /// Transport-level failure of the server function itself (unreadable
    /// arguments, a body over the server's limit…).
    #[error("{message}")]
    ServerFn { message: String },
}

impl<'de> Deserialize<'de> for AppError {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        AppError::from_value(value).map_err(serde::de::Error::custom)
    }
}

impl AppError {
    /// Decodes the JSON this type serializes to (an unknown `kind` is an
    /// error, as with serde's derive).
    pub fn from_value(value: serde_json::Value) -> Result<Self, WireError> {
        let mut f = Fields::of(value, "a server function error")?;
        Ok(match f.tag("kind").as_str() {
            "tab_unknown" => AppError::TabUnknown,
            "daemon_session_unavailable" => AppError::DaemonSessionUnavailable {
                profile_id: f.req("profile_id")?,
            },
            "daemon_unavailable" => AppError::DaemonUnavailable {
                status: f.req("status")?,
                last_error: f.opt("last_error")?,
            },
            "rpc" => AppError::Rpc {
                code: f.opt("code")?,
                message: f.req("message")?,
            },
            "timeout" => AppError::Timeout {
                what: f.req("what")?,
                after_ms: f.req("after_ms")?,
            },
            "bad_request" => AppError::BadRequest {
                message: f.req("message")?,
            },
            "server_fn" => AppError::ServerFn {
                message: f.req("message")?,
            },
            other => return Err(Fields::unknown_tag(other)),
        })
    }

    /// [`AppError::BadRequest`] with this message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        AppError::BadRequest {
            message: message.into(),
        }
    }

    /// [`AppError::ServerFn`] with this message.
    pub fn server_fn(message: impl Into<String>) -> Self {
        AppError::ServerFn {
            message: message.into(),
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::server_fn(value.to_string())
    }
}

impl From<ServerFnError> for AppError {
    fn from(value: ServerFnError) -> Self {
        AppError::server_fn(value.to_string())
    }
}

impl AppError {
    /// A short machine name, used as `data-error-kind` in the UI.
    pub fn kind(&self) -> &'static str {
        match self {
            AppError::TabUnknown => "tab_unknown",
            AppError::DaemonSessionUnavailable { .. } => "daemon_session_unavailable",
            AppError::DaemonUnavailable { .. } => "daemon_unavailable",
            AppError::Rpc { .. } => "rpc",
            AppError::Timeout { .. } => "timeout",
            AppError::BadRequest { .. } => "bad_request",
            AppError::ServerFn { .. } => "server_fn",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_the_wire_intact() {
        let errors = [
            AppError::TabUnknown,
            AppError::DaemonSessionUnavailable {
                profile_id: "p".into(),
            },
            AppError::DaemonUnavailable {
                status: "offline".into(),
                last_error: Some("connection refused".into()),
            },
            AppError::Rpc {
                code: Some("agent_not_found".into()),
                message: "no such agent".into(),
            },
            AppError::Timeout {
                what: "permission answer".into(),
                after_ms: 10_000,
            },
            AppError::bad_request("the message is empty"),
            AppError::server_fn("error reading the body: length limit exceeded"),
        ];
        for error in errors {
            let bytes = error.ser();
            assert_eq!(AppError::de(bytes), error);
        }
        // Optional fields may be absent or null; an unknown kind or a
        // missing field is a decoding error, never a wrong variant.
        let e = AppError::from_value(serde_json::json!({"kind": "rpc", "message": "m"}))
            .expect("decodes");
        assert_eq!(
            e,
            AppError::Rpc {
                code: None,
                message: "m".into()
            }
        );
        assert!(AppError::from_value(serde_json::json!({"kind": "nope"})).is_err());
        assert!(AppError::from_value(serde_json::json!({"kind": "timeout", "what": "x"})).is_err());
        let garbled = AppError::de(leptos::server_fn::Bytes::from_static(b"{\"kind\": 3}"));
        assert_eq!(garbled.kind(), "server_fn");
    }

    #[test]
    fn messages_say_why() {
        let e = AppError::DaemonUnavailable {
            status: "offline".into(),
            last_error: Some("connection refused".into()),
        };
        assert_eq!(e.to_string(), "the host is offline: connection refused");
    }
}
