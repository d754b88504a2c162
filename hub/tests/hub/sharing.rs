//! One connection per daemon key, however many watchers; closed a grace
//! period after the last one leaves; pinned connections stay.

use std::time::Duration;

use crate::support::*;
use hub::{ConnectionStatus, Hub, HubConfig};

#[tokio::test]
async fn hundred_watchers_share_one_connection() {
    init_tracing();
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let hub = Hub::new(test_config());
    let url = ws_url(daemon.local_addr());

    let guards: Vec<_> = (0..100)
        .map(|_| hub.watch(target(url.clone())).expect("watch"))
        .collect();
    assert_eq!(hub.connection_count(), 1);
    assert!(guards.iter().all(|g| g.key() == guards[0].key()));

    wait_for_connection(&hub, guards[0].key(), "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;
    assert_eq!(hub.connection_count(), 1);
    drop(guards);
    daemon.shutdown().await;
}

#[tokio::test]
async fn connection_closes_after_the_last_guard_and_the_grace_period() {
    init_tracing();
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let hub = Hub::new(test_config());
    let url = ws_url(daemon.local_addr());
    let guards: Vec<_> = (0..100)
        .map(|_| hub.watch(target(url.clone())).expect("watch"))
        .collect();
    let key = guards[0].key().clone();
    wait_for_connection(&hub, &key, "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;

    drop(guards);

    wait_until("the actor to stop", || hub.connection_count() == 0).await;
    assert_eq!(hub.connection(&key), None);
    daemon.shutdown().await;
}

#[tokio::test]
async fn watcher_returning_within_the_grace_period_reuses_the_connection() {
    init_tracing();
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let hub = Hub::new(HubConfig {
        grace_period: Duration::from_secs(60),
        ..test_config()
    });
    let url = ws_url(daemon.local_addr());
    let guard = hub.watch(target(url.clone())).expect("watch");
    let key = guard.key().clone();
    wait_for_connection(&hub, &key, "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;

    drop(guard);
    let guard = hub.watch(target(url)).expect("watch again");

    // A new actor would start idle/connecting; the kept one is still online.
    assert_eq!(
        hub.connection(guard.key()).map(|s| s.status),
        Some(ConnectionStatus::Online)
    );
    assert_eq!(hub.connection_count(), 1);
    drop(guard);
    daemon.shutdown().await;
}

#[tokio::test]
async fn pinned_connection_outlives_its_watchers() {
    init_tracing();
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let hub = Hub::new(test_config());
    let port = daemon.local_addr().port();
    let pinned_url = format!("ws://127.0.0.1:{port}/ws");
    let other_url = format!("ws://localhost:{port}/ws");

    let pinned = hub.pin(target(pinned_url.clone())).expect("pin");
    drop(hub.watch(target(pinned_url)).expect("watch pinned"));
    // Released after the pinned key's watcher, with the same grace period:
    // once this one is gone, the pinned key's expiry (if any) has run too.
    drop(hub.watch(target(other_url)).expect("watch other"));
    assert_eq!(hub.connection_count(), 2);

    wait_until("the unpinned actor to stop", || hub.connection_count() == 1).await;
    assert!(hub.connection(&pinned).is_some());
    daemon.shutdown().await;
}
