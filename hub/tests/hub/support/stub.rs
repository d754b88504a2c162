//! Stub servers that misbehave on purpose (silent, wrong password, no
//! pongs, pushes before the list answer) — things a real daemon never does.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::http::header::SEC_WEBSOCKET_PROTOCOL;

pub type ServerWs = WebSocketStream<TcpStream>;

/// A listening stub; its accept loop ends when it is dropped.
pub struct Stub {
    pub addr: SocketAddr,
    /// Connections accepted so far.
    pub connections: Arc<AtomicUsize>,
    /// The `Sec-WebSocket-Protocol` each upgrade offered.
    pub offered_protocols: Arc<Mutex<Vec<Option<String>>>>,
    task: JoinHandle<()>,
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Stub {
    pub fn connection_count(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

/// Accepts TCP connections and never says a word.
pub async fn silent_tcp() -> Stub {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let connections = Arc::new(AtomicUsize::new(0));
    let count = connections.clone();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(socket);
        }
    });
    Stub {
        addr,
        connections,
        offered_protocols: Arc::default(),
        task,
    }
}

/// Accepts WebSocket upgrades (echoing the offered subprotocol, as Paseo
/// does) and runs `behaviour` on each socket.
pub async fn websocket<F, Fut>(behaviour: F) -> Stub
where
    F: Fn(ServerWs) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let connections = Arc::new(AtomicUsize::new(0));
    let offered_protocols: Arc<Mutex<Vec<Option<String>>>> = Arc::default();
    let (count, offered) = (connections.clone(), offered_protocols.clone());
    let behaviour = Arc::new(behaviour);
    let task = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let offered = offered.clone();
            let behaviour = behaviour.clone();
            tokio::spawn(async move {
                // The callback signature is tungstenite's, large Err included.
                #[allow(clippy::result_large_err)]
                let callback = |request: &Request, mut response: Response| {
                    let protocol = request.headers().get(SEC_WEBSOCKET_PROTOCOL).cloned();
                    offered.lock().expect("lock").push(
                        protocol
                            .as_ref()
                            .and_then(|p| p.to_str().ok())
                            .map(str::to_owned),
                    );
                    if let Some(protocol) = protocol {
                        response
                            .headers_mut()
                            .insert(SEC_WEBSOCKET_PROTOCOL, protocol);
                    }
                    Ok(response)
                };
                if let Ok(ws) = tokio_tungstenite::accept_hdr_async(socket, callback).await {
                    behaviour(ws).await;
                }
            });
        }
    });
    Stub {
        addr,
        connections,
        offered_protocols,
        task,
    }
}

/// Reads the next text frame as JSON (`None` when the socket ends).
pub async fn next_json(ws: &mut ServerWs) -> Option<Value> {
    while let Some(Ok(message)) = ws.next().await {
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).ok();
        }
    }
    None
}

/// Waits for the client's hello and answers with `server_info`.
pub async fn handshake(ws: &mut ServerWs, server_id: &str) -> Value {
    let hello = next_json(ws).await.expect("hello");
    assert_eq!(hello["type"], "hello");
    send(
        ws,
        json!({"type":"session","message":{"type":"status","payload":{
            "status":"server_info","serverId":server_id,"hostname":"stub","version":"0.0.0"}}}),
    )
    .await;
    hello
}

pub async fn send(ws: &mut ServerWs, value: Value) {
    let _ = ws.send(Message::text(value.to_string())).await;
}

/// Reads (and drops) frames until the client goes away.
pub async fn drain(ws: &mut ServerWs) {
    while let Some(Ok(_)) = ws.next().await {}
}

/// A minimal agent snapshot as the daemon sends it.
pub fn agent_json(id: &str, updated_at: &str) -> Value {
    json!({
        "id": id, "provider": "mock", "cwd": "/tmp", "model": null,
        "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": updated_at,
        "lastUserMessageAt": null, "status": "idle",
        "capabilities": {"supportsStreaming": true, "supportsSessionPersistence": true,
            "supportsDynamicModes": false, "supportsMcpServers": false,
            "supportsReasoningStream": false, "supportsToolInvocations": true},
        "currentModeId": null, "availableModes": [], "pendingPermissions": [],
        "persistence": null, "title": null, "labels": {}, "requiresAttention": false,
        "attentionReason": null, "attentionTimestamp": null, "archivedAt": null
    })
}
