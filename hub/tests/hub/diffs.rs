//! Live diffs through the hub: each subscriber gets its own subscription's
//! diffs (first answer, then changes) and never another's, although every
//! subscription shares one daemon session; a dropped guard unsubscribes.

use std::path::Path;
use std::time::Duration;

use crate::support::*;
use daemon::{DaemonConfig, RunningDaemon};
use hub::{ConnectionStatus, DiffPush, Hub};
use protocol::{DiffCompare, DiffCompareMode};
use tokio::sync::mpsc;

fn git(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args([
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@t",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .status()
        .expect("git runs");
    assert!(status.success(), "git {args:?}");
}

/// A repository with one committed file.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    git(dir.path(), &["init", "-q"]);
    std::fs::write(dir.path().join("a.txt"), "one\n").expect("write");
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "first"]);
    dir
}

fn uncommitted() -> DiffCompare {
    DiffCompare {
        mode: DiffCompareMode::Uncommitted,
        base_ref: None,
        ignore_whitespace: None,
    }
}

async fn next(rx: &mut mpsc::UnboundedReceiver<DiffPush>, what: &str) -> DiffPush {
    tokio::time::timeout(DEADLINE, rx.recv())
        .await
        .unwrap_or_else(|_| panic!("no diff for {what}"))
        .expect("sink open")
}

async fn daemon(home: &Path) -> RunningDaemon {
    let mut config = DaemonConfig::new(loopback_any(), home.to_path_buf());
    config.diff_poll_interval = Duration::from_millis(50);
    RunningDaemon::start(config).await.expect("daemon starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_diff_reaches_only_its_subscriber() {
    init_tracing();
    let home = tempfile::tempdir().expect("home");
    let (one, two) = (repo(), repo());
    let daemon = daemon(home.path()).await;
    let hub = Hub::new(test_config());
    let watch = hub
        .watch(target(ws_url(daemon.local_addr())))
        .expect("watch");
    let key = watch.key().clone();
    wait_for_connection(&hub, &key, "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;

    let (tx_a, mut rx_a) = mpsc::unbounded_channel();
    let (tx_b, mut rx_b) = mpsc::unbounded_channel();
    let cwd = |dir: &tempfile::TempDir| dir.path().to_string_lossy().into_owned();
    let guard_a = hub
        .subscribe_diff(&key, cwd(&one), uncommitted(), tx_a)
        .expect("subscribe a");
    let guard_b = hub
        .subscribe_diff(&key, cwd(&two), uncommitted(), tx_b)
        .expect("subscribe b");
    assert_ne!(guard_a.id(), guard_b.id());

    let first_a = next(&mut rx_a, "a's first answer").await;
    let first_b = next(&mut rx_b, "b's first answer").await;
    assert_eq!(first_a.subscription_id, guard_a.id());
    assert_eq!(first_b.subscription_id, guard_b.id());
    assert!(first_a.files.is_empty() && first_a.error.is_none());

    // An edit in a's checkout: a hears of it, b does not.
    std::fs::write(one.path().join("a.txt"), "one\ntwo\n").expect("edit");
    std::fs::write(one.path().join("new.txt"), "fresh\n").expect("create");
    let update = loop {
        let push = next(&mut rx_a, "a's update").await;
        if push.files.len() == 2 {
            break push;
        }
    };
    assert_eq!(update.subscription_id, guard_a.id());
    let paths: Vec<&str> = update.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["a.txt", "new.txt"]);
    assert!(update.files[1].is_new, "untracked files come as new");
    assert_eq!(update.files[0].additions, 1);
    // b's checkout did not change: several poll intervals bring b nothing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(rx_b.try_recv().is_err(), "b got a diff of a's checkout");

    // Dropping a's guard unsubscribes: later edits reach nobody, b still
    // hears of its own.
    drop(guard_a);
    std::fs::write(one.path().join("a.txt"), "changed again\n").expect("edit");
    std::fs::write(two.path().join("a.txt"), "b's edit\n").expect("edit");
    let b_update = next(&mut rx_b, "b's update").await;
    assert_eq!(b_update.subscription_id, guard_b.id());
    assert_eq!(b_update.files.len(), 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        matches!(
            rx_a.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ),
        "a's sink is dropped with its subscription and got nothing more"
    );
    drop(guard_b);
    drop(watch);
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_made_while_the_daemon_is_away_starts_when_it_is_back() {
    init_tracing();
    let home = tempfile::tempdir().expect("home");
    let checkout = repo();
    let daemon = daemon(home.path()).await;
    let addr = daemon.local_addr();
    let hub = Hub::new(test_config());
    let watch = hub.watch(target(ws_url(addr))).expect("watch");
    let key = watch.key().clone();
    wait_for_connection(&hub, &key, "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;
    daemon.shutdown().await;
    wait_for_connection(&hub, &key, "offline", |s| {
        s.status != ConnectionStatus::Online
    })
    .await;

    let (tx, mut rx) = mpsc::unbounded_channel();
    let cwd = checkout.path().to_string_lossy().into_owned();
    let guard = hub
        .subscribe_diff(&key, cwd.clone(), uncommitted(), tx)
        .expect("subscribe while away");
    std::fs::write(checkout.path().join("a.txt"), "edited\n").expect("edit");
    // Same port (the profile's URL), retried while the old socket lets go.
    let back = start_daemon(addr, home.path()).await;
    let push = next(&mut rx, "the answer after the reconnect").await;
    assert_eq!(push.subscription_id, guard.id());
    assert_eq!(push.cwd, cwd);
    assert_eq!(push.files.len(), 1);
    drop(guard);
    drop(watch);
    back.shutdown().await;
}
