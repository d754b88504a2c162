//! Test support: spawning the real `paseo-daemon` binary, a minimal
//! WebSocket client and a minimal HTTP/1.1 GET. Every wait has a deadline;
//! nothing sleeps to hide a race.

#![allow(unsafe_code, reason = "kill(2) on the daemon this test spawned")]
#![allow(dead_code)] // each test file uses a different subset

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream as AsyncTcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// Upper bound for anything that should happen "now" (a reply, a start).
pub const DEADLINE: Duration = Duration::from_secs(20);

/// A client socket.
pub type Ws = WebSocketStream<MaybeTlsStream<AsyncTcpStream>>;

/// A running `paseo-daemon` child process, killed on drop.
pub struct DaemonProcess {
    child: Child,
    /// The address it logged as bound.
    pub addr: SocketAddr,
    lines: mpsc::Receiver<String>,
}

/// The binary under test with a clean environment for our variables.
pub fn daemon_command(home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_paseo-daemon"));
    cmd.arg("--home")
        .arg(home)
        .args(args)
        .env_remove("PASEO_SERVER_ID")
        .env_remove("PASEO_LISTEN")
        .env_remove("PASEO_HOME")
        .env_remove("PASEO_HELLO_TIMEOUT_MS")
        .env_remove("PASEO_MAX_FRAME_BYTES")
        .env_remove("PASEO_PASSWORD")
        .env_remove("PASEO_PASSWORD_FILE")
        .env_remove("PASEO_ALLOWED_HOSTS")
        .env_remove("PASEO_HOSTNAMES")
        .env_remove("PASEO_CORS_ORIGINS")
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    cmd
}

impl DaemonProcess {
    /// Spawns the daemon on an ephemeral loopback port and waits until it
    /// logs `listening on ws://ADDR/ws`.
    pub fn spawn(home: &Path, extra_args: &[&str]) -> Self {
        Self::spawn_with(daemon_command(
            home,
            &[&["--listen", "127.0.0.1:0"], extra_args].concat(),
        ))
    }

    /// Spawns a prepared command and waits for its listening line.
    pub fn spawn_with(mut cmd: Command) -> Self {
        let mut child = cmd.spawn().expect("spawn paseo-daemon");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                eprintln!("[daemon] {line}");
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut this = Self {
            child,
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            lines,
        };
        let line = this.wait_for_log("listening on ws://");
        this.addr = parse_listening_line(&line)
            .unwrap_or_else(|| panic!("cannot parse address from {line:?}"));
        this
    }

    /// Waits (up to [`DEADLINE`]) for a log line containing `needle`.
    pub fn wait_for_log(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return line,
                Ok(_) => {}
                Err(err) => {
                    let status = self.child.try_wait();
                    panic!("no log line containing {needle:?} ({err}); child status {status:?}")
                }
            }
        }
    }

    /// `ws://ADDR/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends SIGTERM (graceful stop) without waiting.
    pub fn send_sigterm(&mut self) {
        let pid = i32::try_from(self.child.id()).expect("pid fits i32");
        // SAFETY: plain kill(2) on our own child's pid.
        let rc = unsafe { libc::kill(pid, libc::SIGTERM) };
        assert_eq!(rc, 0, "kill(SIGTERM) failed");
    }

    /// Sends `signal` (e.g. `libc::SIGINT`, Ctrl-C) without waiting.
    pub fn send_signal(&mut self, signal: i32) {
        let pid = i32::try_from(self.child.id()).expect("pid fits i32");
        // SAFETY: plain kill(2) on our own child's pid.
        let rc = unsafe { libc::kill(pid, signal) };
        assert_eq!(rc, 0, "kill({signal}) failed");
    }

    /// Waits (up to [`DEADLINE`]) for the process to exit.
    pub fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "daemon did not exit in time");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for DaemonProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// Whether any process of group `pgid` is alive.
pub fn group_alive(pgid: i32) -> bool {
    // SAFETY: signal 0 only probes the group.
    unsafe { libc::kill(-pgid, 0) == 0 }
}

/// Parses `... listening on ws://127.0.0.1:PORT/ws ...`.
pub fn parse_listening_line(line: &str) -> Option<SocketAddr> {
    let rest = &line[line.find("listening on ws://")? + "listening on ws://".len()..];
    rest[..rest.find("/ws")?].parse().ok()
}

/// Runs the binary to completion (for start-up failures), returning its
/// exit status and everything it wrote to stderr.
pub fn run_to_exit(mut cmd: Command) -> (ExitStatus, String) {
    let mut child = cmd.spawn().expect("spawn paseo-daemon");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + DEADLINE;
    let status = loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("daemon did not exit in time");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (status, reader.join().expect("stderr reader"))
}

/// Opens a WebSocket to `url`.
pub async fn connect(url: &str) -> Ws {
    let (ws, _) = tokio::time::timeout(DEADLINE, tokio_tungstenite::connect_async(url))
        .await
        .expect("connect timed out")
        .expect("connect failed");
    ws
}

/// The hello an official browser client sends.
pub fn hello_frame(client_id: &str) -> Value {
    json!({"type":"hello","clientId":client_id,"clientType":"browser","protocolVersion":1,
           "capabilities":{"reasoning_merge_enum":true},"appVersion":"test"})
}

/// Sends a JSON frame.
pub async fn send_json(ws: &mut Ws, value: Value) {
    send_text(ws, &value.to_string()).await;
}

/// Sends a text frame.
pub async fn send_text(ws: &mut Ws, text: &str) {
    tokio::time::timeout(DEADLINE, ws.send(Message::text(text)))
        .await
        .expect("send timed out")
        .expect("send failed");
}

/// Sends a session message.
pub async fn send_session(ws: &mut Ws, message: Value) {
    send_json(ws, json!({"type":"session","message":message})).await;
}

/// What the server sent next.
#[derive(Debug)]
pub enum Next {
    /// A text frame, parsed.
    Json(Value),
    /// A close frame (code, reason).
    Close(u16, String),
    /// The stream ended or failed without a close frame.
    Ended(String),
}

/// Reads the next data or close frame (control pings skipped).
pub async fn next(ws: &mut Ws) -> Next {
    next_within(ws, DEADLINE).await
}

/// [`next`] with its own deadline (real agents can be quiet for longer).
pub async fn next_within(ws: &mut Ws, within: Duration) -> Next {
    loop {
        let item = tokio::time::timeout(within, ws.next())
            .await
            .expect("no frame before the deadline");
        return match item {
            None => Next::Ended("stream ended".into()),
            Some(Err(err)) => Next::Ended(err.to_string()),
            Some(Ok(Message::Text(text))) => {
                Next::Json(serde_json::from_str(text.as_str()).expect("server sent valid JSON"))
            }
            Some(Ok(Message::Close(frame))) => {
                let (code, reason) = frame
                    .map(|f| (u16::from(f.code), f.reason.to_string()))
                    .unwrap_or((1005, String::new()));
                Next::Close(code, reason)
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => continue,
            Some(Ok(Message::Binary(_))) => panic!("unexpected binary frame"),
        };
    }
}

/// Reads the next JSON frame, failing on anything else.
pub async fn recv_json(ws: &mut Ws) -> Value {
    match next(ws).await {
        Next::Json(value) => value,
        other => panic!("expected a JSON frame, got {other:?}"),
    }
}

/// Reads the next session message.
pub async fn recv_session(ws: &mut Ws) -> Value {
    let frame = recv_json(ws).await;
    assert_eq!(frame["type"], "session", "{frame}");
    frame["message"].clone()
}

/// Expects a close frame and returns (code, reason), then keeps reading
/// until the stream ends so our close reply is flushed (a clean handshake).
pub async fn expect_close(ws: &mut Ws) -> (u16, String) {
    match next(ws).await {
        Next::Close(code, reason) => {
            let _ = tokio::time::timeout(DEADLINE, async {
                while let Some(Ok(_)) = ws.next().await {}
            })
            .await;
            (code, reason)
        }
        other => panic!("expected a close frame, got {other:?}"),
    }
}

/// Connects, says hello and returns the socket and the `server_info` payload.
pub async fn connect_hello(url: &str, client_id: &str) -> (Ws, Value) {
    let mut ws = connect(url).await;
    send_json(&mut ws, hello_frame(client_id)).await;
    let message = recv_session(&mut ws).await;
    assert_eq!(message["type"], "status", "{message}");
    assert_eq!(message["payload"]["status"], "server_info", "{message}");
    (ws, message["payload"].clone())
}

/// Minimal HTTP/1.1 GET; returns (status code, body). `extra` holds
/// additional header lines, each ending in `\r\n`.
pub fn http_get(addr: SocketAddr, path: &str, host: &str, extra: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).expect("connect for HTTP");
    stream
        .set_read_timeout(Some(DEADLINE))
        .expect("read timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n"
    )
    .expect("write request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    let status = response
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("bad response {response:?}"));
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}
