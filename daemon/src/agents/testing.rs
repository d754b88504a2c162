//! A scripted in-process provider and the agent manager's unit tests.
//!
//! The provider reacts to words in the prompt, like the real test agent:
//! plain text streams a thought and "Hi there!" in three chunks;
//! `PERMISSION` asks before a tool call; `SLOW` streams until cancelled;
//! `HANG` ignores cancel; `FAIL` fails the turn. Loading a session by id
//! replays one user/assistant exchange first, as ACP agents do.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use protocol::{
    AgentMode, PermissionKind, PermissionRequest, PermissionResponse, SessionMessage, StreamEvent,
    TimelineItem, ToolCallDetail, ToolCallItem, ToolCallStatus,
};
use tokio::sync::{Notify, mpsc, oneshot};

use super::{AgentManager, AgentSettings, ProviderSource};
use crate::clients::{Attachment, Clients};
use crate::provider::{
    AgentSession, Availability, OpenSession, OpenedSession, Provider, ProviderError, ProviderInfo,
    SessionEvent, TurnEnd,
};

/// Counters the tests read.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    pub opens: AtomicUsize,
    pub shutdowns: AtomicUsize,
    pub prompts: AtomicUsize,
    pub resumes: Mutex<Vec<String>>,
}

pub(crate) struct Scripted {
    pub id: String,
    pub available: bool,
    /// Whether sessions can be loaded by id.
    pub resume: bool,
    pub stats: Arc<Stats>,
}

impl Provider for Scripted {
    fn info(&self) -> ProviderInfo {
        ProviderInfo {
            id: self.id.clone(),
            label: "Scripted".into(),
            description: None,
            default_mode_id: Some("default".into()),
            modes: vec![AgentMode {
                id: "default".into(),
                label: "Default".into(),
                description: None,
                icon: None,
                color_tier: None,
            }],
            models: Vec::new(),
            supports_resume: self.resume,
        }
    }

    fn availability(&self) -> Availability {
        if self.available {
            Availability::Available
        } else {
            Availability::Unavailable {
                reason: "`scripted` not found on PATH".into(),
            }
        }
    }

    fn open(
        &self,
        request: OpenSession,
    ) -> BoxFuture<'static, Result<OpenedSession, ProviderError>> {
        let stats = self.stats.clone();
        Box::pin(async move {
            stats.opens.fetch_add(1, Ordering::SeqCst);
            let session_id = match request.resume_session_id {
                Some(id) if id == "missing" => {
                    return Err(ProviderError::Protocol("no such session".into()));
                }
                Some(id) => {
                    stats.resumes.lock().expect("lock").push(id.clone());
                    let _ = request
                        .events
                        .send(SessionEvent::Item(TimelineItem::UserMessage {
                            text: "old question".into(),
                            message_id: None,
                        }));
                    let _ =
                        request
                            .events
                            .send(SessionEvent::Item(TimelineItem::AssistantMessage {
                                text: "old answer".into(),
                            }));
                    id
                }
                None => crate::ids::uuid_v4(),
            };
            Ok(OpenedSession {
                session: Box::new(ScriptedSession {
                    events: request.events,
                    cancel: Arc::new(Notify::new()),
                    stats,
                }),
                session_id,
                modes: Vec::new(),
                current_mode_id: request.mode_id,
                models: Vec::new(),
                current_model: Some("scripted-1".into()),
            })
        })
    }
}

struct ScriptedSession {
    events: mpsc::UnboundedSender<SessionEvent>,
    cancel: Arc<Notify>,
    stats: Arc<Stats>,
}

fn item(events: &mpsc::UnboundedSender<SessionEvent>, item: TimelineItem) {
    let _ = events.send(SessionEvent::Item(item));
}

fn tool(status: ToolCallStatus) -> TimelineItem {
    TimelineItem::ToolCall(ToolCallItem {
        call_id: "call-1".into(),
        name: "edit".into(),
        detail: ToolCallDetail::Edit {
            file_path: "notes.md".into(),
            old_string: None,
            new_string: None,
            unified_diff: None,
        },
        metadata: None,
        status,
        error: (status == ToolCallStatus::Failed).then(|| serde_json::json!("denied")),
    })
}

impl AgentSession for ScriptedSession {
    fn prompt(&self, text: String) -> BoxFuture<'static, Result<TurnEnd, ProviderError>> {
        let events = self.events.clone();
        let cancel = self.cancel.clone();
        self.stats.prompts.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            if text.contains("FAIL") {
                return Err(ProviderError::Crashed("the agent crashed".into()));
            }
            if text.contains("HANG") {
                std::future::pending::<()>().await;
            }
            if text.contains("SLOW") {
                let mut n = 0;
                loop {
                    item(
                        &events,
                        TimelineItem::AssistantMessage {
                            text: format!("chunk{n} "),
                        },
                    );
                    n += 1;
                    tokio::select! {
                        () = cancel.notified() => return Ok(TurnEnd::Canceled),
                        () = tokio::time::sleep(Duration::from_millis(5)) => {}
                    }
                }
            }
            if text.contains("PERMISSION") {
                item(&events, tool(ToolCallStatus::Running));
                let (reply, answer) = oneshot::channel();
                let _ = events.send(SessionEvent::Permission {
                    request: PermissionRequest {
                        id: crate::ids::uuid_v4(),
                        provider: "scripted".into(),
                        name: "edit".into(),
                        kind: PermissionKind::Tool,
                        title: Some("Edit notes.md".into()),
                        description: None,
                        input: None,
                        detail: None,
                        suggestions: None,
                        actions: None,
                        metadata: None,
                    },
                    reply,
                });
                let allowed = matches!(answer.await, Ok(PermissionResponse::Allow { .. }));
                let status = if allowed {
                    ToolCallStatus::Completed
                } else {
                    ToolCallStatus::Failed
                };
                item(&events, tool(status));
                item(
                    &events,
                    TimelineItem::AssistantMessage {
                        text: "Done.".into(),
                    },
                );
                return Ok(TurnEnd::Completed);
            }
            item(
                &events,
                TimelineItem::Reasoning {
                    text: "Thinking".into(),
                },
            );
            for chunk in ["Hi", " there", "!"] {
                item(
                    &events,
                    TimelineItem::AssistantMessage { text: chunk.into() },
                );
            }
            let _ = events.send(SessionEvent::Usage(
                serde_json::json!({"inputTokens": 3, "outputTokens": 5}),
            ));
            Ok(TurnEnd::Completed)
        })
    }

    fn cancel(&self) -> BoxFuture<'static, ()> {
        let cancel = self.cancel.clone();
        Box::pin(async move { cancel.notify_one() })
    }

    fn set_mode(&self, _mode_id: String) -> BoxFuture<'static, Result<(), ProviderError>> {
        Box::pin(async { Ok(()) })
    }

    fn set_model(&self, _model: String) -> BoxFuture<'static, Result<(), ProviderError>> {
        Box::pin(async { Ok(()) })
    }

    fn shutdown(&self) -> BoxFuture<'static, ()> {
        let stats = self.stats.clone();
        let events = self.events.clone();
        Box::pin(async move {
            stats.shutdowns.fetch_add(1, Ordering::SeqCst);
            let _ = events.send(SessionEvent::Exited { error: None });
        })
    }
}

/// Providers `scripted` (available), `offline` (not) and `amnesiac`
/// (available, cannot resume).
pub(crate) struct TestProviders {
    pub scripted: Arc<Scripted>,
    pub offline: Arc<Scripted>,
    pub amnesiac: Arc<Scripted>,
}

impl ProviderSource for TestProviders {
    fn provider(&self, id: &str) -> Option<Arc<dyn Provider>> {
        match id {
            "scripted" => Some(self.scripted.clone()),
            "offline" => Some(self.offline.clone()),
            "amnesiac" => Some(self.amnesiac.clone()),
            _ => None,
        }
    }

    fn provider_ids(&self) -> Vec<String> {
        vec!["scripted".into(), "offline".into(), "amnesiac".into()]
    }
}

/// A manager over a temp home, plus one attached client's queue.
pub(crate) struct Harness {
    pub manager: Arc<AgentManager>,
    pub stats: Arc<Stats>,
    pub clients: Arc<Clients>,
    pub client: Attachment,
    pub rx: mpsc::UnboundedReceiver<SessionMessage>,
    pub home: tempfile::TempDir,
    pub cwd: tempfile::TempDir,
}

pub(crate) fn settings() -> AgentSettings {
    AgentSettings {
        prompt_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(60),
        cancel_grace: Duration::from_millis(300),
        start_timeout: Duration::from_secs(5),
    }
}

impl Harness {
    pub(crate) fn new(settings: AgentSettings) -> Self {
        let home = tempfile::tempdir().expect("home");
        let cwd = tempfile::tempdir().expect("cwd");
        Self::with_home(home, cwd, settings)
    }

    pub(crate) fn with_home(
        home: tempfile::TempDir,
        cwd: tempfile::TempDir,
        settings: AgentSettings,
    ) -> Self {
        let stats = Arc::new(Stats::default());
        let providers = TestProviders {
            scripted: Arc::new(Scripted {
                id: "scripted".into(),
                available: true,
                resume: true,
                stats: stats.clone(),
            }),
            offline: Arc::new(Scripted {
                id: "offline".into(),
                available: false,
                resume: true,
                stats: stats.clone(),
            }),
            amnesiac: Arc::new(Scripted {
                id: "amnesiac".into(),
                available: true,
                resume: false,
                stats: stats.clone(),
            }),
        };
        let clients = Clients::new(Duration::from_secs(1));
        let manager = AgentManager::start(
            home.path(),
            Arc::new(providers),
            clients.clone(),
            "srv_test".into(),
            settings,
        )
        .expect("manager");
        let (client, _, rx) = clients.attach_queue("cid", true);
        Self {
            manager,
            stats,
            clients,
            client,
            rx,
            home,
            cwd,
        }
    }

    pub(crate) fn cwd(&self) -> String {
        self.cwd.path().to_string_lossy().into_owned()
    }

    /// Next pushed message, within a deadline.
    pub(crate) async fn next(&mut self) -> SessionMessage {
        tokio::time::timeout(Duration::from_secs(5), self.rx.recv())
            .await
            .expect("a message before the deadline")
            .expect("queue open")
    }

    /// Skips messages until one satisfies `pick`.
    pub(crate) async fn until<T>(
        &mut self,
        mut pick: impl FnMut(&SessionMessage) -> Option<T>,
    ) -> T {
        loop {
            let message = self.next().await;
            if let Some(found) = pick(&message) {
                return found;
            }
        }
    }

    /// Waits for a stream event of `agent` matching `pick`.
    pub(crate) async fn until_event<T>(
        &mut self,
        mut pick: impl FnMut(&StreamEvent) -> Option<T>,
    ) -> T {
        self.until(|message| match message {
            SessionMessage::AgentStream(payload) => pick(&payload.event),
            _ => None,
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use protocol::{AgentStatus, CreateAgentRequest, ImportAgentRequest, WaitForFinishStatus};

    use super::*;

    fn create_request(cwd: &str, provider: &str, prompt: Option<&str>) -> CreateAgentRequest {
        serde_json::from_value(serde_json::json!({
            "requestId": "r",
            "config": {"provider": provider, "cwd": cwd},
            "initialPrompt": prompt,
            "labels": {},
        }))
        .expect("request")
    }

    fn timeline_rows(h: &Harness, agent: &super::super::Agent) -> Vec<(u64, TimelineItem)> {
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
            settled.error.as_deref().is_some_and(
                |e| e.contains("did not finish within") && !e.contains("sent nothing")
            ),
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
        h.clients.begin_subscription(
            "cid",
            "s1".into(),
            super::super::listing::AgentFilter::default(),
        );
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
}

/// Timings of the read paths on big data (printed; run with `--release`
/// for representative numbers: `cargo test -p daemon --release --lib read_paths -- --nocapture`).
#[cfg(test)]
mod perf {
    use std::time::Instant;

    use protocol::{
        FetchAgentTimelineRequest, FetchAgentsRequest, TimelineCursor, TimelineDirection,
        TimelineProjection,
    };

    use super::*;
    use crate::agents::{listing, project, timeline_view};

    #[tokio::test]
    async fn read_paths_on_ten_thousand_rows_and_250_agents() {
        let h = Harness::new(settings());
        let mut agents = Vec::new();
        for _ in 0..250 {
            let req: protocol::CreateAgentRequest = serde_json::from_value(serde_json::json!({
                "requestId": "r", "config": {"provider": "scripted", "cwd": h.cwd()}, "labels": {}
            }))
            .expect("request");
            agents.push(h.manager.create(&req).await.expect("create").0);
        }
        let agent = &agents[0];
        {
            let mut core = agent.lock();
            for i in 0..10_000 {
                let item = if i % 10 == 0 {
                    TimelineItem::UserMessage {
                        text: format!("question {i}"),
                        message_id: None,
                    }
                } else {
                    TimelineItem::AssistantMessage {
                        text: format!("chunk {i} of a longer streamed answer "),
                    }
                };
                h.manager.emit_item(agent, &mut core, item).expect("append");
            }
        }
        let epoch = agent.lock().log.epoch().to_owned();
        let request = |direction, cursor: Option<u64>, projection| FetchAgentTimelineRequest {
            agent_id: agent.id.clone(),
            request_id: "t".into(),
            direction: Some(direction),
            cursor: cursor.map(|seq| TimelineCursor {
                epoch: epoch.clone(),
                seq,
            }),
            limit: Some(200),
            projection: Some(projection),
        };
        for (label, req) in [
            (
                "tail/projected",
                request(TimelineDirection::Tail, None, TimelineProjection::Projected),
            ),
            (
                "before 5000/canonical",
                request(
                    TimelineDirection::Before,
                    Some(5000),
                    TimelineProjection::Canonical,
                ),
            ),
            (
                "after 100/projected",
                request(
                    TimelineDirection::After,
                    Some(100),
                    TimelineProjection::Projected,
                ),
            ),
        ] {
            let runs = 20;
            let started = Instant::now();
            let mut bytes = 0;
            for _ in 0..runs {
                let core = agent.lock();
                let snapshot = h.manager.snapshot_of(&core);
                let response = timeline_view::fetch(&req, &core, snapshot, true);
                bytes = serde_json::to_vec(&response).expect("json").len();
            }
            eprintln!(
                "timeline {label}: 200 of 10000 rows in {:?} per page ({bytes} bytes JSON)",
                started.elapsed() / runs
            );
        }
        let started = Instant::now();
        let req: FetchAgentsRequest =
            serde_json::from_value(serde_json::json!({"requestId": "r", "page": {"limit": 200}}))
                .expect("req");
        let filter = listing::AgentFilter::from_request(&req).expect("filter");
        let rows = h
            .manager
            .all()
            .into_iter()
            .map(|a| {
                let core = a.lock();
                (
                    h.manager.snapshot_of(&core),
                    project::placement(&core.record.cwd),
                )
            })
            .collect();
        let page = listing::page(&req, &filter, rows).expect("page");
        let built = started.elapsed();
        let json = serde_json::to_vec(&page.rows.iter().map(|(a, _)| a).collect::<Vec<_>>())
            .expect("json");
        eprintln!(
            "fetch_agents: page of 200 of 250 built in {built:?}, serialised in {:?} ({} bytes)",
            started.elapsed() - built,
            json.len()
        );
    }
}
