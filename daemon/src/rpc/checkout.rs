//! The checkout requests, answered from `crate::git`: `checkout_status`,
//! `paseo_worktree_list` and the live diff subscriptions
//! ([`DiffSubscriptions`], held by the session so dropping it stops them).

use protocol::{CheckoutStatusRequest, PaseoWorktreeListRequest, SessionMessage};

pub(super) use crate::git::DiffSubscriptions;

/// `checkout_status_request`: the answer and its `requestId`.
pub(super) async fn status(req: CheckoutStatusRequest) -> (String, SessionMessage) {
    let response = crate::git::checkout_status(req).await;
    let id = response.request_id.clone();
    (id, SessionMessage::CheckoutStatusResponse(response))
}

/// `paseo_worktree_list_request`: the answer and its `requestId`.
pub(super) async fn worktree_list(req: PaseoWorktreeListRequest) -> (String, SessionMessage) {
    let response = crate::git::worktree_list(req).await;
    let id = response.request_id.clone();
    (id, SessionMessage::PaseoWorktreeListResponse(response))
}
