//! The web server end to end without a browser: a real `paseo-web` (library
//! API) with its embedded daemon on ephemeral ports, spoken to over real TCP.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod support;

async fn start() -> (server::RunningServer, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).expect("mkdir");
    std::fs::write(site.join("pkg/paseo-web.js"), "// test bundle").expect("write");
    let config = server::ServerConfig::new(
        "127.0.0.1:0".parse().expect("addr"),
        Some("127.0.0.1:0".parse().expect("addr")),
        "127.0.0.1:0".parse().expect("addr"),
        dir.path().join("home"),
        site,
        vec![],
    )
    .expect("config");
    let running = server::start(config).await.expect("server starts");
    (running, dir)
}

/// Minimal HTTP/1.1 GET; returns (status, body).
async fn get(addr: std::net::SocketAddr, path: &str, extra: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{extra}\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut raw))
        .await
        .expect("response before the deadline")
        .expect("read");
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn first_paint_shows_the_embedded_daemon_online() {
    let (server, _dir) = start().await;
    // The hub connects to the embedded daemon on its own; poll the page
    // until the first paint says online (deadline, not a fixed sleep).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = get(server.local_addr(), "/", "").await;
        assert_eq!(status, 200);
        assert!(
            body.contains("paseo-fallback-ws-url"),
            "fallback URL meta tag"
        );
        if body.contains("Local Host") && body.contains(r#"data-status="online""#) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "embedded daemon never shown online; last page:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    server.shutdown().await;
}

#[tokio::test]
async fn foreign_origin_and_host_are_refused() {
    let (server, _dir) = start().await;
    let addr = server.local_addr();
    let (status, _) = get(addr, "/live", "Origin: http://evil.example\r\n").await;
    assert_eq!(
        status, 403,
        "cross-site live channel upgrade must be refused"
    );
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: rebind.example\r\nConnection: close\r\n\r\n")
        .await
        .expect("write");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("read");
    assert!(String::from_utf8_lossy(&raw).starts_with("HTTP/1.1 403"));
    let (status, body) = get(addr, "/api/health", "").await;
    assert_eq!(status, 200);
    assert!(body.contains("ok"));
    server.shutdown().await;
}

#[tokio::test]
async fn a_missing_site_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = server::ServerConfig::new(
        "127.0.0.1:0".parse().expect("addr"),
        None,
        "127.0.0.1:6767".parse().expect("addr"),
        dir.path().join("home"),
        dir.path().join("nowhere"),
        vec![],
    )
    .expect("config");
    let err = server::start(config).await.err().expect("must fail");
    assert!(err.to_string().contains("cargo xtask build"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agent_route_of_the_local_daemon_paints_its_timeline_tail() {
    support::require_test_agent();
    let (server, dir) = start().await;
    let daemon = server.daemon_addr().expect("embedded daemon");
    let url = server::config::fallback_url(daemon);
    let cwd = dir.path().join("work");
    std::fs::create_dir_all(&cwd).expect("cwd");
    let mut driver = support::Driver::connect(&url).await;
    let agent = driver.create_agent(&cwd, Some("hello from ssr")).await;
    driver.wait_for_finish(&agent).await;
    let (_, rows) = driver.timeline(&agent).await;
    let last = support::last_seq(&rows);

    let profile = app::config::fallback_profile_id(&url);
    let path = format!("/agent/{profile}/{agent}");
    // The hub lists the agent once it synced; poll with a deadline.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let body = loop {
        let (status, body) = get(server.local_addr(), &path, "").await;
        assert_eq!(status, 200);
        if body.contains(&format!(r#"data-seq-end="{last}""#)) {
            break body;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the tail never painted; last page:\n{body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(body.contains(r#"data-seq-start="1""#), "{body}");
    assert!(
        body.contains("hello from ssr"),
        "the user message is painted"
    );
    assert!(body.contains("Hi there!"), "the reply is painted");
    assert!(
        !body.to_lowercase().contains("password"),
        "no password in SSR output"
    );
    assert!(
        body.contains(&profile),
        "the fallback profile id is in the page"
    );

    // Another profile gets the connecting placeholder, still a 200.
    let (status, other) = get(
        server.local_addr(),
        &format!("/agent/daemon_x_000000/{agent}"),
        "",
    )
    .await;
    assert_eq!(status, 200);
    assert!(other.contains(r#"data-state="connecting""#), "{other}");
    assert!(!other.contains("data-seq-start"));
    server.shutdown().await;
}
