//! The public facade: [`Hub`], [`WatchGuard`] and [`FollowGuard`].
//! Validates targets, asks the registry whether an actor exists, starts one
//! if not, and answers the synchronous reads from the actors' shared views
//! (SSR and server functions must never wait on a socket). Request routing
//! is in `routing.rs`; the follow counts in `follow.rs`.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use protocol::{AgentSnapshot, ProviderSnapshotEntry};
use tokio::runtime::Handle;
use tokio::sync::broadcast;

use crate::config::HubConfig;
use crate::connection::{self, ActorDeps, Command, DaemonHandle, View};
use crate::error::HubError;
use crate::event::HubEvent;
use crate::follow::Follows;
use crate::mirror::permissions::PendingPermission;
use crate::mirror::timeline::TimelineMirror;
use crate::registry::Registry;
use crate::state::ConnectionSnapshot;
use crate::sync::lock;
use crate::target::{DaemonKey, DaemonTarget};

/// The multi-daemon core. Cheap to clone; all clones are one hub.
#[derive(Clone)]
pub struct Hub {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) deps: ActorDeps,
    pub(crate) registry: Mutex<Registry<DaemonHandle>>,
}

/// Everything the hub mirrors of one daemon, read at one instant: what a
/// live-channel subscriber sends on first contact or after it fell behind.
#[derive(Debug, Clone, PartialEq)]
pub struct DaemonSnapshot {
    pub connection: ConnectionSnapshot,
    /// By id; kept (stale) while the daemon is offline.
    pub agents: Vec<AgentSnapshot>,
    /// Whether `agents` reflects a completed fetch on the current connection.
    pub agents_synced: bool,
    pub providers: Vec<ProviderSnapshotEntry>,
    pub pending_permissions: Vec<PendingPermission>,
}

impl Hub {
    /// Creates a hub whose actors run on the current tokio runtime.
    ///
    /// # Panics
    /// Outside a tokio runtime.
    pub fn new(config: HubConfig) -> Hub {
        // wss:// needs a rustls crypto provider; another crate may already
        // have installed one, which is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let (events, _) = broadcast::channel(config.event_capacity.get());
        Hub {
            inner: Arc::new(Inner {
                deps: ActorDeps {
                    runtime: Handle::current(),
                    config: Arc::new(config),
                    events,
                    live: Arc::new(AtomicUsize::new(0)),
                    follows: Arc::new(Follows::default()),
                },
                registry: Mutex::new(Registry::default()),
            }),
        }
    }

    /// Ensures a connection to `target` for as long as the guard lives. Many
    /// watchers of one [`DaemonKey`] share one connection; it closes a grace
    /// period after the last guard is dropped.
    ///
    /// A new watcher of a connection that is waiting out its backoff makes
    /// it try again at once: someone just opened a page on that host, and
    /// after a long outage the wait can be 30 s (a restarted daemon should
    /// show up when the page is opened, not half a minute later).
    pub fn watch(&self, target: DaemonTarget) -> Result<WatchGuard, HubError> {
        let key = self.inner.acquire(&target, false)?;
        self.retry_now(&key);
        Ok(WatchGuard {
            key,
            hub: Arc::downgrade(&self.inner),
        })
    }

    /// Keeps a connection to `target` for the hub's whole life (the embedded
    /// daemon, daemons from the command line).
    pub fn pin(&self, target: DaemonTarget) -> Result<DaemonKey, HubError> {
        self.inner.acquire(&target, true)
    }

    /// The connection's current state; `None` if nobody watches `key`.
    pub fn connection(&self, key: &DaemonKey) -> Option<ConnectionSnapshot> {
        let registry = lock(&self.inner.registry);
        let handle = registry.get(key)?;
        let snapshot = lock(&handle.view).state.snapshot().clone();
        Some(snapshot)
    }

    /// The daemon's agents as last seen (kept while it is offline), by id.
    pub fn agents(&self, key: &DaemonKey) -> Vec<AgentSnapshot> {
        let registry = lock(&self.inner.registry);
        registry
            .get(key)
            .map(|handle| lock(&handle.view).mirror.agents())
            .unwrap_or_default()
    }

    /// Whether [`Hub::agents`] reflects a completed fetch on the current
    /// connection (false while connecting, offline, or still fetching).
    pub fn agents_synced(&self, key: &DaemonKey) -> bool {
        let registry = lock(&self.inner.registry);
        registry
            .get(key)
            .is_some_and(|handle| lock(&handle.view).mirror.is_synced())
    }

    /// Every later change of every daemon (connection, agents, followed
    /// timelines, permissions, providers). On `RecvError::Lagged`, re-read
    /// [`Hub::snapshot`] and [`Hub::timeline`] instead of guessing.
    pub fn subscribe(&self) -> broadcast::Receiver<HubEvent> {
        self.inner.deps.events.subscribe()
    }

    /// Keeps `agent_id`'s timeline followed on `key` while the guard lives:
    /// the newest rows are fetched, then live rows are applied, and after
    /// every reconnect the rows after the last `{epoch, seq}` are fetched.
    /// Works before `key` is watched (the follow starts when it connects).
    pub fn follow(&self, key: &DaemonKey, agent_id: &str) -> FollowGuard {
        if self.inner.deps.follows.add(key, agent_id) {
            self.inner
                .command(key, Command::Follow(agent_id.to_owned()));
        }
        FollowGuard {
            key: key.clone(),
            agent_id: agent_id.to_owned(),
            hub: Arc::downgrade(&self.inner),
        }
    }

    /// A copy of a followed timeline; `None` if it is not followed (or its
    /// daemon not watched).
    pub fn timeline(&self, key: &DaemonKey, agent_id: &str) -> Option<TimelineMirror> {
        self.inner
            .read(key, |view| {
                view.timelines
                    .get(agent_id)
                    .map(|timeline| timeline.mirror().clone())
            })
            .flatten()
    }

    /// Permission requests waiting for an answer, over all agents of `key`.
    pub fn pending_permissions(&self, key: &DaemonKey) -> Vec<PendingPermission> {
        self.inner
            .read(key, |view| view.permissions.list())
            .unwrap_or_default()
    }

    /// The daemon's provider snapshot as last seen.
    pub fn providers(&self, key: &DaemonKey) -> Vec<ProviderSnapshotEntry> {
        self.inner
            .read(key, |view| view.providers.clone())
            .unwrap_or_default()
    }

    /// Everything mirrored of `key` at one instant; `None` if not watched.
    pub fn snapshot(&self, key: &DaemonKey) -> Option<DaemonSnapshot> {
        self.inner.read(key, |view| DaemonSnapshot {
            connection: view.state.snapshot().clone(),
            agents: view.mirror.agents(),
            agents_synced: view.mirror.is_synced(),
            providers: view.providers.clone(),
            pending_permissions: view.permissions.list(),
        })
    }

    /// Skips the current wait before the next connection attempt (also the
    /// long wait after a wrong password). No-op while connecting or online.
    pub fn retry_now(&self, key: &DaemonKey) {
        let registry = lock(&self.inner.registry);
        if let Some(handle) = registry.get(key) {
            let _ = handle.commands.send(Command::RetryNow);
        }
    }

    /// Running connection actors (one per watched or pinned key, plus any
    /// still closing).
    pub fn connection_count(&self) -> usize {
        self.inner.deps.live.load(Ordering::SeqCst)
    }

    /// The configuration this hub runs with.
    pub fn config(&self) -> &HubConfig {
        &self.inner.deps.config
    }
}

impl fmt::Debug for Hub {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hub")
            .field("connections", &self.connection_count())
            .finish_non_exhaustive()
    }
}

impl Inner {
    /// Reads `key`'s view under its lock.
    pub(crate) fn read<T>(&self, key: &DaemonKey, f: impl FnOnce(&View) -> T) -> Option<T> {
        let registry = lock(&self.registry);
        let handle = registry.get(key)?;
        let view = lock(&handle.view);
        Some(f(&view))
    }

    /// Sends `command` to `key`'s actor, if there is one.
    pub(crate) fn command(&self, key: &DaemonKey, command: Command) -> bool {
        let registry = lock(&self.registry);
        registry
            .get(key)
            .is_some_and(|handle| handle.commands.send(command).is_ok())
    }

    pub(crate) fn unfollow(&self, key: &DaemonKey, agent_id: &str) {
        if self.deps.follows.remove(key, agent_id) {
            self.command(key, Command::Unfollow(agent_id.to_owned()));
        }
    }

    fn acquire(&self, target: &DaemonTarget, pin: bool) -> Result<DaemonKey, HubError> {
        let valid = target.validate()?;
        let key = valid.key.clone();
        let mut registry = lock(&self.registry);
        if !pin && !self.allowed(&registry, &valid) {
            return Err(HubError::HostNotAllowed {
                url: key.url().to_owned(),
            });
        }
        registry.acquire(&key, pin, |client_id| {
            connection::spawn(valid, client_id, &self.deps)
        });
        Ok(key)
    }

    /// Whether a browser may reach `valid`: the operator's allowlist names
    /// its host, or it is one of the operator's own (pinned) daemons.
    fn allowed(
        &self,
        registry: &Registry<DaemonHandle>,
        valid: &crate::target::ValidTarget,
    ) -> bool {
        self.deps.config.daemon_hosts.allows(&valid.url) || registry.pins_url(valid.key.url())
    }

    /// [`Self::allowed`] for a probe.
    pub(crate) fn may_probe(&self, valid: &crate::target::ValidTarget) -> bool {
        self.allowed(&lock(&self.registry), valid)
    }

    fn release(self: &Arc<Self>, key: &DaemonKey) {
        let Some(generation) = lock(&self.registry).release(key) else {
            return;
        };
        let hub = Arc::downgrade(self);
        let key = key.clone();
        let grace = self.deps.config.grace_period;
        self.deps.runtime.spawn(async move {
            tokio::time::sleep(grace).await;
            if let Some(inner) = hub.upgrade() {
                let expired = lock(&inner.registry).expire(&key, generation);
                if expired.is_some() {
                    tracing::info!(daemon = %key, "no watchers after the grace period: closing");
                }
                // Dropping the handle closes the actor's command channel.
                drop(expired);
            }
        });
    }
}

/// Keeps one daemon connection wanted. Dropping it releases that claim.
pub struct WatchGuard {
    key: DaemonKey,
    hub: Weak<Inner>,
}

impl WatchGuard {
    /// The connection this guard keeps.
    pub fn key(&self) -> &DaemonKey {
        &self.key
    }
}

impl fmt::Debug for WatchGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("WatchGuard").field(&self.key).finish()
    }
}

impl Drop for WatchGuard {
    fn drop(&mut self) {
        if let Some(inner) = self.hub.upgrade() {
            inner.release(&self.key);
        }
    }
}

/// Keeps one agent's timeline followed (fetched, then live, resynced after
/// every reconnect). Dropping it releases that claim; the mirror of the
/// timeline goes when its last follower does.
pub struct FollowGuard {
    key: DaemonKey,
    agent_id: String,
    hub: Weak<Inner>,
}

impl FollowGuard {
    pub fn key(&self) -> &DaemonKey {
        &self.key
    }

    pub fn agent_id(&self) -> &str {
        &self.agent_id
    }
}

impl std::fmt::Debug for FollowGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FollowGuard")
            .field("key", &self.key)
            .field("agent_id", &self.agent_id)
            .finish()
    }
}

impl Drop for FollowGuard {
    fn drop(&mut self) {
        if let Some(inner) = self.hub.upgrade() {
            inner.unfollow(&self.key, &self.agent_id);
        }
    }
}
