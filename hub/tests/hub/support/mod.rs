//! Test support for the hub's integration tests: short configurations, real
//! in-process daemons, scriptable stub servers, and waits with deadlines
//! (nothing sleeps to hide a race).

#![allow(dead_code)] // each test file uses a different subset

pub mod agents;
pub mod events;
pub mod process;
pub mod proxy;
pub mod replay;
pub mod stub;

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use daemon::{DaemonConfig, DaemonError, RunningDaemon};
use hub::{
    BackoffPolicy, ConnectionSnapshot, DaemonKey, DaemonTarget, HeartbeatPolicy, Hub, HubConfig,
    HubEvent,
};
use tokio::sync::broadcast::error::RecvError;
use tokio::time::Instant;

/// Upper bound for anything that should happen "soon".
pub const DEADLINE: Duration = Duration::from_secs(15);

/// Log to the test output when `RUST_LOG` is set.
pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// Fast retries and a short grace period; timeouts roomy enough for a slow
/// CI machine talking to a local daemon.
pub fn test_config() -> HubConfig {
    HubConfig {
        connect_timeout: Duration::from_secs(2),
        hello_timeout: Duration::from_secs(5),
        backoff: BackoffPolicy::new(
            Duration::from_millis(50),
            2.0,
            0.2,
            Duration::from_millis(400),
            Duration::from_secs(10),
        )
        .expect("valid backoff"),
        heartbeat: HeartbeatPolicy::new(Duration::from_secs(1), 3).expect("valid heartbeat"),
        grace_period: Duration::from_millis(100),
        // Tests read every event; never let them lag.
        event_capacity: std::num::NonZeroUsize::new(1 << 16).expect("non-zero"),
        ..HubConfig::default()
    }
}

pub fn target(url: impl Into<String>) -> DaemonTarget {
    DaemonTarget {
        url: url.into(),
        password: None,
        label: "test daemon".into(),
    }
}

pub fn ws_url(addr: SocketAddr) -> String {
    format!("ws://{addr}/ws")
}

/// A real daemon in this process on `addr` (port 0 = any) with `home`.
pub async fn start_daemon(addr: SocketAddr, home: &Path) -> RunningDaemon {
    let deadline = Instant::now() + DEADLINE;
    loop {
        match RunningDaemon::start(DaemonConfig::new(addr, home.to_path_buf())).await {
            Ok(daemon) => return daemon,
            // The previous daemon on this port may still be letting go.
            Err(DaemonError::Bind { .. }) if Instant::now() < deadline => {
                tokio::task::yield_now().await;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(err) => panic!("daemon start failed: {err}"),
        }
    }
}

pub fn loopback_any() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// Waits until `key`'s snapshot (current, or carried by an event) matches.
pub async fn wait_for_connection(
    hub: &Hub,
    key: &DaemonKey,
    what: &str,
    accept: impl Fn(&ConnectionSnapshot) -> bool,
) -> ConnectionSnapshot {
    let mut events = hub.subscribe();
    let deadline = Instant::now() + DEADLINE;
    if let Some(snapshot) = hub.connection(key).filter(|s| accept(s)) {
        return snapshot;
    }
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Err(_) => panic!(
                "timed out waiting for {what}; now: {:?}",
                hub.connection(key)
            ),
            Ok(Ok(HubEvent::Connection { key: k, snapshot })) if &k == key && accept(&snapshot) => {
                return snapshot;
            }
            Ok(Ok(_)) => {}
            Ok(Err(RecvError::Lagged(_))) => {
                if let Some(snapshot) = hub.connection(key).filter(|s| accept(s)) {
                    return snapshot;
                }
            }
            Ok(Err(RecvError::Closed)) => panic!("hub event channel closed"),
        }
    }
}

/// Polls `condition` until it holds, failing after [`DEADLINE`].
pub async fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
