//! The web server's security rules over real sockets, one test per rule
//! (RELIABILITY.md, "Security", lists them): the real `paseo-web` server
//! (library API) on 127.0.0.1:0 or 0.0.0.0:0, spoken to with raw HTTP/1.1
//! so every header is the test's own.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

mod support;

use support::{Browser, DEADLINE, World};

/// A test site (the server refuses to start without its bundle).
fn site(dir: &std::path::Path) -> std::path::PathBuf {
    let site = dir.join("site");
    std::fs::create_dir_all(site.join("pkg")).expect("mkdir");
    std::fs::write(site.join("pkg/paseo-web.js"), "// test bundle").expect("write");
    site
}

fn config(dir: &std::path::Path, listen: &str) -> server::ServerConfig {
    server::ServerConfig::new(
        listen.parse().expect("addr"),
        None,
        "127.0.0.1:9".parse().expect("addr"),
        dir.join("home"),
        site(dir),
        vec![],
    )
    .expect("config")
}

/// One HTTP/1.1 answer.
#[derive(Debug)]
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    /// A header's value (first of that name, case-insensitive).
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }
}

/// Sends `head` (request line and headers, without the blank line) and
/// `body` on a fresh connection to `addr`; reads to the end.
async fn http(addr: SocketAddr, head: &str, body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let mut request = format!("{head}\r\nConnection: close\r\n\r\n").into_bytes();
    request.extend_from_slice(body);
    stream.write_all(&request).await.expect("write");
    let mut raw = Vec::new();
    // The server may answer (413) and close before the body is read: what
    // it said is in `raw` whatever the write side saw.
    let _ = tokio::time::timeout(DEADLINE, stream.read_to_end(&mut raw))
        .await
        .expect("answer before the deadline");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    Answer {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

async fn get(addr: SocketAddr, path: &str, extra: &str) -> Answer {
    http(
        addr,
        &format!("GET {path} HTTP/1.1\r\nHost: {addr}{extra}"),
        b"",
    )
    .await
}

/// A server function call (`PostUrl`: a form body), with `extra` headers.
async fn call(addr: SocketAddr, endpoint: &str, form: &str, extra: &str) -> Answer {
    http(
        addr,
        &format!(
            "POST /api/{endpoint} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}{extra}",
            form.len()
        ),
        form.as_bytes(),
    )
    .await
}

/// What a same-origin page's `fetch` sends.
fn same_origin(addr: SocketAddr) -> String {
    format!("\r\nOrigin: http://{addr}")
}

/// The nonce in a CSP header.
fn csp_nonce(csp: &str) -> String {
    let start = csp.find("'nonce-").expect("a nonce source") + "'nonce-".len();
    let end = csp[start..].find('\'').expect("closing quote") + start;
    csp[start..end].to_owned()
}

#[tokio::test]
async fn pages_carry_a_csp_whose_nonce_is_on_every_inline_script() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server::start(config(dir.path(), "127.0.0.1:0"))
        .await
        .expect("starts");
    let addr = server.local_addr();
    let mut nonces = Vec::new();
    for path in ["/", "/settings", "/no/such/page"] {
        let page = get(addr, path, "\r\nAccept: text/html").await;
        let csp = page.header("content-security-policy").expect("CSP");
        for part in [
            "default-src 'self'",
            "'wasm-unsafe-eval'",
            "connect-src 'self'",
            "frame-ancestors 'none'",
        ] {
            assert!(csp.contains(part), "{path}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        let nonce = csp_nonce(&csp);
        let scripts = page.body.matches("<script").count();
        assert!(scripts >= 1, "{path}: the hydration script is inline");
        assert_eq!(
            page.body.matches(&format!("nonce=\"{nonce}\"")).count(),
            page.body.matches(" nonce=\"").count(),
            "{path}: every nonce on the page is the header's"
        );
        for script in page.body.split("<script").skip(1) {
            let tag = script.split('>').next().unwrap_or_default();
            assert!(
                tag.contains(&format!("nonce=\"{nonce}\"")),
                "{path}: <script{tag}> lacks the nonce"
            );
        }
        assert_eq!(page.header("x-frame-options").as_deref(), Some("DENY"));
        assert_eq!(
            page.header("x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(
            page.header("referrer-policy").as_deref(),
            Some("no-referrer")
        );
        nonces.push(nonce);
    }
    nonces.dedup();
    assert_eq!(nonces.len(), 3, "a fresh nonce per response");
    server.shutdown().await;
}

#[tokio::test]
async fn foreign_null_or_missing_origins_cannot_call_server_functions_or_open_the_channel() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server::start(config(dir.path(), "127.0.0.1:0"))
        .await
        .expect("starts");
    let addr = server.local_addr();
    let form = "tab=x&profile_id=p";
    for (what, extra) in [
        (
            "foreign Origin",
            "\r\nOrigin: http://evil.example".to_owned(),
        ),
        ("null Origin", "\r\nOrigin: null".to_owned()),
        (
            "another port",
            format!("\r\nOrigin: http://127.0.0.1:{}", addr.port() + 1),
        ),
        ("no Origin", String::new()),
        (
            "no Origin, cross-site fetch",
            "\r\nSec-Fetch-Site: cross-site".to_owned(),
        ),
    ] {
        let answer = call(addr, "hosts/retry", form, &extra).await;
        assert_eq!(answer.status, 403, "{what}: {answer:?}");
    }
    for origin in ["http://evil.example", "null"] {
        let upgrade = get(
            addr,
            "/live",
            &format!(
                "\r\nOrigin: {origin}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=="
            ),
        )
        .await;
        assert_eq!(upgrade.status, 403, "{origin}");
    }
    // Server functions have no GET encoding: a GET with the arguments in
    // the query never runs one (every `#[server]` uses POST `PostUrl`).
    let by_get = get(
        addr,
        &format!("/api/hosts/retry?{form}"),
        &same_origin(addr),
    )
    .await;
    assert!(!by_get.body.contains("tab_unknown"), "{by_get:?}");
    assert_ne!(by_get.status, 200, "{:?}", by_get.head);
    // Same origin passes the guard and reaches the function (which then
    // refuses the forged tab token, see the tab token test).
    for extra in [same_origin(addr), "\r\nSec-Fetch-Site: same-origin".into()] {
        let answer = call(addr, "hosts/retry", form, &extra).await;
        assert!(answer.body.contains("tab_unknown"), "{answer:?}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn a_rebinding_host_is_refused_everywhere_but_health() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = server::start(config(dir.path(), "127.0.0.1:0"))
        .await
        .expect("starts");
    let addr = server.local_addr();
    for head in [
        "GET / HTTP/1.1\r\nHost: rebind.example".to_owned(),
        format!("GET / HTTP/1.1\r\nHost: rebind.example:{}", addr.port()),
        "GET /live HTTP/1.1\r\nHost: rebind.example\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==".to_owned(),
        "POST /api/hosts/retry HTTP/1.1\r\nHost: rebind.example\r\nOrigin: http://rebind.example\r\nContent-Length: 0".to_owned(),
    ] {
        let answer = http(addr, &head, b"").await;
        assert_eq!(answer.status, 403, "{head}");
    }
    server.shutdown().await;
}

#[tokio::test]
async fn an_oversized_body_gets_413_and_an_oversized_live_frame_closes_with_1009() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = config(dir.path(), "127.0.0.1:0");
    config.max_body_bytes = 64 * 1024;
    let server = server::start(config).await.expect("starts");
    let addr = server.local_addr();
    let big = format!("tab=x&profile_id=p&text={}", "a".repeat(64 * 1024));
    let answer = call(addr, "agents/send", &big, &same_origin(addr)).await;
    assert_eq!(answer.status, 413, "{:?}", answer.head);
    // Chunked, so no Content-Length announces it: cut while streaming.
    let chunked = format!("{:x}\r\n{big}\r\n0\r\n\r\n", big.len()).into_bytes();
    let answer = http(
        addr,
        &format!(
            "POST /api/agents/send HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked"
        ),
        &chunked,
    )
    .await;
    assert_eq!(answer.status, 413, "{:?}", answer.head);

    let mut tab = Browser::connect(addr).await;
    tab.wait("hello", |m| m["type"] == "hello").await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/live"))
        .await
        .expect("upgrade");
    let huge = Message::text("x".repeat((1 << 20) + 1));
    let _ = ws.send(huge).await;
    let close = tokio::time::timeout(DEADLINE, async {
        while let Some(frame) = ws.next().await {
            match frame {
                Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Ok(_) => continue,
                Err(_) => return None,
            }
        }
        None
    })
    .await
    .expect("closed in time");
    assert_eq!(close, Some(1009), "message too big");
    // The other tab is untouched.
    tab.send(serde_json::json!({"type": "watch", "profiles": []}))
        .await;
    tab.close().await;
    server.shutdown().await;
}

/// The Set-Cookie of a login answer, as `name=value`.
fn session_cookie(answer: &Answer) -> String {
    let set = answer.header("set-cookie").expect("a session cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(attribute), "{set}");
    }
    set.split(';').next().expect("pair").to_owned()
}

async fn login(addr: SocketAddr, password: &str) -> Answer {
    let form = format!("password={password}");
    http(
        addr,
        &format!(
            "POST /login HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}",
            form.len()
        ),
        form.as_bytes(),
    )
    .await
}

async fn upgrade_status(addr: SocketAddr, cookie: Option<&str>) -> Result<(), u16> {
    let mut request = format!("ws://{addr}/live")
        .into_client_request()
        .expect("request");
    if let Some(cookie) = cookie {
        request
            .headers_mut()
            .insert("cookie", HeaderValue::from_str(cookie).expect("header"));
    }
    match tokio_tungstenite::connect_async(request).await {
        Ok(_) => Ok(()),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            Err(response.status().as_u16())
        }
        Err(err) => panic!("upgrade failed oddly: {err}"),
    }
}

#[tokio::test]
async fn with_a_password_nothing_but_health_and_login_works_without_the_cookie() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = config(dir.path(), "127.0.0.1:0");
    config.password = Some(daemon::auth::Password::new("hunter2", "test").expect("password"));
    let server = server::start(config).await.expect("starts");
    let addr = server.local_addr();
    assert_eq!(server.login_url(), None, "a password: no one-time link");

    // Missing cookie.
    let page = get(addr, "/", "\r\nAccept: text/html").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.header("location").as_deref(), Some("/login"));
    for path in ["/settings", "/pkg/paseo-web.js"] {
        assert_eq!(get(addr, path, "").await.status, 401, "{path}");
    }
    let answer = call(
        addr,
        "hosts/retry",
        "tab=x&profile_id=p",
        &same_origin(addr),
    )
    .await;
    assert_eq!(answer.status, 401);
    assert_eq!(upgrade_status(addr, None).await, Err(401));
    assert_eq!(get(addr, "/api/health", "").await.status, 200);
    let form = get(addr, "/login", "").await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains("type=\"password\""));
    let nonce = csp_nonce(&form.header("content-security-policy").expect("CSP"));
    assert!(form.body.contains(&format!("<style nonce=\"{nonce}\">")));

    // A wrong password, a forged cookie, then the right password.
    assert_eq!(login(addr, "nope").await.status, 401);
    let forged = "paseo_session=00ff";
    assert_eq!(
        get(
            addr,
            "/",
            &format!("\r\nAccept: text/html\r\nCookie: {forged}")
        )
        .await
        .status,
        303
    );
    let ok = login(addr, "hunter2").await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.header("location").as_deref(), Some("/"));
    let cookie = session_cookie(&ok);
    assert!(
        !ok.header("set-cookie")
            .unwrap_or_default()
            .contains("Secure")
    );
    let page = get(addr, "/", &format!("\r\nCookie: {cookie}")).await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("hunter2"), "no password in SSR output");
    assert_eq!(upgrade_status(addr, Some(&cookie)).await, Ok(()));

    // Logout ends the session.
    let out = http(
        addr,
        &format!("POST /logout HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {cookie}\r\nContent-Length: 0"),
        b"",
    )
    .await;
    assert_eq!(out.status, 303);
    assert_eq!(upgrade_status(addr, Some(&cookie)).await, Err(401));
    server.shutdown().await;
}

#[tokio::test]
async fn login_is_rate_limited_per_address() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = config(dir.path(), "127.0.0.1:0");
    config.password = Some(daemon::auth::Password::new("right", "test").expect("password"));
    let server = server::start(config).await.expect("starts");
    let addr = server.local_addr();
    for attempt in 0..server::auth::limit::MAX_FAILURES {
        assert_eq!(login(addr, "wrong").await.status, 401, "attempt {attempt}");
    }
    let limited = login(addr, "right").await;
    assert_eq!(limited.status, 429, "even the right password waits");
    let wait: u64 = limited
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&wait), "{wait}");
    assert!(limited.header("set-cookie").is_none());
    server.shutdown().await;
}

#[tokio::test]
async fn beyond_loopback_the_one_time_link_logs_in_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = config(dir.path(), "0.0.0.0:0");
    assert!(
        matches!(
            server::start(plain).await,
            Err(server::ServerError::PlainHttpBeyondLoopback(_))
        ),
        "plain HTTP beyond loopback needs --insecure-http"
    );
    let mut config = config(dir.path(), "0.0.0.0:0");
    config.insecure_http = true;
    let server = server::start(config).await.expect("starts");
    let addr: SocketAddr = format!("127.0.0.1:{}", server.local_addr().port())
        .parse()
        .expect("addr");
    let url = server.login_url().expect("a one-time link").to_owned();
    let path = &url[url.find("/login").expect("path")..];
    // Auth is on beyond loopback even without a password.
    assert_eq!(get(addr, "/", "\r\nAccept: text/html").await.status, 303);
    assert_eq!(upgrade_status(addr, None).await, Err(401));
    let wrong = get(addr, "/login?token=0123", "").await;
    assert_eq!(wrong.status, 403);
    assert!(wrong.header("set-cookie").is_none());
    let first = get(addr, path, "").await;
    assert_eq!(first.status, 303, "{first:?}");
    let cookie = session_cookie(&first);
    let again = get(addr, path, "").await;
    assert_eq!(again.status, 403, "single use");
    assert!(again.header("set-cookie").is_none());
    assert_eq!(
        get(addr, "/", &format!("\r\nCookie: {cookie}"))
            .await
            .status,
        200
    );
    server.shutdown().await;
}

/// A form call of `hosts/retry` (which only resolves the tab's host).
async fn retry(addr: SocketAddr, tab: &str, profile: &str) -> Answer {
    call(
        addr,
        "hosts/retry",
        &format!("tab={tab}&profile_id={profile}"),
        &same_origin(addr),
    )
    .await
}

async fn token_of(tab: &mut Browser) -> String {
    let hello = tab.wait("hello", |m| m["type"] == "hello").await;
    hello["tab_token"].as_str().expect("token").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tab_token_reaches_only_its_own_watched_hosts_and_expires() {
    let world = World::start_with(|config| config.tab_grace = Duration::ZERO).await;
    let addr = world.server.local_addr();
    let mut a = Browser::connect(addr).await;
    let mut b = Browser::connect(addr).await;
    let (token_a, token_b) = (token_of(&mut a).await, token_of(&mut b).await);
    a.send(world.watch("p-a")).await;
    a.wait("p-a online", |m| {
        m["type"] == "state" && m["profile_id"] == "p-a" && m["status"] == "online"
    })
    .await;
    assert_eq!(retry(addr, &token_a, "p-a").await.status, 200);
    // Another tab's token does not reach A's host, even naming its profile.
    let stolen = retry(addr, &token_b, "p-a").await;
    assert!(
        stolen.body.contains("daemon_session_unavailable"),
        "{stolen:?}"
    );
    // A profile tab A never watched.
    let unwatched = retry(addr, &token_a, "p-other").await;
    assert!(
        unwatched.body.contains("daemon_session_unavailable"),
        "{unwatched:?}"
    );
    // A forged token.
    let forged = retry(addr, &"0".repeat(32), "p-a").await;
    assert!(forged.body.contains("tab_unknown"), "{forged:?}");
    // A valid token from a page of another origin never gets in.
    let cross = call(
        addr,
        "hosts/retry",
        &format!("tab={token_a}&profile_id=p-a"),
        "\r\nOrigin: http://evil.example",
    )
    .await;
    assert_eq!(cross.status, 403);
    // Tab A goes away: with no grace, its token is stale once the server
    // has seen the close (polled to the deadline, no fixed sleep).
    a.close().await;
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let stale = retry(addr, &token_a, "p-a").await;
        if stale.body.contains("tab_unknown") {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the token stayed valid: {stale:?}"
        );
        tokio::task::yield_now().await;
    }
    b.close().await;
    world.stop().await;
}

#[tokio::test]
async fn beyond_loopback_with_tls_it_serves_https_and_the_cookie_is_secure() {
    use rustls::pki_types::ServerName;
    let dir = tempfile::tempdir().expect("tempdir");
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into()]).expect("cert");
    let files = daemon::tls::TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    std::fs::write(&files.cert, cert.cert.pem()).expect("write");
    std::fs::write(&files.key, cert.signing_key.serialize_pem()).expect("write");
    let mut config = config(dir.path(), "0.0.0.0:0");
    config.tls = Some(files.clone());
    config.allowed_hosts = vec!["localhost".into()];
    let server = server::start(config)
        .await
        .expect("starts without --insecure-http");
    let port = server.local_addr().port();
    let url = server.login_url().expect("one-time link").to_owned();
    assert!(
        url.starts_with(&format!("https://localhost:{port}/login?token=")),
        "{url}"
    );

    let mut roots = rustls::RootCertStore::empty();
    roots.add_parsable_certificates(daemon::tls::read_certificates(&files.cert).expect("read"));
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(client));
    let path = &url[url.find("/login").expect("path")..];
    let tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let mut tls = connector
        .connect(ServerName::try_from("localhost").expect("name"), tcp)
        .await
        .expect("TLS handshake");
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n");
    tls.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(DEADLINE, tls.read_to_end(&mut raw))
        .await
        .expect("answer");
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 303"), "{text}");
    let set_cookie = text
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .expect("cookie");
    assert!(
        set_cookie.contains("Secure") && set_cookie.contains("HttpOnly"),
        "{set_cookie}"
    );
    // Plain HTTP on the TLS port gets no page.
    let mut plain = TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    plain
        .write_all(b"GET /api/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(DEADLINE, plain.read_to_end(&mut raw)).await;
    assert!(!String::from_utf8_lossy(&raw).contains("200 OK"));
    server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_host_allowlist_bounds_watch_and_probe_on_the_live_channel() {
    let world = World::start_with(|config| config.daemon_hosts = vec!["box.lan".into()]).await;
    let addr = world.server.local_addr();
    let mut tab = Browser::connect(addr).await;
    tab.wait("hello", |m| m["type"] == "hello").await;
    // "Test connection" of a host the operator did not allow: refused
    // without a connection (its port is this world's real daemon).
    tab.send(serde_json::json!({
        "type": "probe", "probe_id": "p1", "ws_url": world.daemon_url, "password": "pw"
    }))
    .await;
    let result = tab
        .wait("probe_result", |m| m["type"] == "probe_result")
        .await;
    assert_eq!(result["error"]["kind"], "not_allowed", "{result}");
    assert!(!result.to_string().contains("\"pw\""), "no password echoed");
    // Watching it: the profile reports the refusal, never online.
    tab.send(world.watch("p-x")).await;
    let state = tab
        .wait("a state for p-x", |m| {
            m["profile_id"] == "p-x" && (m["type"] == "state" || m["type"] == "error")
        })
        .await;
    assert_ne!(state["status"], "online", "{state}");
    assert!(state.to_string().contains("does not allow"), "{state}");
    tab.close().await;
    world.stop().await;
}
