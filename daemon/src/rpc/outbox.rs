//! The sending half of one socket, shared by whoever needs to talk to the
//! client (the handshake, request handlers, and later agent pushes).
//!
//! A single writer task owns the WebSocket sink and drains a bounded queue,
//! as in axum's websockets example: senders never touch the socket, so a
//! slow client applies backpressure through the queue instead of
//! interleaving partial writes, and the reader keeps reading meanwhile.

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use protocol::{ServerFrame, SessionMessage};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Frames queued per socket before senders wait.
const QUEUE_DEPTH: usize = 256;

/// The socket's writer task is gone (client disconnected or closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Disconnected;

/// Cloneable handle that queues frames for one socket.
#[derive(Debug, Clone)]
pub(crate) struct Outbox {
    tx: mpsc::Sender<Message>,
}

impl Outbox {
    /// Starts the writer task for `sink`. The task ends after sending a
    /// close frame, on a write error, or when every `Outbox` is dropped.
    pub(crate) fn spawn(mut sink: SplitSink<WebSocket, Message>) -> (Self, JoinHandle<()>) {
        let (tx, mut rx) = mpsc::channel::<Message>(QUEUE_DEPTH);
        let writer = tokio::spawn(async move {
            while let Some(message) = rx.recv().await {
                let is_close = matches!(message, Message::Close(_));
                if let Err(err) = sink.send(message).await {
                    tracing::debug!(%err, "socket write failed");
                    break;
                }
                if is_close {
                    break;
                }
            }
        });
        (Self { tx }, writer)
    }

    /// Queues a top-level frame.
    pub(crate) async fn frame(&self, frame: &ServerFrame) -> Result<(), Disconnected> {
        let text = match serde_json::to_string(frame) {
            Ok(text) => text,
            Err(err) => {
                // Our own types always serialise; if one ever does not, drop
                // that frame rather than the connection.
                tracing::error!(%err, ?frame, "cannot serialise outgoing frame");
                return Ok(());
            }
        };
        self.tx
            .send(Message::text(text))
            .await
            .map_err(|_| Disconnected)
    }

    /// Queues a message inside the `session` wrapper.
    pub(crate) async fn session(&self, message: SessionMessage) -> Result<(), Disconnected> {
        self.frame(&ServerFrame::session(message)).await
    }

    /// Queues a close frame; the writer stops after sending it.
    pub(crate) async fn close(&self, code: u16, reason: &'static str) -> Result<(), Disconnected> {
        let frame = CloseFrame {
            code,
            reason: reason.into(),
        };
        self.tx
            .send(Message::Close(Some(frame)))
            .await
            .map_err(|_| Disconnected)
    }
}

impl crate::git::DiffSink for Outbox {
    async fn push(&self, message: SessionMessage) -> bool {
        self.session(message).await.is_ok()
    }
}
