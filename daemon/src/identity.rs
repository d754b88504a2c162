//! Who this daemon is: its `srv_` id and hostname, as sent in `server_info`.
//!
//! The id must survive restarts: clients use it to notice that two profiles
//! (`localhost` vs `127.0.0.1`) reach the same daemon and to resolve links
//! made in another browser. It is generated once and kept in
//! `$PASEO_HOME/server-id`, written atomically so a crash never leaves a
//! half-written id behind.

use std::path::{Path, PathBuf};

use rand::RngCore;

use crate::error::DaemonError;

/// Name of the id file inside `$PASEO_HOME`.
pub const SERVER_ID_FILE: &str = "server-id";

/// Environment variable that overrides the persisted id.
pub const SERVER_ID_ENV: &str = "PASEO_SERVER_ID";

const ID_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A fresh id: `srv_` followed by 12 url-safe base64 characters (72 random bits).
pub fn generate_server_id() -> String {
    let mut bytes = [0u8; 9];
    rand::rng().fill_bytes(&mut bytes);
    let mut id = String::from("srv_");
    for chunk in bytes.chunks_exact(3) {
        let n = (u32::from(chunk[0]) << 16) | (u32::from(chunk[1]) << 8) | u32::from(chunk[2]);
        for shift in [18, 12, 6, 0] {
            id.push(char::from(ID_ALPHABET[((n >> shift) & 0x3f) as usize]));
        }
    }
    id
}

/// Picks the server id: `explicit` if given and non-blank, else
/// `PASEO_SERVER_ID` if non-blank, else the persisted id (creating it).
pub fn resolve_server_id(home: &Path, explicit: Option<&str>) -> Result<String, DaemonError> {
    let env = std::env::var(SERVER_ID_ENV).ok();
    let chosen = explicit
        .or(env.as_deref())
        .map(str::trim)
        .filter(|id| !id.is_empty());
    match chosen {
        Some(id) => Ok(id.to_owned()),
        None => load_or_create_server_id(home),
    }
}

/// Reads `$PASEO_HOME/server-id`, or generates and persists a new id when
/// the file is missing or blank.
pub fn load_or_create_server_id(home: &Path) -> Result<String, DaemonError> {
    let path = home.join(SERVER_ID_FILE);
    let err = |source| DaemonError::ServerId {
        path: path.clone(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) if !text.trim().is_empty() => return Ok(text.trim().to_owned()),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(err(e)),
    }
    let id = generate_server_id();
    let tmp: PathBuf = home.join(format!("{SERVER_ID_FILE}.tmp"));
    std::fs::write(&tmp, format!("{id}\n")).map_err(err)?;
    std::fs::rename(&tmp, &path).map_err(err)?;
    Ok(id)
}

/// This machine's host name, or `None` when it cannot be read.
#[allow(unsafe_code, reason = "gethostname into a local buffer (see SAFETY)")]
pub fn hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the pointer and length describe `buf`, which outlives the call;
    // gethostname writes at most `len` bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let name = String::from_utf8_lossy(&buf[..end]).trim().to_owned();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_have_the_paseo_shape() {
        let id = generate_server_id();
        assert_eq!(id.len(), 16, "{id}");
        assert!(id.starts_with("srv_"));
        assert!(id[4..].bytes().all(|b| ID_ALPHABET.contains(&b)), "{id}");
        assert_ne!(id, generate_server_id());
    }

    #[test]
    fn id_is_persisted_and_reused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let first = load_or_create_server_id(dir.path()).expect("create");
        let second = load_or_create_server_id(dir.path()).expect("reload");
        assert_eq!(first, second);
        let on_disk = std::fs::read_to_string(dir.path().join(SERVER_ID_FILE)).expect("read");
        assert_eq!(on_disk.trim(), first);
    }

    #[test]
    fn explicit_id_wins_and_is_not_persisted() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert_eq!(
            resolve_server_id(dir.path(), Some(" srv_x ")).expect("explicit"),
            "srv_x"
        );
        assert!(
            !dir.path().join(SERVER_ID_FILE).exists(),
            "an override is not persisted"
        );
    }

    #[test]
    fn hostname_is_known() {
        assert!(hostname().is_some());
    }
}
