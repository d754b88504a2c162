//! What we persist about one agent (`agent.json`), separate from its
//! timeline. It holds everything a snapshot needs while no provider process
//! runs, so a restarted daemon lists agents exactly as before without
//! starting a single agent.
//!
//! Deliberately absent: the set of processed `messageId`s. The timeline's
//! `user_message` rows carry them and are written (and fsynced) before a send
//! is acknowledged, so the log is the one durable record of what ran; the
//! store rebuilds the set from it on load (see `store::log`).

use std::collections::BTreeMap;

use protocol::{AgentMode, AgentStatus, AttentionReason, PermissionRequest, PersistenceHandle};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Format version of `agent.json`; bumped on incompatible changes.
pub(crate) const RECORD_VERSION: u32 = 1;

/// One agent as stored in `$PASEO_HOME/agents/<id>/agent.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AgentRecord {
    /// [`RECORD_VERSION`] at write time.
    pub version: u32,
    /// The agent id (a UUID), also the directory name.
    pub id: String,
    /// Provider id on the wire.
    pub provider: String,
    /// Working directory, as given at creation.
    pub cwd: String,
    /// Configured model; `None` means the provider's default.
    #[serde(default)]
    pub model: Option<String>,
    /// Configured (or last reported) mode.
    #[serde(default)]
    pub mode_id: Option<String>,
    /// Configured thinking option.
    #[serde(default)]
    pub thinking_option_id: Option<String>,
    /// Title (explicit, or seeded from the first prompt).
    #[serde(default)]
    pub title: Option<String>,
    /// User labels.
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    /// ISO timestamps.
    pub created_at: String,
    /// Last snapshot change.
    pub updated_at: String,
    /// Time of the last user message.
    #[serde(default)]
    pub last_user_message_at: Option<String>,
    /// Set while archived.
    #[serde(default)]
    pub archived_at: Option<String>,
    /// The provider session to resume, once one existed.
    #[serde(default)]
    pub persistence: Option<PersistenceHandle>,
    /// Lifecycle status at the last change (`running` on disk means the
    /// daemon died mid-turn; see `store::Store::open`).
    pub status: AgentStatus,
    /// Why the last turn or start failed.
    #[serde(default)]
    pub last_error: Option<String>,
    /// Attention flag and why.
    #[serde(default)]
    pub requires_attention: bool,
    /// `finished`, `error` or `permission`.
    #[serde(default)]
    pub attention_reason: Option<AttentionReason>,
    /// When attention was raised.
    #[serde(default)]
    pub attention_timestamp: Option<String>,
    /// Permission prompts waiting for an answer. Only meaningful while the
    /// turn that asked is alive; expired on restart.
    #[serde(default)]
    pub pending_permissions: Vec<PermissionRequest>,
    /// Last token usage the provider reported.
    #[serde(default)]
    pub last_usage: Option<Value>,
    /// Modes the last live session offered (shown while none runs).
    #[serde(default)]
    pub available_modes: Vec<AgentMode>,
    /// The `messageId` of a user message that is stored and acknowledged
    /// but whose turn has not started yet: set with the message row (both
    /// synced before the acknowledgement), cleared when the turn starts or
    /// its start fails. Still set at load means the daemon died in between,
    /// and the message is marked as not run (see `store::repair`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unstarted_message: Option<String>,
    /// Timeline epoch: made once at creation, never changes (the log is
    /// never rewritten), so client cursors survive restarts.
    pub epoch: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_round_trips_and_tolerates_missing_optional_keys() {
        let minimal = r#"{"version":1,"id":"a","provider":"test","cwd":"/tmp",
            "createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-01T00:00:00.000Z",
            "status":"idle","epoch":"e"}"#;
        let record: AgentRecord = serde_json::from_str(minimal).expect("minimal record");
        assert_eq!(record.status, AgentStatus::Idle);
        assert!(record.labels.is_empty() && record.pending_permissions.is_empty());
        let text = serde_json::to_string(&record).expect("serialise");
        let back: AgentRecord = serde_json::from_str(&text).expect("reparse");
        assert_eq!(back, record);
    }
}
