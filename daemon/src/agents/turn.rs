//! Turns: running a prompt with a deadline, cancelling, and ending a turn.
//! Sessions (what a turn runs on) are in `super::session`.
//!
//! Why turns end in one place ([`AgentManager::end_turn`]): a turn can end
//! because the provider answered, failed, timed out, was cancelled, or was
//! cut off when cancelling did not work; whichever comes first wins (by
//! turn id) and the others become no-ops, so status, attention and stream
//! events are emitted exactly once per turn.

use std::sync::Arc;
use std::time::{Duration, Instant};

use protocol::{AgentStatus, AttentionReason, StreamEvent, TimelineItem};

use super::agent::{Agent, Turn, TurnOutcome};
use super::{AgentManager, emit};
use crate::provider::{ProviderError, TurnEnd};

/// "5 min", "30 s": for messages.
pub(super) fn human(duration: Duration) -> String {
    let secs = duration.as_secs();
    if duration.subsec_millis() != 0 || secs == 0 {
        format!("{} ms", duration.as_millis())
    } else if secs >= 60 && secs.is_multiple_of(60) {
        format!("{} min", secs / 60)
    } else {
        format!("{secs} s")
    }
}

impl AgentManager {
    /// Starts a turn on the live session; `Err` if there is none.
    pub(crate) fn start_turn(
        self: &Arc<Self>,
        agent: &Arc<Agent>,
        text: String,
    ) -> Result<(), String> {
        let mut core = agent.lock();
        let Some((session, turn_ends)) = core
            .live
            .as_ref()
            .map(|live| (live.session.clone(), live.turn_ends.clone()))
        else {
            return Err("The agent session closed before the turn could start.".to_owned());
        };
        core.turns_started += 1;
        let turn_id = core.turns_started;
        core.record.status = AgentStatus::Running;
        core.record.last_error = None;
        core.record.unstarted_message = None;
        Self::clear_attention(&mut core);
        core.last_activity = Instant::now();
        self.emit_event(
            agent,
            StreamEvent::TurnStarted {
                provider: core.record.provider.clone(),
            },
        );
        self.touch(agent, &mut core);
        let prompt = session.prompt(text);
        let limit = self.settings.prompt_timeout;
        let manager = self.clone();
        let turn_agent = agent.clone();
        let task = tokio::spawn(async move {
            // The `running` record reaches the disk before the provider
            // sees the prompt: a daemon killed after this point comes back
            // with the turn reported lost ("restarted mid-turn"), never with
            // the message reported unrun after rows of its turn.
            let outcome = match manager.store.sync().await {
                Err(err) => TurnOutcome::Failed(format!("Cannot store the turn's start: {err}")),
                Ok(()) => {
                    crate::crash::at("turn_running");
                    match tokio::time::timeout(limit, prompt).await {
                        Ok(Ok(end)) => TurnOutcome::Ended(end),
                        Ok(Err(err)) => TurnOutcome::Failed(failure_text(&err)),
                        Err(_) => TurnOutcome::TimedOut,
                    }
                }
            };
            if outcome == TurnOutcome::TimedOut {
                tracing::warn!(agent = %turn_agent.id, "turn timed out; stopping its session");
                manager.drop_session(&turn_agent, Some(session));
            }
            if let Err(unsent) = turn_ends.send((turn_id, outcome)) {
                let (turn_id, outcome) = unsent.0;
                manager.end_turn(&turn_agent, turn_id, outcome);
            }
        });
        core.turn = Some(Turn {
            id: turn_id,
            task: task.abort_handle(),
            started: core.last_activity,
        });
        Ok(())
    }

    /// Ends turn `turn_id` if it is still the running one.
    pub(crate) fn end_turn(&self, agent: &Agent, turn_id: u64, outcome: TurnOutcome) {
        let mut core = agent.lock();
        if self.is_stopping() || core.deleted || core.turn.as_ref().map(|t| t.id) != Some(turn_id) {
            return;
        }
        let silent = core
            .turn
            .take()
            .is_some_and(|turn| core.last_activity == turn.started);
        self.expire_permissions(agent, &mut core);
        let provider = core.record.provider.clone();
        match outcome {
            TurnOutcome::Ended(end) => {
                core.record.status = AgentStatus::Idle;
                let event = match end {
                    TurnEnd::Completed => StreamEvent::TurnCompleted {
                        provider,
                        usage: emit::usage(&core),
                    },
                    TurnEnd::Canceled => StreamEvent::TurnCanceled {
                        provider,
                        reason: "Interrupted".to_owned(),
                    },
                };
                self.emit_event(agent, event);
                let body =
                    emit::last_assistant_text(&core).unwrap_or_else(|| "Turn finished.".to_owned());
                self.raise_attention(agent, &mut core, AttentionReason::Finished, body);
            }
            TurnOutcome::Failed(error) => self.fail(agent, &mut core, error),
            TurnOutcome::TimedOut => {
                let mut error = format!(
                    "The turn did not finish within {} and was stopped.",
                    human(self.settings.prompt_timeout)
                );
                if silent {
                    error.push_str(&self.silence_hint(&core.record.provider));
                }
                self.fail(agent, &mut core, error);
            }
        }
        core.last_activity = Instant::now();
        self.touch(agent, &mut core);
        // Idle now: give the timeline's descriptor back (see TimelineLog).
        core.log.release();
    }

    /// Why an agent may say nothing for a whole turn, and what to do.
    fn silence_hint(&self, provider_id: &str) -> String {
        let provider = self.providers.provider(provider_id);
        let label = provider
            .as_ref()
            .map(|p| p.info().label)
            .unwrap_or_else(|| provider_id.to_owned());
        let mut hint = format!(
            " {label} sent nothing during the turn: it may be unable to reach its model API (check the network) or be missing credentials."
        );
        if let Some(auth) = provider.and_then(|p| p.auth_hint()) {
            hint.push(' ');
            hint.push_str(&auth);
        }
        hint
    }

    /// Marks the agent failed: `error` status, an `error` row, `turn_failed`
    /// and attention (the caller touches the agent afterwards).
    pub(crate) fn fail(&self, agent: &Agent, core: &mut super::agent::Core, error: String) {
        core.record.status = AgentStatus::Error;
        core.record.last_error = Some(error.clone());
        self.emit_item_or_log(
            agent,
            core,
            TimelineItem::Error {
                message: error.clone(),
            },
        );
        self.emit_event(
            agent,
            StreamEvent::TurnFailed {
                provider: core.record.provider.clone(),
                error,
                code: None,
                diagnostic: None,
            },
        );
        self.raise_attention(
            agent,
            core,
            AttentionReason::Error,
            "Encountered an error.".to_owned(),
        );
    }

    /// Stops the running turn, if any, and returns once it has ended: asks
    /// the provider to cancel, and if the turn is still running after
    /// `cancel_grace`, stops the session and ends the turn as cancelled.
    pub(crate) async fn interrupt(self: &Arc<Self>, agent: &Arc<Agent>) {
        let mut changes = agent.changes();
        let (turn_id, session) = {
            let core = agent.lock();
            let Some(turn) = core.turn.as_ref() else {
                return;
            };
            (turn.id, core.live.as_ref().map(|live| live.session.clone()))
        };
        let deadline = tokio::time::Instant::now() + self.settings.cancel_grace;
        if let Some(session) = &session
            && tokio::time::timeout_at(deadline, session.cancel())
                .await
                .is_err()
        {
            tracing::warn!(agent = %agent.id, "cancel request did not return in time");
        }
        loop {
            if agent.lock().turn.as_ref().map(|t| t.id) != Some(turn_id) {
                return;
            }
            if tokio::time::timeout_at(deadline, changes.changed())
                .await
                .is_err()
            {
                break;
            }
        }
        tracing::warn!(agent = %agent.id, "turn did not stop after cancel; stopping its session");
        if let Some(turn) = agent.lock().turn.as_ref().filter(|t| t.id == turn_id) {
            turn.task.abort();
        }
        self.drop_session(agent, session);
        self.end_turn(agent, turn_id, TurnOutcome::Ended(TurnEnd::Canceled));
    }
}

/// The user-facing text of a failed prompt.
fn failure_text(err: &ProviderError) -> String {
    match err {
        ProviderError::ResumeUnsupported => err.to_string(),
        other => {
            let text = other.to_string();
            if text.trim().is_empty() {
                "The agent failed without a message.".to_owned()
            } else {
                text
            }
        }
    }
}

/// Seeds a title from a prompt: its first non-empty line, at most 80
/// characters.
pub(crate) fn seed_title(text: &str) -> Option<String> {
    let line = text.lines().map(str::trim).find(|line| !line.is_empty())?;
    let mut title: String = line.chars().take(80).collect();
    if line.chars().count() > 80 {
        title.push('…');
    }
    Some(title)
}
