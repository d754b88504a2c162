//! The browser live channel: one WebSocket per tab at `/live`.
//!
//! Each socket owns the hub watches of the profiles its tab sent in `watch`
//! (dropping them when the tab goes away lets the hub close idle daemon
//! connections after its grace period) and forwards the hub's connection
//! events for those profiles as `state` messages, tagged with the tab's
//! profile ids. The reader and the writer run in one `select!` loop, so
//! when either side ends the socket is done.

use std::collections::HashMap;

use app::live::messages::{BrowserMessage, ServerMessage, WatchedProfile};
use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use tokio::sync::broadcast::error::RecvError;

use crate::AppState;
use crate::ssr::status;

/// Largest message a tab may send (a `watch` with many profiles is small).
const MAX_MESSAGE_BYTES: usize = 1 << 20;

/// `GET /live`: upgrades to the live channel (the guard already checked
/// Host and Origin).
pub async fn upgrade(ws: WebSocketUpgrade, State(state): State<AppState>) -> Response {
    ws.max_message_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| serve(socket, state))
}

/// One watched profile of this tab.
struct Watched {
    key: hub::DaemonKey,
    _guard: hub::WatchGuard,
}

async fn serve(mut socket: WebSocket, state: AppState) {
    let mut events = state.hub.subscribe();
    let mut watched: HashMap<String, Watched> = HashMap::new();
    loop {
        tokio::select! {
            incoming = socket.recv() => {
                let Some(Ok(message)) = incoming else { break };
                let text = match message {
                    Message::Text(text) => text,
                    Message::Close(_) => break,
                    _ => continue,
                };
                match serde_json::from_str::<BrowserMessage>(&text) {
                    Ok(BrowserMessage::Watch { profiles }) => {
                        let replies = rewatch(&state, &mut watched, profiles);
                        for reply in replies {
                            if send(&mut socket, &reply).await.is_err() {
                                return;
                            }
                        }
                    }
                    Ok(other) => tracing::debug!(?other, "live message not handled yet"),
                    Err(err) => tracing::warn!(%err, "unreadable live channel message"),
                }
            }
            event = events.recv() => {
                match event {
                    Ok(hub::HubEvent::Connection { key, snapshot }) => {
                        for (profile_id, w) in &watched {
                            if w.key == key && send(&mut socket, &state_message(profile_id, &snapshot)).await.is_err() {
                                return;
                            }
                        }
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => {
                        // Fell behind: resend every watched profile's current state.
                        for (profile_id, w) in &watched {
                            if let Some(snapshot) = state.hub.connection(&w.key)
                                && send(&mut socket, &state_message(profile_id, &snapshot)).await.is_err() {
                                return;
                            }
                        }
                    }
                    Err(RecvError::Closed) => break,
                }
            }
        }
    }
}

/// Replaces the tab's watched set; returns the first `state` of each profile.
fn rewatch(
    state: &AppState,
    watched: &mut HashMap<String, Watched>,
    profiles: Vec<WatchedProfile>,
) -> Vec<ServerMessage> {
    let mut next = HashMap::new();
    let mut replies = Vec::new();
    for profile in profiles {
        let target = hub::DaemonTarget {
            url: profile.ws_url.clone(),
            password: profile.password.clone(),
            label: profile.label.clone(),
        };
        match state.hub.watch(target) {
            Ok(guard) => {
                let key = guard.key().clone();
                if let Some(snapshot) = state.hub.connection(&key) {
                    replies.push(state_message(&profile.profile_id, &snapshot));
                }
                next.insert(profile.profile_id, Watched { key, _guard: guard });
            }
            Err(err) => replies.push(ServerMessage::State {
                profile_id: profile.profile_id,
                status: app::live::ConnectionStatus::Error,
                last_error: Some(err.to_string()),
                last_online_at: None,
                daemon_id: None,
                version: None,
            }),
        }
    }
    *watched = next;
    replies
}

fn state_message(profile_id: &str, snapshot: &hub::ConnectionSnapshot) -> ServerMessage {
    ServerMessage::State {
        profile_id: profile_id.to_owned(),
        status: status(snapshot.status),
        last_error: snapshot.last_error.clone(),
        last_online_at: snapshot.last_online_at,
        daemon_id: snapshot.daemon_id.clone(),
        version: snapshot.version.clone(),
    }
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
