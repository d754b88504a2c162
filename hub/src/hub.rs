//! The public facade: [`Hub`] and [`WatchGuard`]. Validates targets, asks
//! the registry whether an actor exists, starts one if not, and answers the
//! synchronous reads from the actors' shared views.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use protocol::AgentSnapshot;
use tokio::runtime::Handle;
use tokio::sync::broadcast;

use crate::actor::{self, ActorDeps, Command, DaemonHandle, lock};
use crate::config::HubConfig;
use crate::error::HubError;
use crate::event::HubEvent;
use crate::registry::Registry;
use crate::state::ConnectionSnapshot;
use crate::target::{DaemonKey, DaemonTarget};

/// The multi-daemon core. Cheap to clone; all clones are one hub.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

struct Inner {
    deps: ActorDeps,
    registry: Mutex<Registry<DaemonHandle>>,
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
                },
                registry: Mutex::new(Registry::default()),
            }),
        }
    }

    /// Ensures a connection to `target` for as long as the guard lives. Many
    /// watchers of one [`DaemonKey`] share one connection; it closes a grace
    /// period after the last guard is dropped.
    pub fn watch(&self, target: DaemonTarget) -> Result<WatchGuard, HubError> {
        let key = self.inner.acquire(&target, false)?;
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

    /// Every later connection and agent change of every daemon.
    pub fn subscribe(&self) -> broadcast::Receiver<HubEvent> {
        self.inner.deps.events.subscribe()
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
    fn acquire(&self, target: &DaemonTarget, pin: bool) -> Result<DaemonKey, HubError> {
        let valid = target.validate()?;
        let key = valid.key.clone();
        lock(&self.registry).acquire(&key, pin, |client_id| {
            actor::spawn(valid, client_id, &self.deps)
        });
        Ok(key)
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
