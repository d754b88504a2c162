//! JSON-RPC 2.0 framing as ACP agents actually speak it: one JSON object per
//! line on stdio.
//!
//! Decoding is deliberately lenient because real agents differ: codex puts
//! `"result"` before `"id"`, agents add `_meta` and other unknown fields, ids
//! may be numbers or strings, and requests the *agent* sends carry the
//! agent's own id counter (claude starts at 0), which collides with ours.
//! So a line is classified by shape, not by id: anything with a `method` is
//! the peer's request or notification, anything else with an `id` is a
//! response to one of *our* requests. Ids therefore never need to be unique
//! across directions.

use serde_json::{Map, Value, json};

/// JSON-RPC error code for "Method not found".
pub const METHOD_NOT_FOUND: i64 = -32601;
/// JSON-RPC error code for "Internal error".
pub const INTERNAL_ERROR: i64 = -32603;
/// ACP's "Authentication required" code (also used by gemini for a missing
/// API key).
pub const AUTH_REQUIRED: i64 = -32000;

/// A request id as the peer sent it (number or string), echoed verbatim.
pub type RequestId = Value;

/// The `error` object of a JSON-RPC response.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcErrorObject {
    /// JSON-RPC error code.
    pub code: i64,
    /// Human-readable message.
    pub message: String,
    /// Optional details; codex puts the useful text here.
    pub data: Option<Value>,
}

impl RpcErrorObject {
    /// An error with no `data`.
    pub fn new(code: i64, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            data: None,
        }
    }

    /// The message plus `data` when it adds text ("Internal error:
    /// OPENAI_API_KEY is not set").
    pub fn full_text(&self) -> String {
        let data = match &self.data {
            Some(Value::String(text)) => Some(text.clone()),
            // codex: `{message}`; gemini: `{details}`.
            Some(Value::Object(map)) => ["message", "details", "detail", "error"]
                .iter()
                .find_map(|key| map.get(*key).and_then(Value::as_str))
                .map(str::to_owned),
            _ => None,
        };
        match data {
            Some(data) if !data.is_empty() && data != self.message => {
                format!("{}: {data}", self.message)
            }
            _ => self.message.clone(),
        }
    }

    fn to_value(&self) -> Value {
        let mut error = json!({"code": self.code, "message": self.message});
        if let Some(data) = &self.data {
            error["data"] = data.clone();
        }
        error
    }

    fn from_value(value: &Value) -> Self {
        Self {
            code: value.get("code").and_then(Value::as_i64).unwrap_or(0),
            message: value
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned(),
            data: value.get("data").cloned(),
        }
    }
}

/// One decoded line from the peer.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// The peer asks us something and waits for an answer with this `id`.
    Request {
        /// The peer's id, in the peer's own numbering.
        id: RequestId,
        /// Method name, e.g. `session/request_permission`.
        method: String,
        /// `params`, `Null` when absent.
        params: Value,
    },
    /// The peer tells us something (e.g. `session/update`).
    Notification {
        /// Method name.
        method: String,
        /// `params`, `Null` when absent.
        params: Value,
    },
    /// The answer to one of our requests.
    Response {
        /// Our id, echoed.
        id: RequestId,
        /// `result`, or the `error` object.
        outcome: Result<Value, RpcErrorObject>,
    },
}

/// Why a line could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Not JSON at all (agents sometimes leak log lines onto stdout).
    #[error("not JSON: {0}")]
    NotJson(String),
    /// JSON, but not a JSON-RPC message.
    #[error("not a JSON-RPC message: {0}")]
    NotRpc(&'static str),
}

/// Decodes one line. Blank lines are `Ok(None)`.
pub fn decode_line(line: &str) -> Result<Option<Incoming>, FrameError> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(None);
    }
    let value: Value =
        serde_json::from_str(line).map_err(|err| FrameError::NotJson(err.to_string()))?;
    let Value::Object(mut map) = value else {
        return Err(FrameError::NotRpc("not an object"));
    };
    let id = map.remove("id").filter(|id| !id.is_null());
    if let Some(method) = map.get("method") {
        let method = method
            .as_str()
            .ok_or(FrameError::NotRpc("method is not a string"))?
            .to_owned();
        let params = map.remove("params").unwrap_or(Value::Null);
        return Ok(Some(match id {
            Some(id) => Incoming::Request { id, method, params },
            None => Incoming::Notification { method, params },
        }));
    }
    let id = id.ok_or(FrameError::NotRpc("neither method nor id"))?;
    let outcome = response_outcome(&mut map)?;
    Ok(Some(Incoming::Response { id, outcome }))
}

fn response_outcome(
    map: &mut Map<String, Value>,
) -> Result<Result<Value, RpcErrorObject>, FrameError> {
    if let Some(error) = map.get("error").filter(|error| !error.is_null()) {
        return Ok(Err(RpcErrorObject::from_value(error)));
    }
    match map.remove("result") {
        Some(result) => Ok(Ok(result)),
        None => Err(FrameError::NotRpc("response without result or error")),
    }
}

/// A request line (without the trailing newline).
pub fn encode_request(id: u64, method: &str, params: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}).to_string()
}

/// A notification line.
pub fn encode_notification(method: &str, params: Value) -> String {
    json!({"jsonrpc": "2.0", "method": method, "params": params}).to_string()
}

/// A response line answering the peer's request `id`.
pub fn encode_response(id: &RequestId, outcome: Result<Value, RpcErrorObject>) -> String {
    match outcome {
        Ok(result) => json!({"jsonrpc": "2.0", "id": id, "result": result}),
        Err(error) => json!({"jsonrpc": "2.0", "id": id, "error": error.to_value()}),
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(line: &str) -> Incoming {
        match decode_line(line) {
            Ok(Some(incoming)) => incoming,
            other => panic!("{line}: {other:?}"),
        }
    }

    #[test]
    fn key_order_and_unknown_fields_do_not_matter() {
        let codex = r#"{"jsonrpc":"2.0","result":{"stopReason":"end_turn"},"id":3,"_meta":{}}"#;
        assert_eq!(
            decode(codex),
            Incoming::Response {
                id: json!(3),
                outcome: Ok(json!({"stopReason": "end_turn"}))
            }
        );
    }

    #[test]
    fn agent_requests_with_colliding_ids_are_requests() {
        // claude numbers its own requests from 0; our request 0 may be pending.
        let line =
            r#"{"jsonrpc":"2.0","id":0,"method":"session/request_permission","params":{"x":1}}"#;
        let Incoming::Request { id, method, .. } = decode(line) else {
            panic!("not a request");
        };
        assert_eq!(
            (id, method.as_str()),
            (json!(0), "session/request_permission")
        );
        let answer = r#"{"jsonrpc":"2.0","id":0,"result":{}}"#;
        assert!(matches!(decode(answer), Incoming::Response { .. }));
    }

    #[test]
    fn string_ids_and_errors() {
        let line = r#"{"id":"a-b","jsonrpc":"2.0","error":{"code":-32603,"message":"Internal error","data":"OPENAI_API_KEY is not set"}}"#;
        let Incoming::Response {
            id,
            outcome: Err(error),
        } = decode(line)
        else {
            panic!("not an error response");
        };
        assert_eq!(id, json!("a-b"));
        assert_eq!(error.code, INTERNAL_ERROR);
        assert_eq!(
            error.full_text(),
            "Internal error: OPENAI_API_KEY is not set"
        );
    }

    #[test]
    fn error_text_includes_the_data_agents_put_there() {
        let gemini = RpcErrorObject {
            code: -32603,
            message: "Internal error".into(),
            data: Some(json!({"details": "No previous sessions found for this project."})),
        };
        assert_eq!(
            gemini.full_text(),
            "Internal error: No previous sessions found for this project."
        );
        let codex = RpcErrorObject {
            code: -32603,
            message: "Internal error".into(),
            data: Some(json!({"message": "stream disconnected", "codex_error_info": "other"})),
        };
        assert_eq!(codex.full_text(), "Internal error: stream disconnected");
        assert_eq!(
            RpcErrorObject::new(-32000, "Authentication required").full_text(),
            "Authentication required"
        );
    }

    #[test]
    fn notifications_have_no_id() {
        let line = r#"{"jsonrpc":"2.0","method":"session/update","params":{"sessionId":"s"}}"#;
        assert!(matches!(decode(line), Incoming::Notification { .. }));
        let null_id = r#"{"jsonrpc":"2.0","id":null,"method":"x"}"#;
        assert!(matches!(decode(null_id), Incoming::Notification { .. }));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert_eq!(decode_line("   "), Ok(None));
        assert!(matches!(
            decode_line("Reconnecting... 1/5"),
            Err(FrameError::NotJson(_))
        ));
        assert!(matches!(decode_line("[1,2]"), Err(FrameError::NotRpc(_))));
        assert!(matches!(
            decode_line(r#"{"id":1}"#),
            Err(FrameError::NotRpc(_))
        ));
        assert!(matches!(
            decode_line(r#"{"method":5}"#),
            Err(FrameError::NotRpc(_))
        ));
    }

    #[test]
    fn encodings_round_trip() {
        let request = encode_request(7, "session/prompt", json!({"a": 1}));
        assert!(matches!(decode(&request), Incoming::Request { .. }));
        let response = encode_response(
            &json!("x"),
            Err(RpcErrorObject::new(METHOD_NOT_FOUND, "no")),
        );
        let Incoming::Response {
            outcome: Err(error),
            ..
        } = decode(&response)
        else {
            panic!("not an error");
        };
        assert_eq!(error.code, METHOD_NOT_FOUND);
        let note = encode_notification("session/cancel", json!({"sessionId": "s"}));
        assert!(matches!(decode(&note), Incoming::Notification { .. }));
    }
}
