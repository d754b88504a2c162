use super::*;

/// The general decoder alone.
fn reference(text: &str) -> Decoded<'_> {
    general(text).unwrap_or(Decoded::Other)
}

/// Every decoder that takes `text` gives what the general one gives.
fn assert_all_agree(text: &str, case: &str) {
    let expected = reference(text);
    if let Some(ours) = scanned(text) {
        assert_eq!(ours, expected, "scanned, {case}: {text}");
    }
    if let Some(ours) = derived(text) {
        assert_eq!(ours, expected, "derived, {case}: {text}");
    }
    assert_eq!(
        decode(text).unwrap_or(Decoded::Other),
        expected,
        "{case}: {text}"
    );
}

#[test]
fn the_fast_path_decodes_every_recorded_frame_as_the_general_decoder_does() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../protocol/tests/data/paseo-v1-head-frames.jsonl"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut rows = 0;
    for line in text.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        if record["dir"] != "in" {
            continue;
        }
        let frame = record["frame"].to_string();
        assert_all_agree(&frame, "recorded");
        rows += usize::from(scanned(&frame).is_some());
    }
    assert!(
        rows > 50,
        "the recording streams a turn, read by the scanner"
    );
}

/// A row frame around `item` (JSON text).
fn row_frame(item: &str) -> String {
    format!(
        r#"{{"type":"session","message":{{"type":"agent_stream","payload":{{"agentId":"a\u002d1","event":{{"type":"timeline","provider":"claude","item":{item}}},"timestamp":"t","seq":7,"epoch":"e"}}}}}}"#
    )
}

#[test]
fn items_at_the_edge_of_the_text_chunk_decode_decode_as_the_general_decoder_does() {
    let items = [
        r#"{"type":"assistant_message","text":"plain"}"#,
        r#"{"text":"key order \" \n \u00e9","type":"reasoning"}"#,
        r#"{"type":"user_message","text":"hi","messageId":"m1"}"#,
        r#"{"type":"user_message","text":"hi","messageId":null}"#,
        r#"{"type":"user_message","messageId":7,"text":"hi"}"#,
        r#"{"type":"assistant_message","text":"x","messageId":"m1"}"#,
        r#"{"type":"assistant_message","text":"x","extra":[1,{"a":2}]}"#,
        r#"{"type":"assistant_message","text":"x","text":"y"}"#,
        r#"{"type":"assistant_message","type":"reasoning","text":"x"}"#,
        r#"{"type":"assistant_message"}"#,
        r#"{"type":"assistant_message","text":null}"#,
        r#"{"type":"reasoning","text":5}"#,
        r#"{"type":"brand_new_kind","text":"x"}"#,
        r#"{"type":"todo","items":[{"text":"a","completed":false}]}"#,
        r#"{"type":"tool_call","callId":"c","name":"Bash","status":"running","error":null,
            "detail":{"type":"shell","command":"ls"}}"#,
        r#""not an object""#,
    ];
    for item in items {
        let frame = row_frame(item);
        assert_all_agree(&frame, item);
        assert!(
            matches!(decode(&frame), Ok(Decoded::Row(_))),
            "{item}: still a row"
        );
    }
}

#[test]
fn a_lookalike_falls_back_to_the_general_decoder() {
    let text = r#"{"type":"session","message":{"type":"activity_log","payload":{"id":"1",
        "timestamp":"t","type":"system","content":"\"agent_stream\""}}}"#;
    assert!(matches!(
        decode(text),
        Ok(Decoded::Message(message)) if matches!(*message, SessionMessage::ActivityLog(_))
    ));
}

/// Writes JSON text for `value` the way another daemon might: keys in any
/// order, whitespace anywhere, characters escaped that need not be.
struct Writer {
    rng: rand::rngs::StdRng,
    /// Chance of a whitespace run between tokens, and of escaping a char.
    spaces: f64,
    escapes: f64,
}

impl Writer {
    fn chance(&mut self, p: f64) -> bool {
        use rand::Rng;
        self.rng.random_bool(p)
    }

    fn space(&mut self, out: &mut String) {
        use rand::Rng;
        if self.chance(self.spaces) {
            for _ in 0..self.rng.random_range(1..3) {
                out.push([' ', '\n', '\t', '\r'][self.rng.random_range(0..4)]);
            }
        }
    }

    fn string(&mut self, text: &str, out: &mut String) {
        out.push('"');
        for c in text.chars() {
            if self.chance(self.escapes) {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            } else {
                let quoted = serde_json::to_string(&c.to_string()).unwrap();
                out.push_str(&quoted[1..quoted.len() - 1]);
            }
        }
        out.push('"');
    }

    fn value(&mut self, value: &serde_json::Value, out: &mut String) {
        use rand::seq::SliceRandom;
        use serde_json::Value;
        self.space(out);
        match value {
            Value::String(text) => self.string(text, out),
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.shuffle(&mut self.rng);
                out.push('{');
                for (i, (key, value)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.space(out);
                    self.string(key, out);
                    self.space(out);
                    out.push(':');
                    self.value(value, out);
                    self.space(out);
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.value(item, out);
                }
                out.push(']');
            }
            other => out.push_str(&other.to_string()),
        }
        self.space(out);
    }
}

/// One way a row frame can differ from what the scanner expects.
fn mutate(frame: &mut serde_json::Value, which: usize) -> &'static str {
    use serde_json::{Value, json};
    let payload = &mut frame["message"]["payload"];
    match which {
        0 => "unchanged",
        1 => {
            payload["seq"] = json!(0);
            "seq 0"
        }
        2 => {
            payload["seq"] = json!(u64::MAX);
            "seq u64::MAX"
        }
        3 => {
            payload["seq"] = json!(-3);
            "negative seq"
        }
        4 => {
            payload["seq"] = json!(2.0);
            "fractional seq"
        }
        5 => {
            payload["seq"] = Value::Null;
            "null seq"
        }
        6 => {
            payload["seq"] = json!("7");
            "string seq"
        }
        7 => {
            payload.as_object_mut().unwrap().remove("seq");
            "no seq"
        }
        8 => {
            payload["epoch"] = Value::Null;
            "null epoch"
        }
        9 => {
            payload.as_object_mut().unwrap().remove("epoch");
            "no epoch"
        }
        10 => {
            payload["extra"] = json!({"nested": [1, 2]});
            "unknown payload key"
        }
        11 => {
            frame["extra"] = json!(1);
            "unknown frame key"
        }
        12 => {
            payload["event"]["item"]["messageId"] = Value::Null;
            "null messageId"
        }
        13 => {
            payload["event"]["item"]["messageId"] = json!("m-9");
            "messageId"
        }
        14 => {
            payload["event"]["item"]["messageId"] = json!(9);
            "numeric messageId"
        }
        15 => {
            payload["event"]["item"]
                .as_object_mut()
                .unwrap()
                .remove("text");
            "no text"
        }
        16 => {
            payload["event"]["item"]["type"] = json!("reasoning");
            "reasoning"
        }
        17 => {
            payload["event"]["item"]["type"] = json!("plan");
            "plan item"
        }
        18 => {
            payload["event"]["item"]["extra"] = json!(true);
            "unknown item key"
        }
        19 => {
            payload["event"]["type"] = json!("status");
            "another event type"
        }
        20 => {
            frame["message"]["type"] = json!("agent_update");
            "another message type"
        }
        21 => {
            payload["agentId"] = json!(42);
            "numeric agent id"
        }
        22 => {
            payload["event"]["provider"] = Value::Null;
            "null provider"
        }
        24 => {
            payload["event"]["item"] = json!({"type": "tool_call", "callId": "c", "name": "Bash",
                "status": "completed", "error": null, "metadata": {"k": [1, 2.5, -3]},
                "detail": {"type": "shell", "command": "ls", "output": "a\nb", "exitCode": 0}});
            "tool call"
        }
        _ => {
            payload["timestamp"] = json!(["not", "a", "string"]);
            "timestamp array"
        }
    }
}

const MUTATIONS: usize = 26;

#[test]
fn mutated_recorded_frames_decode_as_the_general_decoder_decodes_them() {
    use rand::{Rng, SeedableRng};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../protocol/tests/data/paseo-v1-head-frames.jsonl"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let frames: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .filter(|record| record["dir"] == "in")
        .map(|record| record["frame"].clone())
        .filter(|frame| frame["message"]["payload"]["event"]["type"] == "timeline")
        .collect();
    assert!(frames.len() > 50);
    let mut writer = Writer {
        rng: rand::rngs::StdRng::seed_from_u64(0x5eed),
        spaces: 0.0,
        escapes: 0.0,
    };
    let (mut scanned_rows, mut cases) = (0, 0);
    for round in 0..6 {
        (writer.spaces, writer.escapes) =
            [(0.0, 0.0), (0.3, 0.0), (0.0, 0.05), (0.2, 0.2)][round % 4];
        for frame in &frames {
            for which in 0..MUTATIONS {
                let mut frame = frame.clone();
                let what = mutate(&mut frame, which);
                let mut text = String::new();
                writer.value(&frame, &mut text);
                // Sometimes a duplicate key, a cut, raw control characters or
                // trailing bytes: frames no decoder may accept differently.
                match writer.rng.random_range(0..12) {
                    0 => text = text.replacen('{', r#"{"type":"session","#, 1),
                    1 => text.truncate(writer.rng.random_range(0..text.len())),
                    2 => text = text.replacen("\"text\"", "\"te\txt\"", 1),
                    3 => text.push_str(" x"),
                    4 => text = text.replacen("\"seq\"", "\"seq\":1,\"seq\"", 1),
                    5 => text = text.replacen("\"text\"", "\"text\":\"dup\",\"text\"", 1),
                    6 => text = text.replacen("\"command\"", "\"command\":\"dup\",\"command\"", 1),
                    _ => {}
                }
                assert_all_agree(&text, what);
                cases += 1;
                scanned_rows += usize::from(scanned(&text).is_some());
            }
        }
    }
    assert!(
        cases > 5_000 && scanned_rows > 500,
        "{cases} cases, {scanned_rows} scanned"
    );
}
