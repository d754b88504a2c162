//! Decoding daemon frames, with a fast path for `agent_stream`.
//!
//! Why: stream rows are almost all of a busy daemon's traffic, and the
//! general decoder (the protocol crate's tolerant `SessionMessage`, which
//! goes through a `serde_json::Value` so unknown message types survive)
//! costs several times what a direct decode of the one expected shape does.
//! The fast path decodes a timeline row (`{"type":"session","message":
//! {"type":"agent_stream","payload":{…,"event":{"type":"timeline",…}}}}`)
//! straight into `AgentStreamPayload` with the same field types, so the
//! result is identical (a test checks it on every recorded frame), and falls
//! back to the general decoder for anything else.

use std::borrow::Cow;

use protocol::{AgentStreamPayload, ServerFrame, SessionMessage, StreamEvent, TimelineItem};
use serde::Deserialize;

#[derive(Deserialize)]
struct StreamFrame<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    message: StreamMessage<'a>,
}

#[derive(Deserialize)]
struct StreamMessage<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    payload: StreamPayload<'a>,
}

/// `AgentStreamPayload` with the event decoded as a timeline row directly
/// (the tagged `StreamEvent` buffers its fields before choosing a variant).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StreamPayload<'a> {
    agent_id: String,
    #[serde(borrow)]
    event: TimelineEvent<'a>,
    timestamp: String,
    #[serde(default)]
    seq: Option<u64>,
    #[serde(default)]
    epoch: Option<String>,
}

#[derive(Deserialize)]
struct TimelineEvent<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    provider: String,
    item: TimelineItem,
}

/// The session message in `text`; `None` for frames outside the session
/// wrapper (a WS-level pong).
pub(crate) fn decode(text: &str) -> Result<Option<SessionMessage>, serde_json::Error> {
    if text.contains("\"agent_stream\"")
        && let Ok(frame) = serde_json::from_str::<StreamFrame>(text)
        && frame.kind == "session"
        && frame.message.kind == "agent_stream"
        && frame.message.payload.event.kind == "timeline"
    {
        let payload = frame.message.payload;
        return Ok(Some(SessionMessage::AgentStream(AgentStreamPayload {
            agent_id: payload.agent_id,
            event: StreamEvent::Timeline {
                provider: payload.event.provider,
                item: payload.event.item,
            },
            timestamp: payload.timestamp,
            seq: payload.seq,
            epoch: payload.epoch,
        })));
    }
    match serde_json::from_str::<ServerFrame>(text)? {
        ServerFrame::Session { message } => Ok(Some(message)),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn general(text: &str) -> Option<SessionMessage> {
        match serde_json::from_str::<ServerFrame>(text).ok()? {
            ServerFrame::Session { message } => Some(message),
            _ => None,
        }
    }

    #[test]
    fn the_fast_path_decodes_every_recorded_frame_as_the_general_decoder_does() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/paseo-v1-head-frames.jsonl"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let mut streamed = 0;
        for line in text.lines() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            if record["dir"] != "in" {
                continue;
            }
            let frame = record["frame"].to_string();
            let ours = decode(&frame).ok().flatten();
            assert_eq!(ours, general(&frame), "{frame}");
            streamed += usize::from(matches!(ours, Some(SessionMessage::AgentStream(_))));
        }
        assert!(streamed > 50, "the recording streams a turn");
    }

    #[test]
    fn a_lookalike_falls_back_to_the_general_decoder() {
        let text = r#"{"type":"session","message":{"type":"activity_log","payload":{"id":"1",
            "timestamp":"t","type":"system","content":"\"agent_stream\""}}}"#;
        assert!(matches!(
            decode(text),
            Ok(Some(SessionMessage::ActivityLog(_)))
        ));
    }
}
