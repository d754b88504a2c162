//! ACP `session/update` notifications → Paseo timeline items and events.
//!
//! ACP streams tool calls as a `tool_call` followed by partial
//! `tool_call_update`s that only carry what changed, while a Paseo
//! `tool_call` row must be complete (name, detail, status). So the mapper
//! keeps the merged state of every tool call and emits a full row on each
//! change. Everything else maps one to one; update kinds we do not show
//! (`available_commands_update`, `config_option_update`, …) are dropped
//! with a debug log, since agents add new ones freely.

use std::collections::HashMap;

use protocol::{
    CompactionStatus, CompactionTrigger, TimelineItem, TodoEntry, ToolCallDetail, ToolCallItem,
    ToolCallStatus,
};
use serde_json::{Value, json};

/// What one update turns into.
#[allow(
    clippy::large_enum_variant,
    reason = "short-lived, handed straight to SessionEvent which holds items unboxed too"
)]
#[derive(Debug, Clone, PartialEq)]
pub enum Mapped {
    /// A timeline row.
    Item(TimelineItem),
    /// `current_mode_update`.
    ModeChanged(String),
    /// `usage_update` (without its `sessionUpdate` tag).
    Usage(Value),
}

/// The merged state of one tool call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ToolState {
    /// ACP `toolCallId`.
    pub call_id: String,
    /// Human title, e.g. "Edit notes.md".
    pub title: Option<String>,
    /// ACP kind: read, edit, delete, move, search, execute, think, fetch, other.
    pub kind: Option<String>,
    /// The agent's own tool name (claude's `_meta.claudeCode.toolName`).
    pub tool_name: Option<String>,
    /// ACP status: pending, in_progress, completed, failed.
    pub status: Option<String>,
    /// `rawInput`.
    pub raw_input: Value,
    /// `rawOutput`.
    pub raw_output: Value,
    /// `content` blocks (text, diff, terminal).
    pub content: Vec<Value>,
    /// `locations` (`{path, line?}`).
    pub locations: Vec<Value>,
}

/// Turns a session's updates into items; one per session.
#[derive(Debug, Default)]
pub struct UpdateMapper {
    tools: HashMap<String, ToolState>,
    /// True while `session/load` replays history: only then do
    /// `user_message_chunk`s become rows (live user messages are recorded
    /// by the agent manager itself).
    pub replaying: bool,
}

impl UpdateMapper {
    /// Maps the `update` object of one `session/update`.
    pub fn map(&mut self, update: &Value) -> Vec<Mapped> {
        let kind = str_at(update, "sessionUpdate").unwrap_or_default();
        match kind {
            "agent_message_chunk" => {
                text_item(update, |text| TimelineItem::AssistantMessage { text })
            }
            "agent_thought_chunk" => text_item(update, |text| TimelineItem::Reasoning { text }),
            "user_message_chunk" if self.replaying => {
                text_item(update, |text| TimelineItem::UserMessage {
                    text,
                    message_id: None,
                })
            }
            "tool_call" | "tool_call_update" => self
                .merge_tool_call(update)
                .map(|state| vec![Mapped::Item(TimelineItem::ToolCall(tool_item(&state)))])
                .unwrap_or_default(),
            "plan" => vec![Mapped::Item(todo_item(update))],
            // Not an ACP update: our extension for agents that report a
            // context compaction (the test agent's `COMPACT`), mapped to
            // Paseo's `compaction` item.
            "compaction" => vec![Mapped::Item(compaction_item(update))],
            "current_mode_update" => str_at(update, "currentModeId")
                .map(|mode| vec![Mapped::ModeChanged(mode.to_owned())])
                .unwrap_or_default(),
            "usage_update" => {
                let mut usage = update.clone();
                if let Some(map) = usage.as_object_mut() {
                    map.remove("sessionUpdate");
                }
                vec![Mapped::Usage(usage)]
            }
            other => {
                tracing::debug!(update = other, "ignoring session update");
                Vec::new()
            }
        }
    }

    /// Merges a tool call (from an update or a permission request) into the
    /// known state and returns the result; `None` without a `toolCallId`.
    pub fn merge_tool_call(&mut self, update: &Value) -> Option<ToolState> {
        let call_id = str_at(update, "toolCallId")?;
        let state = self
            .tools
            .entry(call_id.to_owned())
            .or_insert_with(|| ToolState {
                call_id: call_id.to_owned(),
                ..ToolState::default()
            });
        let set = |slot: &mut Option<String>, key: &str| {
            if let Some(value) = str_at(update, key) {
                *slot = Some(value.to_owned());
            }
        };
        set(&mut state.title, "title");
        set(&mut state.kind, "kind");
        set(&mut state.status, "status");
        if let Some(name) = update
            .pointer("/_meta/claudeCode/toolName")
            .and_then(Value::as_str)
        {
            state.tool_name = Some(name.to_owned());
        }
        if let Some(input) = update.get("rawInput") {
            state.raw_input = input.clone();
        }
        if let Some(output) = update.get("rawOutput") {
            state.raw_output = output.clone();
        }
        if let Some(content) = update.get("content").and_then(Value::as_array) {
            state.content = content.clone();
        }
        if let Some(locations) = update.get("locations").and_then(Value::as_array) {
            state.locations = locations.clone();
        }
        Some(state.clone())
    }

    /// Rows marking every still-running tool call as canceled (after a
    /// canceled turn, agents rarely send the final update themselves).
    pub fn cancel_running(&mut self) -> Vec<TimelineItem> {
        let mut rows = Vec::new();
        for state in self.tools.values_mut() {
            if tool_status(state) == ToolCallStatus::Running {
                state.status = Some("cancelled".to_owned());
                rows.push(TimelineItem::ToolCall(tool_item(state)));
            }
        }
        rows
    }
}

/// The tool name of a call: its ACP kind (`edit`, `read`, `execute`, …),
/// as Paseo's own ACP provider names them. Without a kind, the agent's own
/// tool name (claude's `_meta.claudeCode.toolName`), then the title. Never
/// the title when a kind exists: a title such as "Edit notes.md" looks like
/// a namespaced tool to Paseo's clients, which then print `[Edit] null`.
pub fn tool_name(state: &ToolState) -> String {
    state
        .kind
        .clone()
        .or_else(|| state.tool_name.clone())
        .or_else(|| state.title.clone())
        .unwrap_or_else(|| "other".to_owned())
}

/// `metadata` of a tool call row: Paseo's `{kind, title}` (the title, or
/// the call id when the agent gave none, as Paseo does), plus the agent's
/// own tool name when it sent one.
pub fn tool_metadata(state: &ToolState) -> Value {
    let mut metadata = serde_json::Map::new();
    if let Some(kind) = &state.kind {
        metadata.insert("kind".to_owned(), json!(kind));
    }
    let title = state.title.as_ref().unwrap_or(&state.call_id);
    metadata.insert("title".to_owned(), json!(title));
    if let Some(name) = &state.tool_name {
        metadata.insert("toolName".to_owned(), json!(name));
    }
    Value::Object(metadata)
}

/// A complete `tool_call` row for the current state.
pub fn tool_item(state: &ToolState) -> ToolCallItem {
    let status = tool_status(state);
    let error = (status == ToolCallStatus::Failed).then(|| failure(state));
    ToolCallItem {
        call_id: state.call_id.clone(),
        name: tool_name(state),
        detail: tool_detail(state),
        metadata: Some(tool_metadata(state)),
        status,
        error,
    }
}

fn tool_status(state: &ToolState) -> ToolCallStatus {
    match state.status.as_deref() {
        Some("completed") => ToolCallStatus::Completed,
        Some("failed") => ToolCallStatus::Failed,
        Some("cancelled" | "canceled") => ToolCallStatus::Canceled,
        _ => ToolCallStatus::Running,
    }
}

/// Why a failed tool call failed: never null, as the schema requires.
fn failure(state: &ToolState) -> Value {
    if !state.raw_output.is_null() {
        return state.raw_output.clone();
    }
    let text = content_text(&state.content);
    if text.is_empty() {
        json!("failed")
    } else {
        json!(text)
    }
}

/// The normalised preview of a tool call, chosen by ACP `kind`.
pub fn tool_detail(state: &ToolState) -> ToolCallDetail {
    let input = &state.raw_input;
    let diff = state
        .content
        .iter()
        .find(|block| str_at(block, "type") == Some("diff"));
    let path = || {
        first_str(
            input,
            &[
                "file_path",
                "filePath",
                "path",
                "abs_path",
                "absolutePath",
                "notebook_path",
            ],
        )
        .or_else(|| state.locations.first().and_then(|l| str_at(l, "path")))
        .or(diff.and_then(|d| str_at(d, "path")))
        .map(str::to_owned)
    };
    let title = || state.title.clone().unwrap_or_default();
    let text = || Some(content_text(&state.content)).filter(|t| !t.is_empty());
    match state.kind.as_deref() {
        Some("edit") | Some("delete") | Some("move") if diff.is_some() => diff_detail(diff, path),
        Some("edit") => ToolCallDetail::Edit {
            file_path: path().unwrap_or_else(title),
            old_string: first_str(input, &["old_string", "oldString"]).map(str::to_owned),
            new_string: first_str(input, &["new_string", "newString"]).map(str::to_owned),
            unified_diff: None,
        },
        Some("execute") => ToolCallDetail::Shell {
            command: command_text(input).unwrap_or_else(title),
            cwd: first_str(input, &["cwd"]).map(str::to_owned),
            output: output_text(&state.raw_output).or_else(text),
            exit_code: ["exitCode", "exit_code"]
                .iter()
                .find_map(|key| state.raw_output.get(key).and_then(Value::as_i64)),
        },
        Some("read") => ToolCallDetail::Read {
            file_path: path().unwrap_or_else(title),
            content: text(),
            offset: input.get("offset").and_then(Value::as_u64),
            limit: input.get("limit").and_then(Value::as_u64),
        },
        Some("search") => ToolCallDetail::Search {
            query: first_str(input, &["pattern", "query"])
                .map(str::to_owned)
                .unwrap_or_else(title),
            tool_name: None,
            content: text(),
            file_paths: None,
            web_results: None,
            annotations: None,
            num_files: None,
            num_matches: None,
            duration_ms: None,
            duration_seconds: None,
            truncated: None,
            mode: None,
        },
        Some("fetch") => ToolCallDetail::Fetch {
            url: first_str(input, &["url"])
                .map(str::to_owned)
                .unwrap_or_else(title),
            prompt: first_str(input, &["prompt"]).map(str::to_owned),
            result: text(),
            code: None,
            code_text: None,
            bytes: None,
            duration_ms: None,
        },
        Some("think") => ToolCallDetail::PlainText {
            label: state.title.clone(),
            text: text(),
            icon: Some("brain".to_owned()),
        },
        _ if diff.is_some() => diff_detail(diff, path),
        _ => ToolCallDetail::Unknown {
            input: state.raw_input.clone(),
            output: state.raw_output.clone(),
        },
    }
}

/// An ACP diff block: a new file (no `oldText`) is a write, else an edit.
fn diff_detail(diff: Option<&Value>, path: impl Fn() -> Option<String>) -> ToolCallDetail {
    let diff = diff.unwrap_or(&Value::Null);
    let file_path = str_at(diff, "path")
        .map(str::to_owned)
        .or_else(path)
        .unwrap_or_default();
    let new_text = str_at(diff, "newText").map(str::to_owned);
    match str_at(diff, "oldText") {
        None => ToolCallDetail::Write {
            file_path,
            content: new_text,
        },
        Some(old) => ToolCallDetail::Edit {
            file_path,
            old_string: Some(old.to_owned()),
            new_string: new_text,
            unified_diff: None,
        },
    }
}

fn command_text(input: &Value) -> Option<String> {
    match input.get("command")? {
        Value::String(command) => Some(command.clone()),
        Value::Array(parts) => Some(
            parts
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        _ => None,
    }
}

fn output_text(output: &Value) -> Option<String> {
    match output {
        Value::String(text) => Some(text.clone()),
        Value::Object(_) => {
            first_str(output, &["output", "stdout", "formatted_output"]).map(str::to_owned)
        }
        _ => None,
    }
}

/// The text of `content` blocks (`{type:"content", content:{type:"text"}}`).
fn content_text(content: &[Value]) -> String {
    content
        .iter()
        .filter_map(|block| block.pointer("/content/text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("\n")
}

fn text_item(update: &Value, make: impl Fn(String) -> TimelineItem) -> Vec<Mapped> {
    let content = update.get("content").unwrap_or(&Value::Null);
    match (str_at(content, "type"), str_at(content, "text")) {
        // claude opens each message with an empty chunk: not worth a row.
        (Some("text"), Some(text)) if !text.is_empty() => vec![Mapped::Item(make(text.to_owned()))],
        (Some("text"), Some(_)) => Vec::new(),
        (kind, _) => {
            tracing::debug!(?kind, "ignoring non-text message content");
            Vec::new()
        }
    }
}

fn todo_item(update: &Value) -> TimelineItem {
    let items = update
        .get("entries")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .map(|entry| TodoEntry {
                    text: str_at(entry, "content").unwrap_or_default().to_owned(),
                    completed: str_at(entry, "status") == Some("completed"),
                })
                .collect()
        })
        .unwrap_or_default();
    TimelineItem::Todo { items }
}

fn compaction_item(update: &Value) -> TimelineItem {
    let status = match str_at(update, "status") {
        Some("completed") => CompactionStatus::Completed,
        Some("loading") | None => CompactionStatus::Loading,
        Some(_) => CompactionStatus::Unknown,
    };
    let trigger = str_at(update, "trigger").map(|t| match t {
        "auto" => CompactionTrigger::Auto,
        "manual" => CompactionTrigger::Manual,
        _ => CompactionTrigger::Unknown,
    });
    TimelineItem::Compaction {
        status,
        trigger,
        pre_tokens: update.get("preTokens").and_then(Value::as_u64),
    }
}

fn str_at<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

fn first_str<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a str> {
    keys.iter().find_map(|key| str_at(value, key))
}

#[cfg(test)]
#[path = "mapping_tests.rs"]
mod tests;
