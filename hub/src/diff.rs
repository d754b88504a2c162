//! Live checkout diffs, delivered to the one caller that subscribed.
//!
//! Why the hub renames subscriptions: every tab shares one daemon session,
//! and the daemon keys diff subscriptions by a client-chosen id (reusing an
//! id replaces the earlier subscription). Each caller's subscription goes
//! out under a hub-unique id (`hub-diff-N`); the daemon's first answer and
//! every `checkout_diff_update` carrying that id go to that caller's sink
//! and nowhere else (they are not [`crate::HubEvent`]s, which every
//! subscriber of the hub sees). The connection actor subscribes again after
//! every reconnect (a restarted daemon has forgotten them), and dropping
//! the [`DiffGuard`] unsubscribes.

use std::fmt;
use std::sync::Weak;
use std::sync::atomic::{AtomicU64, Ordering};

use protocol::{CheckoutError, DiffCompare, ParsedDiffFile};
use tokio::sync::mpsc;

use crate::connection::Command;
use crate::error::HubError;
use crate::hub::{Hub, Inner};
use crate::target::DaemonKey;

/// One diff as the daemon computed it: the subscription's first answer,
/// a later change, or the answer to the re-subscription after a reconnect.
#[derive(Debug, Clone, PartialEq)]
pub struct DiffPush {
    /// The hub's id of the subscription ([`DiffGuard::id`]).
    pub subscription_id: String,
    pub cwd: String,
    pub files: Vec<ParsedDiffFile>,
    /// Why there are no files (not a repository, refused, …).
    pub error: Option<CheckoutError>,
}

/// Where a subscription's diffs go. Unbounded: a daemon pushes at most one
/// diff per poll interval per subscription.
pub type DiffSink = mpsc::UnboundedSender<DiffPush>;

/// What the actor keeps of one subscription.
#[derive(Debug)]
pub(crate) struct DiffSubscription {
    pub(crate) id: String,
    pub(crate) cwd: String,
    pub(crate) compare: DiffCompare,
    pub(crate) sink: DiffSink,
}

/// Hub-unique subscription ids (across hubs too: one counter per process).
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl Hub {
    /// Subscribes to the live diff of `cwd` on `key`'s daemon; every diff
    /// (first the current one) goes to `sink` tagged with the guard's id.
    /// Works while the daemon is away: the subscription starts when it is
    /// online. `NotWatched` if nobody watches `key`.
    pub fn subscribe_diff(
        &self,
        key: &DaemonKey,
        cwd: String,
        compare: DiffCompare,
        sink: DiffSink,
    ) -> Result<DiffGuard, HubError> {
        let id = format!("hub-diff-{}", NEXT_ID.fetch_add(1, Ordering::Relaxed));
        let subscription = DiffSubscription {
            id: id.clone(),
            cwd,
            compare,
            sink,
        };
        if !self
            .inner
            .command(key, Command::SubscribeDiff(Box::new(subscription)))
        {
            return Err(HubError::NotWatched { key: key.clone() });
        }
        Ok(DiffGuard {
            key: key.clone(),
            id,
            hub: std::sync::Arc::downgrade(&self.inner),
        })
    }
}

/// Keeps one diff subscription alive; dropping it unsubscribes.
pub struct DiffGuard {
    key: DaemonKey,
    id: String,
    hub: Weak<Inner>,
}

impl DiffGuard {
    /// The id every [`DiffPush`] of this subscription carries.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn key(&self) -> &DaemonKey {
        &self.key
    }
}

impl fmt::Debug for DiffGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DiffGuard")
            .field("key", &self.key)
            .field("id", &self.id)
            .finish()
    }
}

impl Drop for DiffGuard {
    fn drop(&mut self) {
        if let Some(inner) = self.hub.upgrade() {
            inner.command(&self.key, Command::UnsubscribeDiff(self.id.clone()));
        }
    }
}
