//! Answers for Paseo features this daemon does not have (terminals, chat
//! rooms, schedules, loops), so Paseo's CLI and web app get something they
//! can show instead of `unknown_schema`.
//!
//! Which answer each gets follows what Paseo's CLI (0.1.65-beta.5) does
//! with it:
//! - `list_terminals_request`: the empty list in Paseo's shape. It is true
//!   (there are no terminals), the response has no error field, and Paseo's
//!   web app asks for it on every workspace screen, where an error would
//!   be noise. `terminal ls` prints an empty table.
//! - `schedule/list`, `loop/list`: Paseo's response with an empty list and
//!   `error` naming the feature as unsupported; the CLI prints "Failed to
//!   list schedules: Schedules are not supported by this daemon …".
//! - `chat/list`: an `rpc_error` (code [`UNSUPPORTED`]). The CLI ignores
//!   the response's `error` for chat and would print an empty list, as if
//!   the rooms merely did not exist; the `rpc_error` makes it print the
//!   message.

use protocol::{
    ListRequest, ListTerminalsRequest, ListTerminalsResponse, LoopListResponse, RpcError,
    ScheduleListResponse, SessionMessage,
};

/// `rpc_error` code for a request this daemon understands but whose
/// feature it does not have.
pub(crate) const UNSUPPORTED: &str = "unsupported";

/// `list_terminals_response` with no terminals.
pub(crate) fn list_terminals(req: ListTerminalsRequest) -> SessionMessage {
    SessionMessage::ListTerminalsResponse(ListTerminalsResponse {
        cwd: req.cwd,
        terminals: Vec::new(),
        request_id: req.request_id,
    })
}

/// `chat/list` → `rpc_error` naming chat rooms as unsupported.
pub(crate) fn chat_list(req: ListRequest) -> SessionMessage {
    SessionMessage::RpcError(RpcError {
        request_id: req.request_id,
        request_type: Some("chat/list".to_owned()),
        error: not_supported("Chat rooms"),
        code: Some(UNSUPPORTED.to_owned()),
    })
}

/// `schedule/list/response`: no schedules, and why.
pub(crate) fn schedule_list(req: ListRequest) -> SessionMessage {
    SessionMessage::ScheduleListResponse(ScheduleListResponse {
        request_id: req.request_id,
        schedules: Vec::new(),
        error: Some(not_supported("Schedules")),
    })
}

/// `loop/list/response`: no loops, and why.
pub(crate) fn loop_list(req: ListRequest) -> SessionMessage {
    SessionMessage::LoopListResponse(LoopListResponse {
        request_id: req.request_id,
        loops: Vec::new(),
        error: Some(not_supported("Loops")),
    })
}

fn not_supported(feature: &str) -> String {
    format!(
        "{feature} are not supported by this daemon (paseo-daemon {})",
        env!("CARGO_PKG_VERSION")
    )
}
