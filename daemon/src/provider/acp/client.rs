//! The JSON-RPC connection to one agent: a read loop, a writer task, and
//! request/response matching.
//!
//! The read loop is the only reader of the agent's stdout, so it must never
//! wait on anything slow: notifications go to a non-blocking handler in
//! arrival order (so every `session/update` is delivered before the
//! `session/prompt` response that follows it), and each agent→client request
//! (e.g. `session/request_permission`, which waits for a human) runs on its
//! own task whose answer is queued to the writer. Writes go through a queue
//! so a caller never blocks on a full pipe.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::future::BoxFuture;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::jsonrpc::{self, Incoming, RpcErrorObject};

/// What the agent sends us besides responses.
pub trait InboundHandler: Send + Sync + 'static {
    /// A notification, called on the read loop in arrival order: must not
    /// block or await.
    fn notification(&self, method: &str, params: Value);
    /// An agent→client request, run on its own task.
    fn request(
        &self,
        method: String,
        params: Value,
    ) -> BoxFuture<'static, Result<Value, RpcErrorObject>>;
}

/// Why a request got no result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    /// The agent answered with a JSON-RPC error.
    #[error("{}", .0.full_text())]
    Rpc(RpcErrorObject),
    /// The connection ended (the agent exited or closed stdout).
    #[error("the agent closed the connection")]
    Closed,
}

type Pending = HashMap<u64, oneshot::Sender<Result<Value, RpcErrorObject>>>;

struct Inner {
    provider: String,
    next_id: AtomicU64,
    /// `None` once the connection is closed, so late requests fail at once.
    pending: Mutex<Option<Pending>>,
    out: mpsc::UnboundedSender<String>,
    closed: watch::Sender<bool>,
    last_activity: Mutex<Instant>,
    reader: Mutex<Option<JoinHandle<()>>>,
}

/// A cheap, cloneable handle on the connection.
#[derive(Clone)]
pub struct AcpClient {
    inner: Arc<Inner>,
}

impl AcpClient {
    /// Starts the read loop and writer over the agent's pipes.
    pub fn start<R, W>(
        provider: &str,
        reader: R,
        writer: W,
        handler: Arc<dyn InboundHandler>,
    ) -> Self
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let (out, out_rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            provider: provider.to_owned(),
            next_id: AtomicU64::new(1),
            pending: Mutex::new(Some(HashMap::new())),
            out,
            closed: watch::channel(false).0,
            last_activity: Mutex::new(Instant::now()),
            reader: Mutex::new(None),
        });
        tokio::spawn(write_loop(provider.to_owned(), writer, out_rx));
        let task = tokio::spawn(read_loop(inner.clone(), reader, handler));
        if let Ok(mut slot) = inner.reader.lock() {
            *slot = Some(task);
        }
        Self { inner }
    }

    /// Sends a request and waits for its response (no timeout: callers
    /// bound it; dropping the future forgets the request).
    pub async fn request(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        match self.inner.pending.lock().ok().as_deref_mut() {
            Some(Some(pending)) => {
                pending.insert(id, tx);
            }
            _ => return Err(ClientError::Closed),
        }
        let _forget = ForgetOnDrop {
            inner: &self.inner,
            id,
        };
        tracing::debug!(provider = %self.inner.provider, id, method, "→ request");
        if self
            .inner
            .out
            .send(jsonrpc::encode_request(id, method, params))
            .is_err()
        {
            return Err(ClientError::Closed);
        }
        match rx.await {
            Ok(Ok(result)) => Ok(result),
            Ok(Err(error)) => Err(ClientError::Rpc(error)),
            Err(_) => Err(ClientError::Closed),
        }
    }

    /// Sends a notification (fire and forget).
    pub fn notify(&self, method: &str, params: Value) {
        tracing::debug!(provider = %self.inner.provider, method, "→ notification");
        let _ = self
            .inner
            .out
            .send(jsonrpc::encode_notification(method, params));
    }

    /// When the agent last sent anything (for idle timeouts).
    pub fn last_activity(&self) -> Instant {
        self.inner
            .last_activity
            .lock()
            .map(|at| *at)
            .unwrap_or_else(|_| Instant::now())
    }

    /// Whether the connection has ended.
    pub fn is_closed(&self) -> bool {
        *self.inner.closed.borrow()
    }

    /// Resolves once the connection has ended.
    pub async fn closed(&self) {
        let mut closed = self.inner.closed.subscribe();
        let _ = closed.wait_for(|closed| *closed).await;
    }

    /// Ends the connection now: stops reading and fails pending requests.
    /// Used when the agent died but a leftover process keeps stdout open.
    pub fn close(&self) {
        if let Some(task) = self.inner.reader.lock().ok().and_then(|mut t| t.take()) {
            task.abort();
        }
        self.inner.mark_closed();
    }
}

impl Inner {
    fn mark_closed(&self) {
        if let Ok(mut pending) = self.pending.lock() {
            // Dropping the senders fails every waiting request with Closed.
            pending.take();
        }
        self.closed.send_replace(true);
    }

    fn complete(&self, id: &Value, outcome: Result<Value, RpcErrorObject>) {
        let sender = id
            .as_u64()
            .or_else(|| id.as_str().and_then(|s| s.parse().ok()))
            .and_then(|id| {
                self.pending
                    .lock()
                    .ok()?
                    .as_mut()
                    .and_then(|pending| pending.remove(&id))
            });
        match sender {
            Some(sender) => {
                let _ = sender.send(outcome);
            }
            None => {
                tracing::debug!(provider = %self.provider, %id, "response to no pending request")
            }
        }
    }
}

/// Removes a request from the pending map when its caller gives up.
struct ForgetOnDrop<'a> {
    inner: &'a Inner,
    id: u64,
}

impl Drop for ForgetOnDrop<'_> {
    fn drop(&mut self) {
        if let Ok(mut pending) = self.inner.pending.lock()
            && let Some(pending) = pending.as_mut()
        {
            pending.remove(&self.id);
        }
    }
}

async fn read_loop<R: AsyncRead + Unpin>(
    inner: Arc<Inner>,
    reader: R,
    handler: Arc<dyn InboundHandler>,
) {
    let mut reader = BufReader::new(reader);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) => break,
            Ok(_) => {}
            Err(err) => {
                tracing::debug!(provider = %inner.provider, %err, "agent stdout read failed");
                break;
            }
        }
        if let Ok(mut at) = inner.last_activity.lock() {
            *at = Instant::now();
        }
        let line = String::from_utf8_lossy(&buf);
        match jsonrpc::decode_line(&line) {
            Ok(None) => {}
            Ok(Some(Incoming::Response { id, outcome })) => inner.complete(&id, outcome),
            Ok(Some(Incoming::Notification { method, params })) => {
                handler.notification(&method, params);
            }
            Ok(Some(Incoming::Request { id, method, params })) => {
                tracing::debug!(provider = %inner.provider, %id, %method, "← request");
                let answer = handler.request(method, params);
                let out = inner.out.clone();
                tokio::spawn(async move {
                    let outcome = answer.await;
                    let _ = out.send(jsonrpc::encode_response(&id, outcome));
                });
            }
            Err(err) => {
                let shown: String = line.trim_end().chars().take(200).collect();
                tracing::warn!(provider = %inner.provider, %err, line = %shown, "ignoring a line from the agent");
            }
        }
    }
    tracing::debug!(provider = %inner.provider, "agent stdout closed");
    inner.mark_closed();
}

async fn write_loop<W: AsyncWrite + Unpin>(
    provider: String,
    mut writer: W,
    mut lines: mpsc::UnboundedReceiver<String>,
) {
    while let Some(mut line) = lines.recv().await {
        line.push('\n');
        let written = async {
            writer.write_all(line.as_bytes()).await?;
            writer.flush().await
        };
        if let Err(err) = written.await {
            tracing::debug!(provider = %provider, %err, "agent stdin write failed");
            break;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};

    use super::*;

    /// Records notifications; answers every request with its method name.
    struct Recorder(mpsc::UnboundedSender<String>);

    impl InboundHandler for Recorder {
        fn notification(&self, method: &str, params: Value) {
            let _ = self.0.send(format!("{method} {params}"));
        }
        fn request(
            &self,
            method: String,
            _params: Value,
        ) -> BoxFuture<'static, Result<Value, RpcErrorObject>> {
            Box::pin(async move { Ok(json!({"answered": method})) })
        }
    }

    /// A client wired to an in-memory fake agent.
    fn connect() -> (
        AcpClient,
        mpsc::UnboundedReceiver<String>,
        BufReader<DuplexStream>,
        DuplexStream,
    ) {
        let (client_side_in, agent_out) = tokio::io::duplex(1 << 16);
        let (agent_in, client_side_out) = tokio::io::duplex(1 << 16);
        let (tx, rx) = mpsc::unbounded_channel();
        let client = AcpClient::start("t", client_side_in, client_side_out, Arc::new(Recorder(tx)));
        (client, rx, BufReader::new(agent_in), agent_out)
    }

    async fn next_json(lines: &mut BufReader<DuplexStream>) -> Value {
        let mut line = String::new();
        tokio::time::timeout(Duration::from_secs(5), lines.read_line(&mut line))
            .await
            .expect("line in time")
            .expect("read");
        serde_json::from_str(&line).expect("json")
    }

    #[tokio::test]
    async fn colliding_ids_garbage_and_late_notifications() {
        let (client, mut notes, mut from_client, mut to_client) = connect();
        let call = tokio::spawn({
            let client = client.clone();
            async move { client.request("session/prompt", json!({})).await }
        });
        let sent = next_json(&mut from_client).await;
        let our_id = sent["id"].clone();
        // The agent's own request uses the same id number, then garbage,
        // an update, our response (result before id), and a late update.
        let script = format!(
            "{{\"jsonrpc\":\"2.0\",\"id\":{our_id},\"method\":\"session/request_permission\",\"params\":{{}}}}\n\
             not json at all\n\
             {{\"jsonrpc\":\"2.0\",\"method\":\"session/update\",\"params\":{{\"n\":1}}}}\n\
             {{\"jsonrpc\":\"2.0\",\"result\":{{\"stopReason\":\"end_turn\"}},\"id\":{our_id}}}\n\
             {{\"jsonrpc\":\"2.0\",\"method\":\"session/update\",\"params\":{{\"n\":2}}}}\n"
        );
        to_client.write_all(script.as_bytes()).await.expect("write");
        let result = call.await.expect("join").expect("result");
        assert_eq!(result, json!({"stopReason": "end_turn"}));
        let answer = next_json(&mut from_client).await;
        assert_eq!(answer["id"], our_id);
        assert_eq!(
            answer["result"],
            json!({"answered": "session/request_permission"})
        );
        assert_eq!(
            notes.recv().await.as_deref(),
            Some("session/update {\"n\":1}")
        );
        assert_eq!(
            notes.recv().await.as_deref(),
            Some("session/update {\"n\":2}")
        );
    }

    #[tokio::test]
    async fn errors_and_eof() {
        let (client, _notes, mut from_client, mut to_client) = connect();
        let call = tokio::spawn({
            let client = client.clone();
            async move { client.request("session/new", json!({})).await }
        });
        let id = next_json(&mut from_client).await["id"].clone();
        let line = json!({"jsonrpc":"2.0","id":id,"error":{"code":-32000,"message":"Authentication required"}});
        to_client
            .write_all(format!("{line}\n").as_bytes())
            .await
            .expect("write");
        let err = call.await.expect("join").expect_err("auth error");
        assert!(matches!(&err, ClientError::Rpc(e) if e.code == jsonrpc::AUTH_REQUIRED));

        let pending = tokio::spawn({
            let client = client.clone();
            async move { client.request("session/prompt", json!({})).await }
        });
        let _ = next_json(&mut from_client).await;
        drop(to_client);
        assert_eq!(pending.await.expect("join"), Err(ClientError::Closed));
        client.closed().await;
        assert_eq!(
            client.request("x", json!({})).await,
            Err(ClientError::Closed)
        );
    }
}
