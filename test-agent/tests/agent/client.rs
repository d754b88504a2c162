//! A minimal ACP test client: spawns the agent with its own home directory,
//! writes JSON lines to its stdin and reads JSON lines from its stdout, with
//! a deadline on every read so a broken agent fails the test, not hangs it.

use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::time::timeout;

/// How long any single expected message may take.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A running agent process and the client end of its stdio.
pub struct Agent {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: Lines<BufReader<ChildStdout>>,
    next_id: u64,
}

impl Agent {
    /// Spawns the agent with `home` as `PASEO_TEST_AGENT_HOME`.
    pub fn spawn(home: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_paseo-test-agent"))
            .env("PASEO_TEST_AGENT_HOME", home)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn paseo-test-agent");
        let stdin = child.stdin.take();
        let stdout = child.stdout.take().expect("piped stdout");
        Self {
            child,
            stdin,
            stdout: BufReader::new(stdout).lines(),
            next_id: 1,
        }
    }

    /// Spawns the agent and runs `initialize`.
    pub async fn start(home: &Path) -> Self {
        let mut agent = Self::spawn(home);
        let (init, _) = agent
            .request(
                "initialize",
                json!({"protocolVersion": 1, "clientCapabilities": {}}),
            )
            .await;
        assert_eq!(init["result"]["protocolVersion"], 1, "{init}");
        agent
    }

    /// Writes one raw line.
    pub async fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .expect("write to agent");
        stdin.flush().await.expect("flush agent stdin");
    }

    /// Writes one JSON message.
    pub async fn send(&mut self, message: &Value) {
        self.send_line(&message.to_string()).await;
    }

    /// Sends a request and returns its id, without waiting for the answer.
    pub async fn start_request(&mut self, method: &str, params: Value) -> Value {
        let id = json!(self.next_id);
        self.next_id += 1;
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send(&message).await;
        id
    }

    /// Sends a request and reads until its response; also returns what came
    /// before it.
    pub async fn request(&mut self, method: &str, params: Value) -> (Value, Vec<Value>) {
        let id = self.start_request(method, params).await;
        self.response_to(&id).await
    }

    /// Reads until the response to `id`; also returns what came before it.
    pub async fn response_to(&mut self, id: &Value) -> (Value, Vec<Value>) {
        self.read_until(|m| m.get("method").is_none() && m["id"] == *id)
            .await
    }

    /// Reads one message, failing the test after [`DEADLINE`].
    pub async fn recv(&mut self) -> Value {
        let line = timeout(DEADLINE, self.stdout.next_line())
            .await
            .expect("agent answered in time")
            .expect("read agent stdout")
            .expect("agent stdout still open");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad JSON {line:?}: {e}"))
    }

    /// Reads until a message matches; returns it and the ones before it.
    pub async fn read_until(&mut self, matches: impl Fn(&Value) -> bool) -> (Value, Vec<Value>) {
        let mut before = Vec::new();
        loop {
            let message = self.recv().await;
            if matches(&message) {
                return (message, before);
            }
            before.push(message);
        }
    }

    /// `session/new` in `cwd`; returns the whole result.
    pub async fn new_session(&mut self, cwd: &Path) -> Value {
        let (response, _) = self
            .request("session/new", json!({"cwd": cwd, "mcpServers": []}))
            .await;
        response["result"].clone()
    }

    /// Starts a `session/prompt` with one text block; returns its id.
    pub async fn start_prompt(&mut self, session_id: &str, text: &str) -> Value {
        let params = json!({"sessionId": session_id, "prompt": [{"type": "text", "text": text}]});
        self.start_request("session/prompt", params).await
    }

    /// Closes stdin and waits for the process to exit.
    pub async fn close(&mut self) -> ExitStatus {
        self.stdin = None;
        self.wait().await
    }

    /// Waits for the process to exit.
    pub async fn wait(&mut self) -> ExitStatus {
        timeout(DEADLINE, self.child.wait())
            .await
            .expect("agent exited in time")
            .expect("wait for agent")
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// The `update` objects of the `session/update` notifications in `messages`.
pub fn updates(messages: &[Value]) -> Vec<Value> {
    messages
        .iter()
        .filter(|m| m["method"] == "session/update")
        .map(|m| m["params"]["update"].clone())
        .collect()
}

/// `(sessionUpdate, text)` for each text chunk among `updates`.
pub fn chunks(updates: &[Value]) -> Vec<(String, String)> {
    updates
        .iter()
        .filter_map(|u| {
            let text = u["content"]["text"].as_str()?;
            Some((u["sessionUpdate"].as_str()?.to_owned(), text.to_owned()))
        })
        .collect()
}

/// The pair for one chunk, for terse assertions.
pub fn chunk(kind: &str, text: &str) -> (String, String) {
    (kind.to_owned(), text.to_owned())
}
