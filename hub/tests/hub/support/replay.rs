//! Replaying what a real Paseo daemon sent (recorded in
//! `protocol/tests/data/paseo-v1-head-frames.jsonl`) from a stub WebSocket server,
//! so the hub's own decoding path meets real frames.
//!
//! A recorded session is split into the daemon's answers to recorded
//! requests (keyed by request type) and its pushes. The stub says hello with
//! the recorded `server_info`, answers each hub request with the recorded
//! answer to a request of the same type (its `requestId` swapped for the
//! hub's), and once the gate requests are answered sends every recorded
//! push in its original order.

use std::collections::HashMap;
use std::sync::Arc;

use protocol::testing::{FixtureDir, FixtureFrame};
use serde_json::{Value, json};

use super::stub::{self, Stub};

const FIXTURE: &str = "paseo-v1-head-frames.jsonl";

/// The recorded frames of one client session.
#[derive(Debug, Clone, Default)]
pub struct RecordedSession {
    pub server_info: Value,
    /// Answers by the type of the request they answered, in order.
    pub replies: HashMap<String, Vec<Value>>,
    /// Everything else the daemon sent, in order.
    pub pushes: Vec<Value>,
}

fn frames() -> Vec<FixtureFrame> {
    protocol::testing::fixture_frames(FIXTURE)
}

/// The `nth` session (counted by `hello`) recorded for `label`.
pub fn recorded_session(label: &str, nth: usize) -> RecordedSession {
    let mut hellos = 0;
    let mut request_types: HashMap<String, String> = HashMap::new();
    let mut session = RecordedSession::default();
    for frame in frames().into_iter().filter(|f| f.daemon == label) {
        if frame.dir == FixtureDir::Out && frame.frame_type() == Some("hello") {
            hellos += 1;
            continue;
        }
        if hellos != nth + 1 {
            continue;
        }
        let message = frame.frame["message"].clone();
        match frame.dir {
            FixtureDir::Out => {
                if let (Some(id), Some(kind)) =
                    (message["requestId"].as_str(), message["type"].as_str())
                {
                    request_types.insert(id.to_owned(), kind.to_owned());
                }
            }
            FixtureDir::In if frame.frame_type() == Some("session") => {
                let answered = message["payload"]["requestId"]
                    .as_str()
                    .and_then(|id| request_types.get(id));
                if let Some(kind) = answered {
                    session
                        .replies
                        .entry(kind.clone())
                        .or_default()
                        .push(message);
                } else if message["payload"]["status"] == "server_info"
                    && session.server_info.is_null()
                {
                    session.server_info = message;
                } else {
                    session.pushes.push(message);
                }
            }
            _ => {}
        }
    }
    assert!(
        !session.server_info.is_null(),
        "no session {nth} for {label}"
    );
    session
}

/// How the stub answers one request: the recorded answer (with the hub's
/// request id), or whatever `rewrite` makes of it.
pub type Rewrite = dyn Fn(&Value, Value) -> Value + Send + Sync;

/// A stub that replays `session`, sending the pushes once every request
/// type in `gate` has been answered.
pub async fn replay(session: RecordedSession, gate: &[&str], rewrite: Arc<Rewrite>) -> Stub {
    let session = Arc::new(session);
    let gate: Arc<Vec<String>> = Arc::new(gate.iter().map(|s| (*s).to_owned()).collect());
    stub::websocket(move |mut ws| {
        let (session, gate, rewrite) = (session.clone(), gate.clone(), rewrite.clone());
        async move {
            let _hello = stub::next_json(&mut ws).await;
            stub::send(
                &mut ws,
                json!({"type": "session", "message": session.server_info}),
            )
            .await;
            let mut answered: HashMap<String, usize> = HashMap::new();
            let mut pushed = false;
            while let Some(frame) = stub::next_json(&mut ws).await {
                let request = &frame["message"];
                let kind = request["type"].as_str().unwrap_or_default().to_owned();
                let count = answered.entry(kind.clone()).or_default();
                let recorded = session
                    .replies
                    .get(&kind)
                    .and_then(|replies| replies.get(*count).or(replies.last()).cloned());
                *count += 1;
                if let Some(mut reply) = recorded {
                    reply["payload"]["requestId"] = request["requestId"].clone();
                    let reply = rewrite(request, reply);
                    stub::send(&mut ws, json!({"type": "session", "message": reply})).await;
                }
                if !pushed && gate.iter().all(|g| answered.contains_key(g)) {
                    pushed = true;
                    for push in &session.pushes {
                        stub::send(&mut ws, json!({"type": "session", "message": push})).await;
                    }
                }
            }
        }
    })
    .await
}

/// Answers unchanged.
pub fn as_recorded() -> Arc<Rewrite> {
    Arc::new(|_, reply| reply)
}
