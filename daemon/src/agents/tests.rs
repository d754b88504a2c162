//! The agent manager's unit tests, on the scripted provider
//! (`super::testing`): turns, refusals, idempotent sends, cancel and
//! timeouts, permissions, restarts, imports and subscriptions.

use std::sync::atomic::Ordering;
use std::time::Duration;

use protocol::{
    AgentStatus, CreateAgentRequest, ImportAgentRequest, PermissionResponse, SessionMessage,
    StreamEvent, TimelineItem, WaitForFinishStatus,
};

use super::testing::{Harness, settings};

fn create_request(cwd: &str, provider: &str, prompt: Option<&str>) -> CreateAgentRequest {
    serde_json::from_value(serde_json::json!({
        "requestId": "r",
        "config": {"provider": provider, "cwd": cwd},
        "initialPrompt": prompt,
        "labels": {},
    }))
    .expect("request")
}

fn timeline_rows(h: &Harness, agent: &super::Agent) -> Vec<(u64, TimelineItem)> {
    let core = agent.lock();
    let _ = h;
    core.log
        .read(0, usize::MAX)
        .expect("read")
        .into_iter()
        .map(|r| (r.seq, r.item))
        .collect()
}

#[tokio::test]
async fn create_streams_a_turn_and_settles_idle() {
    let mut h = Harness::new(settings());
    let (agent, dispatched) = h
        .manager
        .create(&create_request(&h.cwd(), "scripted", Some("hello")))
        .await
        .expect("create");
    assert_eq!(dispatched, Some(Ok(())));
    assert_eq!(agent.lock().record.title.as_deref(), Some("hello"));
    let settled = h
        .manager
        .wait_for_finish(&agent, Some(Duration::from_secs(5)))
        .await;
    assert_eq!(settled.status, WaitForFinishStatus::Idle);
    assert_eq!(settled.last_message.as_deref(), Some("Hi there!"));
    let rows = timeline_rows(&h, &agent);
    let seqs: Vec<u64> = rows.iter().map(|(s, _)| *s).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 5]);
    assert!(
        matches!(&rows[0].1, TimelineItem::UserMessage { text, message_id: Some(_) } if text == "hello")
    );
    // Stream order: user_message, turn_started, …, turn_completed, attention.
    let first = h
        .until_event(|e| match e {
            StreamEvent::Timeline { item, .. } => Some(item.clone()),
            _ => None,
        })
        .await;
    assert!(matches!(first, TimelineItem::UserMessage { .. }));
    h.until_event(|e| matches!(e, StreamEvent::TurnStarted { .. }).then_some(()))
        .await;
    let usage = h
        .until_event(|e| match e {
            StreamEvent::TurnCompleted { usage, .. } => Some(usage.clone()),
            _ => None,
        })
        .await;
    assert_eq!(usage.and_then(|u| u.output_tokens), Some(5));
    let reason = h
        .until_event(|e| match e {
            StreamEvent::AttentionRequired { reason, .. } => Some(*reason),
            _ => None,
        })
        .await;
    assert_eq!(reason, protocol::AttentionReason::Finished);
    assert_eq!(agent.lock().record.status, AgentStatus::Idle);
}

#[tokio::test]
async fn bad_cwd_and_providers_are_refused_with_codes() {
    let h = Harness::new(settings());
    let missing = h
        .manager
        .create(&create_request("/definitely/not/here", "scripted", None))
        .await
        .err()
        .expect("error");
    assert_eq!(missing.code, "invalid_cwd");
    let unknown = h
        .manager
        .create(&create_request(&h.cwd(), "nope", None))
        .await
        .err()
        .expect("error");
    assert_eq!(unknown.code, "unknown_provider");
    assert!(unknown.message.contains("scripted"), "{}", unknown.message);
    let offline = h
        .manager
        .create(&create_request(&h.cwd(), "offline", None))
        .await
        .err()
        .expect("error");
    assert_eq!(offline.code, "provider_unavailable");
    assert!(
        offline.message.contains("not found on PATH"),
        "{}",
        offline.message
    );
    assert!(h.manager.all().is_empty());
}

#[tokio::test]
async fn repeated_message_ids_run_once() {
    let h = Harness::new(settings());
    let (agent, _) = h
        .manager
        .create(&create_request(&h.cwd(), "scripted", None))
        .await
        .expect("create");
    assert_eq!(
        h.stats.opens.load(Ordering::SeqCst),
        0,
        "no process before the first prompt"
    );
    for _ in 0..2 {
        h.manager
            .send_message(&agent, "hi".into(), Some("m-1".into()))
            .await
            .expect("accepted");
        h.manager
            .wait_for_finish(&agent, Some(Duration::from_secs(5)))
            .await;
    }
    let users = timeline_rows(&h, &agent)
        .into_iter()
        .filter(|(_, i)| matches!(i, TimelineItem::UserMessage { .. }))
        .count();
    assert_eq!(users, 1);
    assert_eq!(h.stats.prompts.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn cancel_ends_a_streaming_turn_and_hung_turns_are_cut_off() {
    let mut h = Harness::new(settings());
    let (agent, _) = h
        .manager
        .create(&create_request(&h.cwd(), "scripted", Some("SLOW please")))
        .await
        .expect("create");
    h.until_event(|e| {
        matches!(
            e,
            StreamEvent::Timeline {
                item: TimelineItem::AssistantMessage { .. },
                ..
            }
        )
        .then_some(())
    })
    .await;
    let snapshot = h.manager.cancel(&agent).await.expect("snapshot");
    assert_eq!(snapshot.status, AgentStatus::Idle);
    h.until_event(|e| matches!(e, StreamEvent::TurnCanceled { .. }).then_some(()))
        .await;

    h.manager
        .send_message(&agent, "HANG".into(), None)
        .await
        .expect("accepted");
    let snapshot = h.manager.cancel(&agent).await.expect("snapshot");
    assert_eq!(
        snapshot.status,
        AgentStatus::Idle,
        "cut off after the grace"
    );
    assert!(
        agent.lock().live.is_none(),
        "a session that ignored cancel is stopped"
    );
    // The next prompt starts a new session.
    h.manager
        .send_message(&agent, "hi".into(), None)
        .await
        .expect("accepted");
    assert_eq!(
        h.manager
            .wait_for_finish(&agent, Some(Duration::from_secs(5)))
            .await
            .status,
        WaitForFinishStatus::Idle
    );
}

#[tokio::test]
async fn failures_and_timeouts_end_in_error() {
    let mut s = settings();
    s.prompt_timeout = Duration::from_millis(200);
    let mut h = Harness::new(s);
    let (agent, _) = h
        .manager
        .create(&create_request(&h.cwd(), "scripted", Some("FAIL")))
        .await
        .expect("create");
    let settled = h
        .manager
        .wait_for_finish(&agent, Some(Duration::from_secs(5)))
        .await;
    assert_eq!(settled.status, WaitForFinishStatus::Error);
    assert_eq!(settled.error.as_deref(), Some("the agent crashed"));
    h.until_event(|e| matches!(e, StreamEvent::TurnFailed { .. }).then_some(()))
        .await;

    h.manager
        .send_message(&agent, "HANG".into(), None)
        .await
        .expect("accepted");
    let settled = h
        .manager
        .wait_for_finish(&agent, Some(Duration::from_secs(5)))
        .await;
    assert_eq!(settled.status, WaitForFinishStatus::Error);
    assert!(
        settled
            .error
            .as_deref()
            .is_some_and(|e| e.contains("did not finish within")
                && e.contains("Scripted sent nothing during the turn")),
        "a silent agent's timeout says why it may be silent: {settled:?}"
    );

    // An agent that streams until the timeout is not called silent.
    h.manager
        .send_message(&agent, "SLOW".into(), None)
        .await
        .expect("accepted");
    let settled = h
        .manager
        .wait_for_finish(&agent, Some(Duration::from_secs(5)))
        .await;
    assert_eq!(settled.status, WaitForFinishStatus::Error);
    assert!(
        settled
            .error
            .as_deref()
            .is_some_and(|e| e.contains("did not finish within") && !e.contains("sent nothing")),
        "{settled:?}"
    );
}

#[tokio::test]
async fn permissions_round_trip_and_expire() {
    let mut h = Harness::new(settings());
    let (agent, _) = h
        .manager
        .create(&create_request(&h.cwd(), "scripted", Some("PERMISSION")))
        .await
        .expect("create");
    let request = h
        .until(|m| match m {
            SessionMessage::AgentPermissionRequest(r) => Some(r.request.clone()),
            _ => None,
        })
        .await;
    let settled = h
        .manager
        .wait_for_finish(&agent, Some(Duration::from_secs(5)))
        .await;
    assert_eq!(settled.status, WaitForFinishStatus::Permission);
    assert_eq!(
        settled
            .snapshot
            .expect("snapshot")
            .pending_permissions
            .len(),
        1
    );
    let err = h.manager.resolve_permission(
        &agent,
        "nope",
        PermissionResponse::Allow {
            selected_action_id: None,
            updated_input: None,
            updated_permissions: None,
        },
    );
    assert!(err.is_err());
    h.manager
        .resolve_permission(
            &agent,
            &request.id,
            PermissionResponse::Allow {
                selected_action_id: None,
                updated_input: None,
                updated_permissions: None,
            },
        )
        .expect("resolved");
    h.until(|m| matches!(m, SessionMessage::AgentPermissionResolved(_)).then_some(()))
        .await;
    assert_eq!(
        h.manager
            .wait_for_finish(&agent, Some(Duration::from_secs(5)))
            .await
            .status,
        WaitForFinishStatus::Idle
    );
    assert!(agent.lock().record.pending_permissions.is_empty());

    // A prompt left unanswered expires when the turn is cancelled.
    h.manager
        .send_message(&agent, "PERMISSION".into(), None)
        .await
        .expect("accepted");
    h.until(|m| matches!(m, SessionMessage::AgentPermissionRequest(_)).then_some(()))
        .await;
    h.manager.cancel(&agent).await;
    assert!(agent.lock().record.pending_permissions.is_empty());
}

#[tokio::test]
async fn restart_keeps_agents_and_timelines_and_reopens_lazily() {
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let h = Harness::with_home(home, cwd, settings());
    let (agent, _) = h
        .manager
        .create(&create_request(&h.cwd(), "scripted", Some("hello")))
        .await
        .expect("create");
    h.manager
        .wait_for_finish(&agent, Some(Duration::from_secs(5)))
        .await;
    let before = timeline_rows(&h, &agent);
    let session_id = agent
        .lock()
        .record
        .persistence
        .clone()
        .expect("persistence")
        .session_id;
    h.manager.shutdown().await;
    let Harness { home, cwd, .. } = h;

    let h = Harness::with_home(home, cwd, settings());
    let agent = h.manager.get(&agent.id).expect("reloaded");
    assert_eq!(timeline_rows(&h, &agent), before);
    assert_eq!(agent.lock().record.status, AgentStatus::Idle);
    h.manager
        .send_message(&agent, "again".into(), None)
        .await
        .expect("accepted");
    h.manager
        .wait_for_finish(&agent, Some(Duration::from_secs(5)))
        .await;
    assert_eq!(
        *h.stats.resumes.lock().expect("lock"),
        [session_id],
        "the stored session was resumed"
    );
    // Replayed rows of a resume are not duplicated into the timeline.
    assert_eq!(timeline_rows(&h, &agent).len(), before.len() + 5);
}

#[tokio::test]
async fn import_keeps_replayed_rows_and_idle_sessions_are_reaped() {
    let mut s = settings();
    s.idle_timeout = Duration::from_millis(100);
    let h = Harness::new(s);
    let req: ImportAgentRequest = serde_json::from_value(serde_json::json!({
        "requestId": "r", "provider": "scripted", "sessionId": "sess-1", "cwd": h.cwd()
    }))
    .expect("request");
    let agent = h.manager.import(&req).await.expect("import");
    let rows = timeline_rows(&h, &agent);
    assert_eq!(rows.len(), 2);
    assert_eq!(agent.lock().record.title.as_deref(), Some("old question"));
    let again = h.manager.import(&req).await.expect("second import");
    assert_eq!(again.id, agent.id, "no duplicate agent for one session");

    let amnesiac: ImportAgentRequest = serde_json::from_value(serde_json::json!({
        "requestId": "r", "provider": "amnesiac", "sessionId": "sess-1", "cwd": h.cwd()
    }))
    .expect("request");
    let error = h.manager.import(&amnesiac).await.err().expect("refused");
    assert!(error.contains("cannot resume sessions"), "{error}");

    let missing: ImportAgentRequest = serde_json::from_value(serde_json::json!({
        "requestId": "r", "provider": "scripted", "sessionId": "missing", "cwd": h.cwd()
    }))
    .expect("request");
    assert!(h.manager.import(&missing).await.is_err());
    assert_eq!(h.manager.all().len(), 1);

    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while agent.lock().live.is_some() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "idle session was not reaped"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(h.stats.shutdowns.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn subscriptions_get_upserts_and_removes() {
    let mut h = Harness::new(settings());
    h.clients
        .begin_subscription("cid", "s1".into(), super::listing::AgentFilter::default());
    h.clients.finish_subscription(
        "cid",
        h.client.link(),
        SessionMessage::Unknown,
        Default::default(),
    );
    assert!(matches!(h.next().await, SessionMessage::Unknown));
    let (agent, _) = h
        .manager
        .create(&create_request(&h.cwd(), "scripted", None))
        .await
        .expect("create");
    let upsert = h
        .until(|m| match m {
            SessionMessage::AgentUpdate(u) => Some(u.clone()),
            _ => None,
        })
        .await;
    assert!(
        matches!(upsert, protocol::AgentUpdate::Upsert { ref agent, .. } if agent.status == AgentStatus::Idle)
    );
    h.manager.archive(&agent).await.expect("archived");
    let removed = h
        .until(|m| match m {
            SessionMessage::AgentUpdate(u) => Some(u.clone()),
            _ => None,
        })
        .await;
    assert_eq!(
        removed,
        protocol::AgentUpdate::Remove {
            agent_id: agent.id.clone()
        }
    );
    h.manager.delete(&agent.id).await;
    assert!(!h.home.path().join("agents").join(&agent.id).exists());
}

fn send_request(agent_id: &str, text: &str, message_id: &str) -> protocol::SessionRequest {
    serde_json::from_value(serde_json::json!({
        "type": "send_agent_message_request",
        "requestId": format!("s-{message_id}"),
        "agentId": agent_id,
        "text": text,
        "messageId": message_id,
    }))
    .expect("request")
}

async fn until_opened(h: &Harness) {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while h.stats.opens.load(Ordering::SeqCst) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the start never began"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn a_send_is_acknowledged_before_the_agent_starts() {
    let mut h = Harness::new(settings());
    let (agent, _) = h
        .manager
        .create(&create_request(&h.cwd(), "scripted", None))
        .await
        .expect("create");
    let gate = h.stats.hold_opens();
    crate::rpc::agents::dispatch(&h.manager, &h.client, send_request(&agent.id, "hi", "m-1"));
    let reply = h
        .until(|m| match m {
            SessionMessage::SendAgentMessageResponse(reply) => Some(reply.clone()),
            _ => None,
        })
        .await;
    assert!(reply.accepted, "{reply:?}");
    until_opened(&h).await;
    // Acknowledged while the provider's start is held: no turn yet, the
    // message already durable.
    assert_eq!(h.stats.prompts.load(Ordering::SeqCst), 0);
    assert!(timeline_rows(&h, &agent).iter().any(|(_, item)| matches!(
        item,
        TimelineItem::UserMessage { message_id: Some(id), .. } if id == "m-1"
    )));
    gate.add_permits(1);
    h.until_event(|e| matches!(e, StreamEvent::TurnCompleted { .. }).then_some(()))
        .await;
    assert_eq!(h.stats.prompts.load(Ordering::SeqCst), 1);
    assert!(agent.lock().record.unstarted_message.is_none());
}

#[tokio::test]
async fn a_create_with_a_prompt_is_answered_before_the_agent_starts() {
    let mut h = Harness::new(settings());
    let gate = h.stats.hold_opens();
    let request: protocol::SessionRequest = serde_json::from_value(serde_json::json!({
        "type": "create_agent_request",
        "requestId": "c",
        "config": {"provider": "scripted", "cwd": h.cwd()},
        "initialPrompt": "hello",
        "labels": {},
    }))
    .expect("request");
    crate::rpc::agents::dispatch(&h.manager, &h.client, request);
    let agent_id = h
        .until(|m| match m {
            SessionMessage::Status(protocol::StatusPayload::AgentCreated { agent_id, .. }) => {
                Some(agent_id.clone())
            }
            _ => None,
        })
        .await;
    until_opened(&h).await;
    assert_eq!(
        h.stats.prompts.load(Ordering::SeqCst),
        0,
        "answered while held"
    );
    gate.add_permits(1);
    h.until_event(|e| matches!(e, StreamEvent::TurnCompleted { .. }).then_some(()))
        .await;
    assert_eq!(h.stats.prompts.load(Ordering::SeqCst), 1);
    let agent = h.manager.resolve(&agent_id).expect("agent");
    assert_eq!(agent.lock().record.status, AgentStatus::Idle);
}

#[tokio::test]
async fn an_acknowledged_message_whose_turn_never_started_is_not_run_after_a_restart() {
    let mut h = Harness::new(settings());
    let (agent, _) = h
        .manager
        .create(&create_request(&h.cwd(), "scripted", None))
        .await
        .expect("create");
    let _gate = h.stats.hold_opens();
    crate::rpc::agents::dispatch(&h.manager, &h.client, send_request(&agent.id, "hi", "m-1"));
    let reply = h
        .until(|m| match m {
            SessionMessage::SendAgentMessageResponse(reply) => Some(reply.clone()),
            _ => None,
        })
        .await;
    assert!(reply.accepted);
    until_opened(&h).await;
    // The daemon "dies" here: what is on disk is all the next one gets.
    h.manager.store.sync().await.expect("sync");
    let Harness {
        manager: dead,
        home,
        cwd,
        ..
    } = h;
    let h = Harness::with_home(home, cwd, settings());
    let again = h.manager.resolve(&agent.id).expect("agent");
    {
        let core = again.lock();
        assert_eq!(core.record.status, AgentStatus::Error);
        assert_eq!(
            core.record.last_error.as_deref(),
            Some(crate::store::NOT_RUN_RESTARTED)
        );
        assert!(core.record.unstarted_message.is_none());
    }
    let rows = timeline_rows(&h, &again);
    assert!(
        matches!(&rows.last().expect("rows").1, TimelineItem::Error { message } if message.contains("not run: the daemon restarted")),
        "{rows:?}"
    );
    // Never run twice: a retry of the same message is acknowledged only.
    h.manager
        .send_message(&again, "hi".into(), Some("m-1".into()))
        .await
        .expect("accepted");
    assert_eq!(h.stats.prompts.load(Ordering::SeqCst), 0);
    assert_eq!(h.stats.opens.load(Ordering::SeqCst), 0);
    drop(dead);
}
