//! What the server tells the browser about itself at page load.

use serde::{Deserialize, Serialize};

/// `<meta name=…>` carrying [`AppConfig::fallback_ws_url`].
pub const FALLBACK_URL_META: &str = "paseo-fallback-ws-url";

/// The default fallback profile URL: the local daemon on Paseo's port.
pub const DEFAULT_FALLBACK_WS_URL: &str = "ws://localhost:6767/ws";

/// Server-side settings the browser needs. The fallback URL comes from the
/// server's configuration (`--daemon-listen`), never hard-coded in the
/// browser, so a server with a non-default daemon port seeds the right one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppConfig {
    pub fallback_ws_url: String,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            fallback_ws_url: DEFAULT_FALLBACK_WS_URL.to_owned(),
        }
    }
}

/// Reads the fallback URL that the server wrote into the page head.
#[cfg(feature = "hydrate")]
pub fn fallback_ws_url_from_document() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector(&format!("meta[name=\"{FALLBACK_URL_META}\"]"))
                .ok()
                .flatten()
        })
        .and_then(|meta| meta.get_attribute("content"))
        .filter(|url| !url.is_empty())
        .unwrap_or_else(|| DEFAULT_FALLBACK_WS_URL.to_owned())
}
