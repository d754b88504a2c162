//! Harness for driving `paseo-test-agent` through `AcpProvider`: one
//! private agent home and cwd per test, deadlines on every wait, and a way
//! to find the agent's process groups (via `/proc`, by the unique home in
//! their environment) to prove they are gone afterwards.

#![allow(
    unsafe_code,
    reason = "getpgid(2)/kill(2) probes of agent processes this test started"
)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::time::Duration;

use daemon::provider::acp::{AcpProvider, AcpProviderConfig, AcpTimeouts};
use daemon::provider::launch::Launch;
use daemon::provider::{
    AgentSession, OpenSession, OpenedSession, Provider, ProviderInfo, SessionEvent,
};
use protocol::{PermissionRequest, PermissionResponse, TimelineItem, ToolCallItem};
use tokio::sync::{mpsc, oneshot};

/// Upper bound for any single step.
const STEP: Duration = Duration::from_secs(20);

/// The built agent binary, or a panic saying how to build it.
pub fn agent_binary() -> PathBuf {
    let from_env = std::env::var_os("CARGO_TARGET_DIR")
        .map(|dir| PathBuf::from(dir).join("debug/paseo-test-agent"));
    // Test executables live in target/debug/deps.
    let from_exe = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("paseo-test-agent")));
    from_env
        .into_iter()
        .chain(from_exe)
        .find(|path| path.is_file())
        .unwrap_or_else(|| {
            panic!(
                "paseo-test-agent is not built: run `cargo build -p test-agent` with the same CARGO_TARGET_DIR first"
            )
        })
}

/// One test's agent home, cwd, provider settings and event stream.
pub struct Harness {
    pub timeouts: AcpTimeouts,
    home: tempfile::TempDir,
    cwd: tempfile::TempDir,
    events_tx: mpsc::UnboundedSender<SessionEvent>,
    events: mpsc::UnboundedReceiver<SessionEvent>,
    /// Events seen but not consumed yet.
    seen: Vec<SessionEvent>,
}

impl Harness {
    pub fn new() -> Self {
        let (events_tx, events) = mpsc::unbounded_channel();
        Self {
            timeouts: AcpTimeouts {
                initialize: Duration::from_secs(10),
                request: Duration::from_secs(10),
                prompt_idle: Duration::from_secs(10),
                cancel_grace: Duration::from_secs(2),
                shutdown_grace: Duration::from_secs(2),
            },
            home: tempfile::tempdir().expect("tempdir"),
            cwd: tempfile::tempdir().expect("tempdir"),
            events_tx,
            events,
            seen: Vec::new(),
        }
    }

    pub fn cwd(&self) -> &Path {
        self.cwd.path()
    }

    fn provider(&self) -> AcpProvider {
        let mut launch = Launch::new(&agent_binary().to_string_lossy(), &[]);
        launch.env.push((
            "PASEO_TEST_AGENT_HOME".into(),
            self.home.path().to_string_lossy().into_owned(),
        ));
        AcpProvider::new(AcpProviderConfig {
            info: ProviderInfo {
                id: "test".into(),
                label: "Test agent (offline)".into(),
                description: None,
                default_mode_id: Some("default".into()),
                modes: Vec::new(),
                models: Vec::new(),
                supports_resume: true,
            },
            launch,
            auth_hint: Some(
                "The test agent refuses on purpose when a prompt contains FAIL_AUTH.".into(),
            ),
            timeouts: self.timeouts.clone(),
        })
    }

    pub async fn open(&mut self, resume: Option<String>) -> OpenedSession {
        let request = OpenSession {
            cwd: self.cwd.path().to_path_buf(),
            mode_id: None,
            model: None,
            resume_session_id: resume,
            events: self.events_tx.clone(),
        };
        let started = std::time::Instant::now();
        let opened = self
            .within(self.provider().open(request))
            .await
            .expect("open");
        println!("open latency: {:?}", started.elapsed());
        opened
    }

    /// Awaits `future` with the step deadline.
    pub async fn within<T>(&self, future: impl Future<Output = T>) -> T {
        tokio::time::timeout(STEP, future)
            .await
            .expect("step deadline passed")
    }

    pub async fn shutdown(&self, session: Box<dyn AgentSession>) {
        self.within(session.shutdown()).await;
    }

    async fn next_event(&mut self) -> SessionEvent {
        match tokio::time::timeout(STEP, self.events.recv()).await {
            Ok(Some(event)) => event,
            Ok(None) => panic!("event channel closed"),
            Err(_) => panic!("no event in time; seen so far: {:?}", self.seen),
        }
    }

    /// The next permission request (other events are kept).
    pub async fn permission(&mut self) -> (PermissionRequest, oneshot::Sender<PermissionResponse>) {
        loop {
            match self.next_event().await {
                SessionEvent::Permission { request, reply } => return (request, reply),
                other => self.seen.push(other),
            }
        }
    }

    /// Waits for the first assistant chunk of the running turn.
    pub async fn first_assistant_chunk(&mut self) {
        loop {
            let event = self.next_event().await;
            let done = matches!(
                event,
                SessionEvent::Item(TimelineItem::AssistantMessage { .. })
            );
            self.seen.push(event);
            if done {
                return;
            }
        }
    }

    /// Waits for `Exited` and returns its error.
    pub async fn exited(&mut self) -> Option<String> {
        loop {
            match self.next_event().await {
                SessionEvent::Exited { error } => return error,
                other => self.seen.push(other),
            }
        }
    }

    /// Every item received so far (consumed).
    pub fn drain_items(&mut self) -> Vec<TimelineItem> {
        while let Ok(event) = self.events.try_recv() {
            self.seen.push(event);
        }
        let mut items = Vec::new();
        for event in std::mem::take(&mut self.seen) {
            if let SessionEvent::Item(item) = event {
                items.push(item);
            }
        }
        items
    }

    /// Tool call rows received so far (consumed with everything else).
    pub fn tool_rows(&mut self) -> Vec<ToolCallItem> {
        self.drain_items()
            .into_iter()
            .filter_map(|item| match item {
                TimelineItem::ToolCall(row) => Some(row),
                _ => None,
            })
            .collect()
    }

    /// Whether a `ModeChanged` to `mode` arrived (consumes events).
    pub fn saw_mode_change(&mut self, mode: &str) -> bool {
        while let Ok(event) = self.events.try_recv() {
            self.seen.push(event);
        }
        self.seen
            .iter()
            .any(|e| matches!(e, SessionEvent::ModeChanged { mode_id } if mode_id == mode))
    }

    /// Process groups of the agents started with this test's home.
    pub fn agent_pgids(&self) -> Vec<i32> {
        let marker = format!("PASEO_TEST_AGENT_HOME={}", self.home.path().display());
        let mut pgids = Vec::new();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<i32>().ok())
            else {
                continue;
            };
            let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
                continue;
            };
            if environ
                .split(|b| *b == 0)
                .any(|var| var == marker.as_bytes())
            {
                // SAFETY: getpgid only reads.
                let pgid = unsafe { libc::getpgid(pid) };
                if pgid > 0 && !pgids.contains(&pgid) {
                    pgids.push(pgid);
                }
            }
        }
        pgids
    }

    /// Waits (bounded) until every group is gone: `kill(-pgid, 0)` fails
    /// with ESRCH.
    pub async fn assert_gone(&self, pgids: &[i32]) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        for &pgid in pgids {
            loop {
                // SAFETY: signal 0 only checks for existence.
                let rc = unsafe { libc::kill(-pgid, 0) };
                let errno = std::io::Error::last_os_error().raw_os_error();
                if rc != 0 && errno == Some(libc::ESRCH) {
                    break;
                }
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "agent group {pgid} still alive"
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

/// (reasoning chunks, assistant chunks) of `items`.
pub fn texts(items: &[TimelineItem]) -> (Vec<String>, Vec<String>) {
    let mut reasoning = Vec::new();
    let mut assistant = Vec::new();
    for item in items {
        match item {
            TimelineItem::Reasoning { text } => reasoning.push(text.clone()),
            TimelineItem::AssistantMessage { text } => assistant.push(text.clone()),
            _ => {}
        }
    }
    (reasoning, assistant)
}
