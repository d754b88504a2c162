//! `checkout_status_request` → `checkout_status_response`.
//!
//! A directory that is not a git work tree is a normal answer (`isGit:
//! false`, `error: null`), as in Paseo; `error` is reserved for requests we
//! could not evaluate (no cwd, missing directory, git unusable).

use std::path::Path;

use protocol::{
    AheadBehind, CheckoutError, CheckoutErrorCode, CheckoutStatus, CheckoutStatusRequest,
};

use super::command::git;
use super::{GitError, default_base_ref, porcelain, work_tree_root};

/// Answers one status request. Never fails: problems go in `error`.
pub(crate) async fn checkout_status(req: CheckoutStatusRequest) -> CheckoutStatus {
    let CheckoutStatusRequest { cwd, request_id } = req;
    let mut answer = not_git(cwd.clone(), request_id);
    if cwd.trim().is_empty() {
        answer.error = Some(unknown("cwd is required"));
        return answer;
    }
    let dir = Path::new(&cwd);
    if !tokio::fs::metadata(dir).await.is_ok_and(|m| m.is_dir()) {
        answer.error = Some(unknown(&format!(
            "ENOENT: no such file or directory, stat '{cwd}'"
        )));
        return answer;
    }
    match fill_git_status(dir, &mut answer).await {
        Ok(()) => {}
        Err(err) => {
            tracing::warn!(cwd = %cwd, %err, "checkout status failed");
            let request_id = std::mem::take(&mut answer.request_id);
            answer = not_git(cwd, request_id);
            answer.error = Some(unknown(&err.to_string()));
        }
    }
    answer
}

/// Fills the git fields of `answer`; leaves it as "not git" when `dir` is
/// not in a work tree.
async fn fill_git_status(dir: &Path, answer: &mut CheckoutStatus) -> Result<(), GitError> {
    let Some(root) = work_tree_root(dir).await? else {
        return Ok(());
    };
    let status_args = [
        "status",
        "--porcelain=v2",
        "--branch",
        "-z",
        "--untracked-files=normal",
    ];
    let (status, remote_url, has_remote, base_ref) = tokio::join!(
        async { super::command::git_ok(&root, &status_args).await },
        remote_url(&root),
        async { Ok::<_, GitError>(!git(&root, &["remote"]).await?.text().is_empty()) },
        default_base_ref(&root),
    );
    let status = porcelain::parse(&status?.stdout);
    let base_ref = base_ref?;
    let ahead_behind = match (&base_ref, &status.branch) {
        (Some(base), Some(branch)) if base != branch && status.oid.is_some() => {
            ahead_behind(&root, base).await?
        }
        _ => None,
    };
    answer.is_git = true;
    answer.repo_root = Some(root.to_string_lossy().into_owned());
    answer.main_repo_root = None;
    answer.is_dirty = Some(status.is_dirty());
    answer.current_branch = status.branch.clone();
    answer.base_ref = base_ref;
    answer.ahead_behind = ahead_behind;
    answer.ahead_of_origin = status.upstream_ahead_behind.map(|(ahead, _)| ahead);
    answer.behind_of_origin = status.upstream_ahead_behind.map(|(_, behind)| behind);
    answer.has_remote = has_remote?;
    answer.remote_url = remote_url?;
    Ok(())
}

/// The URL of `origin`, else of the first remote.
async fn remote_url(root: &Path) -> Result<Option<String>, GitError> {
    if let Some(url) = git(root, &["remote", "get-url", "origin"]).await?.ok_text() {
        return Ok(Some(url));
    }
    let remotes = git(root, &["remote"]).await?.text();
    match remotes.lines().next() {
        Some(first) => Ok(git(root, &["remote", "get-url", first]).await?.ok_text()),
        None => Ok(None),
    }
}

/// Commits HEAD is ahead of and behind `base`; `None` if `base` does not
/// resolve.
async fn ahead_behind(root: &Path, base: &str) -> Result<Option<AheadBehind>, GitError> {
    let range = format!("{base}...HEAD");
    let output = git(root, &["rev-list", "--left-right", "--count", &range, "--"]).await?;
    let Some(text) = output.ok_text() else {
        return Ok(None);
    };
    let mut counts = text.split_whitespace().map(str::parse::<u64>);
    Ok(match (counts.next(), counts.next()) {
        (Some(Ok(behind)), Some(Ok(ahead))) => Some(AheadBehind { ahead, behind }),
        _ => None,
    })
}

/// The "not a git checkout" variant: every git field null.
fn not_git(cwd: String, request_id: String) -> CheckoutStatus {
    CheckoutStatus {
        cwd,
        is_git: false,
        repo_root: None,
        main_repo_root: None,
        current_branch: None,
        is_dirty: None,
        base_ref: None,
        ahead_behind: None,
        ahead_of_origin: None,
        behind_of_origin: None,
        has_remote: false,
        remote_url: None,
        is_paseo_owned_worktree: false,
        error: None,
        request_id,
        pr_status: None,
    }
}

fn unknown(message: &str) -> CheckoutError {
    CheckoutError {
        code: CheckoutErrorCode::Unknown,
        message: message.to_owned(),
    }
}
