//! The connection state machine of one daemon and the snapshot the rest of
//! the server reads. Pure: the actor feeds it [`StateEvent`]s and logs/
//! broadcasts what comes out, so the rules ("online only after
//! `server_info`") are tested without sockets.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use protocol::ServerInfo;
use serde::{Deserialize, Serialize};

/// Where a daemon connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionStatus {
    /// Not started (or stopped).
    Idle,
    /// An attempt is under way (TCP, upgrade, hello).
    Connecting,
    /// `server_info` received; the daemon answers.
    Online,
    /// Unreachable or dropped; retrying with backoff.
    Offline,
    /// The daemon answered but something is wrong that retrying soon will
    /// not fix by itself (wrong password, no hello answer, not a daemon).
    Error,
}

impl ConnectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionStatus::Idle => "idle",
            ConnectionStatus::Connecting => "connecting",
            ConnectionStatus::Online => "online",
            ConnectionStatus::Offline => "offline",
            ConnectionStatus::Error => "error",
        }
    }
}

impl fmt::Display for ConnectionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A copy of one connection's state, as reads and events hand it out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectionSnapshot {
    pub status: ConnectionStatus,
    /// Why the last attempt or connection failed; cleared when online.
    pub last_error: Option<String>,
    /// Epoch ms: when the connection came online, updated again when it
    /// leaves online (so it reads "last seen online").
    pub last_online_at: Option<i64>,
    /// The daemon's own `srv_…` id from `server_info` (kept while offline).
    pub daemon_id: Option<String>,
    pub hostname: Option<String>,
    pub version: Option<String>,
}

impl Default for ConnectionSnapshot {
    fn default() -> Self {
        Self {
            status: ConnectionStatus::Idle,
            last_error: None,
            last_online_at: None,
            daemon_id: None,
            hostname: None,
            version: None,
        }
    }
}

/// What happened to the connection.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum StateEvent {
    /// A connection attempt starts.
    Connect,
    /// `server_info` arrived (first one → online; later ones refresh).
    ServerInfo { info: ServerInfo, at_ms: i64 },
    /// The attempt failed or the connection dropped; will retry.
    Lost { error: String, at_ms: i64 },
    /// A failure that needs attention (see [`ConnectionStatus::Error`]).
    Failed { error: String, at_ms: i64 },
    /// The actor stopped.
    Stop { at_ms: i64 },
}

/// An accepted event: the status before and after (they may be equal when
/// only details changed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Transition {
    pub(crate) from: ConnectionStatus,
    pub(crate) to: ConnectionStatus,
}

/// The state machine; owns the snapshot.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnectionState {
    snapshot: ConnectionSnapshot,
}

impl ConnectionState {
    pub(crate) fn snapshot(&self) -> &ConnectionSnapshot {
        &self.snapshot
    }

    /// Applies `event`; `None` when it is not valid in the current status
    /// (and changed nothing), otherwise the transition.
    pub(crate) fn apply(&mut self, event: StateEvent) -> Option<Transition> {
        use ConnectionStatus::*;
        let from = self.snapshot.status;
        let s = &mut self.snapshot;
        let to = match (from, event) {
            (Idle | Offline | Error, StateEvent::Connect) => Connecting,
            (Connecting | Online, StateEvent::ServerInfo { info, at_ms }) => {
                if from == Connecting {
                    s.last_online_at = Some(at_ms);
                    s.last_error = None;
                }
                s.daemon_id = Some(info.server_id.trim().to_owned());
                s.hostname = non_empty(info.hostname);
                s.version = non_empty(info.version);
                Online
            }
            (Connecting | Online, StateEvent::Lost { error, at_ms }) => {
                leave_online(s, from, at_ms);
                s.last_error = Some(error);
                Offline
            }
            (Connecting | Online, StateEvent::Failed { error, at_ms }) => {
                leave_online(s, from, at_ms);
                s.last_error = Some(error);
                Error
            }
            (Idle, StateEvent::Stop { .. }) => return None,
            (_, StateEvent::Stop { at_ms }) => {
                leave_online(s, from, at_ms);
                Idle
            }
            _ => return None,
        };
        s.status = to;
        Some(Transition { from, to })
    }
}

fn leave_online(snapshot: &mut ConnectionSnapshot, from: ConnectionStatus, at_ms: i64) {
    if from == ConnectionStatus::Online {
        snapshot.last_online_at = Some(at_ms);
    }
}

/// Paseo clients treat a missing or empty hostname/version as absent.
fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Wall-clock now in epoch milliseconds (for snapshots and `clientSentAt`).
pub(crate) fn epoch_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConnectionStatus::*;

    fn info(id: &str) -> ServerInfo {
        serde_json::from_value(serde_json::json!({
            "serverId": id, "hostname": "box", "version": "",
        }))
        .unwrap()
    }

    fn server_info(id: &str, at_ms: i64) -> StateEvent {
        StateEvent::ServerInfo {
            info: info(id),
            at_ms,
        }
    }

    fn lost(error: &str, at_ms: i64) -> StateEvent {
        StateEvent::Lost {
            error: error.into(),
            at_ms,
        }
    }

    fn online() -> ConnectionState {
        let mut state = ConnectionState::default();
        state.apply(StateEvent::Connect);
        state.apply(server_info("srv_1", 100));
        state
    }

    #[test]
    fn starts_idle() {
        assert_eq!(ConnectionState::default().snapshot().status, Idle);
    }

    #[test]
    fn connect_moves_to_connecting() {
        let mut state = ConnectionState::default();
        let t = state.apply(StateEvent::Connect).unwrap();
        assert_eq!((t.from, t.to), (Idle, Connecting));
    }

    #[test]
    fn server_info_makes_it_online_with_identity() {
        let s = online().snapshot().clone();
        assert_eq!(s.status, Online);
        assert_eq!(s.daemon_id.as_deref(), Some("srv_1"));
        assert_eq!(s.hostname.as_deref(), Some("box"));
        assert_eq!(s.version, None, "empty version is normalised to None");
        assert_eq!(s.last_online_at, Some(100));
    }

    #[test]
    fn online_is_unreachable_without_server_info() {
        let mut state = ConnectionState::default();
        assert_eq!(state.apply(server_info("srv_1", 1)), None, "not from idle");
        state.apply(StateEvent::Connect);
        state.apply(lost("refused", 2));
        assert_eq!(
            state.apply(server_info("srv_1", 3)),
            None,
            "not from offline"
        );
        assert_eq!(state.snapshot().status, Offline);
    }

    #[test]
    fn losing_the_connection_keeps_identity_and_records_error() {
        let mut state = online();
        let t = state.apply(lost("connection reset", 500)).unwrap();
        assert_eq!((t.from, t.to), (Online, Offline));
        let s = state.snapshot();
        assert_eq!(s.last_error.as_deref(), Some("connection reset"));
        assert_eq!(s.daemon_id.as_deref(), Some("srv_1"));
        assert_eq!(
            s.last_online_at,
            Some(500),
            "last seen online when it dropped"
        );
    }

    #[test]
    fn failure_goes_to_error() {
        let mut state = ConnectionState::default();
        state.apply(StateEvent::Connect);
        let t = state
            .apply(StateEvent::Failed {
                error: "wrong password".into(),
                at_ms: 1,
            })
            .unwrap();
        assert_eq!(t.to, Error);
        assert_eq!(state.snapshot().last_online_at, None);
    }

    #[test]
    fn coming_back_online_clears_the_error() {
        let mut state = online();
        state.apply(lost("gone", 200));
        state.apply(StateEvent::Connect);
        assert_eq!(
            state.snapshot().last_error.as_deref(),
            Some("gone"),
            "kept while connecting"
        );
        state.apply(server_info("srv_1", 300));
        assert_eq!(state.snapshot().last_error, None);
        assert_eq!(state.snapshot().last_online_at, Some(300));
    }

    #[test]
    fn repeated_server_info_refreshes_without_status_change() {
        let mut state = online();
        let t = state.apply(server_info("srv_2", 900)).unwrap();
        assert_eq!((t.from, t.to), (Online, Online));
        assert_eq!(state.snapshot().daemon_id.as_deref(), Some("srv_2"));
        assert_eq!(state.snapshot().last_online_at, Some(100));
    }

    #[test]
    fn stop_returns_to_idle() {
        let mut state = online();
        assert_eq!(state.apply(StateEvent::Stop { at_ms: 5 }).unwrap().to, Idle);
    }

    #[test]
    fn status_serialises_lowercase() {
        assert_eq!(serde_json::to_string(&Offline).unwrap(), "\"offline\"");
        let json = serde_json::to_value(online().snapshot()).unwrap();
        assert_eq!(json["status"], "online");
        assert_eq!(json["daemon_id"], "srv_1");
    }
}
