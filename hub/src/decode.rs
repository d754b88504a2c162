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
use std::sync::Arc;

use protocol::{AgentStreamPayload, ServerFrame, SessionMessage, StreamEvent, TimelineItem};
use serde::Deserialize;

use crate::timeline::TimelineRow;

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

/// A live timeline row, decoded straight from its frame.
#[derive(Debug, PartialEq)]
pub(crate) struct LiveRow {
    pub(crate) agent_id: String,
    pub(crate) epoch: String,
    /// Boxed at once: a row is large and moves through several calls.
    pub(crate) row: Arc<TimelineRow>,
}

/// What a daemon frame carries.
#[derive(Debug, PartialEq)]
pub(crate) enum Decoded {
    /// An `agent_stream` timeline row with its seq and epoch.
    Row(LiveRow),
    /// Boxed: rare next to rows, and much larger.
    Message(Box<SessionMessage>),
    /// Outside the session wrapper (a WS-level pong), or a timeline event
    /// without seq/epoch (nothing to place it by).
    Other,
}

pub(crate) fn decode(text: &str) -> Result<Decoded, serde_json::Error> {
    if text.contains("\"agent_stream\"")
        && let Ok(frame) = serde_json::from_str::<StreamFrame>(text)
        && frame.kind == "session"
        && frame.message.kind == "agent_stream"
        && frame.message.payload.event.kind == "timeline"
    {
        let payload = frame.message.payload;
        return Ok(live_row(
            payload.agent_id,
            payload.event.provider,
            payload.event.item,
            payload.timestamp,
            payload.seq,
            payload.epoch,
        ));
    }
    Ok(match serde_json::from_str::<ServerFrame>(text)? {
        ServerFrame::Session {
            message: SessionMessage::AgentStream(payload),
        } => match payload.event {
            StreamEvent::Timeline { provider, item } => live_row(
                payload.agent_id,
                provider,
                item,
                payload.timestamp,
                payload.seq,
                payload.epoch,
            ),
            event => Decoded::Message(Box::new(SessionMessage::AgentStream(AgentStreamPayload {
                event,
                ..payload
            }))),
        },
        ServerFrame::Session { message } => Decoded::Message(Box::new(message)),
        _ => Decoded::Other,
    })
}

fn live_row(
    agent_id: String,
    provider: String,
    item: TimelineItem,
    timestamp: String,
    seq: Option<u64>,
    epoch: Option<String>,
) -> Decoded {
    let (Some(seq), Some(epoch)) = (seq, epoch) else {
        return Decoded::Other;
    };
    Decoded::Row(LiveRow {
        agent_id,
        epoch,
        row: Arc::new(TimelineRow {
            seq_start: seq,
            seq_end: seq,
            provider,
            timestamp,
            item,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The general decoder alone, in the same shape.
    fn general(text: &str) -> Decoded {
        match serde_json::from_str::<ServerFrame>(text) {
            Ok(ServerFrame::Session {
                message: SessionMessage::AgentStream(p),
            }) => {
                match p.event {
                    StreamEvent::Timeline { provider, item } => {
                        live_row(p.agent_id, provider, item, p.timestamp, p.seq, p.epoch)
                    }
                    event => Decoded::Message(Box::new(SessionMessage::AgentStream(
                        AgentStreamPayload { event, ..p },
                    ))),
                }
            }
            Ok(ServerFrame::Session { message }) => Decoded::Message(Box::new(message)),
            _ => Decoded::Other,
        }
    }

    #[test]
    fn the_fast_path_decodes_every_recorded_frame_as_the_general_decoder_does() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/paseo-v1-head-frames.jsonl"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let mut rows = 0;
        for line in text.lines() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            if record["dir"] != "in" {
                continue;
            }
            let frame = record["frame"].to_string();
            let ours = decode(&frame).unwrap_or(Decoded::Other);
            assert_eq!(ours, general(&frame), "{frame}");
            rows += usize::from(matches!(ours, Decoded::Row(_)));
        }
        assert!(rows > 50, "the recording streams a turn");
    }

    #[test]
    fn a_lookalike_falls_back_to_the_general_decoder() {
        let text = r#"{"type":"session","message":{"type":"activity_log","payload":{"id":"1",
            "timestamp":"t","type":"system","content":"\"agent_stream\""}}}"#;
        assert!(matches!(
            decode(text),
            Ok(Decoded::Message(message)) if matches!(*message, SessionMessage::ActivityLog(_))
        ));
    }
}
