//! Git state of a working directory, served to clients: the
//! `checkout_status_*` answer, the live structured diff subscription
//! (`*_checkout_diff_*`, Paseo protocol v1 §7.2–7.3) and the worktree list.
//!
//! Everything goes through the `git` CLI ([`command`]) rather than a
//! library, so what clients see matches what the user's own `git status`
//! and `git diff` say. Layout: [`porcelain`] reads `git status`,
//! [`status`] builds the checkout status, [`diff_parse`] turns unified
//! diffs into structured files, [`diff`] computes a whole diff (untracked
//! files included, as Paseo does), [`watch`] keeps subscriptions live, and
//! [`worktree`] lists a repository's worktrees.

mod command;
mod diff;
mod diff_parse;
mod porcelain;
mod status;
mod watch;
mod worktree;

use std::path::{Path, PathBuf};

pub(crate) use status::checkout_status;
pub(crate) use watch::{DEFAULT_DIFF_POLL_INTERVAL, DiffSink, DiffSubscriptions};
pub(crate) use worktree::worktree_list;

/// Why a git command could not give an answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum GitError {
    /// The `git` executable could not be run.
    #[error("cannot run git: {0}")]
    Spawn(#[source] std::io::Error),
    /// The command did not finish within [`command::GIT_TIMEOUT`].
    #[error("git {command} timed out")]
    Timeout {
        /// The git subcommand.
        command: String,
    },
    /// The command printed more than we are willing to hold.
    #[error("git {command} produced too much output")]
    OutputTooLarge {
        /// The git subcommand.
        command: String,
    },
    /// The command exited non-zero.
    #[error("git {command} failed: {stderr}")]
    Failed {
        /// The git subcommand.
        command: String,
        /// What git printed on stderr.
        stderr: String,
    },
}

/// The top of the work tree containing `cwd`, or `None` when `cwd` is not
/// inside one (not a repository, a bare repository, or inside `.git`).
pub(crate) async fn work_tree_root(cwd: &Path) -> Result<Option<PathBuf>, GitError> {
    let output = command::git(cwd, &["rev-parse", "--show-toplevel"]).await?;
    Ok(output
        .ok_text()
        .filter(|root| !root.is_empty())
        .map(PathBuf::from))
}

/// The branch diffs compare against when none is given, and that
/// `baseRef` reports: the branch `origin/HEAD` points at, else a local
/// `main`, else a local `master`.
pub(crate) async fn default_base_ref(root: &Path) -> Result<Option<String>, GitError> {
    let origin_head = command::git(
        root,
        &[
            "symbolic-ref",
            "--quiet",
            "--short",
            "refs/remotes/origin/HEAD",
        ],
    )
    .await?;
    if let Some(name) = origin_head.ok_text() {
        let name = name.strip_prefix("origin/").unwrap_or(&name).to_owned();
        if !name.is_empty() {
            return Ok(Some(name));
        }
    }
    for candidate in ["main", "master"] {
        let reference = format!("refs/heads/{candidate}");
        let exists = command::git(root, &["rev-parse", "--verify", "--quiet", &reference]).await?;
        if exists.success {
            return Ok(Some(candidate.to_owned()));
        }
    }
    Ok(None)
}
