//! The browser live channel: one WebSocket per tab at `/live`.
//!
//! The socket task owns a [`session::Session`]: the hub watches of the
//! profiles its tab sent in `watch` (dropping them when the tab goes away
//! lets the hub close idle daemon connections after its grace period), the
//! timelines it follows, and what the tab already holds. This module is only
//! the socket: it reads browser frames and hub events in one `select!` loop,
//! hands them to the session and writes what the session answers, in order.
//! When either side ends, the socket is done.
//!
//! - `session`: browser messages and hub events → server messages.
//! - `agents`: the tab's copy of one daemon's agents, providers and pending
//!   permissions (de-duplication and `agents_version`).
//! - `stream`: one followed timeline's position (never a seq range twice).
//! - `diffs`: the tab's live diffs (delivered to this socket only).
//! - `convert`: hub types → wire messages.

mod agents;
mod convert;
mod diffs;
mod session;
mod stream;

use app::live::messages::ServerMessage;
use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::response::Response;
use tokio::sync::broadcast::error::RecvError;

use crate::AppState;
use session::Session;

/// How long a closing socket waits for the tab's close frame.
const CLOSE_LINGER: std::time::Duration = std::time::Duration::from_secs(2);

/// Largest message a tab may send (a `watch` with many profiles is small).
const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// `GET /live`: upgrades to the live channel (the guard already checked
/// Host and Origin, and the session when auth is on). A frame or message
/// beyond [`MAX_MESSAGE_BYTES`] closes the socket with 1009.
pub async fn upgrade(ws: WebSocketUpgrade, State(state): State<AppState>) -> Response {
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| serve(socket, state))
}

async fn serve(mut socket: WebSocket, state: AppState) {
    // Subscribe before the session reads any mirror, so no change between
    // a read and the first event is missed (duplicates are filtered).
    let mut events = state.hub.subscribe();
    let token = state.tabs.open();
    let hello = ServerMessage::Hello {
        tab_token: token.clone(),
    };
    if send(&mut socket, &hello).await.is_err() {
        state.tabs.close(&token);
        return;
    }
    let (side, mut answers) = tokio::sync::mpsc::unbounded_channel();
    let (diff_sink, mut diffs) = tokio::sync::mpsc::unbounded_channel();
    let mut session = Session::new(
        state.hub.clone(),
        state.tabs.clone(),
        token.clone(),
        side,
        diff_sink,
    );
    let mut shutdown = state.shutdown.clone();
    serve_session(
        &mut socket,
        &mut events,
        &mut answers,
        &mut diffs,
        &mut session,
        &mut shutdown,
    )
    .await;
    state.tabs.close(&token);
}

async fn serve_session(
    socket: &mut WebSocket,
    events: &mut tokio::sync::broadcast::Receiver<hub::HubEvent>,
    answers: &mut tokio::sync::mpsc::UnboundedReceiver<ServerMessage>,
    diffs: &mut tokio::sync::mpsc::UnboundedReceiver<hub::DiffPush>,
    session: &mut Session,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let replies = tokio::select! {
            () = stopping(shutdown) => {
                close_going_away(socket).await;
                break;
            }
            incoming = socket.recv() => match incoming {
                None | Some(Ok(Message::Close(_))) => break,
                Some(Err(err)) => {
                    tracing::debug!(%err, "live channel read failed");
                    if too_big(err) {
                        close_with(socket, close_code::SIZE, "Message too big").await;
                    }
                    break;
                }
                Some(Ok(Message::Text(text))) => session.on_text(text.as_str()).await,
                Some(Ok(Message::Binary(_))) => vec![convert::error(
                    "binary frames are not part of the live channel: send JSON text",
                    None,
                    None,
                )],
                // Pings are answered by axum; pongs need nothing.
                Some(Ok(_)) => continue,
            },
            event = events.recv() => match event {
                Ok(event) => session.on_event(&event).await,
                Err(RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "live channel fell behind the hub: resending from the mirror");
                    session.resync().await
                }
                Err(RecvError::Closed) => break,
            },
            Some(answer) = answers.recv() => vec![answer],
            // The session holds a sender, so this never ends first.
            Some(push) = diffs.recv() => session.on_diff(push),
        };
        for reply in &replies {
            if send(socket, reply).await.is_err() {
                return;
            }
        }
    }
}

/// Resolves when the server stops (or its state is gone).
async fn stopping(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// Whether a read failed on a frame or message beyond the limit.
fn too_big(err: axum::Error) -> bool {
    use tokio_tungstenite::tungstenite::Error;
    err.into_inner()
        .downcast_ref::<Error>()
        .is_some_and(|err| matches!(err, Error::Capacity(_)))
}

/// The server is stopping: close with 1001 "going away" and wait briefly
/// for the tab's close frame, so it sees a clean close and reconnects.
async fn close_going_away(socket: &mut WebSocket) {
    close_with(socket, close_code::AWAY, "Server shutting down").await;
}

/// Sends a close frame and waits briefly for the tab's.
async fn close_with(socket: &mut WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    if socket.send(Message::Close(Some(frame))).await.is_err() {
        return;
    }
    let _ = tokio::time::timeout(CLOSE_LINGER, async {
        while let Some(Ok(message)) = socket.recv().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}

async fn send(socket: &mut WebSocket, message: &ServerMessage) -> Result<(), axum::Error> {
    match serde_json::to_string(message) {
        Ok(text) => socket.send(Message::Text(text.into())).await,
        Err(err) => {
            tracing::error!(%err, "cannot encode live message");
            Ok(())
        }
    }
}
