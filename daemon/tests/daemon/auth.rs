//! Access control of the real `paseo-daemon` binary over real sockets:
//! the password (WebSocket subprotocol, HTTP bearer), Host and Origin
//! allowlists, binding rules, and `config.json` with its precedence.

use std::path::Path;

use crate::support::*;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

const PASSWORD: &str = "s3cret-pw";

/// Connects offering `protocol` (and optionally an Origin); returns the
/// socket and the subprotocol the daemon selected.
async fn connect_offering(
    url: &str,
    protocol: Option<&str>,
    origin: Option<&str>,
) -> Result<(Ws, Option<String>), tokio_tungstenite::tungstenite::Error> {
    let mut request = url.into_client_request().expect("request");
    if let Some(protocol) = protocol {
        let value = HeaderValue::from_str(protocol).expect("header");
        request
            .headers_mut()
            .insert("Sec-WebSocket-Protocol", value);
    }
    if let Some(origin) = origin {
        let value = HeaderValue::from_str(origin).expect("header");
        request.headers_mut().insert("Origin", value);
    }
    let (ws, response) = tokio::time::timeout(DEADLINE, tokio_tungstenite::connect_async(request))
        .await
        .expect("connect timed out")?;
    let selected = response
        .headers()
        .get("Sec-WebSocket-Protocol")
        .map(|v| v.to_str().expect("ascii").to_owned());
    Ok((ws, selected))
}

fn with_password(home: &Path, args: &[&str]) -> DaemonProcess {
    let mut cmd = daemon_command(home, &[&["--listen", "127.0.0.1:0"], args].concat());
    cmd.env("PASEO_PASSWORD", PASSWORD);
    DaemonProcess::spawn_with(cmd)
}

fn bearer(password: &str) -> String {
    format!("paseo.bearer.{password}")
}

#[tokio::test]
async fn websocket_needs_the_password_subprotocol() {
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = with_password(home.path(), &[]);
    let url = daemon.ws_url();

    let (mut ws, _) = connect_offering(&url, None, None).await.expect("upgrade");
    assert_eq!(
        expect_close(&mut ws).await,
        (4401, "Password required".to_owned())
    );

    let wrong = bearer("nope");
    let (mut ws, selected) = connect_offering(&url, Some(&wrong), None)
        .await
        .expect("upgrade");
    assert_eq!(
        selected.as_deref(),
        Some(wrong.as_str()),
        "echoed so browsers see the close"
    );
    assert_eq!(
        expect_close(&mut ws).await,
        (4401, "Incorrect password".to_owned())
    );

    let right = bearer(PASSWORD);
    let (mut ws, selected) = connect_offering(&url, Some(&right), None)
        .await
        .expect("upgrade");
    assert_eq!(selected.as_deref(), Some(right.as_str()));
    send_json(&mut ws, hello_frame("cid_auth")).await;
    let message = recv_session(&mut ws).await;
    assert_eq!(message["payload"]["status"], "server_info", "{message}");
}

#[tokio::test]
async fn status_needs_the_bearer_password_and_health_does_not() {
    let home = tempfile::tempdir().expect("tempdir");
    let daemon = with_password(home.path(), &[]);
    let host = daemon.addr.to_string();
    let auth = format!("Authorization: Bearer {PASSWORD}\r\n");

    let (code, body) = http_get(daemon.addr, "/api/status", &host, "");
    assert_eq!(code, 401, "{body}");
    assert!(!body.contains(PASSWORD));
    let (code, _) = http_get(
        daemon.addr,
        "/api/status",
        &host,
        "Authorization: Bearer nope\r\n",
    );
    assert_eq!(code, 401);
    let (code, body) = http_get(daemon.addr, "/api/status", &host, &auth);
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("server_info"), "{body}");
    let (code, body) = http_get(daemon.addr, "/api/health", &host, "");
    assert_eq!((code, body.contains("\"ok\"")), (200, true), "{body}");
}

#[tokio::test]
async fn foreign_origins_are_refused_before_the_upgrade_listed_ones_pass() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut cmd = daemon_command(home.path(), &["--listen", "127.0.0.1:0"]);
    cmd.env("PASEO_CORS_ORIGINS", "https://app.example");
    let daemon = DaemonProcess::spawn_with(cmd);
    let host = daemon.addr.to_string();

    let evil = "Origin: https://evil.example\r\n";
    assert_eq!(http_get(daemon.addr, "/ws", &host, evil).0, 403);
    assert_eq!(http_get(daemon.addr, "/api/health", &host, evil).0, 403);
    match connect_offering(&daemon.ws_url(), None, Some("https://evil.example")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("expected HTTP 403, got {:?}", other.map(|_| ())),
    }

    let (mut ws, _) = connect_offering(&daemon.ws_url(), None, Some("https://app.example"))
        .await
        .expect("listed origin upgrades");
    send_json(&mut ws, hello_frame("cid_origin")).await;
    assert_eq!(
        recv_session(&mut ws).await["payload"]["status"],
        "server_info"
    );
    let (code, _) = http_get(
        daemon.addr,
        "/api/health",
        &host,
        "Origin: http://localhost:3000\r\n",
    );
    assert_eq!(code, 200, "loopback origins always pass");
}

#[tokio::test]
async fn allowed_hosts_come_from_the_environment_and_its_alias() {
    let home = tempfile::tempdir().expect("tempdir");
    for var in ["PASEO_ALLOWED_HOSTS", "PASEO_HOSTNAMES"] {
        let mut cmd = daemon_command(home.path(), &["--listen", "127.0.0.1:0"]);
        cmd.env(var, "box.example,.tailnet.example");
        let daemon = DaemonProcess::spawn_with(cmd);
        let port = daemon.addr.port();
        let get = |host: String| http_get(daemon.addr, "/api/health", &host, "").0;
        assert_eq!(get(format!("box.example:{port}")), 200, "{var}");
        assert_eq!(get(format!("pc.tailnet.example:{port}")), 200, "{var}");
        assert_eq!(get(format!("evil.example:{port}")), 403, "{var}");
        drop(daemon);
    }
}

#[tokio::test]
async fn non_loopback_bind_needs_a_password() {
    let home = tempfile::tempdir().expect("tempdir");
    let (status, stderr) = run_to_exit(daemon_command(home.path(), &["--listen", "0.0.0.0:0"]));
    assert!(!status.success());
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0 without a password"),
        "{stderr}"
    );

    let pw_file = home.path().join("pw");
    std::fs::write(&pw_file, format!("{PASSWORD}\n")).expect("write");
    let pw_arg = pw_file.to_str().expect("utf-8 path");
    let cmd = daemon_command(
        home.path(),
        &["--listen", "0.0.0.0:0", "--password-file", pw_arg],
    );
    let daemon = DaemonProcess::spawn_with(cmd);
    assert!(daemon.addr.ip().is_unspecified(), "{}", daemon.addr);
    let url = format!("ws://127.0.0.1:{}/ws", daemon.addr.port());
    let (mut ws, _) = connect_offering(&url, Some(&bearer(PASSWORD)), None)
        .await
        .expect("upgrade");
    send_json(&mut ws, hello_frame("cid_remote")).await;
    assert_eq!(
        recv_session(&mut ws).await["payload"]["status"],
        "server_info"
    );
}

#[tokio::test]
async fn config_file_applies_and_flags_and_env_override_it() {
    let home = tempfile::tempdir().expect("tempdir");
    let config = json!({"daemon": {"helloTimeoutMs": 300, "maxFrameBytes": 1000,
                       "auth": {"password": "from-file"}}});
    std::fs::write(home.path().join("config.json"), config.to_string()).expect("write");
    let big_frame = json!({"type": "ping", "pad": "x".repeat(2000)});

    // File values: its password, its hello timeout, its frame limit.
    let daemon = DaemonProcess::spawn(home.path(), &[]);
    let url = daemon.ws_url();
    let (mut ws, _) = connect_offering(&url, Some(&bearer("from-file")), None)
        .await
        .expect("upgrade");
    assert_eq!(
        expect_close(&mut ws).await.0,
        4001,
        "helloTimeoutMs 300 from the file"
    );
    let (mut ws, _) = connect_offering(&url, Some(&bearer("from-file")), None)
        .await
        .expect("upgrade");
    send_json(&mut ws, big_frame.clone()).await;
    assert_eq!(
        expect_close(&mut ws).await.0,
        1009,
        "maxFrameBytes 1000 from the file"
    );
    drop(daemon);

    // A flag beats the file's frame limit; the environment its password.
    let mut cmd = daemon_command(
        home.path(),
        &["--listen", "127.0.0.1:0", "--max-frame-bytes", "100000"],
    );
    cmd.env("PASEO_PASSWORD", "from-env");
    let daemon = DaemonProcess::spawn_with(cmd);
    let url = daemon.ws_url();
    let (mut ws, _) = connect_offering(&url, Some(&bearer("from-file")), None)
        .await
        .expect("upgrade");
    assert_eq!(
        expect_close(&mut ws).await,
        (4401, "Incorrect password".to_owned())
    );
    let (mut ws, _) = connect_offering(&url, Some(&bearer("from-env")), None)
        .await
        .expect("upgrade");
    send_json(&mut ws, big_frame).await;
    assert_eq!(
        recv_json(&mut ws).await,
        json!({"type": "pong"}),
        "frame under the flag's limit"
    );
}

#[tokio::test]
async fn invalid_config_is_a_clear_startup_error_that_hides_the_password() {
    let home = tempfile::tempdir().expect("tempdir");
    let path = home.path().join("config.json");
    std::fs::write(
        &path,
        "{\n  \"daemon\": {\n    \"listen\": \"127.0.0.1:0\",,\n  }\n}\n",
    )
    .expect("write");
    let (status, stderr) = run_to_exit(daemon_command(home.path(), &[]));
    assert!(!status.success());
    let named = format!("invalid config file {}, line 3", path.display());
    assert!(stderr.contains(&named), "{stderr}");

    std::fs::write(&path, r#"{"daemon": {"auth": {"password": 987654321}}}"#).expect("write");
    let (status, stderr) = run_to_exit(daemon_command(home.path(), &[]));
    assert!(!status.success());
    assert!(
        stderr.contains("daemon.auth.password must be a string"),
        "{stderr}"
    );
    assert!(!stderr.contains("987654321"), "{stderr}");

    // Unknown keys only warn; the file's listen is used (and refused here).
    std::fs::write(
        &path,
        r#"{"daemon": {"listen": "0.0.0.0:0", "someFutureKey": 1}}"#,
    )
    .expect("write");
    let (status, stderr) = run_to_exit(daemon_command(home.path(), &[]));
    assert!(!status.success());
    assert!(stderr.contains("someFutureKey"), "{stderr}");
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0 without a password"),
        "{stderr}"
    );
}

#[test]
fn help_documents_auth_and_config_and_there_is_no_password_flag() {
    let home = tempfile::tempdir().expect("tempdir");
    let mut cmd = daemon_command(home.path(), &["--help"]);
    cmd.stdout(std::process::Stdio::piped());
    let output = cmd.output().expect("run --help");
    let help = String::from_utf8_lossy(&output.stdout);
    for needle in [
        "--password-file",
        "PASEO_PASSWORD",
        "--allowed-host",
        "PASEO_HOSTNAMES",
        "--cors-origin",
        "--request-timeout-ms",
        "config.json",
        "idleAgentTimeoutMs",
        "Precedence: flags > environment > config file > defaults",
    ] {
        assert!(help.contains(needle), "{needle} missing from:\n{help}");
    }
    let (status, stderr) = run_to_exit(daemon_command(home.path(), &["--password", "x"]));
    assert!(!status.success(), "{stderr}");
}
