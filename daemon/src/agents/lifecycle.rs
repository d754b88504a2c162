//! Agents coming and going: create, import, resume, archive, delete.
//!
//! Creating an agent does not start its provider: the record and an empty
//! timeline are made durable and the agent is announced, and the process
//! starts with the first prompt (the initial prompt, if any, right away).
//! Import and resume do start it, because loading the provider session is
//! the point of them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use protocol::{
    AgentMode, AgentSessionConfigOverrides, AgentStatus, CreateAgentRequest, ImportAgentRequest,
    PersistenceHandle,
};

use super::AgentManager;
use super::agent::Agent;
use super::session::Start;
use super::turn::seed_title;
use crate::ids::uuid_v4;
use crate::provider::Availability;
use crate::store::{AgentRecord, RECORD_VERSION};
use crate::time_util::iso_now;

/// Why an agent could not be created; `code` goes out as `errorCode`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub(crate) struct CreateError {
    /// What the user reads.
    pub message: String,
    /// Machine-readable reason.
    pub code: &'static str,
}

impl CreateError {
    fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            code,
        }
    }
}

/// `errorCode` values of `agent_create_failed`.
pub(crate) mod create_code {
    /// No provider has this id.
    pub const UNKNOWN_PROVIDER: &str = "unknown_provider";
    /// The provider exists but cannot run here.
    pub const PROVIDER_UNAVAILABLE: &str = "provider_unavailable";
    /// The cwd is missing, not a directory, or not absolute.
    pub const INVALID_CWD: &str = "invalid_cwd";
    /// The store refused to write.
    pub const STORAGE: &str = "storage_error";
}

/// What a new agent starts with.
struct NewAgent {
    provider: String,
    cwd: String,
    mode_id: Option<String>,
    model: Option<String>,
    thinking_option_id: Option<String>,
    title: Option<String>,
    labels: std::collections::BTreeMap<String, String>,
    persistence: Option<PersistenceHandle>,
    /// The provider's modes at creation (replaced by what a session
    /// reports), so the snapshot does not change with the provider's
    /// in-memory knowledge across restarts.
    modes: Vec<AgentMode>,
    /// `initializing` when a provider session opens right away (initial
    /// prompt, import), so the first snapshot clients see says so.
    status: AgentStatus,
}

/// Trims a title to Paseo's 1..200 characters; blank means none.
pub(super) fn clean_title(title: Option<&str>) -> Option<String> {
    let title = title?.trim();
    (!title.is_empty()).then(|| title.chars().take(200).collect())
}

/// Checks a cwd: `~/` expanded, must be absolute and an existing directory.
pub(crate) fn validate_cwd(cwd: &str) -> Result<String, CreateError> {
    let cwd = cwd.trim();
    if cwd.is_empty() {
        return Err(CreateError::new(
            create_code::INVALID_CWD,
            "cwd is required",
        ));
    }
    let path: PathBuf = match cwd.strip_prefix("~/").or((cwd == "~").then_some("")) {
        Some(rest) => match std::env::var_os("HOME") {
            Some(home) => Path::new(&home).join(rest),
            None => PathBuf::from(cwd),
        },
        None => PathBuf::from(cwd),
    };
    if !path.is_absolute() {
        return Err(CreateError::new(
            create_code::INVALID_CWD,
            format!("Working directory must be an absolute path: {cwd}"),
        ));
    }
    match std::fs::metadata(&path) {
        Ok(meta) if meta.is_dir() => Ok(path.to_string_lossy().into_owned()),
        Ok(_) => Err(CreateError::new(
            create_code::INVALID_CWD,
            format!("Working directory is not a directory: {}", path.display()),
        )),
        Err(_) => Err(CreateError::new(
            create_code::INVALID_CWD,
            format!("Working directory does not exist: {}", path.display()),
        )),
    }
}

impl AgentManager {
    /// Checks that a provider exists and can run; returns its default mode
    /// and the modes it offers now.
    fn check_provider(&self, id: &str) -> Result<(Option<String>, Vec<AgentMode>), CreateError> {
        let Some(provider) = self.providers.provider(id) else {
            return Err(CreateError::new(
                create_code::UNKNOWN_PROVIDER,
                format!(
                    "Unknown provider '{id}'. Known providers: {}.",
                    self.providers.provider_ids().join(", ")
                ),
            ));
        };
        if let Availability::Unavailable { reason } = provider.availability() {
            let available = self.available_provider_ids();
            return Err(CreateError::new(
                create_code::PROVIDER_UNAVAILABLE,
                format!(
                    "Provider '{id}' is not available: {reason}. Available providers: {}. Use one of those providers, or install/configure '{id}'.",
                    if available.is_empty() {
                        "none".to_owned()
                    } else {
                        available.join(", ")
                    }
                ),
            ));
        }
        let info = provider.info();
        Ok((info.default_mode_id, info.modes))
    }

    /// Makes a new agent durable (not yet announced).
    async fn make_agent(&self, new: NewAgent) -> Result<Arc<Agent>, CreateError> {
        let now = iso_now();
        let record = AgentRecord {
            version: RECORD_VERSION,
            id: uuid_v4(),
            provider: new.provider,
            cwd: new.cwd,
            model: new.model,
            mode_id: new.mode_id,
            thinking_option_id: new.thinking_option_id,
            title: new.title,
            labels: new.labels,
            created_at: now.clone(),
            updated_at: now,
            last_user_message_at: None,
            archived_at: None,
            persistence: new.persistence,
            status: new.status,
            last_error: None,
            requires_attention: false,
            attention_reason: None,
            attention_timestamp: None,
            pending_permissions: Vec::new(),
            last_usage: None,
            available_modes: new.modes,
            unstarted_message: None,
            epoch: uuid_v4(),
        };
        let log = self.store.create(&record).await.map_err(|err| {
            tracing::error!(%err, "cannot store a new agent");
            CreateError::new(
                create_code::STORAGE,
                format!("Cannot store the agent: {err}"),
            )
        })?;
        Ok(Agent::new(record, log))
    }

    /// Adds an agent to the daemon and tells subscribers.
    fn publish(&self, agent: &Arc<Agent>) {
        self.agents_map().insert(agent.id.clone(), agent.clone());
        let core = agent.lock();
        self.announce(agent, &core);
    }

    /// `create_agent_request`: validates, stores, announces, and sends the
    /// initial prompt if there is one. The returned result is the initial
    /// prompt's acceptance (`None` without one): it comes once the prompt
    /// is durable, before the provider starts; a provider that then fails
    /// to start leaves the agent in `error`, but created.
    pub(crate) async fn create(
        self: &Arc<Self>,
        req: &CreateAgentRequest,
    ) -> Result<(Arc<Agent>, Option<Result<(), String>>), CreateError> {
        let config = &req.config;
        let provider = config.provider.trim();
        let (default_mode, modes) = self.check_provider(provider)?;
        let cwd = validate_cwd(&config.cwd)?;
        let initial = req
            .initial_prompt
            .as_deref()
            .map(str::trim)
            .filter(|text| !text.is_empty());
        let title = clean_title(config.title.as_deref()).or_else(|| initial.and_then(seed_title));
        let agent = self
            .make_agent(NewAgent {
                provider: provider.to_owned(),
                cwd,
                mode_id: config.mode_id.clone().or(default_mode),
                model: config.model.clone(),
                thinking_option_id: config.thinking_option_id.clone(),
                title,
                labels: req.labels.clone(),
                persistence: None,
                modes,
                status: if initial.is_some() {
                    AgentStatus::Initializing
                } else {
                    AgentStatus::Idle
                },
            })
            .await?;
        self.publish(&agent);
        tracing::debug!(agent = %agent.id, provider, "agent created");
        let Some(text) = initial else {
            return Ok((agent, None));
        };
        let (done, result) = tokio::sync::oneshot::channel();
        let manager = self.clone();
        let op_agent = agent.clone();
        let text = text.to_owned();
        let message_id = req.client_message_id.clone();
        // Answered once the prompt is durable; the provider starts after.
        agent.enqueue(async move {
            let accepted = manager.accept_message(&op_agent, text, message_id).await;
            let run = accepted.as_ref().ok().cloned().flatten();
            let _ = done.send(accepted.map(drop));
            if let Some(text) = run {
                // A failure shows as the agent's `error` status and row.
                let _ = manager.run_message(&op_agent, text).await;
            }
        });
        let dispatched = result
            .await
            .unwrap_or_else(|_| Err("The agent stopped before the prompt was sent.".to_owned()));
        Ok((agent, Some(dispatched)))
    }

    /// `import_agent_request`: adopts a provider session as a new agent
    /// (its replayed conversation becomes the timeline). An agent that
    /// already holds that session is returned instead of a duplicate.
    pub(crate) async fn import(
        self: &Arc<Self>,
        req: &ImportAgentRequest,
    ) -> Result<Arc<Agent>, String> {
        let provider = req.provider.trim();
        let session_id = req.session_id.trim();
        if session_id.is_empty() {
            return Err("sessionId is required".to_owned());
        }
        if let Some(existing) = self.find_by_session(provider, session_id) {
            self.ensure_live(&existing, Start::Lazy).await?;
            return Ok(existing);
        }
        let (default_mode, modes) = self.check_provider(provider).map_err(|e| e.message)?;
        let supports_resume = self
            .providers
            .provider(provider)
            .is_some_and(|p| p.info().supports_resume);
        if !supports_resume {
            return Err(format!(
                "Provider '{provider}' cannot resume sessions, so it cannot import one."
            ));
        }
        let cwd = match req.cwd.as_deref() {
            Some(cwd) => validate_cwd(cwd).map_err(|e| e.message)?,
            None => std::env::var("HOME")
                .ok()
                .filter(|h| !h.is_empty())
                .unwrap_or_else(|| "/".to_owned()),
        };
        let agent = self
            .make_agent(NewAgent {
                provider: provider.to_owned(),
                cwd,
                mode_id: default_mode,
                model: None,
                thinking_option_id: None,
                title: None,
                labels: req.labels.clone().unwrap_or_default(),
                persistence: Some(PersistenceHandle {
                    provider: provider.to_owned(),
                    session_id: session_id.to_owned(),
                    native_handle: None,
                    metadata: None,
                }),
                modes,
                status: AgentStatus::Initializing,
            })
            .await
            .map_err(|e| e.message)?;
        // Listed (as `initializing`) while the session loads, like a create.
        self.publish(&agent);
        if let Err(error) = self.ensure_live(&agent, Start::Import).await {
            self.delete(&agent.id).await;
            return Err(error);
        }
        {
            let mut core = agent.lock();
            if core.record.title.is_none() {
                let first_prompt = core.log.read(0, 50).ok().and_then(|rows| {
                    rows.into_iter().find_map(|row| match row.item {
                        protocol::TimelineItem::UserMessage { text, .. } => seed_title(&text),
                        _ => None,
                    })
                });
                if first_prompt.is_some() {
                    core.record.title = first_prompt;
                    self.announce(&agent, &core);
                }
            }
        }
        // The replayed rows are acknowledged by the answer: make them durable.
        if let Err(err) = self.store.sync().await {
            tracing::error!(%err, "cannot sync an imported timeline");
        }
        tracing::info!(agent = %agent.id, provider, session_id, "agent imported");
        Ok(agent)
    }

    /// `resume_agent_request`: reopens the agent holding `handle`'s session
    /// (creating one from the handle, like import, if none does).
    pub(crate) async fn resume(
        self: &Arc<Self>,
        handle: &PersistenceHandle,
        overrides: Option<&AgentSessionConfigOverrides>,
    ) -> Result<Arc<Agent>, String> {
        let agent = match self.find_by_session(&handle.provider, &handle.session_id) {
            Some(agent) => agent,
            None => {
                let req = ImportAgentRequest {
                    request_id: String::new(),
                    provider: handle.provider.clone(),
                    session_id: handle.session_id.clone(),
                    cwd: overrides.and_then(|o| o.cwd.clone()),
                    labels: None,
                };
                return self.import(&req).await;
            }
        };
        if let Some(overrides) = overrides {
            let mut core = agent.lock();
            if let Some(mode) = &overrides.mode_id {
                core.record.mode_id = Some(mode.clone());
            }
            if let Some(model) = &overrides.model {
                core.record.model = Some(model.clone());
            }
            if let Some(title) = clean_title(overrides.title.as_deref()) {
                core.record.title = Some(title);
            }
            self.touch(&agent, &mut core);
        }
        self.ensure_live(&agent, Start::Lazy).await?;
        Ok(agent)
    }

    fn find_by_session(&self, provider: &str, session_id: &str) -> Option<Arc<Agent>> {
        self.all().into_iter().find(|agent| {
            let core = agent.lock();
            core.record
                .persistence
                .as_ref()
                .is_some_and(|p| p.provider == provider && p.session_id == session_id)
        })
    }

    /// `delete_agent_request`: stops everything, removes the files and
    /// tells subscribers. Unknown ids are fine (nothing to do).
    pub(crate) async fn delete(&self, agent_id: &str) {
        let Some(agent) = self.agents_map().remove(agent_id) else {
            return;
        };
        let (live, cwd) = {
            let mut core = agent.lock();
            core.deleted = true;
            core.generation += 1;
            if let Some(turn) = core.turn.take() {
                turn.task.abort();
            }
            core.permission_replies.clear();
            (core.live.take(), core.record.cwd.clone())
        };
        agent.notify_changed();
        if let Some(live) = live {
            let grace = self.settings.cancel_grace;
            let id = agent_id.to_owned();
            tokio::spawn(async move {
                if tokio::time::timeout(grace, live.session.shutdown())
                    .await
                    .is_err()
                {
                    tracing::warn!(agent = %id, "provider session did not stop in time");
                }
            });
        }
        if let Err(err) = self.store.remove(agent_id).await {
            tracing::error!(agent = agent_id, %err, "cannot remove the agent's files");
        }
        // Subscribers learn of the removal once the files are gone.
        self.clients.agent_removed(agent_id);
        self.leave_workspace(&cwd, agent_id);
        tracing::info!(agent = agent_id, "agent deleted");
    }

    /// `archive_agent_request`: interrupts, clears attention, sets
    /// `archivedAt` (kept if already archived). Returns it.
    pub(crate) async fn archive(self: &Arc<Self>, agent: &Arc<Agent>) -> Option<String> {
        self.interrupt(agent).await;
        let mut core = agent.lock();
        if core.deleted {
            return None;
        }
        if let Some(at) = &core.record.archived_at {
            return Some(at.clone());
        }
        let now = iso_now();
        core.record.archived_at = Some(now.clone());
        Self::clear_attention(&mut core);
        self.touch(agent, &mut core);
        Some(now)
    }
}
