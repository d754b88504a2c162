//! The `activity_log` side channel. Several failures (resume, refresh,
//! permission response) are reported only here, so clients must read it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What an activity log entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    Transcript,
    Assistant,
    ToolCall,
    ToolResult,
    Error,
    System,
    #[serde(other)]
    Unknown,
}

/// Payload of `activity_log`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityLogEntry {
    pub id: String,
    /// ISO timestamp.
    pub timestamp: String,
    /// The wire key `type`.
    #[serde(rename = "type")]
    pub kind: ActivityKind,
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
}
