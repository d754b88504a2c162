//! Host and Origin checks for every request.
//!
//! A browser page on another site must not be able to drive the daemons
//! through this server (cross-site WebSocket hijacking, CSRF on server
//! functions), and DNS rebinding must not reach it under a foreign name.
//! Rules, in order:
//! - the `Host` header must be a loopback name or an allowed host (a
//!   rebinding page's requests carry the attacker's name);
//! - an `Origin`, when present, must be this very origin: the server's
//!   scheme and the `Host` authority; `null` (sandboxed frames, some
//!   redirects) is never same-origin;
//! - a request that can change state (any method but GET, HEAD, OPTIONS:
//!   every server function is a POST) must prove it is same-origin: a
//!   same-origin `Origin`, or, without one, `Sec-Fetch-Site: same-origin`.
//!   A form or `fetch` from another site always carries one of the two.
//!
//! GETs without Origin (curl, links, the live channel of a non-browser
//! client) pass: they change nothing, and the session cookie is
//! `SameSite=Strict` besides.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Axum middleware applying [`verdict`].
pub async fn check_host_and_origin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let scheme = if state.config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    match verdict(
        request.method(),
        request.headers(),
        scheme,
        &state.config.allowed_hosts,
    ) {
        Ok(()) => next.run(request).await,
        Err(reason) => {
            tracing::warn!(reason, method = %request.method(), path = request.uri().path(), "request refused by the host/origin guard");
            (StatusCode::FORBIDDEN, reason).into_response()
        }
    }
}

/// Decides whether a request's Host and Origin are acceptable; `scheme` is
/// the one this server serves (`http` or `https`).
pub fn verdict(
    method: &Method,
    headers: &HeaderMap,
    scheme: &str,
    allowed_hosts: &[String],
) -> Result<(), &'static str> {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .ok_or("missing Host header")?;
    if !host_allowed(host, allowed_hosts) {
        return Err("Host not allowed");
    }
    match headers.get(header::ORIGIN) {
        Some(origin) => {
            let origin = origin.to_str().map_err(|_| "unreadable Origin")?;
            let same = origin
                .strip_prefix(scheme)
                .and_then(|rest| rest.strip_prefix("://"))
                .is_some_and(|authority| authority.eq_ignore_ascii_case(host));
            if !same {
                return Err("foreign Origin");
            }
        }
        None if changes_state(method) => {
            let fetch_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
            if fetch_site != Some("same-origin") {
                return Err("a state-changing request needs a same-origin Origin");
            }
        }
        None => {}
    }
    Ok(())
}

/// Whether a method may change state (everything but the safe methods).
fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn host_name(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.split(':').next().unwrap_or(authority)
}

fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let name = host_name(host).to_ascii_lowercase();
    matches!(name.as_str(), "localhost" | "127.0.0.1" | "::1")
        || name.ends_with(".localhost")
        || allowed
            .iter()
            .any(|a| a.eq_ignore_ascii_case(&name) || a.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn get(h: &HeaderMap) -> Result<(), &'static str> {
        verdict(&Method::GET, h, "http", &[])
    }

    fn post(h: &HeaderMap) -> Result<(), &'static str> {
        verdict(&Method::POST, h, "http", &[])
    }

    fn headers(host: &str, origin: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).expect("header"));
        if let Some(origin) = origin {
            h.insert(
                header::ORIGIN,
                HeaderValue::from_str(origin).expect("header"),
            );
        }
        h
    }

    #[test]
    fn same_origin_loopback_passes() {
        assert!(get(&headers("127.0.0.1:3000", Some("http://127.0.0.1:3000"))).is_ok());
        assert!(post(&headers("127.0.0.1:3000", Some("http://127.0.0.1:3000"))).is_ok());
        assert!(get(&headers("localhost:3000", None)).is_ok());
        assert!(get(&headers("[::1]:3000", None)).is_ok());
    }

    #[test]
    fn foreign_null_or_other_scheme_origins_are_refused() {
        for origin in [
            "http://evil.example",
            "null",
            "https://127.0.0.1:3000",
            "http://127.0.0.1:3001",
            "http://127.0.0.1:3000.evil.example",
        ] {
            let h = headers("127.0.0.1:3000", Some(origin));
            assert_eq!(get(&h), Err("foreign Origin"), "{origin}");
            assert_eq!(post(&h), Err("foreign Origin"), "{origin}");
        }
        let tls = headers("box.lan:443", Some("http://box.lan:443"));
        assert_eq!(
            verdict(&Method::POST, &tls, "https", &["box.lan".to_owned()]),
            Err("foreign Origin")
        );
        let tls = headers("box.lan:443", Some("https://box.lan:443"));
        assert!(verdict(&Method::POST, &tls, "https", &["box.lan".to_owned()]).is_ok());
    }

    #[test]
    fn a_post_without_origin_needs_sec_fetch_site_same_origin() {
        let mut h = headers("127.0.0.1:3000", None);
        assert!(post(&h).is_err());
        assert!(verdict(&Method::DELETE, &h, "http", &[]).is_err());
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(post(&h).is_err());
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(post(&h).is_ok());
    }

    #[test]
    fn foreign_host_is_refused_unless_allowed() {
        assert_eq!(
            get(&headers("rebind.example:3000", None)),
            Err("Host not allowed")
        );
        assert!(
            verdict(
                &Method::GET,
                &headers("box.lan:3000", None),
                "http",
                &["box.lan".to_owned()]
            )
            .is_ok()
        );
    }
}
