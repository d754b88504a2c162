//! One followed agent timeline as the hub holds it, and the rules that keep
//! it equal to the daemon's durable log.
//!
//! Why a state machine instead of "append what arrives": live `agent_stream`
//! rows and fetched pages overlap (a row can be in a page *and* arrive live),
//! the connection can drop between any two rows, and the daemon can change a
//! timeline's epoch. Every row carries its `{epoch, seq}`, so the mirror keeps
//! the highest seq it holds and accepts only the next one: an older seq is a
//! duplicate (dropped), a newer one is a gap (buffered while the hole is
//! fetched with `direction: after`), another epoch replaces the timeline.
//! While a fetch is in flight live rows are buffered and replayed on top of
//! the page, so none is lost and none is shown twice. Pure logic: the actor
//! sends the fetches this module asks for.

use std::sync::Arc;

use protocol::{FetchAgentTimelineResponse, TimelineCursor, TimelineDirection, TimelineEntry};
use serde::Serialize;

/// One timeline row (canonical projection: `seq_start == seq_end`), or a
/// merged entry when a caller fetched a projected page itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineRow {
    pub seq_start: u64,
    pub seq_end: u64,
    pub provider: String,
    /// When the daemon recorded the row (ISO-8601).
    pub timestamp: String,
    pub item: protocol::TimelineItem,
}

impl From<TimelineEntry> for TimelineRow {
    fn from(entry: TimelineEntry) -> Self {
        Self {
            seq_start: entry.seq_start,
            seq_end: entry.seq_end,
            provider: entry.provider,
            timestamp: entry.timestamp,
            item: entry.item,
        }
    }
}

/// A copy of one followed timeline, as [`crate::Hub::timeline`] returns it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TimelineMirror {
    /// The daemon's timeline epoch; rows of another epoch are another timeline.
    pub epoch: String,
    /// Rows in seq order, without duplicates or holes. Rows never change
    /// once received, so the mirror, its copies and every event share them.
    pub items: Vec<Arc<TimelineRow>>,
    /// The daemon holds rows before the first item (page back with
    /// `fetch_agent_timeline_request` `direction: before`).
    pub has_older: bool,
    /// Whether the rows are current on a live connection (false while the
    /// first fetch or a resync is in flight, and while offline).
    pub synced: bool,
}

impl TimelineMirror {
    /// The cursor of the newest row held.
    pub fn cursor(&self) -> Option<TimelineCursor> {
        self.items.last().map(|row| TimelineCursor {
            epoch: self.epoch.clone(),
            seq: row.seq_end,
        })
    }
}

/// What changed, for the actor to broadcast.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TimelineChange {
    /// Rows appended after the previous newest row.
    Append {
        epoch: String,
        items: Vec<Arc<TimelineRow>>,
    },
    /// The whole timeline was replaced (first load, epoch change, or the
    /// daemon said `reset`).
    Reset {
        epoch: String,
        items: Vec<Arc<TimelineRow>>,
        has_older: bool,
    },
}

/// Result of feeding a live row or a fetched page.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Outcome {
    pub(crate) change: Option<TimelineChange>,
    /// A hole or an epoch change was seen: call [`FollowedTimeline::plan`]
    /// and [`FollowedTimeline::begin_fetch`], then send the fetch.
    pub(crate) needs_fetch: bool,
    /// The daemon answered the fetch with an error (e.g. agent not found).
    pub(crate) failed: Option<String>,
}

/// What to ask the daemon for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FetchPlan {
    /// The newest `limit` rows (first load, or the cursor is useless).
    Tail,
    /// Every row after this cursor (resync; the daemon answers `reset` if
    /// the cursor's epoch or seq is no longer valid).
    After(TimelineCursor),
}

#[derive(Debug)]
struct LiveRow {
    epoch: String,
    row: Arc<TimelineRow>,
}

#[derive(Debug)]
enum Sync {
    /// Not fetched on this connection: live rows are ignored (the next
    /// fetch brings them).
    Idle,
    /// A fetch is wanted (`request_id: None`) or in flight; live rows wait.
    Fetching {
        request_id: Option<String>,
        buffered: Vec<LiveRow>,
    },
    Live,
}

/// The hub's state of one followed timeline.
#[derive(Debug)]
pub(crate) struct FollowedTimeline {
    mirror: TimelineMirror,
    /// Highest seq held; `None` before anything is known.
    last_seq: Option<u64>,
    /// The held cursor cannot be continued (another epoch was seen).
    tail_next: bool,
    sync: Sync,
    capacity: usize,
    /// Live rows appended to the mirror but not yet broadcast: the actor
    /// applies every frame at once and sends the rows of one read batch as
    /// one event per timeline ([`FollowedTimeline::take_unsent`]).
    unsent: Vec<Arc<TimelineRow>>,
}

/// What one deferred live row did ([`FollowedTimeline::on_live_deferred`]).
#[derive(Debug, Default, PartialEq)]
pub(crate) struct LiveStep {
    /// The row is the first unsent one: the timeline has something to send.
    pub(crate) first_unsent: bool,
    /// As [`Outcome::needs_fetch`].
    pub(crate) needs_fetch: bool,
}

impl FollowedTimeline {
    /// An empty timeline keeping at most `capacity` rows (oldest dropped).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            mirror: TimelineMirror::default(),
            last_seq: None,
            tail_next: false,
            sync: Sync::Idle,
            capacity: capacity.max(1),
            unsent: Vec::new(),
        }
    }

    pub(crate) fn mirror(&self) -> &TimelineMirror {
        &self.mirror
    }

    /// Whether the timeline waits for a fetch nobody has sent (after a
    /// refused fetch, e.g. an agent the daemon did not know yet).
    pub(crate) fn is_idle(&self) -> bool {
        matches!(self.sync, Sync::Idle)
    }

    /// Whether a fetch is wanted or in flight.
    pub(crate) fn is_fetching(&self) -> bool {
        matches!(self.sync, Sync::Fetching { .. })
    }

    /// The request that brings this timeline up to date.
    pub(crate) fn plan(&self) -> FetchPlan {
        match self.last_seq {
            Some(seq) if !self.tail_next && !self.mirror.epoch.is_empty() => {
                FetchPlan::After(TimelineCursor {
                    epoch: self.mirror.epoch.clone(),
                    seq,
                })
            }
            _ => FetchPlan::Tail,
        }
    }

    /// A fetch was sent under `request_id`; live rows are buffered until
    /// its answer (rows already buffered for a hole are kept).
    pub(crate) fn begin_fetch(&mut self, request_id: String) {
        let buffered = match std::mem::replace(&mut self.sync, Sync::Idle) {
            Sync::Fetching { buffered, .. } => buffered,
            Sync::Idle | Sync::Live => Vec::new(),
        };
        self.sync = Sync::Fetching {
            request_id: Some(request_id),
            buffered,
        };
        self.mirror.synced = false;
    }

    /// The connection dropped: keep the rows and the cursor for the resync.
    pub(crate) fn disconnected(&mut self) {
        self.sync = Sync::Idle;
        self.mirror.synced = false;
    }

    /// A live `agent_stream` timeline row, broadcast at once.
    #[cfg(test)]
    pub(crate) fn on_live(&mut self, epoch: &str, row: Arc<TimelineRow>) -> Outcome {
        let step = self.on_live_deferred(epoch, row);
        Outcome {
            change: self.take_unsent(),
            needs_fetch: step.needs_fetch,
            failed: None,
        }
    }

    /// A live `agent_stream` timeline row: applied to the mirror now, kept
    /// for [`FollowedTimeline::take_unsent`] if appended.
    pub(crate) fn on_live_deferred(&mut self, epoch: &str, row: Arc<TimelineRow>) -> LiveStep {
        match &mut self.sync {
            Sync::Idle => LiveStep::default(),
            Sync::Fetching { buffered, .. } => {
                buffered.push(LiveRow {
                    epoch: epoch.to_owned(),
                    row,
                });
                LiveStep::default()
            }
            Sync::Live => {
                let was_empty = self.unsent.is_empty();
                let mut unsent = std::mem::take(&mut self.unsent);
                let needs_fetch = self.accept(epoch, row, &mut unsent);
                self.unsent = unsent;
                LiveStep {
                    first_unsent: was_empty && !self.unsent.is_empty(),
                    needs_fetch,
                }
            }
        }
    }

    /// The rows appended since the last call, as one change (`None` if
    /// there are none).
    pub(crate) fn take_unsent(&mut self) -> Option<TimelineChange> {
        let appended = std::mem::take(&mut self.unsent);
        self.append_change(appended)
    }

    /// Applies one row in `Live` state: appends it to `appended`, drops a
    /// duplicate, or (hole / other epoch) switches to fetching with the row
    /// buffered and returns true.
    fn accept(
        &mut self,
        epoch: &str,
        row: Arc<TimelineRow>,
        appended: &mut Vec<Arc<TimelineRow>>,
    ) -> bool {
        let other_epoch = epoch != self.mirror.epoch;
        let hole = self
            .last_seq
            .is_some_and(|last| row.seq_start > last.saturating_add(1));
        if other_epoch || hole {
            self.tail_next |= other_epoch;
            self.sync = Sync::Fetching {
                request_id: None,
                buffered: vec![LiveRow {
                    epoch: epoch.to_owned(),
                    row,
                }],
            };
            self.mirror.synced = false;
            return true;
        }
        if self.last_seq.is_some_and(|last| row.seq_end <= last) {
            return false;
        }
        self.last_seq = Some(row.seq_end);
        self.mirror.items.push(row.clone());
        appended.push(row);
        false
    }

    /// The answer to a fetch this timeline asked for; `None` if it is not
    /// the one in flight (a late answer to an abandoned fetch).
    pub(crate) fn on_fetch(&mut self, response: FetchAgentTimelineResponse) -> Option<Outcome> {
        let Sync::Fetching {
            request_id: Some(request_id),
            ..
        } = &self.sync
        else {
            return None;
        };
        if *request_id != response.request_id {
            return None;
        }
        let Sync::Fetching { buffered, .. } = std::mem::replace(&mut self.sync, Sync::Live) else {
            return None;
        };
        if let Some(error) = response.error {
            self.sync = Sync::Idle;
            return Some(Outcome {
                failed: Some(error),
                ..Outcome::default()
            });
        }
        self.mirror.synced = true;
        let replace = response.reset
            || response.direction != TimelineDirection::After
            || response.epoch != self.mirror.epoch;
        // A daemon's page is trusted for content, not for shape: an entry
        // whose range runs backwards is dropped (found by the fuzz target).
        let rows = response
            .entries
            .into_iter()
            .filter(|entry| entry.seq_start <= entry.seq_end)
            .map(|entry| Arc::new(TimelineRow::from(entry)));
        // Rows not broadcast yet go out first (a replace supersedes them).
        let mut appended = std::mem::take(&mut self.unsent);
        if replace {
            self.tail_next = false;
            self.mirror.epoch = response.epoch;
            self.mirror.items = rows.collect();
            self.mirror.items.sort_by_key(|row| row.seq_start);
            // Overlapping entries (a page no daemon of ours sends) would
            // show rows twice: keep the first of each range.
            let mut last_end = None;
            self.mirror.items.retain(|row| {
                let fresh = last_end.is_none_or(|end| row.seq_start > end);
                if fresh {
                    last_end = Some(row.seq_end);
                }
                fresh
            });
            self.mirror.has_older = response.has_older;
            let window = response.window;
            self.last_seq = self
                .mirror
                .items
                .last()
                .map(|row| row.seq_end)
                .or((window.next_seq > 0).then_some(window.max_seq));
        } else {
            for row in rows {
                if self.last_seq.is_none_or(|last| row.seq_end > last) {
                    self.last_seq = Some(row.seq_end);
                    self.mirror.items.push(row.clone());
                    appended.push(row);
                }
            }
        }
        let mut needs_fetch = false;
        let mut rest = buffered.into_iter();
        for live in rest.by_ref() {
            if self.accept(&live.epoch, live.row, &mut appended) {
                needs_fetch = true;
                break;
            }
        }
        if let Sync::Fetching { buffered, .. } = &mut self.sync {
            buffered.extend(rest);
        }
        let change = if replace {
            self.trim();
            Some(TimelineChange::Reset {
                epoch: self.mirror.epoch.clone(),
                items: self.mirror.items.clone(),
                has_older: self.mirror.has_older,
            })
        } else {
            self.append_change(appended)
        };
        Some(Outcome {
            change,
            needs_fetch,
            failed: None,
        })
    }

    fn append_change(&mut self, appended: Vec<Arc<TimelineRow>>) -> Option<TimelineChange> {
        // Trimming the front does not change what the receivers append.
        self.trim();
        (!appended.is_empty()).then(|| TimelineChange::Append {
            epoch: self.mirror.epoch.clone(),
            items: appended,
        })
    }

    /// Drops the oldest rows beyond the capacity; true if any was dropped.
    fn trim(&mut self) -> bool {
        let excess = self.mirror.items.len().saturating_sub(self.capacity);
        if excess == 0 {
            return false;
        }
        self.mirror.items.drain(..excess);
        self.mirror.has_older = true;
        true
    }
}

#[cfg(test)]
#[path = "timeline_tests.rs"]
mod tests;
