//! What one run delivered to its subscriber, and how fast.

use std::time::{Duration, Instant};

use crate::source::now_nanos;

#[derive(Debug, Default)]
pub struct Outcome {
    pub delivered: usize,
    pub lost: u64,
    pub elapsed: Duration,
    /// Source send → subscriber receive, nanoseconds, per event.
    pub latencies: Vec<u64>,
}

impl Outcome {
    /// `N events/s (delivered, lost, elapsed)`.
    pub fn summary(&self) -> String {
        format!(
            "{:.0} events/s ({} delivered, {} lost, {:?})",
            self.per_second(),
            self.delivered,
            self.lost,
            self.elapsed
        )
    }

    pub fn per_second(&self) -> f64 {
        self.delivered as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }

    /// The `q` quantile of the latencies, in milliseconds.
    pub fn latency_ms(&mut self, q: f64) -> f64 {
        if self.latencies.is_empty() {
            return f64::NAN;
        }
        self.latencies.sort_unstable();
        let at = ((self.latencies.len() - 1) as f64 * q).round() as usize;
        self.latencies[at] as f64 / 1e6
    }
}

/// Counts events as a subscriber sees them.
pub struct Meter {
    pub outcome: Outcome,
    started: Instant,
    last: Instant,
}

impl Meter {
    pub fn start() -> Self {
        let now = Instant::now();
        Self {
            outcome: Outcome::default(),
            started: now,
            last: now,
        }
    }

    /// One event whose source stamped `sent_nanos` (Unix ns).
    pub fn event(&mut self, sent_nanos: Option<u128>) {
        self.outcome.delivered += 1;
        self.last = Instant::now();
        if let Some(sent) = sent_nanos {
            let latency = now_nanos().saturating_sub(sent);
            self.outcome
                .latencies
                .push(u64::try_from(latency).unwrap_or(u64::MAX));
        }
    }

    pub fn lost(&mut self, n: u64) {
        self.outcome.lost += n;
    }

    pub fn seen(&self) -> u64 {
        self.outcome.delivered as u64 + self.outcome.lost
    }

    pub fn finish(mut self) -> Outcome {
        self.outcome.elapsed = self.last - self.started;
        self.outcome
    }
}
