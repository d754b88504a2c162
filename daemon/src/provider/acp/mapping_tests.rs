//! Mapping tests on real updates (`tests/data/acp-transcripts.jsonl`, copied
//! from the recorded agent runs) plus spec shapes no recording has.

use protocol::{TimelineItem, TodoEntry, ToolCallDetail, ToolCallStatus};
use serde_json::{Value, json};

use super::{Mapped, UpdateMapper};

const TRANSCRIPTS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/acp-transcripts.jsonl"
));

/// The `update`s one recorded run sent, in order.
fn updates(agent: &str, run: &str) -> Vec<Value> {
    TRANSCRIPTS
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["agent"] == agent && line["run"] == run)
        .filter(|line| line["msg"]["method"] == "session/update")
        .map(|line| line["msg"]["params"]["update"].clone())
        .collect()
}

fn map_all(updates: &[Value]) -> Vec<Mapped> {
    let mut mapper = UpdateMapper::default();
    updates
        .iter()
        .flat_map(|update| mapper.map(update))
        .collect()
}

fn assistant_text(mapped: &[Mapped]) -> Vec<String> {
    mapped
        .iter()
        .filter_map(|m| match m {
            Mapped::Item(TimelineItem::AssistantMessage { text }) => Some(text.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn text_turns_of_every_real_agent() {
    for (agent, run) in [
        ("claude", "fakellm"),
        ("gemini", "fakellm"),
        ("opencode", "fakellm"),
    ] {
        let mapped = map_all(&updates(agent, run));
        assert_eq!(assistant_text(&mapped), ["Hi", " there", "!"], "{agent}");
    }
    // codex sends its warning as ordinary text first.
    let codex = assistant_text(&map_all(&updates("codex", "native_fakellm")));
    assert_eq!(codex.len(), 4);
    assert!(codex[0].starts_with("Model metadata for `fake-model` not found"));
    // Usage updates survive, commands updates are dropped.
    let claude = map_all(&updates("claude", "fakellm"));
    let usage: Vec<&Value> = claude
        .iter()
        .filter_map(|m| match m {
            Mapped::Usage(usage) => Some(usage),
            _ => None,
        })
        .collect();
    assert!(usage.len() >= 2);
    assert_eq!(usage[0]["size"], 1_000_000);
    assert!(usage[0].get("sessionUpdate").is_none());
}

#[test]
fn claude_tool_call_lifecycle_becomes_complete_rows() {
    let mapped = map_all(&updates("claude", "fakellm_tool"));
    let rows: Vec<_> = mapped
        .iter()
        .filter_map(|m| match m {
            Mapped::Item(TimelineItem::ToolCall(item)) => Some(item.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|row| row.call_id == "toolu_fake1" && row.name == "execute")
    );
    let metadata = rows[2].metadata.clone().unwrap_or_default();
    assert_eq!(metadata["kind"], "execute", "{metadata}");
    assert_eq!(metadata["toolName"], "Bash", "{metadata}");
    assert!(metadata["title"].is_string(), "{metadata}");
    assert_eq!(rows[0].status, ToolCallStatus::Running);
    assert_eq!(rows[0].error, None);
    let ToolCallDetail::Shell { command, .. } = &rows[1].detail else {
        panic!("not a shell detail: {:?}", rows[1].detail);
    };
    assert_eq!(command, "touch created_by_agent.txt");
    // The failing update carries only status and output; the command stays.
    assert_eq!(rows[2].status, ToolCallStatus::Failed);
    assert_eq!(
        rows[2].error,
        Some(json!("User refused permission to run tool"))
    );
    let ToolCallDetail::Shell {
        command, output, ..
    } = &rows[2].detail
    else {
        panic!("not a shell detail");
    };
    assert_eq!(command, "touch created_by_agent.txt");
    assert_eq!(
        output.as_deref(),
        Some("User refused permission to run tool")
    );
    let wire = serde_json::to_value(TimelineItem::ToolCall(rows[2].clone())).unwrap_or_default();
    assert_eq!(wire["type"], "tool_call");
    assert_eq!(wire["detail"]["type"], "shell");
    assert_eq!(
        assistant_text(&mapped),
        ["I'll run a command.", "Hi", " there", "!"]
    );
}

#[test]
fn spec_shapes_thoughts_plans_modes_diffs() {
    let mut mapper = UpdateMapper::default();
    let thought = json!({"sessionUpdate": "agent_thought_chunk", "content": {"type": "text", "text": "Thinking"}});
    assert_eq!(
        mapper.map(&thought),
        [Mapped::Item(TimelineItem::Reasoning {
            text: "Thinking".into()
        })]
    );
    let plan = json!({"sessionUpdate": "plan", "entries": [
        {"content": "Read", "priority": "high", "status": "completed"},
        {"content": "Edit", "priority": "low", "status": "in_progress"}]});
    assert_eq!(
        mapper.map(&plan),
        [Mapped::Item(TimelineItem::Todo {
            items: vec![
                TodoEntry {
                    text: "Read".into(),
                    completed: true
                },
                TodoEntry {
                    text: "Edit".into(),
                    completed: false
                },
            ]
        })]
    );
    let mode = json!({"sessionUpdate": "current_mode_update", "currentModeId": "plan"});
    assert_eq!(mapper.map(&mode), [Mapped::ModeChanged("plan".into())]);
    let edit = json!({"sessionUpdate": "tool_call", "toolCallId": "c1", "title": "Edit notes.md",
        "kind": "edit", "status": "pending", "locations": [{"path": "/p/notes.md"}]});
    let done = json!({"sessionUpdate": "tool_call_update", "toolCallId": "c1", "status": "completed",
        "content": [{"type": "diff", "path": "/p/notes.md", "oldText": "a\n", "newText": "a\nb\n"}]});
    let Some(Mapped::Item(TimelineItem::ToolCall(first))) = mapper.map(&edit).pop() else {
        panic!("no row");
    };
    assert!(
        matches!(&first.detail, ToolCallDetail::Edit { file_path, .. } if file_path == "/p/notes.md")
    );
    let Some(Mapped::Item(TimelineItem::ToolCall(last))) = mapper.map(&done).pop() else {
        panic!("no row");
    };
    assert_eq!(last.status, ToolCallStatus::Completed);
    assert_eq!(last.name, "edit", "named by its ACP kind, as Paseo does");
    assert_eq!(
        last.metadata,
        Some(json!({"kind": "edit", "title": "Edit notes.md"})),
        "the title kept in the metadata"
    );
    assert_eq!(
        last.detail,
        ToolCallDetail::Edit {
            file_path: "/p/notes.md".into(),
            old_string: Some("a\n".into()),
            new_string: Some("a\nb\n".into()),
            unified_diff: None,
        }
    );
    let new_file = json!({"sessionUpdate": "tool_call", "toolCallId": "c2", "kind": "edit", "status": "completed",
        "content": [{"type": "diff", "path": "/p/new.md", "newText": "x"}]});
    let Some(Mapped::Item(TimelineItem::ToolCall(write))) = mapper.map(&new_file).pop() else {
        panic!("no row");
    };
    assert!(matches!(write.detail, ToolCallDetail::Write { .. }));
}

#[test]
fn replayed_user_messages_unknown_updates_and_cancel() {
    let mut mapper = UpdateMapper::default();
    let user = json!({"sessionUpdate": "user_message_chunk", "content": {"type": "text", "text": "hello"}});
    assert!(
        mapper.map(&user).is_empty(),
        "live user chunks are the manager's"
    );
    mapper.replaying = true;
    assert_eq!(
        mapper.map(&user),
        [Mapped::Item(TimelineItem::UserMessage {
            text: "hello".into(),
            message_id: None
        })]
    );
    assert!(
        mapper
            .map(&json!({"sessionUpdate": "state_update", "state": "idle"}))
            .is_empty()
    );
    assert!(mapper.map(&json!({"no": "tag"})).is_empty());
    let running = json!({"sessionUpdate": "tool_call", "toolCallId": "t", "kind": "execute",
        "status": "in_progress", "rawInput": {"command": ["ls", "-la"]}});
    mapper.map(&running);
    let canceled = mapper.cancel_running();
    assert_eq!(canceled.len(), 1);
    let TimelineItem::ToolCall(row) = &canceled[0] else {
        panic!("not a tool call");
    };
    assert_eq!(row.status, ToolCallStatus::Canceled);
    assert!(matches!(&row.detail, ToolCallDetail::Shell { command, .. } if command == "ls -la"));
    assert!(mapper.cancel_running().is_empty());
}

#[test]
fn a_tool_without_a_kind_is_named_by_the_agents_tool_name_then_its_title() {
    let mut mapper = UpdateMapper::default();
    let named = json!({"sessionUpdate": "tool_call", "toolCallId": "a", "title": "List files",
        "_meta": {"claudeCode": {"toolName": "LS"}}});
    let titled = json!({"sessionUpdate": "tool_call", "toolCallId": "b", "title": "List files"});
    let bare = json!({"sessionUpdate": "tool_call", "toolCallId": "c"});
    let names: Vec<(String, Option<serde_json::Value>)> = [named, titled, bare]
        .iter()
        .filter_map(|update| match mapper.map(update).pop() {
            Some(Mapped::Item(TimelineItem::ToolCall(row))) => Some((row.name, row.metadata)),
            _ => None,
        })
        .collect();
    assert_eq!(names[0].0, "LS");
    assert_eq!(names[1].0, "List files");
    assert_eq!(names[2].0, "other");
    assert_eq!(
        names[2].1,
        Some(json!({"title": "c"})),
        "Paseo's title fallback"
    );
}

#[test]
fn the_compaction_extension_becomes_a_compaction_item() {
    let mut mapper = UpdateMapper::default();
    let update = json!({"sessionUpdate": "compaction", "status": "completed",
        "trigger": "manual", "preTokens": 48200});
    assert_eq!(
        mapper.map(&update),
        [Mapped::Item(TimelineItem::Compaction {
            status: protocol::CompactionStatus::Completed,
            trigger: Some(protocol::CompactionTrigger::Manual),
            pre_tokens: Some(48200),
        })]
    );
    let odd = json!({"sessionUpdate": "compaction", "status": "exploded", "trigger": 3});
    assert_eq!(
        mapper.map(&odd),
        [Mapped::Item(TimelineItem::Compaction {
            status: protocol::CompactionStatus::Unknown,
            trigger: None,
            pre_tokens: None,
        })]
    );
}
