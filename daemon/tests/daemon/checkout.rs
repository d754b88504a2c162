//! Checkout status and the live diff subscription through the real
//! `paseo-daemon` binary, on real git repositories in temp dirs; and the
//! key sets of our file explorer / checkout frames against the ones a real
//! Paseo daemon sent for the same repository (the recorded fixture).

use std::time::Duration;

use crate::support::*;
use crate::workspace::*;
use protocol::testing::{FixtureDir, fixture_frames, json_keys_superset};
use serde_json::{Value, json};

async fn status(ws: &mut Ws, cwd: &str, id: &str) -> Value {
    let message = json!({"type":"checkout_status_request","cwd":cwd,"requestId":id});
    let (kind, payload) = request(ws, message).await;
    assert_eq!(kind, "checkout_status_response", "{payload}");
    payload
}

async fn subscribe(ws: &mut Ws, sub: &str, cwd: &str, id: &str) -> Value {
    let message = json!({"type":"subscribe_checkout_diff_request","subscriptionId":sub,"cwd":cwd,
                         "compare":{"mode":"uncommitted"},"requestId":id});
    let (kind, payload) = request(ws, message).await;
    assert_eq!(kind, "subscribe_checkout_diff_response", "{payload}");
    assert_eq!(payload["subscriptionId"], sub);
    payload
}

fn file<'a>(files: &'a Value, path: &str) -> Option<&'a Value> {
    files.as_array()?.iter().find(|f| f["path"] == path)
}

fn spawn_daemon(home: &std::path::Path) -> DaemonProcess {
    DaemonProcess::spawn(home, &["--diff-poll-ms", POLL_MS])
}

#[tokio::test]
async fn checkout_status_follows_the_work_tree() {
    let repo = fixture_repo();
    let cwd = repo.path().to_string_lossy().into_owned();
    let plain = tempfile::tempdir().expect("tempdir");
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = spawn_daemon(home.path());
    let (mut ws, _) = connect_hello(&daemon.ws_url(), "cid-status").await;

    let dirty = status(&mut ws, &cwd, "s1").await;
    assert_eq!(
        dirty,
        json!({"cwd":cwd,"isGit":true,"repoRoot":canonical(repo.path()),"mainRepoRoot":null,
               "currentBranch":"main","isDirty":true,"baseRef":"main","aheadBehind":null,
               "aheadOfOrigin":null,"behindOfOrigin":null,"hasRemote":false,"remoteUrl":null,
               "isPaseoOwnedWorktree":false,"error":null,"requestId":"s1"})
    );

    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "second"]);
    let clean = status(&mut ws, &cwd, "s2").await;
    assert_eq!(clean["isDirty"], false, "{clean}");

    git(
        repo.path(),
        &[
            "remote",
            "add",
            "origin",
            "https://example.invalid/repo.git",
        ],
    );
    git(repo.path(), &["checkout", "-q", "-b", "feature"]);
    std::fs::write(repo.path().join("feature.txt"), "f\n").expect("write");
    git(repo.path(), &["add", "-A"]);
    git(repo.path(), &["commit", "-q", "-m", "feature"]);
    let feature = status(&mut ws, &cwd, "s3").await;
    assert_eq!(feature["currentBranch"], "feature");
    assert_eq!(feature["aheadBehind"], json!({"ahead":1,"behind":0}));
    assert_eq!(feature["hasRemote"], true);
    assert_eq!(feature["remoteUrl"], "https://example.invalid/repo.git");

    let not_git = status(&mut ws, &plain.path().to_string_lossy(), "s4").await;
    assert_eq!(
        not_git,
        json!({"cwd":plain.path().to_string_lossy(),"isGit":false,"repoRoot":null,
               "currentBranch":null,"isDirty":null,"baseRef":null,"aheadBehind":null,
               "aheadOfOrigin":null,"behindOfOrigin":null,"hasRemote":false,"remoteUrl":null,
               "isPaseoOwnedWorktree":false,"error":null,"requestId":"s4"})
    );
    let missing = status(&mut ws, "/definitely/not/here", "s5").await;
    assert_eq!(missing["isGit"], false);
    assert_eq!(missing["error"]["code"], "UNKNOWN", "{missing}");
}

#[tokio::test]
async fn diff_subscription_sends_changes_then_stops_when_unsubscribed() {
    let repo = fixture_repo();
    let cwd = repo.path().to_string_lossy().into_owned();
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = spawn_daemon(home.path());
    let (mut ws, _) = connect_hello(&daemon.ws_url(), "cid-diff").await;

    let first = subscribe(&mut ws, "sub-1", &cwd, "d1").await;
    assert_eq!(first["error"], Value::Null);
    assert_eq!(first["files"].as_array().map(Vec::len), Some(2), "{first}");
    let readme = file(&first["files"], "README.md").expect("modified file");
    assert_eq!(
        (readme["isNew"].clone(), readme["additions"].clone()),
        (json!(false), json!(1))
    );
    assert_eq!(readme["hunks"][0]["lines"][0]["content"], "@@ -1 +1,2 @@");
    let notes = file(&first["files"], "notes.txt").expect("untracked file");
    assert_eq!(notes["isNew"], true);
    assert_eq!(
        notes["hunks"][0]["lines"][1],
        json!({"type":"add","content":"untracked"})
    );

    // Predicates name the final state: a poll may catch a half-written file.
    std::fs::write(repo.path().join("fresh.txt"), "new\nfile\n").expect("write");
    let update = wait_for(&mut ws, |m| {
        m["type"] == "checkout_diff_update"
            && file(&m["payload"]["files"], "fresh.txt").is_some_and(|f| f["additions"] == 2)
    })
    .await;
    let payload = &update["payload"];
    assert_eq!(payload["subscriptionId"], "sub-1");
    assert_eq!(payload["cwd"], cwd.as_str());
    assert!(payload.get("requestId").is_none(), "{payload}");
    let fresh = file(&payload["files"], "fresh.txt").expect("new file in update");
    assert_eq!(
        (fresh["isNew"].clone(), fresh["additions"].clone()),
        (json!(true), json!(2))
    );

    // Editing an already-modified file changes no status line but is seen.
    std::fs::write(repo.path().join("README.md"), "hello\nworld\nagain\n").expect("write");
    let update = wait_for(&mut ws, |m| {
        file(&m["payload"]["files"], "README.md").is_some_and(|f| f["additions"] == 2)
    })
    .await;
    let readme = file(&update["payload"]["files"], "README.md").expect("readme");
    assert_eq!(readme["additions"], 2);

    // Unsubscribe (no reply), then prove it took effect: a second
    // subscription sees the next change, the first one says nothing.
    send_session(
        &mut ws,
        json!({"type":"unsubscribe_checkout_diff_request","subscriptionId":"sub-1"}),
    )
    .await;
    subscribe(&mut ws, "sub-2", &cwd, "d2").await;
    std::fs::write(repo.path().join("later.txt"), "later\n").expect("write");
    let update = wait_for(&mut ws, |m| m["type"] == "checkout_diff_update").await;
    assert_eq!(update["payload"]["subscriptionId"], "sub-2");
    let quiet = drain_for(&mut ws, Duration::from_millis(600)).await;
    assert!(
        quiet
            .iter()
            .all(|m| m["payload"]["subscriptionId"] != "sub-1"),
        "{quiet:?}"
    );
}

#[tokio::test]
async fn reusing_a_subscription_id_replaces_it_and_errors_are_reported() {
    let repo = fixture_repo();
    let cwd = repo.path().to_string_lossy().into_owned();
    let plain = tempfile::tempdir().expect("tempdir");
    let plain_cwd = plain.path().to_string_lossy().into_owned();
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = spawn_daemon(home.path());
    let (mut ws, _) = connect_hello(&daemon.ws_url(), "cid-replace").await;

    subscribe(&mut ws, "same", &cwd, "r1").await;
    let replaced = subscribe(&mut ws, "same", &plain_cwd, "r2").await;
    assert_eq!(replaced["files"], json!([]));
    assert_eq!(replaced["error"]["code"], "NOT_GIT_REPO", "{replaced}");
    // The repo subscription is gone: its change produces no update.
    std::fs::write(repo.path().join("ignored.txt"), "x\n").expect("write");
    let quiet = drain_for(&mut ws, Duration::from_millis(800)).await;
    assert!(
        quiet.iter().all(|m| m["type"] != "checkout_diff_update"),
        "{quiet:?}"
    );
    // The non-repo subscription notices the directory becoming a repository.
    git(plain.path(), &["init", "-q", "-b", "main"]);
    std::fs::write(plain.path().join("a.txt"), "a\n").expect("write");
    let update = wait_for(&mut ws, |m| {
        m["type"] == "checkout_diff_update" && file(&m["payload"]["files"], "a.txt").is_some()
    })
    .await;
    assert_eq!(update["payload"]["error"], Value::Null, "{update}");
    let added = file(&update["payload"]["files"], "a.txt").expect("a.txt");
    assert_eq!(added["isNew"], true, "repository without commits");
}

#[tokio::test]
async fn subscriptions_stop_when_the_session_ends() {
    let repo = fixture_repo();
    let cwd = repo.path().to_string_lossy().into_owned();
    let home = tempfile::tempdir().expect("tempdir");
    let mut cmd = daemon_command(
        home.path(),
        &["--listen", "127.0.0.1:0", "--diff-poll-ms", POLL_MS],
    );
    cmd.env("RUST_LOG", "info,daemon::git=debug");
    let mut daemon = DaemonProcess::spawn_with(cmd);
    let (mut ws, _) = connect_hello(&daemon.ws_url(), "cid-teardown").await;
    subscribe(&mut ws, "a", &cwd, "t1").await;
    subscribe(&mut ws, "b", &cwd, "t2").await;
    drop(ws);
    let line = daemon.wait_for_log("diff subscriptions stopped");
    assert!(line.contains("count=2"), "{line}");
}

/// Our answers for the fixture's repository carry every key the real Paseo
/// daemon sent (values differ: paths, times). Paseo also sends syntax
/// `tokens` on diff lines; they are optional and we send none.
#[tokio::test]
async fn frames_have_the_keys_of_the_real_daemon() {
    let repo = fixture_repo();
    let cwd = repo.path().to_string_lossy().into_owned();
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = spawn_daemon(home.path());
    let (mut ws, _) = connect_hello(&daemon.ws_url(), "cid-keys").await;

    let frames = fixture_frames("paseo-v1-head-frames.jsonl");
    let types = [
        "file_explorer_request",
        "checkout_status_request",
        "subscribe_checkout_diff_request",
    ];
    let mut compared = 0;
    for (index, frame) in frames.iter().enumerate() {
        if frame.dir != FixtureDir::Out || !types.contains(&frame.session_type().unwrap_or("")) {
            continue;
        }
        let mut message = frame.frame["message"].clone();
        message["cwd"] = cwd.clone().into();
        let theirs = frames[index + 1..]
            .iter()
            .find(|f| f.dir == FixtureDir::In)
            .map(|f| f.frame["message"].clone())
            .expect("recorded reply");
        let (kind, ours) = request(&mut ws, message).await;
        assert_eq!(kind, theirs["type"], "{ours}");
        let mut theirs = theirs["payload"].clone();
        strip_tokens(&mut theirs);
        if let Err(err) = json_keys_superset(&shape(&ours), &shape(&theirs)) {
            panic!("{kind}: {err}\nours: {ours}\ntheirs: {theirs}");
        }
        compared += 1;
    }
    assert_eq!(compared, 5, "list, file, escape, status, diff");
}

fn strip_tokens(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.remove("tokens");
            map.values_mut().for_each(strip_tokens);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_tokens),
        _ => {}
    }
}
