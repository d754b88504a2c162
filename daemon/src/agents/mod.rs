//! The agent manager: every agent of the daemon, their durable state, their
//! provider sessions and turns, and the pushes that keep clients in step.
//!
//! The manager owns the rules the wire spec gives for agents (lifecycle,
//! attention, idempotent sends, permissions, streaming) and nothing about
//! any particular agent program: it talks to agents only through the
//! [`crate::provider`] traits, so the ACP provider, the offline test agent
//! and the scripted provider of the unit tests are interchangeable.
//!
//! Invariants:
//! - A timeline row is written to the agent's log before it is broadcast,
//!   and broadcast under the agent's lock, so every client sees an agent's
//!   rows in seq order and nothing a client saw can be missing after a
//!   crash.
//! - Provider processes start lazily (first prompt, resume or import) and
//!   are stopped again after `idle_timeout` without activity; a stored
//!   agent is fully usable (listed, fetched, paged) without one.
//!
//! Files: `agent` (one agent's state), `emit` (rows, events, updates),
//! `lifecycle` (create, import, resume, delete, archive), `commands` (send,
//! cancel, mode, model, wait, attention), `session` (provider sessions:
//! open, events, idle reaping), `turn` (prompts, cancel, timeouts, ending a
//! turn), `permissions`, `listing` (fetch_agents filter/sort/page),
//! `timeline_view` (paged timeline and its projection), `snapshot`,
//! `project`, `workspaces` (the workspaces Paseo's app lists, derived from
//! agents). The requests that reach them are answered in `crate::rpc::agents`.

mod agent;
mod commands;
mod emit;
mod lifecycle;
pub(crate) mod listing;
mod permissions;
pub(crate) mod project;
mod session;
pub(crate) mod snapshot;
#[cfg(test)]
mod testing;
#[cfg(test)]
mod tests;
pub(crate) mod timeline_view;
mod turn;
pub(crate) mod workspaces;

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(crate) use agent::Agent;

use crate::provider::{Provider, ProviderRegistry};
use crate::store::{Store, StoreError};

/// Where the manager finds providers by id. The daemon passes its
/// [`ProviderRegistry`]; tests pass scripted providers.
pub(crate) trait ProviderSource: Send + Sync + 'static {
    /// The provider with this wire id.
    fn provider(&self, id: &str) -> Option<Arc<dyn Provider>>;
    /// Every registered provider id, in display order.
    fn provider_ids(&self) -> Vec<String>;
}

impl ProviderSource for ProviderRegistry {
    fn provider(&self, id: &str) -> Option<Arc<dyn Provider>> {
        self.get(id)
    }

    fn provider_ids(&self) -> Vec<String> {
        self.providers().iter().map(|p| p.info().id).collect()
    }
}

/// Timeouts of agent work; see [`crate::DaemonConfig`] for defaults.
#[derive(Debug, Clone)]
pub(crate) struct AgentSettings {
    /// A turn running longer than this fails (and its session is stopped).
    pub prompt_timeout: Duration,
    /// A provider session idle this long is shut down (reopened lazily).
    pub idle_timeout: Duration,
    /// How long a cancel may take before the session is stopped instead.
    pub cancel_grace: Duration,
    /// Longest time opening (or loading) a provider session may take.
    pub start_timeout: Duration,
}

impl AgentSettings {
    /// The daemon's configured timeouts.
    pub(crate) fn from_config(config: &crate::DaemonConfig) -> Self {
        Self {
            prompt_timeout: config.prompt_timeout,
            idle_timeout: config.agent_idle_timeout,
            cancel_grace: Duration::from_secs(5),
            start_timeout: Duration::from_secs(120),
        }
    }
}

/// Where the manager's pushes go: the client sessions
/// (`crate::rpc::clients::Clients` implements it), so this module knows no
/// socket and no session.
pub(crate) trait Pushes: Send + Sync + 'static {
    /// Sends `message` to every socket of every client.
    fn broadcast(&self, message: &protocol::SessionMessage);
    /// Offers an agent change to every agent subscription: `matches` says
    /// whether the agent passes a subscription's filter, `upsert` builds
    /// the push; agents that stop matching get one `remove`.
    fn agent_changed(
        &self,
        agent_id: &str,
        matches: &mut dyn FnMut(&listing::AgentFilter) -> bool,
        upsert: &dyn Fn() -> protocol::AgentUpdate,
    );
    /// Tells every agent subscription that an agent is gone.
    fn agent_removed(&self, agent_id: &str);
    /// Offers a workspace's new state (`None`: gone) to every workspaces
    /// subscription.
    fn workspace_changed(&self, id: &str, workspace: Option<protocol::WorkspaceDescriptor>);
}

/// Every agent of one daemon.
pub(crate) struct AgentManager {
    store: Store,
    providers: Arc<dyn ProviderSource>,
    clients: Arc<dyn Pushes>,
    server_id: String,
    settings: AgentSettings,
    agents: Mutex<HashMap<String, Arc<Agent>>>,
    /// What each workspace needs of its agents (see [`workspaces`]).
    workspaces: workspaces::WorkspaceIndex,
    stopping: AtomicBool,
}

impl std::fmt::Debug for AgentManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AgentManager")
            .field("agents", &self.agents_map().len())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// Why an agent id did not resolve (the text is Paseo's).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ResolveError {
    /// Blank id.
    #[error("Agent identifier cannot be empty")]
    Empty,
    /// Prefix of several ids.
    #[error("Agent identifier \"{0}\" is ambiguous ({1})")]
    AmbiguousId(String, String),
    /// Title of several agents.
    #[error("Agent title \"{0}\" is ambiguous ({1})")]
    AmbiguousTitle(String, String),
    /// Nothing matched.
    #[error("Agent not found: {0}")]
    NotFound(String),
}

impl AgentManager {
    /// Loads every stored agent of `home` and starts the idle reaper.
    pub(crate) fn start(
        home: &Path,
        providers: Arc<dyn ProviderSource>,
        clients: Arc<dyn Pushes>,
        server_id: String,
        settings: AgentSettings,
    ) -> Result<Arc<Self>, StoreError> {
        let (store, loaded) = Store::open(home)?;
        let mut agents = HashMap::new();
        let index = workspaces::WorkspaceIndex::default();
        for loaded in loaded {
            let member = workspaces::Member::of(&loaded.record);
            index.load(&loaded.record.cwd, &loaded.record.id, member);
            let agent = Agent::new(loaded.record, loaded.log);
            agents.insert(agent.id.clone(), agent);
        }
        tracing::info!(agents = agents.len(), "agent store loaded");
        let manager = Arc::new(Self {
            store,
            providers,
            clients,
            server_id,
            settings,
            agents: Mutex::new(agents),
            workspaces: index,
            stopping: AtomicBool::new(false),
        });
        manager.spawn_reaper();
        Ok(manager)
    }

    fn agents_map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Agent>>> {
        self.agents
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every agent (in no particular order).
    pub(crate) fn all(&self) -> Vec<Arc<Agent>> {
        self.agents_map().values().cloned().collect()
    }

    /// The agent with exactly this id.
    pub(crate) fn get(&self, id: &str) -> Option<Arc<Agent>> {
        self.agents_map().get(id).cloned()
    }

    /// Resolves a full id, a unique id prefix or an exact title.
    pub(crate) fn resolve(&self, ident: &str) -> Result<Arc<Agent>, ResolveError> {
        let ident = ident.trim();
        if ident.is_empty() {
            return Err(ResolveError::Empty);
        }
        let agents = self.agents_map();
        if let Some(agent) = agents.get(ident) {
            return Ok(agent.clone());
        }
        let mut by_prefix: Vec<&Arc<Agent>> = agents
            .values()
            .filter(|a| a.id.starts_with(ident))
            .collect();
        if by_prefix.len() == 1 {
            return Ok(by_prefix.remove(0).clone());
        }
        if by_prefix.len() > 1 {
            let mut ids: Vec<&str> = by_prefix.iter().map(|a| a.id.as_str()).collect();
            ids.sort_unstable();
            return Err(ResolveError::AmbiguousId(ident.to_owned(), ids.join(", ")));
        }
        let mut by_title: Vec<Arc<Agent>> = agents
            .values()
            .filter(|a| a.lock().record.title.as_deref() == Some(ident))
            .cloned()
            .collect();
        match by_title.len() {
            0 => Err(ResolveError::NotFound(ident.to_owned())),
            1 => Ok(by_title.remove(0)),
            _ => {
                let mut ids: Vec<String> = by_title.iter().map(|a| a.id.clone()).collect();
                ids.sort_unstable();
                Err(ResolveError::AmbiguousTitle(
                    ident.to_owned(),
                    ids.join(", "),
                ))
            }
        }
    }

    /// The provider ids a user could pick, for error messages.
    fn available_provider_ids(&self) -> Vec<String> {
        self.providers
            .provider_ids()
            .into_iter()
            .filter(|id| {
                self.providers
                    .provider(id)
                    .is_some_and(|p| p.availability() == crate::provider::Availability::Available)
            })
            .collect()
    }

    fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// Stops every provider session and makes the store durable. Turns in
    /// flight are left `running` on disk, so the next start reports them
    /// as cut short.
    pub(crate) async fn shutdown(&self) {
        self.stopping.store(true, Ordering::Release);
        let sessions: Vec<_> = self
            .all()
            .into_iter()
            .filter_map(|agent| {
                let mut core = agent.lock();
                core.generation += 1;
                if let Some(turn) = core.turn.take() {
                    turn.task.abort();
                }
                core.permission_replies.clear();
                core.live.take().map(|live| live.session)
            })
            .collect();
        let stops = sessions.iter().map(|session| session.shutdown());
        if tokio::time::timeout(
            self.settings.cancel_grace,
            futures_util::future::join_all(stops),
        )
        .await
        .is_err()
        {
            tracing::warn!("some provider sessions did not stop in time");
        }
        if let Err(err) = self.store.sync().await {
            tracing::error!(%err, "final store sync failed");
        }
    }
}
