//! Replays what Paseo's own CLI sent to a real daemon
//! (`protocol/tests/data/paseo-v1-cli-frames.jsonl`: `ls`, `ls --json`, `run -d`,
//! `run`, `delete`) against our binary, with the `test` provider standing
//! in for `claude`, and checks that every request gets the same kind of
//! answer the real daemon gave (type, status, key shape) and that the same
//! kinds of stream events arrive.
//!
//! Then the requests added later (`agent update`, `agent reload`,
//! `worktree ls`, `terminal ls`, `chat ls`, `schedule ls`, `loop ls`), from
//! `protocol/tests/data/paseo-v1-cli-frames-written.jsonl`: frames written by hand
//! from Paseo's CLI source and schemas (each group's `note` says where
//! from), never from our daemon's output. Their answers are compared by
//! value, with `"*"` for "any value" and `"*text*"` for "contains text".

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::process::Command;

use crate::agent_support::*;
use crate::support::*;
use protocol::testing::{FixtureDir, FixtureFrame};
use serde_json::{Value, json};

/// Snapshot keys that are only present when they have a value (usage,
/// errors, provider-specific handle details).
const OPTIONAL_KEYS: &[&str] = &[
    "lastUsage",
    "lastError",
    "nativeHandle",
    "metadata",
    "extra",
];

fn without_optional(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| !OPTIONAL_KEYS.contains(&key.as_str()))
                .map(|(key, value)| (key.clone(), without_optional(value)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_optional).collect()),
        other => other.clone(),
    }
}

/// Rewrites a recorded request for this machine: provider `claude` →
/// `test`, the recorded cwd → ours, recorded agent ids → ours.
fn adapt(request: &Value, cwd: &str, ids: &HashMap<String, String>) -> Value {
    let mut request = request.clone();
    if request["type"] == "create_agent_request" {
        request["config"]["provider"] = json!("test");
        request["config"]["cwd"] = json!(cwd);
    }
    if let Some(id) = request["agentId"].as_str()
        && let Some(ours) = ids.get(id)
    {
        request["agentId"] = json!(ours);
    }
    request
}

/// `type/status` of a message, e.g. `status/agent_created`.
fn kind(message: &Value) -> String {
    match message["payload"]["status"].as_str() {
        Some(status) => format!("{}/{status}", message["type"].as_str().unwrap_or("?")),
        None => message["type"].as_str().unwrap_or("?").to_owned(),
    }
}

/// `event.type` (plus the item type for timeline rows) of stream payloads.
fn stream_kinds<'a>(messages: impl Iterator<Item = &'a Value>) -> BTreeSet<String> {
    messages
        .filter(|m| m["type"] == "agent_stream")
        .map(|m| {
            let event = &m["payload"]["event"];
            match event["item"]["type"].as_str() {
                Some(item) => format!("timeline/{item}"),
                None => event["type"].as_str().unwrap_or("?").to_owned(),
            }
        })
        .collect()
}

#[tokio::test]
async fn the_official_cli_gets_the_same_kinds_of_answers() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let cwd_text = cwd.path().to_str().expect("utf8").to_owned();
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let frames = fixture("paseo-v1-cli-frames.jsonl");
    let mut clients: Vec<(String, Vec<FixtureFrame>)> = Vec::new();
    for frame in frames {
        let name = frame.client.clone().unwrap_or_default();
        match clients.last_mut() {
            Some((last, group)) if *last == name => group.push(frame),
            _ => clients.push((name, vec![frame])),
        }
    }
    assert!(
        clients.len() >= 5,
        "{:?}",
        clients.iter().map(|c| &c.0).collect::<Vec<_>>()
    );
    // Recorded agent id → ours.
    let mut ids: HashMap<String, String> = HashMap::new();

    for (name, group) in &clients {
        let recorded: Vec<&Value> = group
            .iter()
            .filter(|f| f.dir == FixtureDir::In)
            .map(|f| &f.frame["message"])
            .collect();
        let hello = group
            .iter()
            .find(|f| f.dir == FixtureDir::Out && f.frame_type() == Some("hello"))
            .expect("hello");
        let client_id = hello.frame["clientId"].as_str().expect("clientId");
        let mut client = Client::connect(&daemon.ws_url(), client_id).await;
        for request in group
            .iter()
            .filter(|f| f.dir == FixtureDir::Out && f.frame_type() == Some("session"))
        {
            let message = adapt(&request.frame["message"], &cwd_text, &ids);
            let request_id = message["requestId"].as_str().expect("requestId").to_owned();
            let theirs = recorded
                .iter()
                .find(|m| m["payload"]["requestId"] == request_id.as_str())
                .copied()
                .unwrap_or_else(|| panic!("{name}: no recorded answer to {request_id}"));
            let ours = client.request(message).await;
            assert_eq!(
                kind(&ours),
                kind(theirs),
                "{name}: answer to {request_id}: {ours}"
            );
            assert_has_keys_of(&ours, &without_optional(theirs));
            if theirs["type"] == "wait_for_finish_response" {
                assert_eq!(
                    ours["payload"]["status"], theirs["payload"]["status"],
                    "{name}: {ours}"
                );
                assert_eq!(ours["payload"]["lastMessage"], "Hi there!");
            }
            if let (Some(their_id), Some(our_id)) = (
                theirs["payload"]["agentId"].as_str(),
                ours["payload"]["agentId"].as_str(),
            ) && theirs["payload"]["status"] == "agent_created"
            {
                ids.insert(their_id.to_owned(), our_id.to_owned());
            }
        }
        // Every kind of stream event the real daemon sent this client by
        // the time it answered the last request, we sent too; ours may
        // follow the answer, as a create with a prompt is answered once
        // the prompt is durable, before its turn starts (Paseo answers
        // after `turn_started`).
        let theirs = stream_kinds(recorded.iter().copied());
        let missing: Vec<String> = theirs
            .difference(&stream_kinds(client.log.iter()))
            .cloned()
            .collect();
        for kind in missing {
            client
                .wait(move |m| stream_kinds(std::iter::once(m)).contains(&kind))
                .await;
        }
        let ours = stream_kinds(client.log.iter());
        assert!(
            theirs.is_subset(&ours),
            "{name}: recorded {theirs:?}, ours {ours:?}"
        );
        client.close().await;
    }
    assert_eq!(ids.len(), 2, "run -d and run each created an agent");
}

/// Replaces every string leaf equal to a key of `map` by its value.
fn substitute(value: &Value, map: &HashMap<String, String>) -> Value {
    match value {
        Value::String(text) => json!(map.get(text).unwrap_or(text)),
        Value::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(key, value)| (key.clone(), substitute(value, map)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| substitute(v, map)).collect()),
        other => other.clone(),
    }
}

/// Checks `ours` against a written answer: every key of `theirs` present
/// with the same value, arrays of the same length; `"*"` matches any
/// value, `"*text*"` any string containing `text`. Extra keys in `ours`
/// are fine (the written frames name what matters).
fn check_written(ours: &Value, theirs: &Value, at: &str) -> Result<(), String> {
    match theirs {
        Value::String(pattern) if pattern == "*" => Ok(()),
        Value::String(pattern)
            if pattern.len() > 2 && pattern.starts_with('*') && pattern.ends_with('*') =>
        {
            let needle = &pattern[1..pattern.len() - 1];
            if ours.as_str().is_some_and(|text| text.contains(needle)) {
                Ok(())
            } else {
                Err(format!("{at}: {ours} does not contain {needle:?}"))
            }
        }
        Value::Object(fields) => fields.iter().try_for_each(|(key, their)| {
            let our = ours
                .get(key)
                .ok_or_else(|| format!("{at}.{key} missing in {ours}"))?;
            check_written(our, their, &format!("{at}.{key}"))
        }),
        Value::Array(items) => {
            let ours_items = ours
                .as_array()
                .ok_or_else(|| format!("{at}: {ours} is not an array"))?;
            if ours_items.len() != items.len() {
                return Err(format!(
                    "{at}: {} items, not {}: {ours}",
                    ours_items.len(),
                    items.len()
                ));
            }
            ours_items
                .iter()
                .zip(items)
                .enumerate()
                .try_for_each(|(index, (our, their))| {
                    check_written(our, their, &format!("{at}[{index}]"))
                })
        }
        other if ours == other => Ok(()),
        other => Err(format!("{at}: {ours} is not {other}")),
    }
}

/// [`check_written`], failing the test.
fn assert_matches(ours: &Value, theirs: &Value, at: &str) {
    if let Err(err) = check_written(ours, theirs, at) {
        panic!("{err}");
    }
}

/// Runs git in `dir`, failing the test on error.
fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .status()
        .expect("run git");
    assert!(status.success(), "git {args:?} failed");
}

/// Replays the written frames of `name`, one client per group, in order:
/// a request with a `requestId` is sent and its answer checked (see the
/// module comment); one without (a notification) is only sent; an answer
/// without a `requestId` is a push, awaited (with the standard deadline)
/// until one of that type matches. `places` fills the path placeholders
/// (`$CWD`, …); agent ids the frames made up are mapped to ours as
/// `agent_created` answers arrive.
async fn replay_written(url: &str, name: &str, mut places: HashMap<String, String>) {
    let frames = fixture(name);
    let mut clients: Vec<(String, Vec<FixtureFrame>)> = Vec::new();
    for frame in frames {
        assert_ne!(frame.daemon, "", "written frames name their source");
        let client = frame.client.clone().unwrap_or_default();
        match clients.last_mut() {
            Some((last, group)) if *last == client => group.push(frame),
            _ => clients.push((client, vec![frame])),
        }
    }
    for (name, group) in &clients {
        let hello = group
            .iter()
            .find(|f| f.dir == FixtureDir::Out && f.frame_type() == Some("hello"))
            .expect("hello");
        let client_id = hello.frame["clientId"].as_str().expect("clientId");
        let mut client = Client::connect(url, client_id).await;
        let answers: Vec<&Value> = group
            .iter()
            .filter(|f| f.dir == FixtureDir::In)
            .map(|f| &f.frame["message"])
            .filter(|m| m["payload"]["requestId"].is_string())
            .collect();
        for frame in group.iter().filter(|f| f.frame_type() == Some("session")) {
            let written = substitute(&frame.frame["message"], &places);
            if frame.dir == FixtureDir::In {
                if written["payload"]["requestId"].is_string() {
                    continue; // an answer, checked with its request
                }
                let kind = written["type"].clone();
                let push = client
                    .wait(|m| m["type"] == kind && check_written(m, &written, "").is_ok())
                    .await;
                assert_matches(&push, &written, name);
                continue;
            }
            let mut message = written;
            if message["type"] == "create_agent_request" {
                message["config"]["provider"] = json!("test");
            }
            let Some(request_id) = message["requestId"].as_str().map(str::to_owned) else {
                client.send(message).await;
                continue;
            };
            let theirs = answers
                .iter()
                .find(|m| m["payload"]["requestId"] == request_id.as_str())
                .unwrap_or_else(|| panic!("{name}: no written answer to {request_id}"));
            let ours = client.request(message).await;
            if let (Some(their_id), Some(our_id)) = (
                theirs["payload"]["agentId"].as_str(),
                ours["payload"]["agentId"].as_str(),
            ) && theirs["payload"]["status"] == "agent_created"
            {
                places.insert(their_id.to_owned(), our_id.to_owned());
            }
            let theirs = substitute(theirs, &places);
            assert_eq!(kind(&ours), kind(&theirs), "{name}: {request_id}: {ours}");
            assert_matches(&ours, &theirs, &format!("{name}: {request_id}"));
        }
        client.close().await;
    }
}

#[tokio::test]
async fn the_official_cli_gets_paseo_shaped_answers_to_the_requests_added_later() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let scratch = tempfile::tempdir().expect("scratch");
    let root = scratch.path().canonicalize().expect("canonical");
    let repo = root.join("repo");
    let worktree = root.join("repo-feature");
    let plain = root.join("plain");
    std::fs::create_dir_all(&repo).expect("repo dir");
    std::fs::create_dir_all(&plain).expect("plain dir");
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["commit", "-q", "--allow-empty", "-m", "init"]);
    git(
        &repo,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "feature",
            worktree.to_str().expect("utf8"),
        ],
    );
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let path = |p: &Path| p.to_str().expect("utf8").to_owned();
    let places = HashMap::from([
        ("$CWD".to_owned(), path(&repo)),
        ("$WORKTREE".to_owned(), path(&worktree)),
        ("$PLAIN".to_owned(), path(&plain)),
    ]);
    replay_written(
        &daemon.ws_url(),
        "paseo-v1-cli-frames-written.jsonl",
        places,
    )
    .await;
}

/// Paseo's web app against our daemon, from
/// `protocol/tests/data/paseo-v1-app-frames-written.jsonl`: its start (workspaces,
/// agents, history), then its workspace screen (editors, checkout,
/// attention, timeline, terminals, setup status, project config, PR
/// status, icon), a message sent, and the `workspace_update` pushes that
/// follow the agent's state.
#[tokio::test]
async fn paseo_web_app_gets_its_workspaces_and_workspace_screen() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let scratch = tempfile::tempdir().expect("scratch");
    let root = scratch.path().canonicalize().expect("canonical");
    let repo = root.join("repo");
    let plain = root.join("plain");
    std::fs::create_dir_all(&repo).expect("repo dir");
    std::fs::create_dir_all(&plain).expect("plain dir");
    git(&repo, &["init", "-q", "-b", "main"]);
    std::fs::write(
        repo.join("paseo.json"),
        r#"{"scripts": {"dev": {"command": "npm run dev"}}}"#,
    )
    .expect("paseo.json");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let path = |p: &Path| p.to_str().expect("utf8").to_owned();
    let places = HashMap::from([
        ("$CWD".to_owned(), path(&repo)),
        ("$PLAIN/missing".to_owned(), path(&plain.join("missing"))),
    ]);
    replay_written(
        &daemon.ws_url(),
        "paseo-v1-app-frames-written.jsonl",
        places,
    )
    .await;
}
