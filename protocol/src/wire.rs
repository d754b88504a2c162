//! Small serde helpers shared by the wire types: the few places where the
//! protocol distinguishes an absent key from a `null` one, and defaults that
//! are not the type's own.

/// `Option<Option<T>>` that keeps "absent" (`None`) apart from "null"
/// (`Some(None)`). Use with `#[serde(default, skip_serializing_if =
/// "Option::is_none", with = "crate::wire::double_option")]`.
pub(crate) mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<T, S>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error>
    where
        T: Serialize,
        S: Serializer,
    {
        match value {
            Some(inner) => inner.serialize(serializer),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
    where
        T: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}

/// Serde default for keys whose zod default is `true`.
pub(crate) fn default_true() -> bool {
    true
}
