//! The `paseo-web` binary's process edges, spawned for real: SIGTERM and
//! Ctrl-C (SIGINT) stop it gracefully (the live socket and the embedded
//! daemon's sockets closed with 1001 "going away", the embedded daemon's
//! agents persisted and their processes stopped, exit status 0); a start
//! that fails prints one line to stderr and exits non-zero, with no
//! backtrace even under `RUST_BACKTRACE=1`.
//!
//! (A binary of its own rather than a module of `live.rs`/`ssr.rs`, which
//! other work is changing; the three should become one `tests/server/`
//! binary, as the other crates have.)

#![allow(
    unsafe_code,
    reason = "kill(2): signals to the spawned server and probes of its agents' process group"
)]

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const DEADLINE: Duration = Duration::from_secs(20);

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn site(dir: &Path) -> std::path::PathBuf {
    let site = dir.join("site");
    std::fs::create_dir_all(site.join("pkg")).expect("mkdir");
    std::fs::write(site.join("pkg/paseo-web.js"), "// test bundle").expect("write");
    site
}

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_paseo-web"));
    cmd.args(args)
        .env_remove("PASEO_HOME")
        .env_remove("PASEO_WEB_LISTEN")
        .env_remove("PASEO_DAEMON_LISTEN")
        .env_remove("LEPTOS_SITE_ROOT")
        .env("RUST_LOG", "info")
        .env("RUST_BACKTRACE", "1")
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A running `paseo-web`, killed on drop.
struct Server {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl Server {
    fn spawn(mut cmd: Command) -> Server {
        let mut child = cmd.spawn().expect("spawn paseo-web");
        let (tx, lines) = mpsc::channel();
        for stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    eprintln!("[paseo-web] {line}");
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
        }
        Server { child, lines }
    }

    /// The first output line containing `needle` (up to the deadline).
    fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(err) => panic!("no line containing {needle:?}: {err}"),
            }
        }
    }

    fn signal(&self, signal: i32) {
        let pid = i32::try_from(self.child.id()).expect("pid");
        // SAFETY: kill(2) on our own child.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    }

    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "paseo-web did not exit in time");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// The address after `prefix` in `line`, up to the next space or quote.
fn addr_after(line: &str, prefix: &str) -> SocketAddr {
    let rest = &line[line.find(prefix).expect(prefix) + prefix.len()..];
    let end = rest.find([' ', '/', '"']).unwrap_or(rest.len());
    rest[..end]
        .parse()
        .unwrap_or_else(|_| panic!("no address in {line:?}"))
}

async fn ws_connect(url: &str) -> Ws {
    let request = url.into_client_request().expect("request");
    tokio::time::timeout(DEADLINE, tokio_tungstenite::connect_async(request))
        .await
        .expect("connect timed out")
        .expect("connect")
        .0
}

async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let frame = tokio::time::timeout(DEADLINE, ws.next())
            .await
            .expect("a frame before the deadline");
        match frame {
            Some(Ok(Message::Text(text))) => return serde_json::from_str(&text).expect("JSON"),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            other => panic!("expected a text frame, got {other:?}"),
        }
    }
}

/// Reads until the close frame; its code and reason.
async fn close_of(ws: &mut Ws) -> (u16, String) {
    loop {
        let frame = tokio::time::timeout(DEADLINE, ws.next())
            .await
            .expect("a close before the deadline");
        match frame {
            Some(Ok(Message::Close(Some(frame)))) => {
                return (u16::from(frame.code), frame.reason.to_string());
            }
            Some(Ok(Message::Close(None))) => return (1005, String::new()),
            Some(Ok(_)) => {}
            other => panic!("the socket ended without a close frame: {other:?}"),
        }
    }
}

/// The embedded daemon's answer to `message` (by its requestId).
async fn daemon_request(ws: &mut Ws, message: Value) -> Value {
    let id = message["requestId"].clone();
    let frame = json!({"type": "session", "message": message});
    ws.send(Message::text(frame.to_string()))
        .await
        .expect("send");
    loop {
        let frame = next_json(ws).await;
        if frame["message"]["payload"]["requestId"] == id {
            return frame["message"].clone();
        }
    }
}

fn group_alive(pgid: i32) -> bool {
    // SAFETY: signal 0 only probes the group.
    unsafe { libc::kill(-pgid, 0) == 0 }
}

#[tokio::test]
async fn sigterm_and_ctrl_c_stop_gracefully() {
    for signal in [libc::SIGTERM, libc::SIGINT] {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = dir.path().join("home");
        let cwd = dir.path().join("work");
        std::fs::create_dir_all(&cwd).expect("cwd");
        let site = site(dir.path());
        let mut server = Server::spawn(command(
            dir.path(),
            &[
                "--listen",
                "127.0.0.1:0",
                "--daemon-listen",
                "127.0.0.1:0",
                "--daemon-home",
                home.to_str().expect("utf-8"),
                "--site-root",
                site.to_str().expect("utf-8"),
            ],
        ));
        let daemon_addr = addr_after(&server.wait_for("embedded daemon started"), "addr=");
        let web_addr = addr_after(
            &server.wait_for("paseo-web listening on http://"),
            "http://",
        );

        // A browser tab's live channel.
        let mut live = ws_connect(&format!("ws://{web_addr}/live")).await;
        assert_eq!(next_json(&mut live).await["type"], "hello");
        // A daemon client with an agent mid-turn.
        let mut client = ws_connect(&format!("ws://{daemon_addr}/ws")).await;
        let hello = json!({"type": "hello", "clientId": "cid-stop", "clientType": "cli",
                           "protocolVersion": 1, "capabilities": {}, "appVersion": "test"});
        client
            .send(Message::text(hello.to_string()))
            .await
            .expect("hello");
        assert_eq!(
            next_json(&mut client).await["message"]["payload"]["status"],
            "server_info"
        );
        let created = daemon_request(
            &mut client,
            json!({"type": "create_agent_request", "requestId": "c",
                   "config": {"provider": "test", "cwd": cwd}, "labels": {},
                   "initialPrompt": "PLEASE_BE_SLOW"}),
        )
        .await;
        let agent_id = created["payload"]["agentId"]
            .as_str()
            .expect("agentId")
            .to_owned();
        // The agent process runs once its group is in the ledger.
        let ledger = home.join(daemon::procs::LEDGER_FILE);
        let deadline = Instant::now() + DEADLINE;
        let pgid = loop {
            let groups = std::fs::read_to_string(&ledger)
                .ok()
                .and_then(|text| serde_json::from_str::<Value>(&text).ok())
                .and_then(|l| {
                    l["groups"]
                        .as_array()
                        .and_then(|g| g.first()?["pgid"].as_i64())
                });
            if let Some(pgid) = groups {
                break i32::try_from(pgid).expect("pgid");
            }
            assert!(Instant::now() < deadline, "the agent never started");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert!(group_alive(pgid));

        server.signal(signal);
        assert_eq!(
            close_of(&mut live).await,
            (1001, "Server shutting down".to_owned())
        );
        assert_eq!(
            close_of(&mut client).await,
            (1001, "Daemon shutting down".to_owned())
        );
        let status = server.wait_exit();
        assert!(status.success(), "signal {signal}: {status:?}");
        assert!(!group_alive(pgid), "the agent's processes were stopped");
        let ledger: Value =
            serde_json::from_str(&std::fs::read_to_string(&ledger).expect("ledger")).expect("JSON");
        assert_eq!(ledger["groups"], json!([]), "{ledger}");
        // The agent was persisted, its message with it.
        let record = home.join("agents").join(&agent_id).join("agent.json");
        let record: Value =
            serde_json::from_str(&std::fs::read_to_string(&record).expect("record")).expect("JSON");
        assert_eq!(record["id"], agent_id.as_str());
        let timeline =
            std::fs::read_to_string(home.join("agents").join(&agent_id).join("timeline.jsonl"))
                .expect("timeline");
        assert!(timeline.contains("PLEASE_BE_SLOW"), "{timeline}");
    }
}

/// Runs `paseo-web` to its exit; (status, stderr).
fn run_to_exit(cmd: Command) -> (ExitStatus, String) {
    let mut server = Server::spawn(cmd);
    let status = server.wait_exit();
    // Every line, up to the end of both pipes (the readers then hang up).
    let mut output = Vec::new();
    while let Ok(line) = server.lines.recv_timeout(DEADLINE) {
        output.push(line);
    }
    (status, output.join("\n"))
}

#[test]
fn start_errors_are_one_line_without_a_backtrace() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = site(dir.path());
    let site = site.to_str().expect("utf-8");
    let taken = TcpListener::bind("127.0.0.1:0").expect("bind");
    let taken = taken.local_addr().expect("addr").to_string();
    let home = dir.path().join("home");
    let home = home.to_str().expect("utf-8");
    let cases: [(&str, Vec<&str>, &str); 5] = [
        (
            "port in use",
            vec![
                "--listen",
                &taken,
                "--no-embedded-daemon",
                "--site-root",
                site,
            ],
            "Address already in use",
        ),
        (
            "embedded daemon's port in use",
            vec![
                "--listen",
                "127.0.0.1:0",
                "--daemon-listen",
                &taken,
                "--daemon-home",
                home,
                "--site-root",
                site,
            ],
            "Address already in use",
        ),
        (
            "refused bind (non-loopback)",
            vec![
                "--listen",
                "0.0.0.0:0",
                "--no-embedded-daemon",
                "--site-root",
                site,
            ],
            "refusing to listen on 0.0.0.0:0",
        ),
        (
            "refused bind (the embedded daemon on a non-loopback address)",
            vec![
                "--listen",
                "127.0.0.1:0",
                "--daemon-listen",
                "0.0.0.0:0",
                "--daemon-home",
                home,
                "--site-root",
                site,
            ],
            "refusing to listen on 0.0.0.0:0",
        ),
        (
            "missing site",
            vec![
                "--listen",
                "127.0.0.1:0",
                "--no-embedded-daemon",
                "--site-root",
                "/nonexistent-site",
            ],
            "site root /nonexistent-site has no pkg/paseo-web.js",
        ),
    ];
    for (name, args, expected) in cases {
        let (status, output) = run_to_exit(command(dir.path(), &args));
        assert_eq!(status.code(), Some(1), "{name}: {output}");
        let errors: Vec<&str> = output.lines().filter(|l| l.contains("error")).collect();
        assert_eq!(errors.len(), 1, "{name}: one error line: {output}");
        assert!(
            errors[0].starts_with("paseo-web: error: "),
            "{name}: {output}"
        );
        assert_eq!(
            errors[0].matches(expected).count(),
            1,
            "{name}: said once: {output}"
        );
        assert!(
            !output.contains("backtrace") && !output.contains("panicked"),
            "{name}: {output}"
        );
    }
}

/// Beyond loopback without a password: the one-time login link is printed
/// once, as a plain line of standard output, and never reaches the log,
/// not even the debug request log after it is used (queries are redacted).
#[test]
fn the_one_time_login_link_is_printed_once_and_never_logged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let site = site(dir.path());
    let mut cmd = command(
        dir.path(),
        &[
            "--listen",
            "0.0.0.0:0",
            "--insecure-http",
            "--no-embedded-daemon",
            "--site-root",
            site.to_str().expect("utf-8"),
        ],
    );
    cmd.env("RUST_LOG", "debug");
    let mut server = Server::spawn(cmd);
    let deadline = Instant::now() + DEADLINE;
    let line = loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = server.lines.recv_timeout(left).expect("the login line");
        if line.contains("log in once with") {
            break line;
        }
        assert!(
            !line.contains("token="),
            "logged before it was printed: {line}"
        );
    };
    assert!(
        line.starts_with("paseo-web: log in once with http://"),
        "a plain stdout line, not a log record: {line}"
    );
    let url = line.rsplit(' ').next().expect("url").to_owned();
    let token = url.rsplit('=').next().expect("token").to_owned();
    assert_eq!(token.len(), 64);
    let port = url
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .and_then(|authority| authority.rsplit(':').next())
        .expect("port")
        .to_owned();
    // Use it, so the request log sees the query.
    let mut stream = std::net::TcpStream::connect(format!("127.0.0.1:{port}")).expect("connect");
    use std::io::Write;
    write!(
        stream,
        "GET /login?token={token} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    assert!(answer.starts_with("HTTP/1.1 303"), "{answer}");
    server.wait_for("/login?…");
    server.signal(libc::SIGTERM);
    assert!(server.wait_exit().success());
    let mut rest = Vec::new();
    while let Ok(line) = server.lines.recv_timeout(Duration::from_secs(2)) {
        rest.push(line);
    }
    assert!(
        rest.iter().all(|l| !l.contains(&token)),
        "the token reached the log: {rest:#?}"
    );
}
