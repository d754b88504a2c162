//! Through the real binary: the `initializing` status while a provider
//! session opens (create with a prompt, import, resume after a restart),
//! as Paseo reports it; what the lazy timeline index must keep after a
//! restart (a torn line in an idle agent's log is cut on first use, repeated
//! `messageId`s are still recognised); renaming and labelling
//! (`update_agent_request`) and reloading a session (`refresh_agent_request`).

use std::io::Write;

use crate::agent_support::*;
use crate::support::*;
use serde_json::{Value, json};

/// Subscribes to every agent (`agent_update` pushes) and returns the page.
async fn subscribe(client: &mut Client, request_id: &str) -> Value {
    let answer = client
        .request(
            json!({"type": "fetch_agents_request", "requestId": request_id,
                        "subscribe": {"subscriptionId": "sub"}}),
        )
        .await;
    assert_eq!(answer["type"], "fetch_agents_response", "{answer}");
    answer
}

/// The statuses of `agent_update` upserts of `agent` received so far, in
/// order (duplicates kept).
fn upsert_statuses(client: &Client, agent: &str) -> Vec<String> {
    client
        .log
        .iter()
        .filter(|m| {
            m["type"] == "agent_update"
                && m["payload"]["kind"] == "upsert"
                && m["payload"]["agent"]["id"] == agent
        })
        .filter_map(|m| m["payload"]["agent"]["status"].as_str().map(str::to_owned))
        .collect()
}

/// Position of the first `agent_update` upsert of `agent` with `status`.
fn upsert_position(client: &Client, agent: &str, status: &str) -> Option<usize> {
    client.position(|m| {
        m["type"] == "agent_update"
            && m["payload"]["kind"] == "upsert"
            && m["payload"]["agent"]["id"] == agent
            && m["payload"]["agent"]["status"] == status
    })
}

#[tokio::test]
async fn sessions_being_opened_are_reported_as_initializing() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let mut daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-init").await;
    subscribe(&mut client, "sub").await;

    // No prompt: no session opens, so the agent is idle from the start.
    let lazy = create_agent(&mut client, "c0", cwd.path(), None).await;
    let lazy_id = lazy["agentId"].as_str().expect("id").to_owned();
    client
        .wait(|m| m["type"] == "agent_update" && m["payload"]["agent"]["id"] == lazy_id.as_str())
        .await;
    assert_eq!(upsert_statuses(&client, &lazy_id), ["idle"]);

    // An initial prompt opens the session at once: initializing, then the
    // turn runs (the answer comes once the prompt is durable, before the
    // agent has started).
    let created = create_agent(&mut client, "c", cwd.path(), Some("hello")).await;
    let id = created["agentId"].as_str().expect("id").to_owned();
    assert_eq!(created["agent"]["status"], "initializing", "{created}");
    client
        .wait(|m| {
            m["type"] == "agent_update"
                && m["payload"]["agent"]["id"] == id.as_str()
                && m["payload"]["agent"]["status"] == "running"
        })
        .await;
    let statuses = upsert_statuses(&client, &id);
    assert_eq!(
        statuses.first().map(String::as_str),
        Some("initializing"),
        "first listed as initializing: {statuses:?}"
    );
    let initializing = upsert_position(&client, &id, "initializing").expect("initializing");
    let running = upsert_position(&client, &id, "running").expect("running upsert");
    let thread = client
        .position(|m| {
            m["type"] == "agent_stream"
                && m["payload"]["agentId"] == id.as_str()
                && m["payload"]["event"]["type"] == "thread_started"
        })
        .expect("thread_started before running");
    assert!(initializing < thread && thread < running, "{statuses:?}");
    assert_eq!(
        wait_for_finish(&mut client, &id, "w").await["status"],
        "idle"
    );
    let session_id = snapshot(&mut client, &id, "f").await["persistence"]["sessionId"]
        .as_str()
        .expect("session id")
        .to_owned();

    // Import: listed as initializing while the session loads, idle after.
    client
        .request(json!({"type": "delete_agent_request", "requestId": "d", "agentId": id}))
        .await;
    let imported = client
        .request(
            json!({"type": "import_agent_request", "requestId": "i", "provider": "test",
                        "sessionId": session_id, "cwd": cwd.path()}),
        )
        .await;
    assert_eq!(imported["payload"]["status"], "agent_resumed", "{imported}");
    assert_eq!(imported["payload"]["agent"]["status"], "idle");
    let imported_id = imported["payload"]["agentId"]
        .as_str()
        .expect("id")
        .to_owned();
    let statuses = upsert_statuses(&client, &imported_id);
    assert_eq!(
        statuses.first().map(String::as_str),
        Some("initializing"),
        "{statuses:?}"
    );
    assert_eq!(statuses.last().map(String::as_str), Some("idle"));
    let answered = client
        .position(|m| m["payload"]["requestId"] == "i")
        .expect("answer");
    assert!(upsert_position(&client, &imported_id, "idle").expect("idle") < answered);

    // A failed import is listed while it loads, then removed.
    let failed = client
        .request(
            json!({"type": "import_agent_request", "requestId": "i2", "provider": "test",
                        "sessionId": "no-such-session", "cwd": cwd.path()}),
        )
        .await;
    assert_eq!(
        failed["payload"]["status"], "agent_create_failed",
        "{failed}"
    );
    let ghost = client
        .log
        .iter()
        .find(|m| {
            m["type"] == "agent_update"
                && m["payload"]["agent"]["persistence"]["sessionId"] == "no-such-session"
        })
        .map(|m| m["payload"]["agent"]["id"].clone())
        .expect("the failed import was listed");
    assert!(
        client
            .position(|m| m["type"] == "agent_update"
                && m["payload"]["kind"] == "remove"
                && m["payload"]["agentId"] == ghost)
            .is_some(),
        "and removed"
    );
    let listed = client
        .request(json!({"type": "fetch_agents_request", "requestId": "l"}))
        .await;
    let ids: Vec<&str> = listed["payload"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["agent"]["id"].as_str())
        .collect();
    assert!(!ids.contains(&ghost.as_str().expect("id")), "{ids:?}");

    // Resume after a restart: the stored session is loaded again, and
    // the agent is initializing meanwhile.
    daemon.send_sigterm();
    assert!(daemon.wait_exit().success());
    drop(client);
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-init-2").await;
    subscribe(&mut client, "sub").await;
    let resumed = client
        .request(json!({"type": "resume_agent_request", "requestId": "r",
                        "handle": {"provider": "test", "sessionId": session_id}}))
        .await;
    assert_eq!(resumed["payload"]["status"], "agent_resumed", "{resumed}");
    assert_eq!(resumed["payload"]["agentId"], imported_id.as_str());
    assert_eq!(resumed["payload"]["agent"]["status"], "idle");
    assert_eq!(
        upsert_statuses(&client, &imported_id),
        ["initializing", "idle"]
    );
    drop(daemon);
}

async fn snapshot(client: &mut Client, id: &str, request_id: &str) -> Value {
    client
        .request(json!({"type": "fetch_agent_request", "requestId": request_id, "agentId": id}))
        .await["payload"]["agent"]
        .clone()
}

#[tokio::test]
async fn an_idle_agents_log_is_repaired_and_its_message_ids_known_after_a_restart() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let mut daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-lazy").await;
    let created = create_agent(&mut client, "c", cwd.path(), None).await;
    let id = created["agentId"].as_str().expect("id").to_owned();
    let sent = client
        .request(
            json!({"type": "send_agent_message_request", "requestId": "s", "agentId": id,
                        "text": "hello", "messageId": "m-1"}),
        )
        .await;
    assert_eq!(sent["payload"]["accepted"], true, "{sent}");
    assert_eq!(
        wait_for_finish(&mut client, &id, "w").await["status"],
        "idle"
    );
    let before = all_rows(&mut client, &id, "t").await;
    daemon.send_sigterm();
    assert!(daemon.wait_exit().success());
    drop(client);

    // A line cut short (power loss) in a log whose record says idle.
    let log_path = home.path().join("agents").join(&id).join("timeline.jsonl");
    let good = std::fs::read(&log_path).expect("log");
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&log_path)
        .expect("log");
    file.write_all(br#"{"seq":999,"epoch":"x","item":{"type":"assist"#)
        .expect("tear");
    drop(file);

    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-lazy").await;
    let agent = snapshot(&mut client, &id, "f").await;
    assert_eq!(agent["status"], "idle");
    assert_eq!(all_rows(&mut client, &id, "t").await, before);
    assert_eq!(
        std::fs::read(&log_path).expect("log"),
        good,
        "torn line cut"
    );

    // The repeated id is acknowledged and not run again; a new one runs and
    // its rows continue the seq numbers.
    let again = client
        .request(
            json!({"type": "send_agent_message_request", "requestId": "s2", "agentId": id,
                        "text": "hello", "messageId": "m-1"}),
        )
        .await;
    assert_eq!(again["payload"]["accepted"], true, "{again}");
    let next = client
        .request(
            json!({"type": "send_agent_message_request", "requestId": "s3", "agentId": id,
                        "text": "and again", "messageId": "m-2"}),
        )
        .await;
    assert_eq!(next["payload"]["accepted"], true, "{next}");
    assert_eq!(
        wait_for_finish(&mut client, &id, "w2").await["status"],
        "idle"
    );
    let rows = all_rows(&mut client, &id, "t2").await;
    let users: Vec<&Value> = rows
        .iter()
        .filter(|r| r["item"]["type"] == "user_message")
        .map(|r| &r["item"]["messageId"])
        .collect();
    assert_eq!(users, [&json!("m-1"), &json!("m-2")]);
    assert_eq!(
        rows.iter()
            .filter_map(|r| r["seqStart"].as_u64())
            .collect::<Vec<_>>(),
        (1..=rows.len() as u64).collect::<Vec<_>>()
    );
    drop(daemon);
}

#[tokio::test]
async fn the_thinking_option_is_set_listed_filtered_and_kept_across_a_restart() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let mut daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-think").await;
    let created = create_agent(&mut client, "c", cwd.path(), None).await;
    let id = created["agentId"].as_str().expect("id").to_owned();
    subscribe(&mut client, "sub").await;

    let set = client
        .request(
            json!({"type": "set_agent_thinking_request", "requestId": "t1",
                        "agentId": id, "thinkingOptionId": "high"}),
        )
        .await;
    assert_eq!(set["type"], "set_agent_thinking_response", "{set}");
    assert_eq!(
        (
            set["payload"]["accepted"].clone(),
            set["payload"]["agentId"].clone()
        ),
        (json!(true), json!(id))
    );
    let pushed = client
        .wait(|m| {
            m["type"] == "agent_update" && m["payload"]["agent"]["thinkingOptionId"] == "high"
        })
        .await;
    assert_eq!(
        pushed["payload"]["agent"]["effectiveThinkingOptionId"],
        "high"
    );
    let filtered = |value: Value, request_id: &str| {
        json!({"type": "fetch_agents_request", "requestId": request_id,
               "filter": {"thinkingOptionId": value}})
    };
    let high = client.request(filtered(json!("high"), "l1")).await;
    assert_eq!(high["payload"]["entries"].as_array().map(Vec::len), Some(1));
    let none = client.request(filtered(Value::Null, "l2")).await;
    assert_eq!(none["payload"]["entries"].as_array().map(Vec::len), Some(0));

    let unknown = client
        .request(
            json!({"type": "set_agent_thinking_request", "requestId": "t2",
                        "agentId": "no-such-agent", "thinkingOptionId": "low"}),
        )
        .await;
    assert_eq!(unknown["payload"]["accepted"], false, "{unknown}");
    assert!(
        unknown["payload"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("no-such-agent"))
    );

    daemon.send_sigterm();
    assert!(daemon.wait_exit().success());
    drop(client);
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-think").await;
    assert_eq!(
        snapshot(&mut client, &id, "f").await["thinkingOptionId"],
        "high"
    );
    let reset = client
        .request(
            json!({"type": "set_agent_thinking_request", "requestId": "t3",
                        "agentId": id, "thinkingOptionId": null}),
        )
        .await;
    assert_eq!(reset["payload"]["accepted"], true, "{reset}");
    assert_eq!(
        snapshot(&mut client, &id, "f2").await["thinkingOptionId"],
        Value::Null
    );
    drop(daemon);
}

/// `update_agent_request`, as the browser's rename and `paseo agent update`
/// send it: the answer, the `agent_update` pushed to another client's
/// subscription before it, labels merged, refusals, and the change kept
/// across a restart.
#[tokio::test]
async fn an_update_renames_and_labels_pushes_it_and_keeps_it_across_a_restart() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let mut daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut watcher = Client::connect(&daemon.ws_url(), "cid-watch").await;
    let mut client = Client::connect(&daemon.ws_url(), "cid-update").await;
    let created = create_agent(&mut client, "c", cwd.path(), None).await;
    let id = created["agentId"].as_str().expect("id").to_owned();
    subscribe(&mut watcher, "sub").await;

    let answer = client
        .request(
            json!({"type": "update_agent_request", "requestId": "u1", "agentId": id,
                        "name": "  Fix the login page  ", "labels": {"team": "web"}}),
        )
        .await;
    assert_eq!(answer["type"], "update_agent_response", "{answer}");
    assert_eq!(
        answer["payload"],
        json!({"requestId": "u1", "agentId": id, "accepted": true, "error": null})
    );
    let pushed = watcher
        .wait(|m| m["type"] == "agent_update" && m["payload"]["agent"]["id"] == id.as_str())
        .await;
    assert_eq!(pushed["payload"]["kind"], "upsert", "{pushed}");
    assert_eq!(pushed["payload"]["agent"]["title"], "Fix the login page");
    assert_eq!(pushed["payload"]["agent"]["labels"], json!({"team": "web"}));

    // Labels merge (Paseo's rule); a request without a name keeps the title.
    let answer = client
        .request(
            json!({"type": "update_agent_request", "requestId": "u2", "agentId": id,
                        "labels": {"env": "dev", "team": "app"}}),
        )
        .await;
    assert_eq!(answer["payload"]["accepted"], true, "{answer}");
    let agent = snapshot(&mut client, &id, "f1").await;
    assert_eq!(agent["title"], "Fix the login page");
    assert_eq!(agent["labels"], json!({"env": "dev", "team": "app"}));

    // Refusals: nothing to change (no activity_log, as Paseo), a blank label
    // key, an unknown agent (on the activity log too).
    let nothing = client
        .request(
            json!({"type": "update_agent_request", "requestId": "u3", "agentId": id,
                        "name": "   ", "labels": {}}),
        )
        .await;
    assert_eq!(nothing["payload"]["accepted"], false, "{nothing}");
    assert_eq!(
        nothing["payload"]["error"],
        "Nothing to update (provide name and/or labels)"
    );
    let blank_key = client
        .request(
            json!({"type": "update_agent_request", "requestId": "u4", "agentId": id,
                        "labels": {" ": "x"}}),
        )
        .await;
    assert_eq!(blank_key["payload"]["accepted"], false, "{blank_key}");
    let unknown = client
        .request(
            json!({"type": "update_agent_request", "requestId": "u5", "agentId": "no-such-agent",
                        "name": "x"}),
        )
        .await;
    assert_eq!(unknown["payload"]["accepted"], false, "{unknown}");
    assert_eq!(
        unknown["payload"]["error"],
        "Agent not found: no-such-agent"
    );
    let logged: Vec<&Value> = client
        .log
        .iter()
        .filter(|m| m["type"] == "activity_log")
        .collect();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!(
        logged[0]["payload"]["content"],
        "Failed to update agent: Agent not found: no-such-agent"
    );
    let agent = snapshot(&mut client, &id, "f2").await;
    assert_eq!(
        agent["labels"],
        json!({"env": "dev", "team": "app"}),
        "refusals change nothing"
    );

    // Kept on disk: a restarted daemon lists it, and the label filter finds it.
    daemon.send_sigterm();
    assert!(daemon.wait_exit().success());
    drop(client);
    drop(watcher);
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-update").await;
    let agent = snapshot(&mut client, &id, "f3").await;
    assert_eq!(agent["title"], "Fix the login page");
    assert_eq!(agent["labels"], json!({"env": "dev", "team": "app"}));
    let listed = client
        .request(json!({"type": "fetch_agents_request", "requestId": "l",
                        "filter": {"labels": {"team": "app"}}}))
        .await;
    let entries = listed["payload"]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "{listed}");
    assert_eq!(entries[0]["agent"]["id"], id.as_str());
}

/// The process groups recorded in the ledger.
fn ledger_pgids(home: &std::path::Path) -> Vec<i64> {
    let text = std::fs::read_to_string(home.join(daemon::procs::LEDGER_FILE)).unwrap_or_default();
    serde_json::from_str::<Value>(&text)
        .ok()
        .and_then(|ledger| ledger["groups"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|group| group["pgid"].as_i64())
        .collect()
}

/// `refresh_agent_request` on an ACP agent: the agent process is stopped
/// and a new one loads the same session at once; the answer is `status:
/// agent_refreshed` with the timeline's length; an archived agent comes
/// back; the agent still takes prompts; an unknown agent gets an
/// `rpc_error` at once.
#[tokio::test]
async fn a_refresh_restarts_the_agent_process_on_the_same_session() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-refresh").await;
    let created = create_agent(&mut client, "c", cwd.path(), Some("hello")).await;
    let id = created["agentId"].as_str().expect("id").to_owned();
    let finished = wait_for_finish(&mut client, &id, "w").await;
    assert_eq!(finished["status"], "idle", "{finished}");
    let session_id = finished["final"]["persistence"]["sessionId"]
        .as_str()
        .expect("session")
        .to_owned();
    let before = ledger_pgids(home.path());
    assert_eq!(before.len(), 1, "one agent process: {before:?}");
    let archived = client
        .request(json!({"type": "archive_agent_request", "requestId": "a", "agentId": id}))
        .await;
    assert_eq!(archived["type"], "agent_archived", "{archived}");

    let refreshed = client
        .request(json!({"type": "refresh_agent_request", "requestId": "r", "agentId": id}))
        .await;
    assert_eq!(refreshed["type"], "status", "{refreshed}");
    assert_eq!(refreshed["payload"]["status"], "agent_refreshed");
    assert_eq!(refreshed["payload"]["agentId"], id.as_str());
    let rows = all_rows(&mut client, &id, "t").await;
    assert_eq!(refreshed["payload"]["timelineSize"], rows.len());
    assert!(
        !rows.iter().any(|r| r["item"]["type"] == "error"),
        "the session loaded, no memory lost: {rows:#?}"
    );
    let threads: Vec<Value> = client
        .streamed(&id)
        .into_iter()
        .filter(|p| p["event"]["type"] == "thread_started")
        .map(|p| p["event"]["sessionId"].clone())
        .collect();
    assert_eq!(threads.len(), 2, "opened again: {threads:?}");
    assert_eq!(threads[1], session_id.as_str(), "the same session, loaded");
    let after = ledger_pgids(home.path());
    assert_eq!(after.len(), 1, "{after:?}");
    assert_ne!(after, before, "a new agent process");
    let agent = snapshot(&mut client, &id, "f").await;
    assert_eq!(agent["archivedAt"], Value::Null, "unarchived: {agent}");
    assert_eq!(agent["status"], "idle");

    let sent = client
        .request(
            json!({"type": "send_agent_message_request", "requestId": "s", "agentId": id,
                        "text": "again"}),
        )
        .await;
    assert_eq!(sent["payload"]["accepted"], true, "{sent}");
    assert_eq!(
        wait_for_finish(&mut client, &id, "w2").await["status"],
        "idle"
    );

    let unknown = client
        .request(
            json!({"type": "refresh_agent_request", "requestId": "r2", "agentId": "no-such-agent"}),
        )
        .await;
    assert_eq!(unknown["type"], "rpc_error", "{unknown}");
    assert_eq!(unknown["payload"]["requestType"], "refresh_agent_request");
    assert!(
        unknown["payload"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("Agent not found: no-such-agent")),
        "{unknown}"
    );
}

/// The next `workspace_update` for workspace `id` (an upsert's status, or
/// "removed").
async fn next_workspace_update(client: &mut Client, id: &str) -> String {
    let id = id.to_owned();
    let update = client
        .wait(move |m| {
            m["type"] == "workspace_update"
                && (m["payload"]["workspace"]["id"] == id.as_str()
                    || m["payload"]["id"] == id.as_str())
        })
        .await;
    match update["payload"]["kind"].as_str() {
        Some("upsert") => update["payload"]["workspace"]["status"]
            .as_str()
            .expect("status")
            .to_owned(),
        Some("remove") => "removed".to_owned(),
        other => panic!("unexpected kind {other:?}: {update}"),
    }
}

/// Workspaces (Paseo's app's sidebar) follow their agents: a new directory
/// appears, the status goes running → needs_input (permission) → running →
/// attention → done, an unchanged workspace is not pushed again, the
/// filter applies, and the workspace goes when its last agent is archived or
/// deleted.
#[tokio::test]
async fn workspaces_follow_their_agents() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let first_dir = tempfile::tempdir().expect("cwd");
    let second_dir = tempfile::tempdir().expect("cwd");
    let first_cwd = first_dir.path().to_str().expect("utf8").to_owned();
    let second_cwd = second_dir.path().to_str().expect("utf8").to_owned();
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut app = Client::connect(&daemon.ws_url(), "cid-app").await;
    let mut filtered = Client::connect(&daemon.ws_url(), "cid-app-filtered").await;
    let mut cli = Client::connect(&daemon.ws_url(), "cid-cli").await;
    let listed = app
        .request(json!({"type": "fetch_workspaces_request", "requestId": "ws", "subscribe": {}}))
        .await;
    assert_eq!(listed["type"], "fetch_workspaces_response", "{listed}");
    assert_eq!(listed["payload"]["entries"], json!([]));
    assert!(listed["payload"]["subscriptionId"].is_string(), "{listed}");
    let listed = filtered
        .request(
            json!({"type": "fetch_workspaces_request", "requestId": "ws",
                        "filter": {"idPrefix": second_cwd}, "subscribe": {"subscriptionId": "f"}}),
        )
        .await;
    assert_eq!(listed["payload"]["subscriptionId"], "f");

    let created = create_agent(&mut cli, "c1", first_dir.path(), None).await;
    let idle = created["agentId"].as_str().expect("id").to_owned();
    assert_eq!(next_workspace_update(&mut app, &first_cwd).await, "done");

    // A permission prompt in another directory: needs_input, then the turn
    // runs on and finishes unseen (attention), then is seen (done).
    let created = create_agent(&mut cli, "c2", second_dir.path(), Some("EDIT_FILE")).await;
    let editing = created["agentId"].as_str().expect("id").to_owned();
    for client in [&mut app, &mut filtered] {
        let mut statuses = vec![next_workspace_update(client, &second_cwd).await];
        while statuses.last().map(String::as_str) != Some("needs_input") {
            statuses.push(next_workspace_update(client, &second_cwd).await);
            assert!(statuses.len() < 5, "{statuses:?}");
        }
    }
    let asked = cli.wait(|m| m["type"] == "agent_permission_request").await;
    let permission = asked["payload"]["request"]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    cli.send(
        json!({"type": "agent_permission_response", "agentId": editing,
                    "requestId": permission, "response": {"behavior": "allow"}}),
    )
    .await;
    assert_eq!(
        wait_for_finish(&mut cli, &editing, "w").await["status"],
        "idle"
    );
    let mut statuses = Vec::new();
    while statuses.last().map(String::as_str) != Some("attention") {
        statuses.push(next_workspace_update(&mut app, &second_cwd).await);
        assert!(statuses.len() < 5, "{statuses:?}");
    }
    cli.request(json!({"type": "clear_agent_attention", "agentId": editing, "requestId": "seen"}))
        .await;
    assert_eq!(next_workspace_update(&mut app, &second_cwd).await, "done");

    // A rename changes the agent, not its workspace: no push.
    cli.request(
        json!({"type": "update_agent_request", "requestId": "u", "agentId": idle, "name": "x"}),
    )
    .await;
    let listed = app
        .request(
            json!({"type": "fetch_workspaces_request", "requestId": "ws2",
                        "sort": [{"key": "name", "direction": "asc"}]}),
        )
        .await;
    let ids: Vec<&str> = listed["payload"]["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|w| w["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 2, "{listed}");
    assert!(
        !app.log.iter().any(|m| m["type"] == "workspace_update"
            && m.get("_consumed").is_none()
            && m["payload"]["workspace"]["id"] == first_cwd.as_str()),
        "the rename pushed a workspace: {:?}",
        app.log
    );

    // The last agent archived or deleted: the workspace goes.
    cli.request(json!({"type": "archive_agent_request", "requestId": "a", "agentId": idle}))
        .await;
    assert_eq!(next_workspace_update(&mut app, &first_cwd).await, "removed");
    cli.request(json!({"type": "delete_agent_request", "requestId": "d", "agentId": editing}))
        .await;
    assert_eq!(
        next_workspace_update(&mut app, &second_cwd).await,
        "removed"
    );
    // The filtered client saw the same states (read above only up to
    // needs_input), then the removal.
    let mut statuses = Vec::new();
    while statuses.last().map(String::as_str) != Some("removed") {
        statuses.push(next_workspace_update(&mut filtered, &second_cwd).await);
        assert!(statuses.len() < 6, "{statuses:?}");
    }
    assert!(statuses.contains(&"attention".to_owned()), "{statuses:?}");
    assert!(
        !filtered.log.iter().any(|m| m["type"] == "workspace_update"
            && m["payload"]["workspace"]["id"] == first_cwd.as_str()),
        "the filter lets only the second directory through"
    );
    let history = app
        .request(json!({"type": "fetch_agent_history_request", "requestId": "h"}))
        .await;
    let entries = history["payload"]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 1, "archived agents are history: {history}");
    assert_eq!(entries[0]["agent"]["id"], idle.as_str());
}
