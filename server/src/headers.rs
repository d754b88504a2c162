//! Security headers on every response, and the per-response CSP nonce.
//!
//! The page hydrates from one inline module script (Leptos'
//! `HydrationScripts`), so the CSP cannot simply forbid inline scripts: each
//! response gets a fresh random nonce, allowed by its
//! `Content-Security-Policy` header and put on the inline scripts the page
//! renders (`ssr::context` hands it to Leptos as its `Nonce`, the login page
//! puts it on its `<style>`). Everything else the page loads comes from
//! this origin: the wasm bundle and its split chunks (`/pkg`, fetched and
//! instantiated, hence `'wasm-unsafe-eval'`), the CSS, the live channel
//! (`connect-src 'self'` covers `ws:`/`wss:` to the same host). Images may
//! also be `data:` (the file preview inlines images that way).

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;

/// The nonce of one response (a request extension).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CspNonce(pub String);

impl CspNonce {
    /// 128 random bits, base64url (valid in a CSP `nonce-` source).
    pub fn new() -> Self {
        let bytes: [u8; 16] = rand::random();
        Self(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }
}

impl Default for CspNonce {
    fn default() -> Self {
        Self::new()
    }
}

/// The Content-Security-Policy for a response with this nonce.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; \
         script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'nonce-{nonce}'; \
         img-src 'self' data:; \
         connect-src 'self'; \
         object-src 'none'; \
         base-uri 'none'; \
         form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// Middleware: makes the nonce (before the handler renders) and sets the
/// headers on whatever the handler answers.
pub async fn security_headers(mut request: Request, next: Next) -> Response {
    let nonce = CspNonce::new();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(&nonce.0)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    let fixed: [(HeaderName, &str); 4] = [
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_differ_and_fit_the_csp_grammar() {
        let (a, b) = (CspNonce::new(), CspNonce::new());
        assert_ne!(a, b);
        assert_eq!(a.0.len(), 22);
        assert!(
            a.0.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
        let csp = content_security_policy(&a.0);
        assert!(csp.contains(&format!("'nonce-{}'", a.0)));
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline"));
    }
}
