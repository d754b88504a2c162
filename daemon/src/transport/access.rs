//! Who may talk to the daemon over HTTP: the Host allowlist, the Origin
//! check and the bearer password on HTTP routes (the WebSocket password
//! check is in `auth`, because it must close with 4401 after the upgrade).
//!
//! Why a Host check: a web page can reach a loopback daemon through DNS
//! rebinding (its own domain re-pointed at 127.0.0.1), and only the Host
//! header gives that away. Loopback names and IP literals are always
//! allowed (rebinding needs a domain name); other names only when listed
//! (`PASEO_ALLOWED_HOSTS`, `daemon.allowedHosts`, `--allowed-host`).
//!
//! Why an Origin check: WebSockets have no CORS, so any page the user
//! visits could otherwise drive the agents. A missing Origin (CLI, native
//! apps), a same-origin page, a loopback origin or a listed one
//! (`PASEO_CORS_ORIGINS`, `daemon.corsOrigins`) passes; anything else gets
//! 403 before the upgrade. Listed origins also get CORS headers so a web
//! app can call `/api/status`.

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::transport::auth::{self, Password};

/// Routes that need no password: the health probe and the WebSocket
/// (which checks the password itself, see `auth::ws_verdict`).
const OPEN_PATHS: [&str; 2] = ["/api/health", "/ws"];

/// The access rules of one daemon.
#[derive(Debug)]
pub(crate) struct AccessPolicy {
    /// The daemon password, if any.
    pub password: Option<Password>,
    /// Extra allowed hostnames (lowercase); `*` allows any, `.example.com`
    /// allows `example.com` and its subdomains.
    allowed_hosts: Vec<String>,
    /// Extra allowed origins, normalised (`scheme://host[:port]`); `*`
    /// allows any.
    cors_origins: Vec<String>,
}

impl AccessPolicy {
    /// Builds the policy from configured lists (entries are normalised;
    /// unparsable origins are logged and dropped).
    pub fn new(password: Option<Password>, hosts: &[String], origins: &[String]) -> Self {
        let allowed_hosts = hosts
            .iter()
            .map(|h| h.trim().to_ascii_lowercase())
            .filter(|h| !h.is_empty())
            .collect();
        let cors_origins = origins
            .iter()
            .map(|o| o.trim())
            .filter(|o| !o.is_empty())
            .filter_map(|o| match normalise_origin(o) {
                Some(origin) => Some(origin),
                None => {
                    tracing::warn!(origin = o, "ignoring an unparsable CORS origin");
                    None
                }
            })
            .collect();
        Self {
            password,
            allowed_hosts,
            cors_origins,
        }
    }

    fn host_allowed(&self, host: &str) -> bool {
        if is_loopback_or_ip(host) {
            return true;
        }
        self.allowed_hosts.iter().any(|entry| {
            entry == "*"
                || entry == host
                || entry
                    .strip_prefix('.')
                    .is_some_and(|base| host == base || host.ends_with(entry.as_str()))
        })
    }

    /// Whether `origin` may talk to us, given the request's Host header.
    fn origin_allowed(&self, origin: &str, host_header: Option<&str>) -> bool {
        let Ok(url) = url::Url::parse(origin) else {
            return false;
        };
        let Some(origin_host) = url_host(&url) else {
            return false;
        };
        if is_loopback_name(&origin_host) {
            return true;
        }
        let same_origin = host_header
            .and_then(|h| url::Url::parse(&format!("{}://{h}", url.scheme())).ok())
            .is_some_and(|host_url| {
                url_host(&host_url).as_deref() == Some(origin_host.as_str())
                    && host_url.port_or_known_default() == url.port_or_known_default()
            });
        same_origin
            || self.cors_origins.iter().any(|allowed| {
                allowed == "*" || Some(allowed.as_str()) == normalise_origin(origin).as_deref()
            })
    }
}

/// The middleware in front of every route: Host, then Origin (403), then
/// the password on non-open routes (401); answers CORS preflights.
pub(crate) async fn guard(
    State(policy): State<Arc<AccessPolicy>>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers();
    let host_header = header_text(headers, header::HOST);
    let host_ok = host_header.is_none_or(|h| host_of(h).is_some_and(|h| policy.host_allowed(&h)));
    let origin = header_text(headers, header::ORIGIN).map(str::to_owned);
    let origin_ok = origin
        .as_deref()
        .is_none_or(|o| policy.origin_allowed(o, host_header));
    if !host_ok || !origin_ok {
        tracing::warn!(
            host = ?headers.get(header::HOST),
            origin = ?headers.get(header::ORIGIN),
            path = %request.uri().path(),
            "rejected request from a disallowed host or origin"
        );
        return (
            StatusCode::FORBIDDEN,
            "Forbidden: Host or Origin not allowed\n",
        )
            .into_response();
    }
    if request.method() == Method::OPTIONS {
        return with_cors(
            StatusCode::NO_CONTENT.into_response(),
            origin.as_deref(),
            true,
        );
    }
    let open = OPEN_PATHS.contains(&request.uri().path());
    if let Some(password) = policy.password.as_ref().filter(|_| !open)
        && !auth::http_authorized(password, headers)
    {
        tracing::info!(path = %request.uri().path(), "rejected an HTTP request without the right bearer password");
        let mut response = (
            StatusCode::UNAUTHORIZED,
            axum::Json(serde_json::json!({"error": "Unauthorized"})),
        )
            .into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"paseo\""),
        );
        return with_cors(response, origin.as_deref(), false);
    }
    let response = next.run(request).await;
    with_cors(response, origin.as_deref(), false)
}

/// Adds CORS headers for an (already allowed) origin.
fn with_cors(mut response: Response<Body>, origin: Option<&str>, preflight: bool) -> Response {
    let Some(value) = origin.and_then(|o| HeaderValue::from_str(o).ok()) else {
        return response;
    };
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
    headers.insert(header::VARY, HeaderValue::from_static("Origin"));
    if preflight {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, OPTIONS"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
    response
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    // A non-UTF-8 value becomes "" and fails the checks below.
    headers
        .get(name)
        .map(|v| v.to_str().unwrap_or_default().trim())
}

/// The host name (lowercase, IPv6 without brackets) of a Host header.
fn host_of(host_header: &str) -> Option<String> {
    url_host(&url::Url::parse(&format!("http://{host_header}")).ok()?)
}

fn url_host(url: &url::Url) -> Option<String> {
    Some(match url.host()? {
        url::Host::Domain(name) => name.to_ascii_lowercase(),
        url::Host::Ipv4(ip) => ip.to_string(),
        url::Host::Ipv6(ip) => ip.to_string(),
    })
}

/// `scheme://host[:port]` of an origin, or `*`.
fn normalise_origin(origin: &str) -> Option<String> {
    if origin == "*" {
        return Some("*".to_owned());
    }
    let url = url::Url::parse(origin).ok()?;
    url.host()?;
    Some(url.origin().ascii_serialization())
}

fn is_loopback_name(host: &str) -> bool {
    host == "localhost"
        || host.ends_with(".localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn is_loopback_or_ip(host: &str) -> bool {
    is_loopback_name(host) || host.parse::<IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(hosts: &[&str], origins: &[&str]) -> AccessPolicy {
        let owned = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        AccessPolicy::new(None, &owned(hosts), &owned(origins))
    }

    fn host_ok(p: &AccessPolicy, header: &str) -> bool {
        host_of(header).is_some_and(|h| p.host_allowed(&h))
    }

    #[test]
    fn hosts() {
        let default = policy(&[], &[]);
        for ok in [
            "127.0.0.1:6767",
            "localhost:6767",
            "[::1]:6767",
            "LOCALHOST",
            "app.localhost:3000",
            "192.168.1.2:6767",
        ] {
            assert!(host_ok(&default, ok), "{ok}");
        }
        for bad in [
            "evil.example:6767",
            "localhost.evil.example",
            "box.tail1234.ts.net",
        ] {
            assert!(!host_ok(&default, bad), "{bad}");
        }
        let listed = policy(&["Box.Example", ".ts.net"], &[]);
        assert!(host_ok(&listed, "box.example:6767"));
        assert!(host_ok(&listed, "box.tail1234.ts.net"));
        assert!(host_ok(&listed, "ts.net"));
        assert!(!host_ok(&listed, "evil.example"));
        assert!(!host_ok(&listed, "notts.net"));
        assert!(host_ok(&policy(&["*"], &[]), "anything.example"));
    }

    #[test]
    fn origins() {
        let p = policy(&["box.example"], &["https://app.paseo.sh/"]);
        let host = Some("box.example:6767");
        assert!(p.origin_allowed("http://localhost:3000", host));
        assert!(p.origin_allowed("http://127.0.0.1:3000", host));
        assert!(
            p.origin_allowed("http://box.example:6767", host),
            "same origin"
        );
        assert!(
            !p.origin_allowed("http://box.example:8080", host),
            "other port"
        );
        assert!(p.origin_allowed("https://app.paseo.sh", host));
        assert!(p.origin_allowed("https://APP.paseo.sh", host));
        assert!(!p.origin_allowed("http://app.paseo.sh", host));
        assert!(!p.origin_allowed("https://evil.example", host));
        assert!(!p.origin_allowed("null", host));
        assert!(policy(&[], &["*"]).origin_allowed("https://evil.example", host));
    }
}
