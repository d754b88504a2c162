//! Helpers for the file explorer and git tests: real git repositories in
//! temp dirs (identity passed per command: CI has no global git config),
//! request/response by `requestId`, and waiting for pushes with a deadline.

#![allow(dead_code)] // each test file uses a different subset

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::support::{DEADLINE, Next, Ws, next, send_session};

/// Poll interval the tests give the daemon (`--diff-poll-ms`).
pub const POLL_MS: &str = "100";

/// Runs git in `dir` with a fixed identity and no user/system config.
pub fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Paseo Test",
            "-c",
            "user.email=test@example.invalid",
        ])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("run git");
    assert!(
        status.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

/// The repository of the recorded fixture: README.md committed ("hello")
/// then modified ("hello\nworld"), notes.txt untracked, a committed src/.
pub fn fixture_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    std::fs::write(root.join("README.md"), "hello\n").expect("write");
    std::fs::create_dir(root.join("src")).expect("mkdir");
    std::fs::write(root.join("src/lib.rs"), "pub fn f() {}\n").expect("write");
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "init"]);
    std::fs::write(root.join("README.md"), "hello\nworld\n").expect("write");
    std::fs::write(root.join("notes.txt"), "untracked\n").expect("write");
    dir
}

/// A path as the daemon reports it (canonical, as a string).
pub fn canonical(path: &Path) -> String {
    std::fs::canonicalize(path)
        .expect("canonicalize")
        .to_string_lossy()
        .into_owned()
}

/// Reads session messages until one satisfies `matches`; other messages
/// are skipped. Fails at the deadline.
pub async fn wait_for(ws: &mut Ws, mut matches: impl FnMut(&Value) -> bool) -> Value {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let frame = tokio::time::timeout_at(deadline, next(ws))
            .await
            .expect("no matching message before the deadline");
        match frame {
            Next::Json(frame) if matches(&frame["message"]) => return frame["message"].clone(),
            Next::Json(_) => {}
            other => panic!("connection ended while waiting: {other:?}"),
        }
    }
}

/// Sends `message` and returns the `(type, payload)` of the reply carrying
/// the same `requestId`.
pub async fn request(ws: &mut Ws, message: Value) -> (String, Value) {
    let id = message["requestId"].clone();
    send_session(ws, message).await;
    let reply = wait_for(ws, |m| m["payload"]["requestId"] == id).await;
    (
        reply["type"].as_str().unwrap_or_default().to_owned(),
        reply["payload"].clone(),
    )
}

/// Session messages received within `window` (a bounded negative check:
/// used only to show something does *not* arrive).
pub async fn drain_for(ws: &mut Ws, window: Duration) -> Vec<Value> {
    let mut seen = Vec::new();
    let until = tokio::time::Instant::now() + window;
    while let Ok(frame) = tokio::time::timeout_at(until, next(ws)).await {
        match frame {
            Next::Json(frame) => seen.push(frame["message"].clone()),
            other => panic!("connection ended: {other:?}"),
        }
    }
    seen
}

/// The key structure of a JSON value: objects and arrays kept, every
/// scalar replaced by `null`, so two frames compare by shape only.
pub fn shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (k.clone(), shape(v))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(shape).collect()),
        _ => Value::Null,
    }
}
