//! The hub against frames recorded from a real Paseo daemon (0.1.65-beta.5),
//! replayed by a stub server through the hub's own decoding path: the
//! mirror must say exactly what the frames say.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::support::agents::Rows;
use crate::support::events::{EventLog, Follower};
use crate::support::replay::{as_recorded, recorded_session, replay};
use crate::support::*;
use hub::{Hub, HubConfig, HubEvent};
use protocol::{
    AgentSnapshot, AgentUpdate, CollapseKind, FetchAgentTimelineRequest, ProviderSnapshotEntry,
    SessionMessage, SessionRequest, TimelineDirection, TimelineItem,
};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

const MOCK_AGENT: &str = "ef2ed1b8-8900-48fd-bab5-ee516f1cb04f";

/// A recorded timeline answer as it was before the recorded turn: no rows.
fn emptied(mut reply: Value) -> Value {
    let payload = &mut reply["payload"];
    payload["direction"] = json!("tail");
    payload["projection"] = json!("canonical");
    payload["entries"] = json!([]);
    payload["window"] = json!({"minSeq": 0, "maxSeq": 0, "nextSeq": 0});
    payload["startCursor"] = Value::Null;
    payload["endCursor"] = Value::Null;
    payload["hasOlder"] = json!(false);
    reply
}

/// The timeline rows a session's `agent_stream` pushes carry, and their epoch.
fn streamed_rows(pushes: &[Value], agent: &str) -> (String, Rows) {
    let mut epoch = String::new();
    let mut rows = Vec::new();
    for push in pushes {
        let payload = &push["payload"];
        if push["type"] == "agent_stream"
            && payload["agentId"] == agent
            && payload["event"]["type"] == "timeline"
        {
            let seq = payload["seq"].as_u64().expect("timeline rows carry seq");
            epoch = payload["epoch"].as_str().expect("and epoch").to_owned();
            let item: TimelineItem =
                serde_json::from_value(payload["event"]["item"].clone()).expect("item");
            rows.push((seq, seq, item));
        }
    }
    (epoch, rows)
}

#[tokio::test]
async fn a_recorded_streamed_turn_fills_the_followed_timeline() {
    init_tracing();
    let session = recorded_session("HEAD-f3de5689-mock-provider", 0);
    let (epoch, expected) = streamed_rows(&session.pushes, MOCK_AGENT);
    assert_eq!(expected.len(), 51, "the recording streams rows 1..=51");
    // The hub's own first fetch happens before the recorded turn: it gets
    // the same recorded answer, emptied.
    let first = AtomicBool::new(true);
    let stub = replay(
        session,
        &["fetch_agents_request", "fetch_agent_timeline_request"],
        Arc::new(move |request: &Value, reply: Value| {
            if request["type"] == "fetch_agent_timeline_request"
                && first.swap(false, Ordering::SeqCst)
            {
                return emptied(reply);
            }
            reply
        }),
    )
    .await;
    let hub = Hub::new(test_config());
    let mut log = EventLog::new(&hub);
    let key = target(ws_url(stub.addr)).key().expect("key");
    // Followed before the daemon is even watched.
    let _follow = hub.follow(&key, MOCK_AGENT);
    let _guard = hub.watch(target(ws_url(stub.addr))).expect("watch");

    log.until("the recorded turn", |seen| {
        Follower::from_events(seen, &key, MOCK_AGENT).rows().len() == expected.len()
    })
    .await;
    let follower = log.follower(&key, MOCK_AGENT);
    assert_eq!(follower.epoch, epoch);
    assert_eq!(follower.rows(), expected);
    let mirror = hub.timeline(&key, MOCK_AGENT).expect("followed");
    assert_eq!(mirror.epoch, epoch);
    assert_eq!(crate::support::agents::mirror_rows(&mirror), expected);
    assert!(mirror.synced);

    // A caller's own timeline fetch gets the recorded (projected) answer.
    let request = SessionRequest::FetchAgentTimelineRequest(FetchAgentTimelineRequest {
        agent_id: MOCK_AGENT.into(),
        request_id: "mine".into(),
        direction: Some(TimelineDirection::Tail),
        cursor: None,
        limit: Some(50),
        projection: None,
    });
    let Ok(SessionMessage::FetchAgentTimelineResponse(page)) = hub.request(&key, request).await
    else {
        panic!("timeline answer expected");
    };
    assert_eq!(page.request_id, "mine");
    assert_eq!(
        (
            page.window.min_seq,
            page.window.max_seq,
            page.window.next_seq
        ),
        (1, 51, 52)
    );
    assert_eq!(page.entries.len(), 1);
    assert_eq!(
        (page.entries[0].seq_start, page.entries[0].seq_end),
        (2, 51)
    );
    assert_eq!(page.entries[0].collapsed, [CollapseKind::AssistantMerge]);
    // The recording ends with the agent's removal; it was never listed.
    assert!(hub.agents(&key).is_empty());
    assert!(hub.agents_synced(&key));
}

#[tokio::test]
async fn recorded_agent_updates_drive_the_agent_list() {
    init_tracing();
    let session = recorded_session("HEAD-f3de5689-node22", 1);
    let recorded: Vec<AgentUpdate> = session
        .pushes
        .iter()
        .filter(|push| push["type"] == "agent_update")
        .map(|push| serde_json::from_value(push["payload"].clone()).expect("agent_update"))
        .collect();
    assert_eq!(recorded.len(), 6);
    let mut upserts: Vec<AgentSnapshot> = Vec::new();
    for update in &recorded {
        if let AgentUpdate::Upsert { agent, .. } = update
            && upserts.last() != Some(&**agent)
        {
            upserts.push((**agent).clone());
        }
    }
    let AgentUpdate::Remove { agent_id: removed } = recorded.last().expect("updates").clone()
    else {
        panic!("the recording ends with a removal");
    };

    let stub = replay(session, &["fetch_agents_request"], as_recorded()).await;
    let hub = Hub::new(test_config());
    let mut log = EventLog::new(&hub);
    let guard = hub.watch(target(ws_url(stub.addr))).expect("watch");
    let key = guard.key().clone();
    log.until("the removal", |seen| {
        seen.iter()
            .any(|e| matches!(e, HubEvent::Agents { removals, .. } if removals.contains(&removed)))
    })
    .await;
    let changes: Vec<(Vec<AgentSnapshot>, Vec<String>)> = log
        .seen
        .iter()
        .filter_map(|e| match e {
            HubEvent::Agents {
                upserts, removals, ..
            } => Some((upserts.clone(), removals.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        changes[0],
        (vec![], vec![]),
        "the (empty) fetched list first"
    );
    let streamed: Vec<AgentSnapshot> = changes.iter().flat_map(|c| c.0.clone()).collect();
    assert_eq!(
        streamed, upserts,
        "every distinct recorded snapshot, in order"
    );
    assert_eq!(changes.last().map(|c| c.1.clone()), Some(vec![removed]));
    assert!(hub.agents(&key).is_empty());
    assert_eq!(
        hub.connection(&key).expect("watched").daemon_id.as_deref(),
        Some("srv_pqDi4-5KRHs8")
    );
}

#[tokio::test]
async fn recorded_provider_snapshots_end_in_the_last_one() {
    init_tracing();
    let session = recorded_session("HEAD-f3de5689", 0);
    let last: Vec<ProviderSnapshotEntry> = session
        .pushes
        .iter()
        .rev()
        .find(|push| push["type"] == "providers_snapshot_update")
        .map(|push| serde_json::from_value(push["payload"]["entries"].clone()).expect("entries"))
        .expect("recorded updates");
    let stub = replay(
        session,
        &["fetch_agents_request", "get_providers_snapshot_request"],
        as_recorded(),
    )
    .await;
    let hub = Hub::new(test_config());
    let mut log = EventLog::new(&hub);
    let guard = hub.watch(target(ws_url(stub.addr))).expect("watch");
    let key = guard.key().clone();
    log.until("the last provider snapshot", |seen| {
        seen.iter()
            .any(|e| matches!(e, HubEvent::Providers { entries, .. } if *entries == last))
    })
    .await;
    log.drain();
    assert_eq!(hub.providers(&key), last);
    assert_eq!(hub.snapshot(&key).expect("watched").providers, last);
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_rereads_the_mirror() {
    init_tracing();
    let session = recorded_session("HEAD-f3de5689-mock-provider", 0);
    let (epoch, expected) = streamed_rows(&session.pushes, MOCK_AGENT);
    let first = AtomicBool::new(true);
    let stub = replay(
        session,
        &["fetch_agents_request", "fetch_agent_timeline_request"],
        Arc::new(move |request: &Value, reply: Value| {
            if request["type"] == "fetch_agent_timeline_request"
                && first.swap(false, Ordering::SeqCst)
            {
                return emptied(reply);
            }
            reply
        }),
    )
    .await;
    let hub = Hub::new(HubConfig {
        event_capacity: std::num::NonZeroUsize::new(4).expect("non-zero"),
        ..test_config()
    });
    let mut slow = hub.subscribe();
    let key = target(ws_url(stub.addr)).key().expect("key");
    let _follow = hub.follow(&key, MOCK_AGENT);
    let _guard = hub.watch(target(ws_url(stub.addr))).expect("watch");
    wait_until("the whole turn mirrored", || {
        hub.timeline(&key, MOCK_AGENT)
            .is_some_and(|t| t.items.len() == expected.len())
    })
    .await;

    // Far behind: the channel says so instead of skipping silently...
    assert!(matches!(slow.recv().await, Err(RecvError::Lagged(_))));
    // ...and the mirror has everything a fresh snapshot needs.
    let snapshot = hub.snapshot(&key).expect("watched");
    assert_eq!(
        snapshot.connection.daemon_id.as_deref(),
        Some("srv_mQWiy4eMBJkj")
    );
    let timeline = hub.timeline(&key, MOCK_AGENT).expect("followed");
    assert_eq!(timeline.epoch, epoch);
    assert_eq!(crate::support::agents::mirror_rows(&timeline), expected);
}
