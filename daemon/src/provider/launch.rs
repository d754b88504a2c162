//! Finding an agent's executable without running it.
//!
//! Availability is probed often (every providers snapshot), so it is a pure
//! filesystem lookup: extra directories first (the test agent lives next to
//! the daemon binary), then `PATH`. Some agents are npm wrappers around a
//! native binary; the codex wrapper orphans its native child on SIGTERM and
//! keeps stdout open (ACP notes §2.4), so when the native binary can be
//! found next to the wrapper we run it directly.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// How to locate and start one agent.
#[derive(Debug, Clone)]
pub struct Launch {
    /// A bare name (looked up) or a path (used as is).
    pub program: String,
    /// Arguments.
    pub args: Vec<String>,
    /// Extra environment for the agent.
    pub env: Vec<(String, String)>,
    /// Directories searched before `PATH`.
    pub search_dirs: Vec<PathBuf>,
    /// Replaces a found wrapper with the native binary it would run.
    pub native: Option<fn(&Path) -> Option<PathBuf>>,
}

impl Launch {
    /// A launch of `program` with `args`.
    pub fn new(program: &str, args: &[&str]) -> Self {
        Self {
            program: program.to_owned(),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            env: Vec::new(),
            search_dirs: Vec::new(),
            native: None,
        }
    }

    /// The executable to run, or a reason a user can act on.
    pub fn resolve(&self) -> Result<PathBuf, String> {
        let path = Path::new(&self.program);
        if path.components().count() > 1 {
            return if is_executable(path) {
                Ok(path.to_path_buf())
            } else {
                Err(format!(
                    "`{}` does not exist or is not executable",
                    self.program
                ))
            };
        }
        let found = self
            .search_dirs
            .iter()
            .map(|dir| dir.join(&self.program))
            .find(|candidate| is_executable(candidate))
            .or_else(|| find_on_path(&self.program));
        let Some(found) = found else {
            return Err(if self.search_dirs.is_empty() {
                format!("`{}` not found on PATH", self.program)
            } else {
                let dirs: Vec<_> = self
                    .search_dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect();
                format!(
                    "`{}` not found in {} or on PATH",
                    self.program,
                    dirs.join(", ")
                )
            });
        };
        Ok(self
            .native
            .and_then(|native| native(&found))
            .unwrap_or(found))
    }
}

/// The first executable `name` in `$PATH`.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

fn is_executable(path: &Path) -> bool {
    std::fs::metadata(path)
        .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// The native `codex-acp` binary of an npm install, found from the
/// wrapper (`…/bin/codex-acp` → `…/@zed-industries/codex-acp/bin/*.js`).
pub fn codex_native(wrapper: &Path) -> Option<PathBuf> {
    let real = std::fs::canonicalize(wrapper).ok()?;
    if !is_script(&real) {
        return None;
    }
    let platform = match (std::env::consts::OS, std::env::consts::ARCH) {
        ("linux", "x86_64") => "linux-x64",
        ("linux", "aarch64") => "linux-arm64",
        ("macos", "x86_64") => "darwin-x64",
        ("macos", "aarch64") => "darwin-arm64",
        _ => return None,
    };
    let package = format!("@zed-industries/codex-acp-{platform}");
    real.ancestors().skip(1).find_map(|dir| {
        [dir.join("node_modules").join(&package), dir.join(&package)]
            .into_iter()
            .map(|pkg| pkg.join("bin").join("codex-acp"))
            .find(|candidate| is_executable(candidate))
    })
}

fn is_script(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 2];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut head))
        .is_ok_and(|()| &head == b"#!")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make_executable(path: &Path, content: &str) {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(path, content).expect("write");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }

    #[test]
    fn search_dirs_come_first_and_reasons_name_the_program() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut launch = Launch::new("surely-not-an-agent-xyz", &[]);
        assert_eq!(
            launch.resolve(),
            Err("`surely-not-an-agent-xyz` not found on PATH".to_owned())
        );
        launch.search_dirs.push(dir.path().to_path_buf());
        assert!(
            launch
                .resolve()
                .is_err_and(|reason| reason.contains(&dir.path().display().to_string()))
        );
        make_executable(&dir.path().join("surely-not-an-agent-xyz"), "#!/bin/sh\n");
        assert_eq!(
            launch.resolve(),
            Ok(dir.path().join("surely-not-an-agent-xyz"))
        );
        assert!(Launch::new("/nonexistent/agent", &[]).resolve().is_err());
    }

    #[test]
    fn codex_wrapper_is_replaced_by_its_native_binary() {
        let dir = tempfile::tempdir().expect("tempdir");
        let modules = dir.path().join("lib/node_modules/@zed-industries");
        let script = modules.join("codex-acp/bin/codex-acp.js");
        make_executable(&script, "#!/usr/bin/env node\n");
        let Some(platform) = (match (std::env::consts::OS, std::env::consts::ARCH) {
            ("linux", "x86_64") => Some("linux-x64"),
            ("linux", "aarch64") => Some("linux-arm64"),
            _ => None,
        }) else {
            return;
        };
        let native = modules.join(format!("codex-acp-{platform}/bin/codex-acp"));
        make_executable(&native, "\x7fELF");
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).expect("mkdir");
        std::os::unix::fs::symlink(&script, bin.join("codex-acp")).expect("symlink");
        let found = codex_native(&bin.join("codex-acp")).map(|p| std::fs::canonicalize(p).ok());
        assert_eq!(found, Some(std::fs::canonicalize(&native).ok()));
        assert_eq!(codex_native(&native), None, "a native binary is used as is");
    }
}
