//! Permission prompts: durable while pending, shown to every client, and
//! answerable from any client (one that connected after the prompt was
//! raised finds it in the snapshot's `pendingPermissions`).
//!
//! A prompt lives only as long as the turn that raised it: when the turn
//! ends (or the daemon restarts) pending prompts expire, the provider's
//! reply channel is dropped (it reads that as "cancelled"), and clients get
//! `permission_resolved` with a deny, so no client keeps showing a prompt
//! nobody can answer anymore.

use protocol::{
    AgentPermissionRequest, AgentPermissionResolved, AttentionReason, PermissionRequest,
    PermissionResponse, SessionMessage, StreamEvent,
};
use tokio::sync::oneshot;

use super::AgentManager;
use super::agent::{Agent, Core};

/// Why an answer was refused (sent as `rpc_error`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PermissionError {
    /// No pending prompt has this id.
    #[error("Permission request {0} is not pending (it was answered, expired, or never existed)")]
    NotPending(String),
    /// `selectedActionId` names no action of the prompt.
    #[error("Permission request {0} has no action {1}")]
    UnknownAction(String, String),
    /// The chosen action's behavior differs from the answer's.
    #[error("Action {0} of permission request {1} does not match behavior {2}")]
    BehaviorMismatch(String, String, String),
}

impl AgentManager {
    /// A provider asks: store, show, raise attention.
    pub(crate) fn permission_requested(
        &self,
        agent: &Agent,
        core: &mut Core,
        request: PermissionRequest,
        reply: oneshot::Sender<PermissionResponse>,
    ) {
        let provider = core.record.provider.clone();
        core.record
            .pending_permissions
            .retain(|p| p.id != request.id);
        core.record.pending_permissions.push(request.clone());
        core.permission_replies.insert(request.id.clone(), reply);
        self.emit_event(
            agent,
            StreamEvent::PermissionRequested {
                provider,
                request: request.clone(),
            },
        );
        let body = request
            .title
            .clone()
            .unwrap_or_else(|| format!("Allow {}?", request.name));
        self.clients
            .broadcast(&SessionMessage::AgentPermissionRequest(
                AgentPermissionRequest {
                    agent_id: agent.id.clone(),
                    request,
                },
            ));
        self.raise_attention(agent, core, AttentionReason::Permission, body);
        self.touch(agent, core);
    }

    /// A client answers.
    pub(crate) fn resolve_permission(
        &self,
        agent: &Agent,
        permission_id: &str,
        response: PermissionResponse,
    ) -> Result<(), PermissionError> {
        let mut core = agent.lock();
        let Some(index) = core
            .record
            .pending_permissions
            .iter()
            .position(|p| p.id == permission_id)
        else {
            return Err(PermissionError::NotPending(permission_id.to_owned()));
        };
        check_action(&core.record.pending_permissions[index], &response)?;
        core.record.pending_permissions.remove(index);
        if let Some(reply) = core.permission_replies.remove(permission_id)
            && reply.send(response.clone()).is_err()
        {
            tracing::debug!(agent = %agent.id, permission_id, "the turn stopped waiting for this answer");
        }
        self.announce_resolution(agent, &core, permission_id, response);
        if core.record.pending_permissions.is_empty()
            && core.record.attention_reason == Some(AttentionReason::Permission)
        {
            Self::clear_attention(&mut core);
        }
        core.last_activity = std::time::Instant::now();
        self.touch(agent, &mut core);
        Ok(())
    }

    /// Expires every pending prompt (the turn that asked is over). The
    /// caller touches the agent afterwards.
    pub(crate) fn expire_permissions(&self, agent: &Agent, core: &mut Core) {
        let expired: Vec<PermissionRequest> = core.record.pending_permissions.drain(..).collect();
        core.permission_replies.clear();
        for request in expired {
            let resolution = PermissionResponse::Deny {
                selected_action_id: None,
                message: Some("Permission request expired: the turn ended".to_owned()),
                interrupt: None,
            };
            self.announce_resolution(agent, core, &request.id, resolution);
        }
        if core.record.attention_reason == Some(AttentionReason::Permission) {
            Self::clear_attention(core);
        }
    }

    fn announce_resolution(
        &self,
        agent: &Agent,
        core: &Core,
        id: &str,
        resolution: PermissionResponse,
    ) {
        self.emit_event(
            agent,
            StreamEvent::PermissionResolved {
                provider: core.record.provider.clone(),
                request_id: id.to_owned(),
                resolution: resolution.clone(),
            },
        );
        self.clients
            .broadcast(&SessionMessage::AgentPermissionResolved(
                AgentPermissionResolved {
                    agent_id: agent.id.clone(),
                    request_id: id.to_owned(),
                    resolution,
                },
            ));
    }
}

/// `selectedActionId` must name an action whose behavior matches.
fn check_action(
    request: &PermissionRequest,
    response: &PermissionResponse,
) -> Result<(), PermissionError> {
    let selected = match response {
        PermissionResponse::Allow {
            selected_action_id, ..
        }
        | PermissionResponse::Deny {
            selected_action_id, ..
        } => selected_action_id,
    };
    let (Some(selected), Some(actions)) = (selected, &request.actions) else {
        return Ok(());
    };
    let Some(action) = actions.iter().find(|a| &a.id == selected) else {
        return Err(PermissionError::UnknownAction(
            request.id.clone(),
            selected.clone(),
        ));
    };
    if action.behavior != response.behavior() {
        return Err(PermissionError::BehaviorMismatch(
            selected.clone(),
            request.id.clone(),
            format!("{:?}", response.behavior()).to_lowercase(),
        ));
    }
    Ok(())
}
