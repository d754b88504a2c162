//! The login rate limit: at most [`MAX_FAILURES`] failed attempts per client
//! address per [`WINDOW`]; beyond that every attempt (even a right one) is
//! refused until the window ends. Per address, not global, so a stranger
//! guessing cannot lock the operator out from another address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failed attempts allowed per address and window.
pub const MAX_FAILURES: u32 = 5;
/// The window failures are counted in.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Addresses remembered before expired windows are swept.
const SWEEP_AT: usize = 4096;

#[derive(Debug, Default)]
pub struct LoginLimiter {
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl LoginLimiter {
    /// `Err(wait)` when `ip` used up its failures: try again after `wait`.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        let now = Instant::now();
        let windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        match windows.get(&ip) {
            Some(&(start, failures))
                if failures >= MAX_FAILURES && now.duration_since(start) < WINDOW =>
            {
                Err(WINDOW - now.duration_since(start))
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed attempt of `ip`.
    pub fn failed(&self, ip: IpAddr) {
        let now = Instant::now();
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = windows.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }

    /// A successful login clears the address's count.
    pub fn succeeded(&self, ip: IpAddr) {
        self.windows
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_attempt_in_a_window_is_refused_per_address() {
        let limiter = LoginLimiter::default();
        let (a, b): (IpAddr, IpAddr) = (
            "10.0.0.1".parse().expect("ip"),
            "10.0.0.2".parse().expect("ip"),
        );
        for _ in 0..MAX_FAILURES {
            assert!(limiter.check(a).is_ok());
            limiter.failed(a);
        }
        let wait = limiter.check(a).expect_err("limited");
        assert!(wait <= WINDOW && wait > Duration::ZERO);
        assert!(limiter.check(b).is_ok(), "another address is not limited");
        limiter.succeeded(a);
        assert!(limiter.check(a).is_ok());
    }
}
