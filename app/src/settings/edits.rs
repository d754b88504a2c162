//! Registry edits (pure, tested natively): add, edit and remove hosts with
//! the registry's rules — a URL must be `ws://`/`wss://` without user info,
//! labels are required, and removing the last host seeds the fallback
//! "Local Host" again.

use crate::registry::{DaemonProfile, FALLBACK_LABEL, new_profile};

/// What the add/edit form holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostForm {
    pub label: String,
    pub ws_url: String,
    /// Empty = no password.
    pub password: String,
}

/// Why a form cannot be saved (shown next to the field).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("give the host a name")]
    MissingLabel,
    #[error("give the daemon's URL, for example ws://localhost:6767/ws")]
    MissingUrl,
    #[error("a daemon URL starts with ws:// or wss:// (for example ws://localhost:6767/ws)")]
    NotWebSocket,
    #[error("remove the user name or password from the URL; use the password field")]
    CredentialsInUrl,
    #[error("the URL has no host name")]
    NoHost,
    #[error(
        "the password can only hold letters, digits and !#$%&'*+-.^_`|~ (it travels as a WebSocket subprotocol)"
    )]
    BadPassword,
}

/// Checks a form and returns it trimmed.
pub fn validate(form: &HostForm) -> Result<HostForm, FormError> {
    let label = form.label.trim();
    let url = form.ws_url.trim();
    if label.is_empty() {
        return Err(FormError::MissingLabel);
    }
    if url.is_empty() {
        return Err(FormError::MissingUrl);
    }
    let rest = url
        .strip_prefix("ws://")
        .or_else(|| url.strip_prefix("wss://"))
        .ok_or(FormError::NotWebSocket)?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err(FormError::CredentialsInUrl);
    }
    let host = match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    };
    if host.is_empty() {
        return Err(FormError::NoHost);
    }
    let password = form.password.trim();
    if !password.bytes().all(is_token_char) {
        return Err(FormError::BadPassword);
    }
    Ok(HostForm {
        label: label.to_owned(),
        ws_url: url.to_owned(),
        password: password.to_owned(),
    })
}

fn is_token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The password a profile keeps (in its metadata, as Paseo's client does).
pub fn password_of(profile: &DaemonProfile) -> Option<String> {
    profile
        .metadata
        .as_ref()
        .and_then(|m| m.get("password"))
        .and_then(|v| v.as_str())
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
}

fn set_password(profile: &mut DaemonProfile, password: &str) {
    let mut metadata = match profile.metadata.take() {
        Some(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    if password.is_empty() {
        metadata.remove("password");
    } else {
        metadata.insert("password".into(), password.into());
    }
    profile.metadata = (!metadata.is_empty()).then_some(serde_json::Value::Object(metadata));
}

/// Adds a host (after [`validate`]).
pub fn add(
    profiles: &[DaemonProfile],
    form: &HostForm,
    now: &str,
    id: String,
) -> Vec<DaemonProfile> {
    let mut profile = new_profile(&form.label, &form.ws_url, now, id);
    set_password(&mut profile, &form.password);
    let mut out = profiles.to_vec();
    out.push(profile);
    out
}

/// Edits a host in place; `reaches_elsewhere` says the URL or password
/// changed, so what the browser holds for it may be another daemon's.
pub fn edit(
    profiles: &[DaemonProfile],
    id: &str,
    form: &HostForm,
    now: &str,
) -> (Vec<DaemonProfile>, bool) {
    let mut reaches_elsewhere = false;
    let out = profiles
        .iter()
        .cloned()
        .map(|mut p| {
            if p.id == id {
                reaches_elsewhere =
                    p.ws_url != form.ws_url || password_of(&p).unwrap_or_default() != form.password;
                p.label = form.label.clone();
                p.ws_url = form.ws_url.clone();
                set_password(&mut p, &form.password);
                p.updated_at = now.to_owned();
            }
            p
        })
        .collect();
    (out, reaches_elsewhere)
}

/// Removes a host. Removing the last one seeds the fallback "Local Host"
/// (`fallback` = its URL and id); the flag says it happened, to tell the user.
pub fn remove(
    profiles: &[DaemonProfile],
    id: &str,
    fallback: (&str, String),
    now: &str,
) -> (Vec<DaemonProfile>, bool) {
    let out: Vec<DaemonProfile> = profiles.iter().filter(|p| p.id != id).cloned().collect();
    if out.is_empty() {
        let (url, fallback_id) = fallback;
        return (
            vec![new_profile(FALLBACK_LABEL, url, now, fallback_id)],
            true,
        );
    }
    (out, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(label: &str, url: &str, password: &str) -> HostForm {
        HostForm {
            label: label.into(),
            ws_url: url.into(),
            password: password.into(),
        }
    }

    #[test]
    fn forms_are_trimmed_and_checked() {
        let ok = validate(&form(" GPU box ", " ws://gpu:6767/ws ", "")).expect("valid");
        assert_eq!(
            (ok.label.as_str(), ok.ws_url.as_str()),
            ("GPU box", "ws://gpu:6767/ws")
        );
        assert!(validate(&form("x", "wss://[::1]:6767/ws", "")).is_ok());
        assert_eq!(
            validate(&form("", "ws://a/ws", "")),
            Err(FormError::MissingLabel)
        );
        assert_eq!(validate(&form("a", " ", "")), Err(FormError::MissingUrl));
        assert_eq!(
            validate(&form("a", "http://a:6767/ws", "")),
            Err(FormError::NotWebSocket)
        );
        assert_eq!(
            validate(&form("a", "ws://me:pw@a:6767/ws", "")),
            Err(FormError::CredentialsInUrl)
        );
        assert_eq!(
            validate(&form("a", "ws://:6767/ws", "")),
            Err(FormError::NoHost)
        );
        assert_eq!(
            validate(&form("a", "ws://a/ws", "p w")),
            Err(FormError::BadPassword)
        );
    }

    #[test]
    fn add_edit_and_remove_keep_the_password_in_the_profile_only() {
        let list = add(
            &[],
            &form("A", "ws://a/ws", "s3cret"),
            "t0",
            "daemon_a".into(),
        );
        assert_eq!(password_of(&list[0]).as_deref(), Some("s3cret"));
        let (same, moved) = edit(&list, "daemon_a", &form("A2", "ws://a/ws", "s3cret"), "t1");
        assert!(!moved, "a new label reaches the same daemon");
        assert_eq!(
            (same[0].label.as_str(), same[0].updated_at.as_str()),
            ("A2", "t1")
        );
        let (moved_list, moved) = edit(&same, "daemon_a", &form("A2", "ws://b/ws", ""), "t2");
        assert!(moved);
        assert_eq!(password_of(&moved_list[0]), None);
        assert_eq!(moved_list[0].metadata, None);
    }

    #[test]
    fn removing_the_last_host_seeds_the_fallback() {
        let list = add(&[], &form("A", "ws://a/ws", ""), "t0", "daemon_a".into());
        let list = add(&list, &form("B", "ws://b/ws", ""), "t0", "daemon_b".into());
        let (left, seeded) = remove(
            &list,
            "daemon_a",
            ("ws://localhost:6767/ws", "f".into()),
            "t1",
        );
        assert!(!seeded);
        assert_eq!(left.len(), 1);
        let (left, seeded) = remove(
            &left,
            "daemon_b",
            ("ws://localhost:6767/ws", "f".into()),
            "t1",
        );
        assert!(seeded);
        assert_eq!(left[0].label, FALLBACK_LABEL);
        assert_eq!(left[0].id, "f");
    }
}
