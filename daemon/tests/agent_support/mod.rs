//! Helpers for the agent tests: a client that keeps every session message
//! it receives (so tests can wait for one message and still assert on the
//! order of all of them), request/answer correlation, and key-shape
//! comparison against frames recorded from a real Paseo daemon. Every wait
//! has a deadline.

#![allow(dead_code)] // each test file uses a different subset

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{DEADLINE, Next, Ws, connect_hello, next_within, send_session};

/// A connected, hello'd client.
pub struct Client {
    ws: Ws,
    /// Every session message received, in order (messages a wait
    /// returned carry `"_consumed": true`).
    pub log: Vec<Value>,
}

impl Client {
    /// Connects and says hello (browser client with `reasoning_merge_enum`).
    pub async fn connect(url: &str, client_id: &str) -> Self {
        let (ws, _) = connect_hello(url, client_id).await;
        Self {
            ws,
            log: Vec::new(),
        }
    }

    /// Sends a session message.
    pub async fn send(&mut self, message: Value) {
        send_session(&mut self.ws, message).await;
    }

    async fn read_one(&mut self, deadline: Instant) -> Value {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = tokio::time::timeout(
            left,
            next_within(&mut self.ws, left + Duration::from_secs(1)),
        )
        .await
        .unwrap_or_else(|_| panic!("no message before the deadline; seen: {:#?}", self.tail()));
        match frame {
            Next::Json(frame) => {
                assert_eq!(frame["type"], "session", "{frame}");
                let message = frame["message"].clone();
                self.log.push(message.clone());
                message
            }
            other => panic!("expected a session message, got {other:?}"),
        }
    }

    fn tail(&self) -> Vec<String> {
        self.log
            .iter()
            .rev()
            .take(15)
            .map(|m| m.to_string().chars().take(300).collect())
            .collect()
    }

    /// The first not-yet-consumed message matching `pick` (waiting up to
    /// `within`); messages before it stay available to later waits.
    pub async fn wait_within(&mut self, within: Duration, pick: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + within;
        let mut index = 0;
        loop {
            while index < self.log.len() {
                if self.log[index].get("_consumed").is_none() && pick(&self.log[index]) {
                    let found = self.log[index].clone();
                    self.log[index]["_consumed"] = json!(true);
                    return found;
                }
                index += 1;
            }
            self.read_one(deadline).await;
        }
    }

    /// [`wait_within`](Self::wait_within) with the standard deadline.
    pub async fn wait(&mut self, pick: impl Fn(&Value) -> bool) -> Value {
        self.wait_within(DEADLINE, pick).await
    }

    /// Sends `message` and waits for the message answering its `requestId`.
    pub async fn request(&mut self, message: Value) -> Value {
        let id = message["requestId"].as_str().expect("requestId").to_owned();
        self.send(message).await;
        self.wait(move |m| m["payload"]["requestId"] == id.as_str())
            .await
    }

    /// Waits for an `agent_stream` payload of `agent` whose event matches.
    pub async fn stream_event(&mut self, agent: &str, pick: impl Fn(&Value) -> bool) -> Value {
        let agent = agent.to_owned();
        self.wait(move |m| {
            m["type"] == "agent_stream"
                && m["payload"]["agentId"] == agent.as_str()
                && pick(&m["payload"]["event"])
        })
        .await["payload"]
            .clone()
    }

    /// Every `agent_stream` payload of `agent` received so far.
    pub fn streamed(&self, agent: &str) -> Vec<Value> {
        self.log
            .iter()
            .filter(|m| m["type"] == "agent_stream" && m["payload"]["agentId"] == agent)
            .map(|m| m["payload"].clone())
            .collect()
    }

    /// Index in `log` of the first message matching `pick`.
    pub fn position(&self, pick: impl Fn(&Value) -> bool) -> Option<usize> {
        self.log.iter().position(pick)
    }

    /// Closes the socket (client side).
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// `create_agent_request` for the offline test agent.
pub fn create_message(request_id: &str, cwd: &Path, initial_prompt: Option<&str>) -> Value {
    let mut message = json!({
        "type": "create_agent_request",
        "requestId": request_id,
        "config": {"provider": "test", "cwd": cwd},
        "labels": {},
    });
    if let Some(prompt) = initial_prompt {
        message["initialPrompt"] = json!(prompt);
    }
    message
}

/// Creates a test agent and returns its `agent_created` payload.
pub async fn create_agent(
    client: &mut Client,
    request_id: &str,
    cwd: &Path,
    prompt: Option<&str>,
) -> Value {
    let answer = client
        .request(create_message(request_id, cwd, prompt))
        .await;
    assert_eq!(answer["type"], "status", "{answer}");
    assert_eq!(answer["payload"]["status"], "agent_created", "{answer}");
    answer["payload"].clone()
}

/// Waits for `wait_for_finish_response` of `agent`.
pub async fn wait_for_finish(client: &mut Client, agent: &str, request_id: &str) -> Value {
    client
        .request(json!({"type": "wait_for_finish_request", "requestId": request_id, "agentId": agent, "timeoutMs": 20000}))
        .await["payload"]
        .clone()
}

/// A `fetch_agent_timeline_request` answer payload.
pub async fn timeline(client: &mut Client, request: Value) -> Value {
    let answer = client.request(request).await;
    assert_eq!(answer["type"], "fetch_agent_timeline_response", "{answer}");
    answer["payload"].clone()
}

/// Every row of an agent's timeline (canonical, all rows).
pub async fn all_rows(client: &mut Client, agent: &str, request_id: &str) -> Vec<Value> {
    let page = timeline(
        client,
        json!({"type": "fetch_agent_timeline_request", "requestId": request_id, "agentId": agent,
               "direction": "after", "cursor": null, "limit": 0, "projection": "canonical"}),
    )
    .await;
    page["entries"].as_array().cloned().unwrap_or_default()
}

/// The value with every leaf replaced by `null` and every array emptied:
/// its key structure, for comparison with recorded frames.
pub fn keys_only(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), keys_only(v))).collect())
        }
        Value::Array(_) => json!([]),
        _ => Value::Null,
    }
}

/// `ours` cut down to the shape of `theirs`: where `theirs` has an object,
/// the same keys of `ours` (recursively; a missing key stays missing);
/// everything else becomes `null` (a recorded `null` says nothing about the
/// shape of a value that is present here).
fn shaped_like(ours: &Value, theirs: &Value) -> Value {
    match (ours, theirs) {
        (Value::Object(ours), Value::Object(theirs)) => Value::Object(
            theirs
                .iter()
                .filter_map(|(key, their)| {
                    ours.get(key)
                        .map(|our| (key.clone(), shaped_like(our, their)))
                })
                .collect(),
        ),
        (Value::Array(_), _) => json!([]),
        _ => Value::Null,
    }
}

/// Asserts that `ours` has every key (recursively through objects) that
/// the recorded `theirs` has.
pub fn assert_has_keys_of(ours: &Value, theirs: &Value) {
    if let Err(err) =
        protocol::testing::json_keys_superset(&shaped_like(ours, theirs), &keys_only(theirs))
    {
        panic!("key mismatch: {err}\nours: {ours}\ntheirs: {theirs}");
    }
}

/// Lines of a Paseo frame fixture, kept once in `protocol/tests/data/`.
pub fn fixture(name: &str) -> Vec<protocol::testing::FixtureFrame> {
    protocol::testing::fixture_frames(name)
}

/// Fails fast, with the fix, when the test agent is not built next to the
/// daemon (the daemon's `test` provider looks for it there).
pub fn require_test_agent() {
    let daemon = PathBuf::from(env!("CARGO_BIN_EXE_paseo-daemon"));
    let agent = daemon.with_file_name("paseo-test-agent");
    assert!(
        agent.is_file(),
        "{} is missing: run `cargo build -p test-agent` (same CARGO_TARGET_DIR) before these tests, or `cargo test` for the whole workspace",
        agent.display()
    );
}
