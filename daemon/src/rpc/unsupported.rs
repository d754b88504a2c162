//! Answers for Paseo features this daemon does not have (terminals, chat
//! rooms, schedules, loops, worktree setup, editors, GitHub, project
//! icons), so Paseo's CLI and web app get something they can show instead
//! of `unknown_schema`.
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
//! - What Paseo's app asks on its workspace screen gets the answer Paseo
//!   itself gives when there is nothing: `subscribe_terminals_request` one
//!   `terminals_changed` with no terminals, `workspace_setup_status_request`
//!   a `null` snapshot (no setup ran: we create no worktrees),
//!   `list_available_editors_request` no editors (opening an editor on the
//!   daemon's host is not something this daemon does), `checkout_pr_status_request`
//!   no pull request with GitHub features off, `project_icon_request` no icon.

use protocol::{
    CheckoutPrStatusRequest, CheckoutPrStatusResponse, ListAvailableEditorsRequest,
    ListAvailableEditorsResponse, ListRequest, ListTerminalsRequest, ListTerminalsResponse,
    LoopListResponse, ProjectIconRequest, ProjectIconResponse, RpcError, ScheduleListResponse,
    SessionMessage, SubscribeTerminalsRequest, TerminalsChanged, WorkspaceSetupStatusRequest,
    WorkspaceSetupStatusResponse,
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

/// The first (and only) `terminals_changed` of a terminals subscription.
pub(crate) fn subscribe_terminals(req: SubscribeTerminalsRequest) -> SessionMessage {
    SessionMessage::TerminalsChanged(TerminalsChanged {
        cwd: req.cwd,
        terminals: Vec::new(),
    })
}

/// No setup ran for any workspace.
pub(crate) fn workspace_setup_status(req: WorkspaceSetupStatusRequest) -> SessionMessage {
    SessionMessage::WorkspaceSetupStatusResponse(WorkspaceSetupStatusResponse {
        request_id: req.request_id,
        workspace_id: req.workspace_id,
        snapshot: None,
    })
}

/// No editors to open on this host.
pub(crate) fn list_available_editors(req: ListAvailableEditorsRequest) -> SessionMessage {
    SessionMessage::ListAvailableEditorsResponse(ListAvailableEditorsResponse {
        request_id: req.request_id,
        editors: Vec::new(),
        error: None,
    })
}

/// No pull request known; GitHub features off.
pub(crate) fn checkout_pr_status(req: CheckoutPrStatusRequest) -> SessionMessage {
    SessionMessage::CheckoutPrStatusResponse(CheckoutPrStatusResponse {
        cwd: req.cwd,
        status: None,
        github_features_enabled: false,
        error: None,
        request_id: req.request_id,
    })
}

/// No project icon.
pub(crate) fn project_icon(req: ProjectIconRequest) -> SessionMessage {
    SessionMessage::ProjectIconResponse(ProjectIconResponse {
        cwd: req.cwd,
        icon: None,
        error: None,
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
