//! Followed timelines across a lost connection, against a real daemon: the
//! rows written while the hub was away are fetched after the last
//! `{epoch, seq}`, merged with the live stream without a gap or a duplicate,
//! and an epoch change replaces the timeline.

use crate::support::agents::*;
use crate::support::events::{EventLog, Follower};
use crate::support::proxy::Proxy;
use crate::support::stub;
use crate::support::*;
use hub::{ConnectionStatus, Hub, HubEvent};
use serde_json::{Value, json};

fn is_reset_of(event: &HubEvent, agent: &str, epoch: Option<&str>) -> bool {
    matches!(event, HubEvent::TimelineReset { agent_id, epoch: e, .. }
        if agent_id == agent && epoch.is_none_or(|epoch| epoch == e))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_cut_mid_stream_is_resynced_without_gap_or_duplicate() {
    init_tracing();
    require_binaries();
    let (home, cwd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let daemon_url = ws_url(daemon.local_addr());
    let proxy = Proxy::start(daemon.local_addr()).await;
    let hub = Hub::new(test_config());
    let mut log = EventLog::new(&hub);
    let guard = hub.watch(target(ws_url(proxy.addr))).expect("watch");
    let key = guard.key().clone();
    wait_for_connection(&hub, &key, "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;

    let agent = create_agent(&hub, &key, cwd.path()).await;
    let _follow = hub.follow(&key, &agent);
    log.until("the first load", |seen| {
        seen.iter().any(|e| is_reset_of(e, &agent, None))
    })
    .await;
    prompt(&hub, &key, &agent, "PLEASE_BE_SLOW").await;
    log.until("live rows", |seen| {
        Follower::from_events(seen, &key, &agent).rows.len() >= 3
    })
    .await;

    proxy.cut();
    let cut_at = log.seen.len();
    log.until("offline", |seen| {
        seen[cut_at..].iter().any(|e| matches!(e, HubEvent::Connection { snapshot, .. } if snapshot.status == ConnectionStatus::Offline))
    })
    .await;
    let held = hub.timeline(&key, &agent).expect("followed").items.len() as u64;
    let held_seq = log.follower(&key, &agent).last_seq().expect("rows");
    assert!(held >= 3);
    // The daemon keeps writing rows the hub cannot see.
    daemon_row_at_least(&daemon_url, &agent, held_seq + 3).await;

    let restored_at = log.seen.len();
    proxy.restore();
    hub.retry_now(&key);
    log.until("the missed rows", |seen| {
        Follower::from_events(seen, &key, &agent)
            .last_seq()
            .is_some_and(|seq| seq >= held_seq + 3)
    })
    .await;
    assert!(
        log.seen[restored_at..]
            .iter()
            .any(|e| matches!(e, HubEvent::Timeline { items, .. } if items.len() >= 2)),
        "the hole is filled by one fetched page, not row by row"
    );
    // Still streaming live after the resync.
    let resynced = log.follower(&key, &agent).last_seq().expect("rows");
    log.until("live rows after the resync", |seen| {
        Follower::from_events(seen, &key, &agent)
            .last_seq()
            .is_some_and(|seq| seq > resynced)
    })
    .await;
    cancel(&hub, &key, &agent).await;
    wait_for_finish(&hub, &key, &agent).await;
    log.drain();

    let (epoch, daemon_rows) = daemon_timeline(&daemon_url, &agent).await;
    let follower = log.follower(&key, &agent);
    assert_eq!(follower.epoch, epoch);
    assert_eq!(
        follower.resets, 1,
        "only the first load replaced the timeline"
    );
    assert_eq!(
        follower.rows(),
        daemon_rows,
        "what a browser shows = the durable log"
    );
    let mirror = hub.timeline(&key, &agent).expect("followed");
    assert!(mirror.synced);
    assert_eq!(mirror_rows(&mirror), daemon_rows);
    drop(guard);
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_epoch_change_replaces_the_followed_timeline() {
    init_tracing();
    require_binaries();
    let (home, cwd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let addr = daemon.local_addr();
    let hub = Hub::new(test_config());
    let mut log = EventLog::new(&hub);
    let guard = hub.watch(target(ws_url(addr))).expect("watch");
    let key = guard.key().clone();
    wait_for_connection(&hub, &key, "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;
    let agent = create_agent(&hub, &key, cwd.path()).await;
    let _follow = hub.follow(&key, &agent);
    prompt(&hub, &key, &agent, "hello").await;
    wait_for_finish(&hub, &key, &agent).await;
    log.drain();
    let (first_epoch, before) = daemon_timeline(&ws_url(addr), &agent).await;
    assert_eq!(log.follower(&key, &agent).rows(), before);

    daemon.shutdown().await;
    wait_for_connection(&hub, &key, "offline", |s| {
        s.status != ConnectionStatus::Online
    })
    .await;
    // A new epoch, as if the daemon had rebuilt the agent's timeline.
    let record = home.path().join("agents").join(&agent).join("agent.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&record).expect("read record")).expect("json");
    assert_eq!(json["epoch"], first_epoch.as_str());
    json["epoch"] = "epoch-two".into();
    std::fs::write(&record, serde_json::to_vec(&json).expect("encode")).expect("write record");

    let daemon = start_daemon(addr, home.path()).await;
    log.until("a reset to the new epoch", |seen| {
        seen.iter()
            .any(|e| is_reset_of(e, &agent, Some("epoch-two")))
    })
    .await;
    let (epoch, after) = daemon_timeline(&ws_url(addr), &agent).await;
    assert_eq!(epoch, "epoch-two");
    let follower = log.follower(&key, &agent);
    assert_eq!(follower.resets, 2, "first load, then the epoch change");
    assert_eq!(follower.epoch, "epoch-two");
    assert_eq!(follower.rows(), after);
    let mirror = hub.timeline(&key, &agent).expect("followed");
    assert_eq!(mirror.epoch, "epoch-two");
    assert_eq!(mirror_rows(&mirror), after);
    drop(guard);
    daemon.shutdown().await;
}

fn timeline_answer(request_id: &Value, agent: &str, seqs: &[u64], error: Option<&str>) -> Value {
    let entries: Vec<Value> = seqs
        .iter()
        .map(|seq| {
            json!({"provider": "test", "item": {"type": "assistant_message", "text": format!("row {seq}")},
                   "timestamp": "2026-01-01T00:00:00.000Z", "seqStart": seq, "seqEnd": seq,
                   "sourceSeqRanges": [{"startSeq": seq, "endSeq": seq}], "collapsed": []})
        })
        .collect();
    let last = seqs.last().copied().unwrap_or(0);
    json!({"type": "session", "message": {"type": "fetch_agent_timeline_response", "payload": {
        "requestId": request_id, "agentId": agent, "agent": null, "direction": "tail",
        "projection": "canonical", "epoch": if error.is_some() { "" } else { "e1" }, "reset": false,
        "staleCursor": false, "gap": false,
        "window": {"minSeq": seqs.first().copied().unwrap_or(0), "maxSeq": last, "nextSeq": if seqs.is_empty() { 0 } else { last + 1 }},
        "startCursor": null, "endCursor": null, "hasOlder": false, "hasNewer": false,
        "entries": entries, "error": error}}})
}

#[tokio::test]
async fn an_agent_followed_before_the_daemon_lists_it_is_fetched_once_listed() {
    init_tracing();
    let stub = stub::websocket(|mut ws| async move {
        stub::handshake(&mut ws, "srv_stub").await;
        let mut fetches = 0;
        while let Some(frame) = stub::next_json(&mut ws).await {
            let message = &frame["message"];
            let id = &message["requestId"];
            match message["type"].as_str() {
                Some("fetch_agents_request") => {
                    stub::send(&mut ws, json!({"type": "session", "message": {"type": "fetch_agents_response", "payload": {
                        "requestId": id, "entries": [],
                        "pageInfo": {"nextCursor": null, "prevCursor": null, "hasMore": false}}}})).await;
                }
                Some("fetch_agent_timeline_request") => {
                    fetches += 1;
                    if fetches == 1 {
                        let answer = timeline_answer(id, "later", &[], Some("Agent not found: later"));
                        stub::send(&mut ws, answer).await;
                        stub::send(&mut ws, json!({"type": "session", "message": {"type": "agent_update",
                            "payload": {"kind": "upsert", "agent": stub::agent_json("later", "2026-01-01T00:00:01.000Z")}}})).await;
                    } else {
                        stub::send(&mut ws, timeline_answer(id, "later", &[1, 2], None)).await;
                    }
                }
                _ => {}
            }
        }
    })
    .await;
    let hub = Hub::new(test_config());
    let mut log = EventLog::new(&hub);
    let key = target(ws_url(stub.addr)).key().expect("key");
    let _follow = hub.follow(&key, "later");
    let _guard = hub.watch(target(ws_url(stub.addr))).expect("watch");
    log.until("the timeline once the agent is listed", |seen| {
        seen.iter().any(|e| is_reset_of(e, "later", Some("e1")))
    })
    .await;
    let mirror = hub.timeline(&key, "later").expect("followed");
    assert_eq!(mirror.items.len(), 2);
    assert!(mirror.synced);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_list_is_reconciled_after_a_reconnect() {
    init_tracing();
    require_binaries();
    let (home, cwd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let daemon_url = ws_url(daemon.local_addr());
    let proxy = Proxy::start(daemon.local_addr()).await;
    let hub = Hub::new(test_config());
    let mut log = EventLog::new(&hub);
    let guard = hub.watch(target(ws_url(proxy.addr))).expect("watch");
    let key = guard.key().clone();
    wait_for_connection(&hub, &key, "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;
    let kept = create_agent(&hub, &key, cwd.path()).await;
    let deleted = create_agent(&hub, &key, cwd.path()).await;

    proxy.cut();
    wait_for_connection(&hub, &key, "offline", |s| {
        s.status != ConnectionStatus::Online
    })
    .await;
    // Changed behind the hub's back.
    let answer = direct_request(
        &daemon_url,
        json!({"type": "delete_agent_request",
        "requestId": "d1", "agentId": deleted}),
    )
    .await;
    assert_eq!(answer["type"], "agent_deleted");
    let answer = direct_request(
        &daemon_url,
        json!({"type": "create_agent_request",
        "requestId": "c1", "config": {"provider": "test", "cwd": cwd.path()}, "labels": {}}),
    )
    .await;
    let created = answer["payload"]["agentId"]
        .as_str()
        .expect("created")
        .to_owned();
    let stale: Vec<String> = hub.agents(&key).into_iter().map(|a| a.id).collect();
    assert!(
        stale.contains(&deleted),
        "the offline list is the last one seen"
    );

    let back_at = log.seen.len();
    proxy.restore();
    hub.retry_now(&key);
    log.until("the reconciled list", |seen| {
        seen[back_at..]
            .iter()
            .any(|e| matches!(e, HubEvent::Agents { removals, .. } if removals.contains(&deleted)))
    })
    .await;
    let mut ids: Vec<String> = hub.agents(&key).into_iter().map(|a| a.id).collect();
    ids.sort();
    let mut expected = vec![kept, created.clone()];
    expected.sort();
    assert_eq!(ids, expected, "removed agents disappear, new ones appear");
    let upserted = log.seen[back_at..].iter().any(|e| {
        matches!(e, HubEvent::Agents { upserts, .. } if upserts.iter().any(|a| a.id == created))
    });
    assert!(upserted, "the new agent is announced");
    drop(guard);
    daemon.shutdown().await;
}
