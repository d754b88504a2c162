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

fn rows(seqs: std::ops::RangeInclusive<u64>) -> Vec<Arc<TimelineRow>> {
    seqs.map(row).collect()
}

fn mirror(epoch: &str, seqs: std::ops::RangeInclusive<u64>) -> TimelineMirror {
    TimelineMirror {
        epoch: epoch.into(),
        items: rows(seqs),
        has_older: false,
        synced: true,
    }
}

fn cursor(epoch: &str, seq: u64) -> TimelineCursor {
    TimelineCursor {
        epoch: epoch.into(),
        seq,
    }
}

fn seqs(step: &Step) -> Vec<u64> {
    match step {
        Step::Send(Out::Delta { items, .. } | Out::Reset { items, .. }) => {
            items.iter().map(|r| r.seq_start).collect()
        }
        _ => Vec::new(),
    }
}

fn page(epoch: &str, seqs: &[u64], reset: bool) -> FetchAgentTimelineResponse {
    let entries: Vec<_> = seqs
        .iter()
        .map(|seq| {
            json!({"provider": "test", "item": {"type": "assistant_message", "text": format!("r{seq}")},
                   "timestamp": "2026-01-01T00:00:00.000Z", "seqStart": seq, "seqEnd": seq,
                   "sourceSeqRanges": [], "collapsed": []})
        })
        .collect();
    serde_json::from_value(json!({
        "requestId": "r", "agentId": "a", "agent": null, "direction": "after",
        "projection": "canonical", "epoch": epoch, "reset": reset, "staleCursor": false,
        "gap": false, "window": {"minSeq": 1, "maxSeq": 1, "nextSeq": 2},
        "startCursor": null, "endCursor": null, "hasOlder": false, "hasNewer": false,
        "entries": entries, "error": null,
    }))
    .expect("page")
}

#[test]
fn without_a_cursor_the_mirror_tail_is_sent_then_appends_continue_it() {
    let mut stream = Stream::new(None);
    assert_eq!(stream.on_mirror(&TimelineMirror::default()), Step::Wait);
    let step = stream.on_mirror(&mirror("e", 1..=3));
    assert!(matches!(step, Step::Send(Out::Delta { .. })));
    assert_eq!(seqs(&step), [1, 2, 3]);
    // An event the mirror read already contained, then a new row.
    let step = stream.on_append("e", &rows(2..=4)).expect("contiguous");
    assert_eq!(seqs(&step), [4]);
    assert_eq!(stream.on_append("e", &rows(3..=4)), Some(Step::Nothing));
}

#[test]
fn a_cursor_gets_only_later_rows() {
    let mut stream = Stream::new(Some(cursor("e", 2)));
    assert_eq!(
        stream.on_append("e", &rows(3..=3)),
        None,
        "not caught up yet"
    );
    let step = stream.on_mirror(&mirror("e", 1..=5));
    assert_eq!(seqs(&step), [3, 4, 5]);
    assert_eq!(stream.on_mirror(&mirror("e", 1..=5)), Step::Nothing);
}

#[test]
fn a_hole_in_the_appends_is_settled_against_the_mirror() {
    let mut stream = Stream::new(None);
    stream.on_mirror(&mirror("e", 1..=2));
    assert_eq!(stream.on_append("e", &rows(5..=6)), None);
    assert_eq!(seqs(&stream.on_mirror(&mirror("e", 1..=6))), [3, 4, 5, 6]);
}

#[test]
fn another_epoch_is_a_reset() {
    let mut stream = Stream::new(Some(cursor("old", 9)));
    let step = stream.on_mirror(&mirror("new", 1..=2));
    assert!(matches!(step, Step::Send(Out::Reset { ref epoch, .. }) if epoch == "new"));
    assert_eq!(seqs(&step), [1, 2]);
    assert_eq!(stream.on_append("old", &rows(3..=3)), None);
    assert_eq!(
        seqs(&stream.on_append("new", &rows(3..=3)).expect("live")),
        [3]
    );
}

#[test]
fn a_tab_ahead_of_a_complete_mirror_is_reset() {
    let mut stream = Stream::new(Some(cursor("e", 9)));
    let mut behind = mirror("e", 1..=4);
    behind.synced = false;
    assert_eq!(stream.on_mirror(&behind), Step::Nothing, "still loading");
    let step = Stream::new(Some(cursor("e", 9))).on_mirror(&mirror("e", 1..=4));
    assert!(matches!(step, Step::Send(Out::Reset { .. })));
}

#[test]
fn rows_older_than_the_mirror_are_fetched_then_the_mirror_continues() {
    let mut stream = Stream::new(Some(cursor("e", 2)));
    let window = mirror("e", 10..=12);
    assert_eq!(stream.on_mirror(&window), Step::Fetch(cursor("e", 2)));
    let fetched = stream
        .on_page(page("e", &[2, 3, 4, 5, 6, 7, 8, 9, 10, 11], false))
        .expect("continues the cursor");
    let Out::Delta { items, .. } = fetched else {
        panic!("delta expected");
    };
    assert_eq!(items.first().map(|r| r.seq_start), Some(3));
    assert_eq!(seqs(&stream.on_mirror(&window)), [12]);
}

#[test]
fn a_page_that_cannot_continue_the_cursor_means_reset() {
    let mut stream = Stream::new(Some(cursor("e", 2)));
    assert!(
        stream.on_page(page("e", &[3], true)).is_none(),
        "daemon said reset"
    );
    assert!(
        stream.on_page(page("f", &[3], false)).is_none(),
        "other epoch"
    );
    assert!(stream.on_page(page("e", &[5, 6], false)).is_none(), "hole");
    assert!(stream.on_page(page("e", &[], false)).is_none(), "nothing");
}

#[test]
fn refollowing_with_a_cursor_resends_from_there() {
    let mut stream = Stream::new(None);
    stream.on_mirror(&mirror("e", 1..=5));
    stream.reposition(cursor("e", 3));
    assert_eq!(stream.on_append("e", &rows(6..=6)), None);
    assert_eq!(seqs(&stream.on_mirror(&mirror("e", 1..=6))), [4, 5, 6]);
}
