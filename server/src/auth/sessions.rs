//! Login sessions and the one-time login token, both held only as SHA-256
//! digests: a memory dump or a `{:?}` shows no usable secret, and lookups
//! compare digests (a timing difference reveals nothing about a token).
//!
//! Sessions live in memory: a restarted server asks for a login again.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

/// How long a login lasts (also the cookie's `Max-Age`).
pub const SESSION_TTL: Duration = Duration::from_secs(7 * 24 * 3600);

/// Most sessions kept; the oldest goes first (logins are rate limited, so
/// this only bounds memory).
const MAX_SESSIONS: usize = 1024;

type Digest32 = [u8; 32];

fn digest(token: &str) -> Digest32 {
    Sha256::digest(token.as_bytes()).into()
}

/// 256 random bits, hex.
pub fn new_secret() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Default)]
pub struct Sessions {
    live: Mutex<HashMap<Digest32, Instant>>,
    /// The one-time login token, until it is used.
    one_time: Mutex<Option<Digest32>>,
}

impl std::fmt::Debug for Sessions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sessions(<redacted>)")
    }
}

impl Sessions {
    /// Makes the one-time login token (replacing any unused one) and
    /// returns it: the caller prints it, nobody else ever sees it.
    pub fn issue_one_time(&self) -> String {
        let token = new_secret();
        *self.one_time.lock().unwrap_or_else(|p| p.into_inner()) = Some(digest(&token));
        token
    }

    /// Whether `token` is the one-time token; if it is, it is spent.
    pub fn redeem_one_time(&self, token: &str) -> bool {
        let mut slot = self.one_time.lock().unwrap_or_else(|p| p.into_inner());
        if slot.is_some_and(|d| d == digest(token)) {
            *slot = None;
            true
        } else {
            false
        }
    }

    /// A new session; its token goes into the cookie.
    pub fn create(&self) -> String {
        let token = new_secret();
        let now = Instant::now();
        let mut live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        live.retain(|_, expires| *expires > now);
        if live.len() >= MAX_SESSIONS
            && let Some(oldest) = live.iter().min_by_key(|(_, e)| **e).map(|(d, _)| *d)
        {
            live.remove(&oldest);
        }
        live.insert(digest(&token), now + SESSION_TTL);
        token
    }

    /// Whether `token` names a live session.
    pub fn valid(&self, token: &str) -> bool {
        let live = self.live.lock().unwrap_or_else(|p| p.into_inner());
        live.get(&digest(token))
            .is_some_and(|expires| *expires > Instant::now())
    }

    /// Ends a session (logout).
    pub fn remove(&self, token: &str) {
        self.live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&digest(token));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_one_time_token_works_once() {
        let sessions = Sessions::default();
        assert!(!sessions.redeem_one_time(""));
        let token = sessions.issue_one_time();
        assert_eq!(token.len(), 64);
        assert!(!sessions.redeem_one_time("nope"));
        assert!(sessions.redeem_one_time(&token));
        assert!(!sessions.redeem_one_time(&token), "spent");
    }

    #[test]
    fn sessions_are_valid_until_removed() {
        let sessions = Sessions::default();
        let a = sessions.create();
        assert!(sessions.valid(&a));
        assert!(!sessions.valid("forged"));
        sessions.remove(&a);
        assert!(!sessions.valid(&a));
        assert!(!format!("{sessions:?}").contains(&a));
    }
}
