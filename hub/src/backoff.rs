//! When to try a daemon again. A small value type, free of sockets and
//! clocks-of-its-own, so the retry schedule is unit-tested exactly.
//!
//! Schedule: the first retry after a failure is immediate; then
//! `initial × multiplier^(n-1)`, each jittered by ±`jitter` and never above
//! `max`. A connection that stayed online for `reset_after` starts the
//! schedule over when it drops.

use std::time::Duration;

use tokio::time::Instant;

use crate::error::ConfigError;

/// The validated parameters of a retry schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BackoffPolicy {
    initial: Duration,
    multiplier: f64,
    jitter: f64,
    max: Duration,
    reset_after: Duration,
}

impl Default for BackoffPolicy {
    /// 1 s ×2 ±20 %, capped at 30 s, reset after 60 s online.
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            multiplier: 2.0,
            jitter: 0.2,
            max: Duration::from_secs(30),
            reset_after: Duration::from_secs(60),
        }
    }
}

impl BackoffPolicy {
    /// Checks: `initial > 0`, `multiplier ≥ 1` (finite), `0 ≤ jitter < 1`,
    /// `max ≥ initial`, `reset_after > 0`.
    pub fn new(
        initial: Duration,
        multiplier: f64,
        jitter: f64,
        max: Duration,
        reset_after: Duration,
    ) -> Result<Self, ConfigError> {
        if initial.is_zero() {
            return Err(ConfigError::new("backoff.initial", "must be above zero"));
        }
        if !multiplier.is_finite() || multiplier < 1.0 {
            return Err(ConfigError::new(
                "backoff.multiplier",
                format!("must be a finite number ≥ 1, got {multiplier}"),
            ));
        }
        if !jitter.is_finite() || !(0.0..1.0).contains(&jitter) {
            return Err(ConfigError::new(
                "backoff.jitter",
                format!("must be in [0, 1), got {jitter}"),
            ));
        }
        if max < initial {
            return Err(ConfigError::new(
                "backoff.max",
                format!("must be at least backoff.initial ({initial:?}), got {max:?}"),
            ));
        }
        if reset_after.is_zero() {
            return Err(ConfigError::new(
                "backoff.reset_after",
                "must be above zero",
            ));
        }
        Ok(Self {
            initial,
            multiplier,
            jitter,
            max,
            reset_after,
        })
    }

    pub fn initial(&self) -> Duration {
        self.initial
    }
    pub fn multiplier(&self) -> f64 {
        self.multiplier
    }
    pub fn jitter(&self) -> f64 {
        self.jitter
    }
    /// The cap; also the wait after failures that retrying soon cannot fix
    /// (a wrong password).
    pub fn max(&self) -> Duration {
        self.max
    }
    pub fn reset_after(&self) -> Duration {
        self.reset_after
    }

    /// The un-jittered wait before retry number `retry` (0-based).
    pub fn nominal_delay(&self, retry: u32) -> Duration {
        if retry == 0 {
            return Duration::ZERO;
        }
        let exponent = i32::try_from(retry - 1).unwrap_or(i32::MAX);
        let secs = self.initial.as_secs_f64() * self.multiplier.powi(exponent);
        Duration::try_from_secs_f64(secs)
            .unwrap_or(self.max)
            .min(self.max)
    }
}

/// One daemon's position in the schedule.
#[derive(Debug, Clone)]
pub struct Backoff {
    policy: BackoffPolicy,
    retries: u32,
    online_since: Option<Instant>,
}

impl Backoff {
    pub fn new(policy: BackoffPolicy) -> Self {
        Self {
            policy,
            retries: 0,
            online_since: None,
        }
    }

    pub fn policy(&self) -> &BackoffPolicy {
        &self.policy
    }

    /// Waits handed out since the last reset.
    pub fn retries(&self) -> u32 {
        self.retries
    }

    /// The wait before the next attempt, with random jitter.
    pub fn next_delay(&mut self) -> Duration {
        self.next_delay_with(rand::random::<f64>())
    }

    /// The wait before the next attempt, `unit ∈ [0, 1]` choosing the jitter
    /// (0 → −jitter, 0.5 → none, 1 → +jitter). Never above the cap.
    pub fn next_delay_with(&mut self, unit: f64) -> Duration {
        let nominal = self.policy.nominal_delay(self.retries);
        self.retries = self.retries.saturating_add(1);
        let unit = if unit.is_finite() {
            unit.clamp(0.0, 1.0)
        } else {
            0.5
        };
        let factor = 1.0 + self.policy.jitter * (2.0 * unit - 1.0);
        nominal.mul_f64(factor).min(self.policy.max)
    }

    /// The connection reached `online` at `now`.
    pub fn connected(&mut self, now: Instant) {
        self.online_since = Some(now);
    }

    /// The connection dropped at `now`; a long enough stay online resets the
    /// schedule, so the next retry is immediate again.
    pub fn disconnected(&mut self, now: Instant) {
        if let Some(since) = self.online_since.take()
            && now.saturating_duration_since(since) >= self.policy.reset_after
        {
            self.reset();
        }
    }

    /// Back to "next retry is immediate".
    pub fn reset(&mut self) {
        self.retries = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn no_jitter() -> BackoffPolicy {
        BackoffPolicy::new(S, 2.0, 0.0, 30 * S, 60 * S).unwrap()
    }

    #[test]
    fn first_retry_is_immediate() {
        let mut backoff = Backoff::new(BackoffPolicy::default());
        assert_eq!(backoff.next_delay(), Duration::ZERO);
    }

    #[test]
    fn delays_double_from_the_initial_wait() {
        let mut backoff = Backoff::new(no_jitter());
        let delays: Vec<_> = (0..6).map(|_| backoff.next_delay()).collect();
        assert_eq!(delays, [0, 1, 2, 4, 8, 16].map(|s| s * S));
    }

    #[test]
    fn delays_stop_growing_at_the_cap() {
        let mut backoff = Backoff::new(no_jitter());
        let delays: Vec<_> = (0..10).map(|_| backoff.next_delay()).collect();
        assert_eq!(delays[6..], [30 * S; 4]);
    }

    #[test]
    fn huge_retry_counts_stay_at_the_cap() {
        assert_eq!(no_jitter().nominal_delay(u32::MAX), 30 * S);
    }

    #[test]
    fn jitter_extremes_are_plus_minus_twenty_percent() {
        let policy = BackoffPolicy::default();
        let at = |unit| {
            let mut b = Backoff::new(policy);
            b.next_delay_with(0.5);
            b.next_delay_with(0.5);
            b.next_delay_with(unit) // nominal 2 s
        };
        assert_eq!(at(0.0), Duration::from_millis(1600));
        assert_eq!(at(0.5), Duration::from_millis(2000));
        assert_eq!(at(1.0), Duration::from_millis(2400));
    }

    #[test]
    fn random_jitter_stays_within_bounds() {
        let policy = BackoffPolicy::default();
        for retry in 1..8 {
            let nominal = policy.nominal_delay(retry);
            for _ in 0..200 {
                let mut b = Backoff::new(policy);
                (0..retry).for_each(|_| {
                    b.next_delay();
                });
                let delay = b.next_delay();
                assert!(
                    delay >= nominal.mul_f64(0.8),
                    "{delay:?} < 80% of {nominal:?}"
                );
                assert!(
                    delay <= nominal.mul_f64(1.2),
                    "{delay:?} > 120% of {nominal:?}"
                );
            }
        }
    }

    #[test]
    fn jitter_never_exceeds_the_cap() {
        let mut backoff = Backoff::new(BackoffPolicy::default());
        for _ in 0..20 {
            assert!(backoff.next_delay_with(1.0) <= 30 * S);
        }
    }

    #[test]
    fn reset_makes_the_next_retry_immediate() {
        let mut backoff = Backoff::new(no_jitter());
        (0..4).for_each(|_| {
            backoff.next_delay();
        });
        backoff.reset();
        assert_eq!(backoff.next_delay(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn stable_connection_resets_the_schedule() {
        let mut backoff = Backoff::new(no_jitter());
        (0..4).for_each(|_| {
            backoff.next_delay();
        });
        backoff.connected(Instant::now());
        tokio::time::advance(60 * S).await;
        backoff.disconnected(Instant::now());
        assert_eq!(backoff.next_delay(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn short_connection_keeps_growing_the_schedule() {
        let mut backoff = Backoff::new(no_jitter());
        (0..4).for_each(|_| {
            backoff.next_delay();
        });
        backoff.connected(Instant::now());
        tokio::time::advance(59 * S).await;
        backoff.disconnected(Instant::now());
        assert_eq!(backoff.next_delay(), 8 * S);
    }

    #[test]
    fn zero_initial_is_rejected() {
        let err = BackoffPolicy::new(Duration::ZERO, 2.0, 0.2, 30 * S, 60 * S).unwrap_err();
        assert_eq!(err.field, "backoff.initial");
    }

    #[test]
    fn multiplier_below_one_or_nan_is_rejected() {
        for multiplier in [0.5, f64::NAN, f64::INFINITY] {
            let err = BackoffPolicy::new(S, multiplier, 0.2, 30 * S, 60 * S).unwrap_err();
            assert_eq!(err.field, "backoff.multiplier");
        }
    }

    #[test]
    fn jitter_outside_zero_to_one_is_rejected() {
        for jitter in [-0.1, 1.0, f64::NAN] {
            let err = BackoffPolicy::new(S, 2.0, jitter, 30 * S, 60 * S).unwrap_err();
            assert_eq!(err.field, "backoff.jitter");
        }
    }

    #[test]
    fn cap_below_initial_is_rejected() {
        let err = BackoffPolicy::new(2 * S, 2.0, 0.2, S, 60 * S).unwrap_err();
        assert_eq!(err.field, "backoff.max");
    }

    #[test]
    fn zero_reset_after_is_rejected() {
        let err = BackoffPolicy::new(S, 2.0, 0.2, 30 * S, Duration::ZERO).unwrap_err();
        assert_eq!(err.field, "backoff.reset_after");
    }
}
