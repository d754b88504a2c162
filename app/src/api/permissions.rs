//! Answering a permission prompt. On the wire the answer gets no reply, so
//! the function waits until the hub sees the request resolved (or gone from
//! the agent's pending list), else returns a typed timeout the user sees.

use leptos::prelude::*;

use crate::error::AppError;

#[server(endpoint = "permissions/answer")]
pub async fn answer_permission(
    tab: String,
    profile_id: String,
    agent_id: String,
    request_id: String,
    allow: bool,
    action_id: Option<String>,
) -> Result<(), AppError> {
    use hub::{HubEvent, PermissionChange};
    use protocol::{AgentPermissionResponse, PermissionResponse, SessionRequest};

    use super::ssr::{hub_error, target};
    let (api, key) = target(&tab, &profile_id)?;
    let pending = |api: &super::ssr::ApiContext| {
        api.hub
            .pending_permissions(&key)
            .iter()
            .any(|p| p.agent_id == agent_id && p.request.id == request_id)
    };
    // Subscribe first, so a resolution right after the send is not missed.
    let mut events = api.hub.subscribe();
    let response = if allow {
        PermissionResponse::Allow {
            selected_action_id: action_id,
            updated_input: None,
            updated_permissions: None,
        }
    } else {
        PermissionResponse::Deny {
            selected_action_id: action_id,
            message: None,
            interrupt: None,
        }
    };
    let answer = AgentPermissionResponse {
        agent_id: agent_id.clone(),
        request_id: request_id.clone(),
        response,
    };
    api.hub
        .send(&key, SessionRequest::AgentPermissionResponse(answer))
        .await
        .map_err(hub_error)?;
    let deadline = tokio::time::Instant::now() + api.permission_timeout;
    loop {
        if !pending(&api) {
            return Ok(());
        }
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Err(_) => {
                return Err(AppError::Timeout {
                    what: "the agent did not take the answer".into(),
                    after_ms: api.permission_timeout.as_millis() as u64,
                });
            }
            Ok(Ok(HubEvent::Permission {
                key: k,
                agent_id: a,
                change: PermissionChange::Resolved { request_id: r, .. },
            })) if k == key && a == agent_id && r == request_id => return Ok(()),
            Ok(Ok(HubEvent::Connection { key: k, snapshot }))
                if k == key && snapshot.status != hub::ConnectionStatus::Online =>
            {
                return Err(AppError::DaemonUnavailable {
                    status: snapshot.status.as_str().to_owned(),
                    last_error: snapshot.last_error,
                });
            }
            // Lagged or another event: re-check the mirror on the next turn.
            Ok(_) => {}
        }
    }
}
