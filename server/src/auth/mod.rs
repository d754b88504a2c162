//! Operator authentication, on whenever the server listens beyond loopback
//! (or a password is set): every request but the exempt ones needs a
//! session cookie, obtained on the login page with the operator's password
//! or, without one, with the one-time token printed on standard output at
//! start (never logged).
//!
//! - `sessions`: session and one-time tokens (held as digests).
//! - `login`: the login page (plain HTML from axum, not a Leptos route, so
//!   the wasm bundle does not carry it) and its form.
//! - `limit`: the login rate limit.
//!
//! The password is held as a salted SHA-256 digest compared in constant
//! time (`daemon::auth::Password`, the daemon's own): it comes from the
//! environment or a file at start and is never stored on disk by us, so a
//! slow hash (argon2) would only guard a digest that lives in this
//! process's memory; guessing online is bounded by the rate limit instead.

pub mod limit;
mod login;
pub mod sessions;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use daemon::auth::Password;

use crate::AppState;
pub use login::{login_form, login_page, logout};

/// The client's address, for the login rate limit (axum's `ConnectInfo`
/// over both our listeners: plain TCP and TLS).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub std::net::SocketAddr);

impl
    axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>>
    for Peer
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

impl
    axum::extract::connect_info::Connected<
        axum::serve::IncomingStream<'_, daemon::tls::TlsListener>,
    > for Peer
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, daemon::tls::TlsListener>) -> Self {
        Peer(*stream.remote_addr())
    }
}

/// The session cookie's name.
pub const COOKIE: &str = "paseo_session";

/// Paths reachable without a session.
const EXEMPT: [&str; 3] = ["/api/health", "/login", "/favicon.svg"];

/// The server's authentication state (absent when auth is off).
#[derive(Debug)]
pub struct Auth {
    password: Option<Password>,
    sessions: sessions::Sessions,
    limiter: limit::LoginLimiter,
    /// Cookies get `Secure` when the server speaks TLS.
    secure: bool,
}

impl Auth {
    /// Auth with the operator's password, or (without one) a one-time
    /// login token, returned here for the caller to print.
    pub fn new(password: Option<Password>, secure: bool) -> (Self, Option<String>) {
        let auth = Self {
            password,
            sessions: sessions::Sessions::default(),
            limiter: limit::LoginLimiter::default(),
            secure,
        };
        let one_time = auth
            .password
            .is_none()
            .then(|| auth.sessions.issue_one_time());
        (auth, one_time)
    }

    /// Whether the request carries a live session cookie.
    pub fn logged_in(&self, headers: &HeaderMap) -> bool {
        session_cookie(headers).is_some_and(|token| self.sessions.valid(token))
    }

    /// `Set-Cookie` for a new session.
    fn new_session_cookie(&self) -> String {
        let token = self.sessions.create();
        format!(
            "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
            sessions::SESSION_TTL.as_secs(),
            if self.secure { "; Secure" } else { "" }
        )
    }
}

/// The value of our session cookie, if the request has one.
fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

/// Middleware: without a session, a page request is sent to the login
/// page and anything else (server functions, the live channel, assets) gets
/// 401. Exempt: the health endpoint and the login page itself.
pub async fn require_session(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let Some(auth) = state.auth.as_deref() else {
        return next.run(request).await;
    };
    if EXEMPT.contains(&request.uri().path()) || auth.logged_in(request.headers()) {
        return next.run(request).await;
    }
    let wants_page = request.method() == Method::GET
        && request.uri().path() != "/live"
        && request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"));
    if wants_page {
        Redirect::to("/login").into_response()
    } else {
        (StatusCode::UNAUTHORIZED, "login required").into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn the_cookie_is_found_among_others_and_is_strict_and_http_only() {
        let (auth, one_time) = Auth::new(None, true);
        assert!(one_time.is_some());
        let set = auth.new_session_cookie();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Strict") && set.contains("Secure")
        );
        let token = set
            .split(';')
            .next()
            .and_then(|p| p.split_once('='))
            .map(|(_, v)| v.to_owned())
            .expect("token");
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("theme=dark; {COOKIE}={token}; x=y")).expect("hv"),
        );
        assert!(auth.logged_in(&headers));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("paseo_session=forged"),
        );
        assert!(!auth.logged_in(&headers));
    }
}
