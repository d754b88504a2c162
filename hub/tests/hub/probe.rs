//! "Test connection": a real daemon answers with its id, hostname and
//! version; every way a probe can fail comes back as a kind, never a hang.

use std::time::Duration;

use crate::support::stub;
use crate::support::*;
use daemon::DaemonConfig;
use hub::{FailureKind, Hub, HubConfig};

const LIMIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn a_real_daemon_answers_with_its_id_hostname_and_version() {
    init_tracing();
    let home = tempfile::tempdir().expect("home");
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let hub = Hub::new(test_config());
    let info = hub
        .probe(&target(ws_url(daemon.local_addr())), LIMIT)
        .await
        .expect("probe");
    assert_eq!(info.daemon_id, daemon.server_id());
    assert!(info.daemon_id.starts_with("srv_"));
    assert!(info.version.is_some_and(|v| !v.is_empty()));
    assert!(info.hostname.is_some());
    // A probe never joins the hub's connections.
    assert_eq!(hub.connection_count(), 0);
}

#[tokio::test]
async fn a_closed_port_is_refused() {
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    let hub = Hub::new(test_config());
    let failure = hub
        .probe(&target(ws_url(addr)), LIMIT)
        .await
        .expect_err("nothing listens");
    assert_eq!(failure.kind, FailureKind::Refused, "{failure:?}");
}

#[tokio::test]
async fn missing_and_wrong_passwords_are_told_apart() {
    init_tracing();
    let home = tempfile::tempdir().expect("home");
    let mut config = DaemonConfig::new(loopback_any(), home.path().to_path_buf());
    config.password = Some(daemon::auth::Password::new("s3cret-pw", "test").expect("pw"));
    let daemon = daemon::RunningDaemon::start(config).await.expect("daemon");
    let hub = Hub::new(test_config());
    let url = ws_url(daemon.local_addr());

    let missing = hub
        .probe(&target(url.clone()), LIMIT)
        .await
        .expect_err("no password");
    assert_eq!(missing.kind, FailureKind::PasswordRequired, "{missing:?}");

    let mut wrong = target(url.clone());
    wrong.password = Some("nope".into());
    let failure = hub.probe(&wrong, LIMIT).await.expect_err("wrong password");
    assert_eq!(failure.kind, FailureKind::WrongPassword, "{failure:?}");
    assert!(
        !failure.message.contains("nope"),
        "the password never shows: {failure:?}"
    );

    let mut right = target(url);
    right.password = Some("s3cret-pw".into());
    let info = hub.probe(&right, LIMIT).await.expect("right password");
    assert_eq!(info.daemon_id, daemon.server_id());
}

#[tokio::test]
async fn something_that_is_not_a_daemon_says_so() {
    let stub = stub::silent_tcp().await;
    let hub = Hub::new(HubConfig {
        hello_timeout: Duration::from_millis(300),
        ..test_config()
    });
    let failure = hub
        .probe(&target(ws_url(stub.addr)), LIMIT)
        .await
        .expect_err("silent");
    assert_eq!(failure.kind, FailureKind::TimedOut, "{failure:?}");

    let bad = hub
        .probe(&target("http://127.0.0.1:1/ws"), LIMIT)
        .await
        .expect_err("http");
    assert_eq!(bad.kind, FailureKind::InvalidUrl);
}
