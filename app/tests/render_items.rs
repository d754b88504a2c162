//! Every timeline item kind renders natively (SSR `to_html`): the items in
//! the recorded Paseo frames (the project's one copy, in `protocol/`), and
//! one of each kind and tool detail the recordings lack. Each rendering is
//! checked for its kind's content and for inert agent text.

use app::components::timeline::{kind_name, render_item};
use leptos::prelude::*;
use protocol::TimelineItem;
use serde_json::{Value, json};

fn recorded_items() -> Vec<Value> {
    let mut items = Vec::new();
    for name in ["paseo-v1-head-frames.jsonl", "paseo-v1-cli-frames.jsonl"] {
        let path = format!(
            "{}/../protocol/tests/data/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        for line in text.lines() {
            let Ok(frame) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            collect(&frame, &mut items);
        }
    }
    items
}

/// Every `item` object with a `type` anywhere in a frame.
fn collect(value: &Value, out: &mut Vec<Value>) {
    match value {
        Value::Object(map) => {
            if let Some(item) = map.get("item")
                && item.get("type").is_some()
            {
                out.push(item.clone());
            }
            map.values().for_each(|v| collect(v, out));
        }
        Value::Array(list) => list.iter().for_each(|v| collect(v, out)),
        _ => {}
    }
}

fn html(item: &Value) -> String {
    let item: TimelineItem = serde_json::from_value(item.clone()).expect("an item always decodes");
    let owner = Owner::new();
    owner.with(|| render_item(&item).to_html())
}

#[test]
fn recorded_items_render_with_their_text() {
    let items = recorded_items();
    assert!(
        items.len() >= 5,
        "the recordings hold timeline items ({})",
        items.len()
    );
    for item in &items {
        let out = html(item);
        assert!(!out.is_empty(), "{item}");
        if let Some(text) = item.get("text").and_then(Value::as_str) {
            let first_word = text
                .split_whitespace()
                .find(|w| w.chars().all(char::is_alphanumeric))
                .unwrap_or_default();
            assert!(out.contains(first_word), "{item} → {out}");
        }
    }
}

#[test]
fn every_kind_and_tool_detail_renders() {
    let tool = |detail: Value| {
        json!({"type": "tool_call", "callId": "c", "name": "tool", "status": "completed",
               "error": null, "detail": detail})
    };
    let cases = [
        (
            json!({"type": "user_message", "text": "hello <b>there</b>"}),
            "hello &lt;b&gt;there&lt;/b&gt;",
        ),
        (
            json!({"type": "assistant_message", "text": "**bold** <script>x()</script>"}),
            "<strong>bold</strong>",
        ),
        (
            json!({"type": "reasoning", "text": "thinking hard"}),
            "<details class=\"reasoning\"",
        ),
        (
            json!({"type": "todo", "items": [{"text": "a", "completed": true}, {"text": "b", "completed": false}]}),
            "Plan: 1/2 done",
        ),
        (json!({"type": "error", "message": "it broke"}), "it broke"),
        (
            json!({"type": "compaction", "status": "completed", "preTokens": 1200}),
            "1200 tokens before",
        ),
        (
            tool(json!({"type": "shell", "command": "ls -la", "output": "total 0", "exitCode": 0})),
            "$ ls -la",
        ),
        (
            tool(json!({"type": "edit", "filePath": "a.md", "oldString": "x", "newString": "y"})),
            "<span class=\"add\">+y",
        ),
        (
            tool(json!({"type": "write", "filePath": "b.md", "content": "new"})),
            "+new",
        ),
        (tool(json!({"type": "read", "filePath": "c.md"})), "c.md"),
        (
            tool(json!({"type": "search", "query": "needle", "filePaths": ["x.rs"]})),
            "search: needle",
        ),
        (
            tool(json!({"type": "fetch", "url": "javascript:alert(1)"})),
            "<span>javascript:alert(1)</span>",
        ),
        (
            tool(json!({"type": "sub_agent", "log": "did things", "actions": []})),
            "did things",
        ),
        (
            tool(json!({"type": "unknown", "input": {"k": 1}, "output": null})),
            "\"k\": 1",
        ),
        (
            json!({"type": "from_the_future", "x": 1}),
            "from_the_future",
        ),
    ];
    for (item, expected) in cases {
        let out = html(&item);
        assert!(
            out.contains(expected),
            "{item}\n→ {out}\nmissing {expected}"
        );
        assert!(!out.contains("<script"), "{out}");
        assert!(!out.contains("href=\"javascript"), "{out}");
        let decoded: TimelineItem = serde_json::from_value(item.clone()).expect("decodes");
        assert!(!kind_name(&decoded).is_empty());
    }
}
