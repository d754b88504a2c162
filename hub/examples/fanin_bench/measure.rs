//! What one run delivered to its subscriber, and how fast.

use std::time::{Duration, Instant};

use crate::cpu;
use crate::source::now_nanos;

#[derive(Debug, Default)]
pub struct Outcome {
    pub delivered: usize,
    pub lost: u64,
    pub elapsed: Duration,
    /// Source send → subscriber receive, nanoseconds, per event.
    pub latencies: Vec<u64>,
    /// CPU used while measuring by this process (hub or relay, and the
    /// subscriber) and by the source process.
    pub cpu: Option<Duration>,
    pub source_cpu: Option<Duration>,
}

impl Outcome {
    /// `N events/s (delivered, lost, elapsed)`.
    pub fn summary(&self) -> String {
        let per_event = |cpu: Option<Duration>| match cpu {
            Some(cpu) if self.delivered > 0 => {
                format!("{:.2} µs", cpu.as_secs_f64() * 1e6 / self.delivered as f64)
            }
            _ => "?".to_owned(),
        };
        format!(
            "{:.0} events/s ({} delivered, {} lost, {:?}; CPU per event: this process {}, sources {})",
            self.per_second(),
            self.delivered,
            self.lost,
            self.elapsed,
            per_event(self.cpu),
            per_event(self.source_cpu),
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
    source_pid: String,
    cpu_at_start: Option<Duration>,
    source_cpu_at_start: Option<Duration>,
}

impl Meter {
    /// Starts the clock (and the CPU counters of this process and of the
    /// source process `source_pid`).
    pub fn start(source_pid: String) -> Self {
        let now = Instant::now();
        Self {
            outcome: Outcome::default(),
            started: now,
            last: now,
            cpu_at_start: cpu::used("self"),
            source_cpu_at_start: cpu::used(&source_pid),
            source_pid,
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
        let since =
            |now: Option<Duration>, then: Option<Duration>| Some(now?.saturating_sub(then?));
        self.outcome.cpu = since(cpu::used("self"), self.cpu_at_start);
        self.outcome.source_cpu = since(cpu::used(&self.source_pid), self.source_cpu_at_start);
        self.outcome
    }
}
