//! `fetch_workspaces_request` (and its `workspace_update` subscription):
//! the workspaces Paseo's app builds its sidebar from, derived from the
//! agents by `crate::agents::workspaces`.

use protocol::{FetchWorkspacesRequest, FetchWorkspacesResponse, SessionMessage};

use super::agents::{page_failure, rpc_error};
use super::clients::Attachment;
use crate::agents::AgentManager;
use crate::ids::uuid_v4;

/// `fetch_workspaces_request`: the workspaces derived from the agents
/// (see [`crate::agents::workspaces`]), optionally subscribing to
/// `workspace_update`, which is installed before the page is read (as for
/// agents) so no change in between is lost.
pub(super) fn fetch(manager: &AgentManager, client: &Attachment, req: FetchWorkspacesRequest) {
    let link = client.link();
    let subscription_id = req.subscribe.as_ref().map(|subscribe| {
        subscribe
            .subscription_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map_or_else(uuid_v4, str::to_owned)
    });
    if let Some(id) = &subscription_id {
        client
            .clients()
            .begin_workspace_subscription(client.client_id(), id, req.filter.clone());
    }
    match crate::agents::workspaces::page(&req, manager.workspaces()) {
        Ok((entries, page_info)) => {
            let response = SessionMessage::FetchWorkspacesResponse(FetchWorkspacesResponse {
                request_id: req.request_id,
                subscription_id: subscription_id.clone(),
                entries: entries.clone(),
                page_info,
            });
            match subscription_id {
                Some(_) => client.clients().finish_workspace_subscription(
                    client.client_id(),
                    link,
                    response,
                    entries,
                ),
                None => link.send(response),
            }
        }
        Err(err) => {
            if subscription_id.is_some() {
                client
                    .clients()
                    .with_state(client.client_id(), |state| state.workspaces = None);
            }
            let (error, code) = page_failure(err);
            link.send(rpc_error(
                req.request_id,
                "fetch_workspaces_request",
                error,
                code,
            ));
        }
    }
}
