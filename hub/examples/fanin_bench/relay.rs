//! The baseline: a plain tokio-tungstenite relay. One client per synthetic
//! daemon says hello and forwards every text frame into one tokio broadcast
//! channel; the subscriber counts the stream frames. `Decode::None` forwards
//! the text untouched (the transport's ceiling); `Decode::Json` parses each
//! frame into a `serde_json::Value` first (the least a relay that routes by
//! agent id must do). No mirror, no correlation, no dedupe.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use crate::child::Sources;
use crate::measure::{Meter, Outcome};
use crate::source::Plan;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decode {
    None,
    Json,
}

pub async fn run(plan: Plan, decode: Decode) -> Outcome {
    let mut sources = Sources::start(plan);
    let (tx, mut rx) = broadcast::channel::<Relayed>(1 << 16);
    let mut readers = Vec::new();
    for url in sources.urls() {
        let (mut ws, _) = tokio_tungstenite::connect_async(&url)
            .await
            .expect("connect");
        let hello = r#"{"type":"hello","clientId":"cid_relay","clientType":"browser","protocolVersion":1,"appVersion":"0.1.65"}"#;
        ws.send(Message::text(hello)).await.expect("hello");
        let first = ws.next().await;
        assert!(
            matches!(first, Some(Ok(Message::Text(_)))),
            "server_info expected"
        );
        let tx = tx.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(message)) = ws.next().await {
                if let Message::Text(text) = message {
                    let relayed = match decode {
                        Decode::None => Relayed::Text(text),
                        Decode::Json => match serde_json::from_str::<Value>(&text) {
                            Ok(value) => Relayed::Json(Arc::new(value)),
                            Err(_) => continue,
                        },
                    };
                    let _ = tx.send(relayed);
                }
            }
        }));
    }
    let total = (plan.daemons * plan.frames) as u64;
    sources.go();
    // The subscriber runs on the calling thread: a consumer that always
    // gets CPU (as a task it competes with the actors for the workers).
    let meter = {
        let mut meter = Meter::start(sources.pid());
        while meter.seen() < total {
            match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
                Ok(Ok(Relayed::Text(text))) if text.contains("\"agent_stream\"") => {
                    meter.event(timestamp(&text))
                }
                Ok(Ok(Relayed::Json(value))) if value["message"]["type"] == "agent_stream" => {
                    let sent = value["message"]["payload"]["timestamp"].as_str();
                    meter.event(sent.and_then(|t| t.parse().ok()))
                }
                Ok(Ok(_)) => {}
                Ok(Err(RecvError::Lagged(n))) => meter.lost(n),
                Ok(Err(RecvError::Closed)) | Err(_) => break,
            }
        }
        meter
    };
    for reader in readers {
        reader.abort();
    }
    meter.finish()
}

/// One relayed frame, shared by every subscriber.
#[derive(Clone)]
enum Relayed {
    Text(Utf8Bytes),
    Json(Arc<Value>),
}

/// The source's send time, read from the frame's `timestamp`.
fn timestamp(text: &str) -> Option<u128> {
    const KEY: &str = "\"timestamp\":\"";
    let rest = &text[text.find(KEY)? + KEY.len()..];
    rest[..rest.find('"')?].parse().ok()
}
