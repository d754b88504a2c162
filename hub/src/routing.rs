//! Sending requests to one daemon through the hub's shared connection.
//!
//! Why the status check comes first: a caller (a server function behind a
//! button) must learn at once that a daemon is away, with the reason the
//! settings page shows, instead of hanging until a timeout. The check is
//! repeated by the actor (the daemon may drop between check and send), and
//! every request still waiting when the connection ends fails the same way.

use std::time::Duration;

use protocol::{
    FetchAgentTimelineRequest, FetchAgentTimelineResponse, SessionMessage, SessionRequest,
};
use tokio::sync::oneshot;

use crate::connection::Command;
use crate::connection::requests::expects_reply;
use crate::error::HubError;
use crate::hub::{Hub, Inner};
use crate::state::ConnectionStatus;
use crate::sync::lock;
use crate::target::DaemonKey;

impl Hub {
    /// Sends `request` to `key`'s daemon and waits for the reply with the
    /// same `requestId` (the caller's id is kept; the wire uses a hub-unique
    /// one), up to [`crate::HubConfig::request_timeout`]. `rpc_error` and
    /// `agent_create_failed` come back as typed errors; an offline daemon,
    /// or one that drops while the request waits, as
    /// [`HubError::DaemonUnavailable`] at once.
    pub async fn request(
        &self,
        key: &DaemonKey,
        request: SessionRequest,
    ) -> Result<SessionMessage, HubError> {
        let timeout = self.config().request_timeout;
        self.request_with_timeout(key, request, timeout).await
    }

    /// [`Hub::request`] with its own timeout (e.g. `wait_for_finish`).
    pub async fn request_with_timeout(
        &self,
        key: &DaemonKey,
        request: SessionRequest,
        timeout: Duration,
    ) -> Result<SessionMessage, HubError> {
        let request_type = request.type_name();
        if !expects_reply(&request) {
            return Err(HubError::NoReply { request_type });
        }
        let (reply, answer) = oneshot::channel();
        self.inner
            .dispatch(key, Command::Request { request, reply })?;
        match tokio::time::timeout(timeout, answer).await {
            Err(_) => Err(HubError::Timeout {
                key: key.clone(),
                request_type,
                after: timeout,
            }),
            // The actor stopped (nobody watches the daemon any more).
            Ok(Err(_)) => Err(self.inner.unavailable(key)),
            Ok(Ok(result)) => result,
        }
    }

    /// Fetches a page of a timeline by cursor (older rows, another
    /// projection, …): [`Hub::request`] with the answer unwrapped. The
    /// daemon's `error` comes back as `Ok` with `error` set, as sent.
    pub async fn fetch_timeline(
        &self,
        key: &DaemonKey,
        request: FetchAgentTimelineRequest,
    ) -> Result<FetchAgentTimelineResponse, HubError> {
        let request = SessionRequest::FetchAgentTimelineRequest(request);
        match self.request(key, request).await? {
            SessionMessage::FetchAgentTimelineResponse(page) => Ok(page),
            other => Err(HubError::Rpc {
                request_type: "fetch_agent_timeline_request".into(),
                code: None,
                message: format!("unexpected answer {}", other.type_name()),
            }),
        }
    }

    /// Sends a message that gets no reply (`agent_permission_response`,
    /// `cancel_agent_request` without `requestId`, `client_heartbeat`, …).
    /// Returns once it is written to the daemon's socket.
    pub async fn send(&self, key: &DaemonKey, request: SessionRequest) -> Result<(), HubError> {
        let (sent, written) = oneshot::channel();
        self.inner.dispatch(key, Command::Send { request, sent })?;
        written
            .await
            .unwrap_or_else(|_| Err(self.inner.unavailable(key)))
    }
}

impl Inner {
    /// Hands a command to `key`'s actor if the daemon is online; otherwise
    /// (or if the actor is gone) the error to return at once.
    fn dispatch(&self, key: &DaemonKey, command: Command) -> Result<(), HubError> {
        let registry = lock(&self.registry);
        let Some(handle) = registry.get(key) else {
            return Err(HubError::NotWatched { key: key.clone() });
        };
        let snapshot = lock(&handle.view).state.snapshot().clone();
        if snapshot.status != ConnectionStatus::Online {
            return Err(HubError::DaemonUnavailable {
                key: key.clone(),
                status: snapshot.status,
                last_error: snapshot.last_error,
            });
        }
        handle
            .commands
            .send(command)
            .map_err(|_| HubError::DaemonUnavailable {
                key: key.clone(),
                status: ConnectionStatus::Idle,
                last_error: None,
            })
    }

    /// `DaemonUnavailable` with `key`'s current state.
    pub(crate) fn unavailable(&self, key: &DaemonKey) -> HubError {
        let snapshot = self.read(key, |view| view.state.snapshot().clone());
        let (status, last_error) = snapshot
            .map(|s| (s.status, s.last_error))
            .unwrap_or((ConnectionStatus::Idle, None));
        HubError::DaemonUnavailable {
            key: key.clone(),
            status,
            last_error,
        }
    }
}
