//! Commands on an existing agent: send a message, cancel, set mode or
//! model, wait for it to settle, clear attention.
//!
//! Sends are idempotent on `(agentId, messageId)`: the `user_message` row
//! carries the id and is fsynced before the send is acknowledged, so a
//! client that retries after a lost reply (or a daemon crash) gets
//! `accepted: true` without the prompt running twice.

use std::sync::Arc;
use std::time::Duration;

use protocol::{AgentSnapshot, AgentStatus, TimelineItem, WaitForFinishStatus};

use super::agent::Agent;
use super::turn::{Start, seed_title};
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

impl AgentManager {
    /// Runs a user message: stores it, starts the provider if needed, starts
    /// the turn. `Ok` once the turn runs (or for a repeated `message_id`).
    /// Run it through the agent's command queue.
    pub(crate) async fn send_message(
        self: &Arc<Self>,
        agent: &Arc<Agent>,
        text: String,
        message_id: Option<String>,
    ) -> Result<(), String> {
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
                return Ok(());
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
            let item = TimelineItem::UserMessage {
                text: text.clone(),
                message_id: Some(message_id.unwrap_or_else(uuid_v4)),
            };
            self.emit_item(agent, &mut core, item)
                .map_err(|err| format!("Cannot store the message: {err}"))?;
            core.record.last_user_message_at = Some(iso_now());
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
        if let Err(error) = self.ensure_live(agent, Start::Lazy).await {
            let mut core = agent.lock();
            if !core.deleted {
                self.fail(agent, &mut core, error.clone());
                self.touch(agent, &mut core);
            }
            return Err(error);
        }
        self.start_turn(agent, text)
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
