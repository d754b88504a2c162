//! What SSR and server functions get from the server: a view of the daemons
//! the server itself is configured with, read synchronously from the hub.

use std::sync::Arc;

use app::hosts::{ConfiguredHosts, HostView};
use app::live::ConnectionStatus;
use leptos::nonce::Nonce;
use leptos::prelude::{provide_context, use_context};

use crate::AppState;
use crate::headers::CspNonce;

/// Maps the hub's status onto the live channel's.
pub fn status(status: hub::ConnectionStatus) -> ConnectionStatus {
    match status {
        hub::ConnectionStatus::Idle => ConnectionStatus::Idle,
        hub::ConnectionStatus::Connecting => ConnectionStatus::Connecting,
        hub::ConnectionStatus::Online => ConnectionStatus::Online,
        hub::ConnectionStatus::Offline => ConnectionStatus::Offline,
        hub::ConnectionStatus::Error => ConnectionStatus::Error,
    }
}

/// The per-request context function given to `leptos_routes_with_context`.
pub fn context(state: AppState) -> impl Fn() + Clone + Send + Sync + 'static {
    move || {
        let state = state.clone();
        // The nonce the security headers allowed for this response (see
        // `headers`), in place of the one Leptos made, so the hydration
        // script carries the nonce of the CSP header.
        if let Some(nonce) = use_context::<axum::http::request::Parts>()
            .and_then(|parts| parts.extensions.get::<CspNonce>().cloned())
        {
            provide_context(Nonce::from_value(nonce.0));
        }
        provide_context(app::api::ssr::ApiContext {
            hub: state.hub.clone(),
            tabs: state.tabs.clone(),
            permission_timeout: std::time::Duration::from_secs(15),
            fallback: state
                .pinned
                .first()
                .map(|(_, key, url)| (app::config::fallback_profile_id(url), key.clone())),
        });
        provide_context(ConfiguredHosts(Arc::new(move || {
            state
                .pinned
                .iter()
                .map(|(label, key, url)| {
                    let snapshot = state.hub.connection(key);
                    HostView {
                        profile_id: key.to_string(),
                        label: label.clone(),
                        ws_url: url.clone(),
                        status: snapshot
                            .as_ref()
                            .map(|s| status(s.status))
                            .unwrap_or(ConnectionStatus::Connecting),
                        last_error: snapshot.as_ref().and_then(|s| s.last_error.clone()),
                        last_online_at: snapshot.as_ref().and_then(|s| s.last_online_at),
                        daemon_id: snapshot.and_then(|s| s.daemon_id),
                    }
                })
                .collect()
        })));
    }
}
