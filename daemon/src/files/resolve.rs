//! Confining a client-supplied path to its workspace (`cwd`).
//!
//! This is the security boundary of the file explorer: a client may name
//! any path, and the daemon runs as the user. Two checks, both required:
//! 1. Lexical: the path is normalised (`.`/`..` folded) without touching
//!    the filesystem, and may not climb above `cwd`; an absolute path must
//!    lie under `cwd`. This refuses `../../etc` without revealing whether
//!    it exists.
//! 2. Physical: `cwd` and the target are canonicalised (every symlink
//!    resolved) and the target must still lie under `cwd`, which defeats
//!    symlinks pointing outside.
//!
//! Callers then open the canonical path (final component with
//! `O_NOFOLLOW`), so what is read is what was checked.

use std::io::ErrorKind;
use std::path::{Component, Path, PathBuf};

use super::ExploreError;

/// A path proven to lie inside the workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resolved {
    /// The canonical workspace root.
    pub root: PathBuf,
    /// The canonical target (inside `root`).
    pub target: PathBuf,
    /// The normalised path relative to `cwd`, `/`-separated; `.` for `cwd`.
    pub relative: String,
}

/// Resolves `requested` (relative to `cwd`, or absolute) inside `cwd`.
pub(crate) fn resolve(cwd: &str, requested: &str) -> Result<Resolved, ExploreError> {
    if cwd.trim().is_empty() {
        return Err(ExploreError::CwdRequired);
    }
    let cwd_path = Path::new(cwd);
    if !cwd_path.is_absolute() {
        return Err(ExploreError::CwdNotAbsolute);
    }
    let root = std::fs::canonicalize(cwd_path).map_err(|err| io_error(cwd_path, err))?;
    let parts = lexical_parts(cwd_path, &root, requested)?;
    let relative = if parts.is_empty() {
        ".".to_owned()
    } else {
        parts.join("/")
    };
    let joined = parts
        .iter()
        .fold(root.clone(), |path, part| path.join(part));
    let target =
        std::fs::canonicalize(&joined).map_err(|err| io_error(&cwd_path.join(&relative), err))?;
    if !target.starts_with(&root) {
        tracing::warn!(
            cwd,
            requested,
            "refused a path escaping the workspace via a symlink"
        );
        return Err(ExploreError::OutsideWorkspace);
    }
    Ok(Resolved {
        root,
        target,
        relative,
    })
}

/// Whether an already canonical `path` lies inside the canonical `root`.
pub(crate) fn is_inside(root: &Path, path: &Path) -> bool {
    path.starts_with(root)
}

/// The normal components of `requested` below `cwd`, `..` folded;
/// [`ExploreError::OutsideWorkspace`] if it climbs out or is an absolute
/// path elsewhere.
fn lexical_parts(cwd: &Path, root: &Path, requested: &str) -> Result<Vec<String>, ExploreError> {
    let requested = Path::new(if requested.is_empty() { "." } else { requested });
    let below = if requested.is_absolute() {
        // Absolute paths are allowed when they name something under cwd,
        // spelled either as the client gave cwd or canonically.
        let normalised = normalise(requested).ok_or(ExploreError::OutsideWorkspace)?;
        let cwd_normalised = normalise(cwd).ok_or(ExploreError::OutsideWorkspace)?;
        normalised
            .strip_prefix(&cwd_normalised)
            .or_else(|_| normalised.strip_prefix(root))
            .map_err(|_| ExploreError::OutsideWorkspace)?
            .to_path_buf()
    } else {
        requested.to_path_buf()
    };
    let mut parts: Vec<String> = Vec::new();
    for component in below.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop().ok_or(ExploreError::OutsideWorkspace)?;
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(ExploreError::OutsideWorkspace);
            }
        }
    }
    Ok(parts)
}

/// `path` with `.` and `..` folded lexically; `None` if `..` climbs above
/// the root.
fn normalise(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if !out.pop() || out.as_os_str().is_empty() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

/// Maps an I/O failure on `path` to the client-facing error.
pub(crate) fn io_error(path: &Path, err: std::io::Error) -> ExploreError {
    match err.kind() {
        ErrorKind::NotFound => ExploreError::NotFound {
            path: path.display().to_string(),
        },
        _ => ExploreError::Io {
            path: path.display().to_string(),
            source: err,
        },
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    fn workspace() -> (tempfile::TempDir, tempfile::TempDir, String) {
        let outside = tempfile::tempdir().expect("tempdir");
        std::fs::write(outside.path().join("secret.txt"), "secret").expect("write");
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir(dir.path().join("src")).expect("mkdir");
        std::fs::write(dir.path().join("src/lib.rs"), "").expect("write");
        symlink(outside.path().join("secret.txt"), dir.path().join("escape")).expect("symlink");
        symlink(outside.path(), dir.path().join("escape_dir")).expect("symlink");
        symlink("src/lib.rs", dir.path().join("inner")).expect("symlink");
        let cwd = dir.path().to_string_lossy().into_owned();
        (dir, outside, cwd)
    }

    fn outside(cwd: &str, path: &str) -> bool {
        matches!(resolve(cwd, path), Err(ExploreError::OutsideWorkspace))
    }

    #[test]
    fn relative_paths_inside_resolve_and_normalise() {
        let (_dir, _outside, cwd) = workspace();
        assert_eq!(resolve(&cwd, ".").expect("root").relative, ".");
        assert_eq!(resolve(&cwd, "").expect("root").relative, ".");
        let r = resolve(&cwd, "./src/../src//lib.rs").expect("inside");
        assert_eq!(r.relative, "src/lib.rs");
        assert!(r.target.starts_with(&r.root));
    }

    #[test]
    fn parent_escapes_are_refused_lexically() {
        let (_dir, _outside, cwd) = workspace();
        assert!(outside(&cwd, ".."));
        assert!(outside(&cwd, "../../../etc"));
        assert!(outside(&cwd, "src/../../x"));
        // Even when the outside path does not exist: no existence oracle.
        assert!(outside(&cwd, "../no-such-dir-anywhere"));
    }

    #[test]
    fn absolute_paths_must_lie_inside() {
        let (_dir, _outside, cwd) = workspace();
        assert!(outside(&cwd, "/etc/passwd"));
        assert!(outside(&cwd, &format!("{cwd}/../x")));
        assert_eq!(
            resolve(&cwd, &format!("{cwd}/src/lib.rs"))
                .expect("inside")
                .relative,
            "src/lib.rs"
        );
    }

    #[test]
    fn symlinks_escaping_cwd_are_refused_inner_ones_allowed() {
        let (_dir, _outside, cwd) = workspace();
        assert!(outside(&cwd, "escape"));
        assert!(outside(&cwd, "escape_dir"));
        assert!(outside(&cwd, "escape_dir/secret.txt"));
        let inner = resolve(&cwd, "inner").expect("inner link");
        assert!(inner.target.ends_with("src/lib.rs"));
    }

    #[test]
    fn missing_cwd_and_missing_file_errors() {
        assert!(matches!(resolve("  ", "."), Err(ExploreError::CwdRequired)));
        assert!(matches!(
            resolve("rel", "."),
            Err(ExploreError::CwdNotAbsolute)
        ));
        let (_dir, _outside, cwd) = workspace();
        let err = resolve(&cwd, "nope.txt").expect_err("missing");
        assert!(matches!(err, ExploreError::NotFound { .. }));
        assert!(err.to_string().contains("nope.txt"), "{err}");
    }
}
