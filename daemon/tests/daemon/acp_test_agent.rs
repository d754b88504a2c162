//! `AcpProvider` against the real `paseo-test-agent` binary over real
//! pipes: turns, permissions, cancel, timeouts, crashes, auth, resume, and
//! no agent process left behind.
//!
//! Build the agent first: `cargo build -p test-agent` (same target dir).

use std::time::Duration;

use crate::support_acp::{Harness, texts};
use daemon::provider::{Availability, ProviderError, ProviderRegistry, SessionEvent, TurnEnd};
use protocol::{PermissionResponse, TimelineItem, ToolCallDetail, ToolCallStatus};

#[tokio::test]
async fn full_turn_streams_ordered_chunks_then_completes() {
    let mut h = Harness::new();
    let opened = h.open(None).await;
    assert_eq!(opened.current_mode_id.as_deref(), Some("default"));
    assert_eq!(
        opened.models.first().map(|m| m.id.as_str()),
        Some("test-model")
    );
    let pgids = h.agent_pgids();
    assert_eq!(pgids.len(), 1, "one agent process per session");

    let started = std::time::Instant::now();
    let end = h.within(opened.session.prompt("hello".into())).await;
    let latency = started.elapsed();
    println!("turn latency with the test agent: {latency:?}");
    assert_eq!(end, Ok(TurnEnd::Completed));
    let items = h.drain_items();
    let (reasoning, assistant) = texts(&items);
    assert_eq!(reasoning.len(), 2);
    assert_eq!(assistant, ["Hi", " there", "!"]);
    // Reasoning comes before the answer.
    let first_answer = items
        .iter()
        .position(|i| matches!(i, TimelineItem::AssistantMessage { .. }));
    let last_thought = items
        .iter()
        .rposition(|i| matches!(i, TimelineItem::Reasoning { .. }));
    assert!(last_thought < first_answer);

    h.shutdown(opened.session).await;
    assert_eq!(
        h.exited().await,
        None,
        "a requested shutdown is not an error"
    );
    h.assert_gone(&pgids).await;
}

#[tokio::test]
async fn permission_allow_edits_the_file_and_reject_does_not() {
    let mut h = Harness::new();
    let opened = h.open(None).await;
    let pgids = h.agent_pgids();
    let notes = h.cwd().join("notes.md");

    // Reject first: no file.
    let turn = tokio::spawn(opened.session.prompt("EDIT_FILE".into()));
    let (request, reply) = h.permission().await;
    assert_eq!(request.provider, "test");
    let detail = serde_json::to_value(&request.detail).unwrap_or_default();
    assert!(
        detail["filePath"]
            .as_str()
            .is_some_and(|p| p.ends_with("notes.md")),
        "{detail}"
    );
    let actions = request.actions.clone().unwrap_or_default();
    assert!(actions.iter().any(|a| a.id == "reject_once"));
    let _ = reply.send(PermissionResponse::Deny {
        selected_action_id: Some("reject_once".into()),
        message: None,
        interrupt: None,
    });
    assert_eq!(h.within(turn).await.ok(), Some(Ok(TurnEnd::Completed)));
    assert!(!notes.exists(), "rejected edit must not touch the file");
    let rows = h.tool_rows();
    assert_eq!(rows.last().map(|r| r.status), Some(ToolCallStatus::Failed));

    // Allow: the file is edited and the last row is completed.
    let turn = tokio::spawn(opened.session.prompt("EDIT_FILE".into()));
    let (_request, reply) = h.permission().await;
    let _ = reply.send(PermissionResponse::Allow {
        selected_action_id: Some("allow_once".into()),
        updated_input: None,
        updated_permissions: None,
    });
    assert_eq!(h.within(turn).await.ok(), Some(Ok(TurnEnd::Completed)));
    let text = std::fs::read_to_string(&notes).unwrap_or_default();
    assert!(text.contains("Edited by paseo-test-agent"), "{text:?}");
    let rows = h.tool_rows();
    let last = rows.last().expect("tool rows");
    assert_eq!(last.status, ToolCallStatus::Completed);
    assert!(
        matches!(&last.detail, ToolCallDetail::Write { file_path, .. } if file_path.ends_with("notes.md"))
    );

    // A dropped reply answers "cancelled": the edit does not happen.
    std::fs::remove_file(&notes).unwrap_or_default();
    let turn = tokio::spawn(opened.session.prompt("EDIT_FILE".into()));
    let (_request, reply) = h.permission().await;
    drop(reply);
    assert!(h.within(turn).await.is_ok());
    assert!(!notes.exists());

    h.shutdown(opened.session).await;
    h.assert_gone(&pgids).await;
}

#[tokio::test]
async fn mode_change_skips_permission() {
    let mut h = Harness::new();
    let opened = h.open(None).await;
    assert_eq!(
        h.within(opened.session.set_mode("acceptEdits".into()))
            .await,
        Ok(())
    );
    assert_eq!(
        h.within(opened.session.prompt("EDIT_FILE".into())).await,
        Ok(TurnEnd::Completed)
    );
    assert!(h.cwd().join("notes.md").exists());
    assert!(h.saw_mode_change("acceptEdits"));
    let pgids = h.agent_pgids();
    h.shutdown(opened.session).await;
    h.assert_gone(&pgids).await;
}

#[tokio::test]
async fn cancel_ends_a_slow_turn_within_the_bound() {
    let mut h = Harness::new();
    let opened = h.open(None).await;
    let pgids = h.agent_pgids();
    let turn = tokio::spawn(opened.session.prompt("PLEASE_BE_SLOW".into()));
    h.first_assistant_chunk().await;
    let started = std::time::Instant::now();
    opened.session.cancel().await;
    assert_eq!(h.within(turn).await.ok(), Some(Ok(TurnEnd::Canceled)));
    assert!(
        started.elapsed() < h.timeouts.cancel_grace,
        "{:?}",
        started.elapsed()
    );
    // The session stays usable.
    assert_eq!(
        h.within(opened.session.prompt("hello".into())).await,
        Ok(TurnEnd::Completed)
    );
    h.shutdown(opened.session).await;
    h.assert_gone(&pgids).await;
}

#[tokio::test]
async fn hang_forever_times_out_and_an_unanswered_cancel_still_ends_the_turn() {
    let mut h = Harness::new();
    h.timeouts.prompt_idle = Duration::from_millis(600);
    h.timeouts.cancel_grace = Duration::from_millis(400);
    let opened = h.open(None).await;
    let pgids = h.agent_pgids();
    // Idle time before a turn does not count against it (the wait is the
    // scenario under test, not a synchronisation).
    tokio::time::sleep(Duration::from_millis(700)).await;
    let end = h.within(opened.session.prompt("hello".into())).await;
    assert_eq!(end, Ok(TurnEnd::Completed));
    let started = std::time::Instant::now();
    let end = h.within(opened.session.prompt("HANG_FOREVER".into())).await;
    assert!(
        matches!(&end, Err(ProviderError::Timeout(text)) if text.contains("sent nothing")),
        "{end:?}"
    );
    assert!(started.elapsed() < Duration::from_secs(3));

    // The agent ignores session/cancel while hanging: the grace ends it.
    // (A fresh session: the hung turn still occupies the first one.)
    h.shutdown(opened.session).await;
    let opened = h.open(None).await;
    let turn = tokio::spawn(opened.session.prompt("HANG_FOREVER".into()));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    opened.session.cancel().await;
    assert_eq!(h.within(turn).await.ok(), Some(Ok(TurnEnd::Canceled)));
    assert!(started.elapsed() >= Duration::from_millis(350));
    let pgids = [pgids, h.agent_pgids()].concat();
    h.shutdown(opened.session).await;
    h.assert_gone(&pgids).await;
}

#[tokio::test]
async fn crash_mid_turn_reports_crashed_and_exited() {
    let mut h = Harness::new();
    let opened = h.open(None).await;
    let pgids = h.agent_pgids();
    let end = h.within(opened.session.prompt("CRASH_NOW".into())).await;
    assert!(
        matches!(&end, Err(ProviderError::Crashed(text)) if text.contains("exit code 3")),
        "{end:?}"
    );
    let error = h.exited().await;
    assert!(
        error
            .as_deref()
            .is_some_and(|e| e.contains("exited unexpectedly")),
        "{error:?}"
    );
    h.assert_gone(&pgids).await;
    // Prompting a dead session fails at once.
    let again = h.within(opened.session.prompt("hello".into())).await;
    assert!(matches!(again, Err(ProviderError::Crashed(_))), "{again:?}");
    h.shutdown(opened.session).await;
}

#[tokio::test]
async fn auth_failure_says_what_to_do() {
    let mut h = Harness::new();
    let opened = h.open(None).await;
    let end = h.within(opened.session.prompt("FAIL_AUTH".into())).await;
    let Err(ProviderError::Auth { message }) = end else {
        panic!("expected an auth error, got {end:?}");
    };
    assert!(message.contains("Authentication required"), "{message}");
    assert!(
        message.contains("FAIL_AUTH"),
        "the hint is included: {message}"
    );
    let pgids = h.agent_pgids();
    h.shutdown(opened.session).await;
    h.assert_gone(&pgids).await;
}

#[tokio::test]
async fn session_load_after_shutdown_replays_history() {
    let mut h = Harness::new();
    let opened = h.open(None).await;
    assert_eq!(
        h.within(opened.session.prompt("remember me".into())).await,
        Ok(TurnEnd::Completed)
    );
    let first = h.agent_pgids();
    h.shutdown(opened.session).await;
    h.assert_gone(&first).await;
    let _ = h.exited().await;
    h.drain_items();

    let resumed = h.open(Some(opened.session_id.clone())).await;
    assert_eq!(resumed.session_id, opened.session_id);
    let replay = h.drain_items();
    assert!(
        replay
            .iter()
            .any(|i| matches!(i, TimelineItem::UserMessage { text, .. } if text == "remember me")),
        "{replay:?}"
    );
    assert_eq!(texts(&replay).1, ["Hi", " there", "!"]);
    assert_eq!(
        h.within(resumed.session.prompt("again".into())).await,
        Ok(TurnEnd::Completed)
    );
    let second = h.agent_pgids();
    h.shutdown(resumed.session).await;
    h.assert_gone(&second).await;
}

#[tokio::test]
async fn registry_finds_the_test_agent_next_to_the_binaries() {
    crate::support_acp::agent_binary();
    let home = tempfile::tempdir().expect("tempdir");
    let registry = ProviderRegistry::discover(home.path());
    let test = registry.get("test").expect("test provider");
    assert_eq!(test.availability(), Availability::Available);
    // Opening through the registry works too (sessions under the home).
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let cwd = tempfile::tempdir().expect("tempdir");
    let request = daemon::provider::OpenSession {
        cwd: cwd.path().to_path_buf(),
        mode_id: None,
        model: None,
        resume_session_id: None,
        events: tx,
    };
    let opened = tokio::time::timeout(Duration::from_secs(20), test.open(request))
        .await
        .expect("open in time")
        .expect("open");
    assert!(home.path().join("test-agent").exists());
    opened.session.shutdown().await;
    let exited = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(event) = rx.recv().await {
            if let SessionEvent::Exited { error } = event {
                return error;
            }
        }
        Some("channel closed".into())
    })
    .await
    .expect("exit in time");
    assert_eq!(exited, None);
}
