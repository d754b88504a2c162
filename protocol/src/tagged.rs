//! Hand-written decoders of the `type`-tagged enums with an unknown-kind
//! fallback that the browser reads: [`TimelineItem`], [`ToolCallDetail`]
//! and [`AgentFeature`]. Serde's derive for these (internally tagged, plus
//! an untagged catch-all) buffers each value into its `Content` tree and
//! decodes it again, per variant; see [`crate::fields`] for why that
//! matters to the web app's bundle. Serialising keeps the derive.
//!
//! The rules are the derive's: a known `type` whose fields decode is that
//! variant; any other `type`, or a known one that is malformed, is kept
//! verbatim as the catch-all variant, so relaying it loses nothing and
//! decoding never fails on a well-formed JSON value. Field names are the
//! wire's camelCase; absent or `null` options are `None`.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::agent::AgentFeature;
use crate::fields::{Fields, WireError};
use crate::timeline::{TimelineItem, ToolCallDetail};

impl AgentFeature {
    /// A `toggle` or `select` feature, else [`AgentFeature::Unknown`].
    pub fn from_value(value: Value) -> Self {
        let known = match value.get("type").and_then(Value::as_str) {
            Some("toggle") => serde_json::from_value(value.clone())
                .map(AgentFeature::Toggle)
                .ok(),
            Some("select") => serde_json::from_value(value.clone())
                .map(AgentFeature::Select)
                .ok(),
            _ => None,
        };
        known.unwrap_or(AgentFeature::Unknown(value))
    }
}

impl TimelineItem {
    /// The item `value` holds, else [`TimelineItem::Unknown`].
    pub fn from_value(value: Value) -> Self {
        decode_item(value.clone()).unwrap_or(TimelineItem::Unknown(value))
    }
}

fn decode_item(value: Value) -> Result<TimelineItem, WireError> {
    let mut f = Fields::of(value, "a timeline item")?;
    Ok(match f.tag("type").as_str() {
        "user_message" => TimelineItem::UserMessage {
            text: f.req("text")?,
            message_id: f.opt("messageId")?,
        },
        "assistant_message" => TimelineItem::AssistantMessage {
            text: f.req("text")?,
        },
        "reasoning" => TimelineItem::Reasoning {
            text: f.req("text")?,
        },
        "tool_call" => TimelineItem::ToolCall(f.into_value_as()?),
        "todo" => TimelineItem::Todo {
            items: f.req("items")?,
        },
        "error" => TimelineItem::Error {
            message: f.req("message")?,
        },
        "compaction" => TimelineItem::Compaction {
            status: f.req("status")?,
            trigger: f.opt("trigger")?,
            pre_tokens: f.opt("preTokens")?,
        },
        other => return Err(Fields::unknown_tag(other)),
    })
}

impl ToolCallDetail {
    /// The detail `value` holds, else [`ToolCallDetail::Unrecognized`].
    pub fn from_value(value: Value) -> Self {
        decode_detail(value.clone()).unwrap_or(ToolCallDetail::Unrecognized(value))
    }
}

fn decode_detail(value: Value) -> Result<ToolCallDetail, WireError> {
    let mut f = Fields::of(value, "a tool call detail")?;
    Ok(match f.tag("type").as_str() {
        "shell" => ToolCallDetail::Shell {
            command: f.req("command")?,
            cwd: f.opt("cwd")?,
            output: f.opt("output")?,
            exit_code: f.opt("exitCode")?,
        },
        "read" => ToolCallDetail::Read {
            file_path: f.req("filePath")?,
            content: f.opt("content")?,
            offset: f.opt("offset")?,
            limit: f.opt("limit")?,
        },
        "edit" => ToolCallDetail::Edit {
            file_path: f.req("filePath")?,
            old_string: f.opt("oldString")?,
            new_string: f.opt("newString")?,
            unified_diff: f.opt("unifiedDiff")?,
        },
        "write" => ToolCallDetail::Write {
            file_path: f.req("filePath")?,
            content: f.opt("content")?,
        },
        "search" => ToolCallDetail::Search {
            query: f.req("query")?,
            tool_name: f.opt("toolName")?,
            content: f.opt("content")?,
            file_paths: f.opt("filePaths")?,
            web_results: f.opt("webResults")?,
            annotations: f.opt("annotations")?,
            num_files: f.opt("numFiles")?,
            num_matches: f.opt("numMatches")?,
            duration_ms: f.opt("durationMs")?,
            duration_seconds: f.opt("durationSeconds")?,
            truncated: f.opt("truncated")?,
            mode: f.opt("mode")?,
        },
        "fetch" => ToolCallDetail::Fetch {
            url: f.req("url")?,
            prompt: f.opt("prompt")?,
            result: f.opt("result")?,
            code: f.opt("code")?,
            code_text: f.opt("codeText")?,
            bytes: f.opt("bytes")?,
            duration_ms: f.opt("durationMs")?,
        },
        "worktree_setup" => ToolCallDetail::WorktreeSetup {
            worktree_path: f.req("worktreePath")?,
            branch_name: f.req("branchName")?,
            log: f.req("log")?,
            commands: f.req("commands")?,
            truncated: f.opt("truncated")?,
        },
        "sub_agent" => ToolCallDetail::SubAgent {
            sub_agent_type: f.opt("subAgentType")?,
            description: f.opt("description")?,
            child_session_id: f.opt("childSessionId")?,
            log: f.req("log")?,
            actions: f.opt("actions")?,
        },
        "plain_text" => ToolCallDetail::PlainText {
            label: f.opt("label")?,
            text: f.opt("text")?,
            icon: f.opt("icon")?,
        },
        "plan" => ToolCallDetail::Plan {
            text: f.req("text")?,
        },
        "unknown" => ToolCallDetail::Unknown {
            input: f.def("input")?,
            output: f.def("output")?,
        },
        other => return Err(Fields::unknown_tag(other)),
    })
}

macro_rules! deserialize_via_value {
    ($($ty:ty),*) => {$(
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Value::deserialize(deserializer).map(<$ty>::from_value)
            }
        }
    )*};
}

deserialize_via_value!(AgentFeature, TimelineItem, ToolCallDetail);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_detail_round_trips_and_malformed_ones_are_kept() {
        let details = [
            json!({"type": "shell", "command": "ls", "cwd": "/w", "output": "a", "exitCode": 0}),
            json!({"type": "shell", "command": "ls", "exitCode": null}),
            json!({"type": "read", "filePath": "a", "content": "x", "offset": 1, "limit": 2}),
            json!({"type": "edit", "filePath": "a", "oldString": "x", "newString": "y", "unifiedDiff": "@@"}),
            json!({"type": "write", "filePath": "a", "content": "x"}),
            json!({"type": "search", "query": "q", "toolName": "grep", "content": "c",
                   "filePaths": ["a"], "webResults": [{"title": "t", "url": "u"}],
                   "annotations": ["n"], "numFiles": 1, "numMatches": 2, "durationMs": 1.5,
                   "durationSeconds": 0.5, "truncated": true, "mode": "content"}),
            json!({"type": "fetch", "url": "u", "prompt": "p", "result": "r", "code": 200,
                   "codeText": "OK", "bytes": 3, "durationMs": 2.0}),
            json!({"type": "worktree_setup", "worktreePath": "/w", "branchName": "b", "log": "l",
                   "commands": [{"index": 1, "command": "c", "cwd": "/", "log": "", "status": "completed",
                                 "exitCode": 0}], "truncated": false}),
            json!({"type": "sub_agent", "subAgentType": "t", "description": "d",
                   "childSessionId": "s", "log": "l", "actions": [{"index": 1, "toolName": "x"}]}),
            json!({"type": "plain_text", "label": "l", "text": "t", "icon": "wrench"}),
            json!({"type": "plan", "text": "p"}),
            json!({"type": "unknown", "input": {"a": 1}, "output": null}),
        ];
        for wire in details {
            let detail = ToolCallDetail::from_value(wire.clone());
            assert!(!matches!(detail, ToolCallDetail::Unrecognized(_)), "{wire}");
            let back = serde_json::to_value(&detail).expect("encodes");
            assert_eq!(ToolCallDetail::from_value(back), detail, "{wire}");
            // Through serde as well, from text (any deserializer).
            let text: ToolCallDetail = serde_json::from_str(&wire.to_string()).expect("decodes");
            assert_eq!(text, detail);
        }
        assert_eq!(
            ToolCallDetail::from_value(json!({"type": "unknown"})),
            ToolCallDetail::Unknown {
                input: Value::Null,
                output: Value::Null
            }
        );
        for odd in [
            json!({"type": "shell"}),
            json!({"type": "shell", "command": 3}),
            json!({"type": "notebook_edit", "cell": 3}),
            json!({"command": "ls"}),
            json!("shell"),
        ] {
            assert_eq!(
                ToolCallDetail::from_value(odd.clone()),
                ToolCallDetail::Unrecognized(odd)
            );
        }
    }

    #[test]
    fn every_item_round_trips_and_malformed_ones_are_kept() {
        let items = [
            json!({"type": "user_message", "text": "hi", "messageId": "m1"}),
            json!({"type": "user_message", "text": "hi"}),
            json!({"type": "assistant_message", "text": "a"}),
            json!({"type": "reasoning", "text": "r"}),
            json!({"type": "tool_call", "callId": "c", "name": "n", "status": "completed",
                   "detail": {"type": "plan", "text": "p"}, "error": null}),
            json!({"type": "tool_call", "callId": "c", "name": "n", "status": "running",
                   "detail": {"type": "from_the_future"}, "metadata": {"title": "t"}}),
            json!({"type": "todo", "items": [{"text": "t", "completed": false}]}),
            json!({"type": "error", "message": "m"}),
            json!({"type": "compaction", "status": "loading", "trigger": "auto", "preTokens": 10}),
            json!({"type": "compaction", "status": "completed"}),
        ];
        for wire in items {
            let item = TimelineItem::from_value(wire.clone());
            assert!(!matches!(item, TimelineItem::Unknown(_)), "{wire}");
            let back = serde_json::to_value(&item).expect("encodes");
            assert_eq!(TimelineItem::from_value(back), item, "{wire}");
        }
        let TimelineItem::ToolCall(call) = TimelineItem::from_value(items_tool_with_odd_detail())
        else {
            panic!("tool call expected");
        };
        assert!(matches!(call.detail, ToolCallDetail::Unrecognized(_)));
        for odd in [
            json!({"type": "user_message"}),
            json!({"type": "tool_call", "callId": "c"}),
            json!({"type": "from_the_future", "x": 1}),
            json!([1, 2]),
        ] {
            assert_eq!(
                TimelineItem::from_value(odd.clone()),
                TimelineItem::Unknown(odd)
            );
        }
    }

    fn items_tool_with_odd_detail() -> Value {
        json!({"type": "tool_call", "callId": "c", "name": "n", "status": "running",
               "detail": {"type": "notebook_edit"}, "error": null})
    }
}
