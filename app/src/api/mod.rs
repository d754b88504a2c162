//! Server functions: every action and query the browser makes, each one a
//! POST naming the tab token and the profile it targets, reaching that
//! profile's daemon through the hub. Grouped by daemon area; several
//! screens share them (send: composer and queue; answer: agent page).
//!
//! No function takes a URL, a password or a `srv_` id: the tab's live
//! channel already told the server which daemon each of its profiles is.

pub mod agents;
pub mod files;
pub mod permissions;
pub mod timeline;

#[cfg(feature = "ssr")]
pub mod tabs;

#[cfg(feature = "ssr")]
pub mod ssr {
    //! What server functions need from the web server, and the mapping of
    //! hub errors onto [`AppError`].
    use std::time::Duration;

    use hub::{DaemonKey, Hub, HubError};
    use leptos::prelude::use_context;
    use protocol::{SessionMessage, SessionRequest};

    pub use super::tabs::Tabs;
    use crate::error::AppError;

    /// Provided by the web server as request context.
    #[derive(Clone)]
    pub struct ApiContext {
        pub hub: Hub,
        pub tabs: Tabs,
        /// How long an answered permission may take to be resolved.
        pub permission_timeout: Duration,
        /// The server's own daemon: the fallback profile id the browser
        /// seeds "Local Host" with, and its connection (SSR reads it).
        pub fallback: Option<(String, DaemonKey)>,
    }

    /// The context, or an error saying the server is misconfigured.
    pub fn api() -> Result<ApiContext, AppError> {
        use_context::<ApiContext>()
            .ok_or_else(|| AppError::server_fn("the server provides no API context"))
    }

    /// The hub and the connection key of `profile_id` for tab `tab`.
    pub fn target(tab: &str, profile_id: &str) -> Result<(ApiContext, DaemonKey), AppError> {
        let api = api()?;
        let key = api.tabs.resolve(tab, profile_id)?;
        Ok((api, key))
    }

    /// A fresh request id (the hub rewrites it on the wire anyway).
    pub fn request_id(what: &str) -> String {
        let bits: u64 = rand::random();
        format!("web-{what}-{bits:016x}")
    }

    pub fn hub_error(err: HubError) -> AppError {
        match err {
            HubError::DaemonUnavailable {
                status, last_error, ..
            } => AppError::DaemonUnavailable {
                status: status.as_str().to_owned(),
                last_error,
            },
            HubError::NotWatched { .. } => AppError::DaemonUnavailable {
                status: "idle".into(),
                last_error: Some("nobody watches this host on the server".into()),
            },
            HubError::Timeout {
                request_type,
                after,
                ..
            } => AppError::Timeout {
                what: request_type.to_owned(),
                after_ms: after.as_millis() as u64,
            },
            HubError::Rpc { code, message, .. } | HubError::AgentCreateFailed { message, code } => {
                AppError::Rpc { code, message }
            }
            other => AppError::server_fn(other.to_string()),
        }
    }

    /// Sends `request` to the tab's `profile_id` daemon and waits for the reply.
    pub async fn call(
        tab: &str,
        profile_id: &str,
        request: SessionRequest,
    ) -> Result<SessionMessage, AppError> {
        let (api, key) = target(tab, profile_id)?;
        api.hub.request(&key, request).await.map_err(hub_error)
    }

    /// An answer of an unexpected type.
    pub fn unexpected(what: &str, answer: &SessionMessage) -> AppError {
        AppError::Rpc {
            code: None,
            message: format!("unexpected answer to {what}: {}", answer.type_name()),
        }
    }
}
