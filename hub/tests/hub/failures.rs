//! What the hub does when a daemon is missing, silent, rejects the
//! password or stops answering pings — against stub servers that misbehave
//! on purpose — plus what the hub sends on the wire.

use std::time::Duration;

use crate::support::stub::{self, agent_json};
use crate::support::*;
use hub::{ConnectionStatus, HeartbeatPolicy, Hub, HubConfig, HubError, HubEvent};
use serde_json::json;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

fn short_hello() -> HubConfig {
    HubConfig {
        hello_timeout: Duration::from_millis(300),
        ..test_config()
    }
}

#[tokio::test]
async fn http_url_is_refused_with_a_typed_error() {
    let hub = Hub::new(test_config());
    let err = hub
        .watch(target("http://127.0.0.1:6767/ws"))
        .expect_err("http is not a daemon URL");
    assert!(matches!(err, HubError::UnsupportedScheme { .. }), "{err:?}");
    assert!(err.to_string().contains("ws:// or wss://"));
    assert_eq!(hub.connection_count(), 0);
}

#[tokio::test]
async fn unreachable_daemon_is_offline() {
    init_tracing();
    let addr = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr")
    };
    let hub = Hub::new(test_config());
    let guard = hub.watch(target(ws_url(addr))).expect("watch");
    let snapshot = wait_for_connection(&hub, guard.key(), "offline", |s| {
        s.status == ConnectionStatus::Offline
    })
    .await;
    let error = snapshot.last_error.unwrap_or_default();
    assert!(error.contains("could not connect"), "{error}");
}

#[tokio::test]
async fn silent_websocket_server_ends_in_error_after_the_hello_timeout() {
    init_tracing();
    let stub = stub::websocket(|mut ws| async move { stub::drain(&mut ws).await }).await;
    let hub = Hub::new(short_hello());
    let guard = hub.watch(target(ws_url(stub.addr))).expect("watch");
    let snapshot = wait_for_connection(&hub, guard.key(), "error", |s| {
        s.status == ConnectionStatus::Error
    })
    .await;
    let error = snapshot.last_error.unwrap_or_default();
    assert!(
        error.contains("did not answer hello within 300ms"),
        "{error}"
    );
}

#[tokio::test]
async fn silent_tcp_listener_ends_in_error_after_the_hello_timeout() {
    init_tracing();
    let stub = stub::silent_tcp().await;
    let hub = Hub::new(short_hello());
    let guard = hub.watch(target(ws_url(stub.addr))).expect("watch");
    let snapshot = wait_for_connection(&hub, guard.key(), "error", |s| {
        s.status == ConnectionStatus::Error
    })
    .await;
    let error = snapshot.last_error.unwrap_or_default();
    assert!(error.contains("no WebSocket handshake answer"), "{error}");
}

#[tokio::test]
async fn wrong_password_is_an_error_without_a_hot_retry_loop() {
    init_tracing();
    let stub = stub::websocket(|mut ws| async move {
        let _hello = stub::next_json(&mut ws).await;
        let _ = ws
            .close(Some(CloseFrame {
                code: CloseCode::from(4401),
                reason: "Incorrect password".into(),
            }))
            .await;
        stub::drain(&mut ws).await;
    })
    .await;
    let hub = Hub::new(HubConfig {
        backoff: hub::BackoffPolicy::new(
            Duration::from_millis(10),
            2.0,
            0.2,
            Duration::from_secs(60),
            Duration::from_secs(10),
        )
        .expect("valid"),
        ..test_config()
    });
    let mut t = target(ws_url(stub.addr));
    t.password = Some("pw-123".into());
    let guard = hub.watch(t).expect("watch");

    let snapshot = wait_for_connection(&hub, guard.key(), "error", |s| {
        s.status == ConnectionStatus::Error
    })
    .await;
    let error = snapshot.last_error.unwrap_or_default();
    assert!(error.contains("rejected the password"), "{error}");
    assert_eq!(
        stub.offered_protocols.lock().expect("lock")[0].as_deref(),
        Some("paseo.bearer.pw-123"),
        "the password travels only as the subprotocol"
    );

    // An observation window, not a race fix: a hot loop with a 10 ms
    // backoff would have reconnected many times in it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(stub.connection_count(), 1, "no retry before the cap");

    hub.retry_now(guard.key());
    wait_until("the retry-now attempt", || stub.connection_count() == 2).await;
}

#[tokio::test]
async fn missed_pongs_drop_the_connection_and_reconnect() {
    init_tracing();
    let stub = stub::websocket(|mut ws| async move {
        stub::handshake(&mut ws, "srv_nopong").await;
        stub::drain(&mut ws).await;
    })
    .await;
    let hub = Hub::new(HubConfig {
        heartbeat: HeartbeatPolicy::new(Duration::from_millis(100), 2).expect("valid"),
        ..test_config()
    });
    let guard = hub.watch(target(ws_url(stub.addr))).expect("watch");
    wait_for_connection(&hub, guard.key(), "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;

    let snapshot = wait_for_connection(&hub, guard.key(), "offline", |s| {
        s.status == ConnectionStatus::Offline
    })
    .await;
    let error = snapshot.last_error.unwrap_or_default();
    assert!(error.contains("heartbeat"), "{error}");
    wait_until("a reconnect", || stub.connection_count() >= 2).await;
}

#[tokio::test]
async fn hello_identifies_a_browser_with_a_stable_client_id() {
    init_tracing();
    let (hellos_tx, mut hellos) = mpsc::unbounded_channel();
    let stub = stub::websocket(move |mut ws| {
        let hellos = hellos_tx.clone();
        async move {
            let hello = stub::handshake(&mut ws, "srv_hello").await;
            let _ = hellos.send(hello);
            // Drop the connection so the hub says hello again.
            let _ = ws.close(None).await;
        }
    })
    .await;
    let hub = Hub::new(test_config());
    let _guard = hub.watch(target(ws_url(stub.addr))).expect("watch");

    let first = tokio::time::timeout(DEADLINE, hellos.recv())
        .await
        .expect("hello 1");
    let second = tokio::time::timeout(DEADLINE, hellos.recv())
        .await
        .expect("hello 2");
    let (first, second) = (first.expect("hello 1"), second.expect("hello 2"));

    assert_eq!(first["clientType"], "browser");
    assert_eq!(first["protocolVersion"], 1);
    assert_eq!(first["capabilities"], json!({"reasoning_merge_enum": true}));
    assert!(first["appVersion"].is_string());
    let client_id = first["clientId"].as_str().expect("clientId");
    assert!(client_id.starts_with("cid_"), "{client_id}");
    assert_eq!(
        second["clientId"], first["clientId"],
        "stable across reconnects"
    );
    assert_eq!(
        stub.offered_protocols.lock().expect("lock")[0],
        None,
        "no subprotocol without a password"
    );
}

#[tokio::test]
async fn agent_updates_before_the_list_answer_are_kept() {
    init_tracing();
    let stub = stub::websocket(|mut ws| async move {
        stub::handshake(&mut ws, "srv_agents").await;
        let request = loop {
            let frame = stub::next_json(&mut ws).await.expect("fetch request");
            if frame["message"]["type"] == "fetch_agents_request" {
                break frame;
            }
        };
        assert!(request["message"]["subscribe"].is_object(), "{request}");
        let request_id = request["message"]["requestId"].clone();
        let session = |type_: &str, payload| {
            Message::text(
                json!({"type":"session","message":{"type":type_,"payload":payload}}).to_string(),
            )
        };
        let updated = "2026-01-01T00:00:05.000Z";
        let _ = futures_util::SinkExt::send(
            &mut ws,
            session("agent_update", json!({"kind":"upsert","agent":agent_json("early", updated)})),
        )
        .await;
        let _ = futures_util::SinkExt::send(
            &mut ws,
            session(
                "fetch_agents_response",
                json!({"requestId": request_id, "entries": [{"agent": agent_json("listed", updated)}],
                       "pageInfo": {"nextCursor": null, "prevCursor": null, "hasMore": false}}),
            ),
        )
        .await;
        let _ = futures_util::SinkExt::send(
            &mut ws,
            session("agent_update", json!({"kind":"remove","agentId":"listed"})),
        )
        .await;
        stub::drain(&mut ws).await;
    })
    .await;
    let hub = Hub::new(test_config());
    let mut events = hub.subscribe();
    let guard = hub.watch(target(ws_url(stub.addr))).expect("watch");

    let mut removal_seen = false;
    while !removal_seen {
        match tokio::time::timeout(DEADLINE, events.recv()).await {
            Ok(Ok(HubEvent::Agents { removals, .. })) => removal_seen = removals == ["listed"],
            Ok(Ok(_)) => {}
            other => panic!("agents events expected: {other:?}"),
        }
    }
    let ids: Vec<_> = hub.agents(guard.key()).into_iter().map(|a| a.id).collect();
    assert_eq!(ids, ["early"]);
}

#[tokio::test]
async fn wss_urls_are_attempted_with_tls() {
    init_tracing();
    // A plain-text WebSocket server: the TLS handshake must fail there, which
    // shows TLS is compiled in and tried.
    let stub = stub::websocket(|mut ws| async move { stub::drain(&mut ws).await }).await;
    let hub = Hub::new(short_hello());
    let guard = hub
        .watch(target(format!("wss://{}/ws", stub.addr)))
        .expect("watch");
    let snapshot = wait_for_connection(&hub, guard.key(), "a failed attempt", |s| {
        matches!(
            s.status,
            ConnectionStatus::Offline | ConnectionStatus::Error
        )
    })
    .await;
    let error = snapshot.last_error.unwrap_or_default();
    assert!(!error.contains("not compiled"), "{error}");
    assert!(stub.connection_count() >= 1);
}
