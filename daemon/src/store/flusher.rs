//! The store's background writer: batches fsyncs of timeline logs and
//! coalesces rewrites of `agent.json` records on one thread.
//!
//! Why a thread of its own: `fsync` can take milliseconds to seconds, and
//! streaming an agent's output must never wait for the disk. Rows are
//! written by the caller (so they are in the page cache before they are
//! broadcast); this thread only makes them durable, every `FLUSH_INTERVAL`
//! or after `FLUSH_BATCH` pending jobs, and immediately when someone waits
//! (a create or send is acknowledged only after its data is synced).

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use super::RECORD_FILE;

/// Longest time a written row stays un-fsynced.
pub(crate) const FLUSH_INTERVAL: Duration = Duration::from_millis(50);

/// Pending jobs that trigger a flush before the interval ends.
const FLUSH_BATCH: usize = 64;

/// Completion of a job someone waits for.
pub(crate) type Done = oneshot::Sender<std::io::Result<()>>;

/// Work for the flusher thread.
pub(crate) enum Job {
    /// A log got rows; fsync it at the next flush.
    Dirty { agent: String, file: Arc<File> },
    /// Write this record (the latest one per agent wins).
    Record {
        agent: String,
        dir: PathBuf,
        bytes: Vec<u8>,
        done: Option<Done>,
    },
    /// Flush everything pending now, then report.
    Flush { done: Done },
    /// Forget the agent's pending work and delete its directory.
    Remove {
        agent: String,
        dir: PathBuf,
        done: Option<Done>,
    },
}

/// Handle to the flusher thread; dropping every handle stops it after a
/// final flush.
#[derive(Debug, Clone)]
pub(crate) struct Flusher {
    tx: Sender<Job>,
}

impl Flusher {
    /// Starts the thread.
    pub(crate) fn spawn() -> std::io::Result<Self> {
        let (tx, rx) = channel();
        std::thread::Builder::new()
            .name("paseo-store-flush".into())
            .spawn(move || run(&rx))?;
        Ok(Self { tx })
    }

    /// Queues a job; a stopped thread (only at process exit) drops it.
    pub(crate) fn send(&self, job: Job) {
        if self.tx.send(job).is_err() {
            tracing::warn!("store flusher is gone; a write was dropped");
        }
    }

    /// Queues a job carrying `done` and waits for it.
    pub(crate) async fn wait(&self, make: impl FnOnce(Done) -> Job) -> std::io::Result<()> {
        let (done, result) = oneshot::channel();
        self.send(make(done));
        result
            .await
            .unwrap_or_else(|_| Err(std::io::Error::other("store flusher stopped")))
    }
}

#[derive(Default)]
struct Pending {
    logs: HashMap<String, Arc<File>>,
    records: HashMap<String, (PathBuf, Vec<u8>)>,
    waiters: Vec<Done>,
    errors: Vec<std::io::Error>,
}

impl Pending {
    fn count(&self) -> usize {
        self.logs.len() + self.records.len()
    }
}

fn run(rx: &Receiver<Job>) {
    let mut pending = Pending::default();
    let mut deadline: Option<Instant> = None;
    loop {
        let job = match deadline {
            Some(at) => rx.recv_timeout(at.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match job {
            Ok(job) => accept(job, &mut pending),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {
                flush(&mut pending);
                return;
            }
        }
        let due = deadline.is_some_and(|at| Instant::now() >= at);
        if due || !pending.waiters.is_empty() || pending.count() >= FLUSH_BATCH {
            flush(&mut pending);
            deadline = None;
        } else if deadline.is_none() && pending.count() > 0 {
            deadline = Some(Instant::now() + FLUSH_INTERVAL);
        }
    }
}

fn accept(job: Job, pending: &mut Pending) {
    match job {
        Job::Dirty { agent, file } => {
            pending.logs.insert(agent, file);
        }
        Job::Record {
            agent,
            dir,
            bytes,
            done,
        } => {
            pending.records.insert(agent, (dir, bytes));
            pending.waiters.extend(done);
        }
        Job::Flush { done } => pending.waiters.push(done),
        Job::Remove { agent, dir, done } => {
            pending.logs.remove(&agent);
            pending.records.remove(&agent);
            let result = match std::fs::remove_dir_all(&dir) {
                Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err),
                _ => Ok(()),
            };
            if let Err(err) = &result {
                tracing::error!(dir = %dir.display(), %err, "cannot remove agent directory");
            }
            if let Some(done) = done {
                let _ = done.send(result);
            }
        }
    }
}

fn flush(pending: &mut Pending) {
    for (agent, (dir, bytes)) in pending.records.drain() {
        if let Err(err) = write_record(&dir, &bytes) {
            tracing::error!(%agent, %err, "cannot write agent record");
            pending.errors.push(err);
        }
    }
    for (agent, file) in pending.logs.drain() {
        if let Err(err) = file.sync_data() {
            tracing::error!(%agent, %err, "cannot fsync timeline");
            pending.errors.push(err);
        }
    }
    let first_error = pending.errors.drain(..).next();
    for done in pending.waiters.drain(..) {
        let result = match &first_error {
            None => Ok(()),
            Some(err) => Err(std::io::Error::new(err.kind(), err.to_string())),
        };
        let _ = done.send(result);
    }
}

/// Replaces `dir/agent.json` atomically (temp file, fsync, rename). Never
/// creates `dir`: a record written after its agent was deleted just fails.
pub(crate) fn write_record(dir: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = dir.join(format!("{RECORD_FILE}.tmp"));
    let mut file = File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, dir.join(RECORD_FILE))
}
