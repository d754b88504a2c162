//! Modes and models from a `session/new` / `session/load` result.
//!
//! Agents publish them in three shapes (ACP notes §2.5): the stable
//! `modes {currentModeId, availableModes}`, gemini's unstable
//! `models {currentModelId, availableModels}`, and `configOptions` selects
//! with `category` `mode`/`model` (the only shape opencode uses). We read
//! the dedicated fields first and fall back to the config options.

use protocol::{AgentMode, AgentModelDefinition};
use serde_json::Value;

/// What a session offers and runs with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Catalog {
    /// Selectable modes.
    pub modes: Vec<AgentMode>,
    /// The mode in effect.
    pub current_mode_id: Option<String>,
    /// Selectable models.
    pub models: Vec<AgentModelDefinition>,
    /// The model in effect.
    pub current_model: Option<String>,
}

/// Reads the catalog from a session result.
pub fn parse(provider: &str, result: &Value) -> Catalog {
    let (modes, current_mode_id) = match result.get("modes") {
        Some(modes) if modes.is_object() => (
            list(modes, "availableModes", "id"),
            str_at(modes, "currentModeId"),
        ),
        _ => config_select(result, "mode"),
    };
    let (models, current_model) = match result.get("models") {
        Some(models) if models.is_object() => (
            list(models, "availableModels", "modelId"),
            str_at(models, "currentModelId"),
        ),
        _ => config_select(result, "model"),
    };
    Catalog {
        modes: modes
            .into_iter()
            .map(|(id, label, description)| AgentMode {
                id,
                label,
                description,
                icon: None,
                color_tier: None,
            })
            .collect(),
        models: models
            .into_iter()
            .map(|(id, label, description)| AgentModelDefinition {
                provider: provider.to_owned(),
                is_default: Some(current_model.as_deref() == Some(id.as_str())),
                id,
                label,
                description,
                metadata: None,
                thinking_options: None,
                default_thinking_option_id: None,
            })
            .collect(),
        current_mode_id,
        current_model,
    }
}

type Entry = (String, String, Option<String>);

/// `[{<id_key>, name, description}]` under `key`.
fn list(parent: &Value, key: &str, id_key: &str) -> Vec<Entry> {
    parent
        .get(key)
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| entry(item, id_key))
                .collect()
        })
        .unwrap_or_default()
}

fn entry(item: &Value, id_key: &str) -> Option<Entry> {
    let id = str_at(item, id_key)?;
    let label = str_at(item, "name").unwrap_or_else(|| id.clone());
    Some((id, label, str_at(item, "description")))
}

/// The `configOptions` select of `category` (or id) `which`.
fn config_select(result: &Value, which: &str) -> (Vec<Entry>, Option<String>) {
    let option = result
        .get("configOptions")
        .and_then(Value::as_array)
        .and_then(|options| {
            options.iter().find(|o| {
                o.get("category").and_then(Value::as_str) == Some(which)
                    || o.get("id").and_then(Value::as_str) == Some(which)
            })
        });
    let Some(option) = option else {
        return (Vec::new(), None);
    };
    let mut entries = Vec::new();
    flatten_options(option.get("options"), &mut entries);
    (entries, str_at(option, "currentValue"))
}

/// Options may be grouped (`{group, name, options: [...]}`).
fn flatten_options(options: Option<&Value>, out: &mut Vec<Entry>) {
    for item in options.and_then(Value::as_array).into_iter().flatten() {
        if item.get("options").is_some() {
            flatten_options(item.get("options"), out);
        } else if let Some(entry) = entry(item, "value") {
            out.push(entry);
        }
    }
}

fn str_at(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn stable_modes_and_gemini_models() {
        let result = json!({"sessionId": "s",
            "modes": {"availableModes": [{"id": "default", "name": "Default", "description": "Prompts"},
                                         {"id": "yolo", "name": "YOLO"}], "currentModeId": "default"},
            "models": {"availableModels": [{"modelId": "auto", "name": "Auto"}], "currentModelId": "auto"}});
        let catalog = parse("gemini", &result);
        assert_eq!(catalog.modes.len(), 2);
        assert_eq!(catalog.modes[0].description.as_deref(), Some("Prompts"));
        assert_eq!(catalog.current_mode_id.as_deref(), Some("default"));
        assert_eq!(catalog.models[0].id, "auto");
        assert_eq!(catalog.models[0].is_default, Some(true));
    }

    #[test]
    fn opencode_config_options_only() {
        let result = json!({"sessionId": "ses_x", "configOptions": [
            {"id": "model", "category": "model", "type": "select", "currentValue": "fake/fake-model",
             "options": [{"value": "opencode/big-pickle", "name": "Big Pickle"},
                         {"group": "fake", "name": "Fake", "options": [{"value": "fake/fake-model", "name": "Fake Model"}]}]},
            {"id": "mode", "name": "Session Mode", "category": "mode", "type": "select", "currentValue": "build",
             "options": [{"value": "build", "name": "build"}, {"value": "plan", "name": "plan"}]}]});
        let catalog = parse("opencode", &result);
        let ids: Vec<_> = catalog.models.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["opencode/big-pickle", "fake/fake-model"]);
        assert_eq!(catalog.current_model.as_deref(), Some("fake/fake-model"));
        assert_eq!(catalog.modes.len(), 2);
        assert_eq!(catalog.current_mode_id.as_deref(), Some("build"));
    }
}
