//! Crash points for tests: `PASEO_TEST_CRASH_AT=<point>` makes the daemon
//! kill itself with SIGKILL (no destructor, no flush: exactly `kill -9`)
//! the first time it reaches `<point>`, so a test can stop it inside a
//! window a `kill -9` from outside would only hit by luck. Unset (always,
//! outside tests) a point costs one load of a cached `None`.
//!
//! Points:
//! - `send_durable`: a send's `user_message` row and its record's
//!   `unstartedMessage` are fsynced; the acknowledgement is not sent yet.
//! - `turn_running`: the agent's `running` record is fsynced; the prompt
//!   has not reached the provider yet.
//! - `row:<item type>`: the first row of that type (e.g.
//!   `row:assistant_message`) was written to the timeline and is about to
//!   be broadcast.
//!
//! Used by the daemon's durability tests (`agents_durability.rs`) and
//! usable from the browser tests: start a daemon with the variable set and
//! the next restart shows what a crash at that point leaves.

use std::sync::OnceLock;

/// The environment variable naming the crash point.
pub const CRASH_AT_ENV: &str = "PASEO_TEST_CRASH_AT";

fn configured() -> Option<&'static str> {
    static POINT: OnceLock<Option<String>> = OnceLock::new();
    POINT
        .get_or_init(|| std::env::var(CRASH_AT_ENV).ok().filter(|p| !p.is_empty()))
        .as_deref()
}

/// Dies by SIGKILL if `point` is the configured crash point.
pub(crate) fn at(point: &str) {
    if configured() == Some(point) {
        die(point);
    }
}

/// Dies by SIGKILL if the configured point is `row:<type of item>`.
pub(crate) fn at_row(item: &protocol::TimelineItem) {
    let Some(kind) = configured().and_then(|point| point.strip_prefix("row:")) else {
        return;
    };
    let value = serde_json::to_value(item).unwrap_or_default();
    if value.get("type").and_then(|t| t.as_str()) == Some(kind) {
        die(configured().unwrap_or_default());
    }
}

#[allow(unsafe_code, reason = "kill(2) of this very process (see SAFETY)")]
fn die(point: &str) -> ! {
    eprintln!("paseo-daemon: {CRASH_AT_ENV}={point} reached: killing this process (SIGKILL)");
    // SAFETY: kill(2) with our own pid and a valid signal number has no
    // memory-safety preconditions.
    unsafe {
        libc::kill(libc::getpid(), libc::SIGKILL);
    }
    // SIGKILL cannot be caught; should it ever return, abort (still no
    // destructor, no flush).
    std::process::abort()
}
