//! Decoding daemon frames, with a fast path for `agent_stream`.
//!
//! Why: stream rows are almost all of a busy daemon's traffic, and the
//! general decoder (the protocol crate's tolerant `SessionMessage`, which
//! goes through a `serde_json::Value` so unknown message types survive)
//! costs several times what a direct decode of the one expected shape does.
//! The fast path decodes a timeline row (`{"type":"session","message":
//! {"type":"agent_stream","payload":{…,"event":{"type":"timeline",…}}}}`)
//! straight into a row with the same field types, so the result is
//! identical (a test checks it on every recorded frame), and falls back to
//! the general decoder for anything else. Inside it, the item itself (almost
//! always a text chunk on a busy stream) has its own direct decode, with the
//! protocol crate's `TimelineItem` for every other shape; the agent id and
//! epoch stay borrowed from the frame.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use protocol::{AgentStreamPayload, ServerFrame, SessionMessage, StreamEvent, TimelineItem};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

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
/// The agent id and epoch are borrowed from the frame: they are only looked
/// up, and copied once per batch of rows (see `inbound.rs`), not per row.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct StreamPayload<'a> {
    #[serde(borrow)]
    agent_id: Cow<'a, str>,
    #[serde(borrow)]
    event: TimelineEvent<'a>,
    timestamp: String,
    #[serde(default)]
    seq: Option<u64>,
    #[serde(default, borrow)]
    epoch: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct TimelineEvent<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    provider: String,
    /// Kept as text and decoded by [`item`]: almost every streamed row is a
    /// text chunk, which has a direct decode.
    #[serde(borrow)]
    item: &'a RawValue,
}

/// A live timeline row, decoded straight from its frame.
#[derive(Debug, PartialEq)]
pub(crate) struct LiveRow<'a> {
    pub(crate) agent_id: Cow<'a, str>,
    pub(crate) epoch: Cow<'a, str>,
    /// Boxed at once: a row is large and is shared by the mirror and every
    /// event.
    pub(crate) row: Arc<TimelineRow>,
}

/// What a daemon frame carries.
#[derive(Debug, PartialEq)]
pub(crate) enum Decoded<'a> {
    /// An `agent_stream` timeline row with its seq and epoch.
    Row(LiveRow<'a>),
    /// Boxed: rare next to rows, and much larger.
    Message(Box<SessionMessage>),
    /// Outside the session wrapper (a WS-level pong), or a timeline event
    /// without seq/epoch (nothing to place it by).
    Other,
}

pub(crate) fn decode(text: &str) -> Result<Decoded<'_>, serde_json::Error> {
    if text.contains("\"agent_stream\"")
        && let Ok(frame) = serde_json::from_str::<StreamFrame>(text)
        && frame.kind == "session"
        && frame.message.kind == "agent_stream"
        && frame.message.payload.event.kind == "timeline"
        && let Ok(item) = item(frame.message.payload.event.item)
    {
        let payload = frame.message.payload;
        return Ok(live_row(
            payload.agent_id,
            payload.event.provider,
            item,
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
                payload.agent_id.into(),
                provider,
                item,
                payload.timestamp,
                payload.seq,
                payload.epoch.map(Cow::Owned),
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

/// A timeline item: text chunks (`assistant_message`, `reasoning`,
/// `user_message` with nothing but their own keys) decoded directly, every
/// other shape by the protocol crate's `TimelineItem` (tagged, with an
/// untagged fallback, so it buffers the whole item before choosing).
fn item(raw: &RawValue) -> Result<TimelineItem, serde_json::Error> {
    let text = raw.get();
    if let Ok(TextChunk(item)) = serde_json::from_str::<TextChunk>(text) {
        return Ok(item);
    }
    serde_json::from_str::<TimelineItem>(text)
}

/// A text chunk item, or an error (at the first key that says otherwise)
/// that sends the item to the general decoder. Only what the general
/// decoder reads the same way is accepted: each key at most once, no key
/// the variant does not have.
struct TextChunk(TimelineItem);

#[derive(Deserialize)]
enum ChunkKey {
    #[serde(rename = "type")]
    Type,
    #[serde(rename = "text")]
    Text,
    #[serde(rename = "messageId")]
    MessageId,
    #[serde(other)]
    Other,
}

#[derive(Deserialize, Clone, Copy, PartialEq)]
enum ChunkKind {
    #[serde(rename = "assistant_message")]
    Assistant,
    #[serde(rename = "reasoning")]
    Reasoning,
    #[serde(rename = "user_message")]
    User,
    #[serde(other)]
    Other,
}

impl<'de> Deserialize<'de> for TextChunk {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ChunkVisitor)
    }
}

struct ChunkVisitor;

impl<'de> Visitor<'de> for ChunkVisitor {
    type Value = TextChunk;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a text chunk timeline item")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TextChunk, A::Error> {
        let not_a_chunk = || de::Error::custom("not a plain text chunk");
        let (mut kind, mut text, mut message_id) = (None, None, None);
        while let Some(key) = map.next_key::<ChunkKey>()? {
            match key {
                ChunkKey::Type if kind.is_none() => {
                    let value: ChunkKind = map.next_value()?;
                    if value == ChunkKind::Other {
                        return Err(not_a_chunk());
                    }
                    kind = Some(value);
                }
                ChunkKey::Text if text.is_none() => text = Some(map.next_value::<String>()?),
                ChunkKey::MessageId if message_id.is_none() => {
                    message_id = Some(map.next_value::<Option<String>>()?);
                }
                _ => return Err(not_a_chunk()),
            }
        }
        let (Some(kind), Some(text)) = (kind, text) else {
            return Err(not_a_chunk());
        };
        Ok(TextChunk(match (kind, message_id) {
            (ChunkKind::User, message_id) => TimelineItem::UserMessage {
                text,
                message_id: message_id.flatten(),
            },
            (ChunkKind::Assistant, None) => TimelineItem::AssistantMessage { text },
            (ChunkKind::Reasoning, None) => TimelineItem::Reasoning { text },
            _ => return Err(not_a_chunk()),
        }))
    }
}

fn live_row<'a>(
    agent_id: Cow<'a, str>,
    provider: String,
    item: TimelineItem,
    timestamp: String,
    seq: Option<u64>,
    epoch: Option<Cow<'a, str>>,
) -> Decoded<'a> {
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
                    StreamEvent::Timeline { provider, item } => live_row(
                        p.agent_id.into(),
                        provider,
                        item,
                        p.timestamp,
                        p.seq,
                        p.epoch.map(Cow::Owned),
                    ),
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

    /// A row frame around `item` (JSON text).
    fn row_frame(item: &str) -> String {
        format!(
            r#"{{"type":"session","message":{{"type":"agent_stream","payload":{{"agentId":"a\u002d1","event":{{"type":"timeline","provider":"claude","item":{item}}},"timestamp":"t","seq":7,"epoch":"e"}}}}}}"#
        )
    }

    #[test]
    fn items_at_the_edge_of_the_text_chunk_decode_decode_as_the_general_decoder_does() {
        let items = [
            r#"{"type":"assistant_message","text":"plain"}"#,
            r#"{"text":"key order \" \n \u00e9","type":"reasoning"}"#,
            r#"{"type":"user_message","text":"hi","messageId":"m1"}"#,
            r#"{"type":"user_message","text":"hi","messageId":null}"#,
            r#"{"type":"user_message","messageId":7,"text":"hi"}"#,
            r#"{"type":"assistant_message","text":"x","messageId":"m1"}"#,
            r#"{"type":"assistant_message","text":"x","extra":[1,{"a":2}]}"#,
            r#"{"type":"assistant_message","text":"x","text":"y"}"#,
            r#"{"type":"assistant_message","type":"reasoning","text":"x"}"#,
            r#"{"type":"assistant_message"}"#,
            r#"{"type":"assistant_message","text":null}"#,
            r#"{"type":"reasoning","text":5}"#,
            r#"{"type":"brand_new_kind","text":"x"}"#,
            r#"{"type":"todo","items":[{"text":"a","completed":false}]}"#,
            r#"{"type":"tool_call","callId":"c","name":"Bash","status":"running","error":null,
                "detail":{"type":"shell","command":"ls"}}"#,
            r#""not an object""#,
        ];
        for item in items {
            let frame = row_frame(item);
            let ours = decode(&frame).unwrap_or(Decoded::Other);
            assert_eq!(ours, general(&frame), "{item}");
            assert!(matches!(ours, Decoded::Row(_)), "{item}: still a row");
        }
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
