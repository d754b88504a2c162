//! Running an agent as a child process that can always be stopped.
//!
//! Real agents make "close stdin and wait" useless (see the ACP notes, §2
//! and §5): codex-acp ignores stdin EOF, gemini ignores it while stuck, and
//! npm wrappers (codex, gemini's self-relaunch) leave a grandchild holding
//! stdout open after the wrapper dies. So every agent gets its own process
//! group (`process_group(0)`), shutdown signals the whole group (SIGTERM,
//! then SIGKILL after a grace period), leftovers in the group are killed
//! once the leader is gone, and on Linux the agent gets
//! `PR_SET_PDEATHSIG(SIGKILL)` so it dies with the daemon even if the
//! daemon is killed without cleanup. (The death signal follows the thread
//! that forked, which for tokio is a long-lived runtime thread; it covers
//! only the direct child, the group kill covers the rest.)
//!
//! stderr is drained line by line into `tracing` (agents block when a pipe
//! fills) and the last lines are kept to explain a crash.

use std::collections::VecDeque;
use std::fmt;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{ChildStderr, ChildStdin, ChildStdout, Command};
use tokio::sync::watch;

use crate::procs::ProcessLedger;

/// How many stderr lines are kept for error messages.
const STDERR_TAIL: usize = 20;

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentCommand {
    /// Resolved program path.
    pub program: PathBuf,
    /// Arguments after the program.
    pub args: Vec<String>,
    /// Extra environment (added to the daemon's own).
    pub env: Vec<(String, String)>,
    /// Working directory (the session cwd).
    pub cwd: PathBuf,
}

/// Why an agent could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// The program does not exist or is not executable.
    #[error("cannot run {program}: {source}")]
    Spawn {
        /// The program we tried.
        program: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// The child came without the pipes we asked for (should not happen).
    #[error("agent process has no {0} pipe")]
    MissingPipe(&'static str),
}

/// How the agent process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExitInfo {
    /// Exit code, when it exited normally.
    pub code: Option<i32>,
    /// Signal number, when a signal killed it.
    pub signal: Option<i32>,
}

impl fmt::Display for ExitInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.code, self.signal) {
            (Some(code), _) => write!(f, "exit code {code}"),
            (None, Some(signal)) => write!(f, "signal {signal}"),
            (None, None) => f.write_str("unknown status"),
        }
    }
}

/// The pipes of a freshly spawned agent, for the JSON-RPC client.
pub struct AgentPipes {
    /// Our requests go here.
    pub stdin: ChildStdin,
    /// The agent's messages come from here.
    pub stdout: ChildStdout,
}

/// A running agent process group. Dropping it SIGKILLs the group unless
/// [`AgentProcess::shutdown`] already ran.
pub struct AgentProcess {
    provider: String,
    pgid: i32,
    exit: watch::Receiver<Option<ExitInfo>>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    stopping: AtomicBool,
    done: AtomicBool,
}

impl AgentProcess {
    /// Spawns `command` in its own process group with piped stdio.
    /// With a `ledger`, the group is recorded while it lives so a daemon
    /// killed by SIGKILL has it reaped on its next start.
    pub fn spawn(
        provider: &str,
        command: &AgentCommand,
        ledger: Option<Arc<ProcessLedger>>,
    ) -> Result<(Self, AgentPipes), SpawnError> {
        let mut cmd = Command::new(&command.program);
        cmd.args(&command.args)
            .envs(command.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&command.cwd)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        set_parent_death_signal(&mut cmd);
        let mut child = cmd.spawn().map_err(|source| SpawnError::Spawn {
            program: command.program.display().to_string(),
            source,
        })?;
        let pid = child.id().and_then(|id| i32::try_from(id).ok());
        let (Some(pgid), Some(stdin), Some(stdout), Some(stderr)) = (
            pid,
            child.stdin.take(),
            child.stdout.take(),
            child.stderr.take(),
        ) else {
            let _ = child.start_kill();
            return Err(SpawnError::MissingPipe("stdio"));
        };
        tracing::info!(provider, pid = pgid, program = %command.program.display(), "agent started");
        if let Some(ledger) = &ledger {
            ledger.record(pgid, &format!("acp:{provider}"));
        }
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        tokio::spawn(drain_stderr(
            provider.to_owned(),
            stderr,
            stderr_tail.clone(),
        ));
        let (exit_tx, exit) = watch::channel(None);
        let who = provider.to_owned();
        tokio::spawn(async move {
            let info = match child.wait().await {
                Ok(status) => {
                    use std::os::unix::process::ExitStatusExt;
                    ExitInfo {
                        code: status.code(),
                        signal: status.signal(),
                    }
                }
                Err(err) => {
                    tracing::warn!(provider = %who, %err, "cannot wait for agent");
                    ExitInfo {
                        code: None,
                        signal: None,
                    }
                }
            };
            tracing::info!(provider = %who, pid = pgid, "agent exited ({info})");
            // Helpers the agent left behind would keep pipes open.
            kill_group(pgid, libc::SIGKILL);
            if let Some(ledger) = &ledger {
                ledger.forget(pgid);
            }
            let _ = exit_tx.send(Some(info));
        });
        let process = Self {
            provider: provider.to_owned(),
            pgid,
            exit,
            stderr_tail,
            stopping: AtomicBool::new(false),
            done: AtomicBool::new(false),
        };
        Ok((process, AgentPipes { stdin, stdout }))
    }

    /// The process group id (= the agent's pid).
    pub fn pgid(&self) -> i32 {
        self.pgid
    }

    /// Whether [`shutdown`](Self::shutdown) was called (an exit is then
    /// expected, not a crash).
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// How it ended, once it has.
    pub fn exit_info(&self) -> Option<ExitInfo> {
        *self.exit.borrow()
    }

    /// Resolves when the agent process has exited.
    pub async fn exited(&self) -> ExitInfo {
        let mut exit = self.exit.clone();
        match exit.wait_for(Option::is_some).await {
            Ok(info) => info.unwrap_or(ExitInfo {
                code: None,
                signal: None,
            }),
            // The watcher task is gone: the runtime is shutting down.
            Err(_) => ExitInfo {
                code: None,
                signal: None,
            },
        }
    }

    /// The last stderr lines, oldest first, joined by newlines.
    pub fn stderr_tail(&self) -> String {
        let tail = self
            .stderr_tail
            .lock()
            .map(|t| t.clone())
            .unwrap_or_default();
        Vec::from(tail).join("\n")
    }

    /// Kills the whole group at once (SIGKILL), for drops without shutdown.
    pub fn kill_now(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        kill_group(self.pgid, libc::SIGKILL);
    }

    /// Stops the whole group: SIGTERM, then SIGKILL after `grace`.
    pub async fn shutdown(&self, grace: Duration) {
        self.stopping.store(true, Ordering::SeqCst);
        if self.exit_info().is_none() {
            kill_group(self.pgid, libc::SIGTERM);
            if tokio::time::timeout(grace, self.exited()).await.is_err() {
                tracing::warn!(provider = %self.provider, pid = self.pgid, "agent ignored SIGTERM; killing its group");
                kill_group(self.pgid, libc::SIGKILL);
                let _ = tokio::time::timeout(Duration::from_secs(2), self.exited()).await;
            }
        }
        // The leader is gone; kill whatever else is left in its group.
        kill_group(self.pgid, libc::SIGKILL);
        self.done.store(true, Ordering::SeqCst);
    }
}

impl Drop for AgentProcess {
    fn drop(&mut self) {
        if !self.done.load(Ordering::SeqCst) {
            kill_group(self.pgid, libc::SIGKILL);
        }
    }
}

/// Sends `signal` to process group `pgid`; a group that is already gone is
/// fine.
#[allow(
    unsafe_code,
    reason = "libc calls on our own agent process groups (see SAFETY)"
)]
fn kill_group(pgid: i32, signal: i32) {
    if pgid <= 1 {
        return;
    }
    // SAFETY: kill(2) with a negative pid only signals that process group.
    let rc = unsafe { libc::kill(-pgid, signal) };
    if rc != 0 {
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::ESRCH) {
            tracing::debug!(pgid, signal, %err, "cannot signal agent group");
        }
    }
}

/// Whether any process of group `pgid` is still alive (or a zombie).
#[allow(
    unsafe_code,
    reason = "libc calls on our own agent process groups (see SAFETY)"
)]
pub fn group_exists(pgid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    unsafe { libc::kill(-pgid, 0) == 0 }
}

#[cfg(target_os = "linux")]
#[allow(
    unsafe_code,
    reason = "libc calls on our own agent process groups (see SAFETY)"
)]
fn set_parent_death_signal(cmd: &mut Command) {
    // SAFETY: getpid is async-signal-safe.
    let parent = unsafe { libc::getpid() };
    // SAFETY: the closure runs between fork and exec and only calls
    // async-signal-safe functions (prctl, getppid).
    unsafe {
        cmd.pre_exec(move || {
            if libc::prctl(
                libc::PR_SET_PDEATHSIG,
                libc::SIGKILL as libc::c_ulong,
                0,
                0,
                0,
            ) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            // The daemon may have died before prctl took effect.
            if libc::getppid() != parent {
                return Err(std::io::Error::other("daemon exited while starting agent"));
            }
            Ok(())
        });
    }
}

#[cfg(not(target_os = "linux"))]
fn set_parent_death_signal(_cmd: &mut Command) {}

async fn drain_stderr(provider: String, stderr: ChildStderr, tail: Arc<Mutex<VecDeque<String>>>) {
    // Bytes, not `lines()`: invalid UTF-8 must not stop the draining, or
    // the agent blocks once the pipe fills.
    let mut reader = BufReader::new(stderr);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) => break,
            Ok(_) => {
                let line = strip_ansi(String::from_utf8_lossy(&buf).trim_end_matches(['\r', '\n']));
                if line.trim().is_empty() {
                    continue;
                }
                let lower = line.to_ascii_lowercase();
                if lower.contains("error") || lower.contains("panic") {
                    tracing::info!(provider = %provider, "agent stderr: {line}");
                } else {
                    tracing::debug!(provider = %provider, "agent stderr: {line}");
                }
                if let Ok(mut tail) = tail.lock() {
                    if tail.len() == STDERR_TAIL {
                        tail.pop_front();
                    }
                    tail.push_back(line);
                }
            }
            Err(err) => {
                tracing::debug!(provider = %provider, %err, "agent stderr unreadable");
                break;
            }
        }
    }
}

/// Removes ANSI escape sequences (codex colours its logs even with TERM=dumb).
fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_codes_are_removed() {
        assert_eq!(
            strip_ansi("\u{1b}[2m2026\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m x"),
            "2026  INFO x"
        );
    }

    fn sh(script: &str) -> AgentCommand {
        AgentCommand {
            program: "/bin/sh".into(),
            args: vec!["-c".into(), script.into()],
            env: Vec::new(),
            cwd: std::env::temp_dir(),
        }
    }

    #[tokio::test]
    async fn shutdown_kills_the_whole_group_even_if_sigterm_is_ignored() {
        // The shell ignores SIGTERM and leaves a grandchild that does too.
        let (process, _pipes) = AgentProcess::spawn(
            "t",
            &sh("trap '' TERM; sleep 30 & echo started >&2; wait"),
            None,
        )
        .expect("spawn");
        let pgid = process.pgid();
        assert!(group_exists(pgid));
        // Only once the trap is set is SIGTERM really ignored.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while process.stderr_tail().is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let started = tokio::time::Instant::now();
        process.shutdown(Duration::from_millis(200)).await;
        assert!(started.elapsed() < Duration::from_secs(3));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        while group_exists(pgid) && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(!group_exists(pgid), "group {pgid} still alive");
        assert_eq!(
            process.exit_info().and_then(|e| e.signal),
            Some(libc::SIGKILL)
        );
    }

    #[tokio::test]
    async fn exit_and_stderr_are_reported() {
        let (process, _pipes) = AgentProcess::spawn(
            "t",
            &sh("echo 'boom: \u{1b}[31mError\u{1b}[0m' >&2; exit 3"),
            None,
        )
        .expect("spawn");
        let info = tokio::time::timeout(Duration::from_secs(5), process.exited())
            .await
            .expect("exits");
        assert_eq!(info.code, Some(3));
        assert_eq!(info.to_string(), "exit code 3");
        let deadline = tokio::time::Instant::now() + Duration::from_secs(2);
        while process.stderr_tail().is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(process.stderr_tail(), "boom: Error");
    }

    #[tokio::test]
    async fn a_missing_program_is_a_spawn_error() {
        let mut command = sh("");
        command.program = "/nonexistent/agent".into();
        assert!(matches!(
            AgentProcess::spawn("t", &command, None),
            Err(SpawnError::Spawn { .. })
        ));
    }
}
