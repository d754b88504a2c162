//! Routing caller requests through the one shared daemon connection.
//!
//! Why rewrite request ids: many browsers share one daemon session, and two
//! of them may both send `requestId: "r1"`. Each request goes out under a
//! hub-unique wire id (`hub-rq-N`) and its reply is handed back with the
//! caller's id restored, so correlation can never cross callers. Replies are
//! matched by `requestId` whatever carries it (typed responses, the `status`
//! results of create/resume/import, `rpc_error`), and failures become typed
//! [`HubError`]s. Entries whose caller gave up (timeout, dropped future) are
//! pruned; every entry still waiting fails at once when the connection ends.

use std::collections::HashMap;

use protocol::{SessionMessage, SessionRequest, StatusPayload};

use serde_json::Value;
use tokio::sync::oneshot;

use crate::error::HubError;

const WIRE_PREFIX: &str = "hub-rq-";

pub(crate) type Reply = oneshot::Sender<Result<SessionMessage, HubError>>;

struct Waiting {
    original_id: String,
    request_type: &'static str,
    reply: Reply,
}

/// Requests sent on the current connection and not yet answered.
#[derive(Default)]
pub(crate) struct PendingRequests {
    waiting: HashMap<String, Waiting>,
    next: u64,
}

impl PendingRequests {
    /// Registers `request` and returns the session message to send (with
    /// the wire id), or the error to answer at once.
    pub(crate) fn register(
        &mut self,
        request: &SessionRequest,
        reply: Reply,
    ) -> Result<Value, (Reply, HubError)> {
        let request_type = request.type_name();
        let Some(original_id) = request.request_id().filter(|_| expects_reply(request)) else {
            return Err((reply, HubError::NoReply { request_type }));
        };
        let mut message = match serde_json::to_value(request) {
            Ok(message) => message,
            Err(err) => return Err((reply, HubError::Encode(err.to_string()))),
        };
        self.next += 1;
        let wire_id = format!("{WIRE_PREFIX}{}", self.next);
        if let Some(fields) = message.as_object_mut() {
            fields.insert("requestId".into(), Value::String(wire_id.clone()));
            if matches!(request, SessionRequest::FetchAgentsRequest(_)) {
                // The hub owns this session's agent subscription.
                fields.remove("subscribe");
            }
        }
        self.waiting.insert(
            wire_id,
            Waiting {
                original_id: original_id.to_owned(),
                request_type,
                reply,
            },
        );
        Ok(message)
    }

    /// If `message` answers a waiting request, completes it and returns
    /// `None`; otherwise gives the message back.
    pub(crate) fn complete(&mut self, message: SessionMessage) -> Option<SessionMessage> {
        let Some(waiting) = reply_request_id(&message).and_then(|id| self.waiting.remove(id))
        else {
            return Some(message);
        };
        let outcome = outcome(message, &waiting.original_id, waiting.request_type);
        if waiting.reply.send(outcome).is_err() {
            tracing::debug!(
                request_type = waiting.request_type,
                "reply after the caller gave up"
            );
        }
        None
    }

    /// Forgets requests whose caller stopped waiting.
    pub(crate) fn prune(&mut self) {
        self.waiting.retain(|_, waiting| !waiting.reply.is_closed());
    }

    /// Fails every waiting request with `error`.
    pub(crate) fn fail_all(&mut self, error: &HubError) {
        for (_, waiting) in self.waiting.drain() {
            let _ = waiting.reply.send(Err(error.clone()));
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.waiting.len()
    }
}

/// Whether the daemon answers `request` with a message carrying its id
/// (`agent_permission_response` only answers failures; notifications never).
pub(crate) fn expects_reply(request: &SessionRequest) -> bool {
    !matches!(
        request,
        SessionRequest::AgentPermissionResponse(_)
            | SessionRequest::UnsubscribeCheckoutDiffRequest(_)
            | SessionRequest::ClientHeartbeat(_)
            | SessionRequest::Unknown
    ) && request.request_id().is_some()
}

/// The `requestId` a reply echoes: protocol's one list of reply types, so
/// a new request type answers its caller without a change here.
pub(crate) fn reply_request_id(message: &SessionMessage) -> Option<&str> {
    message.request_id()
}

/// The caller's result: failures typed, success with the caller's id back.
fn outcome(
    message: SessionMessage,
    original_id: &str,
    request_type: &'static str,
) -> Result<SessionMessage, HubError> {
    match message {
        SessionMessage::RpcError(err) => Err(HubError::Rpc {
            request_type: err.request_type.unwrap_or_else(|| request_type.to_owned()),
            code: err.code,
            message: err.error,
        }),
        SessionMessage::Status(StatusPayload::AgentCreateFailed {
            error, error_code, ..
        }) => Err(HubError::AgentCreateFailed {
            message: error,
            code: error_code,
        }),
        message => Ok(with_request_id(message, original_id)),
    }
}

/// `message` with its payload's `requestId` set to `id` (a JSON round trip:
/// replies are rare next to stream pushes, and every reply type has the key
/// in the same place).
fn with_request_id(message: SessionMessage, id: &str) -> SessionMessage {
    let restored = serde_json::to_value(&message).and_then(|mut value| {
        if let Some(payload) = value.get_mut("payload").and_then(Value::as_object_mut) {
            payload.insert("requestId".into(), Value::String(id.to_owned()));
        }
        serde_json::from_value(value)
    });
    match restored {
        Ok(restored) => restored,
        Err(err) => {
            tracing::warn!(%err, "could not restore a reply's request id");
            message
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session_request(value: Value) -> SessionRequest {
        serde_json::from_value(value).unwrap()
    }

    fn message(value: Value) -> SessionMessage {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn two_callers_with_the_same_id_get_their_own_replies() {
        let mut pending = PendingRequests::default();
        let request = session_request(
            json!({"type": "fetch_agent_request", "requestId": "r1", "agentId": "a"}),
        );
        let (tx1, mut rx1) = oneshot::channel();
        let (tx2, mut rx2) = oneshot::channel();
        let first = pending.register(&request, tx1).ok().unwrap();
        let second = pending.register(&request, tx2).ok().unwrap();
        assert_ne!(first["requestId"], second["requestId"]);
        let reply = |id: &Value| {
            message(json!({"type": "fetch_agent_response", "payload": {
                "requestId": id, "agent": null, "project": null, "error": "Agent not found: a"}}))
        };
        assert!(pending.complete(reply(&second["requestId"])).is_none());
        assert!(rx1.try_recv().is_err(), "first still waiting");
        let Ok(Ok(SessionMessage::FetchAgentResponse(answer))) = rx2.try_recv() else {
            panic!("second answered");
        };
        assert_eq!(answer.request_id, "r1", "caller's id restored");
        assert!(pending.complete(reply(&first["requestId"])).is_none());
        assert!(rx1.try_recv().is_ok());
    }

    #[test]
    fn rpc_error_becomes_a_typed_error() {
        let mut pending = PendingRequests::default();
        let (tx, mut rx) = oneshot::channel();
        let sent = pending
            .register(
                &session_request(
                    json!({"type": "archive_agent_request", "requestId": "r", "agentId": "x"}),
                ),
                tx,
            )
            .ok()
            .unwrap();
        pending.complete(message(json!({"type": "rpc_error", "payload": {
            "requestId": sent["requestId"], "requestType": "archive_agent_request",
            "error": "Request failed: Agent not found: x", "code": "handler_error"}})));
        let Ok(Err(HubError::Rpc { code, .. })) = rx.try_recv() else {
            panic!("rpc error expected");
        };
        assert_eq!(code.as_deref(), Some("handler_error"));
    }

    #[test]
    fn create_failure_status_is_correlated_and_typed() {
        let mut pending = PendingRequests::default();
        let (tx, mut rx) = oneshot::channel();
        let sent = pending
            .register(
                &session_request(json!({"type": "create_agent_request", "requestId": "c",
                "config": {"provider": "nope", "cwd": "/tmp"}})),
                tx,
            )
            .ok()
            .unwrap();
        pending.complete(message(json!({"type": "status", "payload": {
            "status": "agent_create_failed", "requestId": sent["requestId"], "error": "no such provider"}})));
        assert!(matches!(
            rx.try_recv(),
            Ok(Err(HubError::AgentCreateFailed { .. }))
        ));
    }

    #[test]
    fn notifications_are_refused_and_subscriptions_stripped() {
        let mut pending = PendingRequests::default();
        let (tx, _rx) = oneshot::channel();
        let cancel = session_request(json!({"type": "cancel_agent_request", "agentId": "a"}));
        assert!(matches!(
            pending.register(&cancel, tx),
            Err((_, HubError::NoReply { .. }))
        ));
        let (tx, _rx) = oneshot::channel();
        let list = session_request(
            json!({"type": "fetch_agents_request", "requestId": "l", "subscribe": {}}),
        );
        let sent = pending.register(&list, tx).ok().unwrap();
        assert!(sent.get("subscribe").is_none());
    }

    #[test]
    fn fail_all_answers_everyone_and_prune_drops_abandoned() {
        let mut pending = PendingRequests::default();
        let request = session_request(
            json!({"type": "fetch_agent_request", "requestId": "r", "agentId": "a"}),
        );
        let (tx, rx) = oneshot::channel();
        assert!(pending.register(&request, tx).is_ok());
        drop(rx);
        pending.prune();
        assert_eq!(pending.len(), 0);
        let (tx, mut rx) = oneshot::channel();
        assert!(pending.register(&request, tx).is_ok());
        pending.fail_all(&HubError::NoReply { request_type: "x" });
        assert!(matches!(rx.try_recv(), Ok(Err(_))));
    }
}
