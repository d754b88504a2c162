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

use crate::sorted::{SortedMap, SortedSet};

use super::{ChannelStatus, HostState, LiveState, Probe};
use crate::contract::{
    BrowserMessage, ProbeError, ProfileCursors, ServerMessage, TimelineCursor, WatchedProfile,
};
use crate::directory::{AgentKey, Change, Directory, TimelineChange};
use crate::{config, registry, snapshots};

const BASE_DELAY_MS: f64 = 1_000.0;
const MAX_DELAY_MS: f64 = 30_000.0;

struct Channel {
    state: LiveState,
    directory: Directory,
    /// Timelines this socket was asked to follow (re-sent after a reconnect).
    following: SortedSet<AgentKey>,
    /// Live diffs subscribed on this socket (re-sent after a reconnect).
    diffs_sent: SortedSet<String>,
    /// The token of the previous socket, returned in `resume`.
    last_token: Option<String>,
    socket: Option<WebSocket>,
    attempt: u32,
    retry: Option<Timeout>,
    on_open: Option<Closure<dyn FnMut()>>,
    on_message: Option<Closure<dyn FnMut(MessageEvent)>>,
    on_close: Option<Closure<dyn FnMut(CloseEvent)>>,
}

type Shared = Rc<RefCell<Channel>>;

/// Loads the registry and opens the channel; called once after hydration.
pub fn start(state: LiveState, directory: Directory) {
    let fallback = config::fallback_ws_url_from_document();
    let fallback_id = config::fallback_profile_id_from_document();
    let profiles = registry::storage::load_registry(&fallback, fallback_id.as_deref());
    // Cached sessions render at once (stale) while the channel connects.
    for profile in &profiles {
        if let Some(session) = snapshots::load(&profile.id) {
            directory.restore(&profile.id, session);
        }
    }
    state.profiles.set(profiles);
    snapshots::start_saving(directory, state);

    let channel: Shared = Rc::new(RefCell::new(Channel {
        state,
        directory,
        following: SortedSet::new(),
        diffs_sent: SortedSet::new(),
        last_token: None,
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

    // Connection tests: send the waiting ones while the channel is open; a
    // test sent on a channel that dropped is answered with that reason.
    let for_probes = channel.clone();
    Effect::new(move |_| {
        let open = state.channel.get() == ChannelStatus::Open;
        let waiting: Vec<(String, String, Option<String>, bool)> = state.probes.with(|p| {
            p.iter()
                .filter_map(|(id, probe)| match probe {
                    Probe::Waiting {
                        ws_url,
                        password,
                        sent,
                    } => Some((id.clone(), ws_url.clone(), password.clone(), *sent)),
                    Probe::Done(_) => None,
                })
                .collect()
        });
        let mut changes = Vec::new();
        for (id, ws_url, password, sent) in waiting {
            if open && !sent {
                send(
                    &for_probes,
                    &BrowserMessage::Probe {
                        probe_id: id.clone(),
                        ws_url: ws_url.clone(),
                        password: password.clone(),
                    },
                );
                changes.push((
                    id,
                    Probe::Waiting {
                        ws_url,
                        password,
                        sent: true,
                    },
                ));
            } else if !open && sent {
                let lost = ProbeError {
                    kind: "other".into(),
                    message: "the connection to the web server dropped during the test: try again"
                        .into(),
                };
                changes.push((id, Probe::Done(Err(lost))));
            }
        }
        if !changes.is_empty() {
            state.probes.update(|p| p.extend(changes));
        }
    });

    // Follow what the screens show; unfollow what they stopped showing.
    let for_follows = channel.clone();
    Effect::new(move |_| {
        let wanted: SortedSet<AgentKey> = directory.followed().into_iter().collect();
        let open = state.channel.get() == ChannelStatus::Open;
        if !open {
            return;
        }
        let held = for_follows.borrow().following.clone();
        for key in wanted.difference(&held) {
            send(&for_follows, &follow_message(directory, key));
        }
        for key in held.difference(&wanted) {
            send(
                &for_follows,
                &BrowserMessage::Unfollow {
                    profile_id: key.profile_id.clone(),
                    agent_id: key.agent_id.clone(),
                },
            );
        }
        for_follows.borrow_mut().following = wanted;
    });

    // Subscribe the diffs the pages show; unsubscribe the ones they left.
    let for_diffs = channel.clone();
    Effect::new(move |_| {
        let wanted = state.diffs.wanted.get();
        if state.channel.get() != ChannelStatus::Open {
            return;
        }
        let sent = std::mem::take(&mut for_diffs.borrow_mut().diffs_sent);
        for (id, target) in wanted.iter().filter(|(id, _)| !sent.contains(*id)) {
            let message = BrowserMessage::SubscribeDiff {
                profile_id: target.profile_id.clone(),
                subscription_id: id.clone(),
                cwd: target.cwd.clone(),
            };
            send(&for_diffs, &message);
        }
        for id in sent.iter().filter(|id| !wanted.contains_key(*id)) {
            let message = BrowserMessage::UnsubscribeDiff {
                subscription_id: id.clone(),
            };
            send(&for_diffs, &message);
        }
        for_diffs.borrow_mut().diffs_sent = wanted.into_keys().collect();
    });
}

/// `follow` with the cursor of what the tab holds (the server sends only
/// the rows after it, or a reset).
fn follow_message(directory: Directory, key: &AgentKey) -> BrowserMessage {
    let cursor = directory.with_model(|m| {
        m.session(&key.profile_id)
            .and_then(|s| s.timelines.get(&key.agent_id))
            .and_then(|t| {
                t.last_seq().map(|seq| TimelineCursor {
                    epoch: t.epoch.clone(),
                    seq,
                })
            })
    });
    BrowserMessage::Follow {
        profile_id: key.profile_id.clone(),
        agent_id: key.agent_id.clone(),
        cursor,
    }
}

/// `resume`: per profile the `agents_version` held and the cursors of the
/// followed timelines, plus the previous socket's token.
fn resume_message(
    directory: Directory,
    following: &SortedSet<AgentKey>,
    token: Option<String>,
) -> BrowserMessage {
    let mut cursors: SortedMap<String, ProfileCursors> = SortedMap::new();
    directory.with_model(|m| {
        for (profile_id, session) in &m.sessions {
            let entry = cursors.entry(profile_id.clone()).or_default();
            entry.agents_version = if session.live {
                session.agents_version
            } else {
                0
            };
            for key in following.iter().filter(|k| &k.profile_id == profile_id) {
                if let Some(t) = session.timelines.get(&key.agent_id)
                    && let Some(seq) = t.last_seq()
                {
                    entry.timelines.insert(
                        key.agent_id.clone(),
                        TimelineCursor {
                            epoch: t.epoch.clone(),
                            seq,
                        },
                    );
                }
            }
        }
    });
    BrowserMessage::Resume {
        cursors,
        tab_token: token,
    }
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
        let (profiles, resume) = {
            let mut ch = channel.borrow_mut();
            ch.attempt = 0;
            // Followed timelines go in `resume`; the follow effect re-sends
            // the rest once the channel reads open.
            let following: SortedSet<AgentKey> = ch.directory.followed().into_iter().collect();
            let resume = resume_message(ch.directory, &following, ch.last_token.clone());
            // The follow effect (re)sends every follow once the channel
            // reads open; a follow after a resume only repositions it.
            ch.following = SortedSet::new();
            ch.diffs_sent = SortedSet::new();
            (ch.state.profiles.get_untracked(), resume)
        };
        send(&channel, &resume);
        send(&channel, &watch_message(&profiles));
        channel.borrow().state.channel.set(ChannelStatus::Open);
    });

    let weak = Rc::downgrade(channel);
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(text) = event.data().as_string() else {
            return;
        };
        let Some(channel) = weak.upgrade() else {
            return;
        };
        // Text → `Value` → message: every type the browser reads is decoded
        // from a `Value` (snapshots, registry, server data), so its decoder
        // exists once in the bundle instead of once per input kind (and the
        // message's own tag is matched by hand, see `protocol::fields`).
        let decoded =
            serde_json::from_str::<serde_json::Value>(&text).and_then(ServerMessage::from_value);
        match decoded {
            Ok(message) => on_server_message(&channel, message),
            Err(err) => leptos::logging::warn!("live channel: unreadable message ({err})"),
        }
    });

    let weak = Rc::downgrade(channel);
    let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
        let Some(channel) = weak.upgrade() else {
            return;
        };
        leptos::logging::warn!("live channel: closed (code {}), reconnecting", event.code());
        {
            let ch = channel.borrow();
            ch.directory.tab_token.set(None);
            ch.state.channel.set(ChannelStatus::Closed);
        }
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

fn on_server_message(channel: &Shared, message: ServerMessage) {
    let (state, directory) = {
        let ch = channel.borrow();
        (ch.state, ch.directory)
    };
    if let ServerMessage::DiffUpdate { .. } = message {
        state.diffs.apply(message);
        return;
    }
    match &message {
        ServerMessage::Hello { tab_token } => {
            channel.borrow_mut().last_token = Some(tab_token.clone());
            directory.tab_token.set(Some(tab_token.clone()));
            return;
        }
        ServerMessage::State { .. } => apply_state(state, message.clone()),
        ServerMessage::ProbeResult {
            probe_id,
            ok,
            error,
        } => {
            let outcome = match (ok, error) {
                (Some(ok), _) => Ok((**ok).clone()),
                (None, Some(error)) => Err(error.clone()),
                (None, None) => Err(ProbeError {
                    kind: "other".into(),
                    message: "the server sent an empty answer".into(),
                }),
            };
            let id = probe_id.clone();
            state.probes.update(|p| {
                if p.contains_key(&id) {
                    p.insert(id, Probe::Done(outcome));
                }
            });
            return;
        }
        ServerMessage::Error {
            message: text,
            profile_id,
            agent_id,
        } => leptos::logging::warn!(
            "live channel: server says: {text} (profile {profile_id:?}, agent {agent_id:?})"
        ),
        _ => {}
    }
    for change in directory.apply(message) {
        // A gap is never guessed: ask for what follows what the tab holds.
        if let Change::Timeline {
            key,
            change: TimelineChange::Gap { .. },
        } = change
        {
            send(channel, &follow_message(directory, &key));
        }
    }
}

fn apply_state(state: LiveState, message: ServerMessage) {
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
