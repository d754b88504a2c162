//! The live channel's messages: one JSON object with a `type` per frame.
//!
//! This is the contract between a browser tab and the web server (see
//! `identity-and-live-channel.md`). Every server → browser message names the
//! *profile id* it is about, so the browser never has to know how the server
//! reached the daemon. Unknown types decode to `Unknown` on both sides, so
//! either end can be upgraded first.
//!
//! Shapes inside the `serde_json::Value` fields (kept untyped so the browser
//! state can evolve without a wire change): `providers` are the daemon's
//! `ProviderSnapshotEntry` objects (camelCase, as the daemon sends them);
//! `pending_permissions` are `{agent_id, request}` with `request` a daemon
//! `PermissionRequest`; `permission.resolved` is `{request_id, resolution}`
//! with `resolution` the daemon's answer, or `null` when the server only saw
//! the request disappear from the agent's snapshot.
//!
//! `agents_version` (on `snapshot`, `agents_delta` and `providers`) is a
//! content hash of the agent list and providers *as this tab holds them*
//! after applying that message. A tab sends back the last one it saw in
//! `resume`; the server answers with a fresh `snapshot` only when it differs
//! from the server's current one (0 = unknown, always a snapshot).
//!
//! After a reconnect of the channel a tab sends `resume` first and `watch`
//! second: the server keeps the cursors until `watch` names the profiles'
//! URLs, then sends `state`, a `snapshot` only if `agents_version` is stale,
//! and, per timeline cursor, only the items after it. A `resume` after
//! `watch` is also accepted (the snapshot may then already be on its way).

use crate::sorted::SortedMap;

use protocol::AgentSnapshot;
use serde::{Deserialize, Serialize};

use protocol::fields::{Fields, WireError};

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
    pub timelines: SortedMap<String, TimelineCursor>,
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
    /// After a channel reconnect (or a reload with cached snapshots): what
    /// the tab already has, and the token its previous channel was given
    /// (server functions sent with it during the reconnect still resolve).
    Resume {
        cursors: SortedMap<String, ProfileCursors>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tab_token: Option<String>,
    },
    /// "Test connection" for a host not (yet) in the registry: the URL and
    /// password travel only on this channel, never in a server function.
    Probe {
        probe_id: String,
        ws_url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        password: Option<String>,
    },
    /// Start the live diff of `cwd` on a profile's daemon (uncommitted
    /// changes, untracked files included). `subscription_id` is the tab's
    /// own; reusing one replaces its subscription.
    SubscribeDiff {
        profile_id: String,
        subscription_id: String,
        cwd: String,
    },
    /// Stop a live diff (the tab left the page).
    UnsubscribeDiff { subscription_id: String },
    #[serde(other)]
    Unknown,
}

impl ServerMessage {
    /// Decodes one message object (unknown `type`s are [`ServerMessage::Unknown`]).
    pub fn from_value(value: serde_json::Value) -> Result<Self, WireError> {
        let mut f = Fields::of(value, "a live message")?;
        Ok(match f.tag("type").as_str() {
            "hello" => ServerMessage::Hello {
                tab_token: f.req("tab_token")?,
            },
            "state" => ServerMessage::State {
                profile_id: f.req("profile_id")?,
                status: f.req("status")?,
                last_error: f.opt("last_error")?,
                last_online_at: f.opt("last_online_at")?,
                daemon_id: f.opt("daemon_id")?,
                version: f.opt("version")?,
            },
            "snapshot" => ServerMessage::Snapshot {
                profile_id: f.req("profile_id")?,
                agents: f.req("agents")?,
                providers: f.def("providers")?,
                pending_permissions: f.def("pending_permissions")?,
                agents_version: f.def("agents_version")?,
            },
            "agents_delta" => ServerMessage::AgentsDelta {
                profile_id: f.req("profile_id")?,
                upserts: f.req("upserts")?,
                removals: f.req("removals")?,
                agents_version: f.def("agents_version")?,
            },
            "providers" => ServerMessage::Providers {
                profile_id: f.req("profile_id")?,
                providers: f.req("providers")?,
                agents_version: f.def("agents_version")?,
            },
            "timeline_delta" => ServerMessage::TimelineDelta {
                profile_id: f.req("profile_id")?,
                agent_id: f.req("agent_id")?,
                epoch: f.req("epoch")?,
                items: f.req("items")?,
            },
            "timeline_reset" => ServerMessage::TimelineReset {
                profile_id: f.req("profile_id")?,
                agent_id: f.req("agent_id")?,
                epoch: f.req("epoch")?,
                items: f.req("items")?,
                has_older: f.def("has_older")?,
            },
            "permission" => ServerMessage::Permission {
                profile_id: f.req("profile_id")?,
                agent_id: f.req("agent_id")?,
                request: f.opt("request")?,
                resolved: f.opt("resolved")?,
            },
            "probe_result" => ServerMessage::ProbeResult {
                probe_id: f.req("probe_id")?,
                ok: f.opt("ok")?,
                error: f.opt("error")?,
            },
            "diff_update" => ServerMessage::DiffUpdate {
                profile_id: f.req("profile_id")?,
                subscription_id: f.req("subscription_id")?,
                files: f.req("files")?,
                error: f.opt("error")?,
            },
            "error" => ServerMessage::Error {
                message: f.req("message")?,
                profile_id: f.opt("profile_id")?,
                agent_id: f.opt("agent_id")?,
            },
            _ => ServerMessage::Unknown,
        })
    }
}

impl<'de> Deserialize<'de> for ServerMessage {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = serde_json::Value::deserialize(deserializer)?;
        ServerMessage::from_value(value).map_err(serde::de::Error::custom)
    }
}

/// A daemon that answered a probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeOk {
    /// The daemon's `srv_` id.
    pub daemon_id: String,
    #[serde(default)]
    pub hostname: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    /// `server_info.capabilities` as the daemon sent them.
    #[serde(default)]
    pub capabilities: Option<serde_json::Value>,
}

/// Why a probe failed: `kind` is one of `refused`, `timed_out`,
/// `host_not_found`, `tls`, `password_required`, `wrong_password`,
/// `not_paseo`, `version_mismatch`, `invalid_url`, `not_allowed`, `other`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeError {
    pub kind: String,
    pub message: String,
}

/// One timeline item with the seq range it covers in the daemon's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveTimelineItem {
    pub seq_start: u64,
    pub seq_end: u64,
    /// The daemon's `TimelineItem` (camelCase, as the daemon sends it).
    pub item: serde_json::Value,
    /// Provider that produced the row (e.g. `test`, `claude`).
    #[serde(default)]
    pub provider: String,
    /// When the daemon recorded the row (ISO-8601).
    #[serde(default)]
    pub timestamp: String,
}

/// Server → browser. Decoded by hand ([`ServerMessage::from_value`], see
/// [`protocol::fields`] for why); the field rules below hold both ways.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    /// The channel's first message: the token this tab's server functions
    /// carry (at least 128 random bits; never put in a URL).
    Hello { tab_token: String },
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
        /// See the module doc; echo it in `resume`.
        #[serde(default)]
        agents_version: u64,
    },
    /// Agents that changed or went away.
    AgentsDelta {
        profile_id: String,
        upserts: Vec<AgentSnapshot>,
        removals: Vec<String>,
        #[serde(default)]
        agents_version: u64,
    },
    /// The daemon's provider list changed (the whole list).
    Providers {
        profile_id: String,
        providers: Vec<serde_json::Value>,
        #[serde(default)]
        agents_version: u64,
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
        /// The daemon holds rows before the first item.
        #[serde(default)]
        has_older: bool,
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
    /// The answer to `probe`: exactly one of `ok` and `error`.
    ProbeResult {
        probe_id: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ok: Option<Box<ProbeOk>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<ProbeError>,
    },
    /// The diff of a `subscribe_diff`: the current one first, then one
    /// per change (and again after the daemon reconnects). `error` is the
    /// daemon's reason for having no diff (not a repository, …). The
    /// subscription says which cwd it is.
    DiffUpdate {
        profile_id: String,
        subscription_id: String,
        files: Vec<LiveDiffFile>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// The server could not act on a browser message (unreadable, or about
    /// a profile the tab did not `watch`); the channel stays open.
    Error {
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        profile_id: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent_id: Option<String>,
    },
    #[serde(other)]
    Unknown,
}

/// One changed file of a live diff: the daemon's `ParsedDiffFile`, its
/// lines flattened to unified-diff text (small to send and to decode in
/// the browser; the tokens are dropped). Paths are relative to the
/// repository root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveDiffFile {
    pub path: String,
    #[serde(default)]
    pub is_new: bool,
    #[serde(default)]
    pub is_deleted: bool,
    #[serde(default)]
    pub additions: u64,
    #[serde(default)]
    pub deletions: u64,
    /// `too_large` or `binary` when no hunks were computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default)]
    pub hunks: Vec<LiveDiffHunk>,
}

/// One hunk: where it starts in the old and new file, its `@@` line, and
/// its lines each prefixed with `+`, `-` or a space.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveDiffHunk {
    pub old_start: u64,
    pub new_start: u64,
    #[serde(default)]
    pub header: String,
    pub lines: Vec<String>,
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
    fn timeline_items_and_versions_default_when_absent() {
        let msg: ServerMessage = serde_json::from_str(
            r#"{"type":"timeline_reset","profile_id":"p","agent_id":"a","epoch":"e",
                "items":[{"seq_start":1,"seq_end":1,"item":{"type":"user_message"}}]}"#,
        )
        .expect("decodes");
        let ServerMessage::TimelineReset {
            items, has_older, ..
        } = msg
        else {
            panic!("timeline_reset expected");
        };
        assert!(!has_older);
        assert_eq!(items[0].timestamp, "");
        let msg: ServerMessage = serde_json::from_str(
            r#"{"type":"agents_delta","profile_id":"p","upserts":[],"removals":["a"]}"#,
        )
        .expect("decodes");
        assert!(matches!(
            msg,
            ServerMessage::AgentsDelta {
                agents_version: 0,
                ..
            }
        ));
    }

    #[test]
    fn errors_name_what_they_are_about() {
        let msg = ServerMessage::Error {
            message: "not watched".into(),
            profile_id: Some("p".into()),
            agent_id: None,
        };
        let json = serde_json::to_value(&msg).expect("encodes");
        assert_eq!(json["type"], "error");
        assert_eq!(json["profile_id"], "p");
        assert!(json.get("agent_id").is_none());
    }

    #[test]
    fn diff_messages_use_the_contract_names() {
        let msg: BrowserMessage = serde_json::from_str(
            r#"{"type":"subscribe_diff","profile_id":"p","subscription_id":"d1","cwd":"/w"}"#,
        )
        .expect("decodes");
        assert!(matches!(msg, BrowserMessage::SubscribeDiff { .. }));
        let msg: ServerMessage = serde_json::from_str(
            r#"{"type":"diff_update","profile_id":"p","subscription_id":"d1","cwd":"/w",
                "files":[{"path":"a","is_new":true,"additions":1,
                  "hunks":[{"old_start":0,"new_start":1,"header":"@@ -0,0 +1 @@","lines":["+x"]}]}]}"#,
        )
        .expect("decodes");
        let ServerMessage::DiffUpdate { files, error, .. } = msg else {
            panic!("diff_update expected");
        };
        assert_eq!(error, None);
        assert_eq!(files[0].hunks[0].lines, ["+x"]);
        assert!(!files[0].is_deleted);
    }

    /// The hand-written decoder reads back what serde's derive writes, for
    /// every message type, with every optional field set and unset.
    #[test]
    fn every_message_round_trips_through_the_hand_written_decoder() {
        let agent: AgentSnapshot = serde_json::from_value(serde_json::json!({
            "id": "a1", "provider": "test", "cwd": "/w", "createdAt": "t", "updatedAt": "t",
            "status": "idle", "features": [
                {"type": "toggle", "id": "f", "label": "F", "value": true},
                {"type": "from_the_future", "x": 1}
            ]
        }))
        .expect("agent");
        let item = LiveTimelineItem {
            seq_start: 1,
            seq_end: 2,
            item: serde_json::json!({"type": "assistant_message", "text": "hi"}),
            provider: "test".into(),
            timestamp: "t".into(),
        };
        let messages = [
            ServerMessage::Hello {
                tab_token: "t".into(),
            },
            ServerMessage::State {
                profile_id: "p".into(),
                status: ConnectionStatus::Online,
                last_error: Some("e".into()),
                last_online_at: Some(5),
                daemon_id: Some("srv_1".into()),
                version: Some("1".into()),
            },
            ServerMessage::State {
                profile_id: "p".into(),
                status: ConnectionStatus::Idle,
                last_error: None,
                last_online_at: None,
                daemon_id: None,
                version: None,
            },
            ServerMessage::Snapshot {
                profile_id: "p".into(),
                agents: vec![agent.clone()],
                providers: vec![serde_json::json!({"provider": "test"})],
                pending_permissions: vec![serde_json::json!({"agent_id": "a1"})],
                agents_version: 7,
            },
            ServerMessage::AgentsDelta {
                profile_id: "p".into(),
                upserts: vec![agent],
                removals: vec!["a2".into()],
                agents_version: 8,
            },
            ServerMessage::Providers {
                profile_id: "p".into(),
                providers: vec![],
                agents_version: 9,
            },
            ServerMessage::TimelineDelta {
                profile_id: "p".into(),
                agent_id: "a1".into(),
                epoch: "e".into(),
                items: vec![item.clone()],
            },
            ServerMessage::TimelineReset {
                profile_id: "p".into(),
                agent_id: "a1".into(),
                epoch: "e".into(),
                items: vec![item],
                has_older: true,
            },
            ServerMessage::Permission {
                profile_id: "p".into(),
                agent_id: "a1".into(),
                request: Some(serde_json::json!({"id": "r"})),
                resolved: None,
            },
            ServerMessage::ProbeResult {
                probe_id: "q".into(),
                ok: Some(Box::new(ProbeOk {
                    daemon_id: "srv_1".into(),
                    hostname: Some("h".into()),
                    version: None,
                    capabilities: Some(serde_json::json!({"x": 1})),
                })),
                error: None,
            },
            ServerMessage::ProbeResult {
                probe_id: "q".into(),
                ok: None,
                error: Some(ProbeError {
                    kind: "refused".into(),
                    message: "no".into(),
                }),
            },
            ServerMessage::DiffUpdate {
                profile_id: "p".into(),
                subscription_id: "d".into(),
                files: vec![LiveDiffFile {
                    path: "a".into(),
                    is_new: true,
                    is_deleted: false,
                    additions: 1,
                    deletions: 0,
                    status: None,
                    hunks: vec![],
                }],
                error: Some("not a repository".into()),
            },
            ServerMessage::Error {
                message: "m".into(),
                profile_id: None,
                agent_id: Some("a1".into()),
            },
        ];
        for message in messages {
            let json = serde_json::to_value(&message).expect("encodes");
            let back = ServerMessage::from_value(json.clone()).expect("decodes");
            assert_eq!(back, message, "{json}");
        }
    }

    #[test]
    fn malformed_messages_name_the_field() {
        let err = ServerMessage::from_value(serde_json::json!({"type": "hello"}))
            .expect_err("tab_token is required");
        assert!(err.to_string().contains("tab_token"), "{err}");
        let err = ServerMessage::from_value(
            serde_json::json!({"type": "state", "profile_id": "p", "status": "sideways"}),
        )
        .expect_err("unknown status");
        assert!(err.to_string().contains("status"), "{err}");
        assert!(ServerMessage::from_value(serde_json::json!("hello")).is_err());
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
