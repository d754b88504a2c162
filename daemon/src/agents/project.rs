//! The project placement (`project` of agent entries and updates): which
//! repository an agent's cwd belongs to and on which branch.
//!
//! Read straight from `.git` (HEAD and config) rather than by running
//! `git`, because it is computed for every listed agent and every snapshot
//! push; a short cache keeps a page of 200 agents in one directory cheap.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use protocol::{CheckoutLite, ProjectPlacement};

/// How long a computed placement is reused (a branch switch shows up
/// after at most this long).
const CACHE_TTL: Duration = Duration::from_secs(2);

type Cache = Mutex<HashMap<String, (Instant, ProjectPlacement)>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The placement of `cwd` (cached briefly).
pub(crate) fn placement(cwd: &str) -> ProjectPlacement {
    let now = Instant::now();
    if let Ok(cache) = cache().lock()
        && let Some((at, placement)) = cache.get(cwd)
        && now.duration_since(*at) < CACHE_TTL
    {
        return placement.clone();
    }
    let placement = compute(cwd);
    if let Ok(mut cache) = cache().lock() {
        if cache.len() > 4096 {
            cache.retain(|_, (at, _)| now.duration_since(*at) < CACHE_TTL);
        }
        cache.insert(cwd.to_owned(), (now, placement.clone()));
    }
    placement
}

fn compute(cwd: &str) -> ProjectPlacement {
    let Some((root, git_dir)) = find_repo(Path::new(cwd)) else {
        return ProjectPlacement {
            project_key: cwd.to_owned(),
            project_name: base_name(cwd),
            checkout: CheckoutLite {
                cwd: cwd.to_owned(),
                is_git: false,
                current_branch: None,
                remote_url: None,
                worktree_root: None,
                is_paseo_owned_worktree: false,
                main_repo_root: None,
            },
        };
    };
    let root_text = root.to_string_lossy().into_owned();
    ProjectPlacement {
        project_key: root_text.clone(),
        project_name: base_name(&root_text),
        checkout: CheckoutLite {
            cwd: cwd.to_owned(),
            is_git: true,
            current_branch: current_branch(&git_dir),
            remote_url: origin_url(&git_dir),
            worktree_root: Some(root_text),
            is_paseo_owned_worktree: false,
            main_repo_root: None,
        },
    }
}

fn base_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_owned())
}

/// The work tree root and git dir containing `start`, if any. A `.git`
/// file (linked worktree, submodule) points at the real git dir.
fn find_repo(start: &Path) -> Option<(PathBuf, PathBuf)> {
    let mut dir = Some(start);
    while let Some(current) = dir {
        let dot_git = current.join(".git");
        if dot_git.is_dir() {
            return Some((current.to_path_buf(), dot_git));
        }
        if dot_git.is_file() {
            let text = std::fs::read_to_string(&dot_git).ok()?;
            let target = text.trim().strip_prefix("gitdir:")?.trim();
            let git_dir = current.join(target);
            return Some((current.to_path_buf(), git_dir));
        }
        dir = current.parent();
    }
    None
}

fn current_branch(git_dir: &Path) -> Option<String> {
    let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
    head.trim()
        .strip_prefix("ref: refs/heads/")
        .map(str::to_owned)
}

/// `remote.origin.url` from the repository config (the common dir's for
/// linked worktrees).
fn origin_url(git_dir: &Path) -> Option<String> {
    let common = std::fs::read_to_string(git_dir.join("commondir"))
        .ok()
        .map(|dir| git_dir.join(dir.trim()))
        .unwrap_or_else(|| git_dir.to_path_buf());
    let config = std::fs::read_to_string(common.join("config")).ok()?;
    let mut in_origin = false;
    for line in config.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_origin = line == "[remote \"origin\"]";
            continue;
        }
        if in_origin
            && let Some((key, value)) = line.split_once('=')
            && key.trim() == "url"
        {
            return Some(value.trim().to_owned());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_directory_and_git_checkout() {
        let dir = tempfile::tempdir().expect("tempdir");
        let plain = dir.path().join("plain");
        std::fs::create_dir(&plain).expect("mkdir");
        let p = compute(plain.to_str().expect("utf8"));
        assert!(!p.checkout.is_git);
        assert_eq!(p.project_name, "plain");
        assert_eq!(p.project_key, plain.to_str().expect("utf8"));

        let repo = dir.path().join("repo");
        let git = repo.join(".git");
        std::fs::create_dir_all(git.clone()).expect("mkdir");
        std::fs::create_dir_all(repo.join("src")).expect("mkdir");
        std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").expect("HEAD");
        std::fs::write(
            git.join("config"),
            "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = git@example.com:x/y.git\n",
        )
        .expect("config");
        let p = compute(repo.join("src").to_str().expect("utf8"));
        assert!(p.checkout.is_git);
        assert_eq!(p.project_name, "repo");
        assert_eq!(p.checkout.current_branch.as_deref(), Some("main"));
        assert_eq!(
            p.checkout.remote_url.as_deref(),
            Some("git@example.com:x/y.git")
        );
        assert_eq!(p.checkout.worktree_root.as_deref(), repo.to_str());
    }
}
