//! Browser glue of the drafts (localStorage).

use gloo_storage::{LocalStorage, Storage};

use super::{DraftBook, KEY_PREFIX, decode};

pub fn load(profile_id: &str) -> DraftBook {
    let key = format!("{KEY_PREFIX}{profile_id}");
    let raw = LocalStorage::raw().get_item(&key).ok().flatten();
    let loaded = decode(raw.as_deref());
    if let Some(corrupt) = loaded.corrupt {
        let backup = format!("{key}:corrupt:{}", js_sys::Date::now() as u64);
        if LocalStorage::raw().set_item(&backup, &corrupt).is_ok() {
            leptos::logging::warn!("{key} was unreadable; kept it under {backup}");
        } else {
            leptos::logging::warn!(
                "{key} was unreadable and could not be copied aside (storage full?); \
                 it is replaced at the next edit"
            );
        }
    }
    loaded.book
}

pub fn save(profile_id: &str, book: &DraftBook) {
    let key = format!("{KEY_PREFIX}{profile_id}");
    if let Err(err) = LocalStorage::set(&key, book) {
        leptos::logging::warn!("could not save drafts to {key}: {err}");
    }
}

/// A fresh `messageId`: 128 bits from `crypto.getRandomValues`.
pub fn new_message_id() -> String {
    let mut bytes = [0u8; 16];
    let ok = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .map(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok())
        .unwrap_or(false);
    if !ok {
        for b in bytes.iter_mut() {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("msg_{hex}")
}

/// Follows other tabs' writes of the drafts (`storage` events fire only in
/// the tabs that did not write).
pub fn follow_other_tabs(drafts: super::Drafts) {
    use wasm_bindgen::JsCast;
    use wasm_bindgen::closure::Closure;

    let on_storage =
        Closure::<dyn FnMut(web_sys::StorageEvent)>::new(move |event: web_sys::StorageEvent| {
            let Some(key) = event.key() else { return };
            let Some(profile_id) = key.strip_prefix(KEY_PREFIX) else {
                return;
            };
            if profile_id.contains(":corrupt:") {
                return;
            }
            let loaded = decode(event.new_value().as_deref());
            if loaded.corrupt.is_none() {
                drafts.replace(profile_id, loaded.book);
            }
        });
    if let Some(window) = web_sys::window() {
        let _ =
            window.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
    }
    on_storage.forget();
}
