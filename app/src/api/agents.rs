//! Agent lifecycle and messages: create, send, cancel, archive, delete,
//! mode and model, and retrying a host now.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What a create returns: the profile it targeted (the daemon's
/// `agent_created` names only the agent) and the new agent's id, so the
/// dialog navigates to the right host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedAgent {
    pub profile_id: String,
    pub agent_id: String,
}

/// The daemon's answer to a send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendAck {
    pub agent_id: String,
    pub accepted: bool,
    pub error: Option<String>,
}

/// What the dialog asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateAgentForm {
    pub provider: String,
    pub cwd: String,
    pub model: Option<String>,
    pub mode_id: Option<String>,
    pub title: Option<String>,
    pub initial_prompt: Option<String>,
    /// `messageId` of the initial prompt, made once in the browser.
    pub message_id: Option<String>,
}

#[cfg(feature = "ssr")]
fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[server(endpoint = "agents/create")]
pub async fn create_agent(
    tab: String,
    profile_id: String,
    form: CreateAgentForm,
) -> Result<CreatedAgent, AppError> {
    use protocol::{
        AgentSessionConfig, CreateAgentRequest, SessionMessage, SessionRequest, StatusPayload,
    };

    use super::ssr::{call, request_id, unexpected};
    let provider = form.provider.trim().to_owned();
    let cwd = form.cwd.trim().to_owned();
    if provider.is_empty() {
        return Err(AppError::bad_request("choose a provider"));
    }
    if cwd.is_empty() {
        return Err(AppError::bad_request("give the agent a working directory"));
    }
    let request = CreateAgentRequest {
        request_id: request_id("create"),
        config: AgentSessionConfig {
            provider,
            cwd,
            mode_id: non_empty(form.mode_id),
            model: non_empty(form.model),
            title: non_empty(form.title),
            ..AgentSessionConfig::default()
        },
        initial_prompt: non_empty(form.initial_prompt),
        client_message_id: non_empty(form.message_id),
        ..CreateAgentRequest::default()
    };
    let answer = call(
        &tab,
        &profile_id,
        SessionRequest::CreateAgentRequest(request),
    )
    .await?;
    match answer {
        SessionMessage::Status(StatusPayload::AgentCreated { agent_id, .. }) => Ok(CreatedAgent {
            profile_id,
            agent_id,
        }),
        SessionMessage::Status(StatusPayload::AgentCreateFailed {
            error, error_code, ..
        }) => Err(AppError::Rpc {
            code: error_code,
            message: error,
        }),
        other => Err(unexpected("create_agent_request", &other)),
    }
}

#[server(endpoint = "agents/send")]
pub async fn send_message(
    tab: String,
    profile_id: String,
    agent_id: String,
    text: String,
    message_id: String,
) -> Result<SendAck, AppError> {
    use protocol::{SendAgentMessageRequest, SessionMessage, SessionRequest};

    use super::ssr::{call, request_id, unexpected};
    if text.trim().is_empty() {
        return Err(AppError::bad_request("the message is empty"));
    }
    let request = SendAgentMessageRequest {
        request_id: request_id("send"),
        agent_id,
        text,
        message_id: Some(message_id).filter(|id| !id.is_empty()),
        ..SendAgentMessageRequest::default()
    };
    match call(
        &tab,
        &profile_id,
        SessionRequest::SendAgentMessageRequest(request),
    )
    .await?
    {
        SessionMessage::SendAgentMessageResponse(ack) => Ok(SendAck {
            agent_id: ack.agent_id,
            accepted: ack.accepted,
            error: ack.error,
        }),
        other => Err(unexpected("send_agent_message_request", &other)),
    }
}

#[server(endpoint = "agents/cancel")]
pub async fn cancel_agent(
    tab: String,
    profile_id: String,
    agent_id: String,
) -> Result<(), AppError> {
    use protocol::{CancelAgentRequest, SessionRequest};

    use super::ssr::{call, request_id};
    let request = CancelAgentRequest {
        agent_id,
        request_id: Some(request_id("cancel")),
    };
    call(
        &tab,
        &profile_id,
        SessionRequest::CancelAgentRequest(request),
    )
    .await?;
    Ok(())
}

#[server(endpoint = "agents/archive")]
pub async fn archive_agent(
    tab: String,
    profile_id: String,
    agent_id: String,
) -> Result<(), AppError> {
    use protocol::{ArchiveAgentRequest, SessionRequest};

    use super::ssr::{call, request_id};
    let request = ArchiveAgentRequest {
        agent_id,
        request_id: request_id("archive"),
    };
    call(
        &tab,
        &profile_id,
        SessionRequest::ArchiveAgentRequest(request),
    )
    .await?;
    Ok(())
}

#[server(endpoint = "agents/delete")]
pub async fn delete_agent(
    tab: String,
    profile_id: String,
    agent_id: String,
) -> Result<(), AppError> {
    use protocol::{DeleteAgentRequest, SessionRequest};

    use super::ssr::{call, request_id};
    let request = DeleteAgentRequest {
        agent_id,
        request_id: request_id("delete"),
    };
    call(
        &tab,
        &profile_id,
        SessionRequest::DeleteAgentRequest(request),
    )
    .await?;
    Ok(())
}

#[server(endpoint = "agents/mode")]
pub async fn set_mode(
    tab: String,
    profile_id: String,
    agent_id: String,
    mode_id: String,
) -> Result<(), AppError> {
    use protocol::{SessionMessage, SessionRequest, SetAgentModeRequest};

    use super::ssr::{call, request_id};
    let request = SetAgentModeRequest {
        agent_id,
        mode_id,
        request_id: request_id("mode"),
    };
    match call(
        &tab,
        &profile_id,
        SessionRequest::SetAgentModeRequest(request),
    )
    .await?
    {
        SessionMessage::SetAgentModeResponse(ack) if !ack.accepted => Err(AppError::Rpc {
            code: None,
            message: ack
                .error
                .unwrap_or_else(|| "the agent refused the mode".into()),
        }),
        _ => Ok(()),
    }
}

#[server(endpoint = "agents/model")]
pub async fn set_model(
    tab: String,
    profile_id: String,
    agent_id: String,
    model_id: Option<String>,
) -> Result<(), AppError> {
    use protocol::{SessionMessage, SessionRequest, SetAgentModelRequest};

    use super::ssr::{call, request_id};
    let request = SetAgentModelRequest {
        agent_id,
        model_id: non_empty(model_id),
        request_id: request_id("model"),
    };
    match call(
        &tab,
        &profile_id,
        SessionRequest::SetAgentModelRequest(request),
    )
    .await?
    {
        SessionMessage::SetAgentModelResponse(ack) if !ack.accepted => Err(AppError::Rpc {
            code: None,
            message: ack
                .error
                .unwrap_or_else(|| "the agent refused the model".into()),
        }),
        _ => Ok(()),
    }
}

/// Skips the wait before the next connection attempt to a host.
#[server(endpoint = "hosts/retry")]
pub async fn retry_host(tab: String, profile_id: String) -> Result<(), AppError> {
    let (api, key) = super::ssr::target(&tab, &profile_id)?;
    api.hub.retry_now(&key);
    Ok(())
}

/// Marks an agent seen (its `requiresAttention` clears), when the user
/// opens it. `Ok(false)`: not marked, the host went away (offline, or it
/// died while the request waited). That is an expected outcome of a
/// background call, not a failure: the page marks the agent again when the
/// host is back, and an HTTP error here would be a `console.error` in the
/// browser for every daemon restart (found by the chaos test).
#[server(endpoint = "agents/clear_attention")]
pub async fn clear_attention(
    tab: String,
    profile_id: String,
    agent_id: String,
) -> Result<bool, AppError> {
    use protocol::{AgentIds, ClearAgentAttention, SessionRequest};

    use super::ssr::{call, request_id};
    let request = ClearAgentAttention {
        agent_id: AgentIds::One(agent_id),
        request_id: Some(request_id("seen")),
    };
    match call(
        &tab,
        &profile_id,
        SessionRequest::ClearAgentAttention(request),
    )
    .await
    {
        Ok(_) => Ok(true),
        Err(AppError::DaemonUnavailable { .. }) => Ok(false),
        Err(err) => Err(err),
    }
}

/// Renames an agent (`update_agent_request`, its `name`).
#[server(endpoint = "agents/rename")]
pub async fn rename_agent(
    tab: String,
    profile_id: String,
    agent_id: String,
    title: String,
) -> Result<(), AppError> {
    use protocol::{SessionMessage, SessionRequest, UpdateAgentRequest};

    use super::ssr::{call, request_id};
    let title = title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(AppError::bad_request("a title has 1 to 200 characters"));
    }
    let request = UpdateAgentRequest {
        agent_id,
        name: Some(title),
        labels: None,
        request_id: request_id("rename"),
    };
    match call(
        &tab,
        &profile_id,
        SessionRequest::UpdateAgentRequest(request),
    )
    .await?
    {
        SessionMessage::UpdateAgentResponse(ack) if !ack.accepted => Err(AppError::Rpc {
            code: None,
            message: ack
                .error
                .unwrap_or_else(|| "the host refused the new title".into()),
        }),
        _ => Ok(()),
    }
}

/// Brings an archived agent back (`refresh_agent_request`: the daemon
/// reopens its provider session and clears `archivedAt`, as Paseo does).
#[server(endpoint = "agents/unarchive")]
pub async fn unarchive_agent(
    tab: String,
    profile_id: String,
    agent_id: String,
) -> Result<(), AppError> {
    use protocol::{RefreshAgentRequest, SessionRequest};

    use super::ssr::{call, request_id};
    let request = RefreshAgentRequest {
        agent_id,
        request_id: request_id("unarchive"),
    };
    call(
        &tab,
        &profile_id,
        SessionRequest::RefreshAgentRequest(request),
    )
    .await?;
    Ok(())
}

/// Reopens an agent's stored provider session (`resume_agent_request`: the
/// host reopens the agent holding that session, or adopts it as a new one),
/// and brings an archived agent back to the list. The server looks up the
/// persistence handle, so the browser never carries it.
#[server(endpoint = "agents/resume")]
pub async fn resume_agent(
    tab: String,
    profile_id: String,
    agent_id: String,
) -> Result<CreatedAgent, AppError> {
    use protocol::{
        FetchAgentRequest, ResumeAgentRequest, SessionMessage, SessionRequest, StatusPayload,
    };

    use super::ssr::{call, request_id, unexpected};
    let fetch = FetchAgentRequest {
        request_id: request_id("fetch"),
        agent_id: agent_id.clone(),
    };
    let (handle, archived) =
        match call(&tab, &profile_id, SessionRequest::FetchAgentRequest(fetch)).await? {
            SessionMessage::FetchAgentResponse(r) => match (r.agent, r.error) {
                (Some(agent), _) => (agent.persistence, agent.archived_at.is_some()),
                (None, error) => {
                    return Err(AppError::Rpc {
                        code: Some("not_found".into()),
                        message: error.unwrap_or_else(|| format!("agent {agent_id} not found")),
                    });
                }
            },
            other => return Err(unexpected("fetch_agent_request", &other)),
        };
    let Some(handle) = handle else {
        return Err(AppError::bad_request(
            "this agent has no stored provider session to resume",
        ));
    };
    let request = ResumeAgentRequest {
        request_id: request_id("resume"),
        handle: Some(handle),
        overrides: None,
    };
    let resumed = match call(
        &tab,
        &profile_id,
        SessionRequest::ResumeAgentRequest(request),
    )
    .await?
    {
        SessionMessage::Status(StatusPayload::AgentResumed { agent_id, .. }) => agent_id,
        other => return Err(unexpected("resume_agent_request", &other)),
    };
    if archived && resumed == agent_id {
        // The same agent, reopened: back in the list (refresh unarchives).
        let refresh = protocol::RefreshAgentRequest {
            agent_id: resumed.clone(),
            request_id: request_id("unarchive"),
        };
        call(
            &tab,
            &profile_id,
            SessionRequest::RefreshAgentRequest(refresh),
        )
        .await?;
    }
    Ok(CreatedAgent {
        profile_id,
        agent_id: resumed,
    })
}

/// Adopts a provider's own session (e.g. one started in a terminal) as an
/// agent of the host; the host replays its history.
#[server(endpoint = "agents/import")]
pub async fn import_agent(
    tab: String,
    profile_id: String,
    provider: String,
    session_id: String,
    cwd: Option<String>,
) -> Result<CreatedAgent, AppError> {
    use protocol::{ImportAgentRequest, SessionMessage, SessionRequest, StatusPayload};

    use super::ssr::{call, request_id, unexpected};
    let session_id = session_id.trim().to_owned();
    if session_id.is_empty() {
        return Err(AppError::bad_request("give the provider's session id"));
    }
    let request = ImportAgentRequest {
        request_id: request_id("import"),
        provider,
        session_id,
        cwd: non_empty(cwd),
        labels: None,
    };
    match call(
        &tab,
        &profile_id,
        SessionRequest::ImportAgentRequest(request),
    )
    .await?
    {
        SessionMessage::Status(StatusPayload::AgentResumed { agent_id, .. }) => Ok(CreatedAgent {
            profile_id,
            agent_id,
        }),
        other => Err(unexpected("import_agent_request", &other)),
    }
}

/// Sets the model's thinking option (`None`: the provider default).
#[server(endpoint = "agents/thinking")]
pub async fn set_thinking(
    tab: String,
    profile_id: String,
    agent_id: String,
    option_id: Option<String>,
) -> Result<(), AppError> {
    use protocol::{SessionMessage, SessionRequest, SetAgentThinkingRequest};

    use super::ssr::{call, request_id};
    let request = SetAgentThinkingRequest {
        agent_id,
        thinking_option_id: non_empty(option_id),
        request_id: request_id("thinking"),
    };
    match call(
        &tab,
        &profile_id,
        SessionRequest::SetAgentThinkingRequest(request),
    )
    .await?
    {
        SessionMessage::SetAgentThinkingResponse(ack) if !ack.accepted => Err(AppError::Rpc {
            code: None,
            message: ack
                .error
                .unwrap_or_else(|| "the agent refused the thinking option".into()),
        }),
        _ => Ok(()),
    }
}
