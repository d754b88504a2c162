//! Live diff subscriptions: after the first answer, a `checkout_diff_update`
//! is pushed whenever the diff changes, until unsubscribed or the session
//! ends.
//!
//! Why polling rather than filesystem events (`notify`): what matters is
//! git's view (ignore rules, index, HEAD moving), which events do not give
//! without re-running git anyway; events also miss changes on network
//! filesystems and need per-platform care, and a work tree can hold more
//! directories than inotify watches allow. So each subscription runs one
//! cheap `git status` per interval and fingerprints its output together
//! with the size and mtime of every reported path (a second edit of an
//! already-modified file changes no status line). Only when the
//! fingerprint moves is the full diff recomputed, and only a diff that
//! differs from the last one sent is pushed.

use std::collections::HashMap;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Duration;

use protocol::{
    CheckoutDiffUpdate, DiffCompare, DiffCompareMode, SessionMessage, SubscribeCheckoutDiffRequest,
    SubscribeCheckoutDiffResponse,
};
use tokio::task::JoinHandle;

use super::command::git;
use super::diff::{self, DiffSnapshot};
use super::porcelain;

/// Where a subscription's frames go: the session's socket
/// (`crate::rpc::outbox::Outbox` implements it), so this module knows no
/// transport. `false` once the client is gone, which ends the subscription.
pub(crate) trait DiffSink: Send + Sync + 'static {
    /// Queues one frame for the client.
    fn push(&self, message: SessionMessage) -> impl Future<Output = bool> + Send;
}

/// How often a subscription checks the work tree unless configured.
pub(crate) const DEFAULT_DIFF_POLL_INTERVAL: Duration = Duration::from_secs(1);

/// Most live subscriptions per session: each costs a git process per
/// interval, so a client leaking them gets an error for new ones instead.
const MAX_SUBSCRIPTIONS: usize = 64;

/// The diff subscriptions of one session. Dropping it (session teardown)
/// stops every poller.
#[derive(Debug)]
pub(crate) struct DiffSubscriptions {
    poll_interval: Duration,
    tasks: HashMap<String, JoinHandle<()>>,
}

impl DiffSubscriptions {
    /// No subscriptions yet; pollers will check every `poll_interval`.
    pub(crate) fn new(poll_interval: Duration) -> Self {
        Self {
            poll_interval: poll_interval.max(Duration::from_millis(10)),
            tasks: HashMap::new(),
        }
    }

    /// Starts (or replaces) a subscription. The response is sent by the
    /// subscription's task, before any update, so the session's read loop
    /// does not wait for git.
    pub(crate) fn subscribe(&mut self, req: SubscribeCheckoutDiffRequest, outbox: impl DiffSink) {
        self.unsubscribe(&req.subscription_id);
        self.tasks.retain(|_, task| !task.is_finished());
        if self.tasks.len() >= MAX_SUBSCRIPTIONS {
            tracing::warn!(subscription_id = %req.subscription_id, "too many diff subscriptions");
            let response = SubscribeCheckoutDiffResponse {
                subscription_id: req.subscription_id,
                cwd: req.cwd,
                files: Vec::new(),
                error: Some(protocol::CheckoutError {
                    code: protocol::CheckoutErrorCode::Unknown,
                    message: format!("Too many diff subscriptions (at most {MAX_SUBSCRIPTIONS})"),
                }),
                request_id: req.request_id,
            };
            tokio::spawn(async move {
                let _ = outbox
                    .push(SessionMessage::SubscribeCheckoutDiffResponse(response))
                    .await;
            });
            return;
        }
        let id = req.subscription_id.clone();
        let task = tokio::spawn(run(req, outbox, self.poll_interval));
        self.tasks.insert(id, task);
    }

    /// Stops a subscription; unknown ids are ignored (no reply either way).
    pub(crate) fn unsubscribe(&mut self, subscription_id: &str) {
        if let Some(task) = self.tasks.remove(subscription_id) {
            task.abort();
        }
    }
}

impl Drop for DiffSubscriptions {
    fn drop(&mut self) {
        if !self.tasks.is_empty() {
            tracing::debug!(
                count = self.tasks.len(),
                "session ended: diff subscriptions stopped"
            );
        }
        for (_, task) in self.tasks.drain() {
            task.abort();
        }
    }
}

/// One subscription: answer, then poll until aborted or the client leaves.
async fn run(req: SubscribeCheckoutDiffRequest, outbox: impl DiffSink, poll_interval: Duration) {
    let SubscribeCheckoutDiffRequest {
        subscription_id,
        cwd,
        compare,
        request_id,
    } = req;
    // Fingerprint first: a change made while the diff is computed then
    // shows up as a moved fingerprint at the next tick.
    let mut fingerprint = fingerprint(&cwd, &compare).await;
    let mut last = diff::compute(&cwd, &compare).await;
    let response = SubscribeCheckoutDiffResponse {
        subscription_id: subscription_id.clone(),
        cwd: cwd.clone(),
        files: last.files.clone(),
        error: last.error.clone(),
        request_id,
    };
    if !outbox
        .push(SessionMessage::SubscribeCheckoutDiffResponse(response))
        .await
        || cwd.trim().is_empty()
    {
        return;
    }
    tracing::debug!(%subscription_id, %cwd, "diff subscription started");
    let mut ticker = tokio::time::interval(poll_interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticker.tick().await;
    loop {
        ticker.tick().await;
        let now = self::fingerprint(&cwd, &compare).await;
        if now == fingerprint {
            continue;
        }
        fingerprint = now;
        let snapshot: DiffSnapshot = diff::compute(&cwd, &compare).await;
        if snapshot == last {
            continue;
        }
        last = snapshot;
        let update = CheckoutDiffUpdate {
            subscription_id: subscription_id.clone(),
            cwd: cwd.clone(),
            files: last.files.clone(),
            error: last.error.clone(),
        };
        if !outbox
            .push(SessionMessage::CheckoutDiffUpdate(update))
            .await
        {
            return;
        }
    }
}

/// A hash that changes whenever the diff may have: `git status` output,
/// size and mtime of every path it lists, and the base commit in `base`
/// mode. Failures hash too, so "became a repository" is a change.
async fn fingerprint(cwd: &str, compare: &DiffCompare) -> u64 {
    let dir = Path::new(cwd);
    let mut hasher = DefaultHasher::new();
    let status = git(
        dir,
        &[
            "status",
            "--porcelain=v2",
            "--branch",
            "-z",
            "--untracked-files=all",
        ],
    )
    .await;
    let Ok(status) = status else {
        return 0;
    };
    (status.success, &status.stdout).hash(&mut hasher);
    if !status.success {
        return hasher.finish();
    }
    let root = git(dir, &["rev-parse", "--show-toplevel"])
        .await
        .ok()
        .and_then(|out| out.ok_text())
        .map(PathBuf::from);
    if compare.mode == DiffCompareMode::Base
        && let Some(base) = compare.base_ref.as_deref()
        && let Ok(out) = git(dir, &["rev-parse", "--verify", "--quiet", base]).await
    {
        out.stdout.hash(&mut hasher);
    }
    if let Some(root) = root {
        let paths = porcelain::parse(&status.stdout).paths;
        let stats = tokio::task::spawn_blocking(move || stat_all(&root, &paths))
            .await
            .unwrap_or_default();
        stats.hash(&mut hasher);
    }
    hasher.finish()
}

/// (size, mtime in ns) of each path, `None` for vanished ones.
fn stat_all(root: &Path, paths: &[String]) -> Vec<Option<(u64, i128)>> {
    paths
        .iter()
        .map(|path| {
            let meta = std::fs::symlink_metadata(root.join(path)).ok()?;
            let mtime = meta
                .modified()
                .ok()?
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i128::try_from(d.as_nanos()).unwrap_or(i128::MAX))
                .unwrap_or(0);
            Some((meta.len(), mtime))
        })
        .collect()
}
