//! The daemon registry: which daemons this browser wants to see.
//!
//! Profiles live in localStorage under [`REGISTRY_KEY`] in the seed's shape
//! (`{id, label, wsUrl, restUrl?, createdAt, updatedAt, metadata?}`). The
//! loading rules are pure functions here so they are tested natively; the
//! browser glue (gloo-storage) is the small `storage` module at the bottom.
//!
//! Rules: a registry that is missing or empty is seeded with the "Local Host"
//! fallback; the legacy `@paseo:settings` (`serverUrl`) becomes one "Primary
//! Host" profile; corrupt JSON is never silently dropped: the raw text is
//! kept under a backup key before the registry is re-seeded.

use serde::{Deserialize, Serialize};

/// localStorage key of the registry (shared with Paseo's web client).
pub const REGISTRY_KEY: &str = "@paseo:daemon-registry";
/// Legacy single-daemon settings key, migrated once.
pub const LEGACY_SETTINGS_KEY: &str = "@paseo:settings";
/// Prefix of the key where an unreadable registry is preserved.
pub const CORRUPT_BACKUP_PREFIX: &str = "@paseo:daemon-registry:corrupt:";
/// Label of the profile seeded when the registry is empty.
pub const FALLBACK_LABEL: &str = "Local Host";
/// Label of the profile migrated from the legacy settings.
pub const LEGACY_LABEL: &str = "Primary Host";

/// One daemon the user wants to see. `id` is the *profile id* (made by the
/// browser), never the daemon's own `srv_` id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DaemonProfile {
    pub id: String,
    pub label: String,
    pub ws_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rest_url: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Value>,
}

/// The result of reading storage: the profiles to use, and what to write back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOutcome {
    pub profiles: Vec<DaemonProfile>,
    /// The registry must be written back (seeded, migrated or repaired).
    pub changed: bool,
    /// Raw text of a registry that could not be parsed, to back up.
    pub corrupt: Option<String>,
    /// The legacy settings were migrated and may be removed.
    pub migrated_legacy: bool,
}

/// Inputs that vary between calls, injected so tests are deterministic.
pub struct Seed<'a> {
    pub fallback_ws_url: &'a str,
    /// ISO-8601 time for createdAt/updatedAt.
    pub now: &'a str,
    /// Makes a new profile id (`daemon_<time36>_<rand>`).
    pub new_id: &'a mut dyn FnMut() -> String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LegacySettings {
    server_url: Option<String>,
}

/// Decides the registry from the raw storage values.
pub fn load(raw_registry: Option<&str>, raw_legacy: Option<&str>, seed: Seed<'_>) -> LoadOutcome {
    let mut corrupt = None;
    if let Some(raw) = raw_registry {
        match parse_profiles(raw) {
            Ok(parsed) if parsed.skipped == 0 && !parsed.profiles.is_empty() => {
                return LoadOutcome {
                    profiles: parsed.profiles,
                    changed: false,
                    corrupt: None,
                    migrated_legacy: false,
                };
            }
            // Some entries were not profiles: the raw text is backed up
            // (they would be gone at the next save), the readable ones kept.
            Ok(parsed) if !parsed.profiles.is_empty() => {
                return LoadOutcome {
                    profiles: parsed.profiles,
                    changed: true,
                    corrupt: Some(raw.to_owned()),
                    migrated_legacy: false,
                };
            }
            Ok(parsed) if parsed.skipped > 0 => corrupt = Some(raw.to_owned()),
            Ok(_) => {}
            Err(_) => corrupt = Some(raw.to_owned()),
        }
    }
    let legacy_url = raw_legacy
        .and_then(|raw| serde_json::from_str::<LegacySettings>(raw).ok())
        .and_then(|s| s.server_url)
        .filter(|url| !url.trim().is_empty());
    let (label, url, migrated_legacy) = match legacy_url {
        Some(url) => (LEGACY_LABEL, url, true),
        None => (FALLBACK_LABEL, seed.fallback_ws_url.to_owned(), false),
    };
    LoadOutcome {
        profiles: vec![new_profile(label, &url, seed.now, (seed.new_id)())],
        changed: true,
        corrupt,
        migrated_legacy,
    }
}

/// Stored profiles, and how many entries were not profiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub profiles: Vec<DaemonProfile>,
    pub skipped: usize,
}

/// Parses stored profiles, skipping entries that are not profiles (keeping
/// the valid ones, counting the others) but failing when the text is not a
/// JSON array at all.
pub fn parse_profiles(raw: &str) -> Result<Parsed, serde_json::Error> {
    let values: Vec<serde_json::Value> = serde_json::from_str(raw)?;
    let total = values.len();
    let profiles: Vec<DaemonProfile> = values
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect();
    Ok(Parsed {
        skipped: total - profiles.len(),
        profiles,
    })
}

/// Builds a profile with both timestamps set to `now`.
pub fn new_profile(label: &str, ws_url: &str, now: &str, id: String) -> DaemonProfile {
    DaemonProfile {
        id,
        label: label.to_owned(),
        ws_url: ws_url.to_owned(),
        rest_url: None,
        created_at: now.to_owned(),
        updated_at: now.to_owned(),
        metadata: None,
    }
}

/// A profile id in the seed's format: `daemon_<millis base36>_<6 random>`.
pub fn make_profile_id(now_ms: u64, random: u32) -> String {
    format!("daemon_{}_{:06x}", to_base36(now_ms), random & 0xff_ffff)
}

fn to_base36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Browser storage glue (gloo-storage).
#[cfg(feature = "hydrate")]
pub mod storage {
    use gloo_storage::{LocalStorage, Storage};

    use super::*;

    fn raw(key: &str) -> Option<String> {
        LocalStorage::raw().get_item(key).ok().flatten()
    }

    /// Loads (and if needed seeds, migrates or repairs) the registry.
    /// `fallback_id` (the server's `<meta>`) names the seeded "Local Host",
    /// so the server can render `/agent/<that id>/…` at first paint.
    pub fn load_registry(fallback_ws_url: &str, fallback_id: Option<&str>) -> Vec<DaemonProfile> {
        let now_ms = js_sys::Date::now() as u64;
        let now = String::from(js_sys::Date::new_0().to_iso_string());
        let mut first = fallback_id.map(str::to_owned);
        let mut new_id = || {
            first.take().unwrap_or_else(|| {
                make_profile_id(now_ms, (js_sys::Math::random() * 16_777_216.0) as u32)
            })
        };
        let outcome = load(
            raw(REGISTRY_KEY).as_deref(),
            raw(LEGACY_SETTINGS_KEY).as_deref(),
            Seed {
                fallback_ws_url,
                now: &now,
                new_id: &mut new_id,
            },
        );
        // The unreadable text is the user's; it is overwritten only once a
        // copy of it is stored (a full storage refuses the copy).
        let mut may_save = true;
        if let Some(corrupt) = &outcome.corrupt {
            let backup = format!("{CORRUPT_BACKUP_PREFIX}{now_ms}");
            let kept = outcome.profiles.len();
            if LocalStorage::raw().set_item(&backup, corrupt).is_ok() {
                leptos::logging::warn!(
                    "daemon registry in localStorage ({REGISTRY_KEY}) was unreadable in part or whole; \
                     kept it under {backup}; {kept} readable or seeded profile(s) in use"
                );
            } else {
                may_save = false;
                leptos::logging::warn!(
                    "daemon registry in localStorage ({REGISTRY_KEY}) was unreadable in part or whole \
                     and could not be copied aside (storage full?): left in place, not overwritten; \
                     {kept} readable or seeded profile(s) in use on this page only"
                );
            }
        }
        if outcome.changed && may_save {
            save_registry(&outcome.profiles);
        }
        if outcome.migrated_legacy {
            LocalStorage::delete(LEGACY_SETTINGS_KEY);
        }
        outcome.profiles
    }

    /// Writes the registry back.
    pub fn save_registry(profiles: &[DaemonProfile]) {
        if let Err(err) = LocalStorage::set(REGISTRY_KEY, profiles) {
            leptos::logging::warn!("could not save the daemon registry: {err}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed<'a>(ids: &'a mut dyn FnMut() -> String) -> Seed<'a> {
        Seed {
            fallback_ws_url: "ws://localhost:6767/ws",
            now: "2026-11-25T00:00:00.000Z",
            new_id: ids,
        }
    }

    #[test]
    fn empty_storage_seeds_local_host() {
        let mut ids = || "daemon_x_1".to_owned();
        let out = load(None, None, seed(&mut ids));
        assert!(out.changed);
        assert_eq!(out.profiles.len(), 1);
        assert_eq!(out.profiles[0].label, FALLBACK_LABEL);
        assert_eq!(out.profiles[0].ws_url, "ws://localhost:6767/ws");
    }

    #[test]
    fn empty_array_reseeds() {
        let mut ids = || "daemon_x_1".to_owned();
        let out = load(Some("[]"), None, seed(&mut ids));
        assert!(out.changed);
        assert_eq!(out.profiles[0].label, FALLBACK_LABEL);
    }

    #[test]
    fn stored_profiles_are_kept_untouched() {
        let raw = r#"[{"id":"daemon_a","label":"GPU box","wsUrl":"ws://gpu:6767/ws","createdAt":"t","updatedAt":"t","extra":1}]"#;
        let mut ids = || unreachable!("no id needed");
        let out = load(Some(raw), None, seed(&mut ids));
        assert!(!out.changed);
        assert_eq!(out.profiles[0].label, "GPU box");
    }

    #[test]
    fn corrupt_registry_is_backed_up_and_reseeded() {
        let mut ids = || "daemon_x_1".to_owned();
        let out = load(Some("{not json"), None, seed(&mut ids));
        assert_eq!(out.corrupt.as_deref(), Some("{not json"));
        assert_eq!(out.profiles[0].label, FALLBACK_LABEL);
    }

    #[test]
    fn entries_that_are_not_profiles_are_backed_up_and_the_rest_kept() {
        let good = r#"{"id":"daemon_a","label":"GPU box","wsUrl":"ws://gpu:6767/ws","createdAt":"t","updatedAt":"t"}"#;
        let raw = format!(r#"[7,{good},{{"id":["x"]}}]"#);
        let mut ids = || unreachable!("the readable profile is kept");
        let out = load(Some(&raw), None, seed(&mut ids));
        assert_eq!(out.corrupt.as_deref(), Some(raw.as_str()));
        assert!(out.changed);
        assert_eq!(out.profiles.len(), 1);
        assert_eq!(out.profiles[0].label, "GPU box");

        let mut ids = || "daemon_x_1".to_owned();
        let out = load(Some(r#"[1,"a",null]"#), None, seed(&mut ids));
        assert_eq!(out.corrupt.as_deref(), Some(r#"[1,"a",null]"#));
        assert_eq!(out.profiles[0].label, FALLBACK_LABEL);
    }

    #[test]
    fn legacy_settings_migrate_to_primary_host() {
        let mut ids = || "daemon_x_1".to_owned();
        let out = load(
            None,
            Some(r#"{"serverUrl":"ws://box:6767/ws"}"#),
            seed(&mut ids),
        );
        assert!(out.migrated_legacy);
        assert_eq!(out.profiles[0].label, LEGACY_LABEL);
        assert_eq!(out.profiles[0].ws_url, "ws://box:6767/ws");
    }

    #[test]
    fn profile_ids_have_the_seed_shape() {
        let id = make_profile_id(1_764_000_000_000, 0x4f7a1c);
        assert!(id.starts_with("daemon_"));
        assert!(id.ends_with("_4f7a1c"));
    }
}
