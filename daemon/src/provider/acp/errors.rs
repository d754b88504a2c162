//! Agent failures → [`ProviderError`]s a user can act on.
//!
//! Error text reaches users verbatim, so it names the agent, says what
//! happened, and for missing credentials says which env var or login the
//! agent wants (the per-provider hint). Auth failures come in several
//! shapes (ACP notes §5.8): `-32000 "Authentication required"` (claude,
//! codex), `-32000` with gemini's "API key is missing", and codex's
//! `-32603` whose `data` is "OPENAI_API_KEY is not set".

use std::time::Duration;

use super::client::ClientError;
use super::jsonrpc::{AUTH_REQUIRED, RpcErrorObject};
use super::process::{AgentProcess, ExitInfo};
use crate::provider::ProviderError;

/// Turns agent failures into [`ProviderError`]s whose text tells the user
/// what happened and what to do.
#[derive(Debug, Clone)]
pub struct ErrorContext {
    /// Provider id, for logs.
    pub provider: String,
    /// Display name used in messages.
    pub label: String,
    /// What to do about missing credentials.
    pub auth_hint: Option<String>,
}

impl ErrorContext {
    /// Maps a failed request (`method`) to a provider error.
    pub fn map(&self, err: ClientError, method: &str) -> ProviderError {
        match err {
            ClientError::Closed => ProviderError::Crashed(format!(
                "{} closed the connection during {method}",
                self.label
            )),
            ClientError::Rpc(error) if is_auth_error(&error) => ProviderError::Auth {
                message: self.auth_message(&error),
            },
            ClientError::Rpc(error) => ProviderError::Protocol(format!(
                "{} failed ({method}): {}",
                self.label,
                error.full_text()
            )),
        }
    }

    /// A timeout on `method`.
    pub fn timeout(&self, method: &str, within: Duration) -> ProviderError {
        ProviderError::Timeout(format!(
            "{} did not answer {method} within {} s",
            self.label,
            within.as_secs_f64().round()
        ))
    }

    /// The agent went away `when`; waits briefly for its exit status.
    pub async fn crashed(&self, process: &AgentProcess, when: &str) -> ProviderError {
        let info = tokio::time::timeout(Duration::from_secs(1), process.exited())
            .await
            .ok();
        ProviderError::Crashed(self.crash_text(process, when, info))
    }

    /// "<label> exited unexpectedly <when> (<exit>). Last output: …".
    pub fn crash_text(&self, process: &AgentProcess, when: &str, info: Option<ExitInfo>) -> String {
        let mut text = format!("{} exited unexpectedly", self.label);
        if !when.is_empty() {
            text = format!("{text} {when}");
        }
        if let Some(info) = info {
            text = format!("{text} ({info})");
        }
        if let Some(last) = process.stderr_tail().lines().last() {
            text = format!("{text}. Last output: {last}");
        }
        text
    }

    fn auth_message(&self, error: &RpcErrorObject) -> String {
        let hint = self.auth_hint.clone().unwrap_or_else(|| {
            "Log in to the agent in a terminal or set its API key in the daemon's environment, then try again."
                .to_owned()
        });
        format!(
            "{} is not signed in ({}). {hint}",
            self.label,
            error.full_text()
        )
    }
}

/// `-32000` is ACP's "Authentication required"; codex reports a missing
/// key as an internal error whose data says so.
fn is_auth_error(error: &RpcErrorObject) -> bool {
    if error.code == AUTH_REQUIRED {
        return true;
    }
    let text = error.full_text().to_ascii_lowercase();
    [
        "authentication required",
        "api key is missing",
        "api_key is not set",
        "not logged in",
        "unauthorized",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn context() -> ErrorContext {
        ErrorContext {
            provider: "codex".into(),
            label: "Codex".into(),
            auth_hint: Some("Set OPENAI_API_KEY or CODEX_API_KEY for the daemon.".into()),
        }
    }

    #[test]
    fn auth_errors_name_what_to_do() {
        let real = [
            RpcErrorObject::new(-32000, "Authentication required"),
            RpcErrorObject::new(-32000, "Gemini API key is missing or not configured."),
            RpcErrorObject {
                code: -32603,
                message: "Internal error".into(),
                data: Some(json!("OPENAI_API_KEY is not set")),
            },
        ];
        for error in real {
            let mapped = context().map(ClientError::Rpc(error.clone()), "session/new");
            let ProviderError::Auth { message } = mapped else {
                panic!("{error:?} is not an auth error");
            };
            assert!(message.starts_with("Codex is not signed in ("), "{message}");
            assert!(
                message.ends_with("Set OPENAI_API_KEY or CODEX_API_KEY for the daemon."),
                "{message}"
            );
        }
        let other = RpcErrorObject::new(-32603, "Internal error");
        assert!(matches!(
            context().map(ClientError::Rpc(other), "x"),
            ProviderError::Protocol(_)
        ));
    }
}
