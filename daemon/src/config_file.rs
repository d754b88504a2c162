//! `$PASEO_HOME/config.json`: the daemon settings a user wants to keep
//! without retyping flags, in Paseo's layout (`{"daemon": {...}}`).
//!
//! Precedence is flags > environment > this file > built-in defaults. The
//! CLI resolves flags and environment itself, so [`overlay`] only fills in
//! what the CLI reports as not given explicitly. A broken file stops the
//! start with its path, line and column (silently falling back to
//! defaults could, e.g., drop a password); unknown keys are only warned
//! about, so newer or Paseo-specific settings do not break a start.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::config::DaemonConfig;
use crate::transport::auth::{Password, PasswordError};

/// Name of the file inside `$PASEO_HOME`.
pub const CONFIG_FILE: &str = "config.json";

/// Why the config file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    /// The file exists but cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The config file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// Not JSON, or a value of the wrong type.
    #[error("invalid config file {}, line {line}, column {column}: {message}", path.display())]
    Invalid {
        /// The config file.
        path: PathBuf,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// `daemon.listen` is not an address.
    #[error("invalid config file {}: daemon.listen: {message}", path.display())]
    Listen {
        /// The config file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// `daemon.auth.password` is unusable (empty).
    #[error("invalid config file {}: daemon.auth.password: {source}", path.display())]
    Password {
        /// The config file.
        path: PathBuf,
        /// What is wrong.
        #[source]
        source: PasswordError,
    },
}

#[derive(Debug, Default, Deserialize)]
struct Root {
    #[serde(default)]
    daemon: Section,
    #[serde(flatten)]
    unknown: BTreeMap<String, IgnoredAny>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Section {
    listen: Option<String>,
    #[serde(default)]
    auth: Auth,
    allowed_hosts: Option<HostList>,
    cors_origins: Option<Vec<String>>,
    hello_timeout_ms: Option<u64>,
    request_timeout_ms: Option<u64>,
    prompt_timeout_ms: Option<u64>,
    idle_agent_timeout_ms: Option<u64>,
    session_grace_ms: Option<u64>,
    diff_poll_ms: Option<u64>,
    shutdown_grace_ms: Option<u64>,
    max_frame_bytes: Option<usize>,
    #[serde(flatten)]
    unknown: BTreeMap<String, IgnoredAny>,
}

#[derive(Debug, Default, Deserialize)]
struct Auth {
    password: Option<Secret>,
    #[serde(flatten)]
    unknown: BTreeMap<String, IgnoredAny>,
}

/// A password string. Its own error message, because serde's would quote
/// a mistyped value (`invalid type: integer `123456``) into the log.
#[derive(Debug)]
struct Secret(String);

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer) {
            Ok(serde_json::Value::String(text)) => Ok(Secret(text)),
            _ => Err(serde::de::Error::custom(
                "daemon.auth.password must be a string",
            )),
        }
    }
}

/// `allowedHosts`: a list, or `true` for any host (as in Paseo/Vite).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum HostList {
    Any(bool),
    List(Vec<String>),
}

/// Reads `<config.home>/config.json` (if present) and applies every value
/// whose setting was not given explicitly. `explicit(id)` answers for the
/// CLI's argument ids: `listen`, `password`, `allowed_host`, `cors_origin`,
/// `hello_timeout_ms`, `request_timeout_ms`, `prompt_timeout_ms`,
/// `agent_idle_timeout_ms`, `session_grace_ms`, `diff_poll_ms`,
/// `shutdown_grace_ms`, `max_frame_bytes`.
pub fn overlay(
    config: &mut DaemonConfig,
    explicit: impl Fn(&str) -> bool,
) -> Result<(), ConfigFileError> {
    let path = config.home.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(ConfigFileError::Read { path, source }),
    };
    let root: Root = serde_json::from_str(&text).map_err(|err| ConfigFileError::Invalid {
        path: path.clone(),
        line: err.line(),
        column: err.column(),
        message: strip_position(&err.to_string()),
    })?;
    warn_unknown(&path, &root);
    let daemon = root.daemon;
    let set = |id: &str| !explicit(id);
    if let Some(listen) = daemon.listen.filter(|_| set("listen")) {
        config.listen = parse_listen(&listen).map_err(|message| ConfigFileError::Listen {
            path: path.clone(),
            message,
        })?;
    }
    if let Some(Secret(plain)) = daemon.auth.password.filter(|p| !p.0.is_empty()) {
        warn_if_readable(&path);
        if set("password") {
            let password = Password::new(&plain, "daemon.auth.password");
            config.password = Some(password.map_err(|source| ConfigFileError::Password {
                path: path.clone(),
                source,
            })?);
        }
    }
    if let Some(hosts) = daemon.allowed_hosts.filter(|_| set("allowed_host")) {
        config.allowed_hosts = match hosts {
            HostList::Any(true) => vec!["*".to_owned()],
            HostList::Any(false) => Vec::new(),
            HostList::List(list) => list,
        };
    }
    if let Some(origins) = daemon.cors_origins.filter(|_| set("cors_origin")) {
        config.cors_origins = origins;
    }
    let ms = |value: Option<u64>, id: &str| value.filter(|_| set(id)).map(Duration::from_millis);
    let durations = [
        (
            ms(daemon.hello_timeout_ms, "hello_timeout_ms"),
            &mut config.hello_timeout,
        ),
        (
            ms(daemon.request_timeout_ms, "request_timeout_ms"),
            &mut config.request_timeout,
        ),
        (
            ms(daemon.prompt_timeout_ms, "prompt_timeout_ms"),
            &mut config.prompt_timeout,
        ),
        (
            ms(daemon.idle_agent_timeout_ms, "agent_idle_timeout_ms"),
            &mut config.agent_idle_timeout,
        ),
        (
            ms(daemon.session_grace_ms, "session_grace_ms"),
            &mut config.session_grace,
        ),
        (
            ms(daemon.diff_poll_ms, "diff_poll_ms"),
            &mut config.diff_poll_interval,
        ),
        (
            ms(daemon.shutdown_grace_ms, "shutdown_grace_ms"),
            &mut config.shutdown_grace,
        ),
    ];
    for (value, field) in durations {
        if let Some(value) = value {
            *field = value;
        }
    }
    if let Some(bytes) = daemon.max_frame_bytes.filter(|_| set("max_frame_bytes")) {
        config.max_frame_bytes = bytes;
    }
    tracing::info!(path = %path.display(), "applied the config file");
    Ok(())
}

/// Parses a listen address: `IP:PORT`, `localhost:PORT` or a bare port
/// (loopback).
pub fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    let text = text.trim();
    if let Ok(addr) = text.parse::<SocketAddr>() {
        return Ok(addr);
    }
    let port_text = text.strip_prefix("localhost:").unwrap_or(text);
    port_text
        .parse::<u16>()
        .map(|port| SocketAddr::from((Ipv4Addr::LOCALHOST, port)))
        .map_err(|_| format!("expected IP:PORT, localhost:PORT or PORT, got {text:?}"))
}

/// serde_json appends " at line L column C"; we print those separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

fn warn_unknown(path: &Path, root: &Root) {
    let keys = root
        .unknown
        .keys()
        .filter(|k| !k.starts_with('$'))
        .cloned()
        .chain(root.daemon.unknown.keys().map(|k| format!("daemon.{k}")))
        .chain(
            root.daemon
                .auth
                .unknown
                .keys()
                .map(|k| format!("daemon.auth.{k}")),
        );
    for key in keys {
        tracing::warn!(path = %path.display(), key, "ignoring an unknown key in the config file");
    }
}

fn warn_if_readable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path)
        && meta.permissions().mode() & 0o077 != 0
    {
        tracing::warn!(path = %path.display(), "the config file holds the daemon password but other users may read it; chmod 600 it");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_with(text: &str) -> (tempfile::TempDir, DaemonConfig) {
        let home = tempfile::tempdir().expect("tempdir");
        std::fs::write(home.path().join(CONFIG_FILE), text).expect("write");
        let config = DaemonConfig::new(crate::DEFAULT_LISTEN, home.path().to_path_buf());
        (home, config)
    }

    #[test]
    fn values_apply_unless_explicit() {
        let (_home, mut config) = config_with(
            r#"{"daemon":{"listen":"127.0.0.1:7000","auth":{"password":"pw"},"allowedHosts":true,
                "corsOrigins":["https://app.example"],"helloTimeoutMs":1234,"maxFrameBytes":99,
                "idleAgentTimeoutMs":5,"future":1},"other":{}}"#,
        );
        overlay(&mut config, |id| id == "max_frame_bytes").expect("overlay");
        assert_eq!(config.listen, SocketAddr::from(([127, 0, 0, 1], 7000)));
        assert!(config.password.as_ref().is_some_and(|p| p.matches("pw")));
        assert_eq!(config.allowed_hosts, vec!["*".to_owned()]);
        assert_eq!(config.cors_origins, vec!["https://app.example".to_owned()]);
        assert_eq!(config.hello_timeout, Duration::from_millis(1234));
        assert_eq!(config.agent_idle_timeout, Duration::from_millis(5));
        assert_eq!(
            config.max_frame_bytes,
            crate::DEFAULT_MAX_FRAME_BYTES,
            "explicit wins"
        );
    }

    #[test]
    fn errors_name_file_and_line() {
        let (_home, mut config) = config_with("{\n  \"daemon\": {\n    \"listen\": 5,\n  }\n}");
        let err = overlay(&mut config, |_| false).expect_err("invalid");
        let text = err.to_string();
        assert!(text.contains("config.json, line 3"), "{text}");
        let (_home, mut config) = config_with("{\n  \"daemon\": {,\n}");
        let text = overlay(&mut config, |_| false)
            .expect_err("invalid")
            .to_string();
        assert!(text.contains("line 2"), "{text}");
        let (_home, mut config) = config_with(r#"{"daemon":{"auth":{"password":987654}}}"#);
        let text = overlay(&mut config, |_| false)
            .expect_err("invalid")
            .to_string();
        assert!(
            text.contains("must be a string") && !text.contains("987654"),
            "{text}"
        );
    }

    #[test]
    fn missing_file_changes_nothing() {
        let home = tempfile::tempdir().expect("tempdir");
        let mut config = DaemonConfig::new(crate::DEFAULT_LISTEN, home.path().to_path_buf());
        overlay(&mut config, |_| false).expect("no file");
        assert_eq!(config.listen, crate::DEFAULT_LISTEN);
        assert!(config.password.is_none());
    }

    #[test]
    fn listen_forms() {
        assert_eq!(
            parse_listen("127.0.0.1:0"),
            Ok(SocketAddr::from(([127, 0, 0, 1], 0)))
        );
        assert_eq!(
            parse_listen("localhost:7000"),
            Ok(SocketAddr::from(([127, 0, 0, 1], 7000)))
        );
        assert_eq!(
            parse_listen("6767"),
            Ok(SocketAddr::from(([127, 0, 0, 1], 6767)))
        );
        assert!(parse_listen("[::1]:80").is_ok());
        assert!(parse_listen("example.com:80").is_err());
    }
}
