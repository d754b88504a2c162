//! Recording hub events and replaying them the way a browser would, so a
//! test can assert order and outcome: per followed timeline, a reset
//! replaces everything and every delta must continue exactly where the
//! previous row ended (a skipped seq is a gap, a repeated one a duplicate).

use std::sync::Arc;

use hub::{ConnectionStatus, DaemonKey, Hub, HubEvent, TimelineRow};
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;

use super::DEADLINE;

/// Every event received so far, in order.
pub struct EventLog {
    rx: broadcast::Receiver<HubEvent>,
    pub seen: Vec<HubEvent>,
}

impl EventLog {
    pub fn new(hub: &Hub) -> Self {
        Self {
            rx: hub.subscribe(),
            seen: Vec::new(),
        }
    }

    /// Records events until `done` holds (checked first, then after each
    /// event), failing after [`DEADLINE`].
    pub async fn until(&mut self, what: &str, mut done: impl FnMut(&[HubEvent]) -> bool) {
        let deadline = Instant::now() + DEADLINE;
        while !done(&self.seen) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Err(_) => panic!(
                    "timed out waiting for {what}; last events: {:#?}",
                    self.tail()
                ),
                Ok(Ok(event)) => self.seen.push(event),
                Ok(Err(RecvError::Lagged(n))) => panic!("test receiver lagged by {n} events"),
                Ok(Err(RecvError::Closed)) => panic!("hub event channel closed"),
            }
        }
    }

    /// Records whatever is already queued, without waiting.
    pub fn drain(&mut self) {
        while let Ok(event) = self.rx.try_recv() {
            self.seen.push(event);
        }
    }

    fn tail(&self) -> Vec<String> {
        self.seen
            .iter()
            .rev()
            .take(8)
            .map(|e| format!("{e:?}").chars().take(300).collect())
            .collect()
    }

    /// Connection statuses of `key`, in order, from index `from` on.
    pub fn statuses(&self, key: &DaemonKey, from: usize) -> Vec<ConnectionStatus> {
        self.seen[from..]
            .iter()
            .filter_map(|event| match event {
                HubEvent::Connection { key: k, snapshot } if k == key => Some(snapshot.status),
                _ => None,
            })
            .collect()
    }

    /// The timeline a browser applying these events would show.
    pub fn follower(&self, key: &DaemonKey, agent_id: &str) -> Follower {
        Follower::from_events(&self.seen, key, agent_id)
    }
}

/// A browser's copy of one timeline, rebuilt from events.
#[derive(Debug, Default)]
pub struct Follower {
    pub epoch: String,
    pub rows: Vec<Arc<TimelineRow>>,
    pub resets: usize,
    pub deltas: usize,
}

impl Follower {
    /// Replays `events` (panicking on a gap or a duplicate).
    pub fn from_events(events: &[HubEvent], key: &DaemonKey, agent_id: &str) -> Self {
        let mut follower = Follower::default();
        for event in events {
            follower.apply(key, agent_id, event);
        }
        follower
    }

    /// Highest seq shown.
    pub fn last_seq(&self) -> Option<u64> {
        self.rows.last().map(|row| row.seq_end)
    }

    fn apply(&mut self, key: &DaemonKey, agent_id: &str, event: &HubEvent) {
        match event {
            HubEvent::TimelineReset {
                key: k,
                agent_id: a,
                epoch,
                items,
                ..
            } if k == key && a == agent_id => {
                self.epoch = epoch.clone();
                self.rows = items.clone();
                self.resets += 1;
            }
            HubEvent::Timeline {
                key: k,
                agent_id: a,
                epoch,
                items,
            } if k == key && a == agent_id => {
                assert_eq!(
                    *epoch, self.epoch,
                    "a delta of another epoch without a reset"
                );
                for item in items.iter() {
                    if let Some(last) = self.rows.last() {
                        assert!(
                            item.seq_start == last.seq_end + 1,
                            "row {}..{} after {}..{}: {}",
                            item.seq_start,
                            item.seq_end,
                            last.seq_start,
                            last.seq_end,
                            if item.seq_start <= last.seq_end {
                                "shown twice"
                            } else {
                                "gap"
                            }
                        );
                    }
                    self.rows.push(item.clone());
                }
                self.deltas += 1;
            }
            _ => {}
        }
    }

    pub fn rows(&self) -> super::agents::Rows {
        self.rows
            .iter()
            .map(|row| (row.seq_start, row.seq_end, row.item.clone()))
            .collect()
    }
}
