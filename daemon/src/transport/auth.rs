//! The optional daemon password, as Paseo does it: WebSocket clients offer
//! the subprotocol `paseo.bearer.<password>`, HTTP clients send
//! `Authorization: Bearer <password>`.
//!
//! Only a salted SHA-256 digest is kept in memory (the salt is random per
//! process), so a heap dump or a `{:?}` of the config never shows the
//! password, and offered passwords are compared digest to digest in
//! constant time so response timing says nothing about how much matched.
//! The password never goes to the log.

use std::path::{Path, PathBuf};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::http::{HeaderMap, HeaderValue, header};
use futures_util::{SinkExt, StreamExt};
use sha2::{Digest, Sha256};

/// Prefix of the WebSocket subprotocol that carries the password.
pub const BEARER_PROTOCOL_PREFIX: &str = "paseo.bearer.";

/// How long a rejected socket may take to finish its close handshake.
const CLOSE_LINGER: std::time::Duration = std::time::Duration::from_secs(2);

/// Why a password could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// `--password-file` could not be read.
    #[error("cannot read the password file {}: {source}", path.display())]
    File {
        /// The file given.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The password is empty (after dropping the trailing newline).
    #[error("the password from {0} is empty")]
    Empty(String),
}

/// A password, held only as a salted digest.
#[derive(Clone)]
pub struct Password {
    salt: [u8; 16],
    digest: [u8; 32],
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Password {
    /// Hashes `plain`; `source` names where it came from, for the error
    /// about an empty password.
    pub fn new(plain: &str, source: &str) -> Result<Self, PasswordError> {
        if plain.is_empty() {
            return Err(PasswordError::Empty(source.to_owned()));
        }
        let salt: [u8; 16] = rand::random();
        Ok(Self {
            digest: salted_digest(&salt, plain),
            salt,
        })
    }

    /// Reads the password from a file: its contents minus one trailing
    /// newline (`\n` or `\r\n`), so `echo secret > file` works.
    pub fn from_file(path: &Path) -> Result<Self, PasswordError> {
        let text = std::fs::read_to_string(path).map_err(|source| PasswordError::File {
            path: path.to_path_buf(),
            source,
        })?;
        let plain = text
            .strip_suffix('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t))
            .unwrap_or(&text);
        Self::new(plain, &format!("password file {}", path.display()))
    }

    /// Whether `offered` is the password (constant time in its content).
    pub fn matches(&self, offered: &str) -> bool {
        let offered = salted_digest(&self.salt, offered);
        let diff = offered
            .iter()
            .zip(self.digest.iter())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        std::hint::black_box(diff) == 0
    }
}

fn salted_digest(salt: &[u8; 16], plain: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(plain.as_bytes());
    hasher.finalize().into()
}

/// What the WebSocket handshake should do.
#[derive(Debug)]
pub(crate) struct WsVerdict {
    /// The subprotocol to select: browsers fail the handshake when they
    /// offered some and none is selected, and then never see a 4401.
    pub protocol: Option<HeaderValue>,
    /// `Err(reason)`: accept, then close with 4401 and this reason.
    pub outcome: Result<(), &'static str>,
}

/// Decides a WebSocket upgrade. Without a password the first offered
/// subprotocol is echoed (Paseo's behaviour); with one, the offered
/// `paseo.bearer.*` protocol must carry it.
pub(crate) fn ws_verdict(password: Option<&Password>, headers: &HeaderMap) -> WsVerdict {
    let offered = offered_protocols(headers);
    let first = offered.first().cloned();
    let Some(password) = password else {
        return WsVerdict {
            protocol: first.and_then(|p| HeaderValue::from_str(&p).ok()),
            outcome: Ok(()),
        };
    };
    let bearer = offered.iter().find_map(|p| {
        p.strip_prefix(BEARER_PROTOCOL_PREFIX)
            .filter(|token| !token.is_empty())
            .map(|token| (p, token))
    });
    let (protocol, outcome) = match bearer {
        None => (first, Err(protocol::close::REASON_PASSWORD_REQUIRED)),
        Some((p, token)) if password.matches(token) => (Some(p.clone()), Ok(())),
        Some((p, _)) => (
            Some(p.clone()),
            Err(protocol::close::REASON_INCORRECT_PASSWORD),
        ),
    };
    WsVerdict {
        protocol: protocol.and_then(|p| HeaderValue::from_str(&p).ok()),
        outcome,
    }
}

/// Every subprotocol offered, across repeated headers, in order.
fn offered_protocols(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether an HTTP request carries `Authorization: Bearer <password>`.
pub(crate) fn http_authorized(password: &Password, headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().split_once(' '))
        .is_some_and(|(scheme, token)| {
            scheme.eq_ignore_ascii_case("bearer") && password.matches(token.trim())
        })
}

/// Serves a socket whose upgrade failed auth: close with 4401 and `reason`
/// at once, then wait briefly for the client's close frame.
pub(crate) async fn close_unauthorized(socket: WebSocket, reason: &'static str) {
    tracing::info!(reason, "closing an unauthenticated connection");
    let (mut sink, mut stream) = socket.split();
    let frame = CloseFrame {
        code: protocol::close::UNAUTHORIZED,
        reason: reason.into(),
    };
    let close = async {
        sink.send(Message::Close(Some(frame))).await?;
        while let Some(Ok(_)) = stream.next().await {}
        Ok::<(), axum::Error>(())
    };
    if let Ok(Err(err)) = tokio::time::timeout(CLOSE_LINGER, close).await {
        tracing::debug!(%err, "closing an unauthenticated connection failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(name.clone(), HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn matches_only_the_exact_password_and_debug_hides_it() {
        let pw = Password::new("s3cret.with.dots", "test").expect("password");
        assert!(pw.matches("s3cret.with.dots"));
        assert!(!pw.matches("s3cret"));
        assert!(!pw.matches(""));
        assert!(!format!("{pw:?}").contains("s3cret"));
        assert!(Password::new("", "test").is_err());
    }

    #[test]
    fn password_file_drops_one_trailing_newline() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("pw");
        std::fs::write(&path, "hunter2 \r\n").expect("write");
        let pw = Password::from_file(&path).expect("read");
        assert!(pw.matches("hunter2 "));
        std::fs::write(&path, "\n").expect("write");
        assert!(matches!(
            Password::from_file(&path),
            Err(PasswordError::Empty(_))
        ));
    }

    #[test]
    fn ws_verdicts() {
        let pw = Password::new("pw.x", "test").expect("password");
        let proto = header::SEC_WEBSOCKET_PROTOCOL;
        let none = ws_verdict(Some(&pw), &HeaderMap::new());
        assert_eq!(none.outcome, Err("Password required"));
        let good = ws_verdict(
            Some(&pw),
            &headers(&[(proto.clone(), "other, paseo.bearer.pw.x")]),
        );
        assert_eq!(good.outcome, Ok(()));
        assert_eq!(
            good.protocol.as_ref().map(|p| p.as_bytes()),
            Some(&b"paseo.bearer.pw.x"[..])
        );
        let bad = ws_verdict(Some(&pw), &headers(&[(proto.clone(), "paseo.bearer.nope")]));
        assert_eq!(bad.outcome, Err("Incorrect password"));
        let open = ws_verdict(None, &headers(&[(proto, "a, b")]));
        assert_eq!(
            (open.outcome, open.protocol.as_ref().map(|p| p.as_bytes())),
            (Ok(()), Some(&b"a"[..]))
        );
    }

    #[test]
    fn http_bearer() {
        let pw = Password::new("pw", "test").expect("password");
        let auth = header::AUTHORIZATION;
        assert!(http_authorized(
            &pw,
            &headers(&[(auth.clone(), "Bearer pw")])
        ));
        assert!(http_authorized(
            &pw,
            &headers(&[(auth.clone(), "bearer pw")])
        ));
        assert!(!http_authorized(
            &pw,
            &headers(&[(auth.clone(), "Bearer nope")])
        ));
        assert!(!http_authorized(&pw, &headers(&[(auth, "Basic cHc=")])));
        assert!(!http_authorized(&pw, &HeaderMap::new()));
    }
}
