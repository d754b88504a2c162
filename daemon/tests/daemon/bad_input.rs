//! The bad-input suite, daemon side: the real `paseo-daemon` binary over
//! real sockets, fed every class of bad input, with a count per class
//! (printed, and appended to `$PASEO_BAD_INPUT_REPORT` when set; the
//! figures are in RELIABILITY.md). Every input gets a clear error (an
//! `rpc_error` or an `error` under its `requestId`, else `status: error`,
//! or close 1009 for an oversized frame); the socket lives on (a ping is
//! answered after each class); the daemon never dies; and nothing is lost:
//! an agent made before the barrage keeps its timeline row for row, and a
//! new one runs a whole turn afterwards.
//!
//! Classes: malformed JSON, unknown types, wrong field types (every field
//! of every recorded client request), oversized frames, traversal paths,
//! unknown agent and permission ids.

use std::collections::BTreeSet;
use std::io::Write;
use std::os::unix::fs::symlink;

use crate::agent_support::*;
use crate::support::*;
use protocol::testing::{FixtureDir, fixture_frames};
use serde_json::{Value, json};

const MAX_FRAME: usize = 64 * 1024;
const SECRET: &str = "bad-input-secret-outside-the-workspace";

/// Counts of one class.
#[derive(Default)]
struct Tally {
    tried: usize,
    errors: usize,
    accepted: usize,
}

fn report(class: &str, tally: &Tally) {
    let line = format!(
        "bad input daemon/{class}: {} tried, {} answered with an error, {} accepted, 0 crashes",
        tally.tried, tally.errors, tally.accepted
    );
    eprintln!("{line}");
    if let Some(path) = std::env::var_os("PASEO_BAD_INPUT_REPORT") {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("report file");
        writeln!(file, "{line}").expect("write report");
    }
}

/// The recorded session requests (one per type and shape).
fn recorded_requests() -> Vec<Value> {
    let mut seen = BTreeSet::new();
    let mut requests = Vec::new();
    for file in protocol::testing::fuzz::FIXTURE_FILES {
        for record in fixture_frames(file) {
            if record.dir != FixtureDir::Out || record.frame_type() != Some("session") {
                continue;
            }
            let message = record.frame["message"].clone();
            let kind = message["type"].as_str().unwrap_or_default().to_owned();
            // Requests without an answer, or that would wait for minutes.
            if kind.starts_with("unsubscribe_") || kind == "client_heartbeat" {
                continue;
            }
            let mut keys: Vec<String> = message
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            keys.sort();
            if seen.insert((kind, keys)) {
                requests.push(message);
            }
        }
    }
    requests
}

/// The message answering `request_id` (pushes in between are skipped).
async fn answer(ws: &mut Ws, request_id: &str) -> Value {
    loop {
        let message = recv_session(ws).await;
        let payload = &message["payload"];
        if payload["requestId"] == request_id || message["requestId"] == request_id {
            return message;
        }
    }
}

/// The next `status: error` (pushes in between are skipped).
async fn status_error(ws: &mut Ws) -> String {
    loop {
        let message = recv_session(ws).await;
        if message["type"] == "status" && message["payload"]["status"] == "error" {
            return message["payload"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
    }
}

/// Whether an answer says the request failed.
fn is_error(message: &Value) -> bool {
    message["type"] == "rpc_error"
        || message["type"] == "activity_log"
        || !message["payload"]["error"].is_null()
        || message["payload"]["accepted"] == false
        || message["payload"]["status"] == "agent_create_failed"
}

async fn still_alive(ws: &mut Ws, id: &str) {
    send_session(
        ws,
        json!({"type": "ping", "requestId": id, "clientSentAt": 1}),
    )
    .await;
    let pong = answer(ws, id).await;
    assert_eq!(pong["type"], "pong", "{pong}");
}

#[tokio::test]
async fn every_class_of_bad_input_gets_a_clear_error_and_nothing_is_lost() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let outside = tempfile::tempdir().expect("outside");
    std::fs::write(outside.path().join("secret.txt"), SECRET).expect("secret");
    std::fs::write(cwd.path().join("inside.txt"), "inside").expect("inside");
    std::fs::create_dir(cwd.path().join("sub")).expect("sub");
    symlink(outside.path().join("secret.txt"), cwd.path().join("escape")).expect("symlink");
    symlink(outside.path(), cwd.path().join("escape_dir")).expect("symlink");
    let max = MAX_FRAME.to_string();
    let mut daemon = DaemonProcess::spawn(home.path(), &["--max-frame-bytes", &max]);
    let url = daemon.ws_url();

    // An agent with a finished turn, to compare after the barrage.
    let mut client = Client::connect(&url, "cid-bad-before").await;
    let before = create_agent(&mut client, "c0", cwd.path(), Some("hello")).await;
    let before_id = before["agentId"].as_str().expect("id").to_owned();
    wait_for_finish(&mut client, &before_id, "w0").await;
    let rows_before = all_rows(&mut client, &before_id, "t0").await;
    assert!(rows_before.len() >= 2, "{rows_before:?}");
    client.close().await;

    let (mut ws, _) = connect_hello(&url, "cid-bad").await;
    let requests = recorded_requests();
    assert!(requests.len() >= 30, "{} recorded requests", requests.len());

    // Malformed JSON: every recorded request cut at three places, and
    // garbage. No requestId can be read: `status: error`.
    let mut tally = Tally::default();
    let mut texts: Vec<String> = Vec::new();
    for request in &requests {
        let text = json!({"type": "session", "message": request}).to_string();
        for cut in [text.len() / 4, text.len() / 2, text.len() - 1] {
            let mut cut = cut;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            texts.push(text[..cut].to_owned());
        }
    }
    texts.extend(
        [
            "",
            " ",
            "{",
            "}",
            "[",
            "nul",
            "tru",
            "{\"type\":",
            "{'type':'session'}",
            "{\"type\":\"session\",}",
            "\u{0}",
            "{\"type\":\"session\" \"message\":{}}",
            "[1,2",
            "\"unterminated",
            "{\"a\":1}}",
            "NaN",
            "{\"type\":\"session\",\"message\":{\"type\":\"ping\",}}",
        ]
        .map(str::to_owned),
    );
    for text in &texts {
        send_text(&mut ws, text).await;
        let message = status_error(&mut ws).await;
        assert!(
            message.starts_with("Invalid message"),
            "{text:?}: {message}"
        );
        tally.tried += 1;
        tally.errors += 1;
    }
    still_alive(&mut ws, "alive-json").await;
    report("malformed_json", &tally);

    // Unknown types: inside the session wrapper and at the top level,
    // with and without a requestId.
    let mut tally = Tally::default();
    for (index, request) in requests.iter().enumerate() {
        let mut message = request.clone();
        let kind = format!("{}_v99", message["type"].as_str().unwrap_or("x"));
        let id = format!("u-{index}");
        message["type"] = json!(kind);
        message["requestId"] = json!(id);
        send_session(&mut ws, message).await;
        let reply = answer(&mut ws, &id).await;
        assert_eq!(reply["type"], "rpc_error", "{reply}");
        assert_eq!(reply["payload"]["code"], "unknown_schema", "{reply}");
        assert_eq!(reply["payload"]["requestType"], kind.as_str(), "{reply}");
        tally.tried += 1;
        tally.errors += 1;
    }
    for index in 0..20 {
        let id = format!("top-{index}");
        send_json(
            &mut ws,
            json!({"type": format!("mystery_{index}"), "requestId": id}),
        )
        .await;
        let reply = answer(&mut ws, &id).await;
        assert_eq!(reply["payload"]["code"], "unknown_schema", "{reply}");
        send_json(
            &mut ws,
            json!({"type": "session", "message": {"type": format!("mystery_{index}")}}),
        )
        .await;
        let message = status_error(&mut ws).await;
        assert!(message.contains("Unknown request schema"), "{message}");
        tally.tried += 2;
        tally.errors += 2;
    }
    still_alive(&mut ws, "alive-unknown").await;
    report("unknown_types", &tally);

    // Wrong field types: every field of every recorded request replaced
    // by a value of each other JSON type. Answered under its requestId:
    // an error, or (a field that takes any JSON) a normal answer.
    let mut tally = Tally::default();
    let wrong = [
        json!(12345),
        json!("text"),
        json!(true),
        json!([]),
        json!({"x": 1}),
        Value::Null,
    ];
    for (index, request) in requests.iter().enumerate() {
        let fields: Vec<String> = request
            .as_object()
            .map(|m| {
                m.keys()
                    .filter(|k| *k != "type" && *k != "requestId")
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        for field in fields {
            let original = &request[&field];
            for (n, value) in wrong.iter().enumerate() {
                if std::mem::discriminant(value) == std::mem::discriminant(original) {
                    continue;
                }
                let id = format!("w-{index}-{field}-{n}");
                let mut message = request.clone();
                message[&field] = value.clone();
                message["requestId"] = json!(id);
                send_session(&mut ws, message.clone()).await;
                let reply = answer(&mut ws, &id).await;
                tally.tried += 1;
                if is_error(&reply) {
                    tally.errors += 1;
                } else {
                    tally.accepted += 1;
                }
            }
        }
    }
    // A requestId of the wrong type cannot be answered under it.
    for value in &wrong[..5] {
        let message = json!({"type": "fetch_agents_request", "requestId": value});
        send_session(&mut ws, message).await;
        if value.is_string() {
            answer(&mut ws, "text").await;
        } else {
            let text = status_error(&mut ws).await;
            assert!(text.starts_with("Invalid message"), "{text}");
        }
        tally.tried += 1;
        tally.errors += usize::from(!value.is_string());
        tally.accepted += usize::from(value.is_string());
    }
    still_alive(&mut ws, "alive-wrong").await;
    report("wrong_field_types", &tally);

    // Traversal paths: each refused, never the secret.
    let mut tally = Tally::default();
    let long = "a/".repeat(3000);
    let paths = [
        "..",
        "../",
        "../secret.txt",
        "../../../../../../etc/passwd",
        "/etc/passwd",
        "/etc/hostname",
        "sub/../../secret.txt",
        "./../secret.txt",
        "sub/../..",
        "escape",
        "escape_dir",
        "escape_dir/secret.txt",
        "escape/../secret.txt",
        "..\\secret.txt",
        "%2e%2e/secret.txt",
        "....//....//etc/passwd",
        "~",
        "~/.ssh/id_rsa",
        "\u{0}",
        "inside.txt\u{0}/../../etc/passwd",
        &long,
        "//etc/passwd",
        "sub/./../../etc",
        "/proc/self/environ",
        "/dev/zero",
    ];
    let cwd_text = cwd.path().to_str().expect("utf-8");
    for (index, path) in paths.iter().enumerate() {
        for mode in ["list", "file"] {
            let id = format!("p-{index}-{mode}");
            send_session(
                &mut ws,
                json!({"type": "file_explorer_request", "requestId": id, "cwd": cwd_text,
                       "path": path, "mode": mode}),
            )
            .await;
            let reply = answer(&mut ws, &id).await;
            assert!(!reply.to_string().contains(SECRET), "{path:?}: {reply}");
            assert!(!reply.to_string().contains("root:x:0"), "{path:?}: {reply}");
            assert!(
                reply["payload"]["error"]
                    .as_str()
                    .is_some_and(|e| !e.is_empty()),
                "{path:?} {mode}: {reply}"
            );
            tally.tried += 1;
            tally.errors += 1;
        }
    }
    for (index, bad_cwd) in ["", "relative/dir", "../..", "/no/such/dir"]
        .iter()
        .enumerate()
    {
        let id = format!("cwd-{index}");
        send_session(
            &mut ws,
            json!({"type": "file_explorer_request", "requestId": id, "cwd": bad_cwd,
                   "path": ".", "mode": "list"}),
        )
        .await;
        let reply = answer(&mut ws, &id).await;
        assert!(
            reply["payload"]["error"].is_string(),
            "{bad_cwd:?}: {reply}"
        );
        tally.tried += 1;
        tally.errors += 1;
    }
    still_alive(&mut ws, "alive-paths").await;
    report("traversal_paths", &tally);

    // Unknown agent and permission ids.
    let mut tally = Tally::default();
    let agent_requests = [
        json!({"type": "fetch_agent_request", "agentId": "AGENT"}),
        json!({"type": "send_agent_message_request", "agentId": "AGENT", "text": "hi"}),
        json!({"type": "cancel_agent_request", "agentId": "AGENT"}),
        json!({"type": "delete_agent_request", "agentId": "AGENT"}),
        json!({"type": "archive_agent_request", "agentId": "AGENT"}),
        json!({"type": "refresh_agent_request", "agentId": "AGENT"}),
        json!({"type": "update_agent_request", "agentId": "AGENT", "name": "x"}),
        json!({"type": "set_agent_mode_request", "agentId": "AGENT", "modeId": "default"}),
        json!({"type": "clear_agent_attention", "agentId": "AGENT"}),
        json!({"type": "wait_for_finish_request", "agentId": "AGENT", "timeoutMs": 1000}),
        json!({"type": "fetch_agent_timeline_request", "agentId": "AGENT", "direction": "tail",
               "limit": 10, "projection": "canonical"}),
    ];
    for (index, template) in agent_requests.iter().enumerate() {
        for agent in ["no-such-agent", "../../etc", ""] {
            let id = format!("a-{index}-{agent}");
            let mut message = template.clone();
            message["agentId"] = json!(agent);
            message["requestId"] = json!(id);
            send_session(&mut ws, message.clone()).await;
            let reply = answer(&mut ws, &id).await;
            let text = reply.to_string();
            tally.tried += 1;
            if message["type"] == "delete_agent_request" {
                // Idempotent, as Paseo's: deleting what is not there is done.
                assert_eq!(reply["type"], "agent_deleted", "{text}");
                tally.accepted += 1;
                continue;
            }
            // Paseo's shapes for "no such agent" in an answer with agents
            // (fetch, cancel: `agent: null`; clear attention: `agents: []`).
            let said = is_error(&reply)
                || reply["payload"].get("agent").is_some_and(Value::is_null)
                || reply["payload"]["agents"]
                    .as_array()
                    .is_some_and(Vec::is_empty);
            assert!(said, "{message}: {text}");
            tally.errors += 1;
        }
    }
    // A permission answer names the permission in `requestId`: an unknown
    // one (on a real agent, and on no agent) is refused under it.
    for (index, agent) in [before_id.as_str(), "no-such-agent"].iter().enumerate() {
        let permission = format!("no-such-permission-{index}");
        send_session(
            &mut ws,
            json!({"type": "agent_permission_response", "agentId": agent,
                   "requestId": permission, "response": {"behavior": "allow"}}),
        )
        .await;
        let reply = answer(&mut ws, &permission).await;
        assert_eq!(reply["type"], "rpc_error", "{reply}");
        tally.tried += 1;
        tally.errors += 1;
    }
    still_alive(&mut ws, "alive-ids").await;
    report("unknown_ids", &tally);

    // Oversized frames: refused with close 1009 (a sender still writing a
    // frame of megabytes may see the connection reset instead, after the
    // daemon's close); the daemon serves the next socket, and a frame at
    // the limit is served.
    let mut tally = Tally::default();
    for size in [MAX_FRAME + 1, 2 * MAX_FRAME, 1 << 20, 8 << 20] {
        let (mut big, _) = connect_hello(&url, "cid-big").await;
        let padding = "x".repeat(size);
        let text = json!({"type": "session", "message": {"type": "ping",
            "requestId": "big", "clientSentAt": 1, "pad": padding}})
        .to_string();
        let sent = futures_util::SinkExt::send(
            &mut big,
            tokio_tungstenite::tungstenite::Message::text(&text[..size]),
        )
        .await;
        match next(&mut big).await {
            Next::Close(code, _) => assert_eq!(code, 1009, "{size} bytes"),
            Next::Ended(reason) => {
                assert!(sent.is_err() && size > 2 * MAX_FRAME, "{size}: {reason}")
            }
            Next::Json(frame) => panic!("{size} bytes answered: {frame}"),
        }
        tally.tried += 1;
        tally.errors += 1;
        // The daemon serves the next socket.
        let (mut next_socket, _) = connect_hello(&url, "cid-after-big").await;
        still_alive(&mut next_socket, "alive-big").await;
    }
    let at_limit = {
        let head = json!({"type": "session", "message": {"type": "ping", "requestId": "edge",
            "clientSentAt": 1, "pad": ""}})
        .to_string();
        let pad = "x".repeat(MAX_FRAME - head.len());
        head.replace("\"pad\":\"\"", &format!("\"pad\":\"{pad}\""))
    };
    assert_eq!(at_limit.len(), MAX_FRAME);
    send_text(&mut ws, &at_limit).await;
    assert_eq!(answer(&mut ws, "edge").await["type"], "pong");
    report("oversized_frames", &tally);

    // Nothing died, nothing was lost.
    assert!(daemon.is_running(), "the daemon is alive");
    still_alive(&mut ws, "alive-end").await;
    let mut client = Client::connect(&url, "cid-bad-after").await;
    assert_eq!(all_rows(&mut client, &before_id, "t1").await, rows_before);
    let after = create_agent(&mut client, "c1", cwd.path(), Some("hello again")).await;
    let after_id = after["agentId"].as_str().expect("id").to_owned();
    let finished = wait_for_finish(&mut client, &after_id, "w1").await;
    assert_eq!(finished["status"], "idle", "{finished}");
    let rows = all_rows(&mut client, &after_id, "t2").await;
    assert!(
        rows.iter()
            .any(|r| r["item"]["type"] == "assistant_message"),
        "{rows:?}"
    );
    // The hostile ids touched no directory: the home holds the two agents.
    let mut dirs: Vec<String> = std::fs::read_dir(home.path().join("agents"))
        .expect("agents dir")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    dirs.sort();
    let mut expected = vec![before_id, after_id];
    expected.sort();
    assert_eq!(dirs, expected);
}
