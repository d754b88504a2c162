//! What the server tells the browser about itself at page load.

use serde::{Deserialize, Serialize};

/// `<meta name=…>` carrying [`AppConfig::fallback_ws_url`].
pub const FALLBACK_URL_META: &str = "paseo-fallback-ws-url";

/// `<meta name=…>` carrying [`AppConfig::fallback_profile_id`].
pub const FALLBACK_ID_META: &str = "paseo-fallback-profile-id";

/// The default fallback profile URL: the local daemon on Paseo's port.
pub const DEFAULT_FALLBACK_WS_URL: &str = "ws://localhost:6767/ws";

/// Server-side settings the browser needs. The fallback URL comes from the
/// server's configuration (`--daemon-listen`), never hard-coded in the
/// browser, so a server with a non-default daemon port seeds the right one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppConfig {
    pub fallback_ws_url: String,
    /// The id "Local Host" gets when the browser seeds it: stable for one
    /// server configuration, in the registry's id format, so SSR and the
    /// browser name the local daemon alike.
    pub fallback_profile_id: String,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self::for_fallback(DEFAULT_FALLBACK_WS_URL)
    }
}

impl AppConfig {
    /// The configuration for a fallback daemon URL.
    pub fn for_fallback(url: &str) -> Self {
        Self {
            fallback_ws_url: url.to_owned(),
            fallback_profile_id: fallback_profile_id(url),
        }
    }
}

/// `daemon_local_<6 hex>`: FNV-1a of the URL (stable, not secret).
pub fn fallback_profile_id(url: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in url.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("daemon_local_{:06x}", hash & 0xff_ffff)
}

/// Reads the fallback profile id the server wrote into the page head.
#[cfg(feature = "hydrate")]
pub fn fallback_profile_id_from_document() -> Option<String> {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector(&format!("meta[name=\"{FALLBACK_ID_META}\"]"))
                .ok()
                .flatten()
        })
        .and_then(|meta| meta.get_attribute("content"))
        .filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fallback_id_is_stable_and_in_the_registry_format() {
        let a = super::fallback_profile_id("ws://localhost:6767/ws");
        assert_eq!(a, super::fallback_profile_id("ws://localhost:6767/ws"));
        assert_ne!(a, super::fallback_profile_id("ws://localhost:6768/ws"));
        assert!(
            a.starts_with("daemon_local_") && a.len() == "daemon_local_".len() + 6,
            "{a}"
        );
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
