//! Decoding of tagged JSON objects by hand, from a `serde_json::Value`
//! (see [`crate::tagged`] for the enums decoded this way, and the web app's
//! live messages).
//!
//! Why not `#[serde(tag = "type")]` for decoding: serde decodes an
//! internally tagged enum by first buffering the whole object into its
//! private `Content` tree, then decoding every variant (and every type nested
//! in it) a second time from that tree. In the browser's wasm bundle that
//! doubles the decoding code of everything a message carries and adds the
//! `Content` machinery itself: about a fifth of the main module. The
//! browser decodes through `Value` anyway, so a tag match and one plain
//! field read per field does the same job with the code it already has.
//! Serialising keeps serde's derive: it needs no buffering.
//!
//! The rules match serde's derive: a missing required field is an error
//! naming it, a missing or `null` `Option` is `None`, a missing
//! `#[serde(default)]` field is its default, unknown fields are ignored.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// The fields of one JSON object, taken one by one.
pub struct Fields {
    map: Map<String, Value>,
    what: &'static str,
}

/// Why an object could not be decoded.
pub type WireError = serde_json::Error;

fn error(message: String) -> WireError {
    <WireError as serde::de::Error>::custom(message)
}

impl Fields {
    /// The object in `value`, or an error naming `what` was expected.
    pub fn of(value: Value, what: &'static str) -> Result<Self, WireError> {
        match value {
            Value::Object(map) => Ok(Fields { map, what }),
            other => Err(error(format!(
                "invalid type: {}, expected {what}",
                kind_of(&other)
            ))),
        }
    }

    /// The `type` tag (empty when absent or not a string).
    pub fn tag(&self, key: &str) -> String {
        self.map
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    /// A required field.
    pub fn req<T: DeserializeOwned>(&mut self, key: &str) -> Result<T, WireError> {
        match self.map.remove(key) {
            Some(value) => self.decode(key, value),
            None => Err(error(format!("missing field `{key}` in {}", self.what))),
        }
    }

    /// An optional field: absent or `null` is `None`.
    pub fn opt<T: DeserializeOwned>(&mut self, key: &str) -> Result<Option<T>, WireError> {
        match self.map.remove(key) {
            None | Some(Value::Null) => Ok(None),
            Some(value) => self.decode(key, value).map(Some),
        }
    }

    /// A field with a default: absent is the default.
    pub fn def<T: DeserializeOwned + Default>(&mut self, key: &str) -> Result<T, WireError> {
        match self.map.remove(key) {
            None => Ok(T::default()),
            Some(value) => self.decode(key, value),
        }
    }

    /// The whole object (its tag included) as one `T`: for a variant that
    /// wraps a struct.
    pub fn into_value_as<T: DeserializeOwned>(self) -> Result<T, WireError> {
        serde_json::from_value(Value::Object(self.map))
    }

    /// The error for a tag this decoder does not know.
    pub fn unknown_tag(tag: &str) -> WireError {
        error(format!("unknown type `{tag}`"))
    }

    fn decode<T: DeserializeOwned>(&self, key: &str, value: Value) -> Result<T, WireError> {
        serde_json::from_value(value)
            .map_err(|e| error(format!("field `{key}` of {}: {e}", self.what)))
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fields_follow_serdes_rules() {
        let mut f = Fields::of(json!({"a": "x", "n": null, "d": [1]}), "thing").expect("object");
        assert_eq!(f.req::<String>("a").expect("a"), "x");
        assert_eq!(f.opt::<String>("n").expect("null is none"), None);
        assert_eq!(f.opt::<String>("absent").expect("absent is none"), None);
        assert_eq!(f.def::<Vec<u8>>("d").expect("d"), vec![1]);
        assert_eq!(f.def::<Vec<u8>>("none").expect("default"), Vec::<u8>::new());
        let missing = f.req::<String>("b").expect_err("missing");
        assert!(missing.to_string().contains("missing field `b` in thing"));
        let mut f = Fields::of(json!({"a": 1}), "thing").expect("object");
        let wrong = f.req::<String>("a").expect_err("wrong type");
        assert!(wrong.to_string().contains("field `a` of thing"), "{wrong}");
        assert!(Fields::of(json!([1]), "thing").is_err());
    }
}
