//! `file_explorer_request`: answered from `crate::files` (listing and
//! reading inside the request's cwd).

use protocol::{FileExplorerRequest, SessionMessage};

/// The answer and the `requestId` it carries.
pub(super) async fn explore(req: FileExplorerRequest) -> (String, SessionMessage) {
    let response = crate::files::explore(req).await;
    let id = response.request_id.clone();
    (id, SessionMessage::FileExplorerResponse(response))
}
