//! Which daemon session a route means, and whether it is usable: the
//! seed's `useSessionForServer` and `useDaemonSession`. It joins the
//! connections context (`live`) with the session directory, so neither of
//! those two needs the other.

use leptos::prelude::*;

use crate::directory::Directory;
use crate::live::{ChannelStatus, ConnectionStatus, HostState, LiveState};

/// Why a daemon session cannot be used (`DaemonSessionUnavailableError`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DaemonSessionUnavailableError {
    pub server_id: String,
}

/// Options of [`daemon_session`].
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionOptions {
    /// The caller shows its own inline placeholder (no console warning).
    pub suppress_unavailable_alert: bool,
    /// An offline or unanswered daemon still yields its (stale) session.
    pub allow_unavailable: bool,
}

/// A resolved daemon session: the profile it is, and whether what it holds
/// is current.
#[derive(Debug, Clone, PartialEq)]
pub struct DaemonSession {
    pub profile_id: String,
    pub status: ConnectionStatus,
    /// Live data on this page and the host online, and the tab's channel up.
    pub fresh: bool,
}

/// `useSessionForServer`: the profile a route's `server_id` names: a
/// registry profile id, or the `srv_` id one of this tab's profiles
/// reported (never another browser's). `None` if neither (yet).
pub fn session_for(live: LiveState, directory: Directory, server_id: &str) -> Option<String> {
    let profiles = live.profiles.get();
    if profiles.iter().any(|p| p.id == server_id) {
        return Some(server_id.to_owned());
    }
    let hosts = live.hosts.get();
    profiles
        .iter()
        .find(|p| hosts.get(&p.id).and_then(|h| h.daemon_id.as_deref()) == Some(server_id))
        .map(|p| p.id.clone())
        .or_else(|| {
            directory.with_model(|m| {
                m.sessions
                    .iter()
                    .find(|(id, s)| {
                        s.daemon_id.as_deref() == Some(server_id)
                            && profiles.iter().any(|p| &p.id == *id)
                    })
                    .map(|(id, _)| id.clone())
            })
        })
}

/// `useDaemonSession`: the session of `server_id`, or why not. An
/// offline daemon's session exists and is stale: it is returned when
/// `allow_unavailable`, else it is an error.
pub fn daemon_session(
    live: LiveState,
    directory: Directory,
    server_id: &str,
    options: SessionOptions,
) -> Result<DaemonSession, DaemonSessionUnavailableError> {
    let unavailable = || {
        if !options.suppress_unavailable_alert {
            leptos::logging::warn!("no daemon session for {server_id}");
        }
        DaemonSessionUnavailableError {
            server_id: server_id.to_owned(),
        }
    };
    let Some(profile_id) = session_for(live, directory, server_id) else {
        return Err(unavailable());
    };
    let host: Option<HostState> = live.hosts.with(|h| h.get(&profile_id).cloned());
    let status = host
        .map(|h| h.status)
        .unwrap_or(ConnectionStatus::Connecting);
    let channel_up = live.channel.get() == ChannelStatus::Open;
    let fresh = channel_up && status == ConnectionStatus::Online && directory.is_live(&profile_id);
    if !fresh && !options.allow_unavailable {
        return Err(unavailable());
    }
    Ok(DaemonSession {
        profile_id,
        status,
        fresh,
    })
}

/// The profile a route's `server_id` names, offline hosts included (their
/// pages stay readable); `None` while unknown. Tracked.
pub fn route_profile(live: LiveState, directory: Directory, server_id: &str) -> Option<String> {
    let options = SessionOptions {
        suppress_unavailable_alert: true,
        allow_unavailable: true,
    };
    daemon_session(live, directory, server_id, options)
        .ok()
        .map(|s| s.profile_id)
}

/// Every profile has reported its `daemon_id` or failed: only then is a
/// `server_id` that resolves to none of them an unknown host. Tracked.
pub fn all_hosts_answered(live: LiveState) -> bool {
    live.profiles.with(|profiles| {
        live.hosts.with(|hosts| {
            profiles.iter().all(|p| {
                hosts.get(&p.id).is_some_and(|h| {
                    h.daemon_id.is_some() || h.status != ConnectionStatus::Connecting
                })
            })
        })
    })
}
