//! The fixed JSON shapes of the handshake: `initialize`, the `session/new`
//! and `session/load` results, and the advertised commands. Kept together so
//! a reader can compare them with real agents' traffic at a glance.

use serde_json::{Value, json};

use crate::store::SessionRecord;

/// The modes offered by every session: `(id, name, description)`.
pub const MODES: [(&str, &str, &str); 2] = [
    ("default", "Default", "Asks permission before editing files"),
    ("acceptEdits", "Accept Edits", "Edits files without asking"),
];
/// The mode that edits without asking for permission.
pub const ACCEPT_EDITS: &str = "acceptEdits";
/// The only model: `(id, name, description)`.
pub const MODEL: (&str, &str, &str) = ("test-model", "Test Model", "Scripted, offline replies");

/// The `initialize` result.
pub fn initialize_result() -> Value {
    json!({
        "protocolVersion": 1,
        "agentCapabilities": {
            "loadSession": true,
            "promptCapabilities": {"image": false, "audio": false, "embeddedContext": false},
            "mcpCapabilities": {"http": false, "sse": false}
        },
        "authMethods": [],
        "agentInfo": {
            "name": "paseo-test-agent",
            "title": "Paseo Test Agent",
            "version": env!("CARGO_PKG_VERSION")
        }
    })
}

/// The `session/new` (with id) or `session/load` (without) result.
pub fn session_result(record: &SessionRecord, with_id: bool) -> Value {
    let modes: Vec<Value> = MODES
        .iter()
        .map(|(id, name, description)| json!({"id": id, "name": name, "description": description}))
        .collect();
    let mut result = json!({
        "modes": {"currentModeId": record.mode_id, "availableModes": modes},
        "models": {
            "currentModelId": record.model_id,
            "availableModels": [{"modelId": MODEL.0, "name": MODEL.1, "description": MODEL.2}]
        }
    });
    if with_id {
        result["sessionId"] = json!(record.session_id);
    }
    result
}

/// The `available_commands_update` sent after `session/new` and `session/load`.
pub fn commands_update() -> Value {
    json!({
        "sessionUpdate": "available_commands_update",
        "availableCommands": [{
            "name": "markers",
            "description": "List the prompt markers this test agent understands",
            "input": null
        }]
    })
}
