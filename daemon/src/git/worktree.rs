//! `paseo_worktree_list_request` → `paseo_worktree_list_response`: the
//! linked worktrees of a repository, from `git worktree list --porcelain`.
//!
//! Paseo lists only the worktrees it made itself (under
//! `$PASEO_HOME/worktrees`); this daemon makes none, so it lists every
//! linked worktree of the repository, which is what a user of `paseo
//! worktree ls` wants to see. The main working tree is not a worktree in
//! that sense and is left out, as are worktrees whose directory is gone
//! (`prunable`) and bare entries. Like Paseo, a request without `cwd` or
//! `repoRoot` is answered with an error in the response, never a schema
//! error; problems never fail the request either, they go in `error`.

use std::path::Path;
use std::time::UNIX_EPOCH;

use protocol::{
    CheckoutError, CheckoutErrorCode, PaseoWorktree, PaseoWorktreeListRequest,
    PaseoWorktreeListResponse,
};

use super::command::git_ok;
use super::work_tree_root;
use crate::time_util::iso_from;

/// Answers one list request.
pub(crate) async fn worktree_list(req: PaseoWorktreeListRequest) -> PaseoWorktreeListResponse {
    let request_id = req.request_id;
    let dir = [req.repo_root, req.cwd]
        .into_iter()
        .flatten()
        .map(|dir| dir.trim().to_owned())
        .find(|dir| !dir.is_empty());
    let result = match dir {
        Some(dir) => list(Path::new(&dir)).await,
        None => Err(error(
            CheckoutErrorCode::Unknown,
            "cwd or repoRoot is required".to_owned(),
        )),
    };
    match result {
        Ok(worktrees) => PaseoWorktreeListResponse {
            worktrees,
            error: None,
            request_id,
        },
        Err(err) => PaseoWorktreeListResponse {
            worktrees: Vec::new(),
            error: Some(err),
            request_id,
        },
    }
}

fn error(code: CheckoutErrorCode, message: String) -> CheckoutError {
    CheckoutError { code, message }
}

async fn list(dir: &Path) -> Result<Vec<PaseoWorktree>, CheckoutError> {
    if !dir.is_absolute() {
        return Err(error(
            CheckoutErrorCode::Unknown,
            format!("The directory must be an absolute path: {}", dir.display()),
        ));
    }
    if !tokio::fs::metadata(dir).await.is_ok_and(|m| m.is_dir()) {
        return Err(error(
            CheckoutErrorCode::Unknown,
            format!("No such directory: {}", dir.display()),
        ));
    }
    let unknown = |err: super::GitError| error(CheckoutErrorCode::Unknown, err.to_string());
    let Some(root) = work_tree_root(dir).await.map_err(unknown)? else {
        return Err(error(
            CheckoutErrorCode::NotGitRepo,
            format!("Not a git repository: {}", dir.display()),
        ));
    };
    let output = git_ok(&root, &["worktree", "list", "--porcelain"])
        .await
        .map_err(unknown)?;
    let mut worktrees = Vec::new();
    for entry in parse(&output.text()).into_iter().skip(1) {
        if entry.bare || entry.prunable {
            continue;
        }
        let created_at = created_at(Path::new(&entry.path)).await;
        worktrees.push(PaseoWorktree {
            worktree_path: entry.path,
            created_at,
            branch_name: entry.branch,
            head: entry.head,
        });
    }
    Ok(worktrees)
}

/// The directory's birth time (its change time where the filesystem keeps
/// none), as Paseo reports it; the epoch when unreadable.
async fn created_at(path: &Path) -> String {
    use std::os::unix::fs::MetadataExt;
    match tokio::fs::metadata(path).await {
        Ok(meta) => meta.created().map(iso_from).unwrap_or_else(|_| {
            let ctime = std::time::Duration::new(
                u64::try_from(meta.ctime()).unwrap_or(0),
                u32::try_from(meta.ctime_nsec()).unwrap_or(0),
            );
            iso_from(UNIX_EPOCH + ctime)
        }),
        Err(_) => iso_from(UNIX_EPOCH),
    }
}

/// One record of `git worktree list --porcelain`.
#[derive(Debug, Default, PartialEq, Eq)]
struct Entry {
    path: String,
    head: Option<String>,
    /// Short branch name; `None` when detached.
    branch: Option<String>,
    bare: bool,
    prunable: bool,
}

/// Parses the porcelain output: records separated by blank lines, the
/// first line of each `worktree <path>`. The main working tree comes first.
fn parse(text: &str) -> Vec<Entry> {
    let mut entries = Vec::new();
    let mut current: Option<Entry> = None;
    for line in text.lines() {
        if let Some(path) = line.strip_prefix("worktree ") {
            entries.extend(current.take());
            current = Some(Entry {
                path: path.to_owned(),
                ..Entry::default()
            });
            continue;
        }
        let Some(entry) = current.as_mut() else {
            continue;
        };
        if let Some(head) = line.strip_prefix("HEAD ") {
            entry.head = Some(head.trim().to_owned());
        } else if let Some(branch) = line.strip_prefix("branch ") {
            let branch = branch.trim();
            entry.branch = Some(
                branch
                    .strip_prefix("refs/heads/")
                    .unwrap_or(branch)
                    .to_owned(),
            );
        } else if line == "bare" {
            entry.bare = true;
        } else if line == "prunable" || line.starts_with("prunable ") {
            entry.prunable = true;
        } else if line.is_empty() {
            entries.extend(current.take());
        }
    }
    entries.extend(current);
    entries
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn porcelain_records_are_read_with_branch_detached_and_prunable() {
        let text = "worktree /repo\nHEAD aaa\nbranch refs/heads/main\n\n\
                    worktree /wt/feature\nHEAD bbb\nbranch refs/heads/feature/x\n\n\
                    worktree /wt/detached\nHEAD ccc\ndetached\n\n\
                    worktree /wt/gone\nHEAD ddd\nbranch refs/heads/gone\nprunable gitdir file points to non-existent location\n";
        let entries = parse(text);
        assert_eq!(entries.len(), 4);
        assert_eq!(entries[1].path, "/wt/feature");
        assert_eq!(entries[1].branch.as_deref(), Some("feature/x"));
        assert_eq!(entries[1].head.as_deref(), Some("bbb"));
        assert_eq!(entries[2].branch, None);
        assert!(!entries[2].prunable && entries[3].prunable);
    }
}
