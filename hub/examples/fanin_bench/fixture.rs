//! Templates taken from frames a real Paseo daemon sent (the recorded
//! fixture in `protocol/tests/data/`), so the benchmark decodes realistic payloads.

use std::path::PathBuf;

use serde_json::Value;

fn recorded_in_messages() -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../protocol/tests/data/paseo-v1-head-frames.jsonl");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    text.lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|record| record["dir"] == "in")
        .map(|record| record["frame"]["message"].clone())
        .collect()
}

/// Every recorded `agent_stream` timeline event, as JSON text.
pub fn stream_events() -> Vec<String> {
    let events: Vec<String> = recorded_in_messages()
        .into_iter()
        .filter(|m| m["type"] == "agent_stream" && m["payload"]["event"]["type"] == "timeline")
        .map(|m| m["payload"]["event"].to_string())
        .collect();
    assert!(!events.is_empty(), "no recorded timeline events");
    events
}

/// A recorded agent snapshot (from an `agent_update` upsert).
pub fn agent_snapshot() -> Value {
    recorded_in_messages()
        .into_iter()
        .find(|m| m["type"] == "agent_update" && m["payload"]["kind"] == "upsert")
        .map(|m| m["payload"]["agent"].clone())
        .expect("a recorded agent_update upsert")
}
