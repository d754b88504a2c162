//! Classifying a client text frame into what the connection must do with it.
//!
//! Decoding itself is `protocol::decode_client_frame`; this module adds the
//! daemon's view: which frames are requests, and for frames we cannot serve
//! (unknown or invalid), the `requestId` and type needed to answer with an
//! `rpc_error`, or the text of a `status: error` when there is no requestId.
//! Those error paths are rare, so they re-read the raw JSON instead of
//! slowing down the common path.

use protocol::{
    ClientFrame, DecodeError, Hello, SessionMessage, SessionRequest, decode_client_frame,
};
use serde_json::Value;

use crate::rpc;

/// What a client text frame turned out to be.
#[derive(Debug)]
pub(crate) enum Inbound {
    /// A well-formed hello (not yet checked for version or empty clientId).
    Hello(Hello),
    /// WS-level ping, answered with a top-level pong.
    Ping,
    /// Accepted and ignored.
    RecordingState,
    /// A well-formed session request of a type the protocol crate knows.
    Request(Box<SessionRequest>),
    /// A frame whose type nobody knows (`session` with an unknown inner
    /// type, or an unknown top-level type).
    Unknown {
        /// Whether it came inside a `session` wrapper.
        in_session: bool,
        meta: RequestMeta,
    },
    /// JSON that failed validation.
    Invalid {
        /// Top-level `type`, e.g. `hello` or `session`.
        frame_type: Option<String>,
        meta: RequestMeta,
        /// `Invalid message: <reason>`.
        message: String,
    },
    /// Not a JSON object at all.
    NotJson {
        /// `Invalid message: <parser error>`.
        message: String,
    },
}

/// What identifies a request for error replies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RequestMeta {
    /// `message.requestId`, else a top-level `requestId`.
    pub request_id: Option<String>,
    /// `message.type`, else the top-level `type`.
    pub request_type: Option<String>,
}

impl RequestMeta {
    /// Extracts the meta from a raw frame the same way Paseo does; empty
    /// when the text is not a JSON object.
    pub(crate) fn extract(text: &str) -> Self {
        let Ok(value) = serde_json::from_str::<Value>(text) else {
            return Self::default();
        };
        let str_at = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let message = value.get("message");
        Self {
            request_id: str_at(message.and_then(|m| m.get("requestId")))
                .or_else(|| str_at(value.get("requestId"))),
            request_type: str_at(message.and_then(|m| m.get("type")))
                .or_else(|| str_at(value.get("type"))),
        }
    }
}

/// Classifies one text frame. Never panics, whatever the input.
pub(crate) fn classify(text: &str) -> Inbound {
    match decode_client_frame(text) {
        Ok(ClientFrame::Hello(hello)) => Inbound::Hello(hello),
        Ok(ClientFrame::Ping) => Inbound::Ping,
        Ok(ClientFrame::RecordingState { .. }) => Inbound::RecordingState,
        Ok(ClientFrame::Session {
            message: SessionRequest::Unknown,
        }) => Inbound::Unknown {
            in_session: true,
            meta: RequestMeta::extract(text),
        },
        Ok(ClientFrame::Session { message }) => Inbound::Request(Box::new(message)),
        Ok(ClientFrame::Unknown) => Inbound::Unknown {
            in_session: false,
            meta: RequestMeta::extract(text),
        },
        Err(err @ DecodeError::NotJson(_)) => Inbound::NotJson {
            message: err.to_string(),
        },
        Err(
            ref err @ DecodeError::Invalid {
                ref frame_type,
                ref request_type,
                ref request_id,
                ..
            },
        ) => Inbound::Invalid {
            frame_type: frame_type.clone(),
            meta: RequestMeta {
                request_id: request_id.clone(),
                request_type: request_type.clone().or_else(|| frame_type.clone()),
            },
            message: err.to_string(),
        },
    }
}

/// The answer to a frame no handler serves, after hello: `rpc_error`
/// (`unknown_schema` or `invalid_message`) under the frame's `requestId`,
/// else `status: error` with the reason. `None` for the frames that are
/// served (hello, pings, requests).
pub(crate) fn refusal(inbound: Inbound) -> Option<SessionMessage> {
    Some(match inbound {
        Inbound::Unknown { meta, .. } => unknown(meta),
        Inbound::Invalid { meta, message, .. } => match meta.request_id {
            Some(id) => rpc::invalid_message(id, meta.request_type),
            None => rpc::status_error(message),
        },
        Inbound::NotJson { message } => rpc::status_error(message),
        Inbound::Hello(_) | Inbound::Ping | Inbound::RecordingState | Inbound::Request(_) => {
            return None;
        }
    })
}

/// `unknown_schema` under the request's id, else `status: error`.
pub(crate) fn unknown(meta: RequestMeta) -> SessionMessage {
    match meta.request_id {
        Some(id) => rpc::unknown_schema(id, meta.request_type),
        None => rpc::status_error("Invalid message: Unknown request schema".to_owned()),
    }
}

#[cfg(test)]
#[path = "inbound_fuzz.rs"]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_session_type_keeps_request_id_and_type() {
        match classify(
            r#"{"type":"session","message":{"type":"list_agents_request","requestId":"x"}}"#,
        ) {
            Inbound::Unknown { in_session, meta } => {
                assert!(in_session);
                assert_eq!(meta.request_id.as_deref(), Some("x"));
                assert_eq!(meta.request_type.as_deref(), Some("list_agents_request"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn garbage_never_panics() {
        for text in [
            "",
            "null",
            "[]",
            "1",
            "\"s\"",
            "{",
            "{}",
            r#"{"type":1}"#,
            r#"{"type":"session"}"#,
            r#"{"type":"session","message":null}"#,
            r#"{"type":"session","message":{"type":[]}}"#,
            r#"{"type":"hello","clientId":{}}"#,
            "\u{0}",
            r#"{"type":"session","message":{"requestId":5}}"#,
        ] {
            let _ = classify(text);
        }
    }

    #[test]
    fn missing_request_id_on_known_type_is_invalid_without_id() {
        match classify(r#"{"type":"session","message":{"type":"fetch_agents_request"}}"#) {
            Inbound::Invalid {
                frame_type,
                meta,
                message,
            } => {
                assert_eq!(frame_type.as_deref(), Some("session"));
                assert_eq!(meta.request_id, None);
                assert!(message.starts_with("Invalid message: "), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
