//! The request log: method, path, status and time, at debug level. Query
//! strings are never written: the one-time login link carries its token
//! there, and pages carry paths of the operator's files (`?cwd=`).

use std::time::Instant;

use axum::extract::Request;
use axum::http::Uri;
use axum::middleware::Next;
use axum::response::Response;

/// The URI as logged: the path, and `?…` in place of any query.
pub fn loggable(uri: &Uri) -> String {
    match uri.query() {
        Some(_) => format!("{}?…", uri.path()),
        None => uri.path().to_owned(),
    }
}

/// Middleware writing one log line per request.
pub async fn log_requests(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let uri = loggable(request.uri());
    let response = next.run(request).await;
    tracing::debug!(
        target: "paseo_web::access",
        %method,
        uri,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_redacted() {
        let uri: Uri = "/login?token=abcdef".parse().expect("uri");
        assert_eq!(loggable(&uri), "/login?…");
        let uri: Uri = "/files/p?cwd=/home/me&path=secret.txt"
            .parse()
            .expect("uri");
        assert!(!loggable(&uri).contains("secret"));
        let uri: Uri = "/inbox".parse().expect("uri");
        assert_eq!(loggable(&uri), "/inbox");
    }
}
