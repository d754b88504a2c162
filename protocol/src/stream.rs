//! Live agent activity: the `agent_stream` push and its events (turn
//! lifecycle, timeline rows, permission prompts, attention). Every session
//! receives it without subscribing, which is why it is its own module.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::agent::{AgentUsage, AttentionReason};
use crate::permission::{PermissionRequest, PermissionResponse};
use crate::timeline::TimelineItem;

/// `data` of an attention notification: enough to route a tap back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttentionNotificationData {
    pub server_id: String,
    pub agent_id: String,
    pub reason: AttentionReason,
}

/// The notification text offered with `attention_required`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttentionNotification {
    pub title: String,
    pub body: String,
    pub data: AttentionNotificationData,
}

/// One agent event, discriminated on `type`; every event names its
/// `provider`. Internal daemon events (`usage_updated`, `mode_changed`, …)
/// never reach the wire, so they are not declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum StreamEvent {
    /// The provider session exists; `session_id` is its native id.
    ThreadStarted {
        provider: String,
        session_id: String,
    },
    TurnStarted {
        provider: String,
    },
    TurnCompleted {
        provider: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        usage: Option<AgentUsage>,
    },
    TurnFailed {
        provider: String,
        error: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        diagnostic: Option<String>,
    },
    /// E.g. `reason: "Interrupted"` after a cancel.
    TurnCanceled {
        provider: String,
        reason: String,
    },
    /// A timeline row; the payload's `seq`/`epoch` address it.
    Timeline {
        provider: String,
        item: TimelineItem,
    },
    PermissionRequested {
        provider: String,
        request: PermissionRequest,
    },
    PermissionResolved {
        provider: String,
        /// The permission request's `id`.
        request_id: String,
        resolution: PermissionResponse,
    },
    /// Sent per client; `should_notify` is true for at most one of them.
    AttentionRequired {
        provider: String,
        reason: AttentionReason,
        timestamp: String,
        should_notify: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notification: Option<AttentionNotification>,
    },
    /// An event type this version does not know (or a malformed one), kept
    /// verbatim so relaying it loses nothing.
    #[serde(untagged)]
    Unknown(Value),
}

impl StreamEvent {
    /// The provider the event came from, when known.
    pub fn provider(&self) -> Option<&str> {
        match self {
            StreamEvent::ThreadStarted { provider, .. }
            | StreamEvent::TurnStarted { provider }
            | StreamEvent::TurnCompleted { provider, .. }
            | StreamEvent::TurnFailed { provider, .. }
            | StreamEvent::TurnCanceled { provider, .. }
            | StreamEvent::Timeline { provider, .. }
            | StreamEvent::PermissionRequested { provider, .. }
            | StreamEvent::PermissionResolved { provider, .. }
            | StreamEvent::AttentionRequired { provider, .. } => Some(provider),
            StreamEvent::Unknown(raw) => raw.get("provider").and_then(Value::as_str),
        }
    }
}

/// Payload of `agent_stream`. `seq` and `epoch` are set only for
/// `timeline` events: the row's sequence number and the timeline epoch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentStreamPayload {
    pub agent_id: String,
    pub event: StreamEvent,
    /// Time of emission.
    pub timestamp: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seq: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epoch: Option<String>,
}
