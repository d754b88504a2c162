//! "Test connection": one short-lived connection to a daemon that is not
//! (yet) watched — TCP, the WebSocket upgrade with the password, `hello`,
//! `server_info` — then a normal close. It shares the connection code (and
//! its failure wording) with the hub's actors but never joins the registry:
//! a probe cannot disturb a live connection or leave one behind.

use std::time::Duration;

use futures_util::SinkExt;
use protocol::{ClientType, Hello, PROTOCOL_VERSION};
use serde::{Deserialize, Serialize};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::Hub;
use crate::connection::connect;
use crate::error::HubError;
use crate::target::DaemonTarget;

/// What went wrong, in kinds the browser turns into sentences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// Nothing listens there (or the daemon refused the upgrade).
    Refused,
    /// No answer in time.
    TimedOut,
    /// The host name does not resolve.
    HostNotFound,
    /// The TLS handshake failed.
    Tls,
    /// The daemon needs a password and none was given.
    PasswordRequired,
    /// The password was rejected.
    WrongPassword,
    /// Something answered, but not a Paseo daemon.
    NotPaseo,
    /// A Paseo daemon speaking another protocol version.
    VersionMismatch,
    /// The URL itself is unusable (scheme, credentials in it, no host).
    InvalidUrl,
    /// The probe was not allowed (the operator's daemon-host allowlist).
    NotAllowed,
    Other,
}

/// A daemon that answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeInfo {
    /// The daemon's `srv_` id.
    pub daemon_id: String,
    pub hostname: Option<String>,
    pub version: Option<String>,
    /// `server_info.capabilities`, as sent.
    #[serde(default)]
    pub capabilities: Option<serde_json::Value>,
}

/// A probe that failed: the kind and the hub's own sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeFailure {
    pub kind: FailureKind,
    pub message: String,
}

impl From<HubError> for ProbeFailure {
    fn from(err: HubError) -> Self {
        let kind = match err {
            HubError::InvalidUrl { .. }
            | HubError::UnsupportedScheme { .. }
            | HubError::CredentialsInUrl { .. } => FailureKind::InvalidUrl,
            HubError::InvalidPassword => FailureKind::WrongPassword,
            HubError::HostNotAllowed { .. } => FailureKind::NotAllowed,
            _ => FailureKind::Other,
        };
        ProbeFailure {
            kind,
            message: err.to_string(),
        }
    }
}

impl Hub {
    /// Connects to `target` once, says hello, reads `server_info`, closes.
    /// Bounded by the hub's connect and hello timeouts (and `limit`).
    pub async fn probe(
        &self,
        target: &DaemonTarget,
        limit: Duration,
    ) -> Result<ProbeInfo, ProbeFailure> {
        let valid = target.validate()?;
        let config = self.config();
        // Before any connection: no scanning through "test connection".
        if !self.inner.may_probe(&valid) {
            return Err(HubError::HostNotAllowed {
                url: valid.key.url().to_owned(),
            }
            .into());
        }
        let hello = Hello {
            // A fresh client id: the daemon must not mistake the probe for a
            // reconnect of a real session.
            client_id: format!("probe-{:016x}", rand::random::<u64>()),
            client_type: ClientType::Browser,
            protocol_version: PROTOCOL_VERSION,
            app_version: config.app_version.clone(),
            capabilities: None,
        };
        let attempt = connect::open(&valid, &hello, config);
        let (mut socket, info) = match tokio::time::timeout(limit, attempt).await {
            Err(_) => {
                return Err(ProbeFailure {
                    kind: FailureKind::TimedOut,
                    message: format!("no answer within {limit:?}"),
                });
            }
            Ok(Err(failure)) => {
                return Err(ProbeFailure {
                    kind: failure.kind,
                    message: failure.message,
                });
            }
            Ok(Ok(pair)) => pair,
        };
        let bye = CloseFrame {
            code: CloseCode::Normal,
            reason: "connection test done".into(),
        };
        let _ = tokio::time::timeout(
            Duration::from_secs(1),
            socket.send(Message::Close(Some(bye))),
        )
        .await;
        Ok(ProbeInfo {
            daemon_id: info.server_id,
            hostname: info.hostname,
            version: info.version,
            capabilities: info.capabilities,
        })
    }
}
