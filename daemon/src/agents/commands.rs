//! Commands on an existing agent: send a message, cancel, set mode or
//! model, rename and label, reload its session, wait for it to settle,
//! clear attention.
//!
//! Sends are idempotent on `(agentId, messageId)`: the `user_message` row
//! carries the id and is fsynced before the send is acknowledged, so a
//! client that retries after a lost reply (or a daemon crash) gets
//! `accepted: true` without the prompt running twice. The acknowledgement
//! does not wait for the agent: it goes out once the row is durable, and
//! the provider is started and the turn begun after it, on the same queue
//! operation (so the agent's later commands still wait their turn). A
//! daemon that dies in between leaves the message marked unstarted, and
//! the next start says it was not run (see `store::repair`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use protocol::{AgentSnapshot, AgentStatus, TimelineItem, WaitForFinishStatus};

use super::agent::Agent;
use super::lifecycle::clean_title;
use super::session::Start;
use super::turn::seed_title;
use super::{AgentManager, emit};
use crate::ids::uuid_v4;
use crate::time_util::iso_now;

/// How a `wait_for_finish_request` ended.
#[derive(Debug, Clone)]
pub(crate) struct Settled {
    /// idle, error, permission or timeout.
    pub status: WaitForFinishStatus,
    /// The snapshot at that moment (`None` if the agent was deleted).
    pub snapshot: Option<AgentSnapshot>,
    /// `lastError` for `error`.
    pub error: Option<String>,
    /// The last assistant text.
    pub last_message: Option<String>,
}

/// Why an `update_agent_request` was refused (the texts are what the
/// client shows).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum UpdateError {
    /// Neither a name nor a label (Paseo's text).
    #[error("Nothing to update (provide name and/or labels)")]
    Nothing,
    /// A label with a blank key.
    #[error("Label keys cannot be empty")]
    BlankLabelKey,
    /// The agent was deleted meanwhile.
    #[error("Agent not found: {0}")]
    NotFound(String),
}

impl UpdateError {
    /// Whether the request itself was malformed (Paseo logs only the other
    /// failures on the activity log).
    pub(crate) fn is_invalid_request(&self) -> bool {
        matches!(self, UpdateError::Nothing | UpdateError::BlankLabelKey)
    }
}

impl AgentManager {
    /// Runs a user message: [`accept_message`](Self::accept_message) then
    /// [`run_message`](Self::run_message). `Ok` once the turn runs (or for
    /// a repeated `message_id`). Run it through the agent's command queue.
    #[cfg(test)]
    pub(crate) async fn send_message(
        self: &Arc<Self>,
        agent: &Arc<Agent>,
        text: String,
        message_id: Option<String>,
    ) -> Result<(), String> {
        match self.accept_message(agent, text, message_id).await? {
            Some(text) => self.run_message(agent, text).await,
            None => Ok(()),
        }
    }

    /// The part of a send a client waits for: interrupts a running turn,
    /// stores the `user_message` row and marks it unstarted in the record,
    /// and syncs both. `Ok(Some(text))`: acknowledge, then
    /// [`run_message`](Self::run_message) on the same queue operation;
    /// `Ok(None)`: a repeated `message_id`, acknowledged without running.
    pub(crate) async fn accept_message(
        self: &Arc<Self>,
        agent: &Arc<Agent>,
        text: String,
        message_id: Option<String>,
    ) -> Result<Option<String>, String> {
        let running = {
            let core = agent.lock();
            if core.deleted {
                return Err(format!("Agent not found: {}", agent.id));
            }
            if let Some(id) = &message_id
                && core
                    .log
                    .index()
                    .map_err(|err| format!("Cannot read the timeline: {err}"))?
                    .has_message_id(id)
            {
                tracing::info!(agent = %agent.id, message_id = %id, "repeated message id; not running it again");
                return Ok(None);
            }
            core.turn.is_some()
        };
        if running {
            // One turn at a time: a new message interrupts the current one.
            self.interrupt(agent).await;
        }
        {
            let mut core = agent.lock();
            if core.deleted {
                return Err(format!("Agent not found: {}", agent.id));
            }
            let message_id = message_id.unwrap_or_else(uuid_v4);
            let item = TimelineItem::UserMessage {
                text: text.clone(),
                message_id: Some(message_id.clone()),
            };
            self.emit_item(agent, &mut core, item)
                .map_err(|err| format!("Cannot store the message: {err}"))?;
            core.record.last_user_message_at = Some(iso_now());
            core.record.unstarted_message = Some(message_id);
            if core.record.title.is_none() {
                core.record.title = seed_title(&text);
            }
            core.last_activity = std::time::Instant::now();
            self.touch(agent, &mut core);
        }
        self.store
            .sync()
            .await
            .map_err(|err| format!("Cannot store the message: {err}"))?;
        crate::crash::at("send_durable");
        Ok(Some(text))
    }

    /// The rest of a send, after the acknowledgement: starts the provider
    /// if needed and starts the turn. A failure leaves the agent in `error`
    /// with the reason on its timeline (the client learns it from the
    /// agent's updates); `Err` repeats it.
    pub(crate) async fn run_message(
        self: &Arc<Self>,
        agent: &Arc<Agent>,
        text: String,
    ) -> Result<(), String> {
        let started = match self.ensure_live(agent, Start::Lazy).await {
            Ok(()) => self.start_turn(agent, text),
            Err(error) => Err(error),
        };
        if let Err(error) = &started {
            let mut core = agent.lock();
            if !core.deleted {
                core.record.unstarted_message = None;
                self.fail(agent, &mut core, error.clone());
                self.touch(agent, &mut core);
            }
        }
        started
    }

    /// `cancel_agent_request`: stops the running turn (a no-op when idle)
    /// and returns the snapshot after it.
    pub(crate) async fn cancel(self: &Arc<Self>, agent: &Arc<Agent>) -> Option<AgentSnapshot> {
        self.interrupt(agent).await;
        let core = agent.lock();
        (!core.deleted).then(|| self.snapshot_of(&core))
    }

    /// `set_agent_mode_request`: switches a live session, or records the
    /// mode for the next one.
    pub(crate) async fn set_mode(&self, agent: &Arc<Agent>, mode_id: String) -> Result<(), String> {
        let session = {
            let core = agent.lock();
            if core.deleted {
                return Err(format!("Agent not found: {}", agent.id));
            }
            let modes = self.snapshot_of(&core).available_modes;
            if !modes.is_empty() && !modes.iter().any(|m| m.id == mode_id) {
                let ids: Vec<&str> = modes.iter().map(|m| m.id.as_str()).collect();
                return Err(format!(
                    "Unknown mode '{mode_id}'. Available modes: {}.",
                    ids.join(", ")
                ));
            }
            core.live.as_ref().map(|live| live.session.clone())
        };
        if let Some(session) = session {
            session
                .set_mode(mode_id.clone())
                .await
                .map_err(|e| e.to_string())?;
        }
        let mut core = agent.lock();
        core.record.mode_id = Some(mode_id);
        self.touch(agent, &mut core);
        Ok(())
    }

    /// `set_agent_model_request`: like [`set_mode`](Self::set_mode); `None`
    /// means the provider's default (applied at the next session).
    pub(crate) async fn set_model(
        &self,
        agent: &Arc<Agent>,
        model: Option<String>,
    ) -> Result<(), String> {
        let session = {
            let core = agent.lock();
            if core.deleted {
                return Err(format!("Agent not found: {}", agent.id));
            }
            if let (Some(model), Some(live)) = (&model, &core.live)
                && !live.models.is_empty()
                && !live.models.iter().any(|m| &m.id == model)
            {
                let ids: Vec<&str> = live.models.iter().map(|m| m.id.as_str()).collect();
                return Err(format!(
                    "Unknown model '{model}'. Available models: {}.",
                    ids.join(", ")
                ));
            }
            core.live.as_ref().map(|live| live.session.clone())
        };
        if let (Some(session), Some(model)) = (session, &model) {
            session
                .set_model(model.clone())
                .await
                .map_err(|e| e.to_string())?;
        }
        let mut core = agent.lock();
        if let Some(live) = core.live.as_mut() {
            live.current_model = model.clone();
        }
        core.record.model = model;
        self.touch(agent, &mut core);
        Ok(())
    }

    /// `set_agent_thinking_request`: records the thinking option (`None`:
    /// the provider's default). ACP has no thinking setting to switch on a
    /// live session, so this is what the snapshot (`thinkingOptionId`,
    /// `effectiveThinkingOptionId`) and the `thinkingOptionId` filter of
    /// `fetch_agents` see.
    pub(crate) fn set_thinking(&self, agent: &Agent, option: Option<String>) -> Result<(), String> {
        let mut core = agent.lock();
        if core.deleted {
            return Err(format!("Agent not found: {}", agent.id));
        }
        let option = option
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty());
        if core.record.thinking_option_id != option {
            core.record.thinking_option_id = option;
            self.touch(agent, &mut core);
        }
        Ok(())
    }

    /// `update_agent_request`: sets the title and/or merges `labels` into
    /// the agent's labels (as Paseo does: keys not named keep their values),
    /// persists the record and pushes `agent_update` to subscribers.
    ///
    /// Runs at once rather than on the agent's command queue: neither
    /// field reaches the provider, and a rename must not wait behind a
    /// provider that is slow to start. A blank `name` and an empty
    /// `labels` count as absent; with neither the update is refused with
    /// Paseo's message. A title is trimmed and cut to 200 characters, as
    /// at creation. Label keys must not be blank.
    pub(crate) fn update_metadata(
        &self,
        agent: &Agent,
        name: Option<&str>,
        labels: Option<BTreeMap<String, String>>,
    ) -> Result<(), UpdateError> {
        let title = clean_title(name);
        let labels = labels.filter(|labels| !labels.is_empty());
        if title.is_none() && labels.is_none() {
            return Err(UpdateError::Nothing);
        }
        if let Some(labels) = &labels
            && labels.keys().any(|key| key.trim().is_empty())
        {
            return Err(UpdateError::BlankLabelKey);
        }
        let mut core = agent.lock();
        if core.deleted {
            return Err(UpdateError::NotFound(agent.id.clone()));
        }
        if let Some(title) = title {
            core.record.title = Some(title);
        }
        if let Some(labels) = labels {
            core.record.labels.extend(labels);
        }
        self.touch(agent, &mut core);
        Ok(())
    }

    /// `refresh_agent_request`: reloads the agent's provider session.
    ///
    /// For an ACP agent this means: interrupt the running turn (if any),
    /// stop the agent process (waiting up to the cancel grace for it to
    /// exit), then start a new process at once and load the stored session
    /// into it (`session/load`). Reopening immediately rather than on the
    /// next prompt is deliberate: the answer then says whether the agent
    /// really came back, so a broken install or missing credentials show up
    /// on reload, not on the next message. A session the agent can no
    /// longer load falls back to a new one, with an `error` row saying the
    /// agent lost its memory (as any resume does). Our timeline is kept as
    /// it is: the daemon owns it, so nothing is re-read from the provider.
    /// Like Paseo, a refresh also unarchives the agent. Returns the
    /// timeline's length. Run it on the agent's command queue.
    pub(crate) async fn refresh(self: &Arc<Self>, agent: &Arc<Agent>) -> Result<u64, String> {
        self.interrupt(agent).await;
        let live = {
            let mut core = agent.lock();
            if core.deleted {
                return Err(format!("Agent not found: {}", agent.id));
            }
            if core.record.archived_at.take().is_some() {
                self.touch(agent, &mut core);
            }
            core.generation += 1;
            core.live.take()
        };
        if let Some(live) = live
            && tokio::time::timeout(self.settings.cancel_grace, live.session.shutdown())
                .await
                .is_err()
        {
            tracing::warn!(agent = %agent.id, "provider session did not stop in time for the reload");
        }
        self.ensure_live(agent, Start::Lazy).await?;
        let core = agent.lock();
        core.log
            .index()
            .map(|index| index.len() as u64)
            .map_err(|err| format!("Cannot read the timeline: {err}"))
    }

    /// `wait_for_finish_request`: returns when the agent is not running
    /// (or waits on a permission), or after `timeout`.
    pub(crate) async fn wait_for_finish(
        &self,
        agent: &Arc<Agent>,
        timeout: Option<Duration>,
    ) -> Settled {
        let mut changes = agent.changes();
        let deadline = timeout.map(|t| tokio::time::Instant::now() + t);
        loop {
            {
                let core = agent.lock();
                let status = if core.deleted {
                    Some(WaitForFinishStatus::Error)
                } else if !core.record.pending_permissions.is_empty() {
                    Some(WaitForFinishStatus::Permission)
                } else if core.turn.is_some()
                    // Acknowledged, its turn about to start.
                    || core.record.unstarted_message.is_some()
                    || matches!(
                        core.record.status,
                        AgentStatus::Running | AgentStatus::Initializing
                    )
                {
                    None
                } else if core.record.status == AgentStatus::Error {
                    Some(WaitForFinishStatus::Error)
                } else {
                    Some(WaitForFinishStatus::Idle)
                };
                if let Some(status) = status {
                    return self.settled(&core, status);
                }
            }
            let changed = match deadline {
                Some(at) => tokio::time::timeout_at(at, changes.changed()).await.ok(),
                None => Some(changes.changed().await),
            };
            match changed {
                Some(Ok(())) => {}
                // The agent is gone (its sender dropped).
                Some(Err(_)) => return self.settled(&agent.lock(), WaitForFinishStatus::Error),
                None => return self.settled(&agent.lock(), WaitForFinishStatus::Timeout),
            }
        }
    }

    fn settled(&self, core: &super::agent::Core, status: WaitForFinishStatus) -> Settled {
        Settled {
            status,
            snapshot: (!core.deleted).then(|| self.snapshot_of(core)),
            error: match status {
                WaitForFinishStatus::Error if core.deleted => Some("Agent was deleted".to_owned()),
                WaitForFinishStatus::Error => core.record.last_error.clone(),
                _ => None,
            },
            last_message: emit::last_assistant_text(core),
        }
    }

    /// `clear_agent_attention`: the snapshot after clearing.
    pub(crate) fn clear_agent_attention(&self, agent: &Agent) -> Option<AgentSnapshot> {
        let mut core = agent.lock();
        if core.deleted {
            return None;
        }
        if Self::clear_attention(&mut core) {
            self.touch(agent, &mut core);
        }
        Some(self.snapshot_of(&core))
    }
}
