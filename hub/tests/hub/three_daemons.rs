//! Three real daemons behind one hub: one goes down and comes back while
//! the other two keep streaming. Asserts order and outcome: the others'
//! timeline events keep arriving while it is offline, a request to it fails
//! at once (the request timeout is an hour), it is online by the first
//! attempt after it listens again, and its followed timeline then equals
//! the daemon's own log with no row shown twice or skipped.

use std::time::Duration;

use crate::support::agents::*;
use crate::support::events::{EventLog, Follower};
use crate::support::*;
use hub::{ConnectionStatus, DaemonKey, Hub, HubConfig, HubError, HubEvent};
use protocol::{AgentStatus, FetchAgentRequest, SessionMessage, SessionRequest};

fn fetch_agent(agent_id: &str) -> SessionRequest {
    SessionRequest::FetchAgentRequest(FetchAgentRequest {
        request_id: "r1".into(),
        agent_id: agent_id.into(),
    })
}

fn timeline_event_index(log: &EventLog, key: &DaemonKey, from: usize) -> Option<usize> {
    log.seen[from..]
        .iter()
        .position(|e| matches!(e, HubEvent::Timeline { key: k, .. } if k == key))
        .map(|at| at + from)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_daemon_down_leaves_the_others_streaming_and_comes_back_resynced() {
    init_tracing();
    require_binaries();
    let config = HubConfig {
        request_timeout: Duration::from_secs(3600),
        ..test_config()
    };
    let homes: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let cwd = tempfile::tempdir().unwrap();
    let mut daemons = Vec::new();
    for home in &homes {
        daemons.push(Some(start_daemon(loopback_any(), home.path()).await));
    }
    let addrs: Vec<_> = daemons
        .iter()
        .map(|d| d.as_ref().expect("running").local_addr())
        .collect();
    let hub = Hub::new(config);
    let mut log = EventLog::new(&hub);
    let guards: Vec<_> = addrs
        .iter()
        .map(|addr| hub.watch(target(ws_url(*addr))).expect("watch"))
        .collect();
    let keys: Vec<DaemonKey> = guards.iter().map(|g| g.key().clone()).collect();
    let mut agents = Vec::new();
    for key in &keys {
        wait_for_connection(&hub, key, "online", |s| {
            s.status == ConnectionStatus::Online
        })
        .await;
        agents.push(create_agent(&hub, key, cwd.path()).await);
    }
    let _follows: Vec<_> = keys
        .iter()
        .zip(&agents)
        .map(|(key, agent)| hub.follow(key, agent))
        .collect();
    let (a, b, c) = (0, 1, 2);

    // B is mid-turn when it goes down.
    prompt(&hub, &keys[b], &agents[b], "PLEASE_BE_SLOW").await;
    log.until("B streaming", |seen| {
        Follower::from_events(seen, &keys[b], &agents[b]).rows.len() >= 3
    })
    .await;
    daemons[b].take().expect("running").shutdown().await;
    log.until("B offline", |seen| {
        seen.iter().any(|e| matches!(e, HubEvent::Connection { key, snapshot } if *key == keys[b] && snapshot.status == ConnectionStatus::Offline))
    })
    .await;
    let offline_at = log.seen.len();

    // A request to B fails now, not after the hour-long timeout.
    match hub.request(&keys[b], fetch_agent(&agents[b])).await {
        Err(HubError::DaemonUnavailable { key, status, .. }) => {
            assert_eq!(key, keys[b]);
            assert_ne!(status, ConnectionStatus::Online);
        }
        other => panic!("DaemonUnavailable expected, got {other:?}"),
    }

    // A and C still deliver turns while B is away.
    for i in [a, c] {
        prompt(&hub, &keys[i], &agents[i], "hello").await;
        wait_for_finish(&hub, &keys[i], &agents[i]).await;
    }
    log.drain();
    for i in [a, c] {
        let at = timeline_event_index(&log, &keys[i], offline_at)
            .unwrap_or_else(|| panic!("daemon {i} streamed nothing while B was offline"));
        assert!(at > offline_at);
        let (_, rows) = daemon_timeline(&ws_url(addrs[i]), &agents[i]).await;
        assert_eq!(log.follower(&keys[i], &agents[i]).rows(), rows);
    }
    assert_ne!(
        hub.connection(&keys[b]).expect("watched").status,
        ConnectionStatus::Online
    );

    // B listens again on the same port and home.
    daemons[b] = Some(start_daemon(addrs[b], homes[b].path()).await);
    log.drain();
    let listening_at = log.seen.len();
    log.until("B online again", |seen| {
        seen[listening_at..].iter().any(|e| matches!(e, HubEvent::Connection { key, snapshot } if *key == keys[b] && snapshot.status == ConnectionStatus::Online))
    })
    .await;
    let statuses = log.statuses(&keys[b], listening_at);
    for pair in statuses.windows(2) {
        if pair[0] == ConnectionStatus::Connecting {
            assert_eq!(
                pair[1],
                ConnectionStatus::Online,
                "an attempt after B listened failed: {statuses:?}"
            );
        }
    }

    let (epoch, rows) = daemon_timeline(&ws_url(addrs[b]), &agents[b]).await;
    log.until("B's timeline resynced", |seen| {
        Follower::from_events(seen, &keys[b], &agents[b]).rows() == rows
    })
    .await;
    let follower = log.follower(&keys[b], &agents[b]);
    assert_eq!(follower.epoch, epoch);
    assert_eq!(follower.resets, 1, "resumed after the cursor, not replaced");
    let mirror = hub.timeline(&keys[b], &agents[b]).expect("followed");
    assert_eq!(mirror_rows(&mirror), rows);

    // Turn state comes from the daemon (the turn did not survive).
    let Ok(SessionMessage::FetchAgentResponse(answer)) =
        hub.request(&keys[b], fetch_agent(&agents[b])).await
    else {
        panic!("fetch_agent_response expected");
    };
    let daemon_status = answer.agent.expect("agent").status;
    assert_ne!(daemon_status, AgentStatus::Running);
    let mirrored = hub
        .agents(&keys[b])
        .into_iter()
        .find(|agent| agent.id == agents[b])
        .expect("agent mirrored");
    assert_eq!(mirrored.status, daemon_status);

    drop(guards);
    for daemon in daemons.into_iter().flatten() {
        daemon.shutdown().await;
    }
}
