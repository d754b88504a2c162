//! The durable agent store under `$PASEO_HOME/agents/<agent-id>/`:
//! `agent.json` (the [`AgentRecord`]) and `timeline.jsonl` (the append-only
//! [`TimelineLog`]).
//!
//! Why one directory per agent: deleting an agent is one `remove_dir_all`,
//! a corrupt agent cannot take the others down at load, and nothing ever
//! rewrites a shared file. Records are small and rewritten whole
//! (atomically); timelines only grow. Loading also repairs what a crash
//! leaves behind: a torn last timeline line is cut off, an agent that was
//! `running` becomes `error` ("daemon restarted mid-turn") and its pending
//! permissions expire, because the turn that asked for them is gone; an
//! acknowledged message whose turn never started gets an `error` row and
//! the agent `error` ("not run: the daemon restarted").
//!
//! Why loading reads only the records: which agents need a repair is in
//! the record (its `status`, `pendingPermissions` and `unstartedMessage`),
//! and only those need a timeline row (the lost-turn or unrun-message note). Every other log is
//! indexed, and a torn last line cut, the first time it is used (see
//! `log::TimelineLog`), so start-up time does not grow with timeline size.

mod flusher;
pub(crate) mod log;
pub(crate) mod record;

use std::path::{Path, PathBuf};

use protocol::{AgentStatus, AttentionReason, TimelineItem};

pub(crate) use flusher::{Flusher, Job};
pub(crate) use log::{LogLine, TimelineLog};
pub(crate) use record::{AgentRecord, RECORD_VERSION};

use crate::time_util::iso_now;

/// Directory of all agents inside `$PASEO_HOME`.
pub(crate) const AGENTS_DIR: &str = "agents";

/// File name of an agent's record.
pub(crate) const RECORD_FILE: &str = "agent.json";

/// `lastError` of an agent whose turn was cut short by a daemon restart.
pub(crate) const RESTARTED_MID_TURN: &str = "daemon restarted mid-turn";

/// `lastError` of an agent whose acknowledged message never started its
/// turn because the daemon stopped first.
pub(crate) const NOT_RUN_RESTARTED: &str = "not run: the daemon restarted";

/// Why the store could not do something.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A file operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Something could not be serialised (a bug).
    #[error("cannot encode {}: {message}", path.display())]
    Encode {
        /// Where it was going.
        path: PathBuf,
        /// What serde said.
        message: String,
    },
}

impl StoreError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// An agent as loaded from disk.
#[derive(Debug)]
pub(crate) struct LoadedAgent {
    /// Its record, already repaired (see the module docs).
    pub record: AgentRecord,
    /// Its timeline.
    pub log: TimelineLog,
    /// Whether loading changed the record (the caller persists it).
    pub repaired: bool,
}

/// The agent store of one `$PASEO_HOME`.
#[derive(Debug)]
pub(crate) struct Store {
    root: PathBuf,
    flusher: Flusher,
}

impl Store {
    /// Opens (creating if needed) `home/agents` and loads every agent.
    /// Unreadable agents are logged and skipped, never fatal.
    pub(crate) fn open(home: &Path) -> Result<(Self, Vec<LoadedAgent>), StoreError> {
        let root = home.join(AGENTS_DIR);
        std::fs::create_dir_all(&root).map_err(|source| StoreError::io(&root, source))?;
        let flusher = Flusher::spawn().map_err(|source| StoreError::io(&root, source))?;
        let store = Self { root, flusher };
        let mut dirs = Vec::new();
        let entries =
            std::fs::read_dir(&store.root).map_err(|source| StoreError::io(&store.root, source))?;
        for entry in entries {
            let entry = entry.map_err(|source| StoreError::io(&store.root, source))?;
            // `file_type` comes from the directory entry: no stat per agent.
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                dirs.push(entry.path());
            }
        }
        let mut agents = load_agents(&dirs);
        // Written before anything else happens, so a second crash cannot
        // repeat the repair (and its timeline note).
        for agent in &mut agents {
            if agent.repaired {
                let dir = store.dir(&agent.record.id);
                let bytes = encode(&dir, &agent.record)?;
                flusher::write_record(&dir, &bytes)
                    .map_err(|source| StoreError::io(&dir, source))?;
                if let Some(file) = agent.log.file() {
                    file.sync_data()
                        .map_err(|source| StoreError::io(&dir, source))?;
                }
                agent.log.release();
            }
        }
        Ok((store, agents))
    }

    /// Directory of one agent.
    pub(crate) fn dir(&self, agent_id: &str) -> PathBuf {
        self.root.join(agent_id)
    }

    /// Creates a new agent's directory, empty log and record, all fsynced
    /// before returning (a create is acknowledged only after this).
    pub(crate) async fn create(&self, record: &AgentRecord) -> Result<TimelineLog, StoreError> {
        let dir = self.dir(&record.id);
        std::fs::create_dir(&dir).map_err(|source| StoreError::io(&dir, source))?;
        let mut log = TimelineLog::create(&dir, &record.epoch)?;
        let bytes = encode(&dir, record)?;
        let root = self.root.clone();
        let file = log.file().cloned();
        // A new agent is idle: it keeps no descriptor once the log is durable.
        log.release();
        tokio::task::spawn_blocking(move || -> std::io::Result<()> {
            flusher::write_record(&dir, &bytes)?;
            if let Some(file) = file {
                file.sync_all()?;
            }
            std::fs::File::open(&dir)?.sync_all()?;
            std::fs::File::open(&root)?.sync_all()
        })
        .await
        .map_err(|err| StoreError::io(&self.root, std::io::Error::other(err)))?
        .map_err(|source| StoreError::io(&self.root, source))?;
        Ok(log)
    }

    /// Queues a rewrite of the record (coalesced, written within
    /// [`flusher::FLUSH_INTERVAL`]).
    pub(crate) fn save(&self, record: &AgentRecord) {
        let dir = self.dir(&record.id);
        match encode(&dir, record) {
            Ok(bytes) => self.flusher.send(Job::Record {
                agent: record.id.clone(),
                dir,
                bytes,
                done: None,
            }),
            Err(err) => tracing::error!(%err, "cannot encode an agent record"),
        }
    }

    /// Marks a log as having unsynced rows.
    pub(crate) fn mark_dirty(&self, agent_id: &str, log: &TimelineLog) {
        if let Some(file) = log.file() {
            self.flusher.send(Job::Dirty {
                agent: agent_id.to_owned(),
                file: file.clone(),
            });
        }
    }

    /// Makes everything written so far durable, then returns.
    pub(crate) async fn sync(&self) -> Result<(), StoreError> {
        self.flusher
            .wait(|done| Job::Flush { done })
            .await
            .map_err(|source| StoreError::io(&self.root, source))
    }

    /// Deletes an agent's directory (after any pending writes for it are
    /// dropped).
    pub(crate) async fn remove(&self, agent_id: &str) -> Result<(), StoreError> {
        let dir = self.dir(agent_id);
        self.flusher
            .wait(|done| Job::Remove {
                agent: agent_id.to_owned(),
                dir: dir.clone(),
                done: Some(done),
            })
            .await
            .map_err(|source| StoreError::io(&dir, source))
    }
}

fn encode(dir: &Path, record: &AgentRecord) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec_pretty(record).map_err(|err| StoreError::Encode {
        path: dir.join(RECORD_FILE),
        message: err.to_string(),
    })
}

/// Homes with fewer agents than this load on the calling thread.
const PARALLEL_LOAD_MIN: usize = 128;

/// A record larger than this is not one of ours (records are a few KiB).
const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

/// Loads agent directories, skipping (and logging) those that fail. Big
/// homes are split over up to 4 threads: start-up time is mostly opening,
/// reading and parsing ~1,000 small files, which parallelises well.
fn load_agents(dirs: &[PathBuf]) -> Vec<LoadedAgent> {
    fn load_all(dirs: &[PathBuf]) -> Vec<LoadedAgent> {
        // One buffer for every record: no allocation (and no page faults
        // for fresh memory) per agent.
        let mut buffer = Vec::with_capacity(8 * 1024);
        dirs.iter()
            .filter_map(|dir| match load_agent(dir, &mut buffer) {
                Ok(agent) => agent,
                Err(err) => {
                    tracing::error!(dir = %dir.display(), %err, "skipping an agent that cannot be loaded");
                    None
                }
            })
            .collect()
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 4);
    if threads == 1 || dirs.len() < PARALLEL_LOAD_MIN {
        return load_all(dirs);
    }
    let chunk = dirs.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let workers: Vec<_> = dirs
            .chunks(chunk)
            .map(|part| scope.spawn(move || load_all(part)))
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| {
                worker.join().unwrap_or_else(|_| {
                    tracing::error!("an agent loading thread panicked; its agents are skipped");
                    Vec::new()
                })
            })
            .collect()
    })
}

/// Loads one agent directory; `Ok(None)` for a directory without a record
/// (a create that died before writing it).
fn load_agent(dir: &Path, buffer: &mut Vec<u8>) -> Result<Option<LoadedAgent>, StoreError> {
    use std::io::Read;
    let path = dir.join(RECORD_FILE);
    buffer.clear();
    // `take` also skips the `fstat` that `File::read_to_end` does to size
    // its buffer (one syscall per agent).
    match std::fs::File::open(&path)
        .and_then(|file| file.take(MAX_RECORD_BYTES).read_to_end(buffer))
    {
        Ok(_) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            tracing::warn!(dir = %dir.display(), "agent directory without a record; ignoring it");
            return Ok(None);
        }
        Err(source) => return Err(StoreError::io(&path, source)),
    }
    let mut record: AgentRecord =
        serde_json::from_slice(buffer).map_err(|err| StoreError::Encode {
            path: path.clone(),
            message: format!("not an agent record: {err}"),
        })?;
    // The timeline is not read here (see `TimelineLog`): only an agent the
    // crash caught mid-turn needs a row now, and `append` indexes (and
    // repairs) its log on the way.
    let mut log = TimelineLog::deferred(dir, &record.epoch);
    let repaired = repair(&mut record, &mut log);
    Ok(Some(LoadedAgent {
        record,
        log,
        repaired,
    }))
}

/// Applies the restart rules to a loaded agent; true if anything changed.
fn repair(record: &mut AgentRecord, log: &mut TimelineLog) -> bool {
    let mut changed = false;
    let now = iso_now();
    let expired: Vec<String> = record
        .pending_permissions
        .drain(..)
        .map(|permission| permission.title.unwrap_or(permission.name))
        .collect();
    if !expired.is_empty() {
        changed = true;
    }
    // A message acknowledged whose turn never started: say so, never run
    // it silently later (nor twice: its row keeps its `messageId`).
    if record.unstarted_message.take().is_some() {
        changed = true;
        if record.status != AgentStatus::Running {
            let message = format!("The message was {NOT_RUN_RESTARTED}.");
            if let Err(err) = log.append(now.clone(), TimelineItem::Error { message }) {
                tracing::error!(agent = %record.id, %err, "cannot note the unrun message in the timeline");
            }
            record.status = AgentStatus::Error;
            record.last_error = Some(NOT_RUN_RESTARTED.to_owned());
            record.requires_attention = true;
            record.attention_reason = Some(AttentionReason::Error);
            record.attention_timestamp = Some(now.clone());
        }
    }
    match record.status {
        AgentStatus::Running => {
            let mut message = format!("The {RESTARTED_MID_TURN}; the turn was lost.");
            if !expired.is_empty() {
                message.push_str(&format!(
                    " Pending permission requests expired: {}.",
                    expired.join(", ")
                ));
            }
            if let Err(err) = log.append(now.clone(), TimelineItem::Error { message }) {
                tracing::error!(agent = %record.id, %err, "cannot note the lost turn in the timeline");
            }
            record.status = AgentStatus::Error;
            record.last_error = Some(RESTARTED_MID_TURN.to_owned());
            record.requires_attention = true;
            record.attention_reason = Some(AttentionReason::Error);
            record.attention_timestamp = Some(now.clone());
            changed = true;
        }
        // No session survives a restart; "initializing" was a start that
        // never finished and will be retried lazily.
        AgentStatus::Initializing => {
            record.status = AgentStatus::Idle;
            changed = true;
        }
        _ => {}
    }
    if changed {
        record.updated_at = now;
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> AgentRecord {
        AgentRecord {
            version: RECORD_VERSION,
            id: id.into(),
            provider: "test".into(),
            cwd: "/tmp".into(),
            model: None,
            mode_id: None,
            thinking_option_id: None,
            title: None,
            labels: Default::default(),
            created_at: iso_now(),
            updated_at: iso_now(),
            last_user_message_at: None,
            archived_at: None,
            persistence: None,
            status: AgentStatus::Idle,
            last_error: None,
            requires_attention: false,
            attention_reason: None,
            attention_timestamp: None,
            pending_permissions: Vec::new(),
            last_usage: None,
            available_modes: Vec::new(),
            unstarted_message: None,
            epoch: "ep".into(),
        }
    }

    #[tokio::test]
    async fn created_agents_load_back_and_removed_ones_do_not() {
        let home = tempfile::tempdir().expect("tempdir");
        let (store, loaded) = Store::open(home.path()).expect("open");
        assert!(loaded.is_empty());
        let mut log = store.create(&record("a1")).await.expect("create a1");
        log.append(
            iso_now(),
            TimelineItem::AssistantMessage { text: "hi".into() },
        )
        .expect("append");
        store.create(&record("a2")).await.expect("create a2");
        let mut changed = record("a1");
        changed.title = Some("renamed".into());
        store.save(&changed);
        store.sync().await.expect("sync");
        store.remove("a2").await.expect("remove");
        drop(store);

        let (_store, loaded) = Store::open(home.path()).expect("reopen");
        assert_eq!(loaded.len(), 1);
        assert_eq!(loaded[0].record.title.as_deref(), Some("renamed"));
        assert_eq!(loaded[0].log.index().expect("index").len(), 1);
        assert!(!loaded[0].repaired);
    }

    #[tokio::test]
    async fn running_agents_become_errors_and_permissions_expire() {
        let home = tempfile::tempdir().expect("tempdir");
        let (store, _) = Store::open(home.path()).expect("open");
        let mut running = record("r");
        running.status = AgentStatus::Running;
        running
            .pending_permissions
            .push(protocol::PermissionRequest {
                id: "p1".into(),
                provider: "test".into(),
                name: "edit".into(),
                kind: protocol::PermissionKind::Tool,
                title: Some("Edit notes.md".into()),
                description: None,
                input: None,
                detail: None,
                suggestions: None,
                actions: None,
                metadata: None,
            });
        store.create(&running).await.expect("create");
        drop(store);

        let (store, loaded) = Store::open(home.path()).expect("reopen");
        let agent = &loaded[0];
        assert!(agent.repaired);
        assert_eq!(agent.record.status, AgentStatus::Error);
        assert_eq!(agent.record.last_error.as_deref(), Some(RESTARTED_MID_TURN));
        assert!(agent.record.pending_permissions.is_empty());
        let rows = agent.log.read(0, 10).expect("read");
        match &rows[0].item {
            TimelineItem::Error { message } => {
                assert!(message.contains("Edit notes.md"), "{message}")
            }
            other => panic!("unexpected {other:?}"),
        }
        drop(store);
        let (_store, loaded) = Store::open(home.path()).expect("third open");
        assert!(!loaded[0].repaired, "the repair was persisted");
    }

    #[tokio::test]
    async fn loading_reads_no_timeline_and_first_use_repairs_a_torn_line() {
        let home = tempfile::tempdir().expect("tempdir");
        let (store, _) = Store::open(home.path()).expect("open");
        let mut log = store.create(&record("idle")).await.expect("create");
        for text in ["a", "b"] {
            log.append(
                iso_now(),
                TimelineItem::AssistantMessage { text: text.into() },
            )
            .expect("append");
        }
        store.sync().await.expect("sync");
        drop(store);
        let path = home
            .path()
            .join(AGENTS_DIR)
            .join("idle")
            .join(log::LOG_FILE);
        let good = std::fs::metadata(&path).expect("meta").len();
        let mut torn = std::fs::read(&path).expect("read");
        torn.extend_from_slice(br#"{"seq":3,"epoch":"ep","tim"#);
        std::fs::write(&path, &torn).expect("tear");

        let (_store, mut loaded) = Store::open(home.path()).expect("reopen");
        let agent = &mut loaded[0];
        assert!(!agent.repaired);
        assert!(
            !agent.log.is_indexed(),
            "loading an idle agent reads no log"
        );
        assert_eq!(
            std::fs::metadata(&path).expect("meta").len(),
            torn.len() as u64,
            "nothing touched the log yet"
        );
        assert_eq!(agent.log.index().expect("index").len(), 2);
        assert_eq!(
            std::fs::metadata(&path).expect("meta").len(),
            good,
            "torn line cut"
        );
        let line = agent
            .log
            .append(
                iso_now(),
                TimelineItem::AssistantMessage { text: "c".into() },
            )
            .expect("append");
        assert_eq!(line.seq, 3);
        let rows = agent.log.read(0, 10).expect("read");
        assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[tokio::test]
    async fn a_home_big_enough_to_load_in_parallel_loads_every_agent_once() {
        let home = tempfile::tempdir().expect("tempdir");
        let (store, _) = Store::open(home.path()).expect("open");
        let count = PARALLEL_LOAD_MIN + 20;
        for i in 0..count {
            let mut agent = record(&format!("a{i:04}"));
            if i == 7 {
                agent.status = AgentStatus::Running;
            }
            store.create(&agent).await.expect("create");
        }
        // Not an agent: ignored.
        std::fs::write(home.path().join(AGENTS_DIR).join("stray.txt"), b"x").expect("stray");
        drop(store);
        let (_store, loaded) = Store::open(home.path()).expect("reopen");
        let mut ids: Vec<&str> = loaded.iter().map(|a| a.record.id.as_str()).collect();
        ids.sort_unstable();
        let expected: Vec<String> = (0..count).map(|i| format!("a{i:04}")).collect();
        assert_eq!(ids, expected.iter().map(String::as_str).collect::<Vec<_>>());
        let repaired: Vec<&str> = loaded
            .iter()
            .filter(|a| a.repaired)
            .map(|a| a.record.id.as_str())
            .collect();
        assert_eq!(repaired, ["a0007"]);
        assert!(
            loaded.iter().filter(|a| a.log.is_indexed()).count() == 1,
            "only the repaired agent's log was read"
        );
    }
}
