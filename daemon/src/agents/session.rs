//! Provider sessions: opening one lazily (fresh, resumed or imported),
//! feeding its events into the timeline, dropping it, and stopping
//! sessions that sit idle. Turns on a session are in `super::turn`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use protocol::{AgentStatus, PersistenceHandle, StreamEvent, TimelineItem};
use tokio::sync::mpsc;

use super::AgentManager;
use super::agent::{Agent, Live, TurnOutcome};
use super::turn::human;
use crate::provider::{Availability, OpenSession, SessionEvent};

/// What to do with rows a provider replays while loading a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Start {
    /// New session, or resume the stored one if the provider can; a failed
    /// resume falls back to a new session (noted in the timeline).
    Lazy,
    /// Load the stored provider session and keep its replayed rows as the
    /// agent's timeline (import). Failure is an error.
    Import,
}

impl AgentManager {
    /// Makes sure the agent has a live provider session, opening one if
    /// needed. `Err` is a message for the user.
    ///
    /// While a session is being opened the agent's status is
    /// `initializing` (as Paseo reports while its provider starts); it
    /// becomes `idle` once the session is open, and goes back to what it
    /// was if opening fails (the caller may then mark it failed).
    pub(crate) async fn ensure_live(
        self: &Arc<Self>,
        agent: &Arc<Agent>,
        start: Start,
    ) -> Result<(), String> {
        let _opening = agent.opening.lock().await;
        let (provider_id, cwd, mode_id, model, stored_session) = {
            let core = agent.lock();
            if core.deleted {
                return Err(format!("Agent not found: {}", agent.id));
            }
            if core.live.is_some() {
                return Ok(());
            }
            let record = &core.record;
            (
                record.provider.clone(),
                record.cwd.clone(),
                record.mode_id.clone(),
                record.model.clone(),
                record.persistence.as_ref().map(|p| p.session_id.clone()),
            )
        };
        let provider = self
            .providers
            .provider(&provider_id)
            .ok_or_else(|| format!("Provider '{provider_id}' is not registered on this daemon."))?;
        if let Availability::Unavailable { reason } = provider.availability() {
            return Err(format!(
                "Provider '{provider_id}' is not available: {reason}"
            ));
        }
        let supports_resume = provider.info().supports_resume;
        let mut attempts = Vec::new();
        match (start, stored_session) {
            (Start::Import, Some(id)) if supports_resume => attempts.push(Some(id)),
            (Start::Import, _) => {
                return Err(format!(
                    "Provider '{provider_id}' cannot resume sessions, so it cannot import one."
                ));
            }
            (Start::Lazy, Some(id)) if supports_resume => attempts.extend([Some(id), None]),
            (Start::Lazy, _) => attempts.push(None),
        }
        let before = self.begin_initializing(agent);
        let opened = self
            .open_session(
                agent,
                &provider,
                &provider_id,
                start,
                &cwd,
                &mode_id,
                &model,
                attempts,
            )
            .await;
        if opened.is_err() {
            self.end_initializing(agent, before);
        }
        opened
    }

    /// Marks the agent `initializing` while its session opens; returns the
    /// status to go back to if opening fails.
    fn begin_initializing(&self, agent: &Agent) -> AgentStatus {
        let mut core = agent.lock();
        let before = match core.record.status {
            // A new agent made `initializing` goes to idle if it never opens.
            AgentStatus::Initializing => AgentStatus::Idle,
            other => other,
        };
        let status = core.record.status;
        if !core.deleted && status != AgentStatus::Running && status != AgentStatus::Initializing {
            core.record.status = AgentStatus::Initializing;
            self.touch(agent, &mut core);
        }
        before
    }

    /// Undoes [`begin_initializing`](Self::begin_initializing) after a
    /// failed open.
    fn end_initializing(&self, agent: &Agent, before: AgentStatus) {
        let mut core = agent.lock();
        if !core.deleted && core.record.status == AgentStatus::Initializing {
            core.record.status = before;
            self.touch(agent, &mut core);
        }
    }

    /// Tries each session to open in turn (a stored one to resume, then a
    /// new one) and adopts the first that opens.
    #[allow(clippy::too_many_arguments)]
    async fn open_session(
        self: &Arc<Self>,
        agent: &Arc<Agent>,
        provider: &Arc<dyn crate::provider::Provider>,
        provider_id: &str,
        start: Start,
        cwd: &str,
        mode_id: &Option<String>,
        model: &Option<String>,
        attempts: Vec<Option<String>>,
    ) -> Result<(), String> {
        let mut resume_failure = None;
        for resume_session_id in attempts {
            let resuming = resume_session_id.is_some();
            let (events, mut rx) = mpsc::unbounded_channel();
            let open = provider.open(OpenSession {
                cwd: cwd.into(),
                mode_id: mode_id.clone(),
                model: model.clone(),
                resume_session_id,
                events,
            });
            let error = match tokio::time::timeout(self.settings.start_timeout, open).await {
                Ok(Ok(opened)) => {
                    let mut replayed = Vec::new();
                    while let Ok(event) = rx.try_recv() {
                        replayed.push(event);
                    }
                    return self.adopt(
                        agent,
                        provider_id,
                        opened,
                        replayed,
                        rx,
                        start,
                        resume_failure,
                    );
                }
                Ok(Err(err)) => err.to_string(),
                Err(_) => format!(
                    "The agent did not start within {}.",
                    human(self.settings.start_timeout)
                ),
            };
            if resuming && start == Start::Lazy {
                tracing::warn!(agent = %agent.id, %error, "cannot resume the provider session; starting a new one");
                resume_failure = Some(error);
                continue;
            }
            return Err(error);
        }
        Err(resume_failure.unwrap_or_else(|| "The agent could not be started.".to_owned()))
    }

    /// Installs a freshly opened session (see [`ensure_live`](Self::ensure_live)).
    #[allow(clippy::too_many_arguments)]
    fn adopt(
        self: &Arc<Self>,
        agent: &Arc<Agent>,
        provider_id: &str,
        opened: crate::provider::OpenedSession,
        replayed: Vec<SessionEvent>,
        rx: mpsc::UnboundedReceiver<SessionEvent>,
        start: Start,
        resume_failure: Option<String>,
    ) -> Result<(), String> {
        let session: Arc<dyn crate::provider::AgentSession> = Arc::from(opened.session);
        let mut core = agent.lock();
        if core.deleted || self.is_stopping() {
            drop(core);
            tokio::spawn(async move { session.shutdown().await });
            return Err(format!("Agent not found: {}", agent.id));
        }
        core.generation += 1;
        let generation = core.generation;
        for event in replayed {
            // A loaded session replays its conversation; an agent that
            // already stores it keeps its own copy.
            if let SessionEvent::Item(item) = event
                && start == Start::Import
            {
                self.emit_item_or_log(agent, &mut core, item);
            }
        }
        if let Some(error) = resume_failure {
            self.emit_item_or_log(
                agent,
                &mut core,
                TimelineItem::Error {
                    message: format!("Could not resume the previous agent session ({error}); started a new one without its memory."),
                },
            );
        }
        let (turn_ends, ends) = mpsc::unbounded_channel();
        core.live = Some(Live {
            session,
            session_id: opened.session_id.clone(),
            models: opened.models,
            current_model: opened.current_model.clone(),
            turn_ends,
        });
        core.record.persistence = Some(PersistenceHandle {
            provider: provider_id.to_owned(),
            session_id: opened.session_id.clone(),
            native_handle: None,
            metadata: None,
        });
        if !opened.modes.is_empty() {
            core.record.available_modes = opened.modes;
        }
        if let Some(mode) = opened.current_mode_id {
            core.record.mode_id = Some(mode);
        }
        if core.record.status == AgentStatus::Initializing {
            core.record.status = AgentStatus::Idle;
        }
        // Remembered so the snapshot names the model while no session runs.
        if core.record.model.is_none() {
            core.record.model = opened.current_model;
        }
        core.last_activity = Instant::now();
        self.emit_event(
            agent,
            StreamEvent::ThreadStarted {
                provider: provider_id.to_owned(),
                session_id: opened.session_id,
            },
        );
        self.touch(agent, &mut core);
        drop(core);
        tokio::spawn(self.clone().pump(agent.clone(), generation, rx, ends));
        Ok(())
    }

    /// Feeds a session's events into the agent, and ends its turns after
    /// the events that preceded the end, until the session and its turns
    /// are gone.
    async fn pump(
        self: Arc<Self>,
        agent: Arc<Agent>,
        generation: u64,
        mut events: mpsc::UnboundedReceiver<SessionEvent>,
        mut ends: mpsc::UnboundedReceiver<(u64, TurnOutcome)>,
    ) {
        let mut open = true;
        loop {
            tokio::select! {
                biased;
                event = events.recv(), if open => match event {
                    Some(event) => self.on_event(&agent, generation, event),
                    None => open = false,
                },
                end = ends.recv() => {
                    let Some((turn_id, outcome)) = end else {
                        return;
                    };
                    while let Ok(event) = events.try_recv() {
                        self.on_event(&agent, generation, event);
                    }
                    self.end_turn(&agent, turn_id, outcome);
                }
            }
        }
    }

    fn on_event(&self, agent: &Arc<Agent>, generation: u64, event: SessionEvent) {
        let mut core = agent.lock();
        if core.deleted || self.is_stopping() || core.generation != generation {
            return;
        }
        core.last_activity = Instant::now();
        match event {
            SessionEvent::Item(item) => self.emit_item_or_log(agent, &mut core, item),
            SessionEvent::Permission { request, reply } => {
                self.permission_requested(agent, &mut core, request, reply);
            }
            SessionEvent::ModeChanged { mode_id } => {
                core.record.mode_id = Some(mode_id);
                self.touch(agent, &mut core);
            }
            SessionEvent::Usage(usage) => core.record.last_usage = Some(usage),
            SessionEvent::Exited { error } => {
                core.live = None;
                core.generation += 1;
                match error {
                    Some(error) => {
                        tracing::warn!(agent = %agent.id, %error, "provider session ended unexpectedly")
                    }
                    None => tracing::debug!(agent = %agent.id, "provider session ended"),
                }
            }
        }
    }

    /// Forgets the live session (if it is still `session`, or any when
    /// `None`) and stops it in the background.
    pub(crate) fn drop_session(
        &self,
        agent: &Agent,
        session: Option<Arc<dyn crate::provider::AgentSession>>,
    ) {
        let live = {
            let mut core = agent.lock();
            let same = match (&core.live, &session) {
                (Some(live), Some(session)) => Arc::ptr_eq(&live.session, session),
                (Some(_), None) => true,
                (None, _) => false,
            };
            if !same {
                None
            } else {
                core.generation += 1;
                core.live.take()
            }
        };
        if let Some(live) = live {
            tokio::spawn(async move { live.session.shutdown().await });
        }
    }

    /// Starts the task that stops idle provider sessions.
    pub(crate) fn spawn_reaper(self: &Arc<Self>) {
        let manager = Arc::downgrade(self);
        let period = (self.settings.idle_timeout / 4)
            .clamp(Duration::from_millis(50), Duration::from_secs(30));
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(period);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let Some(manager) = manager.upgrade() else {
                    return;
                };
                if manager.is_stopping() {
                    return;
                }
                manager.reap_idle();
            }
        });
    }

    fn reap_idle(&self) {
        let idle = self.settings.idle_timeout;
        for agent in self.all() {
            let live = {
                let mut core = agent.lock();
                let reapable = core.live.is_some()
                    && core.turn.is_none()
                    && core.record.pending_permissions.is_empty()
                    && core.last_activity.elapsed() >= idle;
                if !reapable {
                    continue;
                }
                core.generation += 1;
                core.live.take()
            };
            if let Some(live) = live {
                tracing::info!(agent = %agent.id, "stopping idle provider session (it restarts on the next prompt)");
                tokio::spawn(async move { live.session.shutdown().await });
            }
        }
    }
}
