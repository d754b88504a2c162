//! Which daemons a browser tab may act on, by its live-channel token.
//!
//! Why a token: server functions are plain HTTP requests; the only thing
//! that knows a tab's hosts (and their passwords) is its live channel. The
//! channel's first message gives the tab a random token; the socket records
//! here the profiles the tab watches (profile → hub connection key); a
//! server function names the token and a profile, and reaches only that
//! daemon. The entry outlives the socket by a grace period, and a
//! reconnecting tab brings its old token back in `resume`, so calls made
//! during a reconnect still resolve. A token never leaves the tab's memory.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hub::DaemonKey;

use crate::error::AppError;

/// How long a closed tab's hosts stay usable by its token.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(30);

#[derive(Debug, Default)]
struct Entry {
    profiles: HashMap<String, DaemonKey>,
    /// Sockets currently using this entry (a reconnect may overlap).
    open: usize,
    closed_at: Option<Instant>,
}

/// The server's table of tabs; cheap to clone.
#[derive(Debug, Clone)]
pub struct Tabs {
    inner: Arc<Mutex<HashMap<String, Arc<Mutex<Entry>>>>>,
    grace: Duration,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// 128 random bits, hex.
fn new_token() -> String {
    let bits: u128 = rand::random();
    format!("{bits:032x}")
}

impl Tabs {
    pub fn new(grace: Duration) -> Self {
        Tabs {
            inner: Arc::default(),
            grace,
        }
    }

    /// A new tab (a socket opened): its token.
    pub fn open(&self) -> String {
        let token = new_token();
        let entry = Entry {
            open: 1,
            ..Entry::default()
        };
        let mut map = lock(&self.inner);
        self.expire(&mut map);
        map.insert(token.clone(), Arc::new(Mutex::new(entry)));
        token
    }

    /// A reconnecting tab brought `old` back: both tokens now name one
    /// entry (the old one's hosts stay until the next `set_profiles`).
    /// Unknown or expired `old` tokens are ignored.
    pub fn adopt(&self, current: &str, old: &str) {
        if current == old {
            return;
        }
        let mut map = lock(&self.inner);
        self.expire(&mut map);
        let (Some(entry), Some(_)) = (map.get(old).cloned(), map.get(current)) else {
            return;
        };
        {
            let mut e = lock(&entry);
            e.open += 1;
            e.closed_at = None;
        }
        map.insert(current.to_owned(), entry);
    }

    /// The tab's watched profiles changed.
    pub fn set_profiles(&self, token: &str, profiles: HashMap<String, DaemonKey>) {
        if let Some(entry) = lock(&self.inner).get(token).cloned() {
            lock(&entry).profiles = profiles;
        }
    }

    /// The socket closed; the entry expires after the grace period.
    pub fn close(&self, token: &str) {
        if let Some(entry) = lock(&self.inner).get(token).cloned() {
            let mut e = lock(&entry);
            e.open = e.open.saturating_sub(1);
            if e.open == 0 {
                e.closed_at = Some(Instant::now());
            }
        }
    }

    /// The connection key for `profile_id` of the tab `token`.
    pub fn resolve(&self, token: &str, profile_id: &str) -> Result<DaemonKey, AppError> {
        let mut map = lock(&self.inner);
        self.expire(&mut map);
        let entry = map.get(token).cloned().ok_or(AppError::TabUnknown)?;
        drop(map);
        let e = lock(&entry);
        e.profiles
            .get(profile_id)
            .cloned()
            .ok_or_else(|| AppError::DaemonSessionUnavailable {
                profile_id: profile_id.to_owned(),
            })
    }

    fn expire(&self, map: &mut HashMap<String, Arc<Mutex<Entry>>>) {
        let grace = self.grace;
        map.retain(|_, entry| {
            let e = lock(entry);
            e.open > 0 || e.closed_at.is_none_or(|at| at.elapsed() < grace)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(url: &str) -> DaemonKey {
        hub::DaemonTarget {
            url: url.into(),
            password: None,
            label: String::new(),
        }
        .key()
        .expect("valid url")
    }

    #[test]
    fn a_token_reaches_only_the_profiles_its_tab_watched() {
        let tabs = Tabs::new(DEFAULT_GRACE);
        let a = tabs.open();
        let b = tabs.open();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        tabs.set_profiles(
            &a,
            HashMap::from([("p1".into(), key("ws://127.0.0.1:1/ws"))]),
        );
        assert_eq!(tabs.resolve(&a, "p1"), Ok(key("ws://127.0.0.1:1/ws")));
        assert_eq!(
            tabs.resolve(&b, "p1"),
            Err(AppError::DaemonSessionUnavailable {
                profile_id: "p1".into()
            })
        );
        assert_eq!(tabs.resolve("forged", "p1"), Err(AppError::TabUnknown));
    }

    #[test]
    fn a_closed_tab_expires_after_the_grace_period_and_a_reconnect_keeps_it() {
        let tabs = Tabs::new(Duration::ZERO);
        let a = tabs.open();
        tabs.set_profiles(
            &a,
            HashMap::from([("p1".into(), key("ws://127.0.0.1:1/ws"))]),
        );
        // Reconnect: the new socket adopts the old token before it closes.
        let b = tabs.open();
        tabs.adopt(&b, &a);
        tabs.close(&a);
        assert!(
            tabs.resolve(&a, "p1").is_ok(),
            "still open through the new socket"
        );
        tabs.close(&b);
        assert_eq!(tabs.resolve(&a, "p1"), Err(AppError::TabUnknown));
        assert_eq!(tabs.resolve(&b, "p1"), Err(AppError::TabUnknown));
    }
}
