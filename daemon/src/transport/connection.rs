//! One WebSocket connection: the hello handshake state machine and the
//! read loop that feeds requests to its [`Session`].
//!
//! The socket is split (as in axum's websockets example): an [`Outbox`]
//! task writes, this loop reads. Until a valid hello only `hello`, `ping`
//! and `recording_state` are allowed; anything else closes with Paseo's
//! 4xxx codes. After hello, bad frames are answered (`rpc_error` or
//! `status: error`) and the connection lives on: one malformed frame must
//! never cost a client its session.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{Message, WebSocket, close_code};
use futures_util::StreamExt;
use futures_util::stream::SplitStream;
use protocol::{Hello, PROTOCOL_VERSION, ServerFrame, close};
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep_until, timeout};

use crate::rpc::outbox::{Disconnected, Outbox};
use crate::rpc::{Handled, Session};
use crate::state::DaemonState;
use crate::time_util::epoch_ms;
use crate::transport::inbound::{Inbound, RequestMeta, classify, refusal, unknown};

/// How long a close handshake (our close frame out, the client's back) may take.
const CLOSE_LINGER: Duration = Duration::from_secs(2);

/// Where the handshake stands.
enum Phase {
    /// Waiting for hello until the deadline.
    AwaitingHello { deadline: Instant },
    /// Hello accepted; requests go to the session.
    Ready(Box<Session>),
}

/// Why the read loop stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// We close with this code and reason.
    Close(u16, &'static str),
    /// The client went away (closed, reset, or our writer failed).
    Gone,
}

impl From<Disconnected> for End {
    fn from(_: Disconnected) -> Self {
        End::Gone
    }
}

struct Connection {
    state: Arc<DaemonState>,
    outbox: Outbox,
    phase: Phase,
}

/// Serves one upgraded socket until it closes.
pub(crate) async fn run(socket: WebSocket, state: Arc<DaemonState>) {
    let deadline = Instant::now() + state.hello_timeout;
    let (sink, mut stream) = socket.split();
    let (outbox, writer) = Outbox::spawn(sink);
    let mut shutdown = state.shutdown.clone();
    let mut conn = Connection {
        state,
        outbox,
        phase: Phase::AwaitingHello { deadline },
    };
    let end = loop {
        let next = tokio::select! {
            _ = shutdown.wait_for(|stopping| *stopping) => break End::Close(close_code::AWAY, "Daemon shutting down"),
            () = conn.hello_deadline() => break End::Close(close::HELLO_TIMEOUT, close::REASON_HELLO_TIMEOUT),
            next = stream.next() => next,
        };
        let step = match next {
            None => Err(End::Gone),
            Some(Err(err)) => Err(read_error(&err)),
            Some(Ok(message)) => conn.on_message(message).await,
        };
        if let Err(end) = step {
            break end;
        }
    };
    conn.finish(end, stream, writer).await;
}

/// Maps a read error to how we end: an oversized frame is answered with
/// 1009 (best effort), anything else means the client is gone.
fn read_error(err: &axum::Error) -> End {
    let text = err.to_string();
    if text.contains("Space limit exceeded")
        || text.contains("too long")
        || text.contains("too big")
    {
        tracing::warn!(%err, "refused an oversized frame");
        End::Close(close_code::SIZE, "Message too big")
    } else {
        tracing::debug!(%err, "socket read failed");
        End::Gone
    }
}

impl Connection {
    /// Resolves at the hello deadline; never after hello.
    async fn hello_deadline(&self) {
        match self.phase {
            Phase::AwaitingHello { deadline } => sleep_until(deadline).await,
            Phase::Ready(_) => std::future::pending().await,
        }
    }

    async fn on_message(&mut self, message: Message) -> Result<(), End> {
        match message {
            Message::Text(text) => self.on_text(text.as_str()).await,
            Message::Binary(_) => match self.phase {
                Phase::AwaitingHello { .. } => Err(End::Close(
                    close::INVALID_HELLO,
                    close::REASON_SESSION_BEFORE_HELLO,
                )),
                // Binary frames carry terminal streams and file transfers,
                // neither of which exists yet.
                Phase::Ready(_) => {
                    tracing::debug!("ignoring binary frame");
                    Ok(())
                }
            },
            // Control frames are answered by the WebSocket layer; a close
            // frame is followed by the end of the stream.
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) => Ok(()),
        }
    }

    async fn on_text(&mut self, text: &str) -> Result<(), End> {
        let received_at = epoch_ms();
        let inbound = classify(text);
        match inbound {
            Inbound::Ping => return Ok(self.outbox.frame(&ServerFrame::Pong).await?),
            Inbound::RecordingState => return Ok(()),
            _ => {}
        }
        match &mut self.phase {
            Phase::AwaitingHello { .. } => self.before_hello(inbound).await,
            Phase::Ready(session) => {
                after_hello(session, &self.outbox, inbound, text, received_at).await
            }
        }
    }

    async fn before_hello(&mut self, inbound: Inbound) -> Result<(), End> {
        let session_before_hello =
            End::Close(close::INVALID_HELLO, close::REASON_SESSION_BEFORE_HELLO);
        let invalid_hello = End::Close(close::INVALID_HELLO, close::REASON_INVALID_HELLO);
        match inbound {
            Inbound::Hello(hello) => self.accept_hello(hello).await,
            Inbound::Request(_)
            | Inbound::Unknown {
                in_session: true, ..
            } => Err(session_before_hello),
            Inbound::Invalid { frame_type, .. } if frame_type.as_deref() == Some("session") => {
                Err(session_before_hello)
            }
            _ => Err(invalid_hello),
        }
    }

    async fn accept_hello(&mut self, hello: Hello) -> Result<(), End> {
        if hello.client_id.trim().is_empty() {
            return Err(End::Close(
                close::INVALID_HELLO,
                close::REASON_INVALID_HELLO,
            ));
        }
        if hello.protocol_version != PROTOCOL_VERSION {
            return Err(End::Close(
                close::INCOMPATIBLE_VERSION,
                close::REASON_INCOMPATIBLE_VERSION,
            ));
        }
        let session = Session::new(&hello, self.state.clone(), self.outbox.clone());
        tracing::info!(client_id = %session.client_id(), client_type = ?hello.client_type, app_version = ?hello.app_version, "client connected");
        session.send_server_info().await?;
        self.phase = Phase::Ready(Box::new(session));
        Ok(())
    }

    /// Closes with `end`'s code (waiting briefly for the client's close
    /// frame so it sees a clean close), or just lets go if the client left.
    async fn finish(self, end: End, mut stream: SplitStream<WebSocket>, writer: JoinHandle<()>) {
        let client = match &self.phase {
            Phase::Ready(session) => session.client_id().to_owned(),
            Phase::AwaitingHello { .. } => String::new(),
        };
        // Holding the state until the close handshake is over keeps
        // `RunningDaemon::shutdown` waiting for it.
        let _state = self.state.clone();
        match end {
            End::Close(code, reason) => {
                tracing::info!(code, reason, client_id = %client, "closing connection");
                let outbox = self.outbox.clone();
                drop(self);
                let _ = timeout(CLOSE_LINGER, outbox.close(code, reason)).await;
                drop(outbox);
                let linger = Instant::now() + CLOSE_LINGER;
                let _ = tokio::time::timeout_at(linger, writer).await;
                // Read until the client's close frame ends the stream.
                while let Ok(Some(Ok(_))) = tokio::time::timeout_at(linger, stream.next()).await {}
            }
            End::Gone => {
                tracing::debug!(client_id = %client, "client disconnected");
                writer.abort();
            }
        }
    }
}

/// Handles a frame on an established session.
async fn after_hello(
    session: &mut Session,
    outbox: &Outbox,
    inbound: Inbound,
    text: &str,
    received_at: i64,
) -> Result<(), End> {
    let reply = match inbound {
        Inbound::Hello(_) => {
            return Err(End::Close(
                close::INVALID_HELLO,
                close::REASON_UNEXPECTED_HELLO,
            ));
        }
        Inbound::Ping | Inbound::RecordingState => return Ok(()),
        Inbound::Request(request) => match session.handle(*request, received_at).await? {
            Handled::Done => return Ok(()),
            Handled::Unsupported => unknown(RequestMeta::extract(text)),
        },
        refused => match refusal(refused) {
            Some(reply) => reply,
            None => return Ok(()),
        },
    };
    Ok(outbox.session(reply).await?)
}
