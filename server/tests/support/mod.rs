//! Test support for the live channel: a real in-process daemon, the real
//! `paseo-web` server (library API, no embedded daemon), a direct daemon
//! client that drives agents ("the daemon's own view"), and a live-channel
//! client that plays the browser tab. Every wait has a deadline; nothing
//! sleeps to hide a race.

#![allow(dead_code)] // each test file uses a different subset

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Upper bound for anything that should happen "soon".
pub const DEADLINE: Duration = Duration::from_secs(20);

type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Fails fast, with the fix, when the offline test agent is not built
/// where the in-process daemon looks for it (next to this test binary's
/// directory).
pub fn require_test_agent() {
    let exe = std::env::current_exe().expect("current exe");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target profile dir");
    let agent = profile_dir.join("paseo-test-agent");
    assert!(
        agent.is_file(),
        "{} is missing: run `cargo build -p test-agent` with the same CARGO_TARGET_DIR before these tests",
        agent.display()
    );
}

/// Log to the test output when `RUST_LOG` is set.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// A daemon, the web server and their directories.
pub struct World {
    pub daemon: daemon::RunningDaemon,
    pub server: server::RunningServer,
    /// The daemon's WebSocket URL (what a registry profile would hold).
    pub daemon_url: String,
    /// Working directory for agents.
    pub cwd: PathBuf,
    _dir: tempfile::TempDir,
}

impl World {
    pub async fn start() -> World {
        Self::start_with(|_| {}).await
    }

    /// [`Self::start`] with the server's configuration adjusted by `adjust`.
    pub async fn start_with(adjust: impl FnOnce(&mut server::ServerConfig)) -> World {
        init_tracing();
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("daemon-home");
        let cwd = dir.path().join("work");
        std::fs::create_dir_all(&cwd).expect("cwd");
        let loopback: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let daemon = daemon::RunningDaemon::start(daemon::DaemonConfig::new(loopback, home))
            .await
            .expect("daemon starts");
        let daemon_url = format!("ws://{}/ws", daemon.local_addr());
        let site = dir.path().join("site");
        std::fs::create_dir_all(site.join("pkg")).expect("mkdir");
        std::fs::write(site.join("pkg/paseo-web.js"), "// test bundle").expect("write");
        let mut config = server::ServerConfig::new(
            loopback,
            None,
            daemon.local_addr(),
            dir.path().join("unused-home"),
            site,
            vec![],
        )
        .expect("config");
        adjust(&mut config);
        let server = server::start(config).await.expect("server starts");
        World {
            daemon,
            server,
            daemon_url,
            cwd,
            _dir: dir,
        }
    }

    /// `watch` naming this world's daemon as profile `profile_id`.
    pub fn watch(&self, profile_id: &str) -> Value {
        json!({"type": "watch", "profiles": [
            {"profile_id": profile_id, "label": "Test daemon", "ws_url": self.daemon_url}
        ]})
    }

    pub async fn stop(self) {
        self.server.shutdown().await;
        self.daemon.shutdown().await;
    }
}

async fn send_json(ws: &mut Ws, value: &Value) {
    tokio::time::timeout(DEADLINE, ws.send(Message::text(value.to_string())))
        .await
        .expect("send in time")
        .expect("send");
}

/// Next JSON text frame (control frames skipped), failing at `deadline`.
async fn read_json(ws: &mut Ws, deadline: Instant, what: &dyn Fn() -> String) -> Value {
    loop {
        let frame = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("timed out; {}", what()));
        match frame {
            Some(Ok(Message::Text(text))) => {
                return serde_json::from_str(text.as_str()).expect("JSON frame");
            }
            Some(Ok(Message::Close(frame))) => panic!("socket closed: {frame:?}; {}", what()),
            Some(Ok(_)) => continue,
            Some(Err(err)) => panic!("socket failed: {err}; {}", what()),
            None => panic!("socket ended; {}", what()),
        }
    }
}

/// A tab's live channel to the web server.
pub struct Browser {
    ws: Ws,
    /// Every message received, in order.
    pub log: Vec<Value>,
}

impl Browser {
    pub async fn connect(server: SocketAddr) -> Browser {
        let url = format!("ws://{server}/live");
        let (ws, _) = tokio::time::timeout(DEADLINE, tokio_tungstenite::connect_async(url))
            .await
            .expect("connect in time")
            .expect("live channel upgrade");
        Browser {
            ws,
            log: Vec::new(),
        }
    }

    pub async fn send(&mut self, message: Value) {
        send_json(&mut self.ws, &message).await;
    }

    pub async fn send_raw(&mut self, message: Message) {
        tokio::time::timeout(DEADLINE, self.ws.send(message))
            .await
            .expect("send in time")
            .expect("send");
    }

    /// Index (in `log`) of the first message at or after `from` matching
    /// `pick`, reading more until the deadline.
    pub async fn wait_from(
        &mut self,
        from: usize,
        what: &str,
        pick: impl Fn(&Value) -> bool,
    ) -> usize {
        let deadline = Instant::now() + DEADLINE;
        let mut index = from;
        loop {
            while index < self.log.len() {
                if pick(&self.log[index]) {
                    return index;
                }
                index += 1;
            }
            let log = &self.log;
            let describe = || {
                let tail: Vec<String> = log
                    .iter()
                    .rev()
                    .take(12)
                    .map(|m| m.to_string().chars().take(300).collect())
                    .collect();
                format!("waiting for {what}; last messages (newest first): {tail:#?}")
            };
            let message = read_json(&mut self.ws, deadline, &describe).await;
            self.log.push(message);
        }
    }

    /// [`Self::wait_from`] the start of the log; returns the message.
    pub async fn wait(&mut self, what: &str, pick: impl Fn(&Value) -> bool) -> Value {
        let at = self.wait_from(0, what, pick).await;
        self.log[at].clone()
    }

    /// Timeline messages (`timeline_delta`/`timeline_reset`) of `agent`
    /// in `log[from..]`.
    pub fn timeline_messages(&self, from: usize, agent: &str) -> Vec<Value> {
        self.log[from..]
            .iter()
            .filter(|m| is_timeline(m) && m["agent_id"] == agent)
            .cloned()
            .collect()
    }

    /// Waits until the tab holds `agent`'s rows up to `seq` (from `from`).
    pub async fn wait_for_seq(&mut self, from: usize, agent: &str, seq: u64) -> usize {
        let agent = agent.to_owned();
        self.wait_from(from, &format!("{agent} up to seq {seq}"), move |m| {
            is_timeline(m)
                && m["agent_id"] == agent.as_str()
                && m["items"]
                    .as_array()
                    .and_then(|items| items.last())
                    .and_then(|item| item["seq_end"].as_u64())
                    .is_some_and(|end| end >= seq)
        })
        .await
    }

    /// The newest `agents_version` this tab was given for `profile`.
    pub fn agents_version(&self, profile: &str) -> u64 {
        self.log
            .iter()
            .rev()
            .filter(|m| m["profile_id"] == profile)
            .find_map(|m| m["agents_version"].as_u64())
            .expect("an agents_version was sent")
    }

    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

pub fn is_timeline(message: &Value) -> bool {
    message["type"] == "timeline_delta" || message["type"] == "timeline_reset"
}

/// Items of timeline messages, in the order received.
pub fn items_of(messages: &[Value]) -> Vec<Value> {
    messages
        .iter()
        .flat_map(|m| m["items"].as_array().cloned().unwrap_or_default())
        .collect()
}

/// Asserts seq ranges strictly increase without overlap.
pub fn assert_ordered(items: &[Value]) {
    for pair in items.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let end = a["seq_end"].as_u64().expect("seq_end");
        let start = b["seq_start"].as_u64().expect("seq_start");
        assert!(start > end, "seq ranges overlap or go back: {a} then {b}");
    }
}

/// Asserts `items` (live channel) equal the daemon's canonical `rows`:
/// same seq ranges, same items, same order.
pub fn assert_same_rows(items: &[Value], rows: &[Value]) {
    let ours: Vec<(u64, u64, Value)> = items
        .iter()
        .map(|i| (seq(i, "seq_start"), seq(i, "seq_end"), i["item"].clone()))
        .collect();
    let theirs: Vec<(u64, u64, Value)> = rows
        .iter()
        .map(|r| (seq(r, "seqStart"), seq(r, "seqEnd"), r["item"].clone()))
        .collect();
    assert_eq!(ours, theirs, "live items differ from the daemon's timeline");
}

fn seq(value: &Value, field: &str) -> u64 {
    value[field]
        .as_u64()
        .unwrap_or_else(|| panic!("{field} in {value}"))
}

/// A direct client of the daemon: drives agents and reads the daemon's
/// own timeline, beside the hub's connection.
pub struct Driver {
    ws: Ws,
    next: u64,
    /// Session messages received and not yet consumed.
    log: Vec<Value>,
}

impl Driver {
    pub async fn connect(url: &str) -> Driver {
        let (mut ws, _) = tokio::time::timeout(DEADLINE, tokio_tungstenite::connect_async(url))
            .await
            .expect("connect in time")
            .expect("daemon upgrade");
        let hello = json!({"type": "hello", "clientId": format!("cid_driver_{:x}", rand_id()),
            "clientType": "cli", "protocolVersion": 1, "appVersion": hub::config::DEFAULT_APP_VERSION});
        send_json(&mut ws, &hello).await;
        let mut driver = Driver {
            ws,
            next: 0,
            log: Vec::new(),
        };
        driver
            .wait("server_info", |m| m["payload"]["status"] == "server_info")
            .await;
        driver
    }

    async fn wait(&mut self, what: &str, pick: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(at) = self.log.iter().position(&pick) {
                return self.log.remove(at);
            }
            let describe = || format!("daemon driver waiting for {what}");
            let frame = read_json(&mut self.ws, deadline, &describe).await;
            if frame["type"] == "session" {
                self.log.push(frame["message"].clone());
            }
        }
    }

    fn request_id(&mut self, kind: &str) -> String {
        self.next += 1;
        format!("drv-{kind}-{}", self.next)
    }

    /// Sends a session request (its `requestId` is set here) and waits for
    /// the message answering it.
    pub async fn request(&mut self, mut message: Value) -> Value {
        let kind = message["type"].as_str().unwrap_or("req").to_owned();
        let id = self.request_id(&kind);
        message["requestId"] = json!(id);
        self.send(message).await;
        self.wait(&format!("answer to {kind}"), |m| {
            m["payload"]["requestId"] == id.as_str()
        })
        .await
    }

    /// Sends a session message that has no answer.
    pub async fn send(&mut self, message: Value) {
        send_json(
            &mut self.ws,
            &json!({"type": "session", "message": message}),
        )
        .await;
    }

    /// Creates a `test` agent, optionally with a first prompt; its id.
    pub async fn create_agent(&mut self, cwd: &Path, prompt: Option<&str>) -> String {
        let mut message = json!({"type": "create_agent_request",
            "config": {"provider": "test", "cwd": cwd}, "labels": {}});
        if let Some(prompt) = prompt {
            message["initialPrompt"] = json!(prompt);
        }
        let answer = self.request(message).await;
        assert_eq!(answer["payload"]["status"], "agent_created", "{answer}");
        answer["payload"]["agentId"]
            .as_str()
            .expect("agentId")
            .to_owned()
    }

    /// Sends a prompt and checks it was accepted.
    pub async fn prompt(&mut self, agent: &str, text: &str) {
        let message_id = format!("msg_{:x}", rand_id());
        let answer = self
            .request(
                json!({"type": "send_agent_message_request", "agentId": agent,
                "text": text, "messageId": message_id}),
            )
            .await;
        assert_eq!(answer["payload"]["accepted"], true, "{answer}");
    }

    /// Waits until the agent's turn is over; its final status.
    pub async fn wait_for_finish(&mut self, agent: &str) -> Value {
        let answer = self
            .request(json!({"type": "wait_for_finish_request", "agentId": agent,
                "timeoutMs": DEADLINE.as_millis() as u64}))
            .await;
        answer["payload"]["status"].clone()
    }

    /// The daemon's own canonical timeline of `agent`: (epoch, rows).
    pub async fn timeline(&mut self, agent: &str) -> (String, Vec<Value>) {
        let answer = self
            .request(
                json!({"type": "fetch_agent_timeline_request", "agentId": agent,
                "direction": "after", "cursor": null, "limit": 0, "projection": "canonical"}),
            )
            .await;
        assert_eq!(answer["type"], "fetch_agent_timeline_response", "{answer}");
        let payload = &answer["payload"];
        (
            payload["epoch"].as_str().expect("epoch").to_owned(),
            payload["entries"].as_array().cloned().unwrap_or_default(),
        )
    }
}

fn rand_id() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(u64::from(std::process::id()));
    hasher.finish()
}

/// The last row's `seqEnd` of a daemon timeline.
pub fn last_seq(rows: &[Value]) -> u64 {
    rows.last()
        .and_then(|row| row["seqEnd"].as_u64())
        .expect("the daemon has rows")
}
