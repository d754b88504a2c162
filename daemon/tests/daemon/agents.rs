//! The agent core over a real socket to the real `paseo-daemon` binary:
//! creating agents (and refusing bad ones), a full turn with the offline
//! `test` provider, timeline paging, idempotent sends, permissions answered
//! by a client that connected later, listing/paging/subscriptions and a
//! reconnect that keeps its subscription.

use crate::agent_support::*;
use crate::support::*;
use serde_json::{Value, json};

fn seqs(rows: &[Value]) -> Vec<u64> {
    rows.iter().filter_map(|r| r["seqStart"].as_u64()).collect()
}

#[tokio::test]
async fn create_answers_with_a_full_snapshot_and_bad_requests_fail_clearly() {
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-create").await;

    let created = create_agent(&mut client, "r-create", cwd.path(), None).await;
    let agent = &created["agent"];
    assert_eq!(created["requestId"], "r-create");
    assert_eq!(created["agentId"], agent["id"]);
    assert_eq!(agent["provider"], "test");
    assert_eq!(agent["status"], "idle");
    assert_eq!(
        agent["persistence"],
        Value::Null,
        "no provider process before the first prompt"
    );
    let recorded = fixture("paseo-v1-cli-frames.jsonl")
        .into_iter()
        .find(|f| f.frame["message"]["payload"]["status"] == "agent_created")
        .expect("a recorded agent_created");
    assert_has_keys_of(&created, &recorded.frame["message"]["payload"]);

    let bad_cwd = client
        .request(
            json!({"type": "create_agent_request", "requestId": "r-bad-cwd",
                        "config": {"provider": "test", "cwd": "/no/such/dir"}, "labels": {}}),
        )
        .await;
    assert_eq!(
        bad_cwd["payload"]["status"], "agent_create_failed",
        "{bad_cwd}"
    );
    assert_eq!(bad_cwd["payload"]["errorCode"], "invalid_cwd");
    assert!(
        bad_cwd["payload"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("/no/such/dir"))
    );
    client
        .wait(|m| m["type"] == "activity_log" && m["payload"]["type"] == "error")
        .await;

    let unknown = client
        .request(
            json!({"type": "create_agent_request", "requestId": "r-unknown",
                        "config": {"provider": "nope", "cwd": cwd.path()}}),
        )
        .await;
    assert_eq!(unknown["payload"]["status"], "agent_create_failed");
    assert_eq!(unknown["payload"]["errorCode"], "unknown_provider");
    assert!(
        unknown["payload"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("test")),
        "{unknown}"
    );

    let fetched = client
        .request(
            json!({"type": "fetch_agent_request", "requestId": "r-f", "agentId": "zzz-missing"}),
        )
        .await;
    assert_eq!(
        fetched["payload"],
        json!({"requestId": "r-f", "agent": null, "project": null, "error": "Agent not found: zzz-missing"})
    );
    let deleted = client
        .request(json!({"type": "delete_agent_request", "requestId": "r-d", "agentId": "does-not-exist"}))
        .await;
    assert_eq!(
        deleted,
        json!({"type": "agent_deleted", "payload": {"agentId": "does-not-exist", "requestId": "r-d"}})
    );
    let archived = client
        .request(json!({"type": "archive_agent_request", "requestId": "r-a", "agentId": "does-not-exist"}))
        .await;
    assert_eq!(archived["type"], "rpc_error");
    assert_eq!(archived["payload"]["code"], "handler_error");
    let sent = client
        .request(json!({"type": "send_agent_message_request", "requestId": "r-s", "agentId": "does-not-exist", "text": "hi"}))
        .await;
    assert_eq!(sent["payload"]["accepted"], false);

    // An id prefix resolves.
    let id = agent["id"].as_str().expect("id");
    let by_prefix = client
        .request(json!({"type": "fetch_agent_request", "requestId": "r-p", "agentId": &id[..8]}))
        .await;
    assert_eq!(by_prefix["payload"]["agent"]["id"], id);
    assert_eq!(by_prefix["payload"]["project"]["checkout"]["isGit"], false);
}

#[tokio::test]
async fn a_full_turn_streams_in_order_and_pages_back() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-turn").await;

    let created = create_agent(&mut client, "r-create", cwd.path(), Some("hello")).await;
    let id = created["agentId"].as_str().expect("id").to_owned();
    assert_eq!(created["agent"]["title"], "hello");
    // The prompt's row precedes agent_created, as in Paseo; the answer
    // does not wait for the agent, so turn_started follows it (Paseo
    // answers after turn_started).
    client
        .stream_event(&id, |e| e["type"] == "turn_started")
        .await;
    let created_at = client
        .position(|m| m["payload"]["status"] == "agent_created")
        .expect("created");
    let user_at = client
        .position(|m| m["payload"]["event"]["item"]["type"] == "user_message")
        .expect("user_message streamed");
    let started_at = client
        .position(|m| m["payload"]["event"]["type"] == "turn_started")
        .expect("turn_started streamed");
    assert!(
        user_at < created_at && created_at < started_at,
        "{:#?}",
        client.log
    );

    let finished = wait_for_finish(&mut client, &id, "r-wait").await;
    assert_eq!(finished["status"], "idle", "{finished}");
    assert_eq!(finished["lastMessage"], "Hi there!");
    assert_eq!(finished["final"]["status"], "idle");
    client
        .stream_event(&id, |e| e["type"] == "turn_completed")
        .await;
    let attention = client
        .stream_event(&id, |e| e["type"] == "attention_required")
        .await;
    assert_eq!(attention["event"]["reason"], "finished");
    assert_eq!(attention["event"]["notification"]["body"], "Hi there!");

    let stream = client.streamed(&id);
    let rows: Vec<&Value> = stream
        .iter()
        .filter(|p| p["event"]["type"] == "timeline")
        .collect();
    let epoch = rows[0]["epoch"].as_str().expect("epoch").to_owned();
    let streamed_seqs: Vec<u64> = rows.iter().filter_map(|r| r["seq"].as_u64()).collect();
    assert_eq!(
        streamed_seqs,
        (1..=streamed_seqs.len() as u64).collect::<Vec<_>>(),
        "strictly +1"
    );
    assert!(rows.iter().all(|r| r["epoch"] == epoch.as_str()));
    assert!(
        stream
            .iter()
            .any(|p| p["event"]["type"] == "thread_started")
    );
    let texts: String = rows
        .iter()
        .filter(|r| r["event"]["item"]["type"] == "assistant_message")
        .filter_map(|r| r["event"]["item"]["text"].as_str())
        .collect();
    assert_eq!(texts, "Hi there!");

    // Tail, projected: chunks merged, every key present.
    let tail = timeline(
        &mut client,
        json!({"type": "fetch_agent_timeline_request", "requestId": "t1", "agentId": id}),
    )
    .await;
    let mut recorded = fixture_timeline();
    // Optional snapshot keys, present there because that agent had failed.
    for optional in ["lastError", "lastUsage"] {
        recorded["agent"]
            .as_object_mut()
            .map(|agent| agent.remove(optional));
    }
    assert_has_keys_of(&tail, &recorded);
    let n = streamed_seqs.len() as u64;
    assert_eq!(
        tail["window"],
        json!({"minSeq": 1, "maxSeq": n, "nextSeq": n + 1})
    );
    assert_eq!(
        (tail["direction"].clone(), tail["projection"].clone()),
        (json!("tail"), json!("projected"))
    );
    assert_eq!(tail["epoch"], epoch.as_str());
    assert_eq!(
        (
            tail["hasOlder"].clone(),
            tail["hasNewer"].clone(),
            tail["reset"].clone()
        ),
        (json!(false), json!(false), json!(false))
    );
    let entries = tail["entries"].as_array().expect("entries");
    let last = entries.last().expect("an entry");
    assert_eq!(
        last["item"],
        json!({"type": "assistant_message", "text": "Hi there!"})
    );
    assert_eq!(last["collapsed"], json!(["assistant_merge"]));
    assert_eq!(last["seqEnd"], n);
    assert_eq!(
        last["sourceSeqRanges"],
        json!([{"startSeq": n - 2, "endSeq": n}])
    );
    let reasoning = entries
        .iter()
        .find(|e| e["item"]["type"] == "reasoning")
        .expect("reasoning");
    assert_eq!(
        reasoning["collapsed"],
        json!(["reasoning_merge"]),
        "the client declared reasoning_merge_enum"
    );

    // Canonical pages by cursor.
    let page = |request_id: &str, direction: &str, seq: Option<u64>, limit: u64| {
        let mut request = json!({"type": "fetch_agent_timeline_request", "requestId": request_id, "agentId": id,
                                 "direction": direction, "limit": limit, "projection": "canonical"});
        if let Some(seq) = seq {
            request["cursor"] = json!({"epoch": epoch, "seq": seq});
        }
        request
    };
    let last_two = timeline(&mut client, page("t2", "tail", None, 2)).await;
    assert_eq!(
        seqs(last_two["entries"].as_array().expect("entries")),
        [n - 1, n]
    );
    assert_eq!(last_two["hasOlder"], true);
    assert_eq!(
        last_two["startCursor"],
        json!({"epoch": epoch, "seq": n - 1})
    );
    assert_eq!(last_two["entries"][0]["collapsed"], json!([]));
    let before = timeline(&mut client, page("t3", "before", Some(n - 1), 2)).await;
    assert_eq!(
        seqs(before["entries"].as_array().expect("entries")),
        [n - 3, n - 2]
    );
    assert_eq!(before["hasNewer"], true);
    let after = timeline(&mut client, page("t4", "after", Some(2), 0)).await;
    assert_eq!(
        seqs(after["entries"].as_array().expect("entries")),
        (3..=n).collect::<Vec<_>>()
    );
    assert_eq!(after["hasOlder"], true);
    let mut stale = page("t5", "after", Some(3), 0);
    stale["cursor"]["epoch"] = json!("another-epoch");
    let stale = timeline(&mut client, stale).await;
    assert_eq!(
        (stale["reset"].clone(), stale["staleCursor"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(
        seqs(stale["entries"].as_array().expect("entries")),
        (1..=n).collect::<Vec<_>>()
    );
    let missing = timeline(
        &mut client,
        json!({"type": "fetch_agent_timeline_request", "requestId": "t6", "agentId": "nope"}),
    )
    .await;
    assert_eq!(missing["agent"], Value::Null);
    assert_eq!(missing["epoch"], "");
    assert_eq!(missing["error"], "Agent not found: nope");

    // Idempotent sends: the same messageId twice runs once.
    for request_id in ["s1", "s2"] {
        let answer = client
            .request(
                json!({"type": "send_agent_message_request", "requestId": request_id, "agentId": id,
                            "text": "again", "messageId": "m-1"}),
            )
            .await;
        assert_eq!(answer["type"], "send_agent_message_response");
        assert_eq!(
            answer["payload"],
            json!({"requestId": request_id, "agentId": id, "accepted": true, "error": null})
        );
    }
    assert_eq!(
        wait_for_finish(&mut client, &id, "r-wait-2").await["status"],
        "idle"
    );
    let rows = all_rows(&mut client, &id, "t7").await;
    let with_id = rows
        .iter()
        .filter(|r| r["item"]["messageId"] == "m-1")
        .count();
    assert_eq!(with_id, 1, "{rows:#?}");
    assert_eq!(seqs(&rows), (1..=rows.len() as u64).collect::<Vec<_>>());
}

/// The recorded `fetch_agent_timeline_response` payload (mock provider).
fn fixture_timeline() -> Value {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../protocol/tests/data/paseo-v1-head-frames.jsonl");
    let text = std::fs::read_to_string(path).expect("head fixture");
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .map(|record| record["frame"]["message"].clone())
        .find(|m| {
            m["type"] == "fetch_agent_timeline_response"
                && m["payload"]["entries"]
                    .as_array()
                    .is_some_and(|e| !e.is_empty())
        })
        .expect("a recorded timeline page")["payload"]
        .clone()
}

#[tokio::test]
async fn permissions_are_answered_by_a_client_that_connected_later() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut first = Client::connect(&daemon.ws_url(), "cid-first").await;
    let created = create_agent(&mut first, "r-create", cwd.path(), Some("please EDIT_FILE")).await;
    let id = created["agentId"].as_str().expect("id").to_owned();
    let asked = first
        .wait(|m| m["type"] == "agent_permission_request")
        .await;
    let permission = asked["payload"]["request"].clone();
    let permission_id = permission["id"].as_str().expect("permission id").to_owned();
    assert_eq!(asked["payload"]["agentId"], id.as_str());
    let requested = first
        .stream_event(&id, |e| e["type"] == "permission_requested")
        .await;
    assert_eq!(requested["event"]["request"]["id"], permission_id.as_str());
    assert_eq!(
        wait_for_finish(&mut first, &id, "w-perm").await["status"],
        "permission"
    );

    let mut later = Client::connect(&daemon.ws_url(), "cid-later").await;
    let fetched = later
        .request(json!({"type": "fetch_agent_request", "requestId": "f", "agentId": id}))
        .await;
    let agent = &fetched["payload"]["agent"];
    assert_eq!(agent["pendingPermissions"][0]["id"], permission_id.as_str());
    assert_eq!(
        (
            agent["requiresAttention"].clone(),
            agent["attentionReason"].clone()
        ),
        (json!(true), json!("permission"))
    );

    later
        .send(json!({"type": "agent_permission_response", "agentId": id, "requestId": "no-such-permission",
                     "response": {"behavior": "allow"}}))
        .await;
    let refused = later.wait(|m| m["type"] == "rpc_error").await;
    assert_eq!(refused["payload"]["requestId"], "no-such-permission");
    assert_eq!(
        refused["payload"]["requestType"],
        "agent_permission_response"
    );
    assert_eq!(refused["payload"]["code"], "handler_error");

    later
        .send(
            json!({"type": "agent_permission_response", "agentId": id, "requestId": permission_id,
                     "response": {"behavior": "allow"}}),
        )
        .await;
    for client in [&mut first, &mut later] {
        let resolved = client
            .wait(|m| m["type"] == "agent_permission_resolved")
            .await;
        assert_eq!(resolved["payload"]["requestId"], permission_id.as_str());
        assert_eq!(resolved["payload"]["resolution"]["behavior"], "allow");
    }
    let resolved = first
        .stream_event(&id, |e| e["type"] == "permission_resolved")
        .await;
    assert_eq!(resolved["event"]["requestId"], permission_id.as_str());
    assert_eq!(
        wait_for_finish(&mut later, &id, "w-done").await["status"],
        "idle"
    );
    let notes =
        std::fs::read_to_string(cwd.path().join("notes.md")).expect("the agent edited notes.md");
    assert!(!notes.is_empty());

    // The tool call's rows collapse into one completed entry.
    let projected = timeline(
        &mut later,
        json!({"type": "fetch_agent_timeline_request", "requestId": "t", "agentId": id}),
    )
    .await;
    let tool = projected["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["item"]["type"] == "tool_call")
        .cloned()
        .expect("a tool call entry");
    assert_eq!(tool["item"]["status"], "completed", "{tool}");
    assert_eq!(tool["collapsed"], json!(["tool_lifecycle"]));
    assert!(tool["seqEnd"].as_u64() > tool["seqStart"].as_u64());
    let fetched = later
        .request(json!({"type": "fetch_agent_request", "requestId": "f2", "agentId": id}))
        .await;
    assert_eq!(fetched["payload"]["agent"]["pendingPermissions"], json!([]));
}

#[tokio::test]
async fn listing_pages_subscriptions_and_a_reconnect_that_keeps_them() {
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let url = daemon.ws_url();
    let mut watcher = Client::connect(&url, "cid-watcher").await;
    let subscribed = watcher
        .request(json!({"type": "fetch_agents_request", "requestId": "sub", "subscribe": {"subscriptionId": "s1"}}))
        .await;
    assert_eq!(
        subscribed["payload"],
        json!({"requestId": "sub", "subscriptionId": "s1", "entries": [],
               "pageInfo": {"nextCursor": null, "prevCursor": null, "hasMore": false}})
    );

    let mut actor = Client::connect(&url, "cid-actor").await;
    const N: usize = 250;
    let started = std::time::Instant::now();
    for i in 0..N {
        actor
            .send(create_message(&format!("c{i}"), cwd.path(), None))
            .await;
    }
    let mut ids = Vec::new();
    for i in 0..N {
        let id = format!("c{i}");
        let answer = actor
            .wait(move |m| m["payload"]["requestId"] == id.as_str())
            .await;
        assert_eq!(answer["payload"]["status"], "agent_created");
        ids.push(
            answer["payload"]["agentId"]
                .as_str()
                .expect("id")
                .to_owned(),
        );
    }
    eprintln!("created {N} agents in {:?}", started.elapsed());
    for id in &ids {
        let id = id.clone();
        watcher
            .wait(move |m| {
                m["type"] == "agent_update"
                    && m["payload"]["kind"] == "upsert"
                    && m["payload"]["agent"]["id"] == id.as_str()
            })
            .await;
    }

    let started = std::time::Instant::now();
    actor
        .request(json!({"type": "fetch_agents_request", "requestId": "p0", "page": {"limit": 1}}))
        .await;
    eprintln!(
        "fetch_agents page of 1 (of {N}) answered in {:?}",
        started.elapsed()
    );
    let started = std::time::Instant::now();
    let first = actor
        .request(json!({"type": "fetch_agents_request", "requestId": "p1", "page": {"limit": 200}}))
        .await["payload"]
        .clone();
    eprintln!(
        "fetch_agents page of 200 (of {N}) answered in {:?}",
        started.elapsed()
    );
    assert_eq!(first["entries"].as_array().map(Vec::len), Some(200));
    assert_eq!(first["pageInfo"]["hasMore"], true);
    let cursor = first["pageInfo"]["nextCursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let second = actor
        .request(json!({"type": "fetch_agents_request", "requestId": "p2", "page": {"limit": 200, "cursor": cursor}}))
        .await["payload"]
        .clone();
    assert_eq!(second["entries"].as_array().map(Vec::len), Some(N - 200));
    assert_eq!(
        second["pageInfo"],
        json!({"nextCursor": null, "prevCursor": cursor, "hasMore": false})
    );
    let mut listed: Vec<String> = first["entries"]
        .as_array()
        .into_iter()
        .chain(second["entries"].as_array())
        .flatten()
        .map(|e| e["agent"]["id"].as_str().expect("id").to_owned())
        .collect();
    let updated: Vec<&str> = first["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["agent"]["updatedAt"].as_str())
        .collect();
    assert!(updated.windows(2).all(|w| w[0] >= w[1]), "newest first");
    assert_eq!(
        first["entries"][0]["project"]["checkout"]["cwd"],
        cwd.path().to_str().expect("utf8")
    );
    listed.sort();
    listed.dedup();
    assert_eq!(listed.len(), N);
    let bad = actor
        .request(json!({"type": "fetch_agents_request", "requestId": "p3", "page": {"cursor": "not-a-cursor"}}))
        .await;
    assert_eq!(
        (bad["type"].clone(), bad["payload"]["code"].clone()),
        (json!("rpc_error"), json!("invalid_cursor"))
    );

    // The watcher's socket drops; a reconnect with the same clientId keeps
    // its subscription (no new fetch_agents_request).
    watcher.close().await;
    let mut watcher = Client::connect(&url, "cid-watcher").await;
    let archived = actor
        .request(json!({"type": "archive_agent_request", "requestId": "a1", "agentId": ids[0]}))
        .await;
    assert_eq!(archived["type"], "agent_archived");
    assert!(
        archived["payload"]["archivedAt"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    let id0 = ids[0].clone();
    watcher
        .wait(move |m| {
            m["type"] == "agent_update" && m["payload"] == json!({"kind": "remove", "agentId": id0})
        })
        .await;
    let deleted = actor
        .request(json!({"type": "delete_agent_request", "requestId": "d1", "agentId": ids[1]}))
        .await;
    assert_eq!(deleted["type"], "agent_deleted");
    let id1 = ids[1].clone();
    watcher
        .wait(move |m| {
            m["type"] == "agent_update" && m["payload"] == json!({"kind": "remove", "agentId": id1})
        })
        .await;
    assert!(!home.path().join("agents").join(&ids[1]).exists());

    // CLI shapes: `scope: active` hides the archived agent, includeArchived shows it.
    let active = list_all(&mut actor, json!({"scope": "active"})).await;
    assert_eq!(active.len(), N - 2);
    assert!(!active.contains(&ids[0]));
    let all = list_all(&mut actor, json!({"filter": {"includeArchived": true}})).await;
    assert_eq!(all.len(), N - 1);
    assert!(all.contains(&ids[0]));
}

/// Every agent id a listing returns, following cursors.
async fn list_all(client: &mut Client, mut request: Value) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    for page in 0.. {
        request["type"] = json!("fetch_agents_request");
        request["requestId"] = json!(format!("list-{page}"));
        request["page"] = json!({"limit": 200, "cursor": cursor});
        let answer = client.request(request.clone()).await["payload"].clone();
        ids.extend(
            answer["entries"]
                .as_array()
                .expect("entries")
                .iter()
                .map(|e| e["agent"]["id"].as_str().expect("id").to_owned()),
        );
        match answer["pageInfo"]["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    ids
}

#[tokio::test]
async fn cancel_prompt_timeout_and_idle_reaping() {
    require_test_agent();
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let mut daemon = DaemonProcess::spawn(
        home.path(),
        &[
            "--prompt-timeout-ms",
            "1500",
            "--agent-idle-timeout-ms",
            "400",
        ],
    );
    let mut client = Client::connect(&daemon.ws_url(), "cid-timeouts").await;

    let created = create_agent(&mut client, "c", cwd.path(), Some("PLEASE_BE_SLOW")).await;
    let id = created["agentId"].as_str().expect("id").to_owned();
    client
        .stream_event(&id, |e| e["item"]["text"] == "tick0 ")
        .await;
    let canceled = client
        .request(json!({"type": "cancel_agent_request", "requestId": "x", "agentId": id}))
        .await;
    assert_eq!(canceled["type"], "cancel_agent_response");
    assert_eq!(canceled["payload"]["agent"]["status"], "idle");
    let event = client
        .stream_event(&id, |e| e["type"] == "turn_canceled")
        .await;
    assert_eq!(event["event"]["reason"], "Interrupted");

    let sent = client
        .request(json!({"type": "send_agent_message_request", "requestId": "s", "agentId": id, "text": "HANG_FOREVER"}))
        .await;
    assert_eq!(sent["payload"]["accepted"], true);
    let finished = wait_for_finish(&mut client, &id, "w").await;
    assert_eq!(finished["status"], "error", "{finished}");
    assert!(
        finished["error"]
            .as_str()
            .is_some_and(|e| e.contains("did not finish within 1500 ms")),
        "{finished}"
    );
    let failed = client
        .stream_event(&id, |e| e["type"] == "turn_failed")
        .await;
    assert!(
        failed["event"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("did not finish"))
    );

    // An agent process that dies mid-turn fails the turn, nothing more.
    let sent = client
        .request(json!({"type": "send_agent_message_request", "requestId": "s-crash", "agentId": id, "text": "CRASH_NOW"}))
        .await;
    assert_eq!(sent["payload"]["accepted"], true);
    let finished = wait_for_finish(&mut client, &id, "w-crash").await;
    assert_eq!(finished["status"], "error", "{finished}");

    // A fresh session answers the next prompt, and is stopped once idle.
    let sent = client
        .request(json!({"type": "send_agent_message_request", "requestId": "s2", "agentId": id, "text": "hello"}))
        .await;
    assert_eq!(sent["payload"]["accepted"], true);
    assert_eq!(
        wait_for_finish(&mut client, &id, "w2").await["status"],
        "idle"
    );
    daemon.wait_for_log("stopping idle provider session");
    let sent = client
        .request(json!({"type": "send_agent_message_request", "requestId": "s3", "agentId": id, "text": "hello again"}))
        .await;
    assert_eq!(sent["payload"]["accepted"], true, "restarted lazily");
    let finished = wait_for_finish(&mut client, &id, "w3").await;
    assert_eq!(
        (finished["status"].clone(), finished["lastMessage"].clone()),
        (json!("idle"), json!("Hi there!"))
    );
}
