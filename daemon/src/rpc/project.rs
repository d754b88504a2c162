//! `read_project_config_request`, answered from `crate::project_config`.

use protocol::{ReadProjectConfigRequest, SessionMessage};

/// The answer and its `requestId`.
pub(super) async fn read_config(req: ReadProjectConfigRequest) -> (String, SessionMessage) {
    let response = crate::project_config::read(req).await;
    let id = response.request_id.clone();
    (id, SessionMessage::ReadProjectConfigResponse(response))
}
