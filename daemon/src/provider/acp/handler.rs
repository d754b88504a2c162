//! What the daemon does with the agent's notifications and requests.
//!
//! `session/update`s become [`SessionEvent`]s right on the read loop (the
//! mapping is cheap and the event channel unbounded, so order is kept).
//! `session/request_permission` becomes a [`SessionEvent::Permission`] whose
//! reply the agent manager completes when a user answers; we then answer
//! the agent with the chosen option, or "cancelled" when the reply is
//! dropped or the turn is cancelled (ACP requires that answer on cancel).
//! We advertise no fs/terminal capability, so those methods are refused.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::future::BoxFuture;
use protocol::{
    PermissionAction, PermissionBehavior, PermissionKind, PermissionRequest, PermissionResponse,
};
use rand::RngCore;
use serde_json::{Value, json};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use super::client::InboundHandler;
use super::jsonrpc::{METHOD_NOT_FOUND, RpcErrorObject};
use super::mapping::{Mapped, ToolState, UpdateMapper, tool_detail, tool_name};
use crate::provider::SessionEvent;

/// Shared between the read loop, permission tasks and the session.
pub struct HandlerState {
    provider: String,
    events: mpsc::UnboundedSender<SessionEvent>,
    mapper: Mutex<UpdateMapper>,
    /// The running turn's cancel flag, so permission waits end on cancel.
    turn_cancel: Mutex<Option<watch::Receiver<bool>>>,
    /// Permission requests waiting for a user (pauses the idle timeout).
    waiting_for_user: AtomicUsize,
    /// When a user last answered (counts as activity for the idle timeout).
    last_answer: Mutex<Option<Instant>>,
    /// Set once `open` succeeded: only then is an exit worth reporting.
    pub opened: AtomicBool,
}

impl HandlerState {
    /// State for one session of `provider`, emitting into `events`.
    pub fn new(provider: &str, events: mpsc::UnboundedSender<SessionEvent>) -> Arc<Self> {
        Arc::new(Self {
            provider: provider.to_owned(),
            events,
            mapper: Mutex::new(UpdateMapper::default()),
            turn_cancel: Mutex::new(None),
            waiting_for_user: AtomicUsize::new(0),
            last_answer: Mutex::new(None),
            opened: AtomicBool::new(false),
        })
    }

    /// Sends an event; a closed channel means the manager is gone, which
    /// is not ours to report.
    pub fn emit(&self, event: SessionEvent) {
        let _ = self.events.send(event);
    }

    /// The update mapper (poisoning is recovered: it holds no invariants
    /// a panic could break halfway).
    pub fn mapper(&self) -> MutexGuard<'_, UpdateMapper> {
        self.mapper
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sets (or clears) the running turn's cancel flag.
    pub fn set_turn_cancel(&self, cancel: Option<watch::Receiver<bool>>) {
        *self.turn_cancel.lock().unwrap_or_else(|p| p.into_inner()) = cancel;
    }

    /// Whether a permission request is waiting for a user.
    pub fn waiting_for_user(&self) -> bool {
        self.waiting_for_user.load(Ordering::SeqCst) > 0
    }

    /// When a user last answered a permission request.
    pub fn last_answer(&self) -> Option<Instant> {
        *self.last_answer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Marks every running tool call canceled (after a canceled turn).
    pub fn cancel_running_tools(&self) {
        let rows = self.mapper().cancel_running();
        for row in rows {
            self.emit(SessionEvent::Item(row));
        }
    }

    async fn permission(self: Arc<Self>, params: Value) -> Result<Value, RpcErrorObject> {
        let tool_call = params.get("toolCall").cloned().unwrap_or(Value::Null);
        let state = self
            .mapper()
            .merge_tool_call(&tool_call)
            .unwrap_or_default();
        let options = options(&params);
        let request = permission_request(&self.provider, &state, &options);
        tracing::info!(provider = %self.provider, request = %request.id, tool = %request.name, "permission requested");
        let (reply, answer) = oneshot::channel();
        self.emit(SessionEvent::Permission { request, reply });
        let cancel = self
            .turn_cancel
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        self.waiting_for_user.fetch_add(1, Ordering::SeqCst);
        let response = tokio::select! {
            response = answer => response.ok(),
            () = cancelled(cancel) => None,
        };
        self.waiting_for_user.fetch_sub(1, Ordering::SeqCst);
        *self.last_answer.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        Ok(outcome(&options, response.as_ref()))
    }
}

/// Resolves when the turn is cancelled; never without a turn.
async fn cancelled(cancel: Option<watch::Receiver<bool>>) {
    match cancel {
        Some(mut cancel) => {
            if cancel.wait_for(|c| *c).await.is_err() {
                // The turn ended; the agent will not wait for this answer.
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending().await,
    }
}

/// The [`InboundHandler`] of one session.
pub struct Handler(pub Arc<HandlerState>);

impl InboundHandler for Handler {
    fn notification(&self, method: &str, params: Value) {
        if method != "session/update" {
            tracing::debug!(provider = %self.0.provider, method, "ignoring notification");
            return;
        }
        let update = params.get("update").unwrap_or(&Value::Null);
        let mapped = self.0.mapper().map(update);
        for event in mapped {
            self.0.emit(match event {
                Mapped::Item(item) => SessionEvent::Item(item),
                Mapped::ModeChanged(mode_id) => SessionEvent::ModeChanged { mode_id },
                Mapped::Usage(usage) => SessionEvent::Usage(usage),
            });
        }
    }

    fn request(
        &self,
        method: String,
        params: Value,
    ) -> BoxFuture<'static, Result<Value, RpcErrorObject>> {
        if method == "session/request_permission" {
            return Box::pin(self.0.clone().permission(params));
        }
        tracing::debug!(provider = %self.0.provider, %method, "refusing agent request");
        let message =
            format!("{method} is not supported: paseo-daemon offers no fs or terminal capability");
        Box::pin(async move { Err(RpcErrorObject::new(METHOD_NOT_FOUND, message)) })
    }
}

/// One ACP permission option.
#[derive(Debug, Clone, PartialEq)]
pub struct AcpOption {
    /// `optionId`.
    pub id: String,
    /// Button label.
    pub name: String,
    /// `allow_once`, `allow_always`, `reject_once`, `reject_always`.
    pub kind: String,
}

impl AcpOption {
    fn behavior(&self) -> PermissionBehavior {
        if self.kind.starts_with("allow") {
            PermissionBehavior::Allow
        } else {
            PermissionBehavior::Deny
        }
    }
}

/// The options of a `session/request_permission`.
pub fn options(params: &Value) -> Vec<AcpOption> {
    let field = |o: &Value, key: &str| {
        o.get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    params
        .get("options")
        .and_then(Value::as_array)
        .map(|options| {
            options
                .iter()
                .filter(|o| o.get("optionId").and_then(Value::as_str).is_some())
                .map(|o| AcpOption {
                    id: field(o, "optionId"),
                    name: field(o, "name"),
                    kind: field(o, "kind"),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The Paseo permission request for a tool call and its options.
pub fn permission_request(
    provider: &str,
    state: &ToolState,
    options: &[AcpOption],
) -> PermissionRequest {
    // Action ids are the ACP option kinds when those are unique (every
    // agent seen here): `allow_once`, `allow_always`, `reject_once` mean
    // the same for every agent, whatever its own option ids. Otherwise
    // the agent's option ids. `outcome` accepts both.
    let kinds_unique = options.iter().enumerate().all(|(i, o)| {
        !o.kind.is_empty() && options[..i].iter().all(|earlier| earlier.kind != o.kind)
    });
    let actions = options
        .iter()
        .map(|option| PermissionAction {
            id: if kinds_unique {
                option.kind.clone()
            } else {
                option.id.clone()
            },
            label: if option.name.is_empty() {
                option.id.clone()
            } else {
                option.name.clone()
            },
            behavior: option.behavior(),
            variant: Some(
                if option.kind == "allow_once" {
                    "primary"
                } else {
                    "secondary"
                }
                .to_owned(),
            ),
            intent: None,
        })
        .collect();
    PermissionRequest {
        id: new_uuid(),
        provider: provider.to_owned(),
        name: tool_name(state),
        // As Paseo: switching modes is a mode prompt, the rest tool prompts.
        kind: if state.kind.as_deref() == Some("switch_mode") {
            PermissionKind::Mode
        } else {
            PermissionKind::Tool
        },
        title: state.title.clone(),
        description: None,
        input: Some(state.raw_input.clone()).filter(|input| !input.is_null()),
        detail: Some(tool_detail(state)),
        suggestions: None,
        actions: Some(actions),
        metadata: (!state.call_id.is_empty()).then(|| json!({"toolCallId": state.call_id})),
    }
}

/// The answer to the agent: the selected option if it matches the
/// behavior, else the first option with that behavior (a one-time choice
/// first), else "cancelled". `selectedActionId` is an action's id, which
/// is an ACP option kind (`allow_once`, `allow_always`, `reject_once`,
/// `reject_always`) or, where kinds repeat, the agent's `optionId`.
pub fn outcome(options: &[AcpOption], response: Option<&PermissionResponse>) -> Value {
    let cancelled = json!({"outcome": {"outcome": "cancelled"}});
    let Some(response) = response else {
        return cancelled;
    };
    let behavior = response.behavior();
    let selected = match response {
        PermissionResponse::Allow {
            selected_action_id, ..
        }
        | PermissionResponse::Deny {
            selected_action_id, ..
        } => selected_action_id.as_deref(),
    };
    let matching = |o: &&AcpOption| o.behavior() == behavior;
    let chosen = selected
        .and_then(|id| {
            options
                .iter()
                .filter(matching)
                .find(|o| o.id == id)
                .or_else(|| options.iter().filter(matching).find(|o| o.kind == id))
        })
        .or_else(|| {
            options
                .iter()
                .filter(matching)
                .find(|o| o.kind.ends_with("_once"))
        })
        .or_else(|| options.iter().find(matching));
    match chosen {
        Some(option) => json!({"outcome": {"outcome": "selected", "optionId": option.id}}),
        None => cancelled,
    }
}

/// A random UUID v4 (permission request ids must be unique daemon-wide).
fn new_uuid() -> String {
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|byte| format!("{byte:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claude_options() -> Vec<AcpOption> {
        options(&json!({"options": [
            {"kind": "allow_always", "name": "Always Allow", "optionId": "allow_always"},
            {"kind": "allow_once", "name": "Allow", "optionId": "allow"},
            {"kind": "reject_once", "name": "Reject", "optionId": "reject"}]}))
    }

    fn allow(selected: Option<&str>) -> PermissionResponse {
        PermissionResponse::Allow {
            selected_action_id: selected.map(str::to_owned),
            updated_input: None,
            updated_permissions: None,
        }
    }

    fn deny() -> PermissionResponse {
        PermissionResponse::Deny {
            selected_action_id: None,
            message: None,
            interrupt: None,
        }
    }

    fn chosen(value: Value) -> Option<String> {
        value
            .pointer("/outcome/optionId")
            .and_then(Value::as_str)
            .map(str::to_owned)
    }

    #[test]
    fn answers_follow_selection_then_behavior() {
        let opts = claude_options();
        assert_eq!(
            chosen(outcome(&opts, Some(&allow(Some("allow_always"))))).as_deref(),
            Some("allow_always")
        );
        assert_eq!(
            chosen(outcome(&opts, Some(&allow(None)))).as_deref(),
            Some("allow")
        );
        // A selection whose behavior does not match is ignored.
        assert_eq!(
            chosen(outcome(&opts, Some(&allow(Some("reject"))))).as_deref(),
            Some("allow")
        );
        assert_eq!(
            chosen(outcome(&opts, Some(&deny()))).as_deref(),
            Some("reject")
        );
        // An ACP option kind selects the option of that kind.
        assert_eq!(
            chosen(outcome(&opts, Some(&allow(Some("allow_once"))))).as_deref(),
            Some("allow")
        );
        assert_eq!(
            outcome(&opts, None),
            json!({"outcome": {"outcome": "cancelled"}})
        );
        assert_eq!(
            outcome(&opts[..2], Some(&deny())),
            json!({"outcome": {"outcome": "cancelled"}})
        );
    }

    #[test]
    fn request_carries_actions_and_detail() {
        let mut mapper = UpdateMapper::default();
        let tool = json!({"toolCallId": "toolu_fake1", "rawInput": {"command": "touch x"},
            "title": "touch x", "kind": "execute", "_meta": {"claudeCode": {"toolName": "Bash"}}});
        let state = mapper.merge_tool_call(&tool).unwrap_or_default();
        let request = permission_request("claude", &state, &claude_options());
        assert_eq!(request.name, "execute", "named by its ACP kind");
        assert_eq!(request.title.as_deref(), Some("touch x"));
        assert_eq!(request.kind, PermissionKind::Tool);
        assert_eq!(request.id.len(), 36);
        let actions = request.actions.unwrap_or_default();
        assert_eq!(actions.len(), 3);
        assert_eq!(
            actions[1].id, "allow_once",
            "the ACP kind, not claude's option id"
        );
        assert_eq!(actions[2].behavior, PermissionBehavior::Deny);
        let detail = serde_json::to_value(&request.detail).unwrap_or_default();
        assert_eq!(detail["type"], "shell");
        assert_eq!(detail["command"], "touch x");
    }
}
