//! The library API the web server embeds: start in-process, read the bound
//! address and id, refuse what must be refused, shut down cleanly.

use std::net::SocketAddr;
use std::time::Duration;

use crate::support::*;
use daemon::{DaemonConfig, DaemonError, RunningDaemon};
use serde_json::json;

fn config(home: &std::path::Path) -> DaemonConfig {
    DaemonConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)), home.to_path_buf())
}

#[tokio::test]
async fn embedded_daemon_serves_and_shuts_down_cleanly() {
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = RunningDaemon::start(config(home.path()))
        .await
        .expect("start");
    assert_ne!(daemon.local_addr().port(), 0);
    let url = format!("ws://{}/ws", daemon.local_addr());
    let (mut ws, info) = connect_hello(&url, "embedder").await;
    assert_eq!(info["serverId"], daemon.server_id());

    // A second daemon on the same home is refused while the first runs.
    match RunningDaemon::start(config(home.path())).await {
        Err(err @ DaemonError::LockHeld { .. }) => {
            assert!(
                err.to_string().contains("already using PASEO_HOME"),
                "{err}"
            );
        }
        other => panic!("expected LockHeld, got {other:?}"),
    }

    // Shutdown closes open sockets with 1001 and frees the home and port.
    let id = daemon.server_id().to_owned();
    let addr = daemon.local_addr();
    let (closed, ()) = tokio::join!(expect_close(&mut ws), daemon.shutdown());
    assert_eq!(closed.0, 1001);
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "port still accepting"
    );

    let again = RunningDaemon::start(config(home.path()))
        .await
        .expect("restart on the same home");
    assert_eq!(again.server_id(), id);
    again.shutdown().await;
}

#[tokio::test]
async fn explicit_server_id_and_short_hello_timeout_are_honoured() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut cfg = config(home.path());
    cfg.server_id = Some("srv_embeddedId01".into());
    cfg.hello_timeout = Duration::from_millis(200);
    let daemon = RunningDaemon::start(cfg).await.expect("start");
    assert_eq!(daemon.server_id(), "srv_embeddedId01");
    let url = format!("ws://{}/ws", daemon.local_addr());
    let mut silent = connect(&url).await;
    send_json(&mut silent, json!({"type":"ping"})).await;
    assert_eq!(recv_json(&mut silent).await, json!({"type":"pong"}));
    assert_eq!(
        expect_close(&mut silent).await,
        (4001, "Hello timeout".to_owned())
    );
    daemon.shutdown().await;
}

#[tokio::test]
async fn start_refuses_non_loopback_and_busy_ports() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut cfg = config(home.path());
    cfg.listen = SocketAddr::from(([0, 0, 0, 0], 0));
    assert!(matches!(
        RunningDaemon::start(cfg).await,
        Err(DaemonError::NonLoopbackListen { .. })
    ));

    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let mut cfg = config(home.path());
    cfg.listen = taken.local_addr().expect("addr");
    match RunningDaemon::start(cfg).await {
        Err(err @ DaemonError::Bind { addr, .. }) => {
            assert_eq!(addr, taken.local_addr().expect("addr"));
            assert!(err.to_string().contains(&addr.to_string()), "{err}");
        }
        other => panic!("expected Bind, got {other:?}"),
    }
}

#[tokio::test]
async fn unwritable_home_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").expect("write");
    match RunningDaemon::start(config(&file.join("home"))).await {
        Err(DaemonError::HomeNotWritable { path, .. }) => assert!(path.starts_with(&file)),
        other => panic!("expected HomeNotWritable, got {other:?}"),
    }
}
