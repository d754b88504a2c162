//! Host and Origin checks for every request.
//!
//! A browser page on another site must not be able to drive the daemons
//! through this server (cross-site WebSocket hijacking, CSRF on server
//! functions), and DNS rebinding must not reach it under a foreign name.
//! Rules: the `Host` header must be a loopback name or an allowed host; an
//! `Origin`, when present, must be the same origin (its host:port equal to
//! the `Host` header). Requests without Origin (curl, other servers) pass.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Axum middleware applying [`verdict`].
pub async fn check_host_and_origin(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    match verdict(request.headers(), &state.config.allowed_hosts) {
        Ok(()) => next.run(request).await,
        Err(reason) => {
            tracing::warn!(reason, "request refused by the host/origin guard");
            (StatusCode::FORBIDDEN, reason).into_response()
        }
    }
}

/// Decides whether a request's Host and Origin are acceptable.
pub fn verdict(headers: &HeaderMap, allowed_hosts: &[String]) -> Result<(), &'static str> {
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .ok_or("missing Host header")?;
    if !host_allowed(host, allowed_hosts) {
        return Err("Host not allowed");
    }
    if let Some(origin) = headers.get(header::ORIGIN) {
        let origin = origin.to_str().map_err(|_| "unreadable Origin")?;
        let origin_authority = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            .ok_or("foreign Origin")?;
        if !origin_authority.eq_ignore_ascii_case(host) {
            return Err("foreign Origin");
        }
    }
    Ok(())
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
        assert!(
            verdict(
                &headers("127.0.0.1:3000", Some("http://127.0.0.1:3000")),
                &[]
            )
            .is_ok()
        );
        assert!(verdict(&headers("localhost:3000", None), &[]).is_ok());
        assert!(verdict(&headers("[::1]:3000", None), &[]).is_ok());
    }

    #[test]
    fn foreign_origin_is_refused() {
        assert_eq!(
            verdict(&headers("127.0.0.1:3000", Some("http://evil.example")), &[]),
            Err("foreign Origin")
        );
    }

    #[test]
    fn foreign_host_is_refused_unless_allowed() {
        assert_eq!(
            verdict(&headers("rebind.example:3000", None), &[]),
            Err("Host not allowed")
        );
        assert!(verdict(&headers("box.lan:3000", None), &["box.lan".to_owned()]).is_ok());
    }
}
