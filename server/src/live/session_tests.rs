//! The lag path, which real sockets cannot trigger on demand: a session fed
//! by a real hub and a real in-process daemon misses broadcast events on
//! purpose, then [`Session::resync`] must give the tab exactly what it
//! missed (no gap, no repeat). Needs `paseo-test-agent` built in the same
//! target dir (`cargo build -p test-agent`).

use std::time::Duration;

use app::live::messages::ServerMessage;
use hub::{DaemonKey, Hub, HubConfig};
use protocol::{
    AgentSessionConfig, CreateAgentRequest, SendAgentMessageRequest, SessionMessage,
    SessionRequest, StatusPayload, WaitForFinishRequest,
};
use tokio::sync::broadcast::error::TryRecvError;

use super::*;

const DEADLINE: Duration = Duration::from_secs(20);

async fn create_agent(hub: &Hub, key: &DaemonKey, cwd: &std::path::Path, prompt: &str) -> String {
    let request = SessionRequest::CreateAgentRequest(CreateAgentRequest {
        request_id: "create".into(),
        config: AgentSessionConfig {
            provider: "test".into(),
            cwd: cwd.to_string_lossy().into_owned(),
            ..AgentSessionConfig::default()
        },
        initial_prompt: Some(prompt.into()),
        ..CreateAgentRequest::default()
    });
    match hub.request(key, request).await {
        Ok(SessionMessage::Status(StatusPayload::AgentCreated { agent_id, .. })) => agent_id,
        other => panic!("agent_created expected, got {other:?}"),
    }
}

async fn finish(hub: &Hub, key: &DaemonKey, agent_id: &str) {
    let request = SessionRequest::WaitForFinishRequest(WaitForFinishRequest {
        request_id: format!("wait-{agent_id}"),
        agent_id: agent_id.into(),
        timeout_ms: Some(DEADLINE.as_millis() as u64),
    });
    match hub.request(key, request).await {
        Ok(SessionMessage::WaitForFinishResponse(_)) => {}
        other => panic!("wait_for_finish_response expected, got {other:?}"),
    }
}

/// `(seq_start, seq_end)` of every timeline item in `messages`.
fn ranges(messages: &[ServerMessage]) -> Vec<(u64, u64)> {
    messages
        .iter()
        .flat_map(|m| match m {
            ServerMessage::TimelineDelta { items, .. } => items.clone(),
            ServerMessage::TimelineReset { .. } => panic!("no reset expected: {m:?}"),
            _ => Vec::new(),
        })
        .map(|item| (item.seq_start, item.seq_end))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lagging_socket_gets_what_it_missed_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cwd = dir.path().join("work");
    std::fs::create_dir_all(&cwd).expect("cwd");
    let daemon = daemon::RunningDaemon::start(daemon::DaemonConfig::new(
        "127.0.0.1:0".parse().expect("addr"),
        dir.path().join("home"),
    ))
    .await
    .expect("daemon");
    let url = format!("ws://{}/ws", daemon.local_addr());
    let hub = Hub::new(HubConfig::default());
    let mut events = hub.subscribe();
    let tabs = app::api::ssr::Tabs::new(app::api::tabs::DEFAULT_GRACE);
    let token = tabs.open();
    let (side, _answers) = tokio::sync::mpsc::unbounded_channel();
    let mut session = Session::new(
        hub.clone(),
        tabs.clone(),
        token.clone(),
        side,
        tokio::sync::mpsc::unbounded_channel().0,
    );
    let watch = serde_json::json!({"type": "watch", "profiles": [
        {"profile_id": "p", "label": "t", "ws_url": url}]});
    let mut sent = session.on_text(&watch.to_string()).await;
    let key = session.profiles["p"].key.clone();

    // Feed events until the snapshot is out, then follow a turn to its end.
    let pump = async |session: &mut Session,
                      events: &mut tokio::sync::broadcast::Receiver<HubEvent>,
                      sent: &mut Vec<ServerMessage>,
                      done: &dyn Fn(&[ServerMessage]) -> bool| {
        while !done(sent) {
            let event = tokio::time::timeout(DEADLINE, events.recv())
                .await
                .expect("event in time")
                .expect("no lag while pumping");
            sent.extend(session.on_event(&event).await);
        }
    };
    let snapshot = |m: &[ServerMessage]| {
        m.iter()
            .any(|m| matches!(m, ServerMessage::Snapshot { .. }))
    };
    pump(&mut session, &mut events, &mut sent, &snapshot).await;
    let agent = create_agent(&hub, &key, &cwd, "first turn").await;
    let follow = serde_json::json!({"type": "follow", "profile_id": "p", "agent_id": agent});
    sent.extend(session.on_text(&follow.to_string()).await);
    finish(&hub, &key, &agent).await;
    let request = |id: &str| FetchAgentTimelineRequest {
        agent_id: agent.clone(),
        request_id: id.into(),
        direction: Some(TimelineDirection::After),
        cursor: None,
        limit: Some(0),
        projection: Some(TimelineProjection::Canonical),
    };
    let first = hub
        .fetch_timeline(&key, request("t1"))
        .await
        .expect("timeline");
    let first_last = first.entries.last().map(|e| e.seq_end).expect("rows");
    let reached = |last: u64| {
        move |m: &[ServerMessage]| ranges(m).last().is_some_and(|(_, end)| *end >= last)
    };
    pump(&mut session, &mut events, &mut sent, &reached(first_last)).await;
    let before_lag = sent.len();

    // A second turn whose events this socket never reads: it "lagged".
    let prompt = SessionRequest::SendAgentMessageRequest(SendAgentMessageRequest {
        request_id: "send".into(),
        agent_id: agent.clone(),
        text: "second turn".into(),
        message_id: Some("m2".into()),
        ..Default::default()
    });
    hub.request(&key, prompt).await.expect("prompt accepted");
    finish(&hub, &key, &agent).await;
    let all = hub
        .fetch_timeline(&key, request("t2"))
        .await
        .expect("timeline");
    let daemon_ranges: Vec<(u64, u64)> = all
        .entries
        .iter()
        .map(|e| (e.seq_start, e.seq_end))
        .collect();
    assert!(
        daemon_ranges.len() > first.entries.len(),
        "the second turn wrote rows"
    );
    loop {
        match events.try_recv() {
            Ok(_) | Err(TryRecvError::Lagged(_)) => {}
            Err(TryRecvError::Empty) => break,
            Err(err) => panic!("{err}"),
        }
    }
    let resent = session.resync().await;
    assert!(
        matches!(resent.first(), Some(ServerMessage::State { .. })),
        "{resent:?}"
    );
    assert!(
        resent
            .iter()
            .any(|m| matches!(m, ServerMessage::Snapshot { .. })),
        "a fresh snapshot"
    );
    sent.extend(resent);
    // Late events about rows the resync already sent change nothing.
    while let Ok(event) = events.try_recv() {
        sent.extend(session.on_event(&event).await);
    }
    assert_eq!(ranges(&sent), daemon_ranges, "every row once, in order");
    assert!(
        ranges(&sent[before_lag..])
            .first()
            .is_some_and(|(start, _)| *start == first_last + 1)
    );
    drop(session);
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_answers_off_the_loop_with_the_daemon_id_or_a_kind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let daemon = daemon::RunningDaemon::start(daemon::DaemonConfig::new(
        "127.0.0.1:0".parse().expect("addr"),
        dir.path().join("home"),
    ))
    .await
    .expect("daemon");
    let hub = Hub::new(HubConfig::default());
    let tabs = app::api::ssr::Tabs::new(app::api::tabs::DEFAULT_GRACE);
    let token = tabs.open();
    let (side, mut answers) = tokio::sync::mpsc::unbounded_channel();
    let mut session = Session::new(
        hub.clone(),
        tabs,
        token,
        side,
        tokio::sync::mpsc::unbounded_channel().0,
    );

    let probe = serde_json::json!({"type": "probe", "probe_id": "p1",
        "ws_url": format!("ws://{}/ws", daemon.local_addr())});
    assert!(session.on_text(&probe.to_string()).await.is_empty());
    let answer = tokio::time::timeout(DEADLINE, answers.recv())
        .await
        .expect("answer");
    match answer {
        Some(ServerMessage::ProbeResult {
            probe_id,
            ok: Some(ok),
            error: None,
        }) => {
            assert_eq!(probe_id, "p1");
            assert_eq!(ok.daemon_id, daemon.server_id());
        }
        other => panic!("unexpected: {other:?}"),
    }
    // Probing never makes the server watch that daemon.
    assert_eq!(hub.connection_count(), 0);

    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = closed.local_addr().expect("addr");
    drop(closed);
    let probe =
        serde_json::json!({"type": "probe", "probe_id": "p2", "ws_url": format!("ws://{addr}/ws")});
    session.on_text(&probe.to_string()).await;
    match tokio::time::timeout(DEADLINE, answers.recv())
        .await
        .expect("answer")
    {
        Some(ServerMessage::ProbeResult {
            probe_id,
            ok: None,
            error: Some(e),
        }) => {
            assert_eq!(probe_id, "p2");
            assert_eq!(e.kind, "refused");
        }
        other => panic!("unexpected: {other:?}"),
    }
}
