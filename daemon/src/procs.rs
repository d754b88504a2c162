//! The process ledger: which agent process groups this daemon started, kept
//! in `$PASEO_HOME/processes.json` so the *next* daemon can kill them.
//!
//! Why: agents run in their own process groups and get
//! `PR_SET_PDEATHSIG`, but the death signal only reaches the direct child.
//! When a daemon dies by SIGKILL (OOM killer, `kill -9`), the grandchildren
//! an agent started (npm wrappers, language servers, shells) live on. Each
//! group id is recorded while it runs, and a new daemon on the same home
//! (see [`ProcessLedger::reap_stale`], called right after the home lock is
//! taken) SIGTERMs, then SIGKILLs, every recorded group still alive.
//!
//! Killing a recycled number would hit an innocent process, so an entry is
//! only acted on when it still names *our* group:
//! - the file carries the kernel's boot id: after a reboot nothing recorded
//!   can be alive, so all entries are dropped;
//! - each entry keeps its leader's start time (`/proc/<pid>/stat`, field
//!   22): if a process with the leader's pid exists but started at another
//!   time, the pid was reused and the entry is dropped without a signal;
//! - if the leader is gone but the group still has members, those are our
//!   orphans: Linux never hands out a pid that is still in use as a process
//!   group id, so the number cannot have been recycled meanwhile.
//!
//! Writes are atomic (temp file + rename) but not fsynced: the ledger has
//! to survive the daemon dying, not the machine (after a crash nothing is
//! left to reap, and the boot id says so).
//!
//! # How an agent provider uses it
//! The ledger lives in `DaemonState::procs` (an `Arc<ProcessLedger>`,
//! created before providers start); hand a clone to whatever spawns agents.
//! 1. Spawn the agent with `process_group(0)` (so its pgid is its pid).
//! 2. Right after a successful spawn call
//!    `ledger.record(pgid, "acp:<provider> <agent id>")`. The label is for
//!    humans reading the log and the file; it must hold no secret.
//! 3. Call `ledger.forget(pgid)` only once the whole group is gone: after
//!    the leader was waited for *and* the group received its final SIGKILL
//!    (`AgentProcess::shutdown` or the `Drop` path). Forgetting earlier
//!    would leave grandchildren unrecorded if the daemon died right then;
//!    forgetting late is harmless.
//!
//! Both calls are cheap, synchronous and never fail: a ledger that cannot
//! be written is logged as a warning and the agent runs anyway.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::time_util::iso_now;

/// Name of the ledger file inside `$PASEO_HOME`.
pub const LEDGER_FILE: &str = "processes.json";

/// How long stale groups get to exit after SIGTERM before SIGKILL.
const TERM_GRACE: Duration = Duration::from_secs(3);

/// How often the reaper looks whether signalled groups are gone.
const POLL: Duration = Duration::from_millis(20);

/// Why the ledger could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ProcsError {
    /// The ledger file exists but cannot be read.
    #[error("cannot read the process ledger {}: {source}", path.display())]
    Read {
        /// `$PASEO_HOME/processes.json`.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// One recorded process group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Entry {
    pgid: i32,
    label: String,
    /// Leader start time in clock ticks since boot; `None` if the leader
    /// had already exited when it was recorded.
    start_time: Option<u64>,
    recorded_at: String,
}

/// The file's shape.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LedgerFile {
    #[serde(default)]
    boot_id: Option<String>,
    #[serde(default)]
    groups: Vec<Entry>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Left by a previous daemon; emptied by `reap_stale`.
    stale: Vec<Entry>,
    /// Started by this daemon and not yet forgotten.
    live: BTreeMap<i32, Entry>,
}

/// Agent process groups started by this daemon (and, until reaped, by the
/// previous one), persisted in `$PASEO_HOME/processes.json`.
#[derive(Debug)]
pub struct ProcessLedger {
    path: PathBuf,
    boot_id: Option<String>,
    inner: Mutex<Inner>,
}

impl ProcessLedger {
    /// Loads the ledger of `home` (missing file: empty). Entries from an
    /// earlier boot are dropped; the others wait for [`Self::reap_stale`].
    /// A corrupt file is logged and treated as empty.
    pub fn open(home: &Path) -> Result<Self, ProcsError> {
        let path = home.join(LEDGER_FILE);
        let boot_id = read_boot_id();
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str::<LedgerFile>(&text).unwrap_or_else(|err| {
                tracing::warn!(path = %path.display(), %err, "ignoring a corrupt process ledger");
                LedgerFile::default()
            }),
            Err(err) if err.kind() == ErrorKind::NotFound => LedgerFile::default(),
            Err(source) => return Err(ProcsError::Read { path, source }),
        };
        let stale = if file.boot_id.is_some() && file.boot_id == boot_id {
            file.groups
        } else {
            if !file.groups.is_empty() {
                tracing::info!(
                    count = file.groups.len(),
                    "process ledger is from an earlier boot; dropping it"
                );
            }
            Vec::new()
        };
        Ok(Self {
            path,
            boot_id,
            inner: Mutex::new(Inner {
                stale,
                live: BTreeMap::new(),
            }),
        })
    }

    /// Records a process group this daemon just started (see the module
    /// docs for when to call it).
    pub fn record(&self, pgid: i32, label: &str) {
        let entry = Entry {
            pgid,
            label: label.to_owned(),
            start_time: read_stat(pgid).map(|stat| stat.start_time),
            recorded_at: iso_now(),
        };
        let mut inner = self.lock();
        inner.live.insert(pgid, entry);
        self.persist(&inner);
    }

    /// Forgets a process group once all of it is gone.
    pub fn forget(&self, pgid: i32) {
        let mut inner = self.lock();
        if inner.live.remove(&pgid).is_some() {
            self.persist(&inner);
        }
    }

    /// Kills every group a previous daemon recorded that is still ours and
    /// alive: SIGTERM, up to 3 s to exit, then SIGKILL. Blocks meanwhile;
    /// returns how many groups were signalled.
    pub fn reap_stale(&self) -> usize {
        let stale = std::mem::take(&mut self.lock().stale);
        let own_group = own_pgid();
        let targets: Vec<Entry> = stale
            .into_iter()
            .filter(|entry| {
                let ours = entry.pgid > 1 && entry.pgid != own_group && still_ours(entry);
                if !ours {
                    tracing::debug!(pgid = entry.pgid, label = %entry.label, "stale ledger entry is gone or not ours");
                }
                ours
            })
            .collect();
        for entry in &targets {
            tracing::warn!(pgid = entry.pgid, label = %entry.label, "killing an agent process group left by a previous daemon");
            signal_group(entry.pgid, libc::SIGTERM);
        }
        let deadline = Instant::now() + TERM_GRACE;
        while targets.iter().any(|e| group_alive(e.pgid)) && Instant::now() < deadline {
            std::thread::sleep(POLL);
        }
        for entry in targets.iter().filter(|e| group_alive(e.pgid)) {
            tracing::warn!(pgid = entry.pgid, "group ignored SIGTERM; sending SIGKILL");
            signal_group(entry.pgid, libc::SIGKILL);
        }
        self.persist(&self.lock());
        targets.len()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes stale and live entries (stale ones stay recorded until
    /// reaped, in case this daemon dies first).
    fn persist(&self, inner: &Inner) {
        let file = LedgerFile {
            boot_id: self.boot_id.clone(),
            groups: inner
                .stale
                .iter()
                .chain(inner.live.values())
                .cloned()
                .collect(),
        };
        if let Err(err) = write_atomically(&self.path, &file) {
            tracing::warn!(path = %self.path.display(), %err, "cannot write the process ledger");
        }
    }
}

fn write_atomically(path: &Path, file: &LedgerFile) -> std::io::Result<()> {
    let text = serde_json::to_string_pretty(file).map_err(std::io::Error::other)?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

/// Whether a stale entry still names the group we started (module docs).
fn still_ours(entry: &Entry) -> bool {
    match read_stat(entry.pgid) {
        // Same leader (alive or a zombie): ours. Unknown start time: we
        // cannot tell a reused pid apart, so leave it alone.
        Some(stat) => entry.start_time == Some(stat.start_time),
        // Leader gone: any member left is an orphan of our group.
        None => group_alive(entry.pgid),
    }
}

/// The fields of `/proc/<pid>/stat` we need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stat {
    state: char,
    pgrp: i32,
    start_time: u64,
}

fn read_stat(pid: i32) -> Option<Stat> {
    parse_stat(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// Parses `pid (comm) state ppid pgrp ... starttime ...`; `comm` may hold
/// spaces and parentheses, so fields are counted from the last `)`.
fn parse_stat(text: &str) -> Option<Stat> {
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the comm: field 3 (state) is index 0, so field N is N - 3.
    Some(Stat {
        state: fields.first()?.chars().next()?,
        pgrp: fields.get(2)?.parse().ok()?,
        start_time: fields.get(19)?.parse().ok()?,
    })
}

/// Whether any non-zombie process is in group `pgid`. Zombies count as
/// gone: their parent (the dead daemon's successor, init) reaps them.
#[allow(
    unsafe_code,
    reason = "kill(2)/getpgrp(2) on process groups (see SAFETY)"
)]
fn group_alive(pgid: i32) -> bool {
    // SAFETY: kill(2) with signal 0 only checks that the group exists.
    if unsafe { libc::kill(-pgid, 0) } != 0 {
        return false;
    }
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return true;
    };
    dir.filter_map(Result::ok)
        .filter_map(|entry| entry.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(read_stat)
        .any(|stat| stat.pgrp == pgid && stat.state != 'Z')
}

#[allow(
    unsafe_code,
    reason = "kill(2)/getpgrp(2) on process groups (see SAFETY)"
)]
fn signal_group(pgid: i32, signal: i32) {
    // SAFETY: kill(2) with a negative pid signals only that process group;
    // `reap_stale` never passes 0, 1 or our own group.
    if unsafe { libc::kill(-pgid, signal) } != 0 {
        let err = std::io::Error::last_os_error();
        tracing::debug!(pgid, signal, %err, "signalling a stale group failed");
    }
}

#[allow(
    unsafe_code,
    reason = "kill(2)/getpgrp(2) on process groups (see SAFETY)"
)]
fn own_pgid() -> i32 {
    // SAFETY: getpgrp(2) has no arguments and cannot fail.
    unsafe { libc::getpgrp() }
}

fn read_boot_id() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
        .ok()
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_fields_are_counted_from_the_last_parenthesis() {
        let line = "4242 (we ird) (name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 200";
        assert_eq!(
            parse_stat(line),
            Some(Stat {
                state: 'S',
                pgrp: 4242,
                start_time: 987_654
            })
        );
        assert_eq!(parse_stat("12 (x) S 1"), None);
    }

    #[test]
    fn own_process_stat_is_readable() {
        let me = i32::try_from(std::process::id()).expect("pid fits i32");
        let stat = read_stat(me).expect("own stat");
        assert_eq!(stat.pgrp, own_pgid());
    }

    #[test]
    fn record_and_forget_persist_and_stale_entries_survive_until_reaped() {
        let home = tempfile::tempdir().expect("tempdir");
        let ledger = ProcessLedger::open(home.path()).expect("open");
        ledger.record(999_999, "first");
        ledger.record(999_998, "second");
        ledger.forget(999_999);
        drop(ledger);

        let reopened = ProcessLedger::open(home.path()).expect("reopen");
        let stale: Vec<i32> = reopened.lock().stale.iter().map(|e| e.pgid).collect();
        assert_eq!(stale, vec![999_998]);
        // Recording before reaping keeps the stale entry on disk.
        reopened.record(999_997, "third");
        let text = std::fs::read_to_string(home.path().join(LEDGER_FILE)).expect("file");
        assert!(text.contains("999998") && text.contains("999997"), "{text}");
        // Nothing alive under those numbers: nothing signalled, all dropped.
        assert_eq!(reopened.reap_stale(), 0);
        let text = std::fs::read_to_string(home.path().join(LEDGER_FILE)).expect("file");
        assert!(
            !text.contains("999998") && text.contains("999997"),
            "{text}"
        );
    }

    #[test]
    fn entries_from_another_boot_are_dropped_and_corrupt_files_ignored() {
        let home = tempfile::tempdir().expect("tempdir");
        let path = home.path().join(LEDGER_FILE);
        std::fs::write(
            &path,
            r#"{"bootId":"not-this-boot","groups":[{"pgid":5,"label":"x","startTime":1,"recordedAt":""}]}"#,
        )
        .expect("write");
        let ledger = ProcessLedger::open(home.path()).expect("open");
        assert!(ledger.lock().stale.is_empty());
        std::fs::write(&path, "{not json").expect("write");
        let ledger = ProcessLedger::open(home.path()).expect("open corrupt");
        assert!(ledger.lock().stale.is_empty());
    }
}
