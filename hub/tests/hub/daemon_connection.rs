//! The hub against real in-process daemons: online, offline, back online.

use std::time::Duration;

use crate::support::*;
use hub::{BackoffPolicy, ConnectionStatus, Hub, HubConfig, HubEvent, WatchGuard};
use tokio::time::Instant;

#[tokio::test]
async fn connects_and_goes_online_with_the_daemons_server_id() {
    init_tracing();
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let hub = Hub::new(test_config());
    let mut events = hub.subscribe();

    let guard = hub
        .watch(target(ws_url(daemon.local_addr())))
        .expect("watch");
    let snapshot = wait_for_connection(&hub, guard.key(), "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;

    assert_eq!(snapshot.daemon_id.as_deref(), Some(daemon.server_id()));
    assert!(snapshot.last_online_at.is_some());
    assert_eq!(snapshot.last_error, None);
    let mut statuses = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let HubEvent::Connection { snapshot, .. } = event {
            statuses.push(snapshot.status);
        }
    }
    assert_eq!(
        statuses[..2],
        [ConnectionStatus::Connecting, ConnectionStatus::Online],
        "online only after connecting and server_info"
    );
    drop(guard);
    daemon.shutdown().await;
}

#[tokio::test]
async fn fresh_daemon_gives_an_empty_synced_agent_list() {
    init_tracing();
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let hub = Hub::new(test_config());
    let mut events = hub.subscribe();
    let guard = hub
        .watch(target(ws_url(daemon.local_addr())))
        .expect("watch");

    let deadline = Instant::now() + DEADLINE;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(HubEvent::Agents {
                key,
                upserts,
                removals,
            })) if &key == guard.key() => {
                assert!(upserts.is_empty() && removals.is_empty());
                break;
            }
            Ok(Ok(_)) => {}
            other => panic!("no agents event: {other:?}"),
        }
    }
    assert!(hub.agents_synced(guard.key()));
    assert!(hub.agents(guard.key()).is_empty());
    drop(guard);
    daemon.shutdown().await;
}

#[tokio::test]
async fn leaves_online_when_the_daemon_shuts_down() {
    init_tracing();
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let hub = Hub::new(test_config());
    let guard = hub
        .watch(target(ws_url(daemon.local_addr())))
        .expect("watch");
    wait_for_connection(&hub, guard.key(), "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;

    daemon.shutdown().await;

    let snapshot = wait_for_connection(&hub, guard.key(), "offline", |s| {
        s.status == ConnectionStatus::Offline
    })
    .await;
    assert!(snapshot.last_error.is_some());
    assert!(snapshot.daemon_id.is_some(), "identity kept while offline");
}

#[tokio::test]
async fn comes_back_online_when_a_daemon_listens_again_on_the_same_port() {
    init_tracing();
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let addr = daemon.local_addr();
    let server_id = daemon.server_id().to_owned();
    let hub = Hub::new(test_config());
    let guard = hub.watch(target(ws_url(addr))).expect("watch");
    wait_for_connection(&hub, guard.key(), "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;

    daemon.shutdown().await;
    wait_for_connection(&hub, guard.key(), "not online", |s| {
        s.status != ConnectionStatus::Online
    })
    .await;

    let daemon = start_daemon(addr, home.path()).await;
    let snapshot = wait_for_connection(&hub, guard.key(), "online again", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;
    assert_eq!(snapshot.daemon_id.as_deref(), Some(server_id.as_str()));
    assert_eq!(snapshot.last_error, None);
    assert_eq!(hub.connection_count(), 1);
    drop(guard);
    daemon.shutdown().await;
}

/// A hub watching a free port nobody listens on (yet), after its first two
/// failed attempts: the next wait is ≥ 48 s, far beyond the tests'
/// deadline, so only something that skips the wait can bring it online.
async fn waiting_out_a_long_backoff() -> (Hub, WatchGuard, std::net::SocketAddr) {
    init_tracing();
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    let config = HubConfig {
        backoff: BackoffPolicy::new(
            Duration::from_secs(60),
            2.0,
            0.2,
            Duration::from_secs(120),
            Duration::from_secs(10),
        )
        .expect("valid"),
        ..test_config()
    };
    let hub = Hub::new(config);
    let mut events = hub.subscribe();
    let guard = hub.watch(target(ws_url(addr))).expect("watch");
    let mut offline = 0;
    let deadline = Instant::now() + DEADLINE;
    while offline < 2 {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(HubEvent::Connection { snapshot, .. }))
                if snapshot.status == ConnectionStatus::Offline =>
            {
                offline += 1;
            }
            Ok(Ok(_)) => {}
            other => panic!("expected two failed attempts: {other:?}"),
        }
    }
    (hub, guard, addr)
}

#[tokio::test]
async fn retry_now_skips_the_backoff_wait() {
    let (hub, guard, addr) = waiting_out_a_long_backoff().await;
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = start_daemon(addr, home.path()).await;
    hub.retry_now(guard.key());
    let snapshot = wait_for_connection(&hub, guard.key(), "online after retry now", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;
    assert_eq!(snapshot.daemon_id.as_deref(), Some(daemon.server_id()));
    drop(guard);
    daemon.shutdown().await;
}

#[tokio::test]
async fn a_new_watcher_skips_the_backoff_wait() {
    let (hub, first, addr) = waiting_out_a_long_backoff().await;
    // The daemon comes back; a second page opens on it.
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = start_daemon(addr, home.path()).await;
    let second = hub.watch(target(ws_url(addr))).expect("watch");
    assert_eq!(second.key(), first.key(), "one shared connection");
    let snapshot = wait_for_connection(&hub, first.key(), "online after a new watcher", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;
    assert_eq!(snapshot.daemon_id.as_deref(), Some(daemon.server_id()));
    assert_eq!(hub.connection_count(), 1);
    drop((first, second));
    daemon.shutdown().await;
}
