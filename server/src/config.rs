//! Validated server settings and the server's error type.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Everything `paseo-web` needs to start, already checked.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// `Some(addr)`: run the embedded daemon there.
    pub embedded_daemon: Option<SocketAddr>,
    pub daemon_home: PathBuf,
    /// The fallback profile's URL (`ws://localhost:6767/ws` by default).
    pub fallback_ws_url: String,
    pub site_root: PathBuf,
    /// Host header values accepted besides loopback names.
    pub allowed_hosts: Vec<String>,
}

/// Why the server could not start or serve.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "refusing to listen on {0}: paseo-web has no authentication yet, so it only binds loopback addresses"
    )]
    NotLoopback(SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("site root {0} has no pkg/paseo-web.js: build it with `cargo xtask build`")]
    MissingSite(PathBuf),
    #[error("embedded daemon: {0}")]
    Daemon(#[from] daemon::DaemonError),
}

impl ServerConfig {
    /// Checks the settings and derives the fallback URL from the daemon port.
    pub fn new(
        listen: SocketAddr,
        embedded_daemon: Option<SocketAddr>,
        daemon_listen: SocketAddr,
        daemon_home: PathBuf,
        site_root: PathBuf,
        allowed_hosts: Vec<String>,
    ) -> Result<Self, ServerError> {
        if !listen.ip().is_loopback() {
            return Err(ServerError::NotLoopback(listen));
        }
        Ok(Self {
            listen,
            embedded_daemon,
            daemon_home,
            fallback_ws_url: fallback_url(daemon_listen),
            site_root,
            allowed_hosts,
        })
    }
}

/// `ws://localhost:PORT/ws` for a loopback daemon, else its address.
pub fn fallback_url(daemon: SocketAddr) -> String {
    if daemon.ip().is_loopback() {
        format!("ws://localhost:{}/ws", daemon.port())
    } else {
        format!("ws://{daemon}/ws")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_url_uses_localhost_for_loopback() {
        assert_eq!(
            fallback_url("127.0.0.1:6767".parse().expect("addr")),
            "ws://localhost:6767/ws"
        );
        assert_eq!(
            fallback_url("127.0.0.1:7000".parse().expect("addr")),
            "ws://localhost:7000/ws"
        );
    }

    #[test]
    fn non_loopback_listen_is_refused() {
        let err = ServerConfig::new(
            "0.0.0.0:3000".parse().expect("addr"),
            None,
            "127.0.0.1:6767".parse().expect("addr"),
            PathBuf::from("/tmp/h"),
            PathBuf::from("target/site"),
            vec![],
        )
        .expect_err("must refuse");
        assert!(err.to_string().contains("only binds loopback"));
    }
}
