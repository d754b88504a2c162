//! One followed timeline on one socket: where the tab is, and what to send
//! next so that it never receives a seq range twice and never a silent gap.
//!
//! The position is the tab's `{epoch, last seq}` (from its cursor, then
//! from what this socket sent). Hub events are only hints: a contiguous
//! append of the same epoch is forwarded as it is; anything else (a reset,
//! another epoch, a hole after a lagging receiver, the first load) is
//! settled against the hub's mirror, which is always a contiguous run of
//! rows. Rows the mirror no longer holds (older than its window) are
//! fetched from the daemon; when the daemon cannot continue the cursor the
//! tab gets a `timeline_reset`. Pure logic: the session does the I/O.

use std::sync::Arc;

use hub::{TimelineMirror, TimelineRow};
use protocol::{FetchAgentTimelineResponse, TimelineCursor};

/// What the session should do for this timeline.
#[derive(Debug, PartialEq)]
pub(super) enum Step {
    /// Nothing is known yet (the hub's first load is under way).
    Wait,
    /// The tab is up to date.
    Nothing,
    Send(Out),
    /// Rows after this cursor are not in the mirror: fetch them from the
    /// daemon and feed the page to [`Stream::on_page`].
    Fetch(TimelineCursor),
}

/// A message for the tab.
#[derive(Debug, PartialEq)]
pub(super) enum Out {
    /// `timeline_delta`: rows after the tab's last seq, in order.
    Delta {
        epoch: String,
        items: Vec<Arc<TimelineRow>>,
    },
    /// `timeline_reset`: drop what you hold, take these.
    Reset {
        epoch: String,
        items: Vec<Arc<TimelineRow>>,
        has_older: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Position {
    epoch: String,
    /// Highest seq the tab holds; `None`: nothing of this epoch yet.
    last: Option<u64>,
}

/// One followed timeline's state on one socket.
#[derive(Debug)]
pub(super) struct Stream {
    /// `None`: the tab holds nothing (follow without a cursor).
    position: Option<Position>,
    /// Caught up with the mirror once, so contiguous appends can be
    /// forwarded without reading it.
    live: bool,
}

impl Stream {
    pub(super) fn new(cursor: Option<TimelineCursor>) -> Self {
        let mut stream = Stream {
            position: None,
            live: false,
        };
        if let Some(cursor) = cursor {
            stream.reposition(cursor);
        }
        stream
    }

    /// The tab says it holds everything up to `cursor` (a `follow` with a
    /// cursor on a timeline it already follows: it saw a gap).
    pub(super) fn reposition(&mut self, cursor: TimelineCursor) {
        self.position = Some(Position {
            epoch: cursor.epoch,
            last: Some(cursor.seq),
        });
        self.live = false;
    }

    /// Rows the hub appended (`HubEvent::Timeline`); `None`: settle it
    /// against the mirror instead.
    pub(super) fn on_append(&mut self, epoch: &str, rows: &[Arc<TimelineRow>]) -> Option<Step> {
        if !self.live {
            return None;
        }
        let position = self.position.as_mut()?;
        if position.epoch != epoch {
            return None;
        }
        let newer = after(rows, position.last);
        let Some(first) = newer.first() else {
            return Some(Step::Nothing);
        };
        let hole = position.last.is_some_and(|last| first.seq_start > last + 1);
        let overlap = newer.windows(2).any(|w| w[1].seq_start <= w[0].seq_end);
        if hole || overlap {
            return None;
        }
        position.last = newer.last().map(|row| row.seq_end);
        Some(Step::Send(Out::Delta {
            epoch: epoch.to_owned(),
            items: newer,
        }))
    }

    /// Brings the tab up to date with the hub's mirror of this timeline.
    pub(super) fn on_mirror(&mut self, mirror: &TimelineMirror) -> Step {
        if mirror.epoch.is_empty() {
            return Step::Wait;
        }
        let Some(position) = &self.position else {
            // Nothing held: the mirror's tail, as a delta.
            self.live = true;
            self.position = Some(Position {
                epoch: mirror.epoch.clone(),
                last: last_seq(&mirror.items),
            });
            return Step::Send(Out::Delta {
                epoch: mirror.epoch.clone(),
                items: mirror.items.clone(),
            });
        };
        if position.epoch != mirror.epoch {
            return Step::Send(self.reset_from(mirror));
        }
        let last = position.last;
        let newer = after(&mirror.items, last);
        match (newer.first(), last) {
            (None, Some(last)) => {
                // The tab is ahead of a complete mirror: the daemon's log
                // went back. Replace rather than keep rows it no longer has.
                if mirror.synced && last_seq(&mirror.items).is_none_or(|held| held < last) {
                    return Step::Send(self.reset_from(mirror));
                }
                self.live = true;
                Step::Nothing
            }
            (None, None) => {
                self.live = true;
                Step::Nothing
            }
            (Some(first), Some(last)) if first.seq_start > last + 1 => {
                Step::Fetch(TimelineCursor {
                    epoch: mirror.epoch.clone(),
                    seq: last,
                })
            }
            (Some(_), _) => {
                self.live = true;
                self.set_last(last_seq(&newer));
                Step::Send(Out::Delta {
                    epoch: mirror.epoch.clone(),
                    items: newer,
                })
            }
        }
    }

    /// The daemon's answer to a [`Step::Fetch`]: the rows after the cursor,
    /// or `None` when it cannot continue it (error, reset, another epoch,
    /// a page that does not start right after the cursor): then reset.
    pub(super) fn on_page(&mut self, page: FetchAgentTimelineResponse) -> Option<Out> {
        let position = self.position.as_ref()?;
        let last = position.last?;
        if page.error.is_some() || page.reset || page.epoch != position.epoch {
            return None;
        }
        let mut rows: Vec<Arc<TimelineRow>> = page
            .entries
            .into_iter()
            .map(|entry| Arc::new(TimelineRow::from(entry)))
            .filter(|row| row.seq_end > last)
            .collect();
        rows.sort_by_key(|row| row.seq_start);
        let first = rows.first()?;
        let contiguous = rows.windows(2).all(|w| w[1].seq_start > w[0].seq_end);
        if first.seq_start > last + 1 || !contiguous {
            return None;
        }
        self.set_last(last_seq(&rows));
        Some(Out::Delta {
            epoch: page.epoch,
            items: rows,
        })
    }

    /// `timeline_reset` with the whole mirror; the tab then holds exactly it.
    pub(super) fn reset_from(&mut self, mirror: &TimelineMirror) -> Out {
        self.live = true;
        self.position = Some(Position {
            epoch: mirror.epoch.clone(),
            last: last_seq(&mirror.items),
        });
        Out::Reset {
            epoch: mirror.epoch.clone(),
            items: mirror.items.clone(),
            has_older: mirror.has_older,
        }
    }

    fn set_last(&mut self, last: Option<u64>) {
        if let (Some(position), Some(last)) = (self.position.as_mut(), last) {
            position.last = Some(last);
        }
    }
}

fn after(rows: &[Arc<TimelineRow>], last: Option<u64>) -> Vec<Arc<TimelineRow>> {
    rows.iter()
        .filter(|row| last.is_none_or(|last| row.seq_end > last))
        .cloned()
        .collect()
}

fn last_seq(rows: &[Arc<TimelineRow>]) -> Option<u64> {
    rows.last().map(|row| row.seq_end)
}

#[cfg(test)]
#[path = "stream_tests.rs"]
mod tests;
