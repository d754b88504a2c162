//! The queue sender (browser only): sends each agent's queued messages in
//! order, one at a time, when the agent is between turns and its host and
//! the tab's channel are up. A message leaves the queue when the daemon
//! accepted it or its `user_message` row (same `messageId`) is seen, so a
//! reload or reconnect mid-send sends it again and the daemon's
//! idempotency on `messageId` makes that harmless: delivered exactly once.

use crate::sorted::{SortedMap, SortedSet};

use leptos::prelude::*;

use super::{Drafts, SendErrors, may_send};
use crate::api::agents::send_message;
use crate::directory::{AgentKey, Directory};
use crate::error::AppError;
use crate::live::{ConnectionStatus, LiveState};

pub fn start(drafts: Drafts, directory: Directory, live: LiveState, errors: SendErrors) {
    let in_flight = StoredValue::new(SortedSet::<AgentKey>::new());
    let last_sent = StoredValue::new(SortedMap::<AgentKey, String>::new());
    // Bumped to look again when a send could not take the lock (another
    // send of this agent, in this tab or another, still held it).
    let retry = RwSignal::new(0u64);
    Effect::new(move |_| {
        retry.track();
        let Some(token) = directory.tab_token.get() else {
            return;
        };
        // Track agent arrivals too.
        let _ = directory.keys();
        for (profile_id, agent_id, queue) in drafts.queues() {
            let Some(head) = queue.first().cloned() else {
                continue;
            };
            if head.undeliverable.is_some() {
                continue;
            }
            let key = AgentKey::new(&profile_id, &agent_id);
            let delivered = directory.with_model(|m| {
                m.session(&profile_id)
                    .and_then(|s| s.timelines.get(&agent_id))
                    .is_some_and(|t| t.has_user_message(&head.message_id))
            });
            if delivered {
                drafts.remove(&profile_id, &agent_id, &head.message_id);
                continue;
            }
            let online = live
                .hosts
                .with(|h| h.get(&profile_id).map(|s| s.status) == Some(ConnectionStatus::Online));
            if !online || errors.0.with(|e| e.contains_key(&key)) {
                continue;
            }
            let Some(cell) = directory.agent(&key) else {
                continue;
            };
            let (status, updated_at) = cell.snapshot.with(|a| (a.status, a.updated_at.clone()));
            let sent_at = last_sent.with_value(|m| m.get(&key).cloned());
            if in_flight.with_value(|f| f.contains(&key))
                || !may_send(status, &updated_at, sent_at.as_deref())
            {
                continue;
            }
            in_flight.update_value(|f| {
                f.insert(key.clone());
            });
            let (lock_profile, lock_agent) = (profile_id.clone(), agent_id.clone());
            let token = token.clone();
            let lock_name = format!("paseo-send:{profile_id}:{agent_id}");
            let send = async move {
                let result = send_message(
                    token,
                    profile_id.clone(),
                    agent_id.clone(),
                    head.text.clone(),
                    head.message_id.clone(),
                )
                .await;
                in_flight.update_value(|f| {
                    f.remove(&key);
                });
                match result {
                    Ok(ack) if ack.accepted => {
                        last_sent.update_value(|m| {
                            m.insert(key.clone(), updated_at);
                        });
                        drafts.remove(&profile_id, &agent_id, &head.message_id);
                    }
                    Ok(ack) => {
                        let why = ack
                            .error
                            .unwrap_or_else(|| "the agent did not accept the message".into());
                        errors.0.update(|e| {
                            e.insert(key, why);
                        });
                    }
                    // The host or the channel went away: sent again when back.
                    Err(AppError::TabUnknown | AppError::DaemonUnavailable { .. }) => {
                        leptos::logging::warn!("queued message for {agent_id} waits for its host");
                    }
                    Err(err) => {
                        errors.0.update(|e| {
                            e.insert(key, err.to_string());
                        });
                    }
                }
            };
            with_send_lock(&lock_name, send, move || {
                // Another tab is sending this agent's queue: it will see the
                // rows; this tab looks again on the next change.
                in_flight.update_value(|f| {
                    f.remove(&AgentKey::new(&lock_profile, &lock_agent));
                });
                set_timeout(
                    move || retry.update(|n| *n += 1),
                    std::time::Duration::from_millis(250),
                );
            });
        }
    });
}

/// Runs `send` holding the Web Lock `name` (one sender per agent across
/// this browser's tabs), or calls `busy` when another tab holds it.
/// Without the Locks API the send runs as is (the daemon's idempotency on
/// `messageId` still makes a double send harmless).
fn with_send_lock(
    name: &str,
    send: impl std::future::Future<Output = ()> + 'static,
    busy: impl FnOnce() + 'static,
) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::prelude::*;

    let locks = web_sys::window()
        .map(|w| w.navigator())
        .and_then(|n| js_sys::Reflect::get(&n, &"locks".into()).ok())
        .filter(|l| !l.is_undefined() && !l.is_null());
    let request = locks.as_ref().and_then(|l| {
        js_sys::Reflect::get(l, &"request".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    });
    let (Some(locks), Some(request)) = (locks, request) else {
        leptos::task::spawn_local(send);
        return;
    };
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    let mut send = Some(send);
    let mut busy = Some(busy);
    let callback = Closure::once_into_js(move |lock: JsValue| -> js_sys::Promise {
        if lock.is_null() {
            if let Some(busy) = busy.take() {
                busy();
            }
            return js_sys::Promise::resolve(&JsValue::UNDEFINED);
        }
        let send = send.take();
        wasm_bindgen_futures::future_to_promise(async move {
            if let Some(send) = send {
                send.await;
            }
            Ok(JsValue::UNDEFINED)
        })
    });
    if request
        .call3(&locks, &name.into(), &options, &callback)
        .is_err()
    {
        leptos::logging::warn!("navigator.locks.request failed for {name}");
    }
}
