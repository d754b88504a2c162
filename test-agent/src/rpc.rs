//! JSON-RPC 2.0 plumbing: classifying incoming lines, building replies, and
//! the single serialized writer to stdout (the protocol channel).
//!
//! Kept apart from the agent logic so that the ACP behaviour reads as
//! "method in, updates out" without wire details.

use serde_json::{Value, json};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::Mutex;

/// JSON-RPC "Parse error".
pub const PARSE_ERROR: i64 = -32700;
/// JSON-RPC "Invalid Request".
pub const INVALID_REQUEST: i64 = -32600;

/// Errors a request can be answered with; each maps to a JSON-RPC code.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// The method is not implemented by this agent.
    #[error("Method not found")]
    MethodNotFound(String),
    /// The params are missing or have the wrong shape.
    #[error("Invalid params: {0}")]
    InvalidParams(String),
    /// No session with that id exists (in memory or on disk).
    #[error("Session not found")]
    SessionNotFound(String),
    /// The `FAIL_AUTH` marker: pretend the agent is not logged in.
    #[error("Authentication required")]
    AuthRequired,
    /// Anything else that went wrong while handling the request.
    #[error("Internal error: {0}")]
    Internal(String),
}

impl AgentError {
    /// The JSON-RPC error code for this error.
    pub fn code(&self) -> i64 {
        match self {
            Self::MethodNotFound(_) => -32601,
            Self::InvalidParams(_) => -32602,
            Self::SessionNotFound(_) => -32002,
            Self::AuthRequired => -32000,
            Self::Internal(_) => -32603,
        }
    }

    /// The JSON-RPC error object (`{code, message, data?}`).
    pub fn to_error_object(&self) -> Value {
        match self {
            Self::MethodNotFound(method) => {
                json!({"code": self.code(), "message": self.to_string(), "data": {"method": method}})
            }
            Self::SessionNotFound(id) => {
                json!({"code": self.code(), "message": self.to_string(), "data": {"sessionId": id}})
            }
            _ => json!({"code": self.code(), "message": self.to_string()}),
        }
    }
}

/// One incoming line, classified.
#[derive(Debug)]
pub enum Incoming {
    /// A request from the client: it expects a response with the same id.
    Request {
        /// The client's id, echoed as-is (number, string or null).
        id: Value,
        /// The method name.
        method: String,
        /// The params, `Value::Null` when absent.
        params: Value,
    },
    /// A notification from the client: no response.
    Notification {
        /// The method name.
        method: String,
        /// The params, `Value::Null` when absent.
        params: Value,
    },
    /// A response to one of our own (agent→client) requests.
    Response {
        /// Our id, as sent back by the client.
        id: Value,
        /// The whole message, with `result` or `error`.
        message: Value,
    },
}

/// Why a line could not be classified; answered with an error, id null.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    /// Not JSON at all.
    #[error("Parse error")]
    Parse(#[from] serde_json::Error),
    /// JSON, but not a JSON-RPC message.
    #[error("Invalid Request")]
    Invalid,
}

impl WireError {
    /// The JSON-RPC error code for this error.
    pub fn code(&self) -> i64 {
        match self {
            Self::Parse(_) => PARSE_ERROR,
            Self::Invalid => INVALID_REQUEST,
        }
    }
}

/// Parses and classifies one line of input.
pub fn classify(line: &[u8]) -> Result<Incoming, WireError> {
    let mut value: Value = serde_json::from_slice(line)?;
    let Some(obj) = value.as_object_mut() else {
        return Err(WireError::Invalid);
    };
    let params = obj.remove("params").unwrap_or(Value::Null);
    match (obj.get("method").and_then(Value::as_str), obj.get("id")) {
        (Some(method), Some(id)) => Ok(Incoming::Request {
            id: id.clone(),
            method: method.to_owned(),
            params,
        }),
        (Some(method), None) => Ok(Incoming::Notification {
            method: method.to_owned(),
            params,
        }),
        (None, Some(id)) if obj.contains_key("result") || obj.contains_key("error") => {
            Ok(Incoming::Response {
                id: id.clone(),
                message: value,
            })
        }
        _ => Err(WireError::Invalid),
    }
}

/// A success response.
pub fn response(id: &Value, result: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": result})
}

/// An error response.
pub fn error_response(id: &Value, error: Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": error})
}

/// A notification (no id).
pub fn notification(method: &str, params: Value) -> Value {
    json!({"jsonrpc": "2.0", "method": method, "params": params})
}

/// The one writer of the protocol channel: each message is written as one
/// line and flushed while holding the lock, so lines never interleave and a
/// message is out of the process once `send` returns.
pub struct Outbox {
    sink: Mutex<Box<dyn AsyncWrite + Send + Unpin>>,
}

impl Outbox {
    /// An outbox writing to this process's stdout.
    pub fn stdout() -> Self {
        Self {
            sink: Mutex::new(Box::new(tokio::io::stdout())),
        }
    }

    /// Writes one message; a closed stdout is logged, not fatal (stdin EOF
    /// ends the process).
    pub async fn send(&self, message: &Value) {
        let mut line = message.to_string();
        line.push('\n');
        let mut sink = self.sink.lock().await;
        let written = match sink.write_all(line.as_bytes()).await {
            Ok(()) => sink.flush().await,
            Err(err) => Err(err),
        };
        if let Err(err) = written {
            tracing::warn!(%err, "cannot write to stdout");
        }
    }
}
