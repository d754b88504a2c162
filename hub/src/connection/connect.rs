//! Opening one daemon connection — TCP (with `TCP_NODELAY`), TLS for
//! `wss://`, the WebSocket upgrade carrying the password subprotocol,
//! `hello`, and the wait for `server_info` — and turning every way that can
//! fail into a [`Failure`] that says which state to show and how soon to
//! retry. Kept apart from the actor loop so the failure wording lives in one
//! place.

use std::time::Duration;

use futures_util::{Sink, SinkExt, StreamExt};
use protocol::{ClientFrame, Hello, ServerFrame, ServerInfo, SessionMessage, StatusPayload, close};
use serde::Serialize;
use tokio::net::TcpStream;
use tokio::time::{Instant, timeout, timeout_at};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::http::header::SEC_WEBSOCKET_PROTOCOL;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use url::Host;

use crate::config::HubConfig;
use crate::probe::FailureKind;
use crate::state::StateEvent;
use crate::target::ValidTarget;

/// An open daemon socket.
pub(crate) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How soon to try again after a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RetryAfter {
    /// Follow the backoff schedule.
    Backoff,
    /// Wait the backoff cap (or a "retry now"): retrying sooner cannot help.
    Cap,
}

/// Why a connection attempt or a connection ended.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Failure {
    /// `true` → `error` status, `false` → `offline`.
    pub(super) needs_attention: bool,
    pub(crate) message: String,
    pub(super) retry: RetryAfter,
    /// What went wrong, for "test connection" (the browser words it).
    pub(crate) kind: FailureKind,
}

impl Failure {
    pub(super) fn offline(message: impl Into<String>) -> Self {
        Self {
            needs_attention: false,
            message: message.into(),
            retry: RetryAfter::Backoff,
            kind: FailureKind::Other,
        }
    }

    pub(super) fn error(message: impl Into<String>, retry: RetryAfter) -> Self {
        Self {
            needs_attention: true,
            message: message.into(),
            retry,
            kind: FailureKind::Other,
        }
    }

    fn kind(mut self, kind: FailureKind) -> Self {
        self.kind = kind;
        self
    }

    pub(super) fn into_event(self, at_ms: i64) -> StateEvent {
        if self.needs_attention {
            StateEvent::Failed {
                error: self.message,
                at_ms,
            }
        } else {
            StateEvent::Lost {
                error: self.message,
                at_ms,
            }
        }
    }
}

/// The TLS setup for `wss://` when the operator added trust anchors: the
/// built-in (Mozilla) roots plus those. `None`: tungstenite's default (the
/// built-in roots only).
fn tls_connector(config: &HubConfig) -> Option<tokio_tungstenite::Connector> {
    if config.extra_roots.is_empty() {
        return None;
    }
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let (added, ignored) = roots.add_parsable_certificates(config.extra_roots.iter().cloned());
    if ignored > 0 {
        tracing::warn!(
            added,
            ignored,
            "some extra daemon CA certificates are unusable"
        );
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| tracing::error!(%err, "cannot build the TLS client configuration"))
        .ok()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Some(tokio_tungstenite::Connector::Rustls(std::sync::Arc::new(
        tls,
    )))
}

/// Connects, says hello, and waits for `server_info`.
pub(crate) async fn open(
    target: &ValidTarget,
    hello: &Hello,
    config: &HubConfig,
) -> Result<(Socket, ServerInfo), Failure> {
    let tcp = connect_tcp(target, config.connect_timeout).await?;
    let deadline = Instant::now() + config.hello_timeout;
    let hello_timeout = config.hello_timeout;

    let request = upgrade_request(target)?;
    let (mut socket, _response) = match timeout_at(
        deadline,
        tokio_tungstenite::client_async_tls_with_config(
            request,
            tcp,
            Some(WebSocketConfig::default().read_buffer_size(config.read_buffer_bytes)),
            tls_connector(config),
        ),
    )
    .await
    {
        Err(_) => {
            return Err(Failure::error(
                format!(
                    "no WebSocket handshake answer within {hello_timeout:?}: is this a Paseo daemon?"
                ),
                RetryAfter::Backoff,
            )
            .kind(FailureKind::TimedOut));
        }
        Ok(Err(err)) => return Err(classify_ws_error(err)),
        Ok(Ok(pair)) => pair,
    };

    send_frame(
        &mut socket,
        &ClientFrame::Hello(hello.clone()),
        config.write_timeout,
    )
    .await?;

    loop {
        let message = match timeout_at(deadline, socket.next()).await {
            Err(_) => {
                return Err(Failure::error(
                    format!("the daemon did not answer hello within {hello_timeout:?}"),
                    RetryAfter::Backoff,
                )
                .kind(FailureKind::NotPaseo));
            }
            Ok(None) => {
                return Err(Failure::offline(
                    "the daemon closed the connection during the handshake",
                ));
            }
            Ok(Some(Err(err))) => return Err(classify_ws_error(err)),
            Ok(Some(Ok(message))) => message,
        };
        match message {
            Message::Text(text) => {
                if let Ok(ServerFrame::Session {
                    message: SessionMessage::Status(StatusPayload::ServerInfo(info)),
                }) = serde_json::from_str::<ServerFrame>(&text)
                {
                    if info.server_id.trim().is_empty() {
                        return Err(Failure::error(
                            "the daemon sent server_info without a serverId",
                            RetryAfter::Cap,
                        )
                        .kind(FailureKind::NotPaseo));
                    }
                    return Ok((socket, info));
                }
            }
            Message::Close(frame) => return Err(classify_close(frame)),
            _ => {}
        }
    }
}

async fn connect_tcp(
    target: &ValidTarget,
    connect_timeout: Duration,
) -> Result<TcpStream, Failure> {
    let host = match target.url.host() {
        Some(Host::Domain(domain)) => domain.to_owned(),
        Some(Host::Ipv4(ip)) => ip.to_string(),
        Some(Host::Ipv6(ip)) => ip.to_string(),
        None => {
            return Err(Failure::error("the URL has no host", RetryAfter::Cap)
                .kind(FailureKind::InvalidUrl));
        }
    };
    let port = target.url.port_or_known_default().unwrap_or(80);
    let tcp = match timeout(connect_timeout, TcpStream::connect((host.as_str(), port))).await {
        Err(_) => {
            return Err(Failure::offline(format!(
                "could not connect to {host}:{port} within {connect_timeout:?}"
            ))
            .kind(FailureKind::TimedOut));
        }
        Ok(Err(err)) => {
            return Err(
                Failure::offline(format!("could not connect to {host}:{port}: {err}"))
                    .kind(io_kind(&err)),
            );
        }
        Ok(Ok(tcp)) => tcp,
    };
    if let Err(err) = tcp.set_nodelay(true) {
        tracing::debug!(daemon = %target.key, %err, "could not set TCP_NODELAY");
    }
    Ok(tcp)
}

fn upgrade_request(
    target: &ValidTarget,
) -> Result<tungstenite::handshake::client::Request, Failure> {
    let mut request = target
        .url
        .as_str()
        .into_client_request()
        .map_err(|err| Failure::error(format!("invalid daemon URL: {err}"), RetryAfter::Cap))?;
    if let Some(password) = &target.password {
        let mut value = HeaderValue::from_str(&format!("paseo.bearer.{password}"))
            .map_err(|_| Failure::error("the password cannot be sent", RetryAfter::Cap))?;
        value.set_sensitive(true);
        request.headers_mut().insert(SEC_WEBSOCKET_PROTOCOL, value);
    }
    Ok(request)
}

/// Encodes and writes one frame, giving up after `write_timeout`.
pub(super) async fn send_frame<S, F>(
    sink: &mut S,
    frame: &F,
    write_timeout: Duration,
) -> Result<(), Failure>
where
    S: Sink<Message, Error = tungstenite::Error> + Unpin,
    F: Serialize + ?Sized,
{
    let text = serde_json::to_string(frame).map_err(|err| {
        Failure::error(
            format!("could not encode a frame: {err}"),
            RetryAfter::Backoff,
        )
    })?;
    match timeout(write_timeout, sink.send(Message::text(text))).await {
        Err(_) => Err(Failure::offline(format!(
            "a write to the daemon did not complete within {write_timeout:?}"
        ))),
        Ok(Err(err)) => Err(classify_ws_error(err)),
        Ok(Ok(())) => Ok(()),
    }
}

/// A WebSocket-layer error, in words.
pub(super) fn classify_ws_error(err: tungstenite::Error) -> Failure {
    use tungstenite::Error as E;
    let err_text = err.to_string();
    match err {
        E::Http(response) => {
            let status = response.status();
            match status.as_u16() {
                401 | 403 => Failure::error(
                    format!(
                        "the daemon refused the WebSocket upgrade (HTTP {status}); check the URL's host name and the daemon's allowed hosts"
                    ),
                    RetryAfter::Cap,
                )
                .kind(FailureKind::Refused),
                500..=599 => Failure::error(
                    format!("the WebSocket upgrade failed (HTTP {status})"),
                    RetryAfter::Backoff,
                ),
                _ => Failure::error(
                    format!("no Paseo daemon answers at this URL (HTTP {status})"),
                    RetryAfter::Cap,
                )
                .kind(FailureKind::NotPaseo),
            }
        }
        E::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => {
            Failure::error(format!("TLS failed: {io}"), RetryAfter::Cap).kind(FailureKind::Tls)
        }
        E::Io(io) => {
            let kind = io_kind(&io);
            Failure::offline(format!("the connection failed: {io}")).kind(kind)
        }
        E::Tls(tls) => {
            Failure::error(format!("TLS failed: {tls}"), RetryAfter::Cap).kind(FailureKind::Tls)
        }
        E::Protocol(ProtocolError::SecWebSocketSubProtocolError(_)) => Failure::error(
            "the daemon did not accept the password subprotocol",
            RetryAfter::Cap,
        )
        .kind(FailureKind::WrongPassword),
        E::ConnectionClosed
        | E::AlreadyClosed
        | E::Protocol(ProtocolError::ResetWithoutClosingHandshake) => {
            Failure::offline("the connection was lost")
        }
        E::Url(url) => Failure::error(format!("invalid daemon URL: {url}"), RetryAfter::Cap)
            .kind(FailureKind::InvalidUrl),
        E::Protocol(_) => {
            Failure::error(format!("WebSocket error: {err_text}"), RetryAfter::Backoff)
                .kind(FailureKind::NotPaseo)
        }
        _ => Failure::error(format!("WebSocket error: {err_text}"), RetryAfter::Backoff),
    }
}

/// The kind of a socket-level failure: refused, unreachable name, timeout.
fn io_kind(err: &std::io::Error) -> FailureKind {
    use std::io::ErrorKind as K;
    match err.kind() {
        K::ConnectionRefused | K::ConnectionReset => FailureKind::Refused,
        K::TimedOut => FailureKind::TimedOut,
        K::InvalidData => FailureKind::Tls,
        // The resolver's errors carry no kind of their own.
        _ if err.to_string().contains("lookup address") => FailureKind::HostNotFound,
        _ => FailureKind::Other,
    }
}

/// A close frame from the daemon, in words (Paseo's close codes).
pub(super) fn classify_close(frame: Option<CloseFrame>) -> Failure {
    let Some(frame) = frame else {
        return Failure::offline("the daemon closed the connection");
    };
    let code = u16::from(frame.code);
    let reason = frame.reason.as_str();
    match code {
        close::UNAUTHORIZED => {
            let (what, kind) = match reason {
                close::REASON_PASSWORD_REQUIRED => (
                    "the daemon requires a password",
                    FailureKind::PasswordRequired,
                ),
                close::REASON_INCORRECT_PASSWORD => (
                    "the daemon rejected the password",
                    FailureKind::WrongPassword,
                ),
                _ => ("authentication failed", FailureKind::WrongPassword),
            };
            Failure::error(format!("{what} (close 4401: {reason})"), RetryAfter::Cap).kind(kind)
        }
        close::INCOMPATIBLE_VERSION => Failure::error(
            format!("the daemon speaks an incompatible protocol version (close 4003: {reason})"),
            RetryAfter::Cap,
        )
        .kind(FailureKind::VersionMismatch),
        close::HELLO_TIMEOUT | close::INVALID_HELLO => Failure::error(
            format!("the daemon rejected the handshake (close {code}: {reason})"),
            RetryAfter::Backoff,
        ),
        _ if reason.is_empty() => {
            Failure::offline(format!("the daemon closed the connection (close {code})"))
        }
        _ => Failure::offline(format!(
            "the daemon closed the connection (close {code}: {reason})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

    fn closed(code: u16, reason: &str) -> Failure {
        classify_close(Some(CloseFrame {
            code: CloseCode::from(code),
            reason: reason.into(),
        }))
    }

    #[test]
    fn wrong_password_is_an_error_retried_at_the_cap() {
        let failure = closed(4401, "Incorrect password");
        assert!(failure.needs_attention);
        assert_eq!(failure.retry, RetryAfter::Cap);
        assert!(
            failure.message.contains("rejected the password"),
            "{}",
            failure.message
        );
    }

    #[test]
    fn missing_password_says_so() {
        assert!(
            closed(4401, "Password required")
                .message
                .contains("requires a password")
        );
    }

    #[test]
    fn incompatible_version_is_an_error() {
        let failure = closed(4003, "Incompatible protocol version");
        assert!(failure.needs_attention);
        assert_eq!(failure.retry, RetryAfter::Cap);
    }

    #[test]
    fn going_away_is_offline_with_backoff() {
        let failure = closed(1001, "");
        assert!(!failure.needs_attention);
        assert_eq!(failure.retry, RetryAfter::Backoff);
    }

    #[test]
    fn refused_connection_is_offline() {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let failure = classify_ws_error(tungstenite::Error::Io(io));
        assert!(!failure.needs_attention);
    }
}
