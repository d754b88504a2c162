//! Deciding when a silent daemon is dead. Pure logic: the actor feeds it
//! ticks and pongs and does what it says, so every rule is unit-tested
//! without a socket.
//!
//! Every `interval` the actor asks [`Heartbeat::on_tick`]. If `max_missed`
//! pings are still unanswered the connection is declared dead; otherwise a
//! new session `ping` goes out. Any pong for one of our pings clears the
//! count. A ping counts as missed once the next tick comes without its pong.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::ConfigError;

/// Prefix of the `requestId` of heartbeat pings.
const PING_ID_PREFIX: &str = "hub-hb-";

/// How often to ping and how many unanswered pings mean "dead".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeartbeatPolicy {
    interval: Duration,
    max_missed: u32,
}

impl Default for HeartbeatPolicy {
    /// A ping every 15 s; dead after 2 missed pongs (30–45 s of silence).
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(15),
            max_missed: 2,
        }
    }
}

impl HeartbeatPolicy {
    /// `interval > 0`, `max_missed ≥ 1`.
    pub fn new(interval: Duration, max_missed: u32) -> Result<Self, ConfigError> {
        if interval.is_zero() {
            return Err(ConfigError::new("heartbeat.interval", "must be above zero"));
        }
        if max_missed == 0 {
            return Err(ConfigError::new(
                "heartbeat.max_missed",
                "must be at least 1",
            ));
        }
        Ok(Self {
            interval,
            max_missed,
        })
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }

    pub fn max_missed(&self) -> u32 {
        self.max_missed
    }
}

/// What the actor must do on a tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeartbeatAction {
    /// Send a session `ping` with this `requestId` (and `clientSentAt`).
    SendPing { request_id: String },
    /// `missed` pings went unanswered: drop the connection and reconnect.
    Dead { missed: u32 },
}

/// Heartbeat state of one connection (make a new one per connection).
#[derive(Debug, Clone)]
pub struct Heartbeat {
    policy: HeartbeatPolicy,
    next_seq: u64,
    /// Pings sent since the last pong, oldest first.
    unanswered: VecDeque<(String, Instant)>,
    last_rtt: Option<Duration>,
}

impl Heartbeat {
    pub fn new(policy: HeartbeatPolicy) -> Self {
        Self {
            policy,
            next_seq: 0,
            unanswered: VecDeque::new(),
            last_rtt: None,
        }
    }

    /// Pings whose pong has not come (each waited at least one interval
    /// once the next tick is reached).
    pub fn missed(&self) -> u32 {
        u32::try_from(self.unanswered.len()).unwrap_or(u32::MAX)
    }

    /// Round trip of the last answered ping.
    pub fn last_rtt(&self) -> Option<Duration> {
        self.last_rtt
    }

    /// The interval elapsed.
    pub fn on_tick(&mut self, now: Instant) -> HeartbeatAction {
        let missed = self.missed();
        if missed >= self.policy.max_missed {
            return HeartbeatAction::Dead { missed };
        }
        let request_id = format!("{PING_ID_PREFIX}{}", self.next_seq);
        self.next_seq += 1;
        self.unanswered.push_back((request_id.clone(), now));
        HeartbeatAction::SendPing { request_id }
    }

    /// A session pong arrived. Returns whether it answered one of our pings
    /// (others, e.g. a stale pong from before a reset, change nothing).
    pub fn on_pong(&mut self, request_id: &str, now: Instant) -> bool {
        let Some(sent_at) = self
            .unanswered
            .iter()
            .find(|(id, _)| id == request_id)
            .map(|(_, sent_at)| *sent_at)
        else {
            return false;
        };
        self.last_rtt = Some(now.saturating_duration_since(sent_at));
        self.unanswered.clear();
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    fn heartbeat(max_missed: u32) -> Heartbeat {
        Heartbeat::new(HeartbeatPolicy::new(15 * S, max_missed).unwrap())
    }

    fn ping_id(action: HeartbeatAction) -> String {
        match action {
            HeartbeatAction::SendPing { request_id } => request_id,
            other => panic!("expected a ping, got {other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn first_tick_sends_a_ping() {
        let mut hb = heartbeat(2);
        assert!(matches!(
            hb.on_tick(Instant::now()),
            HeartbeatAction::SendPing { .. }
        ));
        assert_eq!(hb.missed(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn ping_ids_are_unique() {
        let mut hb = heartbeat(5);
        let a = ping_id(hb.on_tick(Instant::now()));
        let b = ping_id(hb.on_tick(Instant::now()));
        assert_ne!(a, b);
    }

    #[tokio::test(start_paused = true)]
    async fn pong_clears_the_missed_count() {
        let mut hb = heartbeat(2);
        let id = ping_id(hb.on_tick(Instant::now()));
        assert!(hb.on_pong(&id, Instant::now()));
        assert_eq!(hb.missed(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn k_missed_pongs_declare_the_connection_dead() {
        let mut hb = heartbeat(2);
        for _ in 0..2 {
            assert!(matches!(
                hb.on_tick(Instant::now()),
                HeartbeatAction::SendPing { .. }
            ));
            tokio::time::advance(15 * S).await;
        }
        assert_eq!(
            hb.on_tick(Instant::now()),
            HeartbeatAction::Dead { missed: 2 }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn answered_pings_never_declare_death() {
        let mut hb = heartbeat(1);
        for _ in 0..10 {
            let id = ping_id(hb.on_tick(Instant::now()));
            tokio::time::advance(S).await;
            assert!(hb.on_pong(&id, Instant::now()));
            tokio::time::advance(14 * S).await;
        }
    }

    #[tokio::test(start_paused = true)]
    async fn late_pong_for_an_older_ping_still_counts() {
        let mut hb = heartbeat(3);
        let first = ping_id(hb.on_tick(Instant::now()));
        tokio::time::advance(15 * S).await;
        hb.on_tick(Instant::now());
        assert!(hb.on_pong(&first, Instant::now()));
        assert_eq!(hb.missed(), 0);
    }

    #[tokio::test(start_paused = true)]
    async fn unknown_pong_is_ignored() {
        let mut hb = heartbeat(2);
        hb.on_tick(Instant::now());
        assert!(!hb.on_pong("someone-else", Instant::now()));
        assert_eq!(hb.missed(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn round_trip_time_is_measured() {
        let mut hb = heartbeat(2);
        let id = ping_id(hb.on_tick(Instant::now()));
        tokio::time::advance(Duration::from_millis(40)).await;
        hb.on_pong(&id, Instant::now());
        assert_eq!(hb.last_rtt(), Some(Duration::from_millis(40)));
    }

    #[test]
    fn zero_interval_is_rejected() {
        let err = HeartbeatPolicy::new(Duration::ZERO, 2).unwrap_err();
        assert_eq!(err.field, "heartbeat.interval");
    }

    #[test]
    fn zero_max_missed_is_rejected() {
        let err = HeartbeatPolicy::new(S, 0).unwrap_err();
        assert_eq!(err.field, "heartbeat.max_missed");
    }
}
