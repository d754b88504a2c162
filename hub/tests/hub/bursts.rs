//! A daemon that streams faster than the hub wakes up: the hub applies
//! every frame already read in one go and broadcasts each timeline's rows
//! of that batch as one event. Nothing may be lost, repeated or reordered
//! by that, per timeline and relative to other kinds of events.

use crate::support::events::{EventLog, Follower};
use crate::support::stub;
use crate::support::*;
use futures_util::SinkExt;
use hub::{Hub, HubEvent};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const AGENTS: [&str; 3] = ["a0", "a1", "a2"];
/// Rows per agent: the burst is several times the hub's read batch.
const ROWS: u64 = 400;
/// After this many row frames an `agent_update` goes out mid-burst.
const UPDATE_AFTER: u64 = 600;

fn empty_tail(request_id: &Value, agent: &Value) -> Value {
    json!({"type": "session", "message": {"type": "fetch_agent_timeline_response", "payload": {
        "requestId": request_id, "agentId": agent, "agent": null, "direction": "tail",
        "projection": "canonical", "epoch": "e1", "reset": false, "staleCursor": false,
        "gap": false, "window": {"minSeq": 0, "maxSeq": 0, "nextSeq": 0},
        "startCursor": null, "endCursor": null, "hasOlder": false, "hasNewer": false,
        "entries": [], "error": null}}})
}

/// Row frame `k` of the burst: agent `k % 3`, seq `k / 3 + 1`.
fn row_frame(k: u64) -> String {
    let agent = AGENTS[(k % 3) as usize];
    let seq = k / 3 + 1;
    json!({"type": "session", "message": {"type": "agent_stream", "payload": {
        "agentId": agent, "event": {"type": "timeline", "provider": "mock",
        "item": {"type": "assistant_message", "text": format!("{agent} row {seq}\n")}},
        "timestamp": "2026-01-01T00:00:00.000Z", "seq": seq, "epoch": "e1"}}})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_arrives_whole_in_order_and_batched_around_other_events() {
    init_tracing();
    let stub = stub::websocket(|mut ws| async move {
        stub::handshake(&mut ws, "srv_burst").await;
        let mut loaded = 0;
        while let Some(frame) = stub::next_json(&mut ws).await {
            let message = &frame["message"];
            let id = &message["requestId"];
            match message["type"].as_str() {
                Some("fetch_agents_request") => {
                    let entries: Vec<Value> = AGENTS
                        .iter()
                        .map(|a| json!({"agent": stub::agent_json(a, "2026-01-01T00:00:00.000Z"), "project": null}))
                        .collect();
                    stub::send(&mut ws, json!({"type": "session", "message": {"type": "fetch_agents_response", "payload": {
                        "requestId": id, "entries": entries,
                        "pageInfo": {"nextCursor": null, "prevCursor": null, "hasMore": false}}}})).await;
                }
                Some("fetch_agent_timeline_request") => {
                    stub::send(&mut ws, empty_tail(id, &message["agentId"])).await;
                    loaded += 1;
                    if loaded == AGENTS.len() {
                        break;
                    }
                }
                _ => {}
            }
        }
        // Every timeline is live: the whole burst in one write.
        for k in 0..ROWS * 3 {
            if k == UPDATE_AFTER {
                let update = json!({"type": "session", "message": {"type": "agent_update", "payload": {
                    "kind": "upsert", "agent": stub::agent_json("a1", "2026-01-01T00:00:09.000Z")}}});
                let _ = ws.feed(Message::text(update.to_string())).await;
            }
            let _ = ws.feed(Message::text(row_frame(k))).await;
        }
        let _ = ws.flush().await;
        stub::drain(&mut ws).await;
    })
    .await;

    let hub = Hub::new(test_config());
    let mut log = EventLog::new(&hub);
    let key = target(ws_url(stub.addr)).key().expect("key");
    let _follows: Vec<_> = AGENTS.iter().map(|a| hub.follow(&key, a)).collect();
    let _guard = hub.watch(target(ws_url(stub.addr))).expect("watch");
    log.until("every row of the burst", |seen| {
        AGENTS.iter().all(|a| {
            // Panics on a gap or a row shown twice.
            Follower::from_events(seen, &key, a).last_seq() == Some(ROWS)
        })
    })
    .await;

    for agent in AGENTS {
        let mirror = hub.timeline(&key, agent).expect("followed");
        let seqs: Vec<u64> = mirror.items.iter().map(|row| row.seq_start).collect();
        assert_eq!(seqs, (1..=ROWS).collect::<Vec<_>>(), "{agent}'s mirror");
    }
    let batched = log
        .seen
        .iter()
        .any(|e| matches!(e, HubEvent::Timeline { items, .. } if items.len() > 1));
    assert!(batched, "rows read together go out together");

    // The update was sent after exactly UPDATE_AFTER / 3 rows of each agent:
    // those rows are broadcast before it, every later row after it.
    let update_at = log
        .seen
        .iter()
        .position(|e| {
            matches!(e, HubEvent::Agents { upserts, .. }
            if upserts.iter().any(|a| a.id == "a1" && a.updated_at.ends_with("09.000Z")))
        })
        .expect("the mid-burst agent update");
    for agent in AGENTS {
        let before = Follower::from_events(&log.seen[..update_at], &key, agent).last_seq();
        assert_eq!(
            before,
            Some(UPDATE_AFTER / 3),
            "{agent}'s rows before the update"
        );
    }
}
