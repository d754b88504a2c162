//! The tab's single live channel to the web server (browser only).
//!
//! Owns one `WebSocket` to `/live` on the page's own origin. On open it
//! sends `watch` with the registry; whenever the registry changes it sends
//! `watch` again. When the socket closes it reconnects by itself: the first
//! retry at once, then exponential backoff with ±20 % jitter, capped at 30 s.
//! Transitions go to the console at info/warn level.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use super::messages::{BrowserMessage, ServerMessage, WatchedProfile};
use super::{ChannelStatus, HostState, LiveState};
use crate::{config, registry};

const BASE_DELAY_MS: f64 = 1_000.0;
const MAX_DELAY_MS: f64 = 30_000.0;

struct Channel {
    state: LiveState,
    socket: Option<WebSocket>,
    attempt: u32,
    retry: Option<Timeout>,
    on_open: Option<Closure<dyn FnMut()>>,
    on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
    on_close: Option<Closure<dyn FnMut(CloseEvent)>>,
}

type Shared = Rc<RefCell<Channel>>;

/// Loads the registry and opens the channel; called once after hydration.
pub fn start(state: LiveState) {
    let fallback = config::fallback_ws_url_from_document();
    state
        .profiles
        .set(registry::storage::load_registry(&fallback));

    let channel: Shared = Rc::new(RefCell::new(Channel {
        state,
        socket: None,
        attempt: 0,
        retry: None,
        on_open: None,
        on_message: None,
        on_close: None,
    }));
    connect(&channel);

    // Re-send `watch` whenever the registry changes.
    let for_effect = channel.clone();
    Effect::new(move |_| {
        let profiles = state.profiles.get();
        send(&for_effect, &watch_message(&profiles));
    });
}

fn live_url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/live", location.host().ok()?))
}

fn watch_message(profiles: &[registry::DaemonProfile]) -> BrowserMessage {
    BrowserMessage::Watch {
        profiles: profiles
            .iter()
            .map(|p| WatchedProfile {
                profile_id: p.id.clone(),
                label: p.label.clone(),
                ws_url: p.ws_url.clone(),
                password: p
                    .metadata
                    .as_ref()
                    .and_then(|m| m.get("password"))
                    .and_then(|v| v.as_str())
                    .map(str::to_owned),
            })
            .collect(),
    }
}

fn send(channel: &Shared, message: &BrowserMessage) {
    let ch = channel.borrow();
    let Some(socket) = ch.socket.as_ref() else {
        return;
    };
    if socket.ready_state() != WebSocket::OPEN {
        return;
    }
    match serde_json::to_string(message) {
        Ok(text) => {
            if let Err(err) = socket.send_with_str(&text) {
                leptos::logging::warn!("live channel: send failed: {err:?}");
            }
        }
        Err(err) => leptos::logging::error!("live channel: cannot encode message: {err}"),
    }
}

fn connect(channel: &Shared) {
    let Some(url) = live_url() else {
        leptos::logging::error!("live channel: no window location");
        return;
    };
    let state = channel.borrow().state;
    state.channel.set(ChannelStatus::Connecting);
    let socket = match WebSocket::new(&url) {
        Ok(socket) => socket,
        Err(err) => {
            leptos::logging::warn!("live channel: cannot open {url}: {err:?}");
            schedule_reconnect(channel);
            return;
        }
    };

    let weak = Rc::downgrade(channel);
    let on_open = Closure::<dyn FnMut()>::new(move || {
        let Some(channel) = weak.upgrade() else {
            return;
        };
        leptos::logging::log!("live channel: open");
        let profiles = {
            let mut ch = channel.borrow_mut();
            ch.attempt = 0;
            ch.state.channel.set(ChannelStatus::Open);
            ch.state.profiles.get_untracked()
        };
        send(&channel, &watch_message(&profiles));
    });

    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else {
            return;
        };
        match serde_json::from_str::<ServerMessage>(&text) {
            Ok(message) => apply(state, message),
            Err(err) => leptos::logging::warn!("live channel: unreadable message ({err})"),
        }
    });

    let weak = Rc::downgrade(channel);
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
        let Some(channel) = weak.upgrade() else {
            return;
        };
        leptos::logging::warn!("live channel: closed (code {}), reconnecting", event.code());
        channel.borrow().state.channel.set(ChannelStatus::Closed);
        schedule_reconnect(&channel);
    });

    socket.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    let mut ch = channel.borrow_mut();
    ch.socket = Some(socket);
    ch.on_open = Some(on_open);
    ch.on_message = Some(on_message);
    ch.on_close = Some(on_close);
}

/// First retry immediately, then 1 s × 2ⁿ ± 20 %, capped at 30 s.
fn schedule_reconnect(channel: &Shared) {
    let delay_ms = {
        let mut ch = channel.borrow_mut();
        let attempt = ch.attempt;
        ch.attempt = ch.attempt.saturating_add(1);
        if attempt == 0 {
            0.0
        } else {
            let base = (BASE_DELAY_MS * 2f64.powi(attempt as i32 - 1)).min(MAX_DELAY_MS);
            base * (0.8 + 0.4 * js_sys::Math::random())
        }
    };
    let weak = Rc::downgrade(channel);
    let timeout = Timeout::new(delay_ms as u32, move || {
        if let Some(channel) = weak.upgrade() {
            connect(&channel);
        }
    });
    channel.borrow_mut().retry = Some(timeout);
}

fn apply(state: LiveState, message: ServerMessage) {
    // The skeleton renders connection states only; session data lands with
    // the hub's mirror.
    let ServerMessage::State {
        profile_id,
        status,
        last_error,
        last_online_at,
        daemon_id,
        version,
    } = message
    else {
        return;
    };
    let previous = state
        .hosts
        .with_untracked(|hosts| hosts.get(&profile_id).map(|h| h.status));
    if previous != Some(status) {
        let from = previous.map(|s| s.as_str()).unwrap_or("unknown");
        match status {
            super::ConnectionStatus::Online | super::ConnectionStatus::Connecting => {
                leptos::logging::log!("daemon {profile_id}: {from} -> {}", status.as_str())
            }
            _ => leptos::logging::warn!(
                "daemon {profile_id}: {from} -> {} ({})",
                status.as_str(),
                last_error.as_deref().unwrap_or("no error")
            ),
        }
    }
    state.hosts.update(|hosts| {
        hosts.insert(
            profile_id,
            HostState {
                status,
                last_error,
                last_online_at,
                daemon_id,
                version,
            },
        );
    });
}
