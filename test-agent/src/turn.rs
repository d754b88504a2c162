//! One prompt turn: the scripted sequence of updates chosen by the prompt's
//! markers, run on its own task so the main loop keeps reading stdin
//! (for `session/cancel` and permission responses) meanwhile.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::watch;

use crate::agent::{Agent, str_param};
use crate::edit::{self, EDIT_LINE};
use crate::markers::{self, Markers};
use crate::rpc::AgentError;
use crate::shapes::ACCEPT_EDITS;

/// How long `PLEASE_BE_SLOW` streams, and how often.
const SLOW_TICKS: u32 = 300;
const SLOW_TICK: Duration = Duration::from_millis(200);

/// How a turn ended (the `stopReason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    EndTurn,
    Cancelled,
}

/// The user's answer to a permission request.
enum Permission {
    Allowed { always: bool },
    Rejected,
    Cancelled,
}

/// Validates a `session/prompt`, marks the session busy and spawns the turn.
/// The response is sent by the turn when it ends.
pub fn start(agent: &Arc<Agent>, id: Value, params: &Value) -> Result<(), AgentError> {
    let session_id = str_param(params, "sessionId")?.to_owned();
    let prompt = params
        .get("prompt")
        .and_then(Value::as_array)
        .ok_or_else(|| AgentError::InvalidParams("`prompt` must be an array".into()))?;
    let text: Vec<&str> = prompt
        .iter()
        .filter_map(|block| block.get("text").and_then(Value::as_str))
        .collect();
    let markers = Markers::parse(&text.join("\n"));
    let recorded = prompt
        .iter()
        .map(|block| json!({"sessionUpdate": "user_message_chunk", "content": block}))
        .collect();
    let (cancel_tx, cancel) = watch::channel(false);
    agent
        .with_session(&session_id, |s| match s.turn {
            Some(_) => Err(AgentError::Internal(
                "a prompt turn is already running in this session".into(),
            )),
            None => {
                s.turn = Some(cancel_tx);
                Ok(())
            }
        })
        .ok_or_else(|| AgentError::SessionNotFound(session_id.clone()))??;
    let turn = Turn {
        agent: Arc::clone(agent),
        id,
        session_id,
        cancel,
        recorded,
    };
    tokio::spawn(turn.run(markers));
    Ok(())
}

/// A running turn and the updates it has sent (for the session history).
struct Turn {
    agent: Arc<Agent>,
    id: Value,
    session_id: String,
    cancel: watch::Receiver<bool>,
    recorded: Vec<Value>,
}

/// Resolves once the turn is cancelled (never, if the session went away).
async fn cancelled(cancel: &mut watch::Receiver<bool>) {
    if cancel.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn text_update(kind: &str, text: &str) -> Value {
    json!({"sessionUpdate": kind, "content": {"type": "text", "text": text}})
}

impl Turn {
    async fn run(mut self, markers: Markers) {
        let outcome = self.script(&markers).await;
        let recorded = std::mem::take(&mut self.recorded);
        let keep = outcome.is_ok();
        self.agent.with_session(&self.session_id, |s| {
            s.turn = None;
            if keep {
                s.record.history.extend(recorded);
            }
        });
        self.agent.persist(&self.session_id);
        let result = outcome.map(|stop| {
            let reason = match stop {
                Stop::EndTurn => "end_turn",
                Stop::Cancelled => "cancelled",
            };
            json!({"stopReason": reason})
        });
        tracing::info!(session = %self.session_id, ?result, "turn ended");
        self.agent.respond(&self.id, result).await;
    }

    async fn script(&mut self, markers: &Markers) -> Result<Stop, AgentError> {
        if markers.fail_auth {
            return Err(AgentError::AuthRequired);
        }
        if markers.hang {
            tracing::info!("HANG_FOREVER: this turn never ends");
            std::future::pending::<()>().await;
        }
        if markers.crash {
            self.update(text_update("agent_message_chunk", "Hi")).await;
            tracing::info!("CRASH_NOW: exiting with code 3");
            std::process::exit(3);
        }
        self.update(text_update("agent_thought_chunk", "Reading the prompt"))
            .await;
        self.update(text_update("agent_thought_chunk", " and planning a reply."))
            .await;
        if markers.todo {
            self.update(plan_update()).await;
        }
        if markers.compact {
            for status in ["loading", "completed"] {
                self.update(json!({"sessionUpdate": "compaction", "status": status,
                    "trigger": "manual", "preTokens": 48_200}))
                    .await;
            }
        }
        if markers.tools {
            for update in tool_kinds() {
                self.update(update).await;
            }
        }
        if markers.hostile {
            for update in hostile_updates() {
                self.update(update).await;
            }
        }
        if let Some(count) = markers.items {
            for i in 1..=count {
                self.update(json!({"sessionUpdate": "tool_call",
                    "toolCallId": format!("item_{i}"), "title": format!("Read part {i}"),
                    "kind": "read", "status": "completed",
                    "rawInput": {"path": format!("part-{i}.txt")}}))
                    .await;
            }
        }
        if let Some(path) = &markers.edit
            && self.edit(path).await == Stop::Cancelled
        {
            return Ok(Stop::Cancelled);
        }
        if markers.slow && self.slow().await == Stop::Cancelled {
            return Ok(Stop::Cancelled);
        }
        if *self.cancel.borrow() {
            return Ok(Stop::Cancelled);
        }
        if markers.list {
            self.update(text_update("agent_message_chunk", markers::SUMMARY))
                .await;
        } else if let Some(path) = &markers.reply_file {
            let text = self.read_reply(path);
            let chars: Vec<char> = text.chars().collect();
            for chunk in chars.chunks(64) {
                let chunk: String = chunk.iter().collect();
                self.update(text_update("agent_message_chunk", &chunk))
                    .await;
            }
        } else if let Some((count, rate)) = markers.chunks {
            let pause = rate.map(|r| std::time::Duration::from_secs_f64(1.0 / f64::from(r)));
            for i in 1..=count {
                self.update(text_update("agent_message_chunk", &format!("c{i} ")))
                    .await;
                if let Some(pause) = pause {
                    tokio::select! {
                        () = tokio::time::sleep(pause) => {}
                        () = cancelled(&mut self.cancel) => return Ok(Stop::Cancelled),
                    }
                }
            }
        } else {
            for chunk in ["Hi", " there", "!"] {
                self.update(text_update("agent_message_chunk", chunk)).await;
            }
        }
        Ok(Stop::EndTurn)
    }

    /// The text of `REPLY_FILE`, relative to the session cwd; a clear
    /// message as the reply when it cannot be read.
    fn read_reply(&self, path: &str) -> String {
        let cwd = self
            .agent
            .with_session(&self.session_id, |s| s.record.cwd.clone())
            .unwrap_or_default();
        let full = std::path::Path::new(&cwd).join(path);
        std::fs::read_to_string(&full)
            .unwrap_or_else(|err| format!("REPLY_FILE: cannot read {}: {err}", full.display()))
    }

    /// Sends a `session/update` and records it for the history.
    async fn update(&mut self, update: Value) {
        self.agent.send_update(&self.session_id, &update).await;
        self.recorded.push(update);
    }

    async fn slow(&mut self) -> Stop {
        for tick in 0..SLOW_TICKS {
            self.update(text_update("agent_message_chunk", &format!("tick{tick} ")))
                .await;
            tokio::select! {
                () = tokio::time::sleep(SLOW_TICK) => {}
                () = cancelled(&mut self.cancel) => return Stop::Cancelled,
            }
        }
        Stop::EndTurn
    }

    /// The `EDIT_FILE` tool call, with its permission request.
    async fn edit(&mut self, rel: &str) -> Stop {
        let Some((cwd, mode, always)) = self.agent.with_session(&self.session_id, |s| {
            let r = &s.record;
            (r.cwd.clone(), r.mode_id.clone(), r.allow_always)
        }) else {
            return Stop::EndTurn;
        };
        let call_id = format!("toolu_{}", uuid::Uuid::new_v4().simple());
        let target = edit::target_path(&cwd, rel);
        let shown = target.as_ref().unwrap_or(&cwd).display().to_string();
        let tool_call = json!({
            "toolCallId": call_id,
            "title": format!("Edit {rel}"),
            "kind": "edit",
            "status": "pending",
            "locations": [{"path": shown}],
            "rawInput": {"path": shown, "content": EDIT_LINE},
        });
        let mut announce = tool_call.clone();
        announce["sessionUpdate"] = json!("tool_call");
        announce["content"] = json!([]);
        self.update(announce).await;
        let target = match target {
            Ok(target) => target,
            Err(err) => return self.fail(&call_id, &err.to_string()).await,
        };
        if !always && mode != ACCEPT_EDITS {
            match self.ask_permission(tool_call).await {
                Permission::Allowed { always: false } => {}
                Permission::Allowed { always: true } => {
                    self.agent
                        .with_session(&self.session_id, |s| s.record.allow_always = true);
                }
                Permission::Rejected => return self.fail(&call_id, "Permission denied").await,
                Permission::Cancelled => {
                    self.fail(&call_id, "Cancelled").await;
                    return Stop::Cancelled;
                }
            }
        }
        self.update(json!({"sessionUpdate": "tool_call_update",
            "toolCallId": call_id, "status": "in_progress"}))
            .await;
        match edit::append_line(&cwd, &target) {
            Ok(diff) => {
                self.update(json!({"sessionUpdate": "tool_call_update",
                    "toolCallId": call_id, "status": "completed",
                    "content": [{"type": "diff", "path": shown,
                        "oldText": diff.old_text, "newText": diff.new_text}]}))
                    .await;
                Stop::EndTurn
            }
            Err(err) => self.fail(&call_id, &err.to_string()).await,
        }
    }

    /// Reports a failed tool call; the turn goes on.
    async fn fail(&mut self, call_id: &str, text: &str) -> Stop {
        self.update(json!({"sessionUpdate": "tool_call_update",
            "toolCallId": call_id, "status": "failed",
            "content": [{"type": "content", "content": {"type": "text", "text": text}}]}))
            .await;
        Stop::EndTurn
    }

    async fn ask_permission(&mut self, tool_call: Value) -> Permission {
        let params = json!({
            "sessionId": self.session_id,
            "toolCall": tool_call,
            "options": [
                {"optionId": "allow_once", "name": "Allow once", "kind": "allow_once"},
                {"optionId": "allow_always", "name": "Always allow edits", "kind": "allow_always"},
                {"optionId": "reject_once", "name": "Reject", "kind": "reject_once"},
            ],
        });
        let (request_id, answer) = self
            .agent
            .request("session/request_permission", params)
            .await;
        let message = tokio::select! {
            message = answer => message.unwrap_or(Value::Null),
            () = cancelled(&mut self.cancel) => {
                self.agent.forget_request(request_id);
                return Permission::Cancelled;
            }
        };
        let outcome = &message["result"]["outcome"];
        match (outcome["outcome"].as_str(), outcome["optionId"].as_str()) {
            (Some("cancelled"), _) => Permission::Cancelled,
            (Some("selected"), Some("allow_once")) => Permission::Allowed { always: false },
            (Some("selected"), Some("allow_always")) => Permission::Allowed { always: true },
            _ => Permission::Rejected,
        }
    }
}

/// The `HOSTILE` updates: every text field the browser renders from a
/// thought, a plan and tool calls (titles, inputs, outputs, paths, URLs)
/// carries markup, handlers and script URLs. Inert rendering is the test.
fn hostile_updates() -> Vec<Value> {
    const JS: &str = "javascript:window.__pwned='tool'";
    const HTML: &str =
        "<img src=x onerror=\"window.__pwned='tool'\"><script>window.__pwned='tool'</script>";
    let text = |t: &str| json!([{"type": "content", "content": {"type": "text", "text": t}}]);
    vec![
        text_update("agent_thought_chunk", &format!("thinking {HTML} [x]({JS})")),
        json!({"sessionUpdate": "plan", "entries": [
            {"content": format!("step {HTML}"), "priority": "high", "status": "completed"},
            {"content": format!("[link]({JS})"), "priority": "low", "status": "pending"},
        ]}),
        json!({"sessionUpdate": "tool_call", "toolCallId": "hostile_fetch", "kind": "fetch",
            "title": format!("Fetch {HTML}"), "status": "completed",
            "rawInput": {"url": JS}, "content": text(HTML)}),
        json!({"sessionUpdate": "tool_call", "toolCallId": "hostile_shell", "kind": "execute",
            "title": HTML, "status": "failed",
            "rawInput": {"command": ["sh", "-c", HTML]},
            "rawOutput": {"output": HTML, "exitCode": 1}, "content": text(JS)}),
        json!({"sessionUpdate": "tool_call", "toolCallId": "hostile_read", "kind": "read",
            "title": format!("Read {JS}"), "status": "completed",
            "locations": [{"path": format!("/tmp/{HTML}")}],
            "rawInput": {"path": JS}, "content": text(HTML)}),
        json!({"sessionUpdate": "tool_call", "toolCallId": "hostile_other", "kind": "other",
            "title": "Other", "status": "completed",
            "rawInput": {"html": HTML, "href": JS}, "rawOutput": {"a": HTML}}),
    ]
}

/// The `USE_TODO` plan.
/// One completed tool call of each kind the browser renders by kind.
fn tool_kinds() -> Vec<Value> {
    let text = |t: &str| json!([{"type": "content", "content": {"type": "text", "text": t}}]);
    let call = |id: &str, kind: &str, title: &str, input: Value, output: Value, content: Value| {
        json!({"sessionUpdate": "tool_call", "toolCallId": id, "title": title, "kind": kind,
            "status": "completed", "rawInput": input, "rawOutput": output, "content": content})
    };
    vec![
        call(
            "tool_shell",
            "execute",
            "Run tests",
            json!({"command": ["cargo", "test", "--quiet"], "cwd": "."}),
            json!({"output": "test result: ok. 12 passed", "exitCode": 0}),
            json!([]),
        ),
        call(
            "tool_read",
            "read",
            "Read README.md",
            json!({"path": "README.md", "offset": 1, "limit": 40}),
            Value::Null,
            text("# Project\nRead me first."),
        ),
        call(
            "tool_search",
            "search",
            "Search TODO",
            json!({"pattern": "TODO"}),
            Value::Null,
            text("src/main.rs:3: // TODO tidy"),
        ),
        call(
            "tool_fetch",
            "fetch",
            "Fetch docs",
            json!({"url": "https://example.com/docs"}),
            Value::Null,
            text("Example Domain"),
        ),
        call(
            "tool_think",
            "think",
            "Plan the change",
            Value::Null,
            Value::Null,
            text("First the parser, then the tests."),
        ),
        call(
            "tool_other",
            "other",
            "Custom tool",
            json!({"answer": 42}),
            json!({"ok": true}),
            json!([]),
        ),
    ]
}

fn plan_update() -> Value {
    json!({"sessionUpdate": "plan", "entries": [
        {"content": "Read the request", "priority": "high", "status": "completed"},
        {"content": "Write the reply", "priority": "medium", "status": "in_progress"},
    ]})
}
