//! Test helpers shared with the daemon's and hub's tests: the recorded
//! Paseo fixture frames (in `protocol/tests/data/`) and a JSON comparison
//! proving that our output carries at least the keys a real daemon's frame
//! carries. Not used by production code.

pub mod fuzz;

use std::path::PathBuf;

use serde::Deserialize;
use serde_json::Value;

/// Direction of a recorded frame, from the client's point of view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FixtureDir {
    /// Daemon → client.
    In,
    /// Client → daemon.
    Out,
    /// Socket open/close events, close codes.
    Meta,
}

/// One line of a fixture file.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FixtureFrame {
    /// Label of the recorded daemon, e.g. `HEAD-f3de5689`.
    pub daemon: String,
    /// The client that produced the line (CLI fixtures only).
    #[serde(default)]
    pub client: Option<String>,
    pub dir: FixtureDir,
    /// Milliseconds since the socket opened.
    pub t_ms: u64,
    #[serde(default)]
    pub note: Option<String>,
    /// The frame as sent; `{"_raw": "…"}` for a text frame that is not JSON.
    pub frame: Value,
}

impl FixtureFrame {
    /// The exact text that went over the socket.
    pub fn text(&self) -> String {
        match self.raw_text() {
            Some(raw) => raw.to_owned(),
            None => self.frame.to_string(),
        }
    }

    /// The text of a frame that was not JSON, if this is one.
    pub fn raw_text(&self) -> Option<&str> {
        self.frame.get("_raw").and_then(Value::as_str)
    }

    /// The top-level `type` of the frame.
    pub fn frame_type(&self) -> Option<&str> {
        self.frame.get("type").and_then(Value::as_str)
    }

    /// For session frames, the inner message `type`.
    pub fn session_type(&self) -> Option<&str> {
        self.frame
            .get("message")
            .and_then(|message| message.get("type"))
            .and_then(Value::as_str)
    }
}

/// Path of a fixture file in `protocol/tests/data/`.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("data")
        .join(name)
}

/// Every line of a fixture file, e.g. `fixture_frames("paseo-v1-head-frames.jsonl")`.
///
/// # Panics
/// When the file is missing or a line is not a fixture record: fixtures are
/// part of the repository, so either is a bug.
pub fn fixture_frames(name: &str) -> Vec<FixtureFrame> {
    let path = fixture_path(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read fixture {}: {err}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line)
                .unwrap_or_else(|err| panic!("{name}:{}: not a fixture record: {err}", index + 1))
        })
        .collect()
}

/// Checks that `ours` carries every key path of `theirs` with an equal
/// value: objects recursively (extra keys in `ours` are fine), arrays
/// element by element (same length), numbers by numeric value (`0` equals
/// `0.0`), everything else exactly, `null` included. The error names the
/// first differing path, e.g. `$.message.payload.agent.model`.
pub fn json_keys_superset(ours: &Value, theirs: &Value) -> Result<(), String> {
    compare(ours, theirs, &mut String::from("$"))
}

fn compare(ours: &Value, theirs: &Value, path: &mut String) -> Result<(), String> {
    match (ours, theirs) {
        (Value::Object(ours), Value::Object(theirs)) => {
            for (key, their_value) in theirs {
                let len = path.len();
                path.push('.');
                path.push_str(key);
                match ours.get(key) {
                    Some(our_value) => compare(our_value, their_value, path)?,
                    None => return Err(format!("{path}: missing (theirs: {their_value})")),
                }
                path.truncate(len);
            }
            Ok(())
        }
        (Value::Array(ours), Value::Array(theirs)) => {
            if ours.len() != theirs.len() {
                return Err(format!(
                    "{path}: {} elements, theirs has {}",
                    ours.len(),
                    theirs.len()
                ));
            }
            for (index, (our_value, their_value)) in ours.iter().zip(theirs).enumerate() {
                let len = path.len();
                path.push_str(&format!("[{index}]"));
                compare(our_value, their_value, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        (Value::Number(ours), Value::Number(theirs)) => {
            let equal = ours == theirs
                || matches!((ours.as_f64(), theirs.as_f64()), (Some(a), Some(b)) if a == b);
            if equal {
                Ok(())
            } else {
                Err(format!("{path}: {ours} differs from theirs {theirs}"))
            }
        }
        _ if ours == theirs => Ok(()),
        _ => Err(format!("{path}: {ours} differs from theirs {theirs}")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn extra_keys_in_ours_are_fine() {
        let theirs = json!({"a": 1, "b": {"c": null}});
        let ours = json!({"a": 1, "b": {"c": null, "d": 2}, "e": []});
        assert_eq!(json_keys_superset(&ours, &theirs), Ok(()));
    }

    #[test]
    fn missing_null_key_is_reported_with_its_path() {
        let theirs = json!({"x": [{"model": null}]});
        let ours = json!({"x": [{}]});
        let err = json_keys_superset(&ours, &theirs).unwrap_err();
        assert!(err.starts_with("$.x[0].model: missing"), "{err}");
    }

    #[test]
    fn values_must_match_and_numbers_compare_numerically() {
        assert!(json_keys_superset(&json!({"a": 0.0}), &json!({"a": 0})).is_ok());
        assert!(json_keys_superset(&json!({"a": 1}), &json!({"a": 2})).is_err());
        assert!(json_keys_superset(&json!({"a": "x"}), &json!({"a": null})).is_err());
        assert!(json_keys_superset(&json!([1, 2, 3]), &json!([1, 2])).is_err());
    }

    #[test]
    fn fixture_files_load() {
        let frames = fixture_frames("paseo-v1-cli-frames.jsonl");
        assert!(frames.iter().any(|f| f.dir == FixtureDir::Out));
        assert!(frames.iter().any(|f| f.client.is_some()));
    }
}
