//! One open ACP session: turns, cancel, mode/model changes, shutdown.
//!
//! A turn is one `session/prompt` request. Real agents make its end
//! unreliable (ACP notes §5), so the turn is bounded three ways: an idle
//! timeout (nothing from the agent for `prompt_idle`, not counting time
//! spent waiting for a user's permission answer; opencode and gemini can
//! hang silently), a cancel grace (after `session/cancel`, whatever comes
//! first — `cancelled`, opencode's `end_turn`, an error, or nothing within
//! `cancel_grace` — ends the turn as canceled), and the process exit
//! (→ `Crashed`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::time::{Instant, sleep_until};

use super::client::{AcpClient, ClientError};
use super::errors::ErrorContext;
use super::handler::HandlerState;
use super::jsonrpc::METHOD_NOT_FOUND;
use super::process::AgentProcess;
use super::timeouts::AcpTimeouts;
use crate::provider::{AgentSession, ProviderError, TurnEnd};

/// Everything a session's futures share.
pub(super) struct SessionInner {
    pub session_id: String,
    pub client: AcpClient,
    pub process: Arc<AgentProcess>,
    pub state: Arc<HandlerState>,
    pub timeouts: AcpTimeouts,
    pub errors: ErrorContext,
    /// The running turn's cancel flag; `None` between turns.
    pub turn: Mutex<Option<watch::Sender<bool>>>,
}

/// An open ACP session. Dropping it without [`AgentSession::shutdown`]
/// kills the agent's process group.
pub struct AcpSession {
    pub(super) inner: Arc<SessionInner>,
}

impl Drop for AcpSession {
    fn drop(&mut self) {
        if !self.inner.process.is_stopping() {
            tracing::debug!(provider = %self.inner.errors.provider, "session dropped; killing agent");
            self.inner.process.kill_now();
        }
    }
}

impl AgentSession for AcpSession {
    fn prompt(&self, text: String) -> BoxFuture<'static, Result<TurnEnd, ProviderError>> {
        Box::pin(run_turn(self.inner.clone(), text))
    }

    fn cancel(&self) -> BoxFuture<'static, ()> {
        let inner = self.inner.clone();
        Box::pin(async move {
            let turn = inner.turn.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(cancel) = turn.as_ref()
                && !*cancel.borrow()
            {
                tracing::info!(provider = %inner.errors.provider, "cancelling turn");
                inner
                    .client
                    .notify("session/cancel", json!({"sessionId": inner.session_id}));
                cancel.send_replace(true);
            }
        })
    }

    fn set_mode(&self, mode_id: String) -> BoxFuture<'static, Result<(), ProviderError>> {
        let inner = self.inner.clone();
        Box::pin(async move {
            inner
                .set_option("session/set_mode", "modeId", "mode", mode_id)
                .await
        })
    }

    fn set_model(&self, model: String) -> BoxFuture<'static, Result<(), ProviderError>> {
        let inner = self.inner.clone();
        Box::pin(async move {
            inner
                .set_option("session/set_model", "modelId", "model", model)
                .await
        })
    }

    fn shutdown(&self) -> BoxFuture<'static, ()> {
        let inner = self.inner.clone();
        Box::pin(async move {
            inner.process.shutdown(inner.timeouts.shutdown_grace).await;
            inner.client.close();
        })
    }
}

impl SessionInner {
    /// `method` (`session/set_mode`, unstable `session/set_model`), falling
    /// back to `session/set_config_option` for agents that only have
    /// config options (opencode).
    pub(super) async fn set_option(
        &self,
        method: &str,
        key: &str,
        config_id: &str,
        value: String,
    ) -> Result<(), ProviderError> {
        let within = self.timeouts.request;
        let params = json!({"sessionId": self.session_id, key: value});
        let first = tokio::time::timeout(within, self.client.request(method, params))
            .await
            .map_err(|_| self.errors.timeout(method, within))?;
        let result = match first {
            Err(ClientError::Rpc(error)) if error.code == METHOD_NOT_FOUND => {
                let fallback = "session/set_config_option";
                let params =
                    json!({"sessionId": self.session_id, "configId": config_id, "value": value});
                tokio::time::timeout(within, self.client.request(fallback, params))
                    .await
                    .map_err(|_| self.errors.timeout(fallback, within))?
            }
            other => other,
        };
        result.map(drop).map_err(|err| self.errors.map(err, method))
    }
}

/// Clears the turn slot however the turn ends (also when its future is
/// dropped).
struct TurnGuard(Arc<SessionInner>);

impl Drop for TurnGuard {
    fn drop(&mut self) {
        *self.0.turn.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.0.state.set_turn_cancel(None);
    }
}

async fn run_turn(inner: Arc<SessionInner>, text: String) -> Result<TurnEnd, ProviderError> {
    let (cancel_tx, mut cancel_rx) = watch::channel(false);
    {
        let mut turn = inner.turn.lock().unwrap_or_else(|p| p.into_inner());
        if turn.is_some() {
            return Err(ProviderError::Protocol(
                "a turn is already running".to_owned(),
            ));
        }
        *turn = Some(cancel_tx);
    }
    inner.state.set_turn_cancel(Some(cancel_rx.clone()));
    let _guard = TurnGuard(inner.clone());
    let started = Instant::now();
    let params = json!({"sessionId": inner.session_id, "prompt": [{"type": "text", "text": text}]});
    let request = inner.client.request("session/prompt", params);
    tokio::pin!(request);
    let idle = inner.timeouts.prompt_idle;
    let mut cancel_deadline: Option<Instant> = None;
    loop {
        let idle_deadline = idle_deadline(&inner, idle, started);
        tokio::select! {
            biased;
            result = &mut request => {
                let end = finish(&inner, result, cancel_deadline.is_some()).await;
                tracing::debug!(provider = %inner.errors.provider, elapsed_ms = started.elapsed().as_millis() as u64, ?end, "turn ended");
                return end;
            }
            _ = cancel_rx.changed(), if cancel_deadline.is_none() => {
                cancel_deadline = Some(Instant::now() + inner.timeouts.cancel_grace);
            }
            () = sleep_until(cancel_deadline.unwrap_or_else(Instant::now)), if cancel_deadline.is_some() => {
                tracing::warn!(provider = %inner.errors.provider, "agent did not confirm the cancel; ending the turn anyway");
                inner.state.cancel_running_tools();
                return Ok(TurnEnd::Canceled);
            }
            () = sleep_until(idle_deadline), if cancel_deadline.is_none() => {
                if idle_deadline_passed(&inner, idle, started) {
                    inner.client.notify("session/cancel", json!({"sessionId": inner.session_id}));
                    return Err(ProviderError::Timeout(format!(
                        "{} sent nothing for {} s, so the turn was stopped. The agent may be retrying an unreachable API; check its network and credentials.",
                        inner.errors.label,
                        idle.as_secs_f64().round()
                    )));
                }
            }
        }
    }
}

/// When the turn times out unless the agent says something: idle time
/// counts from the turn's start, the agent's last message or the last
/// permission answer (whichever is latest), and does not run while a user
/// is being asked.
fn idle_deadline(inner: &SessionInner, idle: Duration, started: Instant) -> Instant {
    if inner.state.waiting_for_user() {
        return Instant::now() + idle;
    }
    let last = inner.client.last_activity().max(started);
    let last = inner
        .state
        .last_answer()
        .map_or(last, |answer| answer.max(last));
    last + idle
}

fn idle_deadline_passed(inner: &SessionInner, idle: Duration, started: Instant) -> bool {
    idle_deadline(inner, idle, started) <= Instant::now()
}

async fn finish(
    inner: &SessionInner,
    result: Result<Value, ClientError>,
    cancel_requested: bool,
) -> Result<TurnEnd, ProviderError> {
    match result {
        Ok(response) => {
            let stop = response
                .get("stopReason")
                .and_then(Value::as_str)
                .unwrap_or("end_turn");
            if cancel_requested || stop == "cancelled" {
                inner.state.cancel_running_tools();
                Ok(TurnEnd::Canceled)
            } else {
                if stop != "end_turn" {
                    tracing::info!(provider = %inner.errors.provider, stop, "turn stopped early");
                }
                Ok(TurnEnd::Completed)
            }
        }
        Err(ClientError::Rpc(_)) if cancel_requested => {
            inner.state.cancel_running_tools();
            Ok(TurnEnd::Canceled)
        }
        Err(ClientError::Closed) => Err(inner
            .errors
            .crashed(&inner.process, "during the turn")
            .await),
        Err(err) => Err(inner.errors.map(err, "session/prompt")),
    }
}
