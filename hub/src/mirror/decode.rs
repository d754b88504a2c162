//! Decoding daemon frames, with fast paths for `agent_stream` rows.
//!
//! Why: stream rows are almost all of a busy daemon's traffic, and the
//! general decoder (the protocol crate's tolerant `SessionMessage`, which
//! goes through a `serde_json::Value` so unknown message types survive)
//! costs several times what a direct decode of the one expected shape does.
//! Three tiers, each giving exactly what the general decoder gives (tests
//! compare them on every recorded frame and on mutated ones, and the fuzz
//! target `fuzz_tests.rs` on millions), with one exception the fuzzer
//! found: the general decoder buffers the whole frame, so it refuses a
//! frame for content the fast paths skip (an unknown key nested beyond
//! serde_json's recursion limit, a string with a lone surrogate escape);
//! a fast path may still read such a frame's row, which is then exactly
//! the row the general decoder reads without that content:
//! 1. `row_scan`: one pass over a text-chunk row frame in its strict shape
//!    (the bulk of a streamed turn);
//! 2. `derived`: any timeline row frame through serde-derived structs, the
//!    agent id and epoch borrowed, the item decoded by [`item`];
//! 3. `general`: everything else.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use protocol::{AgentStreamPayload, ServerFrame, SessionMessage, StreamEvent, TimelineItem};
use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use super::row_scan::scan_row;
use super::timeline::TimelineRow;

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
    // The scanner gives up within a few bytes on any other message type.
    if let Some(decoded) = scanned(text) {
        return Ok(decoded);
    }
    if text.contains("\"agent_stream\"")
        && let Some(decoded) = derived(text)
    {
        return Ok(decoded);
    }
    general(text)
}

/// A text-chunk row frame in the strict shape `row_scan` reads. The row
/// is built in place (a `TimelineItem` is large; moving one is a copy).
fn scanned(text: &str) -> Option<Decoded<'_>> {
    let scanned = scan_row(text)?;
    Some(Decoded::Row(LiveRow {
        agent_id: scanned.agent_id,
        epoch: scanned.epoch,
        row: Arc::new(TimelineRow {
            seq_start: scanned.seq,
            seq_end: scanned.seq,
            provider: scanned.provider,
            timestamp: scanned.timestamp,
            item: scanned.chunk.into_item(),
        }),
    }))
}

/// Any timeline row frame, through serde but without the general decoder's
/// buffering.
fn derived(text: &str) -> Option<Decoded<'_>> {
    let frame = serde_json::from_str::<StreamFrame>(text).ok()?;
    if frame.kind != "session"
        || frame.message.kind != "agent_stream"
        || frame.message.payload.event.kind != "timeline"
    {
        return None;
    }
    let item = item(frame.message.payload.event.item).ok()?;
    let payload = frame.message.payload;
    Some(live_row(
        payload.agent_id,
        payload.event.provider,
        item,
        payload.timestamp,
        payload.seq,
        payload.epoch,
    ))
}

/// The protocol crate's decoder, for every frame the fast paths leave.
pub(super) fn general(text: &str) -> Result<Decoded<'_>, serde_json::Error> {
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
/// other shape by the protocol crate's `TimelineItem` from a `Value`, as the
/// general decoder reads it (so a repeated key means the same: the last one
/// wins).
fn item(raw: &RawValue) -> Result<TimelineItem, serde_json::Error> {
    let text = raw.get();
    if let Ok(TextChunk(item)) = serde_json::from_str::<TextChunk>(text) {
        return Ok(item);
    }
    let value: serde_json::Value = serde_json::from_str(text)?;
    TimelineItem::deserialize(&value)
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
#[path = "decode_tests.rs"]
mod tests;
