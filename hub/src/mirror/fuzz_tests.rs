//! Fuzz target of the hub's pure decode/mirror API: daemon frames (the
//! recorded ones mutated, and generated ones: `protocol::testing::fuzz`;
//! short form here, long form `scripts/fuzz-long.sh`) go through
//! [`decode`] and then into the mirrors the connection actor keeps
//! (agents, permissions, one followed timeline per agent), as the actor
//! routes them; the mirrors live across inputs, so a hostile frame meets
//! the state earlier ones left.
//!
//! Beyond "no panic": the fast decode paths agree with the general decoder
//! on every input, and every timeline mirror stays in strict seq order
//! (no duplicate, no overlap) within its capacity.

use std::cell::RefCell;
use std::collections::BTreeMap;

use proptest::prelude::*;
use protocol::testing::fuzz::{self, Corpus, Input, Seeds};
use protocol::{AgentUpdate, SessionMessage, StatusPayload, StreamEvent};

use super::agents::AgentMirror;
use super::decode::{Decoded, decode};
use super::permissions::PermissionMirror;
use super::timeline::FollowedTimeline;

/// Short-form inputs (the test command's budget: RELIABILITY.md).
const SHORT: u64 = 80_000;
/// Rows a followed timeline keeps (small, so trimming is exercised).
const CAPACITY: usize = 64;
/// Timelines followed at most (a hostile daemon names any agent).
const MAX_TIMELINES: usize = 256;

#[derive(Default)]
struct Mirrors {
    agents: AgentMirror,
    permissions: PermissionMirror,
    timelines: BTreeMap<String, FollowedTimeline>,
}

impl Mirrors {
    fn timeline(&mut self, agent_id: &str) -> &mut FollowedTimeline {
        if self.timelines.len() >= MAX_TIMELINES && !self.timelines.contains_key(agent_id) {
            self.timelines.clear();
        }
        self.timelines
            .entry(agent_id.to_owned())
            .or_insert_with(|| FollowedTimeline::new(CAPACITY))
    }

    fn apply(&mut self, message: SessionMessage) {
        match message {
            SessionMessage::AgentUpdate(update) => {
                if let AgentUpdate::Upsert { agent, .. } = &update {
                    self.permissions
                        .reconcile(&agent.id, &agent.pending_permissions);
                }
                self.agents.on_update(update);
            }
            SessionMessage::FetchAgentsResponse(response) => {
                // As if the hub had asked: the page is applied.
                self.agents.begin_fetch(response.request_id.clone());
                self.agents.on_response(response);
            }
            SessionMessage::FetchAgentResponse(response) => {
                if let Some(agent) = response.agent {
                    self.agents.on_snapshot(*agent);
                }
            }
            SessionMessage::FetchAgentTimelineResponse(page) => {
                let timeline = self.timeline(&page.agent_id);
                timeline.begin_fetch(page.request_id.clone());
                timeline.on_fetch(page);
                timeline.take_unsent();
            }
            SessionMessage::AgentPermissionRequest(push) => {
                self.permissions.requested(&push.agent_id, push.request);
            }
            SessionMessage::AgentPermissionResolved(push) => {
                self.permissions
                    .resolved(&push.agent_id, &push.request_id, Some(push.resolution));
            }
            SessionMessage::AgentStream(payload) => {
                if let StreamEvent::PermissionRequested { request, .. } = payload.event {
                    self.permissions.requested(&payload.agent_id, request);
                }
            }
            SessionMessage::Status(StatusPayload::ServerInfo(_)) => {}
            _ => {}
        }
    }

    fn check(&self) -> Result<(), TestCaseError> {
        for (agent_id, timeline) in &self.timelines {
            let items = &timeline.mirror().items;
            prop_assert!(
                items.len() <= CAPACITY,
                "{} holds {} rows",
                agent_id,
                items.len()
            );
            for pair in items.windows(2) {
                prop_assert!(
                    pair[0].seq_end < pair[1].seq_start,
                    "{}: rows out of order or overlapping: {}..{} then {}..{}",
                    agent_id,
                    pair[0].seq_start,
                    pair[0].seq_end,
                    pair[1].seq_start,
                    pair[1].seq_end
                );
            }
            for row in items {
                prop_assert!(row.seq_start <= row.seq_end);
            }
        }
        Ok(())
    }
}

/// What the general decoder gives, or `None` when it refuses the frame.
fn general(text: &str) -> Option<Decoded<'_>> {
    super::decode::general(text).ok()
}

/// A frame the general decoder refuses may still be read as a row by a
/// fast path: the general decoder buffers the whole frame (a tagged
/// enum), so content the fast paths skip still counts there (an unknown
/// key nested beyond serde_json's recursion limit, a string with a lone
/// surrogate escape; both found by this target). Such a row must be what
/// the general decoder reads from the same row without that content.
fn check_row_alone(decoded: &Decoded<'_>) -> Result<(), TestCaseError> {
    let Decoded::Row(live) = decoded else {
        prop_assert!(matches!(decoded, Decoded::Other), "{:?}", decoded);
        return Ok(());
    };
    let row = &live.row;
    let frame = serde_json::json!({"type": "session", "message": {"type": "agent_stream",
        "payload": {"agentId": &*live.agent_id, "epoch": &*live.epoch, "seq": row.seq_start,
            "timestamp": row.timestamp, "event": {"type": "timeline",
                "provider": row.provider, "item": row.item}}}});
    let text = frame.to_string();
    let again = super::decode::general(&text)
        .map_err(|err| TestCaseError::fail(format!("the row alone does not decode: {err}")))?;
    prop_assert_eq!(&again, decoded);
    Ok(())
}

#[test]
fn a_frame_too_deep_for_the_general_decoder_may_still_be_a_row() {
    let deep = format!("{}\"activity_log\"{}", "[".repeat(125), "]".repeat(125));
    let text = format!(
        r#"{{"message":{{"payload":{{"agentId":"a1","epoch":"e1","event":{{"item":{{"text":"say hi","type":"user_message"}},"provider":"codex","type":"timeline"}},"seq":1,"timestamp":"t","type":{deep}}},"type":"agent_stream"}},"type":"session"}}"#
    );
    assert!(general(&text).is_none(), "the general decoder refuses it");
    let decoded = decode(&text).expect("decodes");
    assert!(
        matches!(&decoded, Decoded::Row(row) if row.row.seq_start == 1),
        "the fast path reads the row"
    );
    check_row_alone(&decoded).expect("the same row");
}

#[test]
fn a_lone_surrogate_in_a_skipped_key_leaves_the_row_readable() {
    let text = r###"{"message":{"payload":{"agentId":"a1","epoch":"e1","event":{"item":{"text":"## Cycle","type":"assistant_message"},"provider":"mock","type":"timeline"},"seq":2,"timestamp":"t","type":"\ud800capture_terminal_request"},"type":"agent_stream"},"type":"session"}"###;
    assert!(general(text).is_none(), "the general decoder refuses it");
    let decoded = decode(text).expect("decodes");
    assert!(matches!(&decoded, Decoded::Row(row) if row.row.seq_start == 2));
    check_row_alone(&decoded).expect("the same row");
}

#[test]
fn fuzz_daemon_frames_into_the_mirrors() {
    let corpus = Corpus::load(Seeds::Server);
    let mirrors = RefCell::new(Mirrors::default());
    fuzz::run(
        "hub_decode_mirror",
        SHORT,
        fuzz::inputs(corpus),
        |input: Input| {
            let text = input.text.as_str();
            let decoded = decode(text).unwrap_or(Decoded::Other);
            if let Some(expected) = general(text) {
                prop_assert_eq!(&decoded, &expected, "the fast paths disagree");
            }
            let mut mirrors = mirrors.borrow_mut();
            match decoded {
                Decoded::Row(live) => {
                    let timeline = mirrors.timeline(&live.agent_id);
                    timeline.on_live_deferred(&live.epoch, live.row);
                    timeline.take_unsent();
                }
                Decoded::Message(message) => mirrors.apply(*message),
                Decoded::Other => {}
            }
            mirrors.check()
        },
    );
}

/// A page of one row at `seq` (the largest seq a daemon can name), then a
/// live row: the hole check must not overflow.
#[test]
fn a_row_at_the_largest_seq_does_not_overflow_the_hole_check() {
    let page: protocol::FetchAgentTimelineResponse = serde_json::from_value(serde_json::json!({
        "requestId": "f1", "agentId": "a", "agent": null, "direction": "tail",
        "projection": "canonical", "epoch": "e1", "reset": false, "staleCursor": false,
        "gap": false, "window": {"minSeq": u64::MAX, "maxSeq": u64::MAX, "nextSeq": u64::MAX},
        "startCursor": null, "endCursor": null, "hasOlder": false, "hasNewer": false,
        "entries": [{"provider": "test", "item": {"type": "assistant_message", "text": "last"},
            "timestamp": "t", "seqStart": u64::MAX, "seqEnd": u64::MAX,
            "sourceSeqRanges": [], "collapsed": []}],
        "error": null,
    }))
    .expect("a page");
    let mut timeline = FollowedTimeline::new(CAPACITY);
    timeline.begin_fetch("f1".into());
    assert!(timeline.on_fetch(page).is_some());
    let row = |seq| {
        std::sync::Arc::new(super::timeline::TimelineRow {
            seq_start: seq,
            seq_end: seq,
            provider: "test".into(),
            timestamp: "t".into(),
            item: protocol::TimelineItem::AssistantMessage { text: "x".into() },
        })
    };
    let step = timeline.on_live_deferred("e1", row(u64::MAX));
    assert!(!step.needs_fetch, "a duplicate of the last row is no hole");
    let step = timeline.on_live_deferred("e1", row(3));
    assert!(!step.needs_fetch, "an older row is a duplicate");
    assert_eq!(timeline.mirror().items.len(), 1);
}

/// Found by the long run: a page entry whose range runs backwards, or
/// entries that overlap, left the mirror out of seq order. Such entries
/// are dropped (the first of overlapping ranges is kept).
#[test]
fn a_page_with_backwards_or_overlapping_ranges_keeps_the_mirror_in_order() {
    let entry = |start: u64, end: u64| {
        serde_json::json!({"provider": "test", "item": {"type": "assistant_message",
            "text": format!("{start}-{end}")}, "timestamp": "t", "seqStart": start,
            "seqEnd": end, "sourceSeqRanges": [], "collapsed": []})
    };
    let page: protocol::FetchAgentTimelineResponse = serde_json::from_value(serde_json::json!({
        "requestId": "f1", "agentId": "a", "agent": null, "direction": "tail",
        "projection": "canonical", "epoch": "e1", "reset": false, "staleCursor": false,
        "gap": false, "window": {"minSeq": 1, "maxSeq": 9, "nextSeq": 10},
        "startCursor": null, "endCursor": null, "hasOlder": false, "hasNewer": false,
        "entries": [entry(1, 1), entry(5, 2), entry(2, 4), entry(3, 3), entry(4, 6), entry(7, 7)],
        "error": null,
    }))
    .expect("a page");
    let mut timeline = FollowedTimeline::new(CAPACITY);
    timeline.begin_fetch("f1".into());
    assert!(timeline.on_fetch(page).is_some());
    let ranges: Vec<(u64, u64)> = timeline
        .mirror()
        .items
        .iter()
        .map(|row| (row.seq_start, row.seq_end))
        .collect();
    assert_eq!(ranges, [(1, 1), (2, 4), (7, 7)]);
}
