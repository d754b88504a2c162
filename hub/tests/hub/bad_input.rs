//! The bad-input suite, hub side, with a count per class (printed, and
//! appended to `$PASEO_BAD_INPUT_REPORT` when set; figures in
//! RELIABILITY.md): requests to offline (and never watched) daemons fail
//! at once with a typed error; URLs that are not `ws://`/`wss://` are
//! refused before any connection; a daemon that sends garbage (malformed
//! JSON, unknown types, wrong field types, deep nesting, huge and binary
//! frames) keeps its connection online and loses nothing it sends after;
//! a daemon that stalls mid-frame is dropped by the heartbeat (or the
//! hello timeout) and reconnected, and the other daemons of the hub never
//! notice. Fake daemons are stubs at the socket level: the lowest level,
//! where a real daemon cannot be made to misbehave.

use std::io::Write;
use std::sync::Arc;
use std::time::Duration;

use crate::support::stub::{self, agent_json};
use crate::support::*;
use futures_util::{SinkExt, StreamExt};
use hub::{ConnectionStatus, HeartbeatPolicy, Hub, HubConfig, HubError};
use protocol::SessionRequest;
use protocol::testing::fuzz::{self, Corpus, Seeds};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::{Mutex, mpsc};
use tokio_tungstenite::tungstenite::Message;

fn report(class: &str, tried: usize, errors: usize) {
    let line = format!(
        "bad input hub/{class}: {tried} tried, {errors} refused or skipped (the rest read tolerantly), nothing lost, 0 crashes"
    );
    eprintln!("{line}");
    if let Some(path) = std::env::var_os("PASEO_BAD_INPUT_REPORT") {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("report file");
        writeln!(file, "{line}").expect("write report");
    }
}

fn request(value: Value) -> SessionRequest {
    serde_json::from_value(value).expect("a request")
}

fn requests() -> Vec<SessionRequest> {
    vec![
        request(json!({"type": "fetch_agents_request", "requestId": "r1"})),
        request(json!({"type": "fetch_agent_request", "requestId": "r2", "agentId": "a"})),
        request(
            json!({"type": "send_agent_message_request", "requestId": "r3",
                       "agentId": "a", "text": "hi"}),
        ),
        request(json!({"type": "cancel_agent_request", "requestId": "r4", "agentId": "a"})),
        request(
            json!({"type": "fetch_agent_timeline_request", "requestId": "r5",
                       "agentId": "a", "direction": "tail", "limit": 10}),
        ),
        request(
            json!({"type": "file_explorer_request", "requestId": "r6", "cwd": "/tmp",
                       "mode": "list"}),
        ),
        request(json!({"type": "ping", "requestId": "r7", "clientSentAt": 1})),
    ]
}

#[tokio::test]
async fn requests_to_offline_or_unwatched_daemons_fail_at_once() {
    init_tracing();
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    // A request timeout no answer could beat: every failure is immediate.
    let hub = Hub::new(HubConfig {
        request_timeout: Duration::from_secs(600),
        ..test_config()
    });
    let guard = hub.watch(target(ws_url(addr))).expect("watch");
    wait_for_connection(&hub, guard.key(), "offline", |s| {
        s.status == ConnectionStatus::Offline
    })
    .await;
    let mut tried = 0;
    for round in 0..5 {
        for request in requests() {
            let kind = request.type_name();
            let answer = tokio::time::timeout(DEADLINE, hub.request(guard.key(), request))
                .await
                .unwrap_or_else(|_| panic!("{kind}: no answer before the deadline"));
            match answer {
                Err(HubError::DaemonUnavailable { .. }) => {}
                other => panic!("round {round}, {kind}: {other:?}"),
            }
            tried += 1;
        }
    }
    // A daemon nobody watches (its guard dropped): refused as well.
    let unwatched = hub
        .watch(target(ws_url(addr).replace("/ws", "/other")))
        .expect("watch");
    let key = unwatched.key().clone();
    drop(unwatched);
    wait_until("the connection is closed", || {
        hub.connection(&key).is_none()
    })
    .await;
    for request in requests() {
        let kind = request.type_name();
        match hub.request(&key, request).await {
            Err(HubError::NotWatched { .. } | HubError::DaemonUnavailable { .. }) => {}
            other => panic!("{kind}: {other:?}"),
        }
        tried += 1;
    }
    report("requests_to_offline_daemons", tried, tried);
}

#[tokio::test]
async fn urls_that_are_not_websocket_are_refused_before_any_connection() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let hub = Hub::new(test_config());
    let urls = [
        format!("http://127.0.0.1:{port}/ws"),
        format!("https://127.0.0.1:{port}/ws"),
        format!("ftp://127.0.0.1:{port}/ws"),
        "file:///etc/passwd".to_owned(),
        "javascript:alert(1)".to_owned(),
        "data:text/plain,hi".to_owned(),
        "unix:/tmp/paseo.sock".to_owned(),
        format!("tcp://127.0.0.1:{port}"),
        format!("//127.0.0.1:{port}/ws"),
        format!("127.0.0.1:{port}"),
        String::new(),
        format!("ws//127.0.0.1:{port}/ws"),
        format!("gopher://127.0.0.1:{port}/"),
    ];
    for url in &urls {
        let err = hub.watch(target(url.clone())).expect_err(url);
        assert!(
            matches!(
                err,
                HubError::UnsupportedScheme { .. } | HubError::InvalidUrl { .. }
            ),
            "{url}: {err:?}"
        );
        assert!(hub.pin(target(url.clone())).is_err(), "{url}");
    }
    assert_eq!(hub.connection_count(), 0, "no connection was made");
    // Then a real WebSocket URL on the same port does connect: the port was
    // reachable all along, so nothing above skipped it by luck.
    let _guard = hub
        .watch(target(format!("ws://127.0.0.1:{port}/ws")))
        .expect("ws:// is accepted");
    let accepted = tokio::time::timeout(DEADLINE, listener.accept()).await;
    assert!(matches!(accepted, Ok(Ok(_))), "the ws:// URL connected");
    report("non_websocket_urls", urls.len() * 2, urls.len() * 2);
}

/// A stub daemon that says hello, answers the agent list (empty), pings
/// and anything else the hub asks with nothing, and sends what the test
/// puts in `frames`.
async fn garbage_daemon() -> (stub::Stub, mpsc::UnboundedSender<Message>) {
    let (tx, rx) = mpsc::unbounded_channel::<Message>();
    let rx = Arc::new(Mutex::new(Some(rx)));
    let stub = stub::websocket(move |ws| {
        let rx = rx.clone();
        async move {
            let Some(mut frames) = rx.lock().await.take() else {
                return; // one connection only: a reconnect would be a failure
            };
            let (mut sink, mut stream) = ws.split();
            let hello = loop {
                match stream.next().await {
                    Some(Ok(Message::Text(text))) => break text,
                    Some(Ok(_)) => {}
                    _ => return,
                }
            };
            assert!(hello.contains("\"hello\""));
            let info = json!({"type":"session","message":{"type":"status","payload":{
                "status":"server_info","serverId":"srv_garbage","hostname":"stub","version":"0"}}});
            let _ = sink.send(Message::text(info.to_string())).await;
            loop {
                tokio::select! {
                    frame = frames.recv() => match frame {
                        Some(frame) => { let _ = sink.send(frame).await; }
                        None => return,
                    },
                    incoming = stream.next() => {
                        let Some(Ok(Message::Text(text))) = incoming else {
                            if incoming.is_none() { return; }
                            continue;
                        };
                        let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
                        let message = &frame["message"];
                        let id = message["requestId"].clone();
                        let reply = match message["type"].as_str() {
                            Some("fetch_agents_request") => json!({"type": "fetch_agents_response",
                                "payload": {"requestId": id, "entries": [],
                                "pageInfo": {"nextCursor": null, "prevCursor": null, "hasMore": false}}}),
                            Some("ping") => json!({"type": "pong", "payload": {"requestId": id,
                                "clientSentAt": message["clientSentAt"], "serverReceivedAt": 0,
                                "serverSentAt": 0}}),
                            _ => continue,
                        };
                        let text = json!({"type": "session", "message": reply}).to_string();
                        let _ = sink.send(Message::text(text)).await;
                    }
                }
            }
        }
    })
    .await;
    (stub, tx)
}

fn upsert(id: &str) -> Message {
    let frame = json!({"type":"session","message":{"type":"agent_update","payload":
        {"kind":"upsert","agent": agent_json(id, "2026-01-01T00:00:05.000Z")}}});
    Message::text(frame.to_string())
}

#[tokio::test]
async fn a_daemon_sending_garbage_stays_online_and_loses_nothing() {
    init_tracing();
    let (stub, frames) = garbage_daemon().await;
    let hub = Hub::new(test_config());
    let guard = hub.watch(target(ws_url(stub.addr))).expect("watch");
    wait_for_connection(&hub, guard.key(), "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;
    wait_until("the agent list is synced", || {
        hub.agents_synced(guard.key())
    })
    .await;

    let corpus = Corpus::load(Seeds::Server);
    let seeds: Vec<String> = corpus.frames.iter().map(Value::to_string).collect();
    let mut classes: Vec<(&str, Vec<Message>)> = Vec::new();
    classes.push((
        "daemon_malformed_json",
        seeds
            .iter()
            .flat_map(|text| {
                [
                    text[..text.len() / 2].to_owned(),
                    text[..text.len() - 1].to_owned(),
                ]
            })
            .chain(["", "{", "nul", "[1,", "\u{0}", "{\"type\":\"session\",}"].map(str::to_owned))
            .map(Message::text)
            .collect(),
    ));
    classes.push((
        "daemon_unknown_types",
        (0..50)
            .flat_map(|i| {
                [
                    json!({"type": format!("mystery_{i}")}),
                    json!({"type": "session", "message": {"type": format!("mystery_{i}"), "payload": {}}}),
                    json!({"type": "session", "message": {"type": "agent_stream", "payload": {
                        "agentId": "a", "timestamp": "t", "event": {"type": format!("mystery_{i}")}}}}),
                ]
            })
            .map(|v| Message::text(v.to_string()))
            .collect(),
    ));
    let swapped: Vec<Message> = (0..corpus.frames.len())
        .flat_map(|seed| (0..4u16).map(move |n| (seed, n)))
        .map(|(seed, n)| {
            let node = n.wrapping_mul(16_411).wrapping_add(seed as u16 * 7);
            let mutation = fuzz::Mutation::SwapType {
                node,
                kind: fuzz::Kind::Number(usize::from(n)),
            };
            Message::text(fuzz::mutate(&corpus, seed, &[mutation]).text)
        })
        .collect();
    classes.push(("daemon_wrong_field_types", swapped));
    classes.push((
        "daemon_deep_nesting_and_huge_frames",
        vec![
            Message::text(format!("{}{}", "[".repeat(100_000), "]".repeat(100_000))),
            Message::text(format!("{}1{}", "{\"a\":".repeat(5_000), "}".repeat(5_000))),
            Message::text(
                json!({"type":"session","message":{"type":"agent_update","payload":
                {"kind":"upsert","agent": agent_json(&"x".repeat(4 << 20), "t")}}})
                .to_string(),
            ),
            Message::text("x".repeat(8 << 20)),
            Message::binary(vec![0u8; 1 << 20]),
            Message::binary(b"{\"type\":\"session\"}".to_vec()),
        ],
    ));

    let mut expected_ids = Vec::new();
    for (index, (class, garbage)) in classes.into_iter().enumerate() {
        let count = garbage.len();
        for frame in garbage {
            frames.send(frame).expect("stub alive");
        }
        // What the daemon sends next still arrives: nothing is lost.
        let id = format!("after-{index}");
        frames.send(upsert(&id)).expect("stub alive");
        expected_ids.push(id.clone());
        wait_until(&format!("{id} mirrored after {class}"), || {
            hub.agents(guard.key()).iter().any(|a| a.id == id)
        })
        .await;
        let snapshot = hub.connection(guard.key()).expect("watched");
        assert_eq!(snapshot.status, ConnectionStatus::Online, "after {class}");
        report(class, count, count);
    }
    assert_eq!(stub.connection_count(), 1, "never reconnected");
    let mut ids: Vec<String> = hub.agents(guard.key()).into_iter().map(|a| a.id).collect();
    ids.retain(|id| id.starts_with("after-"));
    ids.sort();
    assert_eq!(ids, expected_ids);
}

/// Accepts TCP, completes the WebSocket upgrade by hand, then runs
/// `after` on the raw socket (to write half frames).
async fn raw_daemon<F, Fut>(after: F) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>)
where
    F: Fn(tokio::net::TcpStream) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let after = Arc::new(after);
    let task = tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let after = after.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&request);
                let key = text
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("sec-websocket-key")
                            .then(|| value.trim().to_owned())
                    })
                    .expect("a key");
                let accept =
                    tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
                let response = format!(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
                );
                if socket.write_all(response.as_bytes()).await.is_ok() {
                    after(socket).await;
                }
            });
        }
    });
    (addr, task)
}

/// The header of an unmasked text frame of `len` bytes (server to client).
fn text_header(len: u64) -> Vec<u8> {
    let mut header = vec![0x81];
    if len < 126 {
        header.push(len as u8);
    } else if len <= u64::from(u16::MAX) {
        header.push(126);
        header.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        header.push(127);
        header.extend_from_slice(&len.to_be_bytes());
    }
    header
}

#[tokio::test]
async fn a_daemon_stalling_mid_frame_is_dropped_and_the_others_carry_on() {
    init_tracing();
    let config = HubConfig {
        hello_timeout: Duration::from_millis(500),
        heartbeat: HeartbeatPolicy::new(Duration::from_millis(200), 2).expect("heartbeat"),
        ..test_config()
    };
    let hub = Hub::new(config);
    // A healthy daemon beside them.
    let home = tempfile::tempdir().expect("home");
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let healthy = hub
        .watch(target(ws_url(daemon.local_addr())))
        .expect("watch");
    wait_for_connection(&hub, healthy.key(), "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;

    // Stalls before server_info: half a frame, then nothing.
    let (before_hello, _task) = raw_daemon(|mut socket| async move {
        let mut buf = [0u8; 4096];
        let _ = socket.read(&mut buf).await; // the hello
        let _ = socket.write_all(&text_header(1_000)).await;
        let _ = socket.write_all(b"{\"type\":\"session\",\"mess").await;
        let _ = socket.read(&mut buf).await;
        std::future::pending::<()>().await;
    })
    .await;
    // Stalls once online: server_info, then half a frame, then nothing.
    let (online, _task2) = raw_daemon(|mut socket| async move {
        let mut buf = [0u8; 4096];
        let _ = socket.read(&mut buf).await; // the hello
        let info = json!({"type":"session","message":{"type":"status","payload":{
            "status":"server_info","serverId":"srv_stall","hostname":"stub","version":"0"}}})
        .to_string();
        let _ = socket.write_all(&text_header(info.len() as u64)).await;
        let _ = socket.write_all(info.as_bytes()).await;
        let _ = socket.write_all(&text_header(50_000)).await;
        let _ = socket.write_all(&[b'x'; 100]).await;
        std::future::pending::<()>().await;
    })
    .await;
    let stalled = hub.watch(target(ws_url(before_hello))).expect("watch");
    let snapshot = wait_for_connection(&hub, stalled.key(), "error", |s| {
        s.status == ConnectionStatus::Error
    })
    .await;
    let error = snapshot.last_error.unwrap_or_default();
    assert!(error.contains("did not answer hello"), "{error}");

    let stalled_online = hub.watch(target(ws_url(online))).expect("watch");
    wait_for_connection(&hub, stalled_online.key(), "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;
    let dropped = wait_for_connection(
        &hub,
        stalled_online.key(),
        "dropped by the heartbeat",
        |s| s.status != ConnectionStatus::Online,
    )
    .await;
    assert!(
        dropped.last_error.as_deref().is_some_and(|e| !e.is_empty()),
        "{dropped:?}"
    );
    // It is retried (back online with the same stub), and the healthy
    // daemon never left.
    wait_for_connection(&hub, stalled_online.key(), "online again", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;
    let healthy_now = hub.connection(healthy.key()).expect("watched");
    assert_eq!(healthy_now.status, ConnectionStatus::Online);
    let answer = hub
        .request(
            healthy.key(),
            request(json!({"type": "ping", "requestId": "p", "clientSentAt": 1})),
        )
        .await;
    assert!(answer.is_ok(), "{answer:?}");
    report("daemon_stalls_mid_frame", 2, 2);
    daemon.shutdown().await;
}
