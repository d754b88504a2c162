//! End-to-end tests of the real `paseo-daemon` binary: each test starts
//! its own daemon (temp home, ephemeral port read from the log) and drives
//! it over real sockets through every rule of the walking skeleton.

use crate::support::*;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

fn is_server_id(id: &str) -> bool {
    id.len() == 16
        && id.starts_with("srv_")
        && id[4..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[tokio::test]
async fn hello_gets_server_info_and_the_id_survives_a_restart() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut daemon = DaemonProcess::spawn(home.path(), &[]);
    let (mut ws, info) = connect_hello(&daemon.ws_url(), "cid_one").await;

    let id = info["serverId"].as_str().expect("serverId").to_owned();
    assert!(is_server_id(&id), "{id}");
    assert!(
        info["hostname"].as_str().is_some_and(|h| !h.is_empty()),
        "{info}"
    );
    let version = format!("{}+paseo-web", env!("CARGO_PKG_VERSION"));
    assert_eq!(info["version"], version.as_str());
    assert_eq!(
        info["capabilities"]["paseoWeb"],
        json!({"daemon": env!("CARGO_PKG_VERSION"), "protocolVersion": 1,
               "paseoVersion": "0.1.65-beta.5", "paseoCommit": "f3de5689"})
    );
    assert_eq!(info["features"], json!({"providersSnapshot": true}));
    assert_eq!(info["capabilities"]["voice"]["voice"]["enabled"], false);
    let persisted = std::fs::read_to_string(home.path().join("server-id")).expect("server-id file");
    assert_eq!(persisted.trim(), id);

    // SIGTERM: the open socket is closed with 1001 and the process exits 0.
    daemon.send_sigterm();
    assert_eq!(
        expect_close(&mut ws).await,
        (1001, "Daemon shutting down".to_owned())
    );
    drop(ws);
    let status = daemon.wait_exit();
    assert!(status.success(), "{status:?}");

    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let (_ws, info) = connect_hello(&daemon.ws_url(), "cid_one").await;
    assert_eq!(info["serverId"], id.as_str(), "same home, same id");
}

#[tokio::test]
async fn server_id_env_overrides_the_persisted_one() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut cmd = daemon_command(home.path(), &["--listen", "127.0.0.1:0"]);
    cmd.env("PASEO_SERVER_ID", "srv_fixedFixed01");
    let daemon = DaemonProcess::spawn_with(cmd);
    let (_ws, info) = connect_hello(&daemon.ws_url(), "cid").await;
    assert_eq!(info["serverId"], "srv_fixedFixed01");
}

#[tokio::test]
async fn ws_ping_is_answered_before_and_after_hello_and_recording_state_is_ignored() {
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut ws = connect(&daemon.ws_url()).await;
    send_json(&mut ws, json!({"type":"ping"})).await;
    assert_eq!(recv_json(&mut ws).await, json!({"type":"pong"}));
    send_json(
        &mut ws,
        json!({"type":"recording_state","isRecording":true}),
    )
    .await;
    send_json(&mut ws, hello_frame("cid")).await;
    // Nothing answered recording_state: the next frame is server_info.
    assert_eq!(
        recv_session(&mut ws).await["payload"]["status"],
        "server_info"
    );
    send_json(
        &mut ws,
        json!({"type":"recording_state","isRecording":false}),
    )
    .await;
    send_json(&mut ws, json!({"type":"ping"})).await;
    assert_eq!(recv_json(&mut ws).await, json!({"type":"pong"}));
}

#[tokio::test]
async fn session_ping_echoes_request_id_and_client_time() {
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let (mut ws, _) = connect_hello(&daemon.ws_url(), "cid").await;

    send_session(
        &mut ws,
        json!({"type":"ping","requestId":"p1","clientSentAt":1234}),
    )
    .await;
    let pong = recv_session(&mut ws).await;
    assert_eq!(pong["type"], "pong");
    let payload = &pong["payload"];
    assert_eq!(payload["requestId"], "p1");
    assert_eq!(payload["clientSentAt"], 1234);
    let received = payload["serverReceivedAt"]
        .as_i64()
        .expect("serverReceivedAt");
    let sent = payload["serverSentAt"].as_i64().expect("serverSentAt");
    assert!(
        received > 1_577_836_800_000 && sent >= received,
        "{payload}"
    );

    send_session(&mut ws, json!({"type":"ping","requestId":"p2"})).await;
    let payload = recv_session(&mut ws).await["payload"].clone();
    assert_eq!(payload["requestId"], "p2");
    assert!(
        payload.get("clientSentAt").is_none(),
        "absent when not sent: {payload}"
    );
}

#[tokio::test]
async fn fetch_agents_returns_an_empty_page_and_echoes_subscriptions() {
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let (mut ws, _) = connect_hello(&daemon.ws_url(), "cid").await;

    send_session(
        &mut ws,
        json!({"type":"fetch_agents_request","requestId":"f1"}),
    )
    .await;
    assert_eq!(
        recv_session(&mut ws).await,
        json!({"type":"fetch_agents_response","payload":{"requestId":"f1","entries":[],
               "pageInfo":{"nextCursor":null,"prevCursor":null,"hasMore":false}}})
    );

    send_session(
        &mut ws,
        json!({"type":"fetch_agents_request","requestId":"f2","scope":"active","subscribe":{"subscriptionId":"sub-1"}}),
    )
    .await;
    let payload = recv_session(&mut ws).await["payload"].clone();
    assert_eq!(payload["requestId"], "f2");
    assert_eq!(payload["subscriptionId"], "sub-1");

    send_session(
        &mut ws,
        json!({"type":"fetch_agents_request","requestId":"f3","subscribe":{}}),
    )
    .await;
    let payload = recv_session(&mut ws).await["payload"].clone();
    assert_eq!(
        payload["subscriptionId"].as_str().map(str::len),
        Some(36),
        "a generated uuid: {payload}"
    );
}

#[tokio::test]
async fn bad_frames_after_hello_are_answered_and_the_connection_survives() {
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let (mut ws, _) = connect_hello(&daemon.ws_url(), "cid").await;

    send_session(
        &mut ws,
        json!({"type":"list_agents_request","requestId":"x"}),
    )
    .await;
    assert_eq!(
        recv_session(&mut ws).await,
        json!({"type":"rpc_error","payload":{"requestId":"x","requestType":"list_agents_request",
               "error":"Unknown request schema","code":"unknown_schema"}})
    );

    send_session(
        &mut ws,
        json!({"type":"ping","requestId":"r1","clientSentAt":"soon"}),
    )
    .await;
    assert_eq!(
        recv_session(&mut ws).await,
        json!({"type":"rpc_error","payload":{"requestId":"r1","requestType":"ping",
               "error":"Invalid message","code":"invalid_message"}})
    );

    let expect_status_error = |message: Value| {
        assert_eq!(message["type"], "status", "{message}");
        assert_eq!(message["payload"]["status"], "error", "{message}");
        let text = message["payload"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(text.starts_with("Invalid message: "), "{message}");
    };
    // Known type, no requestId.
    send_session(&mut ws, json!({"type":"fetch_agents_request"})).await;
    expect_status_error(recv_session(&mut ws).await);
    // Unknown type, no requestId.
    send_session(&mut ws, json!({"type":"list_agents_request"})).await;
    expect_status_error(recv_session(&mut ws).await);
    // Not JSON at all, then JSON that is not an object.
    send_text(&mut ws, "not json").await;
    expect_status_error(recv_session(&mut ws).await);
    send_text(&mut ws, "[1,2]").await;
    expect_status_error(recv_session(&mut ws).await);
    // Binary frames are ignored after hello.
    ws.send_binary(vec![1, 2, 3]).await;

    send_session(&mut ws, json!({"type":"ping","requestId":"alive"})).await;
    assert_eq!(recv_session(&mut ws).await["payload"]["requestId"], "alive");
}

/// Small extension so the test above reads linearly.
trait SendBinary {
    async fn send_binary(&mut self, bytes: Vec<u8>);
}

impl SendBinary for Ws {
    async fn send_binary(&mut self, bytes: Vec<u8>) {
        use futures_util::SinkExt;
        self.send(Message::binary(bytes))
            .await
            .expect("send binary");
    }
}

#[tokio::test]
async fn silent_socket_is_closed_with_4001_but_a_greeted_one_stays() {
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = DaemonProcess::spawn(home.path(), &["--hello-timeout-ms", "300"]);
    let (mut greeted, _) = connect_hello(&daemon.ws_url(), "cid").await;
    // Opened after `greeted`, so its deadline is later than greeted's was.
    let mut silent = connect(&daemon.ws_url()).await;
    assert_eq!(
        expect_close(&mut silent).await,
        (4001, "Hello timeout".to_owned())
    );
    send_session(
        &mut greeted,
        json!({"type":"ping","requestId":"still-here"}),
    )
    .await;
    assert_eq!(
        recv_session(&mut greeted).await["payload"]["requestId"],
        "still-here"
    );
}

async fn expect_closed_by(url: &str, frames: &[Message], code: u16, reason: &str) {
    let mut ws = connect(url).await;
    for frame in frames {
        use futures_util::SinkExt;
        ws.send(frame.clone()).await.expect("send");
    }
    assert_eq!(
        expect_close(&mut ws).await,
        (code, reason.to_owned()),
        "after {frames:?}"
    );
}

#[tokio::test]
async fn handshake_violations_close_with_paseo_codes() {
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let url = daemon.ws_url();
    let text = |v: Value| Message::text(v.to_string());
    let hello = hello_frame("cid");

    let session_ping = text(json!({"type":"session","message":{"type":"ping","requestId":"p"}}));
    expect_closed_by(&url, &[session_ping], 4002, "Session message before hello").await;
    let unknown_session = text(json!({"type":"session","message":{"type":"nope","requestId":"p"}}));
    expect_closed_by(
        &url,
        &[unknown_session],
        4002,
        "Session message before hello",
    )
    .await;
    expect_closed_by(
        &url,
        &[Message::binary(vec![0u8; 4])],
        4002,
        "Session message before hello",
    )
    .await;

    let missing_fields = text(json!({"type":"hello","clientId":"cid"}));
    expect_closed_by(&url, &[missing_fields], 4002, "Invalid hello").await;
    let mut blank = hello.clone();
    blank["clientId"] = json!("   ");
    expect_closed_by(&url, &[text(blank)], 4002, "Invalid hello").await;
    let mut empty = hello.clone();
    empty["clientId"] = json!("");
    expect_closed_by(&url, &[text(empty)], 4002, "Invalid hello").await;
    expect_closed_by(&url, &[Message::text("not json")], 4002, "Invalid hello").await;

    let mut v2 = hello.clone();
    v2["protocolVersion"] = json!(2);
    expect_closed_by(&url, &[text(v2)], 4003, "Incompatible protocol version").await;

    let (mut ws, _) = connect_hello(&url, "cid").await;
    send_json(&mut ws, hello.clone()).await;
    assert_eq!(
        expect_close(&mut ws).await,
        (4002, "Unexpected hello".to_owned())
    );

    // The daemon still serves after all that.
    connect_hello(&url, "cid-after").await;
}

#[tokio::test]
async fn oversized_frame_is_refused_without_harming_the_daemon() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut daemon = DaemonProcess::spawn(home.path(), &["--max-frame-bytes", "4096"]);
    let (mut ws, _) = connect_hello(&daemon.ws_url(), "big").await;
    let big = json!({"type":"session","message":{"type":"ping","requestId":"x".repeat(8192)}})
        .to_string();
    // The send itself may fail once the daemon drops the connection.
    let _ = tokio::time::timeout(
        DEADLINE,
        futures_util::SinkExt::send(&mut ws, Message::text(big)),
    )
    .await;
    match next(&mut ws).await {
        Next::Close(code, reason) => assert_eq!((code, reason.as_str()), (1009, "Message too big")),
        Next::Ended(why) => eprintln!("oversized: connection ended without a close frame: {why}"),
        Next::Json(value) => panic!("oversized frame was processed: {value}"),
    }
    daemon.wait_for_log("refused an oversized frame");
    assert!(daemon.is_running());
    let (mut ws, _) = connect_hello(&daemon.ws_url(), "after").await;
    send_session(&mut ws, json!({"type":"ping","requestId":"small"})).await;
    assert_eq!(recv_session(&mut ws).await["payload"]["requestId"], "small");
}

#[tokio::test]
async fn health_and_status_endpoints_and_the_local_only_guard() {
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let host = daemon.addr.to_string();

    let (code, body) = http_get(daemon.addr, "/api/health", &host, "");
    assert_eq!(code, 200, "{body}");
    let health: Value = serde_json::from_str(&body).expect("health JSON");
    assert_eq!(health["status"], "ok");

    let (code, body) = http_get(daemon.addr, "/api/status", "localhost", "");
    assert_eq!(code, 200, "{body}");
    let status: Value = serde_json::from_str(&body).expect("status JSON");
    assert_eq!(status["status"], "server_info");
    assert!(
        is_server_id(status["serverId"].as_str().unwrap_or_default()),
        "{status}"
    );
    assert_eq!(
        status["version"],
        format!("{}+paseo-web", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(status["listen"], host.as_str());
    assert!(status["hostname"].is_string(), "{status}");
    let (_ws, info) = connect_hello(&daemon.ws_url(), "cid").await;
    assert_eq!(info["serverId"], status["serverId"]);

    // DNS rebinding / cross-site pages are refused.
    let (code, _) = http_get(daemon.addr, "/api/status", "evil.example", "");
    assert_eq!(code, 403);
    let (code, _) = http_get(
        daemon.addr,
        "/api/health",
        &host,
        "Origin: https://evil.example\r\n",
    );
    assert_eq!(code, 403);
    let mut request = daemon.ws_url().into_client_request().expect("request");
    request
        .headers_mut()
        .insert("Origin", "https://evil.example".parse().expect("header"));
    match tokio_tungstenite::connect_async(request).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!(
            "cross-origin upgrade must be refused, got {:?}",
            other.map(|_| ())
        ),
    }
    let mut request = daemon.ws_url().into_client_request().expect("request");
    request
        .headers_mut()
        .insert("Origin", "http://localhost:3000".parse().expect("header"));
    tokio_tungstenite::connect_async(request)
        .await
        .expect("local origin is fine");
}

#[tokio::test]
async fn first_offered_subprotocol_is_echoed() {
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut request = daemon.ws_url().into_client_request().expect("request");
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "paseo.bearer.x, other".parse().expect("header"),
    );
    let (_ws, response) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    assert_eq!(
        response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some("paseo.bearer.x")
    );
}

#[tokio::test]
async fn a_second_daemon_on_the_same_home_is_refused() {
    let home = tempfile::tempdir().expect("tempdir");
    let first = DaemonProcess::spawn(home.path(), &[]);
    let (status, stderr) = run_to_exit(daemon_command(home.path(), &["--listen", "127.0.0.1:0"]));
    assert!(!status.success());
    assert!(stderr.contains("already using PASEO_HOME"), "{stderr}");
    assert!(
        stderr.contains(&home.path().display().to_string()),
        "{stderr}"
    );
    connect_hello(&first.ws_url(), "still-serving").await;
}

#[tokio::test]
async fn non_loopback_listen_is_refused() {
    let home = tempfile::tempdir().expect("tempdir");
    let (status, stderr) = run_to_exit(daemon_command(home.path(), &["--listen", "0.0.0.0:0"]));
    assert!(!status.success());
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0"),
        "{stderr}"
    );
}

#[test]
fn help_lists_the_options() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_paseo-daemon"))
        .arg("--help")
        .output()
        .expect("run --help");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    for flag in [
        "--listen",
        "--home",
        "--hello-timeout-ms",
        "--max-frame-bytes",
        "PASEO_LISTEN",
        "PASEO_HOME",
    ] {
        assert!(help.contains(flag), "missing {flag} in:\n{help}");
    }
}

/// A start that fails prints one line, `paseo-daemon: error: …`, each
/// cause once, and exits 1; never a panic or a backtrace, even with
/// `RUST_BACKTRACE=1`.
#[tokio::test]
async fn start_errors_are_one_line_without_a_backtrace() {
    let home = tempfile::tempdir().expect("tempdir");
    let busy_home = tempfile::tempdir().expect("tempdir");
    let _running = DaemonProcess::spawn(busy_home.path(), &[]);
    let password = home.path().join("password");
    std::fs::write(&password, "s3cret\n").expect("password file");
    let password = password.to_str().expect("utf-8").to_owned();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken = taken.local_addr().expect("addr").to_string();
    let cases: [(&str, &std::path::Path, Vec<&str>, &str); 6] = [
        (
            "port in use",
            home.path(),
            vec!["--listen", &taken],
            "Address already in use",
        ),
        (
            "non-loopback without a password",
            home.path(),
            vec!["--listen", "0.0.0.0:0"],
            "refusing to listen on 0.0.0.0:0 without a password",
        ),
        (
            "IPv6 any without a password",
            home.path(),
            vec!["--listen", "[::]:0"],
            "refusing to listen on [::]:0 without a password",
        ),
        (
            // TEST-NET-1: no interface has it, so the bind is refused.
            "refused bind",
            home.path(),
            vec!["--listen", "192.0.2.1:0", "--password-file", &password],
            "cannot listen on 192.0.2.1:0",
        ),
        (
            "home in use",
            busy_home.path(),
            vec!["--listen", "127.0.0.1:0"],
            "already using PASEO_HOME",
        ),
        (
            "a TLS certificate that cannot be read",
            home.path(),
            vec![
                "--listen",
                "127.0.0.1:0",
                "--tls-cert",
                "/nonexistent/cert.pem",
                "--tls-key",
                "/nonexistent/key.pem",
            ],
            "cannot read certificate /nonexistent/cert.pem",
        ),
    ];
    for (name, home, args, expected) in cases {
        let mut cmd = daemon_command(home, &args);
        cmd.env("RUST_BACKTRACE", "1");
        let (status, stderr) = run_to_exit(cmd);
        assert_eq!(status.code(), Some(1), "{name}: {stderr}");
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.contains("error") || l.contains("ERROR"))
            .collect();
        assert_eq!(errors.len(), 1, "{name}: one error line: {stderr}");
        assert!(
            errors[0].starts_with("paseo-daemon: error: "),
            "{name}: {stderr}"
        );
        assert_eq!(
            errors[0].matches(expected).count(),
            1,
            "{name}: said once: {stderr}"
        );
        assert!(
            !stderr.contains("backtrace") && !stderr.contains("panicked"),
            "{name}: {stderr}"
        );
    }
}

/// Ctrl-C (SIGINT) is a graceful stop like SIGTERM: sockets closed with
/// 1001, the agent mid-turn stopped (its process group gone, the ledger
/// empty), its record and rows on disk, exit status 0; the next start
/// reports the interrupted turn.
#[tokio::test]
async fn ctrl_c_stops_agents_persists_them_and_closes_with_1001() {
    crate::agent_support::require_test_agent();
    let home = tempfile::tempdir().expect("tempdir");
    let cwd = tempfile::tempdir().expect("cwd");
    let mut daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = crate::agent_support::Client::connect(&daemon.ws_url(), "cid-int").await;
    let created =
        crate::agent_support::create_agent(&mut client, "c", cwd.path(), Some("PLEASE_BE_SLOW"))
            .await;
    let id = created["agentId"].as_str().expect("id").to_owned();
    client
        .stream_event(&id, |e| e["item"]["text"] == "tick1 ")
        .await;
    let ledger_path = home.path().join(daemon::procs::LEDGER_FILE);
    let ledger: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&ledger_path).expect("ledger"))
            .expect("JSON");
    let pgid = i32::try_from(ledger["groups"][0]["pgid"].as_i64().expect("pgid")).expect("pgid");
    let (mut watcher, _) = connect_hello(&daemon.ws_url(), "cid-watch").await;

    daemon.send_signal(libc::SIGINT);
    assert_eq!(
        expect_close(&mut watcher).await,
        (1001, "Daemon shutting down".to_owned())
    );
    let status = daemon.wait_exit();
    assert!(status.success(), "{status:?}");
    assert!(!group_alive(pgid), "the agent's group is gone");
    let ledger: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&ledger_path).expect("ledger"))
            .expect("JSON");
    assert_eq!(ledger["groups"], json!([]), "{ledger}");
    drop(client);

    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let mut client = crate::agent_support::Client::connect(&daemon.ws_url(), "cid-int").await;
    let rows = crate::agent_support::all_rows(&mut client, &id, "t").await;
    assert_eq!(rows[0]["item"]["type"], "user_message", "{rows:?}");
    assert!(
        rows.iter().any(|r| r["item"]["text"] == "tick1 "),
        "{rows:?}"
    );
    let last = rows.last().expect("rows");
    assert!(
        last["item"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("restarted mid-turn")),
        "{last}"
    );
}
