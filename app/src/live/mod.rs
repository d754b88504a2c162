//! The browser's view of every daemon, fed by the live channel.
//!
//! [`LiveState`] is provided once at the root. On the server it stays empty
//! (SSR reads the hub directly through [`crate::hosts`]); in the browser the
//! `client` module fills it after hydration: it loads the registry, opens the
//! one WebSocket to the web server, sends `watch`, and applies every `state`
//! message. Components only read signals; nothing else opens sockets.

/// The wire contract, kept at `app::live::messages` for the server.
pub use crate::contract as messages;

#[cfg(feature = "hydrate")]
pub mod client;
pub mod diffs;

use crate::sorted::SortedMap;

use leptos::prelude::*;

pub use messages::ConnectionStatus;

use crate::registry::DaemonProfile;

/// What the browser knows of one daemon's connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostState {
    pub status: ConnectionStatus,
    pub last_error: Option<String>,
    pub last_online_at: Option<i64>,
    pub daemon_id: Option<String>,
    pub version: Option<String>,
}

/// State of the tab's own channel to the web server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelStatus {
    Connecting,
    Open,
    Closed,
}

/// Reactive state shared by every component (a `Copy` bundle of signals).
#[derive(Debug, Clone, Copy)]
pub struct LiveState {
    /// The registry, as loaded from localStorage after hydration.
    pub profiles: RwSignal<Vec<DaemonProfile>>,
    /// Connection state per profile id, from the server's `state` messages.
    pub hosts: RwSignal<SortedMap<String, HostState>>,
    pub channel: RwSignal<ChannelStatus>,
    /// Set by an effect, which never runs during SSR: true once hydrated.
    pub hydrated: RwSignal<bool>,
    /// Connection tests by probe id (the channel's client sends waiting
    /// ones and records their answers).
    pub probes: RwSignal<SortedMap<String, Probe>>,
    /// The live diffs the pages watch (sent over the channel).
    pub diffs: diffs::LiveDiffs,
}

/// One "test connection".
#[derive(Debug, Clone, PartialEq)]
pub enum Probe {
    /// Not answered yet; `sent` once it went out on the channel.
    Waiting {
        ws_url: String,
        password: Option<String>,
        sent: bool,
    },
    Done(Result<messages::ProbeOk, messages::ProbeError>),
}

impl LiveState {
    fn new() -> Self {
        Self {
            profiles: RwSignal::new(Vec::new()),
            hosts: RwSignal::new(SortedMap::new()),
            channel: RwSignal::new(ChannelStatus::Connecting),
            hydrated: RwSignal::new(false),
            probes: RwSignal::new(SortedMap::new()),
            diffs: diffs::LiveDiffs::new(),
        }
    }

    /// Asks the server to test `ws_url` (with `password`); read the answer
    /// from [`LiveState::probes`] under the returned id.
    pub fn start_probe(&self, ws_url: String, password: Option<String>) -> String {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let id = format!("probe-{}", NEXT.fetch_add(1, Ordering::Relaxed));
        self.probes.update(|p| {
            p.insert(
                id.clone(),
                Probe::Waiting {
                    ws_url,
                    password,
                    sent: false,
                },
            );
        });
        id
    }
}

/// Provides [`LiveState`] (the connections context).
pub fn provide_live_state() -> LiveState {
    let state = LiveState::new();
    provide_context(state);
    state
}

/// The connections context provided at the root.
pub fn use_live() -> LiveState {
    expect_context::<LiveState>()
}

impl LiveState {
    /// What the screens show for a host: its live status, or `stale` while
    /// the tab's own channel is down (its last "online" is not current).
    pub fn shown_status(&self, profile_id: &str) -> &'static str {
        if self.channel.get() != ChannelStatus::Open && self.hydrated.get() {
            return "stale";
        }
        self.hosts
            .with(|h| h.get(profile_id).map(|s| s.status))
            .unwrap_or(ConnectionStatus::Connecting)
            .as_str()
    }

    /// Whether actions on a host can go out now, or why not.
    pub fn can_act(&self, profile_id: &str) -> Result<(), String> {
        if self.channel.get() != ChannelStatus::Open {
            return Err("the connection to the web server is down; reconnecting…".into());
        }
        let host = self.hosts.with(|h| h.get(profile_id).cloned());
        match host {
            Some(h) if h.status == ConnectionStatus::Online => Ok(()),
            Some(h) => Err(format!(
                "this host is {}{}",
                h.status.as_str(),
                h.last_error.map(|e| format!(": {e}")).unwrap_or_default()
            )),
            None => Err("this host is still connecting".into()),
        }
    }

    /// A profile's label (tracked).
    pub fn label(&self, profile_id: &str) -> String {
        self.profiles.with(|p| {
            p.iter()
                .find(|p| p.id == profile_id)
                .map(|p| p.label.clone())
                .unwrap_or_else(|| profile_id.to_owned())
        })
    }
}
