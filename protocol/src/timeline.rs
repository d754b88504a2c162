//! An agent's conversation as rows: timeline items (messages, reasoning,
//! tool calls, …), the cursors that address rows, and the paged
//! `fetch_agent_timeline_*` exchange. Live rows arrive as `timeline` stream
//! events (see [`crate::stream`]); this module owns what a row is.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::agent::AgentSnapshot;

/// Lifecycle of one tool call; each change is a new timeline row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToolCallStatus {
    Running,
    Completed,
    Failed,
    Canceled,
    #[serde(other)]
    Unknown,
}

/// A search result link of a `search` tool call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebResult {
    pub title: String,
    pub url: String,
}

/// Status of one worktree setup command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WorktreeCommandStatus {
    Running,
    Completed,
    Failed,
    #[serde(other)]
    Unknown,
}

/// One command run while setting up a Paseo worktree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WorktreeSetupCommand {
    /// 1-based.
    pub index: u64,
    pub command: String,
    pub cwd: String,
    #[serde(default)]
    pub log: String,
    pub status: WorktreeCommandStatus,
    #[serde(default)]
    pub exit_code: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<f64>,
}

/// One tool use of a sub-agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubAgentAction {
    /// 1-based.
    pub index: u64,
    pub tool_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// A tool call normalised for display, discriminated on `type`. Small enums
/// that only steer presentation (search `toolName`/`mode`, plain-text
/// `icon`) are kept as open strings.
///
/// Decoded by hand (`crate::tagged`), with the rules serde's derive had.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum ToolCallDetail {
    Shell {
        command: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cwd: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<String>,
        /// Nullable, so sent as `null` while unknown.
        #[serde(default)]
        exit_code: Option<i64>,
    },
    Read {
        file_path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offset: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<u64>,
    },
    Edit {
        file_path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        old_string: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_string: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unified_diff: Option<String>,
    },
    Write {
        file_path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<String>,
    },
    Search {
        query: String,
        /// `search`, `grep`, `glob` or `web_search`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tool_name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        file_paths: Option<Vec<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        web_results: Option<Vec<WebResult>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        annotations: Option<Vec<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        num_files: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        num_matches: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_ms: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_seconds: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        truncated: Option<bool>,
        /// `content`, `files_with_matches` or `count`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<String>,
    },
    Fetch {
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        prompt: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        result: Option<String>,
        /// HTTP status.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        code_text: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bytes: Option<u64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        duration_ms: Option<f64>,
    },
    WorktreeSetup {
        worktree_path: String,
        branch_name: String,
        log: String,
        commands: Vec<WorktreeSetupCommand>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        truncated: Option<bool>,
    },
    SubAgent {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sub_agent_type: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        child_session_id: Option<String>,
        log: String,
        /// Emit `Some(vec![])` rather than `None`: clients up to
        /// 0.1.65-beta.3 require the key.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        actions: Option<Vec<SubAgentAction>>,
    },
    PlainText {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        label: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        /// An icon name such as `wrench`, `eye` or `brain`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        icon: Option<String>,
    },
    Plan {
        text: String,
    },
    /// The wire type `unknown`: a tool Paseo has no normaliser for. Both keys
    /// are always sent, `null` when empty.
    Unknown {
        #[serde(default)]
        input: Value,
        #[serde(default)]
        output: Value,
    },
    /// A detail type this version does not know (or a malformed one), kept
    /// verbatim. Not to be confused with the wire's own `unknown` type.
    #[serde(untagged)]
    Unrecognized(Value),
}

/// A `tool_call` timeline item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ToolCallItem {
    pub call_id: String,
    pub name: String,
    pub detail: ToolCallDetail,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    pub status: ToolCallStatus,
    /// Always sent: `null` unless `status` is `failed`, then any non-null
    /// JSON value.
    #[serde(default)]
    pub error: Option<Value>,
}

/// One entry of a `todo` item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TodoEntry {
    pub text: String,
    pub completed: bool,
}

/// Progress of a context compaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompactionStatus {
    Loading,
    Completed,
    #[serde(other)]
    Unknown,
}

/// What started a context compaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompactionTrigger {
    Auto,
    Manual,
    #[serde(other)]
    Unknown,
}

/// One timeline row's content, discriminated on `type`. Assistant and
/// reasoning text arrive in chunks, one row per chunk.
#[allow(
    clippy::large_enum_variant,
    reason = "items are short-lived and mostly tool calls; boxing would only complicate matching"
)]
///
/// Decoded by hand (`crate::tagged`), with the rules serde's derive had.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum TimelineItem {
    UserMessage {
        text: String,
        /// The client-chosen id of `send_agent_message_request`, echoed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<String>,
    },
    AssistantMessage {
        text: String,
    },
    Reasoning {
        text: String,
    },
    ToolCall(ToolCallItem),
    Todo {
        items: Vec<TodoEntry>,
    },
    Error {
        message: String,
    },
    Compaction {
        status: CompactionStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        trigger: Option<CompactionTrigger>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pre_tokens: Option<u64>,
    },
    /// An item type this version does not know (or a malformed one), kept
    /// verbatim so relaying it loses nothing.
    #[serde(untagged)]
    Unknown(Value),
}

/// Addresses one row: the agent's timeline epoch (a UUID that changes when
/// the timeline is rebuilt) and the row's sequence number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimelineCursor {
    pub epoch: String,
    pub seq: u64,
}

/// Which rows a timeline fetch selects relative to its cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelineDirection {
    /// The newest rows.
    Tail,
    Before,
    After,
}

/// Whether a timeline fetch merges related rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimelineProjection {
    /// Chunks and tool-call lifecycles merged into single entries.
    Projected,
    /// One entry per row.
    Canonical,
}

/// `fetch_agent_timeline_request`. Defaults: direction `after` with a
/// cursor, else `tail`; limit all rows for `after`, else 200 (0 = all);
/// projection `projected`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchAgentTimelineRequest {
    pub agent_id: String,
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<TimelineDirection>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<TimelineCursor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub projection: Option<TimelineProjection>,
}

/// The retained rows of a timeline; all zero when empty or on error.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineWindow {
    pub min_seq: u64,
    pub max_seq: u64,
    pub next_seq: u64,
}

/// An inclusive run of row numbers merged into one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeqRange {
    pub start_seq: u64,
    pub end_seq: u64,
}

/// How a projected entry was merged from rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CollapseKind {
    AssistantMerge,
    /// Only sent to clients that declared `reasoning_merge_enum`.
    ReasoningMerge,
    ToolLifecycle,
    #[serde(other)]
    Unknown,
}

/// One entry of a timeline fetch: an item plus the rows it covers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub provider: String,
    pub item: TimelineItem,
    pub timestamp: String,
    pub seq_start: u64,
    pub seq_end: u64,
    #[serde(default)]
    pub source_seq_ranges: Vec<SeqRange>,
    #[serde(default)]
    pub collapsed: Vec<CollapseKind>,
}

/// Answer to [`FetchAgentTimelineRequest`]; every key is always sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FetchAgentTimelineResponse {
    pub request_id: String,
    pub agent_id: String,
    /// `null` on error.
    #[serde(default)]
    pub agent: Option<Box<AgentSnapshot>>,
    /// The resolved direction.
    pub direction: TimelineDirection,
    /// The resolved projection.
    pub projection: TimelineProjection,
    /// Current epoch, `""` on error.
    #[serde(default)]
    pub epoch: String,
    /// The client must drop its cached rows and use these instead.
    #[serde(default)]
    pub reset: bool,
    /// The cursor's epoch is not the current one (so `reset`).
    #[serde(default)]
    pub stale_cursor: bool,
    /// `after` a cursor older than the retained window (so `reset`).
    #[serde(default)]
    pub gap: bool,
    #[serde(default)]
    pub window: TimelineWindow,
    #[serde(default)]
    pub start_cursor: Option<TimelineCursor>,
    #[serde(default)]
    pub end_cursor: Option<TimelineCursor>,
    #[serde(default)]
    pub has_older: bool,
    #[serde(default)]
    pub has_newer: bool,
    #[serde(default)]
    pub entries: Vec<TimelineEntry>,
    #[serde(default)]
    pub error: Option<String>,
}
