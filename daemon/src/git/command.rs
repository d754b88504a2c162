//! Running the `git` CLI: the one place that spawns git, so every call gets
//! the same safety settings.
//!
//! Why the CLI and not libgit2: it is what the user's own tools use (same
//! config, hooks-free read commands, same ignore rules and index format),
//! and it adds no native dependency. Every call has a timeout and is killed
//! when dropped, so a hung git (network filesystem, huge repo) cannot wedge
//! a session. `GIT_OPTIONAL_LOCKS=0` keeps our polling `git status` from
//! taking `index.lock` under the user's feet.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use super::GitError;

/// Longest a single git command may run.
pub(crate) const GIT_TIMEOUT: Duration = Duration::from_secs(30);

/// Largest stdout accepted from one git command (a diff of a huge tree).
const MAX_OUTPUT_BYTES: usize = 64 * 1024 * 1024;

/// What a git command printed, and whether it succeeded.
#[derive(Debug)]
pub(crate) struct GitOutput {
    /// Exit status 0.
    pub success: bool,
    /// Raw stdout (at most [`MAX_OUTPUT_BYTES`]; more is an error).
    pub stdout: Vec<u8>,
    /// Lossy stderr, trimmed.
    pub stderr: String,
}

impl GitOutput {
    /// Stdout as text (lossy), trimmed of the final newline.
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout)
            .trim_end_matches(['\n', '\r'])
            .to_owned()
    }

    /// The stdout text when the command succeeded, else `None`.
    pub(crate) fn ok_text(&self) -> Option<String> {
        self.success.then(|| self.text())
    }
}

/// Runs `git -C dir <args>` and collects its output. Fails only when git
/// cannot run, times out or prints too much; a non-zero exit is reported in
/// [`GitOutput::success`].
pub(crate) async fn git(dir: &Path, args: &[&str]) -> Result<GitOutput, GitError> {
    let mut command = Command::new("git");
    command
        .arg("-C")
        .arg(dir)
        .args(["-c", "core.quotepath=false", "-c", "color.ui=false"])
        .args(args)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let child = command.spawn().map_err(GitError::Spawn)?;
    let output = tokio::time::timeout(GIT_TIMEOUT, child.wait_with_output())
        .await
        .map_err(|_| GitError::Timeout {
            command: args.first().copied().unwrap_or_default().to_owned(),
        })?
        .map_err(GitError::Spawn)?;
    if output.stdout.len() > MAX_OUTPUT_BYTES {
        return Err(GitError::OutputTooLarge {
            command: args.first().copied().unwrap_or_default().to_owned(),
        });
    }
    let result = GitOutput {
        success: output.status.success(),
        stdout: output.stdout,
        stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
    };
    if !result.success {
        tracing::debug!(dir = %dir.display(), ?args, stderr = %result.stderr, "git exited non-zero");
    }
    Ok(result)
}

/// Like [`git`], but a non-zero exit is an error carrying stderr.
pub(crate) async fn git_ok(dir: &Path, args: &[&str]) -> Result<GitOutput, GitError> {
    let output = git(dir, args).await?;
    if output.success {
        Ok(output)
    } else {
        Err(GitError::Failed {
            command: args.first().copied().unwrap_or_default().to_owned(),
            stderr: output.stderr,
        })
    }
}
