//! `/login` (the page, the form, the one-time link) and `/logout`. Plain
//! HTML written here: the page must work before the operator may load the
//! app, and a Leptos route would grow the wasm bundle for every user.

use axum::extract::{ConnectInfo, Extension, Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::{Auth, COOKIE, Peer, session_cookie};
use crate::AppState;
use crate::headers::CspNonce;

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    token: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    password: String,
}

/// `GET /login`: the page, or with `?token=` the one-time exchange.
pub async fn login_page(
    State(state): State<AppState>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    Extension(nonce): Extension<CspNonce>,
    Query(query): Query<LoginQuery>,
) -> Response {
    let Some(auth) = state.auth.as_deref() else {
        return Redirect::to("/").into_response();
    };
    let Some(token) = query.token else {
        return page(auth, &nonce, StatusCode::OK, None);
    };
    if let Err(wait) = auth.limiter.check(peer.ip()) {
        return too_many(auth, &nonce, wait);
    }
    if auth.sessions.redeem_one_time(&token) {
        auth.limiter.succeeded(peer.ip());
        tracing::info!(%peer, "logged in with the one-time link");
        return logged_in(auth);
    }
    auth.limiter.failed(peer.ip());
    tracing::warn!(%peer, "a one-time login link was refused (used or wrong)");
    page(
        auth,
        &nonce,
        StatusCode::FORBIDDEN,
        Some("This login link is wrong or was already used."),
    )
}

/// `POST /login`: the password form.
pub async fn login_form(
    State(state): State<AppState>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    Extension(nonce): Extension<CspNonce>,
    Form(form): Form<LoginForm>,
) -> Response {
    let Some(auth) = state.auth.as_deref() else {
        return Redirect::to("/").into_response();
    };
    if let Err(wait) = auth.limiter.check(peer.ip()) {
        return too_many(auth, &nonce, wait);
    }
    let right = auth
        .password
        .as_ref()
        .is_some_and(|password| password.matches(&form.password));
    if right {
        auth.limiter.succeeded(peer.ip());
        tracing::info!(%peer, "logged in with the password");
        return logged_in(auth);
    }
    auth.limiter.failed(peer.ip());
    tracing::warn!(%peer, "a login attempt failed");
    page(
        auth,
        &nonce,
        StatusCode::UNAUTHORIZED,
        Some("Wrong password."),
    )
}

/// `POST /logout`: ends the session.
pub async fn logout(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let (Some(auth), Some(token)) = (state.auth.as_deref(), session_cookie(&headers)) {
        auth.sessions.remove(token);
    }
    let mut response = Redirect::to("/login").into_response();
    let expired = format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// A new session: the cookie, then the app.
fn logged_in(auth: &Auth) -> Response {
    let mut response = Redirect::to("/").into_response();
    match HeaderValue::from_str(&auth.new_session_cookie()) {
        Ok(cookie) => {
            response.headers_mut().insert(header::SET_COOKIE, cookie);
            response
        }
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

fn too_many(auth: &Auth, nonce: &CspNonce, wait: std::time::Duration) -> Response {
    let mut response = page(
        auth,
        nonce,
        StatusCode::TOO_MANY_REQUESTS,
        Some("Too many failed attempts from this address: wait a minute."),
    );
    if let Ok(value) = HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// The page: a password form, or (without a password) how to get in.
fn page(auth: &Auth, nonce: &CspNonce, status: StatusCode, error: Option<&str>) -> Response {
    let error = error
        .map(|e| format!(r#"<p class="error" role="alert">{e}</p>"#))
        .unwrap_or_default();
    let body = if auth.password.is_some() {
        r#"<form method="post" action="/login">
<label>Password <input type="password" name="password" autocomplete="current-password" autofocus required></label>
<button type="submit">Log in</button>
</form>"#
    } else {
        "<p>No password is set: open the one-time login link <code>paseo-web</code> \
         printed when it started. Each link works once; restart paseo-web for a new one, \
         or set a password (<code>PASEO_WEB_PASSWORD</code> or <code>--password-file</code>).</p>"
    };
    let nonce = &nonce.0;
    let html = format!(
        r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark light"><title>Log in · Paseo</title>
<style nonce="{nonce}">body{{font:16px system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}}
input,button{{font:inherit;display:block;margin:.5rem 0;padding:.4rem;width:100%;box-sizing:border-box}}
.error{{color:#c62828}}</style></head>
<body><h1>Paseo</h1>{error}{body}</body></html>"#
    );
    (status, Html(html)).into_response()
}
