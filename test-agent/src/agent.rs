//! The agent's state and its answers to the ACP session methods.
//!
//! Requests are handled in read order on the main loop, except
//! `session/prompt`, whose turn runs on its own task (see `turn.rs`) so that
//! `session/cancel` and permission responses are read while it runs.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::{Value, json};
use tokio::sync::{oneshot, watch};

use crate::rpc::{self, AgentError, Incoming, Outbox};
use crate::shapes::{MODEL, MODES, commands_update, initialize_result, session_result};
use crate::store::{SessionRecord, Store};
use crate::turn;

/// One live session: its persisted record plus the running turn, if any.
pub struct Session {
    /// What is persisted.
    pub record: SessionRecord,
    /// Set to `true` by `session/cancel`; `Some` while a turn runs.
    pub turn: Option<watch::Sender<bool>>,
}

/// The whole agent: sessions, the stdout writer and our pending requests.
pub struct Agent {
    out: Outbox,
    store: Store,
    sessions: Mutex<HashMap<String, Session>>,
    pending: Mutex<HashMap<u64, oneshot::Sender<Value>>>,
    next_request_id: AtomicU64,
}

/// Locks a mutex, ignoring poisoning (a panicked turn must not wedge the rest).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A required string param.
pub fn str_param<'a>(params: &'a Value, name: &str) -> Result<&'a str, AgentError> {
    params
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| AgentError::InvalidParams(format!("missing string `{name}`")))
}

/// The required absolute `cwd` param.
fn cwd_param(params: &Value) -> Result<PathBuf, AgentError> {
    let cwd = PathBuf::from(str_param(params, "cwd")?);
    if cwd.is_absolute() {
        Ok(cwd)
    } else {
        Err(AgentError::InvalidParams("`cwd` must be absolute".into()))
    }
}

impl Agent {
    /// A fresh agent with no sessions in memory.
    pub fn new(out: Outbox, store: Store) -> Self {
        Self {
            out,
            store,
            sessions: Mutex::new(HashMap::new()),
            pending: Mutex::new(HashMap::new()),
            next_request_id: AtomicU64::new(0),
        }
    }

    /// Handles one line of input; never fails (errors go back to the client).
    pub async fn handle_line(self: &Arc<Self>, line: &[u8]) {
        if line.iter().all(u8::is_ascii_whitespace) {
            return;
        }
        match rpc::classify(line) {
            Err(err) => {
                tracing::warn!(%err, "bad input line");
                let error = json!({"code": err.code(), "message": err.to_string()});
                self.out
                    .send(&rpc::error_response(&Value::Null, error))
                    .await;
            }
            Ok(Incoming::Request { id, method, params }) => {
                self.handle_request(id, &method, params).await
            }
            Ok(Incoming::Notification { method, params }) => match method.as_str() {
                "session/cancel" => self.cancel(&params),
                _ => tracing::debug!(%method, "ignoring notification"),
            },
            Ok(Incoming::Response { id, message }) => {
                let sender = id.as_u64().and_then(|n| lock(&self.pending).remove(&n));
                match sender {
                    Some(sender) => {
                        let _ = sender.send(message);
                    }
                    None => tracing::warn!(%id, "response to no pending request"),
                }
            }
        }
    }

    async fn handle_request(self: &Arc<Self>, id: Value, method: &str, params: Value) {
        tracing::debug!(%method, "request");
        let outcome = match method {
            "initialize" => Ok(initialize_result()),
            "authenticate" => Ok(json!({})),
            "session/new" => self.new_session(&params),
            "session/load" => self.load_session(&params).await,
            "session/prompt" => match turn::start(self, id.clone(), &params) {
                Ok(()) => return,
                Err(err) => Err(err),
            },
            "session/set_mode" => self.set_mode(&params),
            "session/set_model" => self.set_model(&params),
            "session/cancel" => {
                self.cancel(&params);
                Ok(Value::Null)
            }
            other => Err(AgentError::MethodNotFound(other.to_owned())),
        };
        // Updates that follow the response, as real agents send them.
        let session_of = |v: &Value| {
            v.get("sessionId")
                .and_then(Value::as_str)
                .map(str::to_owned)
        };
        let after = match (&outcome, method) {
            (Ok(result), "session/new") => session_of(result).map(|id| (id, commands_update())),
            (Ok(_), "session/load") => session_of(&params).map(|id| (id, commands_update())),
            (Ok(_), "session/set_mode") => session_of(&params).map(|id| {
                let mode = json!({"sessionUpdate": "current_mode_update",
                    "currentModeId": params.get("modeId")});
                (id, mode)
            }),
            _ => None,
        };
        self.respond(&id, outcome).await;
        if let Some((session_id, update)) = after {
            self.send_update(&session_id, &update).await;
        }
    }

    /// Sends the response to a client request.
    pub async fn respond(&self, id: &Value, outcome: Result<Value, AgentError>) {
        let message = match outcome {
            Ok(result) => rpc::response(id, result),
            Err(err) => rpc::error_response(id, err.to_error_object()),
        };
        self.out.send(&message).await;
    }

    /// Sends one `session/update` notification.
    pub async fn send_update(&self, session_id: &str, update: &Value) {
        let params = json!({"sessionId": session_id, "update": update});
        self.out
            .send(&rpc::notification("session/update", params))
            .await;
    }

    /// Sends an agent→client request; the receiver yields the response.
    pub async fn request(&self, method: &str, params: Value) -> (u64, oneshot::Receiver<Value>) {
        let id = self.next_request_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(id, tx);
        let message = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.out.send(&message).await;
        (id, rx)
    }

    /// Drops a pending request whose answer is no longer awaited.
    pub fn forget_request(&self, id: u64) {
        lock(&self.pending).remove(&id);
    }

    /// Runs `f` on a live session, `None` if there is no such session.
    pub fn with_session<R>(&self, id: &str, f: impl FnOnce(&mut Session) -> R) -> Option<R> {
        lock(&self.sessions).get_mut(id).map(f)
    }

    /// Saves a live session's record; failures are logged only.
    pub fn persist(&self, id: &str) {
        let Some(record) = self.with_session(id, |s| s.record.clone()) else {
            return;
        };
        if let Err(err) = self.store.save(&record) {
            tracing::warn!(%err, "cannot save session");
        }
    }

    fn new_session(&self, params: &Value) -> Result<Value, AgentError> {
        let record = SessionRecord {
            session_id: uuid::Uuid::new_v4().to_string(),
            cwd: cwd_param(params)?,
            mode_id: MODES[0].0.to_owned(),
            model_id: MODEL.0.to_owned(),
            allow_always: false,
            history: Vec::new(),
        };
        self.store
            .save(&record)
            .map_err(|err| AgentError::Internal(err.to_string()))?;
        let result = session_result(&record, true);
        let id = record.session_id.clone();
        tracing::info!(session = %id, "new session");
        let session = Session { record, turn: None };
        lock(&self.sessions).insert(id, session);
        Ok(result)
    }

    async fn load_session(&self, params: &Value) -> Result<Value, AgentError> {
        let id = str_param(params, "sessionId")?;
        let cwd = cwd_param(params)?;
        let live = self.with_session(id, |s| s.record.clone());
        let mut record = match live {
            Some(record) => record,
            None => self
                .store
                .load(id)
                .map_err(|err| AgentError::Internal(err.to_string()))?
                .ok_or_else(|| AgentError::SessionNotFound(id.to_owned()))?,
        };
        record.cwd = cwd;
        let result = session_result(&record, false);
        for update in &record.history {
            self.send_update(&record.session_id, update).await;
        }
        let id = record.session_id.clone();
        lock(&self.sessions)
            .entry(id.clone())
            .and_modify(|s| s.record.cwd = record.cwd.clone())
            .or_insert(Session { record, turn: None });
        self.persist(&id);
        Ok(result)
    }

    fn set_mode(&self, params: &Value) -> Result<Value, AgentError> {
        let id = str_param(params, "sessionId")?;
        let mode = str_param(params, "modeId")?;
        if !MODES.iter().any(|(m, _, _)| *m == mode) {
            return Err(AgentError::InvalidParams(format!("unknown mode `{mode}`")));
        }
        self.with_session(id, |s| s.record.mode_id = mode.to_owned())
            .ok_or_else(|| AgentError::SessionNotFound(id.to_owned()))?;
        self.persist(id);
        Ok(json!({}))
    }

    fn set_model(&self, params: &Value) -> Result<Value, AgentError> {
        let id = str_param(params, "sessionId")?;
        let model = str_param(params, "modelId")?;
        if model != MODEL.0 {
            return Err(AgentError::InvalidParams(format!(
                "unknown model `{model}`"
            )));
        }
        self.with_session(id, |_| ())
            .ok_or_else(|| AgentError::SessionNotFound(id.to_owned()))?;
        Ok(json!({}))
    }

    fn cancel(&self, params: &Value) {
        let Some(id) = params.get("sessionId").and_then(Value::as_str) else {
            tracing::warn!("session/cancel without sessionId");
            return;
        };
        tracing::info!(session = %id, "cancel");
        self.with_session(id, |s| {
            if let Some(turn) = &s.turn {
                turn.send_replace(true);
            }
        });
    }
}
