//! One full diff of a checkout, as the diff subscription sends it: tracked
//! changes from `git diff <base>` (staged and unstaged together, renames
//! detected) plus every untracked, non-ignored file as an all-added new
//! file, which is what Paseo's clients expect ("changes since HEAD"
//! including files the agent just created).
//!
//! Paths are relative to the repository root, whatever subdirectory `cwd`
//! is. A repository without commits diffs against the empty tree.
//! Untracked symlinks are shown as their target path (as git would show
//! them once added), never as the content they point to, which may lie
//! outside the workspace.

use std::path::{Path, PathBuf};

use protocol::{
    CheckoutError, CheckoutErrorCode, DiffCompare, DiffCompareMode, DiffFileStatus, DiffHunk,
    DiffLine, DiffLineType, ParsedDiffFile,
};

use super::command::{git, git_ok};
use super::diff_parse::{DiffLimits, apply_limits, parse_unified_diff};
use super::{GitError, default_base_ref, work_tree_root};

/// Most untracked files whose content is read; later ones are listed as
/// `too_large` without content (a forgotten `node_modules` must not make
/// every poll read gigabytes).
const MAX_UNTRACKED_READ: usize = 500;

/// How many leading bytes decide "binary" (a NUL among them), as git does.
const BINARY_SNIFF_BYTES: usize = 8000;

/// The result the subscription sends: files, or an error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DiffSnapshot {
    /// Changed files sorted by path.
    pub files: Vec<ParsedDiffFile>,
    /// Why there are no files, when it is not "no changes".
    pub error: Option<CheckoutError>,
}

impl DiffSnapshot {
    fn error(code: CheckoutErrorCode, message: String) -> Self {
        Self {
            files: Vec::new(),
            error: Some(CheckoutError { code, message }),
        }
    }
}

/// Computes the diff of the checkout containing `cwd`. Never fails:
/// problems become [`DiffSnapshot::error`].
pub(crate) async fn compute(cwd: &str, compare: &DiffCompare) -> DiffSnapshot {
    if cwd.trim().is_empty() {
        return DiffSnapshot::error(CheckoutErrorCode::Unknown, "cwd is required".to_owned());
    }
    match compute_in(Path::new(cwd), compare).await {
        Ok(snapshot) => snapshot,
        Err(err) => {
            tracing::warn!(cwd, %err, "diff failed");
            DiffSnapshot::error(CheckoutErrorCode::Unknown, err.to_string())
        }
    }
}

async fn compute_in(cwd: &Path, compare: &DiffCompare) -> Result<DiffSnapshot, GitError> {
    let root = match work_tree_root(cwd).await? {
        Some(root) => root,
        None => {
            return Ok(DiffSnapshot::error(
                CheckoutErrorCode::NotGitRepo,
                format!("Not a git repository: {}", cwd.display()),
            ));
        }
    };
    let base = match base_commit(&root, compare).await? {
        Ok(base) => base,
        Err(message) => return Ok(DiffSnapshot::error(CheckoutErrorCode::Unknown, message)),
    };
    let limits = DiffLimits::default();
    let mut args = vec![
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "-M",
        "--src-prefix=a/",
        "--dst-prefix=b/",
    ];
    if compare.ignore_whitespace == Some(true) {
        args.push("-w");
    }
    args.extend([base.as_str(), "--"]);
    let (tracked, untracked) = tokio::join!(
        git_ok(&root, &args),
        git_ok(&root, &["ls-files", "--others", "--exclude-standard", "-z"])
    );
    let mut files = parse_unified_diff(&String::from_utf8_lossy(&tracked?.stdout), limits);
    let untracked_paths: Vec<String> = String::from_utf8_lossy(&untracked?.stdout)
        .split('\0')
        .filter(|path| !path.is_empty() && !path.ends_with('/'))
        .map(str::to_owned)
        .collect();
    let read_root = root.clone();
    let new_files = tokio::task::spawn_blocking(move || {
        untracked_paths
            .into_iter()
            .enumerate()
            .filter_map(|(index, path)| {
                untracked_file(&read_root, path, index < MAX_UNTRACKED_READ, limits)
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    files.extend(new_files);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(DiffSnapshot { files, error: None })
}

/// The commit (or tree) to diff the work tree against: HEAD (the empty
/// tree before the first commit) for `uncommitted`, the merge base with
/// the base branch for `base`. The inner `Err` is a message for the client.
async fn base_commit(
    root: &Path,
    compare: &DiffCompare,
) -> Result<Result<String, String>, GitError> {
    let head = git(root, &["rev-parse", "--verify", "--quiet", "HEAD^{commit}"])
        .await?
        .ok_text();
    match compare.mode {
        DiffCompareMode::Uncommitted => match head {
            Some(head) => Ok(Ok(head)),
            // `hash-object` reads the empty stdin: the empty tree of this
            // repository's hash algorithm.
            None => Ok(Ok(git_ok(root, &["hash-object", "-t", "tree", "--stdin"])
                .await?
                .text())),
        },
        DiffCompareMode::Base => {
            let base_ref = match compare.base_ref.as_deref().map(str::trim) {
                Some(base) if !base.is_empty() => Some(base.to_owned()),
                _ => default_base_ref(root).await?,
            };
            let Some(base_ref) = base_ref else {
                return Ok(Err("No base branch to compare against".to_owned()));
            };
            if base_ref.starts_with('-') {
                return Ok(Err(format!("Invalid base ref: {base_ref}")));
            }
            let merge_base = git(root, &["merge-base", &base_ref, "HEAD"]).await?;
            Ok(merge_base
                .ok_text()
                .ok_or_else(|| format!("Cannot compare against {base_ref}: {}", merge_base.stderr)))
        }
    }
}

/// An untracked file as a new file whose lines are all added. `None` for
/// entries that are not files (a nested repository's directory).
fn untracked_file(
    root: &Path,
    path: String,
    read: bool,
    limits: DiffLimits,
) -> Option<ParsedDiffFile> {
    let full: PathBuf = root.join(&path);
    let meta = std::fs::symlink_metadata(&full).ok()?;
    let mut file = ParsedDiffFile {
        path,
        is_new: true,
        is_deleted: false,
        additions: 0,
        deletions: 0,
        hunks: Vec::new(),
        status: Some(DiffFileStatus::Ok),
    };
    let content: Vec<u8> = if meta.file_type().is_symlink() {
        let target = std::fs::read_link(&full).ok()?;
        target.to_string_lossy().into_owned().into_bytes()
    } else if !meta.is_file() {
        return None;
    } else if !read || meta.len() > limits.max_bytes_per_file as u64 {
        file.status = Some(DiffFileStatus::TooLarge);
        return Some(file);
    } else {
        std::fs::read(&full).ok()?
    };
    if content[..content.len().min(BINARY_SNIFF_BYTES)].contains(&0) {
        file.status = Some(DiffFileStatus::Binary);
        return Some(file);
    }
    let text = String::from_utf8_lossy(&content);
    let body = text.strip_suffix('\n').unwrap_or(&text);
    if text.is_empty() {
        return Some(file);
    }
    let lines: Vec<DiffLine> = body
        .split('\n')
        .map(|line| DiffLine {
            kind: DiffLineType::Add,
            content: line.strip_suffix('\r').unwrap_or(line).to_owned(),
            tokens: None,
        })
        .collect();
    let count = lines.len() as u64;
    let header = if count == 1 {
        "@@ -0,0 +1 @@".to_owned()
    } else {
        format!("@@ -0,0 +1,{count} @@")
    };
    file.additions = count;
    file.hunks.push(DiffHunk {
        old_start: 0,
        old_count: 0,
        new_start: 1,
        new_count: count,
        lines: std::iter::once(DiffLine {
            kind: DiffLineType::Header,
            content: header,
            tokens: None,
        })
        .chain(lines)
        .collect(),
    });
    apply_limits(&mut file, limits);
    Some(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_file(content: &[u8]) -> ParsedDiffFile {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("f"), content).expect("write");
        untracked_file(dir.path(), "f".into(), true, DiffLimits::default()).expect("a file")
    }

    #[test]
    fn untracked_text_becomes_one_added_hunk() {
        let file = new_file(b"untracked\n");
        assert!(file.is_new);
        assert_eq!(file.additions, 1);
        let header = &file.hunks[0].lines[0];
        assert_eq!(
            (header.kind, header.content.as_str()),
            (DiffLineType::Header, "@@ -0,0 +1 @@")
        );
        let two = new_file(b"a\nb");
        assert_eq!(two.hunks[0].lines[0].content, "@@ -0,0 +1,2 @@");
        assert_eq!(two.hunks[0].lines[2].content, "b");
    }

    #[test]
    fn untracked_empty_and_binary_files_have_no_hunks() {
        let empty = new_file(b"");
        assert!(empty.hunks.is_empty() && empty.additions == 0);
        let binary = new_file(b"\x00\x01");
        assert_eq!(binary.status, Some(DiffFileStatus::Binary));
        assert!(binary.hunks.is_empty());
    }

    #[test]
    fn untracked_symlink_shows_its_target_not_the_content() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("link")).expect("symlink");
        let file =
            untracked_file(dir.path(), "link".into(), true, DiffLimits::default()).expect("a file");
        assert_eq!(file.hunks[0].lines[1].content, "/etc/passwd");
        assert_eq!(file.additions, 1);
    }
}
