//! The session handlers of every agent request: decoding what a client
//! asked, calling the manager, and answering in Paseo's shapes (including
//! its quirks: results of create/import/resume/refresh travel as `status`,
//! a resume failure only as `activity_log`, delete answers even for unknown
//! ids).
//!
//! Replies go through the socket's ordered [`Link`], never straight to the
//! socket, so they arrive after the pushes they follow. Anything that may
//! wait for a provider runs on a task (commands for one agent on that
//! agent's queue), so a slow agent never stalls the socket's other requests.

use std::sync::Arc;
use std::time::Duration;

use protocol::{
    ActivityKind, ActivityLogEntry, AgentAcceptance, AgentArchived, AgentDeleted, AgentEntry,
    AgentIds, AgentPermissionResponse, CancelAgentResponse, ClearAgentAttention,
    ClearAgentAttentionResponse, CreateAgentRequest, FetchAgentHistoryRequest,
    FetchAgentHistoryResponse, FetchAgentRequest, FetchAgentResponse, FetchAgentTimelineRequest,
    FetchAgentsRequest, FetchAgentsResponse, ImportAgentRequest, PageInfo, RefreshAgentRequest,
    ResumeAgentRequest, RpcError, SessionMessage, SessionRequest, StatusPayload,
    WaitForFinishRequest, WaitForFinishResponse, rpc_code,
};

use crate::agents::listing::{self, AgentFilter, PageError};
use crate::agents::{AgentManager, project, timeline_view};
use crate::ids::uuid_v4;
use crate::rpc::clients::{Attachment, Link};
use crate::time_util::iso_now;

/// Whether [`dispatch`] serves this request.
pub(crate) fn handles(request: &SessionRequest) -> bool {
    matches!(
        request,
        SessionRequest::FetchAgentsRequest(_)
            | SessionRequest::FetchAgentRequest(_)
            | SessionRequest::CreateAgentRequest(_)
            | SessionRequest::ResumeAgentRequest(_)
            | SessionRequest::ImportAgentRequest(_)
            | SessionRequest::SendAgentMessageRequest(_)
            | SessionRequest::CancelAgentRequest(_)
            | SessionRequest::DeleteAgentRequest(_)
            | SessionRequest::ArchiveAgentRequest(_)
            | SessionRequest::SetAgentModeRequest(_)
            | SessionRequest::SetAgentModelRequest(_)
            | SessionRequest::SetAgentThinkingRequest(_)
            | SessionRequest::WaitForFinishRequest(_)
            | SessionRequest::ClearAgentAttention(_)
            | SessionRequest::FetchAgentTimelineRequest(_)
            | SessionRequest::AgentPermissionResponse(_)
            | SessionRequest::ClientHeartbeat(_)
            | SessionRequest::UpdateAgentRequest(_)
            | SessionRequest::RefreshAgentRequest(_)
            | SessionRequest::FetchAgentHistoryRequest(_)
    )
}

pub(super) fn rpc_error(
    request_id: String,
    request_type: &str,
    error: String,
    code: &str,
) -> SessionMessage {
    SessionMessage::RpcError(RpcError {
        request_id,
        request_type: Some(request_type.to_owned()),
        error,
        code: Some(code.to_owned()),
    })
}

fn activity_error(content: String) -> SessionMessage {
    SessionMessage::ActivityLog(ActivityLogEntry {
        id: uuid_v4(),
        timestamp: iso_now(),
        kind: ActivityKind::Error,
        content,
        metadata: None,
    })
}

fn acceptance(request_id: String, agent_id: String, result: Result<(), String>) -> AgentAcceptance {
    let (accepted, error) = match result {
        Ok(()) => (true, None),
        Err(error) => (false, Some(error)),
    };
    AgentAcceptance {
        request_id,
        agent_id,
        accepted,
        error,
    }
}

/// Serves one agent request (see [`handles`]).
pub(crate) fn dispatch(manager: &Arc<AgentManager>, client: &Attachment, request: SessionRequest) {
    let link = client.link().clone();
    match request {
        SessionRequest::FetchAgentsRequest(req) => fetch_agents(manager, client, req),
        SessionRequest::FetchAgentRequest(req) => fetch_agent(manager, &link, req),
        SessionRequest::FetchAgentTimelineRequest(req) => {
            let reasoning_merge = client
                .clients()
                .with_state(client.client_id(), |state| state.reasoning_merge)
                .unwrap_or(false);
            fetch_timeline(manager, &link, &req, reasoning_merge);
        }
        SessionRequest::CreateAgentRequest(req) => {
            let manager = manager.clone();
            tokio::spawn(async move { create(&manager, &link, req).await });
        }
        SessionRequest::ImportAgentRequest(req) => {
            let manager = manager.clone();
            tokio::spawn(async move { import(&manager, &link, req).await });
        }
        SessionRequest::ResumeAgentRequest(req) => {
            let manager = manager.clone();
            tokio::spawn(async move { resume(&manager, &link, req).await });
        }
        SessionRequest::SendAgentMessageRequest(req) => {
            let agent = match manager.resolve(&req.agent_id) {
                Ok(agent) => agent,
                Err(err) => {
                    let reply = acceptance(req.request_id, req.agent_id, Err(err.to_string()));
                    link.send(SessionMessage::SendAgentMessageResponse(reply));
                    return;
                }
            };
            let manager = manager.clone();
            let op_agent = agent.clone();
            // Acknowledged once the message is durable; the agent starts
            // after that, still on its queue (see `agents::commands`).
            agent.enqueue(async move {
                let accepted = manager
                    .accept_message(&op_agent, req.text, req.message_id)
                    .await;
                let run = accepted.as_ref().ok().cloned().flatten();
                let reply = acceptance(req.request_id, op_agent.id.clone(), accepted.map(drop));
                link.send(SessionMessage::SendAgentMessageResponse(reply));
                if let Some(text) = run {
                    // A failure shows as the agent's `error` status and row.
                    let _ = manager.run_message(&op_agent, text).await;
                }
            });
        }
        SessionRequest::CancelAgentRequest(req) => {
            let Ok(agent) = manager.resolve(&req.agent_id) else {
                if let Some(request_id) = req.request_id {
                    link.send(SessionMessage::CancelAgentResponse(CancelAgentResponse {
                        request_id,
                        agent_id: req.agent_id,
                        agent: None,
                    }));
                }
                return;
            };
            let manager = manager.clone();
            let op_agent = agent.clone();
            agent.enqueue(async move {
                let snapshot = manager.cancel(&op_agent).await;
                if let Some(request_id) = req.request_id {
                    link.send(SessionMessage::CancelAgentResponse(CancelAgentResponse {
                        request_id,
                        agent_id: op_agent.id.clone(),
                        agent: snapshot.map(Box::new),
                    }));
                }
            });
        }
        SessionRequest::DeleteAgentRequest(req) => {
            // Answered first (even for unknown ids), then subscribers get
            // the `remove`, as Paseo orders them.
            link.send(SessionMessage::AgentDeleted(AgentDeleted {
                agent_id: req.agent_id.clone(),
                request_id: req.request_id,
            }));
            let manager = manager.clone();
            tokio::spawn(async move { manager.delete(&req.agent_id).await });
        }
        SessionRequest::ArchiveAgentRequest(req) => {
            let agent = match manager.resolve(&req.agent_id) {
                Ok(agent) => agent,
                Err(err) => {
                    link.send(rpc_error(
                        req.request_id,
                        "archive_agent_request",
                        format!("Request failed: {err}"),
                        rpc_code::HANDLER_ERROR,
                    ));
                    return;
                }
            };
            let manager = manager.clone();
            let op_agent = agent.clone();
            agent.enqueue(async move {
                match manager.archive(&op_agent).await {
                    Some(archived_at) => link.send(SessionMessage::AgentArchived(AgentArchived {
                        agent_id: op_agent.id.clone(),
                        archived_at,
                        request_id: req.request_id,
                    })),
                    None => link.send(rpc_error(
                        req.request_id,
                        "archive_agent_request",
                        format!("Request failed: Agent not found: {}", req.agent_id),
                        rpc_code::HANDLER_ERROR,
                    )),
                }
            });
        }
        SessionRequest::SetAgentModeRequest(req) => {
            let agent = match manager.resolve(&req.agent_id) {
                Ok(agent) => agent,
                Err(err) => {
                    let reply = acceptance(req.request_id, req.agent_id, Err(err.to_string()));
                    link.send(activity_error(format!(
                        "Failed to set agent mode: {}",
                        reply.error.clone().unwrap_or_default()
                    )));
                    link.send(SessionMessage::SetAgentModeResponse(reply));
                    return;
                }
            };
            let manager = manager.clone();
            let op_agent = agent.clone();
            agent.enqueue(async move {
                let result = manager.set_mode(&op_agent, req.mode_id).await;
                if let Err(error) = &result {
                    link.send(activity_error(format!("Failed to set agent mode: {error}")));
                }
                let reply = acceptance(req.request_id, op_agent.id.clone(), result);
                link.send(SessionMessage::SetAgentModeResponse(reply));
            });
        }
        SessionRequest::SetAgentModelRequest(req) => {
            let agent = match manager.resolve(&req.agent_id) {
                Ok(agent) => agent,
                Err(err) => {
                    let reply = acceptance(req.request_id, req.agent_id, Err(err.to_string()));
                    link.send(activity_error(format!(
                        "Failed to set agent model: {}",
                        reply.error.clone().unwrap_or_default()
                    )));
                    link.send(SessionMessage::SetAgentModelResponse(reply));
                    return;
                }
            };
            let manager = manager.clone();
            let op_agent = agent.clone();
            agent.enqueue(async move {
                let result = manager.set_model(&op_agent, req.model_id).await;
                if let Err(error) = &result {
                    link.send(activity_error(format!(
                        "Failed to set agent model: {error}"
                    )));
                }
                let reply = acceptance(req.request_id, op_agent.id.clone(), result);
                link.send(SessionMessage::SetAgentModelResponse(reply));
            });
        }
        SessionRequest::SetAgentThinkingRequest(req) => {
            let agent = match manager.resolve(&req.agent_id) {
                Ok(agent) => agent,
                Err(err) => {
                    let reply = acceptance(req.request_id, req.agent_id, Err(err.to_string()));
                    link.send(activity_error(format!(
                        "Failed to set agent thinking option: {}",
                        reply.error.clone().unwrap_or_default()
                    )));
                    link.send(SessionMessage::SetAgentThinkingResponse(reply));
                    return;
                }
            };
            let manager = manager.clone();
            let op_agent = agent.clone();
            // On the agent's queue, so it lands in order with mode/model.
            agent.enqueue(async move {
                let result = manager.set_thinking(&op_agent, req.thinking_option_id);
                if let Err(error) = &result {
                    link.send(activity_error(format!(
                        "Failed to set agent thinking option: {error}"
                    )));
                }
                let reply = acceptance(req.request_id, op_agent.id.clone(), result);
                link.send(SessionMessage::SetAgentThinkingResponse(reply));
            });
        }
        SessionRequest::WaitForFinishRequest(req) => {
            let manager = manager.clone();
            tokio::spawn(async move { wait_for_finish(&manager, &link, req).await });
        }
        SessionRequest::UpdateAgentRequest(req) => {
            let (agent_id, result) = match manager.resolve(&req.agent_id) {
                Ok(agent) => {
                    let result = manager
                        .update_metadata(&agent, req.name.as_deref(), req.labels)
                        .map_err(|err| (err.is_invalid_request(), err.to_string()));
                    (agent.id.clone(), result)
                }
                Err(err) => (req.agent_id, Err((false, err.to_string()))),
            };
            // Paseo reports a failed update on the activity log too, but
            // not a request that asked for nothing.
            if let Err((false, error)) = &result {
                link.send(activity_error(format!("Failed to update agent: {error}")));
            }
            let result = result.map_err(|(_, error)| error);
            let reply = acceptance(req.request_id, agent_id, result);
            link.send(SessionMessage::UpdateAgentResponse(reply));
        }
        SessionRequest::RefreshAgentRequest(req) => refresh(manager, &link, req),
        SessionRequest::FetchAgentHistoryRequest(req) => fetch_history(manager, &link, req),
        SessionRequest::ClearAgentAttention(req) => clear_attention(manager, &link, req),
        SessionRequest::AgentPermissionResponse(req) => permission_response(manager, &link, req),
        // Drives notification choice and mobile filtering, neither of
        // which this daemon does; accepted silently like Paseo.
        SessionRequest::ClientHeartbeat(_) => {}
        other => {
            tracing::error!(
                kind = other.type_name(),
                "agent dispatch got a request it does not serve"
            );
        }
    }
}

fn fetch_agents(manager: &Arc<AgentManager>, client: &Attachment, req: FetchAgentsRequest) {
    let link = client.link();
    let failed = |error: String, code: &str| {
        link.send(rpc_error(
            req.request_id.clone(),
            "fetch_agents_request",
            error,
            code,
        ));
    };
    let filter = match AgentFilter::from_request(&req) {
        Ok(filter) => filter,
        Err(error) => return failed(error, rpc_code::INVALID_MESSAGE),
    };
    let subscription_id = req.subscribe.as_ref().map(|subscribe| {
        subscribe
            .subscription_id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map_or_else(uuid_v4, str::to_owned)
    });
    // Subscribing first (buffered) means no change between building the
    // page and delivering it can be lost.
    if let Some(id) = &subscription_id {
        client
            .clients()
            .begin_subscription(client.client_id(), id.clone(), filter.clone());
    }
    let page = match list_page(manager, &req, &filter) {
        Ok(page) => page,
        Err(err) => {
            if subscription_id.is_some() {
                client
                    .clients()
                    .with_state(client.client_id(), |state| state.subscription = None);
            }
            let (error, code) = page_failure(err);
            return failed(error, code);
        }
    };
    let response = SessionMessage::FetchAgentsResponse(FetchAgentsResponse {
        request_id: req.request_id.clone(),
        subscription_id: subscription_id.clone(),
        entries: page.entries,
        page_info: page.page_info,
    });
    match subscription_id {
        Some(_) => client.clients().finish_subscription(
            client.client_id(),
            link,
            response,
            page.matching.into_iter().collect(),
        ),
        None => link.send(response),
    }
}

/// `fetch_agent_history_request` (Paseo's Sessions screen): the listing of
/// `fetch_agents_request`, archived agents included by default, without a
/// subscription.
fn fetch_history(manager: &Arc<AgentManager>, link: &Link, req: FetchAgentHistoryRequest) {
    let listing = req.as_fetch_agents();
    let result = AgentFilter::from_request(&listing)
        .map_err(|error| (error, rpc_code::INVALID_MESSAGE))
        .and_then(|filter| list_page(manager, &listing, &filter).map_err(page_failure));
    match result {
        Ok(page) => link.send(SessionMessage::FetchAgentHistoryResponse(
            FetchAgentHistoryResponse {
                request_id: req.request_id,
                entries: page.entries,
                page_info: page.page_info,
            },
        )),
        Err((error, code)) => link.send(rpc_error(
            req.request_id,
            "fetch_agent_history_request",
            error,
            code,
        )),
    }
}

pub(super) fn page_failure(err: PageError) -> (String, &'static str) {
    match err {
        PageError::Cursor => ("Invalid cursor".to_owned(), rpc_code::INVALID_CURSOR),
        PageError::Invalid(error) => (error, rpc_code::INVALID_MESSAGE),
    }
}

/// One page of an agent listing, as wire entries.
struct AgentPage {
    entries: Vec<AgentEntry>,
    page_info: PageInfo,
    /// Ids of every matching agent (all pages), for subscriptions.
    matching: Vec<String>,
}

/// Selects and sorts on the stored records; snapshots (and placements) are
/// built for the page's rows only.
fn list_page(
    manager: &AgentManager,
    req: &FetchAgentsRequest,
    filter: &AgentFilter,
) -> Result<AgentPage, PageError> {
    let page = listing::page_by(req, manager.all(), |agent, sort| {
        let core = agent.lock();
        if core.deleted {
            return None;
        }
        listing::select(
            &core.record,
            || project::placement(&core.record.cwd).project_key,
            filter,
            sort,
        )
    })?;
    let mut infos: Vec<(String, Option<crate::provider::ProviderInfo>)> = Vec::new();
    let entries = page
        .rows
        .into_iter()
        .map(|agent| {
            let core = agent.lock();
            let provider = &core.record.provider;
            let at = match infos.iter().position(|(id, _)| id == provider) {
                Some(at) => at,
                None => {
                    infos.push((provider.clone(), manager.provider_info(provider)));
                    infos.len() - 1
                }
            };
            AgentEntry {
                agent: crate::agents::snapshot::build(
                    &core.record,
                    core.live.as_ref(),
                    infos[at].1.as_ref(),
                ),
                project: Some(project::placement(&core.record.cwd).to_value()),
            }
        })
        .collect();
    Ok(AgentPage {
        entries,
        page_info: PageInfo {
            next_cursor: page.next_cursor,
            prev_cursor: req.page.as_ref().and_then(|p| p.cursor.clone()),
            has_more: page.has_more,
        },
        matching: page.matching,
    })
}

fn fetch_agent(manager: &AgentManager, link: &Link, req: FetchAgentRequest) {
    let response = match manager.resolve(&req.agent_id) {
        Ok(agent) => {
            let core = agent.lock();
            FetchAgentResponse {
                request_id: req.request_id,
                agent: Some(Box::new(manager.snapshot_of(&core))),
                project: Some(project::placement(&core.record.cwd)),
                error: None,
            }
        }
        Err(err) => FetchAgentResponse {
            request_id: req.request_id,
            agent: None,
            project: None,
            error: Some(err.to_string()),
        },
    };
    link.send(SessionMessage::FetchAgentResponse(response));
}

fn fetch_timeline(
    manager: &AgentManager,
    link: &Link,
    req: &FetchAgentTimelineRequest,
    reasoning_merge: bool,
) {
    let response = match manager.get(&req.agent_id) {
        Some(agent) => {
            let core = agent.lock();
            let snapshot = manager.snapshot_of(&core);
            timeline_view::fetch(req, &core, snapshot, reasoning_merge)
        }
        None => timeline_view::not_found(req, format!("Agent not found: {}", req.agent_id)),
    };
    link.send(SessionMessage::FetchAgentTimelineResponse(response));
}

async fn create(manager: &Arc<AgentManager>, link: &Link, req: CreateAgentRequest) {
    match manager.create(&req).await {
        Ok((agent, dispatched)) => {
            if let Some(Err(error)) = dispatched {
                link.send(activity_error(format!(
                    "Failed to send the initial prompt: {error}"
                )));
            }
            let snapshot = manager.snapshot_of(&agent.lock());
            link.send(SessionMessage::Status(StatusPayload::AgentCreated {
                agent_id: agent.id.clone(),
                request_id: req.request_id,
                agent: Box::new(snapshot),
            }));
        }
        Err(err) => {
            tracing::info!(error = %err.message, code = err.code, "agent creation refused");
            link.send(SessionMessage::Status(StatusPayload::AgentCreateFailed {
                request_id: req.request_id,
                error: err.message.clone(),
                error_code: Some(err.code.to_owned()),
            }));
            link.send(activity_error(format!(
                "Failed to create agent: {}",
                err.message
            )));
        }
    }
}

fn resumed(
    manager: &AgentManager,
    agent: &crate::agents::Agent,
    request_id: String,
) -> SessionMessage {
    let core = agent.lock();
    SessionMessage::Status(StatusPayload::AgentResumed {
        agent_id: agent.id.clone(),
        request_id,
        timeline_size: core.log.index().ok().map(|index| index.len() as u64),
        agent: Box::new(manager.snapshot_of(&core)),
    })
}

async fn import(manager: &Arc<AgentManager>, link: &Link, req: ImportAgentRequest) {
    match manager.import(&req).await {
        Ok(agent) => link.send(resumed(manager, &agent, req.request_id)),
        Err(error) => {
            // Paseo's import failure carries no errorCode.
            link.send(SessionMessage::Status(StatusPayload::AgentCreateFailed {
                request_id: req.request_id,
                error: error.clone(),
                error_code: None,
            }));
            link.send(activity_error(format!("Failed to import agent: {error}")));
        }
    }
}

async fn resume(manager: &Arc<AgentManager>, link: &Link, req: ResumeAgentRequest) {
    let Some(handle) = req.handle else {
        link.send(activity_error(
            "Failed to resume agent: no persistence handle was given".to_owned(),
        ));
        return;
    };
    match manager.resume(&handle, req.overrides.as_ref()).await {
        Ok(agent) => link.send(resumed(manager, &agent, req.request_id)),
        // Paseo answers a failed resume only on the activity log.
        Err(error) => link.send(activity_error(format!("Failed to resume agent: {error}"))),
    }
}

async fn wait_for_finish(manager: &Arc<AgentManager>, link: &Link, req: WaitForFinishRequest) {
    let agent = match manager.resolve(&req.agent_id) {
        Ok(agent) => agent,
        Err(err) => {
            link.send(SessionMessage::WaitForFinishResponse(
                WaitForFinishResponse {
                    request_id: req.request_id,
                    status: protocol::WaitForFinishStatus::Error,
                    final_agent: None,
                    error: Some(err.to_string()),
                    last_message: None,
                },
            ));
            return;
        }
    };
    let timeout = req
        .timeout_ms
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis);
    let settled = manager.wait_for_finish(&agent, timeout).await;
    link.send(SessionMessage::WaitForFinishResponse(
        WaitForFinishResponse {
            request_id: req.request_id,
            status: settled.status,
            final_agent: settled.snapshot.map(Box::new),
            error: settled.error,
            last_message: settled.last_message,
        },
    ));
}

/// Paseo answers a refresh with `status: agent_refreshed` and a failure
/// only on the activity log, which leaves its CLI waiting out a 15 s
/// timeout; we also send an `rpc_error` for the request, so a client learns
/// at once why (Paseo's clients reject the request on it).
fn refresh(manager: &Arc<AgentManager>, link: &Link, req: RefreshAgentRequest) {
    let failed = |link: &Link, request_id: String, error: String| {
        link.send(activity_error(format!("Failed to refresh agent: {error}")));
        link.send(rpc_error(
            request_id,
            "refresh_agent_request",
            format!("Request failed: {error}"),
            rpc_code::HANDLER_ERROR,
        ));
    };
    let agent = match manager.resolve(&req.agent_id) {
        Ok(agent) => agent,
        Err(err) => return failed(link, req.request_id, err.to_string()),
    };
    let manager = manager.clone();
    let op_agent = agent.clone();
    let link = link.clone();
    agent.enqueue(async move {
        match manager.refresh(&op_agent).await {
            Ok(timeline_size) => {
                link.send(SessionMessage::Status(StatusPayload::AgentRefreshed {
                    agent_id: op_agent.id.clone(),
                    request_id: req.request_id,
                    timeline_size: Some(timeline_size),
                }));
            }
            Err(error) => failed(&link, req.request_id, error),
        }
    });
}

fn clear_attention(manager: &AgentManager, link: &Link, req: ClearAgentAttention) {
    let agents = req
        .agent_id
        .to_vec()
        .iter()
        .filter_map(|id| manager.resolve(id).ok())
        .filter_map(|agent| manager.clear_agent_attention(&agent))
        .collect();
    if let Some(request_id) = req.request_id {
        link.send(SessionMessage::ClearAgentAttentionResponse(
            ClearAgentAttentionResponse {
                request_id,
                agent_id: match req.agent_id {
                    AgentIds::One(id) => AgentIds::One(id),
                    AgentIds::Many(ids) => AgentIds::Many(ids),
                },
                agents,
            },
        ));
    }
}

fn permission_response(manager: &AgentManager, link: &Link, req: AgentPermissionResponse) {
    let result = manager
        .resolve(&req.agent_id)
        .map_err(|err| err.to_string())
        .and_then(|agent| {
            manager
                .resolve_permission(&agent, &req.request_id, req.response)
                .map_err(|err| err.to_string())
        });
    if let Err(error) = result {
        link.send(activity_error(format!(
            "Failed to respond to permission: {error}"
        )));
        link.send(rpc_error(
            req.request_id,
            "agent_permission_response",
            format!("Request failed: {error}"),
            rpc_code::HANDLER_ERROR,
        ));
    }
}
