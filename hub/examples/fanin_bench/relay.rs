//! The baseline: a plain tokio-tungstenite relay. One client per synthetic
//! daemon says hello and forwards every text frame, undecoded, into one
//! tokio broadcast channel; the subscriber counts the stream frames. No
//! decoding, no mirror, no correlation: the transport's ceiling.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use crate::child::Sources;
use crate::measure::{Meter, Outcome};
use crate::source::Plan;

pub async fn run(plan: Plan) -> Outcome {
    let mut sources = Sources::start(plan);
    let (tx, mut rx) = broadcast::channel::<Utf8Bytes>(1 << 16);
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
                    let _ = tx.send(text);
                }
            }
        }));
    }
    let total = (plan.daemons * plan.frames) as u64;
    sources.go();
    let mut meter = Meter::start();
    while meter.seen() < total {
        match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
            Ok(Ok(text)) if text.contains("\"agent_stream\"") => meter.event(timestamp(&text)),
            Ok(Ok(_)) => {}
            Ok(Err(RecvError::Lagged(n))) => meter.lost(n),
            Ok(Err(RecvError::Closed)) | Err(_) => break,
        }
    }
    for reader in readers {
        reader.abort();
    }
    meter.finish()
}

/// The source's send time, read from the frame's `timestamp`.
fn timestamp(text: &str) -> Option<u128> {
    const KEY: &str = "\"timestamp\":\"";
    let rest = &text[text.find(KEY)? + KEY.len()..];
    rest[..rest.find('"')?].parse().ok()
}
