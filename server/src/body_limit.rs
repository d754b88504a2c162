//! The request body limit. `tower_http`'s layer answers 413 to a body whose
//! `Content-Length` is over the limit without reading it; this middleware
//! reads the rest (streamed, chunked bodies) up to the limit before any
//! handler runs, so an oversized stream also gets a plain 413 rather than
//! failing inside a server function halfway through its arguments.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Middleware: buffers the body (at most `max_body_bytes`).
pub async fn buffer_body(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    match axum::body::to_bytes(body, state.config.max_body_bytes).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(err) if over_limit(&err) => {
            (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response()
        }
        Err(err) => {
            tracing::debug!(%err, "unreadable request body");
            (StatusCode::BAD_REQUEST, "unreadable request body").into_response()
        }
    }
}

/// Whether a body error is the length limit (http-body-util's
/// `LengthLimitError`, somewhere in the chain).
fn over_limit(err: &axum::Error) -> bool {
    let mut cause: Option<&dyn std::error::Error> = Some(err);
    while let Some(e) = cause {
        if e.to_string().contains("length limit exceeded") {
            return true;
        }
        cause = e.source();
    }
    false
}
