//! The browser's view of every daemon, fed by the live channel.
//!
//! [`LiveState`] is provided once at the root. On the server it stays empty
//! (SSR reads the hub directly through [`crate::hosts`]); in the browser the
//! `client` module fills it after hydration: it loads the registry, opens the
//! one WebSocket to the web server, sends `watch`, and applies every `state`
//! message. Components only read signals; nothing else opens sockets.

pub mod messages;

#[cfg(feature = "hydrate")]
mod client;

use std::collections::BTreeMap;

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
    pub hosts: RwSignal<BTreeMap<String, HostState>>,
    pub channel: RwSignal<ChannelStatus>,
    /// Set by an effect, which never runs during SSR: true once hydrated.
    pub hydrated: RwSignal<bool>,
}

impl LiveState {
    fn new() -> Self {
        Self {
            profiles: RwSignal::new(Vec::new()),
            hosts: RwSignal::new(BTreeMap::new()),
            channel: RwSignal::new(ChannelStatus::Connecting),
            hydrated: RwSignal::new(false),
        }
    }
}

/// Provides [`LiveState`] and, in the browser, starts the live channel.
pub fn provide_live_state() {
    let state = LiveState::new();
    provide_context(state);
    Effect::new(move |_| {
        state.hydrated.set(true);
        #[cfg(feature = "hydrate")]
        client::start(state);
    });
}
