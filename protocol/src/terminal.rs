//! Terminals (`list_terminals_*`). This daemon runs no terminals yet, but
//! Paseo's CLI (`terminal ls`) and web app (the workspace screen) ask for
//! the list, so the request and its answer are typed here.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `list_terminals_request`: the terminals in `cwd`, or all without one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTerminalsRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    pub request_id: String,
}

/// `list_terminals_response`. Terminal entries (`{id, name, title?}` in
/// Paseo) are kept as JSON: this crate never builds one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListTerminalsResponse {
    /// Echoes the request's `cwd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    pub terminals: Vec<Value>,
    pub request_id: String,
}

/// `subscribe_terminals_request` (no `requestId`): push `terminals_changed`
/// for `cwd` now and on every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscribeTerminalsRequest {
    pub cwd: String,
}

/// `unsubscribe_terminals_request` (no reply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnsubscribeTerminalsRequest {
    pub cwd: String,
}

/// `terminals_changed` push: the terminals of a subscribed `cwd`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TerminalsChanged {
    pub cwd: String,
    pub terminals: Vec<Value>,
}
