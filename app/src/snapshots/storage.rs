//! Browser glue of the session snapshots (localStorage).

use std::cell::Cell;
use std::rc::Rc;

use gloo_storage::{LocalStorage, Storage};
use gloo_timers::callback::Interval;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;

use super::{KEY_PREFIX, MAX_TIMELINES, decode, encode};
use crate::directory::{Directory, SessionModel};
use crate::live::LiveState;

/// The cached session of `profile_id`, if readable.
/// Deletes a profile's cached session (it reaches another daemon now, or
/// the host was removed).
pub fn remove(profile_id: &str) {
    let _ = LocalStorage::raw().remove_item(&format!("{KEY_PREFIX}{profile_id}"));
}

pub fn load(profile_id: &str) -> Option<SessionModel> {
    let key = format!("{KEY_PREFIX}{profile_id}");
    let raw = LocalStorage::raw().get_item(&key).ok().flatten()?;
    match decode(&raw) {
        Ok(session) => Some(session),
        Err(err) => {
            // A cache: set aside what cannot be read, never used half.
            leptos::logging::warn!("{key}: {err}; ignoring the cached session");
            let _ = LocalStorage::raw().remove_item(&key);
            None
        }
    }
}

/// Saves every session, from a lazily loaded chunk: encoding snapshots
/// (and the serializers of every type in them) is not needed to show `/`,
/// so it stays out of the first load. The chunk is fetched after hydration
/// ([`crate::chunks::preload_all`]); once there, a save runs within the same
/// task (the `pagehide` one included). Before it is there, a save waits for
/// it; one lost at that moment is a cache entry, rebuilt on the next save.
fn save_all(directory: Directory, live: LiveState) {
    leptos::task::spawn_local(save_all_now(directory, live));
}

/// Loads the snapshot writer's chunk.
pub async fn preload() {
    __preload_save_all_now().await;
}

#[leptos::lazy]
async fn save_all_now(directory: Directory, live: LiveState) {
    let now = String::from(js_sys::Date::new_0().to_iso_string());
    let storage = LocalStorage::raw();
    for profile in live.profiles.get_untracked() {
        let recent = directory.recent_timelines(&profile.id);
        let mut keep = MAX_TIMELINES;
        loop {
            let raw = directory.with_model(|m| {
                m.session(&profile.id)
                    .map(|session| encode(session, &recent, &now, keep))
            });
            let Some(raw) = raw else { break };
            let key = format!("{KEY_PREFIX}{}", profile.id);
            match storage.set_item(&key, &raw) {
                Ok(()) => break,
                Err(err) if keep > 0 => {
                    let name = err
                        .dyn_ref::<web_sys::DomException>()
                        .map(|e| e.name())
                        .unwrap_or_default();
                    keep /= 2;
                    leptos::logging::warn!(
                        "{key}: storage refused the snapshot ({name}); keeping only {keep} timelines"
                    );
                }
                Err(_) => {
                    leptos::logging::warn!("{key}: storage refused even the agent list");
                    break;
                }
            }
        }
    }
}

/// Saves every session at most once a second (when something changed) and
/// when the page is hidden.
pub fn start_saving(directory: Directory, live: LiveState) {
    let saved = Rc::new(Cell::new(directory.generation()));
    let interval = Interval::new(1_000, move || {
        let now = directory.generation();
        if now != saved.get() {
            saved.set(now);
            save_all(directory, live);
        }
    });
    // The interval lives as long as the page.
    interval.forget();
    let on_hide = Closure::<dyn FnMut()>::new(move || save_all(directory, live));
    if let Some(window) = web_sys::window() {
        let _ =
            window.add_event_listener_with_callback("pagehide", on_hide.as_ref().unchecked_ref());
    }
    on_hide.forget();
}
