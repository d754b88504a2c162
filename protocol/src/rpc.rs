//! Failure replies correlated by `requestId`.

use serde::{Deserialize, Serialize};

/// `rpc_error` codes used by Paseo's daemon; receivers treat the set as open.
pub mod rpc_code {
    /// No schema matches the message type (error `"Unknown request schema"`).
    pub const UNKNOWN_SCHEMA: &str = "unknown_schema";
    /// The frame failed validation (error `"Invalid message"`).
    pub const INVALID_MESSAGE: &str = "invalid_message";
    /// The handler failed (error `"Request failed: <msg>"`).
    pub const HANDLER_ERROR: &str = "handler_error";
    /// A list page cursor could not be decoded.
    pub const INVALID_CURSOR: &str = "invalid_cursor";
    /// `fetch_agents_request` failed.
    pub const FETCH_AGENTS_FAILED: &str = "fetch_agents_failed";
    /// Fetching an agent's history failed.
    pub const FETCH_AGENT_HISTORY_FAILED: &str = "fetch_agent_history_failed";
}

/// Payload of `rpc_error`: the request named by `request_id` failed.
/// Clients reject the matching pending request when they see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RpcError {
    pub request_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_type: Option<String>,
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}
