//! One agent's timeline as the browser shows it: daemon rows merged into
//! display items, each with the seq range it covers.
//!
//! Why merging lives here, pure: the daemon stores one row per streamed
//! chunk, and a message of 50 chunks must be one growing item whose text is
//! the rows' concatenation (`data-seq-start`/`data-seq-end` name the rows it
//! covers). Rules: consecutive assistant chunks merge, consecutive reasoning
//! chunks merge, consecutive rows of one tool call merge (the latest status
//! wins); everything else is its own item. Seq ranges are applied in order,
//! rows already held are ignored, and a gap is reported (the caller asks the
//! server for what is missing instead of guessing).
//!
//! Items stay the daemon's JSON (`serde_json::Value`, a `TimelineItem` as
//! the daemon sent it) until a view renders one: merging needs only a few
//! keys, and keeping the typed decoding of every item kind and tool detail
//! out of the shared state keeps it out of the bundle's main module (only
//! the agent route's chunk decodes items).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One rendered item: a merge of one or more consecutive rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DisplayItem {
    pub seq_start: u64,
    pub seq_end: u64,
    /// Timestamp of the first row (ISO-8601, may be empty).
    #[serde(default)]
    pub timestamp: String,
    /// The daemon's `TimelineItem` JSON (`type`-tagged, camelCase).
    pub item: Value,
}

/// One daemon row as it arrives (live or from a page).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub seq_start: u64,
    pub seq_end: u64,
    pub timestamp: String,
    pub item: Value,
}

/// What applying rows changed, so the reactive layer touches only that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimelineChange {
    /// Nothing new (every row was already held).
    None,
    /// Items from `first_changed` on were changed or added; items before it
    /// are untouched. `extended` says whether the item at `first_changed`
    /// existed before (it grew).
    Tail {
        first_changed: usize,
        extended: bool,
    },
    /// `count` items were put before the first one.
    Prepended { count: usize },
    /// Everything was replaced.
    Reset,
    /// The rows do not continue what is held: ask for the rows after
    /// `after_seq` (nothing was applied).
    Gap { after_seq: u64 },
}

/// The items of one timeline, newest last.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TimelineModel {
    pub epoch: String,
    pub items: Vec<DisplayItem>,
    /// The daemon holds rows before the first item.
    #[serde(default)]
    pub has_older: bool,
}

impl TimelineModel {
    /// A timeline holding exactly `rows` (a reset or a snapshot).
    pub fn from_rows(epoch: &str, rows: Vec<Row>, has_older: bool) -> Self {
        let mut model = TimelineModel {
            epoch: epoch.to_owned(),
            items: Vec::new(),
            has_older,
        };
        for row in rows {
            model.push(row);
        }
        model
    }

    /// Seq of the newest row held.
    pub fn last_seq(&self) -> Option<u64> {
        self.items.last().map(|item| item.seq_end)
    }

    /// Seq of the oldest row held.
    pub fn first_seq(&self) -> Option<u64> {
        self.items.first().map(|item| item.seq_start)
    }

    /// Appends live rows in seq order. Rows of another epoch are a reset
    /// (the caller decides; here they are refused as a gap from 0).
    pub fn append(&mut self, epoch: &str, rows: Vec<Row>) -> TimelineChange {
        if epoch != self.epoch {
            return TimelineChange::Gap { after_seq: 0 };
        }
        let mut first_changed: Option<(usize, bool)> = None;
        for row in rows {
            let last = self.last_seq();
            if let Some(last) = last {
                if row.seq_end <= last {
                    continue; // already held
                }
                if row.seq_start > last + 1 {
                    return match first_changed {
                        // Keep what was applied; report the gap after it.
                        Some(_) => self.tail_change(first_changed),
                        None => TimelineChange::Gap { after_seq: last },
                    };
                }
            }
            let before = self.items.len();
            let merged_into_last = self.push(row);
            if first_changed.is_none() {
                first_changed = Some(if merged_into_last {
                    (before - 1, true)
                } else {
                    (before, false)
                });
            }
        }
        self.tail_change(first_changed)
    }

    fn tail_change(&self, first_changed: Option<(usize, bool)>) -> TimelineChange {
        match first_changed {
            None => TimelineChange::None,
            Some((first_changed, extended)) => TimelineChange::Tail {
                first_changed,
                extended,
            },
        }
    }

    /// Puts an older page before the first item. Rows must end right before
    /// the first held seq; rows already held are dropped.
    pub fn prepend(&mut self, epoch: &str, rows: Vec<Row>, has_older: bool) -> TimelineChange {
        if epoch != self.epoch {
            return TimelineChange::Gap { after_seq: 0 };
        }
        let first = self.first_seq().unwrap_or(u64::MAX);
        let rows: Vec<Row> = rows.into_iter().filter(|r| r.seq_end < first).collect();
        if rows.is_empty() {
            self.has_older = has_older;
            return TimelineChange::None;
        }
        let older = TimelineModel::from_rows(epoch, rows, has_older);
        let count = older.items.len();
        let mut items = older.items;
        items.append(&mut self.items);
        self.items = items;
        self.has_older = has_older;
        TimelineChange::Prepended { count }
    }

    /// Adds one row, merging it into the last item where the rules allow.
    /// Returns whether it was merged.
    fn push(&mut self, row: Row) -> bool {
        if let Some(last) = self.items.last_mut()
            && last.seq_end + 1 == row.seq_start
            && merge(&mut last.item, &row.item)
        {
            last.seq_end = row.seq_end;
            return true;
        }
        self.items.push(DisplayItem {
            seq_start: row.seq_start,
            seq_end: row.seq_end,
            timestamp: row.timestamp,
            item: row.item,
        });
        false
    }

    /// The text of every user message with `message_id`, to know a queued
    /// message reached the daemon.
    pub fn has_user_message(&self, message_id: &str) -> bool {
        self.items.iter().any(|item| {
            kind(&item.item) == "user_message"
                && item.item.get("messageId").and_then(Value::as_str) == Some(message_id)
        })
    }
}

/// An item's `type` (empty when it has none).
pub fn kind(item: &Value) -> &str {
    item.get("type").and_then(Value::as_str).unwrap_or_default()
}

/// Merges `next` into `into` when they are one logical item.
fn merge(into: &mut Value, next: &Value) -> bool {
    match (kind(into), kind(next)) {
        ("assistant_message", "assistant_message") | ("reasoning", "reasoning") => {
            let (Some(Value::String(text)), Some(more)) = (
                into.get_mut("text"),
                next.get("text").and_then(Value::as_str),
            ) else {
                return false;
            };
            text.push_str(more);
            true
        }
        ("tool_call", "tool_call") => {
            let id = |v: &Value| v.get("callId").and_then(Value::as_str).map(str::to_owned);
            if id(into).is_none() || id(into) != id(next) {
                return false;
            }
            let mut update = next.clone();
            if says_less(next.get("detail"))
                && let (Some(old), Some(slot)) = (into.get("detail"), update.get_mut("detail"))
            {
                *slot = old.clone();
            }
            *into = update;
            true
        }
        // "Compacting…" then "compacted": one marker that finishes.
        ("compaction", "compaction")
            if into.get("status").and_then(Value::as_str) == Some("loading") =>
        {
            *into = next.clone();
            true
        }
        _ => false,
    }
}

/// Whether a tool call's later detail says less than the one it replaces
/// (an update without output keeps the command it was about): the wire's
/// `unknown` detail with neither input nor output.
fn says_less(detail: Option<&Value>) -> bool {
    let Some(detail) = detail else {
        return true;
    };
    let empty = |key: &str| detail.get(key).is_none_or(Value::is_null);
    kind(detail) == "unknown" && empty("input") && empty("output")
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{CompactionStatus, TimelineItem, ToolCallDetail, ToolCallItem, ToolCallStatus};

    fn json(item: TimelineItem) -> Value {
        serde_json::to_value(item).expect("encodes")
    }
    fn row(seq: u64, item: TimelineItem) -> Row {
        Row {
            seq_start: seq,
            seq_end: seq,
            timestamp: String::new(),
            item: json(item),
        }
    }
    fn said(seq: u64, text: &str) -> Row {
        row(seq, TimelineItem::AssistantMessage { text: text.into() })
    }
    fn user(seq: u64, text: &str) -> Row {
        row(
            seq,
            TimelineItem::UserMessage {
                text: text.into(),
                message_id: Some(format!("m{seq}")),
            },
        )
    }
    fn tool(seq: u64, id: &str, status: ToolCallStatus) -> Row {
        row(
            seq,
            TimelineItem::ToolCall(ToolCallItem {
                call_id: id.into(),
                name: "edit".into(),
                detail: ToolCallDetail::Edit {
                    file_path: "a.md".into(),
                    old_string: None,
                    new_string: Some("x".into()),
                    unified_diff: None,
                },
                metadata: None,
                status,
                error: None,
            }),
        )
    }

    #[test]
    fn chunks_merge_into_one_item_whose_text_is_their_concatenation() {
        let mut t = TimelineModel::from_rows("e", vec![user(1, "hi")], false);
        let change = t.append("e", vec![said(2, "Hi"), said(3, " there"), said(4, "!")]);
        assert_eq!(
            change,
            TimelineChange::Tail {
                first_changed: 1,
                extended: false
            }
        );
        assert_eq!(t.items.len(), 2);
        assert_eq!((t.items[1].seq_start, t.items[1].seq_end), (2, 4));
        assert_eq!(
            t.items[1].item,
            json(TimelineItem::AssistantMessage {
                text: "Hi there!".into()
            })
        );
        // One more chunk extends the same item.
        assert_eq!(
            t.append("e", vec![said(5, "?")]),
            TimelineChange::Tail {
                first_changed: 1,
                extended: true
            }
        );
        assert_eq!(t.items[1].seq_end, 5);
    }

    #[test]
    fn rows_already_held_are_ignored_and_gaps_are_reported_not_guessed() {
        let mut t = TimelineModel::from_rows("e", vec![user(1, "a"), said(2, "b")], false);
        assert_eq!(t.append("e", vec![said(2, "b")]), TimelineChange::None);
        assert_eq!(
            t.append("e", vec![said(5, "late")]),
            TimelineChange::Gap { after_seq: 2 }
        );
        assert_eq!(t.last_seq(), Some(2));
        // A batch that starts held and continues is applied from the new row.
        let change = t.append("e", vec![said(2, "b"), user(3, "c")]);
        assert_eq!(
            change,
            TimelineChange::Tail {
                first_changed: 2,
                extended: false
            }
        );
        assert_eq!(t.items.len(), 3);
    }

    #[test]
    fn another_epoch_is_not_applied() {
        let mut t = TimelineModel::from_rows("e", vec![user(1, "a")], false);
        assert_eq!(
            t.append("other", vec![user(2, "b")]),
            TimelineChange::Gap { after_seq: 0 }
        );
        assert_eq!(t.items.len(), 1);
    }

    #[test]
    fn tool_call_rows_merge_by_call_id_with_the_latest_status() {
        let t = TimelineModel::from_rows(
            "e",
            vec![
                tool(1, "c1", ToolCallStatus::Running),
                tool(2, "c1", ToolCallStatus::Completed),
                tool(3, "c2", ToolCallStatus::Running),
            ],
            false,
        );
        assert_eq!(t.items.len(), 2);
        let item: TimelineItem = serde_json::from_value(t.items[0].item.clone()).expect("decodes");
        let TimelineItem::ToolCall(call) = item else {
            panic!("tool call expected");
        };
        assert_eq!(call.status, ToolCallStatus::Completed);
        assert_eq!((t.items[0].seq_start, t.items[0].seq_end), (1, 2));
    }

    #[test]
    fn a_tool_update_that_says_less_keeps_the_detail_it_had() {
        let mut bare = tool(2, "c1", ToolCallStatus::Completed);
        bare.item["detail"] = serde_json::json!({"type": "unknown", "input": null, "output": null});
        let t = TimelineModel::from_rows(
            "e",
            vec![tool(1, "c1", ToolCallStatus::Running), bare],
            false,
        );
        assert_eq!(t.items.len(), 1);
        assert_eq!(t.items[0].item["status"], "completed");
        assert_eq!(t.items[0].item["detail"]["type"], "edit");
        assert_eq!(t.items[0].item["detail"]["newString"], "x");
        // Different calls, or chunks of different kinds, never merge.
        let t = TimelineModel::from_rows(
            "e",
            vec![
                tool(1, "c1", ToolCallStatus::Running),
                said(2, "a"),
                tool(3, "c1", ToolCallStatus::Completed),
            ],
            false,
        );
        assert_eq!(t.items.len(), 3);
    }

    #[test]
    fn older_pages_go_first_and_ranges_stay_contiguous_and_disjoint() {
        let mut t = TimelineModel::from_rows("e", vec![user(5, "e"), said(6, "f")], true);
        let change = t.prepend("e", vec![user(3, "c"), said(4, "d"), user(5, "dup")], false);
        assert_eq!(change, TimelineChange::Prepended { count: 2 });
        assert!(!t.has_older);
        let ranges: Vec<(u64, u64)> = t.items.iter().map(|i| (i.seq_start, i.seq_end)).collect();
        assert_eq!(ranges, vec![(3, 3), (4, 4), (5, 5), (6, 6)]);
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].1 + 1, pair[1].0);
        }
    }

    #[test]
    fn user_messages_are_found_by_message_id() {
        let t = TimelineModel::from_rows("e", vec![user(1, "a")], false);
        assert!(t.has_user_message("m1"));
        assert!(!t.has_user_message("m2"));
    }

    #[test]
    fn a_compaction_that_finishes_is_one_marker() {
        let loading = TimelineItem::Compaction {
            status: CompactionStatus::Loading,
            trigger: None,
            pre_tokens: Some(10),
        };
        let done = TimelineItem::Compaction {
            status: CompactionStatus::Completed,
            trigger: None,
            pre_tokens: Some(10),
        };
        let t = TimelineModel::from_rows("e", vec![row(1, loading), row(2, done.clone())], false);
        assert_eq!(t.items.len(), 1);
        assert_eq!((t.items[0].seq_start, t.items[0].seq_end), (1, 2));
        assert_eq!(t.items[0].item, json(done));
    }
}
