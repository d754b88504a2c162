//! The operator's options that bound what browsers can make the hub do:
//! the daemon-host allowlist (watch and probe obey it before any socket is
//! opened, the operator's pinned daemon excepted) and `wss://` daemons
//! with a self-signed certificate trusted through `extra_roots`.

use std::time::Duration;

use crate::support::*;
use daemon::DaemonConfig;
use hub::{ConnectionStatus, FailureKind, HostAllowlist, Hub, HubConfig, HubError};

const LIMIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn the_daemon_host_allowlist_bounds_watch_and_probe_before_any_connection() {
    init_tracing();
    // A listener that counts connections: nothing may ever reach it.
    let trap = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let trap_url = ws_url(trap.local_addr().expect("addr"));
    let home = tempfile::tempdir().expect("home");
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let allowed_url = ws_url(daemon.local_addr());
    let hub = Hub::new(HubConfig {
        daemon_hosts: HostAllowlist::new(&[format!("127.0.0.1:{}", daemon.local_addr().port())]),
        ..test_config()
    });

    let refused = hub
        .watch(target(trap_url.clone()))
        .expect_err("not allowed");
    assert!(
        matches!(refused, HubError::HostNotAllowed { .. }),
        "{refused}"
    );
    let probe = hub
        .probe(&target(trap_url.clone()), LIMIT)
        .await
        .expect_err("not allowed");
    assert_eq!(probe.kind, FailureKind::NotAllowed, "{probe:?}");
    // Another host name for the allowed port is another host.
    let other_name = allowed_url.replace("127.0.0.1", "localhost");
    assert!(hub.watch(target(other_name)).is_err());
    assert_eq!(hub.connection_count(), 0);
    // Nothing reached the trap (accept would have returned at once).
    let attempt = tokio::time::timeout(Duration::from_millis(0), trap.accept()).await;
    assert!(attempt.is_err(), "a connection was made to a refused host");

    // The allowed daemon works, for both.
    let info = hub
        .probe(&target(allowed_url.clone()), LIMIT)
        .await
        .expect("probe");
    assert_eq!(info.daemon_id, daemon.server_id());
    let guard = hub.watch(target(allowed_url)).expect("allowed");
    wait_for_connection(&hub, guard.key(), "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;
    drop(guard);
}

#[tokio::test]
async fn the_operators_pinned_daemon_stays_reachable_under_an_allowlist() {
    let home = tempfile::tempdir().expect("home");
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let url = ws_url(daemon.local_addr());
    let hub = Hub::new(HubConfig {
        daemon_hosts: HostAllowlist::new(&["box.lan"]),
        ..test_config()
    });
    hub.pin(target(url.clone())).expect("the operator's own");
    let guard = hub
        .watch(target(url.clone()))
        .expect("a browser's profile of it");
    assert!(hub.probe(&target(url), LIMIT).await.is_ok());
    drop(guard);
}

/// A self-signed certificate for 127.0.0.1/localhost, written as PEM files.
fn self_signed(dir: &std::path::Path) -> (daemon::tls::TlsFiles, std::path::PathBuf) {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("certificate");
    let files = daemon::tls::TlsFiles {
        cert: dir.join("cert.pem"),
        key: dir.join("key.pem"),
    };
    std::fs::write(&files.cert, cert.cert.pem()).expect("write cert");
    std::fs::write(&files.key, cert.signing_key.serialize_pem()).expect("write key");
    let cert_path = files.cert.clone();
    (files, cert_path)
}

#[tokio::test]
async fn a_wss_daemon_with_a_self_signed_certificate_needs_it_as_an_extra_root() {
    init_tracing();
    let home = tempfile::tempdir().expect("home");
    let (files, cert) = self_signed(home.path());
    let mut config = DaemonConfig::new(loopback_any(), home.path().join("daemon"));
    config.tls = Some(files);
    let daemon = daemon::RunningDaemon::start(config).await.expect("daemon");
    let url = format!("wss://localhost:{}/ws", daemon.local_addr().port());

    // Not trusted: a TLS failure, never a plain connection.
    let untrusted = Hub::new(test_config());
    let failure = untrusted
        .probe(&target(url.clone()), LIMIT)
        .await
        .expect_err("unknown issuer");
    assert_eq!(failure.kind, FailureKind::Tls, "{failure:?}");
    // ws:// to a wss:// daemon fails too.
    let plain = untrusted
        .probe(&target(url.replace("wss://", "ws://")), LIMIT)
        .await;
    assert!(plain.is_err());

    // Trusted through the operator's extra root: probe and watch work.
    let roots = daemon::tls::read_certificates(&cert).expect("read");
    let hub = Hub::new(HubConfig {
        extra_roots: roots,
        ..test_config()
    });
    let info = hub.probe(&target(url.clone()), LIMIT).await.expect("probe");
    assert_eq!(info.daemon_id, daemon.server_id());
    let guard = hub.watch(target(url)).expect("watch");
    wait_for_connection(&hub, guard.key(), "online over wss", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;
    drop(guard);
    daemon.shutdown().await;
}
