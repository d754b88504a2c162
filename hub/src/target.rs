//! Which daemon to reach, and the key that decides connection sharing.
//!
//! A [`DaemonTarget`] is what a browser profile names (URL, optional
//! password, label). Its [`DaemonKey`] is the normalised URL plus a short
//! keyed hash of the credential: two profiles that spell the same URL with the
//! same password share one connection, a different password never does, and
//! the key can be logged because the password cannot be recovered from it (the
//! hash is keyed with a secret that lives only in this process).

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::BuildHasher;
use std::sync::{Arc, OnceLock};

use serde::{Serialize, Serializer};
use url::Url;

use crate::error::HubError;

/// A daemon as a profile names it. Build it with a struct literal; it is
/// validated when it is handed to [`crate::Hub::watch`] / [`crate::Hub::pin`]
/// (or by [`DaemonTarget::key`]).
#[derive(Clone, PartialEq, Eq)]
pub struct DaemonTarget {
    /// `ws://…` or `wss://…`, e.g. `ws://localhost:6767/ws`.
    pub url: String,
    /// Sent only as the WebSocket subprotocol `paseo.bearer.<password>`.
    pub password: Option<String>,
    /// Human name for logs ("Local Host").
    pub label: String,
}

impl fmt::Debug for DaemonTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DaemonTarget")
            .field("url", &mask_userinfo(&self.url))
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("label", &self.label)
            .finish()
    }
}

impl DaemonTarget {
    /// The key this target would connect under (validating it first).
    pub fn key(&self) -> Result<DaemonKey, HubError> {
        self.validate().map(|valid| valid.key)
    }

    pub(crate) fn validate(&self) -> Result<ValidTarget, HubError> {
        let url = normalise_url(&self.url)?;
        let password = match self.password.as_deref() {
            None | Some("") => None,
            Some(password) if password.bytes().all(is_token_char) => Some(password.to_owned()),
            Some(_) => return Err(HubError::InvalidPassword),
        };
        let key = DaemonKey {
            url: Arc::from(url.as_str()),
            credential: password.as_deref().map(credential_tag),
        };
        Ok(ValidTarget {
            key,
            url,
            password,
            label: self.label.clone(),
        })
    }
}

/// A target that passed validation: what an actor is started with.
#[derive(Clone)]
pub(crate) struct ValidTarget {
    pub(crate) key: DaemonKey,
    pub(crate) url: Url,
    pub(crate) password: Option<String>,
    pub(crate) label: String,
}

impl fmt::Debug for ValidTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidTarget")
            .field("key", &self.key)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field("label", &self.label)
            .finish()
    }
}

/// The hub's identity of one connection: normalised URL + credential hash.
/// Safe to log; its `Display` is e.g. `ws://127.0.0.1:6767/ws [cred:1a2b3c4d]`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DaemonKey {
    // Shared: a key is cloned into every event the hub broadcasts.
    url: Arc<str>,
    credential: Option<u64>,
}

impl DaemonKey {
    /// The normalised WebSocket URL (no credential in it).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether the connection carries a password.
    pub fn has_credential(&self) -> bool {
        self.credential.is_some()
    }
}

impl fmt::Display for DaemonKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.credential {
            // 32 of the 64 bits: enough to tell credentials apart in logs.
            Some(tag) => write!(f, "{} [cred:{:08x}]", self.url, tag >> 32),
            None => f.write_str(&self.url),
        }
    }
}

impl fmt::Debug for DaemonKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DaemonKey({self})")
    }
}

impl Serialize for DaemonKey {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// SipHash keyed with a per-process random secret: stable for the process,
/// useless for guessing the password offline from a log line.
fn credential_tag(password: &str) -> u64 {
    static SECRET: OnceLock<RandomState> = OnceLock::new();
    SECRET.get_or_init(RandomState::new).hash_one(password)
}

/// RFC 7230 `tchar`: what a `Sec-WebSocket-Protocol` token may contain.
fn is_token_char(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

fn normalise_url(raw: &str) -> Result<Url, HubError> {
    let trimmed = raw.trim();
    let shown = mask_userinfo(trimmed);
    let mut url = Url::parse(trimmed).map_err(|err| HubError::InvalidUrl {
        url: shown.clone(),
        reason: err.to_string(),
    })?;
    match url.scheme() {
        "ws" | "wss" => {}
        other => {
            return Err(HubError::UnsupportedScheme {
                url: shown,
                scheme: other.to_owned(),
            });
        }
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(HubError::CredentialsInUrl { url: shown });
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(HubError::InvalidUrl {
            url: shown,
            reason: "it has no host".into(),
        });
    }
    url.set_fragment(None);
    if url.query() == Some("") {
        url.set_query(None);
    }
    Ok(url)
}

/// Replaces `user:pass@` in a URL-ish string with `***@`, for messages.
fn mask_userinfo(raw: &str) -> String {
    let Some(scheme_end) = raw.find("://") else {
        return raw.to_owned();
    };
    let rest = &raw[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &raw[..scheme_end + 3], &rest[at..],),
        None => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(url: &str, password: Option<&str>) -> DaemonTarget {
        DaemonTarget {
            url: url.into(),
            password: password.map(str::to_owned),
            label: "test".into(),
        }
    }

    #[test]
    fn http_url_is_refused_with_a_clear_message() {
        let err = target("http://localhost:6767/ws", None).key().unwrap_err();
        assert!(matches!(err, HubError::UnsupportedScheme { ref scheme, .. } if scheme == "http"));
        assert!(err.to_string().contains("ws:// or wss://"), "{err}");
    }

    #[test]
    fn ws_and_wss_are_accepted() {
        assert!(target("ws://localhost:6767/ws", None).key().is_ok());
        assert!(target("wss://example.com/ws", None).key().is_ok());
    }

    #[test]
    fn garbage_is_an_invalid_url() {
        let err = target("not a url", None).key().unwrap_err();
        assert!(matches!(err, HubError::InvalidUrl { .. }), "{err:?}");
    }

    #[test]
    fn case_default_port_and_fragment_are_normalised() {
        let a = target("WS://LocalHost:80/ws#x", None).key().unwrap();
        let b = target(" ws://localhost/ws ", None).key().unwrap();
        assert_eq!(a, b);
        assert_eq!(a.url(), "ws://localhost/ws");
    }

    #[test]
    fn localhost_and_loopback_ip_are_different_keys() {
        let a = target("ws://localhost:6767/ws", None).key().unwrap();
        let b = target("ws://127.0.0.1:6767/ws", None).key().unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn same_password_same_key_other_password_other_key() {
        let a = target("ws://h:1/ws", Some("s3cret")).key().unwrap();
        let b = target("ws://h:1/ws", Some("s3cret")).key().unwrap();
        let c = target("ws://h:1/ws", Some("other")).key().unwrap();
        let none = target("ws://h:1/ws", None).key().unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, none);
    }

    #[test]
    fn empty_password_means_no_password() {
        let a = target("ws://h:1/ws", Some("")).key().unwrap();
        let b = target("ws://h:1/ws", None).key().unwrap();
        assert_eq!(a, b);
        assert!(!a.has_credential());
    }

    #[test]
    fn key_display_and_debug_never_contain_the_password() {
        let t = target("ws://h:1/ws", Some("hunter2hunter2"));
        let key = t.key().unwrap();
        for shown in [
            key.to_string(),
            format!("{key:?}"),
            format!("{t:?}"),
            format!("{:?}", t.validate().unwrap()),
            serde_json::to_string(&key).unwrap(),
        ] {
            assert!(!shown.contains("hunter2"), "{shown}");
        }
        assert!(key.to_string().starts_with("ws://h:1/ws [cred:"));
    }

    #[test]
    fn credentials_in_the_url_are_refused_and_masked() {
        let err = target("ws://me:hunter2@h:1/ws", None).key().unwrap_err();
        assert!(matches!(err, HubError::CredentialsInUrl { .. }));
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let bad = target("ws://me:hunter2@h:bad/ws", None).key().unwrap_err();
        assert!(!bad.to_string().contains("hunter2"), "{bad}");
    }

    #[test]
    fn password_that_cannot_be_a_subprotocol_token_is_refused() {
        let err = target("ws://h:1/ws", Some("two words")).key().unwrap_err();
        assert_eq!(err, HubError::InvalidPassword);
        assert!(target("ws://h:1/ws", Some("a,b")).key().is_err());
        assert!(target("ws://h:1/ws", Some("Ok-pass_1.~")).key().is_ok());
    }
}
