use super::*;
use serde_json::json;

fn row(seq: u64) -> Arc<TimelineRow> {
    Arc::new(TimelineRow {
        seq_start: seq,
        seq_end: seq,
        provider: "test".into(),
        timestamp: "2026-01-01T00:00:00.000Z".into(),
        item: protocol::TimelineItem::AssistantMessage {
            text: format!("r{seq}"),
        },
    })
}

fn response(
    request_id: &str,
    direction: &str,
    epoch: &str,
    seqs: &[u64],
    reset: bool,
) -> FetchAgentTimelineResponse {
    let entries: Vec<_> = seqs
        .iter()
        .map(|seq| {
            json!({"provider": "test", "item": {"type": "assistant_message", "text": format!("r{seq}")},
                   "timestamp": "2026-01-01T00:00:00.000Z", "seqStart": seq, "seqEnd": seq,
                   "sourceSeqRanges": [], "collapsed": []})
        })
        .collect();
    let max = seqs.iter().copied().max().unwrap_or(0);
    serde_json::from_value(json!({
        "requestId": request_id, "agentId": "a", "agent": null, "direction": direction,
        "projection": "canonical", "epoch": epoch, "reset": reset, "staleCursor": false,
        "gap": false, "window": {"minSeq": seqs.first().copied().unwrap_or(0), "maxSeq": max,
        "nextSeq": if seqs.is_empty() { 0 } else { max + 1 }},
        "startCursor": null, "endCursor": null, "hasOlder": false, "hasNewer": false,
        "entries": entries, "error": null,
    }))
    .unwrap()
}

fn seqs(t: &FollowedTimeline) -> Vec<u64> {
    t.mirror().items.iter().map(|r| r.seq_start).collect()
}

/// A timeline loaded with `rows` from a tail fetch in epoch `e1`.
fn loaded(rows: &[u64]) -> FollowedTimeline {
    let mut t = FollowedTimeline::new(100);
    assert_eq!(t.plan(), FetchPlan::Tail);
    t.begin_fetch("f1".into());
    t.on_fetch(response("f1", "tail", "e1", rows, false))
        .unwrap();
    t
}

#[test]
fn first_fetch_is_a_reset_and_goes_live() {
    let mut t = FollowedTimeline::new(100);
    t.begin_fetch("f1".into());
    assert!(!t.mirror().synced);
    let out = t
        .on_fetch(response("f1", "tail", "e1", &[1, 2], false))
        .unwrap();
    assert!(
        matches!(out.change, Some(TimelineChange::Reset { ref items, .. }) if items.len() == 2)
    );
    assert!(t.mirror().synced);
    assert_eq!(t.mirror().epoch, "e1");
}

#[test]
fn live_rows_append_in_order_and_duplicates_are_dropped() {
    let mut t = loaded(&[1, 2]);
    let out = t.on_live("e1", row(3));
    assert_eq!(
        out.change,
        Some(TimelineChange::Append {
            epoch: "e1".into(),
            items: vec![row(3)]
        })
    );
    assert_eq!(t.on_live("e1", row(2)), Outcome::default(), "duplicate");
    assert_eq!(t.on_live("e1", row(3)), Outcome::default(), "duplicate");
    assert_eq!(seqs(&t), [1, 2, 3]);
}

#[test]
fn live_rows_during_the_fetch_are_replayed_without_duplicates() {
    let mut t = FollowedTimeline::new(100);
    t.begin_fetch("f1".into());
    t.on_live("e1", row(2));
    t.on_live("e1", row(3));
    let out = t
        .on_fetch(response("f1", "tail", "e1", &[1, 2], false))
        .unwrap();
    assert!(!out.needs_fetch);
    assert_eq!(seqs(&t), [1, 2, 3]);
}

#[test]
fn a_hole_asks_for_a_fetch_after_the_cursor_and_is_filled() {
    let mut t = loaded(&[1, 2]);
    let out = t.on_live("e1", row(5));
    assert!(out.needs_fetch && out.change.is_none());
    assert!(!t.mirror().synced);
    assert_eq!(
        t.plan(),
        FetchPlan::After(TimelineCursor {
            epoch: "e1".into(),
            seq: 2
        })
    );
    t.begin_fetch("f2".into());
    t.on_live("e1", row(6));
    let out = t
        .on_fetch(response("f2", "after", "e1", &[3, 4, 5], false))
        .unwrap();
    let Some(TimelineChange::Append { items, .. }) = out.change else {
        panic!("append expected: {out:?}");
    };
    let appended: Vec<_> = items.iter().map(|r| r.seq_start).collect();
    assert_eq!(appended, [3, 4, 5, 6]);
    assert_eq!(seqs(&t), [1, 2, 3, 4, 5, 6]);
}

#[test]
fn resync_after_a_disconnect_continues_from_the_cursor() {
    let mut t = loaded(&[1, 2]);
    t.disconnected();
    assert_eq!(
        t.on_live("e1", row(3)),
        Outcome::default(),
        "ignored while idle"
    );
    assert!(matches!(
        t.plan(),
        FetchPlan::After(TimelineCursor { seq: 2, .. })
    ));
    t.begin_fetch("f2".into());
    let out = t
        .on_fetch(response("f2", "after", "e1", &[2, 3], false))
        .unwrap();
    assert!(
        matches!(out.change, Some(TimelineChange::Append { ref items, .. }) if items.len() == 1)
    );
    assert_eq!(seqs(&t), [1, 2, 3]);
}

#[test]
fn an_empty_resync_changes_nothing() {
    let mut t = loaded(&[1, 2]);
    t.disconnected();
    t.begin_fetch("f2".into());
    let out = t
        .on_fetch(response("f2", "after", "e1", &[], false))
        .unwrap();
    assert_eq!(out.change, None);
    assert!(t.mirror().synced);
}

#[test]
fn reset_replaces_the_timeline() {
    let mut t = loaded(&[1, 2, 3]);
    t.disconnected();
    t.begin_fetch("f2".into());
    let out = t
        .on_fetch(response("f2", "after", "e2", &[1], true))
        .unwrap();
    assert!(matches!(out.change, Some(TimelineChange::Reset { ref epoch, .. }) if epoch == "e2"));
    assert_eq!(seqs(&t), [1]);
    assert_eq!(t.mirror().epoch, "e2");
}

#[test]
fn a_live_row_of_another_epoch_refetches_the_tail() {
    let mut t = loaded(&[1, 2]);
    let out = t.on_live("e2", row(1));
    assert!(out.needs_fetch);
    assert_eq!(t.plan(), FetchPlan::Tail);
    t.begin_fetch("f2".into());
    let out = t
        .on_fetch(response("f2", "tail", "e2", &[1], false))
        .unwrap();
    assert!(matches!(out.change, Some(TimelineChange::Reset { .. })));
    assert_eq!(seqs(&t), [1]);
    assert_eq!(t.mirror().epoch, "e2");
}

#[test]
fn answers_to_other_fetches_are_ignored() {
    let mut t = FollowedTimeline::new(100);
    t.begin_fetch("f1".into());
    assert_eq!(t.on_fetch(response("zz", "tail", "e1", &[1], false)), None);
    t.begin_fetch("f2".into());
    assert_eq!(
        t.on_fetch(response("f1", "tail", "e1", &[1], false)),
        None,
        "superseded"
    );
}

#[test]
fn an_error_answer_leaves_the_timeline_idle() {
    let mut t = FollowedTimeline::new(100);
    t.begin_fetch("f1".into());
    let mut answer = response("f1", "tail", "", &[], false);
    answer.error = Some("Agent not found: a".into());
    let out = t.on_fetch(answer).unwrap();
    assert_eq!(out.failed.as_deref(), Some("Agent not found: a"));
    assert!(!t.is_fetching());
}

#[test]
fn capacity_keeps_the_newest_rows() {
    let mut t = FollowedTimeline::new(2);
    t.begin_fetch("f1".into());
    t.on_fetch(response("f1", "tail", "e1", &[1, 2, 3], false));
    assert_eq!(seqs(&t), [2, 3]);
    assert!(t.mirror().has_older);
    t.on_live("e1", row(4));
    assert_eq!(seqs(&t), [3, 4]);
}

#[test]
fn an_empty_first_load_accepts_the_first_live_row() {
    let mut t = loaded(&[]);
    let out = t.on_live("e1", row(1));
    assert!(out.change.is_some());
    assert_eq!(seqs(&t), [1]);
}
