//! Paseo's automation features: chat rooms (`chat/*`), schedules
//! (`schedule/*`) and loops (`loop/*`). This daemon has none of them; only
//! their list requests are typed, so a Paseo client asking for a list gets
//! an answer it can show instead of a schema error (see the daemon's
//! `rpc` handlers for which answer each gets).
//!
//! Unlike the rest of the protocol these types use slashes: the wire type
//! of a list is `chat/list`, its answer `chat/list/response`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `chat/list`, `schedule/list` and `loop/list`: a bare request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListRequest {
    pub request_id: String,
}

/// `chat/list/response`. Rooms are kept as JSON (this crate never builds one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatListResponse {
    pub request_id: String,
    pub rooms: Vec<Value>,
    #[serde(default)]
    pub error: Option<String>,
}

/// `schedule/list/response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleListResponse {
    pub request_id: String,
    pub schedules: Vec<Value>,
    #[serde(default)]
    pub error: Option<String>,
}

/// `loop/list/response`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LoopListResponse {
    pub request_id: String,
    pub loops: Vec<Value>,
    #[serde(default)]
    pub error: Option<String>,
}

#[cfg(test)]
mod tests {
    use crate::{SessionMessage, SessionRequest};

    #[test]
    fn slash_types_decode_and_encode_under_their_wire_names() {
        let request: SessionRequest =
            serde_json::from_str(r#"{"type":"schedule/list","requestId":"r1","extra":1}"#)
                .expect("decodes");
        assert_eq!(request.type_name(), "schedule/list");
        assert_eq!(request.request_id(), Some("r1"));
        let text =
            r#"{"type":"loop/list/response","payload":{"requestId":"r2","loops":[],"error":"no"}}"#;
        let message: SessionMessage = serde_json::from_str(text).expect("decodes");
        assert_eq!(message.type_name(), "loop/list/response");
        let back = serde_json::to_value(&message).expect("encodes");
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(text).expect("json")
        );
    }
}
