//! Durability of agents through the real binary: a graceful restart keeps
//! agents and timelines byte-for-byte and resumes the provider session; a
//! `kill -9` mid-stream loses no row any client saw, tolerates a torn last
//! line and reports the cut-off turn; a provider session can be imported
//! (and resumed) by its id; a send is acknowledged while the agent is
//! still starting, and a `kill -9` before its turn started leaves the
//! message marked as not run (never run silently later, nor twice).

#![allow(
    unsafe_code,
    reason = "kill(2) probes of an agent group this test started"
)]

use std::io::Write;

use crate::agent_support::*;
use crate::support::*;
use serde_json::{Value, json};

async fn snapshot(client: &mut Client, id: &str, request_id: &str) -> Value {
    client
        .request(json!({"type": "fetch_agent_request", "requestId": request_id, "agentId": id}))
        .await["payload"]["agent"]
        .clone()
}

#[tokio::test]
async fn a_restart_keeps_agents_and_timelines_and_resumes_the_session() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let mut daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-restart").await;
    let created = create_agent(&mut client, "c", cwd.path(), Some("hello")).await;
    let id = created["agentId"].as_str().expect("id").to_owned();
    assert_eq!(
        wait_for_finish(&mut client, &id, "w").await["status"],
        "idle"
    );
    let idle = create_agent(&mut client, "c2", cwd.path(), None).await;
    let before_rows = all_rows(&mut client, &id, "t").await;
    let before_agent = snapshot(&mut client, &id, "f").await;
    let before_idle = snapshot(&mut client, idle["agentId"].as_str().expect("id"), "f2").await;
    let session_id = before_agent["persistence"]["sessionId"]
        .as_str()
        .expect("session")
        .to_owned();

    daemon.send_sigterm();
    assert!(daemon.wait_exit().success());
    drop(client);

    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-restart").await;
    assert_eq!(all_rows(&mut client, &id, "t").await, before_rows);
    assert_eq!(snapshot(&mut client, &id, "f").await, before_agent);
    assert_eq!(
        snapshot(&mut client, idle["agentId"].as_str().expect("id"), "f2").await,
        before_idle
    );

    // The next prompt loads the same provider session.
    let sent = client
        .request(json!({"type": "send_agent_message_request", "requestId": "s", "agentId": id, "text": "and again"}))
        .await;
    assert_eq!(sent["payload"]["accepted"], true, "{sent}");
    let thread = client
        .stream_event(&id, |e| e["type"] == "thread_started")
        .await;
    assert_eq!(thread["event"]["sessionId"], session_id.as_str());
    assert_eq!(
        wait_for_finish(&mut client, &id, "w2").await["status"],
        "idle"
    );
    let rows = all_rows(&mut client, &id, "t2").await;
    assert_eq!(
        rows[..before_rows.len()],
        before_rows[..],
        "no replayed duplicates"
    );
    assert_eq!(rows.len(), before_rows.len() * 2);
}

#[tokio::test]
async fn kill_9_mid_stream_loses_no_streamed_row() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-kill").await;
    let created = create_agent(&mut client, "c", cwd.path(), Some("PLEASE_BE_SLOW")).await;
    let id = created["agentId"].as_str().expect("id").to_owned();
    for tick in 0..5 {
        let text = format!("tick{tick} ");
        client
            .stream_event(&id, move |e| e["item"]["text"] == text.as_str())
            .await;
    }
    drop(daemon); // SIGKILL, mid-turn
    let seen: Vec<Value> = client
        .streamed(&id)
        .into_iter()
        .filter(|p| p["event"]["type"] == "timeline")
        .collect();
    drop(client);

    // Simulate a write cut short by the kill.
    let log_path = home.path().join("agents").join(&id).join("timeline.jsonl");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&log_path)
        .expect("log");
    file.write_all(br#"{"seq":999,"epoch":"x","item":{"type":"assist"#)
        .expect("tear");
    drop(file);

    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-kill").await;
    let rows = all_rows(&mut client, &id, "t").await;
    for streamed in &seen {
        let seq = streamed["seq"].as_u64().expect("seq");
        let row = rows
            .iter()
            .find(|r| r["seqStart"] == seq)
            .unwrap_or_else(|| panic!("row {seq} lost"));
        assert_eq!(row["item"], streamed["event"]["item"]);
    }
    assert_eq!(
        rows.iter()
            .filter_map(|r| r["seqStart"].as_u64())
            .collect::<Vec<_>>(),
        (1..=rows.len() as u64).collect::<Vec<_>>()
    );
    let last = rows.last().expect("rows");
    assert_eq!(last["item"]["type"], "error");
    assert!(
        last["item"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("daemon restarted mid-turn"))
    );
    let agent = snapshot(&mut client, &id, "f").await;
    assert_eq!(agent["status"], "error");
    assert_eq!(agent["lastError"], "daemon restarted mid-turn");
    assert_eq!(
        (
            agent["requiresAttention"].clone(),
            agent["attentionReason"].clone()
        ),
        (json!(true), json!("error"))
    );
    let text = std::fs::read_to_string(&log_path).expect("log");
    assert!(
        text.ends_with('\n')
            && text
                .lines()
                .all(|l| serde_json::from_str::<Value>(l).is_ok()),
        "torn line removed"
    );

    // The agent is usable again.
    let sent = client
        .request(json!({"type": "send_agent_message_request", "requestId": "s", "agentId": id, "text": "hello"}))
        .await;
    assert_eq!(sent["payload"]["accepted"], true, "{sent}");
    assert_eq!(
        wait_for_finish(&mut client, &id, "w").await["status"],
        "idle"
    );
}

#[tokio::test]
async fn provider_sessions_are_imported_and_resumed_by_id() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-import").await;
    let created = create_agent(&mut client, "c", cwd.path(), Some("hello")).await;
    let original = created["agentId"].as_str().expect("id").to_owned();
    let finished = wait_for_finish(&mut client, &original, "w").await;
    let session_id = finished["final"]["persistence"]["sessionId"]
        .as_str()
        .expect("session")
        .to_owned();
    // Forget the agent; the provider keeps its session.
    client
        .request(json!({"type": "delete_agent_request", "requestId": "d", "agentId": original}))
        .await;

    let imported = client
        .request(json!({"type": "import_agent_request", "requestId": "i", "provider": "test",
                        "sessionId": session_id, "cwd": cwd.path(), "labels": {"origin": "import"}}))
        .await;
    assert_eq!(imported["payload"]["status"], "agent_resumed", "{imported}");
    let id = imported["payload"]["agentId"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_ne!(id, original);
    assert_eq!(
        imported["payload"]["agent"]["persistence"]["sessionId"],
        session_id.as_str()
    );
    assert_eq!(
        imported["payload"]["agent"]["labels"],
        json!({"origin": "import"})
    );
    let rows = all_rows(&mut client, &id, "t").await;
    assert_eq!(imported["payload"]["timelineSize"], rows.len());
    assert!(
        rows.iter()
            .any(|r| r["item"]["type"] == "user_message" && r["item"]["text"] == "hello"),
        "{rows:#?}"
    );
    let text: String = rows
        .iter()
        .filter(|r| r["item"]["type"] == "assistant_message")
        .filter_map(|r| r["item"]["text"].as_str())
        .collect();
    assert_eq!(text, "Hi there!");

    let resumed = client
        .request(json!({"type": "resume_agent_request", "requestId": "r",
                        "handle": {"provider": "test", "sessionId": session_id}}))
        .await;
    assert_eq!(resumed["payload"]["status"], "agent_resumed");
    assert_eq!(
        resumed["payload"]["agentId"],
        id.as_str(),
        "the agent holding the session"
    );

    let unknown = client
        .request(json!({"type": "import_agent_request", "requestId": "i2", "provider": "test", "sessionId": "no-such-session", "cwd": cwd.path()}))
        .await;
    assert_eq!(
        unknown["payload"]["status"], "agent_create_failed",
        "{unknown}"
    );
    assert!(unknown["payload"].get("errorCode").is_none());
    let no_provider = client
        .request(json!({"type": "import_agent_request", "requestId": "i3", "provider": "nope", "sessionId": "x"}))
        .await;
    assert_eq!(no_provider["payload"]["status"], "agent_create_failed");
}

/// The agent's process group is in `$PASEO_HOME/processes.json` while it
/// runs; after the daemon dies by SIGKILL the next daemon on that home
/// leaves no member of the group alive and an empty ledger.
#[tokio::test]
async fn agent_groups_are_recorded_and_reaped_after_a_sigkill() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-ledger").await;
    let created = create_agent(&mut client, "c", cwd.path(), Some("PLEASE_BE_SLOW")).await;
    let id = created["agentId"].as_str().expect("id").to_owned();
    client
        .stream_event(&id, |e| e["item"]["text"] == "tick1 ")
        .await;

    let ledger_path = home.path().join(daemon::procs::LEDGER_FILE);
    let ledger: Value =
        serde_json::from_str(&std::fs::read_to_string(&ledger_path).expect("ledger written"))
            .expect("ledger is JSON");
    let groups = ledger["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 1, "one running agent, one group: {ledger}");
    let pgid = groups[0]["pgid"].as_i64().expect("pgid") as i32;
    assert!(
        groups[0]["label"]
            .as_str()
            .is_some_and(|l| l.contains("test"))
    );
    // SAFETY: signal 0 only probes the group.
    assert_eq!(unsafe { libc::kill(-pgid, 0) }, 0, "agent group alive");

    drop(daemon); // SIGKILL, mid-turn
    drop(client);

    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    // SAFETY: as above.
    while unsafe { libc::kill(-pgid, 0) } == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "group {pgid} survived"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let ledger: Value =
        serde_json::from_str(&std::fs::read_to_string(&ledger_path).expect("ledger"))
            .expect("JSON");
    assert_eq!(ledger["groups"], serde_json::json!([]), "{ledger}");
    drop(daemon);
}

#[tokio::test]
async fn a_send_is_acknowledged_while_the_agent_starts_and_a_kill_9_then_marks_it_not_run() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    // The test agent leaves `initialize` unanswered for a minute: the
    // agent's start is held for longer than any client deadline.
    let mut cmd = daemon_command(home.path(), &["--listen", "127.0.0.1:0"]);
    cmd.env("PASEO_TEST_AGENT_START_DELAY_MS", "60000");
    let daemon = DaemonProcess::spawn_with(cmd);
    let mut client = Client::connect(&daemon.ws_url(), "cid-unrun").await;
    let created = create_agent(&mut client, "c", cwd.path(), None).await;
    let id = created["agentId"].as_str().expect("id").to_owned();
    let send = json!({"type": "send_agent_message_request", "requestId": "s",
                      "agentId": id, "text": "hello", "messageId": "m-1"});
    let sent = client.request(send.clone()).await;
    assert_eq!(sent["payload"]["accepted"], true, "{sent}");
    drop(daemon); // SIGKILL, the turn not started
    drop(client);

    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-unrun").await;
    let agent = snapshot(&mut client, &id, "f").await;
    assert_eq!(agent["status"], "error", "{agent}");
    assert_eq!(agent["lastError"], "not run: the daemon restarted");
    let rows = all_rows(&mut client, &id, "t").await;
    let users: Vec<&Value> = rows
        .iter()
        .filter(|r| r["item"]["type"] == "user_message")
        .collect();
    assert_eq!(users.len(), 1, "{rows:?}");
    assert_eq!(users[0]["item"]["messageId"], "m-1");
    let last = rows.last().expect("rows");
    assert_eq!(last["item"]["type"], "error");
    assert!(
        last["item"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not run: the daemon restarted")),
        "{last}"
    );
    // A retry of the same message is acknowledged and not run.
    let again = client.request(send).await;
    assert_eq!(again["payload"]["accepted"], true, "{again}");
    assert_eq!(all_rows(&mut client, &id, "t2").await, rows);
}

/// Where a crash point leaves a send after the restart.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Left {
    /// Its row, then "not run: the daemon restarted".
    NotRun,
    /// Its row, then (maybe rows of its turn, then) the lost-turn note.
    LostTurn { with_rows: bool },
}

/// Every send that reached the disk survives a `kill -9` at each point of
/// its way as its `user_message` row followed by its turn or by an error
/// row saying it was not run, never both: the daemon kills itself at a
/// crash point (`PASEO_TEST_CRASH_AT`, `daemon::crash`), the next daemon
/// on that home shows what is left. `row:assistant_message` is the window
/// that used to be wrong: rows of the turn on disk while the record still
/// said "unstarted" (its `running` status was not written yet), which came
/// back as "not run" after the turn's own rows.
#[tokio::test]
async fn a_send_survives_a_kill_9_at_every_point_of_its_way() {
    require_test_agent();
    let points = [
        ("send_durable", Left::NotRun),
        ("turn_running", Left::LostTurn { with_rows: false }),
        ("row:assistant_message", Left::LostTurn { with_rows: true }),
    ];
    for (point, left) in points {
        let home = tempfile::tempdir().expect("home");
        let cwd = tempfile::tempdir().expect("cwd");
        let id = {
            let daemon = DaemonProcess::spawn(home.path(), &[]);
            let mut client = Client::connect(&daemon.ws_url(), "cid-crash").await;
            let created = create_agent(&mut client, "c", cwd.path(), None).await;
            client.close().await;
            drop(daemon);
            created["agentId"].as_str().expect("id").to_owned()
        };

        let mut cmd = daemon_command(home.path(), &["--listen", "127.0.0.1:0"]);
        cmd.env(daemon::crash::CRASH_AT_ENV, point);
        let mut daemon = DaemonProcess::spawn_with(cmd);
        let (mut ws, _) = connect_hello(&daemon.ws_url(), "cid-crash").await;
        let send = json!({"type": "send_agent_message_request", "requestId": "s",
                          "agentId": id, "text": "hello", "messageId": "m-1"});
        send_session(&mut ws, send.clone()).await;
        // The ack may or may not get out before the crash: the rule holds
        // for every send that reached the disk, acknowledged or not.
        let mut acknowledged = false;
        while let Next::Json(frame) = next(&mut ws).await {
            let payload = &frame["message"]["payload"];
            if payload["requestId"] == "s" {
                assert_eq!(payload["accepted"], true, "{frame}");
                acknowledged = true;
            }
        }
        let status = daemon.wait_exit();
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&status),
            Some(libc::SIGKILL),
            "{point}: the daemon died at its crash point ({status:?})"
        );
        drop(daemon);

        let daemon = DaemonProcess::spawn(home.path(), &[]);
        let mut client = Client::connect(&daemon.ws_url(), "cid-crash").await;
        let rows = all_rows(&mut client, &id, "t").await;
        let kinds: Vec<&str> = rows
            .iter()
            .map(|r| r["item"]["type"].as_str().unwrap_or("?"))
            .collect();
        let context = format!("{point} (acknowledged: {acknowledged}): {kinds:?} {rows:#?}");
        assert_eq!(kinds.first(), Some(&"user_message"), "{context}");
        assert_eq!(rows[0]["item"]["messageId"], "m-1", "{context}");
        assert_eq!(
            kinds.iter().filter(|k| **k == "user_message").count(),
            1,
            "{context}"
        );
        let last = rows.last().expect("rows");
        assert_eq!(last["item"]["type"], "error", "{context}");
        let note = last["item"]["message"].as_str().unwrap_or_default();
        let agent = snapshot(&mut client, &id, "f").await;
        assert_eq!(agent["status"], "error", "{context} {agent}");
        match left {
            Left::NotRun => {
                assert_eq!(kinds.len(), 2, "{context}");
                assert!(note.contains("not run: the daemon restarted"), "{context}");
                assert_eq!(agent["lastError"], "not run: the daemon restarted");
            }
            Left::LostTurn { with_rows } => {
                assert!(note.contains("restarted mid-turn"), "{context}");
                assert_eq!(agent["lastError"], "daemon restarted mid-turn");
                let turn_rows = kinds.len() - 2;
                assert_eq!(turn_rows > 0, with_rows, "{context}");
                assert!(
                    rows.iter().all(|r| !r["item"]["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("not run"))),
                    "{context}"
                );
            }
        }
        // A retry of the same message is acknowledged and not run again.
        let again = client.request(send).await;
        assert_eq!(again["payload"]["accepted"], true, "{again}");
        assert_eq!(all_rows(&mut client, &id, "t2").await, rows, "{point}");
    }
}
