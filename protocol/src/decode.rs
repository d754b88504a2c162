//! Decoding a client frame while keeping what is needed to answer a bad one.
//!
//! A daemon must reply to an invalid request with an `rpc_error` naming its
//! `requestId` and type, so decoding cannot be a single `from_str`: we parse
//! to JSON first, then to the typed frame, and on failure report what we
//! could still extract.

use serde_json::Value;

use crate::envelope::{ClientFrame, ServerFrame};

/// Why a client frame could not be decoded, with whatever identifies it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    /// Not JSON at all (or not an object).
    #[error("Invalid message: {0}")]
    NotJson(String),
    /// JSON, but not a valid frame of a known type.
    #[error("Invalid message: {reason}")]
    Invalid {
        /// Top-level `type`, e.g. `hello` or `session`.
        frame_type: Option<String>,
        /// For session frames: the inner message `type`.
        request_type: Option<String>,
        /// `message.requestId`, else a top-level `requestId`.
        request_id: Option<String>,
        reason: String,
    },
}

/// Decodes a text frame sent by a client.
pub fn decode_client_frame(text: &str) -> Result<ClientFrame, DecodeError> {
    let value: Value =
        serde_json::from_str(text).map_err(|err| DecodeError::NotJson(err.to_string()))?;
    if !value.is_object() {
        return Err(DecodeError::NotJson("frame is not a JSON object".into()));
    }
    match serde_json::from_value::<ClientFrame>(value.clone()) {
        Ok(frame) => Ok(frame),
        Err(err) => {
            let str_at = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
            let message = value.get("message");
            Err(DecodeError::Invalid {
                frame_type: str_at(value.get("type")),
                request_type: str_at(message.and_then(|m| m.get("type"))),
                request_id: str_at(message.and_then(|m| m.get("requestId")))
                    .or_else(|| str_at(value.get("requestId"))),
                reason: err.to_string(),
            })
        }
    }
}

/// Decodes a text frame sent by a daemon. Unknown types decode to `Unknown`
/// variants, so an error means a known message with a malformed body.
pub fn decode_server_frame(text: &str) -> Result<ServerFrame, serde_json::Error> {
    serde_json::from_str(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::SessionRequest;

    #[test]
    fn unknown_session_type_decodes_to_unknown() {
        let frame = decode_client_frame(
            r#"{"type":"session","message":{"type":"list_agents_request","requestId":"x"}}"#,
        )
        .expect("decodes");
        assert_eq!(
            frame,
            ClientFrame::Session {
                message: SessionRequest::Unknown
            }
        );
    }

    #[test]
    fn invalid_request_keeps_its_request_id() {
        let err = decode_client_frame(
            r#"{"type":"session","message":{"type":"ping","clientSentAt":"soon","requestId":"r1"}}"#,
        )
        .expect_err("clientSentAt must be a number");
        match err {
            DecodeError::Invalid {
                request_id,
                request_type,
                ..
            } => {
                assert_eq!(request_id.as_deref(), Some("r1"));
                assert_eq!(request_type.as_deref(), Some("ping"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn not_json_is_reported() {
        assert!(matches!(
            decode_client_frame("not json"),
            Err(DecodeError::NotJson(_))
        ));
    }
}
