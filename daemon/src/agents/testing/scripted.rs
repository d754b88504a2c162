//! A scripted in-process provider for the agent manager's unit tests.
//!
//! It reacts to words in the prompt, like the real test agent:
//! plain text streams a thought and "Hi there!" in three chunks;
//! `PERMISSION` asks before a tool call; `SLOW` streams until cancelled;
//! `HANG` ignores cancel; `FAIL` fails the turn. Loading a session by id
//! replays one user/assistant exchange first, as ACP agents do.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use protocol::{
    AgentMode, PermissionKind, PermissionRequest, PermissionResponse, TimelineItem, ToolCallDetail,
    ToolCallItem, ToolCallStatus,
};
use tokio::sync::{Notify, mpsc, oneshot};

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
    /// While set, opening a session waits for a permit of it (after
    /// counting the open), so a test can hold a provider's start.
    pub open_gate: Mutex<Option<Arc<tokio::sync::Semaphore>>>,
}

impl Stats {
    /// Holds every session start until the returned gate gets permits.
    pub(crate) fn hold_opens(&self) -> Arc<tokio::sync::Semaphore> {
        let gate = Arc::new(tokio::sync::Semaphore::new(0));
        *self.open_gate.lock().expect("lock") = Some(gate.clone());
        gate
    }
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
            let gate = stats.open_gate.lock().expect("lock").clone();
            if let Some(gate) = gate {
                let _permit = gate.acquire().await;
            }
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
