//! The `EDIT_FILE` tool: appends one line to a file inside the session cwd.
//!
//! This is the only place the agent touches the user's files, so it refuses
//! any path that would leave the cwd (absolute paths, `..`, symlinks out).

use std::path::{Component, Path, PathBuf};

/// The line appended by each allowed edit.
pub const EDIT_LINE: &str = "Edited by paseo-test-agent.\n";

/// Why an edit could not be done.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The path is absolute, uses `..`, or resolves outside the cwd.
    #[error("Refusing to edit {0}: path is outside the session cwd")]
    OutsideCwd(String),
    /// Filesystem error on the given path.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// The file contents before and after an edit.
#[derive(Debug, Clone)]
pub struct Diff {
    /// The previous contents, `None` when the file did not exist.
    pub old_text: Option<String>,
    /// The new contents.
    pub new_text: String,
}

/// Joins `rel` to `cwd`, refusing anything that is not a plain relative
/// path. Does not touch the filesystem.
pub fn target_path(cwd: &Path, rel: &str) -> Result<PathBuf, EditError> {
    let plain = Path::new(rel)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !plain || rel.is_empty() {
        return Err(EditError::OutsideCwd(rel.to_owned()));
    }
    Ok(cwd.join(rel))
}

/// Appends [`EDIT_LINE`] to `path` (created if missing), after checking
/// that its directory and the file itself really are inside `cwd`.
pub fn append_line(cwd: &Path, path: &Path) -> Result<Diff, EditError> {
    let io = |p: &Path| {
        let p = p.to_path_buf();
        move |source| EditError::Io { path: p, source }
    };
    let outside = || EditError::OutsideCwd(path.display().to_string());
    let root = cwd.canonicalize().map_err(io(cwd))?;
    let parent = path.parent().ok_or_else(outside)?;
    if !parent
        .canonicalize()
        .map_err(io(parent))?
        .starts_with(&root)
    {
        return Err(outside());
    }
    let old_text = match std::fs::read_to_string(path) {
        Ok(text) => {
            let real = path.canonicalize().map_err(io(path))?;
            if !real.starts_with(&root) {
                return Err(outside());
            }
            Some(text)
        }
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(source) => {
            return Err(EditError::Io {
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let mut new_text = old_text.clone().unwrap_or_default();
    if !new_text.is_empty() && !new_text.ends_with('\n') {
        new_text.push('\n');
    }
    new_text.push_str(EDIT_LINE);
    std::fs::write(path, &new_text).map_err(io(path))?;
    Ok(Diff { old_text, new_text })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_escaping_paths() {
        let cwd = Path::new("/tmp/x");
        assert!(target_path(cwd, "../etc/passwd").is_err());
        assert!(target_path(cwd, "/etc/passwd").is_err());
        assert!(target_path(cwd, "").is_err());
        assert_eq!(
            target_path(cwd, "a/b.md").ok(),
            Some(PathBuf::from("/tmp/x/a/b.md"))
        );
    }

    #[test]
    fn appends_and_reports_the_diff() -> Result<(), EditError> {
        let dir = tempfile::tempdir().map_err(io_err)?;
        let path = dir.path().join("notes.md");
        let first = append_line(dir.path(), &path)?;
        assert_eq!(first.old_text, None);
        let second = append_line(dir.path(), &path)?;
        assert_eq!(second.old_text.as_deref(), Some(EDIT_LINE));
        assert_eq!(second.new_text, EDIT_LINE.repeat(2));
        Ok(())
    }

    fn io_err(source: std::io::Error) -> EditError {
        EditError::Io {
            path: PathBuf::new(),
            source,
        }
    }
}
