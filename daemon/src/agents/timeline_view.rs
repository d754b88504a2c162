//! `fetch_agent_timeline_request`: selecting canonical rows by cursor and
//! direction, then (for `projected`) merging them into display entries.
//!
//! Selection is by the log's in-memory index and one read of the chosen
//! rows, so a page costs the same at row 10 and at row 100,000. Projection
//! only merges rows inside the selected page: `limit` counts canonical rows,
//! and every entry says which rows it covers (`sourceSeqRanges`), so a
//! client can always reconcile pages with live rows.

use std::collections::HashMap;

use protocol::{
    AgentSnapshot, CollapseKind, FetchAgentTimelineRequest, FetchAgentTimelineResponse, SeqRange,
    TimelineCursor, TimelineDirection, TimelineEntry, TimelineItem, TimelineProjection,
    TimelineWindow,
};

use super::agent::Core;
use crate::store::LogLine;

/// Rows per page when the request gives no limit (tail and before).
pub(crate) const DEFAULT_LIMIT: u64 = 200;

/// The answer for an agent that does not exist (every key present).
pub(crate) fn not_found(
    req: &FetchAgentTimelineRequest,
    error: String,
) -> FetchAgentTimelineResponse {
    let (direction, projection) = resolved_modes(req);
    FetchAgentTimelineResponse {
        request_id: req.request_id.clone(),
        agent_id: req.agent_id.clone(),
        agent: None,
        direction,
        projection,
        epoch: String::new(),
        reset: false,
        stale_cursor: false,
        gap: false,
        window: TimelineWindow::default(),
        start_cursor: None,
        end_cursor: None,
        has_older: false,
        has_newer: false,
        entries: Vec::new(),
        error: Some(error),
    }
}

fn resolved_modes(req: &FetchAgentTimelineRequest) -> (TimelineDirection, TimelineProjection) {
    let direction = req.direction.unwrap_or(if req.cursor.is_some() {
        TimelineDirection::After
    } else {
        TimelineDirection::Tail
    });
    (
        direction,
        req.projection.unwrap_or(TimelineProjection::Projected),
    )
}

/// Answers a timeline fetch for a locked agent.
pub(crate) fn fetch(
    req: &FetchAgentTimelineRequest,
    core: &Core,
    agent: AgentSnapshot,
    reasoning_merge: bool,
) -> FetchAgentTimelineResponse {
    let (direction, projection) = resolved_modes(req);
    let log = &core.log;
    let epoch = log.epoch().to_owned();
    // The first use of an agent's log builds its index (see TimelineLog);
    // a log that cannot be read answers as empty, with the error.
    let (index, index_error) = match log.index() {
        Ok(index) => (Some(index), None),
        Err(err) => {
            tracing::error!(agent = %agent.id, %err, "cannot index the timeline");
            (None, Some(format!("Cannot read the timeline: {err}")))
        }
    };
    let n = index.map_or(0, |index| index.len());
    let window = match index {
        Some(index) if n > 0 => TimelineWindow {
            min_seq: index.seq_at(0),
            max_seq: index.seq_at(n - 1),
            next_seq: index.next_seq(),
        },
        _ => TimelineWindow::default(),
    };
    let limit = req.limit.unwrap_or(match direction {
        TimelineDirection::After => 0,
        _ => DEFAULT_LIMIT,
    });
    let limit = if limit == 0 {
        n
    } else {
        usize::try_from(limit).unwrap_or(usize::MAX)
    };

    let stale_cursor = req
        .cursor
        .as_ref()
        .is_some_and(|cursor| cursor.epoch != epoch);
    let cursor = req.cursor.as_ref().filter(|_| !stale_cursor);
    let mut gap = false;
    let (start, end) = match (direction, cursor) {
        (TimelineDirection::Before, Some(cursor)) => {
            let end = index.map_or(0, |index| index.index_at_or_after(cursor.seq));
            (end.saturating_sub(limit), end)
        }
        (TimelineDirection::After, Some(cursor)) => {
            gap = n > 0 && cursor.seq + 1 < window.min_seq;
            let start = match index {
                Some(index) if !gap => index.index_after(cursor.seq),
                _ => 0,
            };
            (start, start.saturating_add(limit).min(n))
        }
        // Without a (valid) cursor, `after` means "from the beginning".
        (TimelineDirection::After, None) => (0, limit.min(n)),
        (TimelineDirection::Tail | TimelineDirection::Before, _) => (n.saturating_sub(limit), n),
    };
    let (rows, error) = match log.read(start, end) {
        Ok(rows) => (rows, index_error),
        Err(err) => {
            tracing::error!(agent = %agent.id, %err, "cannot read timeline rows");
            (Vec::new(), Some(format!("Cannot read the timeline: {err}")))
        }
    };
    let cursor_at = |seq: u64| TimelineCursor {
        epoch: epoch.clone(),
        seq,
    };
    let start_cursor = rows.first().map(|row| cursor_at(row.seq));
    let end_cursor = rows.last().map(|row| cursor_at(row.seq));
    let entries = match projection {
        TimelineProjection::Canonical => rows
            .into_iter()
            .map(|row| canonical(&agent.provider, row))
            .collect(),
        TimelineProjection::Projected => project(&agent.provider, rows, reasoning_merge),
    };
    FetchAgentTimelineResponse {
        request_id: req.request_id.clone(),
        agent_id: agent.id.clone(),
        agent: Some(Box::new(agent)),
        direction,
        projection,
        epoch,
        reset: stale_cursor || gap,
        stale_cursor,
        gap,
        window,
        start_cursor,
        end_cursor,
        has_older: start > 0,
        has_newer: end < n,
        entries,
        error,
    }
}

fn canonical(provider: &str, row: LogLine) -> TimelineEntry {
    TimelineEntry {
        provider: provider.to_owned(),
        item: row.item,
        timestamp: row.timestamp,
        seq_start: row.seq,
        seq_end: row.seq,
        source_seq_ranges: vec![SeqRange {
            start_seq: row.seq,
            end_seq: row.seq,
        }],
        collapsed: Vec::new(),
    }
}

/// Adds `seq` to an entry's ranges, extending the last range when
/// contiguous.
fn cover(entry: &mut TimelineEntry, seq: u64) {
    match entry.source_seq_ranges.last_mut() {
        Some(range) if range.end_seq + 1 == seq => range.end_seq = seq,
        _ => entry.source_seq_ranges.push(SeqRange {
            start_seq: seq,
            end_seq: seq,
        }),
    }
    entry.seq_end = entry.seq_end.max(seq);
}

fn mark(entry: &mut TimelineEntry, kind: CollapseKind) {
    if !entry.collapsed.contains(&kind) {
        entry.collapsed.push(kind);
    }
}

/// Merges a page of rows: consecutive assistant chunks, consecutive
/// reasoning chunks, and every row of one tool call (into the entry of its
/// first row, showing its latest state).
pub(crate) fn project(
    provider: &str,
    rows: Vec<LogLine>,
    reasoning_merge: bool,
) -> Vec<TimelineEntry> {
    let mut entries: Vec<TimelineEntry> = Vec::new();
    let mut tool_entries: HashMap<String, usize> = HashMap::new();
    let mut previous_seq: Option<u64> = None;
    for row in rows {
        let seq = row.seq;
        let follows = previous_seq.is_some_and(|prev| prev + 1 == seq);
        previous_seq = Some(seq);
        let last_ends_here = entries.last().is_some_and(|e| e.seq_end + 1 == seq);
        match row.item {
            TimelineItem::AssistantMessage { text } if follows && last_ends_here => {
                if let Some(TimelineEntry {
                    item: TimelineItem::AssistantMessage { text: merged },
                    ..
                }) = entries.last_mut()
                {
                    merged.push_str(&text);
                    let entry = entries.last_mut().expect("checked above");
                    cover(entry, seq);
                    mark(entry, CollapseKind::AssistantMerge);
                    continue;
                }
                entries.push(canonical(
                    provider,
                    LogLine {
                        seq,
                        epoch: row.epoch,
                        timestamp: row.timestamp,
                        item: TimelineItem::AssistantMessage { text },
                    },
                ));
            }
            TimelineItem::Reasoning { text } if follows && last_ends_here => {
                if let Some(TimelineEntry {
                    item: TimelineItem::Reasoning { text: merged },
                    ..
                }) = entries.last_mut()
                {
                    merged.push_str(&text);
                    let entry = entries.last_mut().expect("checked above");
                    cover(entry, seq);
                    if reasoning_merge {
                        mark(entry, CollapseKind::ReasoningMerge);
                    }
                    continue;
                }
                entries.push(canonical(
                    provider,
                    LogLine {
                        seq,
                        epoch: row.epoch,
                        timestamp: row.timestamp,
                        item: TimelineItem::Reasoning { text },
                    },
                ));
            }
            TimelineItem::ToolCall(call) => {
                if let Some(&index) = tool_entries.get(&call.call_id) {
                    let entry = &mut entries[index];
                    entry.item = TimelineItem::ToolCall(call);
                    cover(entry, seq);
                    mark(entry, CollapseKind::ToolLifecycle);
                } else {
                    tool_entries.insert(call.call_id.clone(), entries.len());
                    entries.push(canonical(
                        provider,
                        LogLine {
                            seq,
                            epoch: row.epoch,
                            timestamp: row.timestamp,
                            item: TimelineItem::ToolCall(call),
                        },
                    ));
                }
            }
            item => entries.push(canonical(
                provider,
                LogLine {
                    seq,
                    epoch: row.epoch,
                    timestamp: row.timestamp,
                    item,
                },
            )),
        }
    }
    entries
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{ToolCallDetail, ToolCallItem, ToolCallStatus};

    fn row(seq: u64, item: TimelineItem) -> LogLine {
        LogLine {
            seq,
            epoch: "e".into(),
            timestamp: format!("t{seq}"),
            item,
        }
    }

    fn text(t: &str) -> TimelineItem {
        TimelineItem::AssistantMessage { text: t.into() }
    }

    fn tool(id: &str, status: ToolCallStatus) -> TimelineItem {
        TimelineItem::ToolCall(ToolCallItem {
            call_id: id.into(),
            name: "edit".into(),
            detail: ToolCallDetail::PlainText {
                label: None,
                text: None,
                icon: None,
            },
            metadata: None,
            status,
            error: None,
        })
    }

    #[test]
    fn chunks_merge_and_tool_rows_collapse_by_call_id() {
        let rows = vec![
            row(
                1,
                TimelineItem::UserMessage {
                    text: "hi".into(),
                    message_id: None,
                },
            ),
            row(2, TimelineItem::Reasoning { text: "th".into() }),
            row(3, TimelineItem::Reasoning { text: "ink".into() }),
            row(4, text("Hi ")),
            row(5, text("there")),
            row(6, tool("c1", ToolCallStatus::Running)),
            row(7, text("!")),
            row(8, tool("c1", ToolCallStatus::Completed)),
        ];
        let entries = project("test", rows.clone(), true);
        let summary: Vec<_> = entries
            .iter()
            .map(|e| (e.seq_start, e.seq_end, e.collapsed.clone()))
            .collect();
        assert_eq!(
            summary,
            [
                (1, 1, vec![]),
                (2, 3, vec![CollapseKind::ReasoningMerge]),
                (4, 5, vec![CollapseKind::AssistantMerge]),
                (6, 8, vec![CollapseKind::ToolLifecycle]),
                (7, 7, vec![]),
            ]
        );
        assert_eq!(entries[2].item, text("Hi there"));
        assert_eq!(entries[2].timestamp, "t4");
        assert_eq!(
            entries[3].source_seq_ranges,
            [
                SeqRange {
                    start_seq: 6,
                    end_seq: 6
                },
                SeqRange {
                    start_seq: 8,
                    end_seq: 8
                }
            ]
        );
        assert!(
            matches!(&entries[3].item, TimelineItem::ToolCall(c) if c.status == ToolCallStatus::Completed)
        );

        // Without the capability the reasoning rows still merge, unlabelled.
        let entries = project("test", rows, false);
        assert_eq!((entries[1].seq_start, entries[1].seq_end), (2, 3));
        assert!(entries[1].collapsed.is_empty());
    }
}
