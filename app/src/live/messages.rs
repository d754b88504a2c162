//! The live channel's messages: one JSON object with a `type` per frame.
//!
//! This is the contract between a browser tab and the web server (see
//! `identity-and-live-channel.md`). Every server → browser message names the
//! *profile id* it is about, so the browser never has to know how the server
//! reached the daemon. Unknown types decode to `Unknown` on both sides, so
//! either end can be upgraded first.

use std::collections::BTreeMap;

use protocol::AgentSnapshot;
use serde::{Deserialize, Serialize};

/// Connection state of one daemon as the server's hub sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionStatus {
    Idle,
    Connecting,
    Online,
    Offline,
    Error,
}

impl ConnectionStatus {
    /// Lowercase wire name, also used as a CSS class and a test hook.
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

/// One registry profile the tab wants to see. The password travels only in
/// this message, never in a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchedProfile {
    pub profile_id: String,
    pub label: String,
    pub ws_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

/// A timeline position: the daemon's `{epoch, seq}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineCursor {
    pub epoch: String,
    pub seq: u64,
}

/// What a tab already holds for one profile, sent after the channel itself
/// reconnects so the server sends only what is missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileCursors {
    #[serde(default)]
    pub agents_version: u64,
    #[serde(default)]
    pub timelines: BTreeMap<String, TimelineCursor>,
}

/// Browser → server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BrowserMessage {
    /// The full set of profiles this tab wants; replaces the previous set.
    Watch { profiles: Vec<WatchedProfile> },
    /// Start streaming one agent's timeline, from `cursor` if given.
    Follow {
        profile_id: String,
        agent_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cursor: Option<TimelineCursor>,
    },
    /// Stop streaming one agent's timeline.
    Unfollow {
        profile_id: String,
        agent_id: String,
    },
    /// After a channel reconnect: what the tab already has.
    Resume {
        cursors: BTreeMap<String, ProfileCursors>,
    },
    #[serde(other)]
    Unknown,
}

/// One timeline item with the seq range it covers in the daemon's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveTimelineItem {
    pub seq_start: u64,
    pub seq_end: u64,
    pub item: serde_json::Value,
}

/// Server → browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// A daemon's connection state changed (or first contact).
    State {
        profile_id: String,
        status: ConnectionStatus,
        last_error: Option<String>,
        /// Epoch milliseconds of the last time it was online.
        last_online_at: Option<i64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        daemon_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        version: Option<String>,
    },
    /// Everything known about one daemon's session (first contact, or the
    /// tab fell behind and must replace what it has).
    Snapshot {
        profile_id: String,
        agents: Vec<AgentSnapshot>,
        #[serde(default)]
        providers: Vec<serde_json::Value>,
        #[serde(default)]
        pending_permissions: Vec<serde_json::Value>,
    },
    /// Agents that changed or went away.
    AgentsDelta {
        profile_id: String,
        upserts: Vec<AgentSnapshot>,
        removals: Vec<String>,
    },
    /// New timeline items, in seq order.
    TimelineDelta {
        profile_id: String,
        agent_id: String,
        epoch: String,
        items: Vec<LiveTimelineItem>,
    },
    /// The timeline must be replaced (epoch changed or the daemon said reset).
    TimelineReset {
        profile_id: String,
        agent_id: String,
        epoch: String,
        items: Vec<LiveTimelineItem>,
    },
    /// A permission request appeared or was resolved.
    Permission {
        profile_id: String,
        agent_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        request: Option<serde_json::Value>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resolved: Option<serde_json::Value>,
    },
    #[serde(other)]
    Unknown,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_round_trips_with_the_contract_names() {
        let msg = BrowserMessage::Watch {
            profiles: vec![WatchedProfile {
                profile_id: "daemon_a".into(),
                label: "Local Host".into(),
                ws_url: "ws://localhost:6767/ws".into(),
                password: None,
            }],
        };
        let json = serde_json::to_value(&msg).expect("encodes");
        assert_eq!(json["type"], "watch");
        assert_eq!(json["profiles"][0]["ws_url"], "ws://localhost:6767/ws");
        assert!(json["profiles"][0].get("password").is_none());
        let back: BrowserMessage = serde_json::from_value(json).expect("decodes");
        assert_eq!(back, msg);
    }

    #[test]
    fn unknown_types_do_not_fail() {
        let msg: ServerMessage =
            serde_json::from_str(r#"{"type":"from_the_future","x":1}"#).expect("decodes");
        assert_eq!(msg, ServerMessage::Unknown);
    }

    #[test]
    fn state_carries_status_in_lowercase() {
        let msg = ServerMessage::State {
            profile_id: "p".into(),
            status: ConnectionStatus::Offline,
            last_error: Some("connection refused".into()),
            last_online_at: Some(1),
            daemon_id: None,
            version: None,
        };
        let json = serde_json::to_value(&msg).expect("encodes");
        assert_eq!(json["status"], "offline");
        assert_eq!(json["type"], "state");
    }
}
