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
    /// The operator's password (held hashed). Without one, and when auth
    /// is on, a one-time login link is printed at start.
    pub password: Option<daemon::auth::Password>,
    /// Serve HTTPS with this certificate and key.
    pub tls: Option<daemon::tls::TlsFiles>,
    /// Allow plain HTTP on a non-loopback address (a private network or a
    /// TLS-terminating proxy the operator trusts).
    pub insecure_http: bool,
    /// Daemon hosts browsers may add (`host` or `host:port`, `*.domain`);
    /// empty: any. Applies to watching and to "test connection".
    pub daemon_hosts: Vec<String>,
    /// PEM files of CAs (or self-signed daemon certificates) trusted for
    /// `wss://` daemons besides the built-in roots.
    pub daemon_ca: Vec<PathBuf>,
    /// Largest request body accepted (server function arguments, login).
    pub max_body_bytes: usize,
    /// How long a closed tab's token still reaches its hosts.
    pub tab_grace: std::time::Duration,
}

/// Default [`ServerConfig::max_body_bytes`]: a long prompt fits, a flood does not.
pub const DEFAULT_MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Why the server could not start or serve.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(
        "refusing to listen on {0} over plain HTTP: pass --tls-cert and --tls-key, or --insecure-http on a private network (README, \"Remote use\")"
    )]
    PlainHttpBeyondLoopback(SocketAddr),
    #[error(transparent)]
    Tls(#[from] daemon::tls::TlsError),
    #[error(transparent)]
    Password(#[from] daemon::auth::PasswordError),
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
        Ok(Self {
            listen,
            embedded_daemon,
            daemon_home,
            fallback_ws_url: fallback_url(daemon_listen),
            site_root,
            allowed_hosts,
            password: None,
            tls: None,
            insecure_http: false,
            daemon_hosts: Vec::new(),
            daemon_ca: Vec::new(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            tab_grace: app::api::tabs::DEFAULT_GRACE,
        })
    }

    /// Beyond loopback, plain HTTP only when the operator said so.
    pub fn check(&self) -> Result<(), ServerError> {
        if !self.listen.ip().is_loopback() && self.tls.is_none() && !self.insecure_http {
            return Err(ServerError::PlainHttpBeyondLoopback(self.listen));
        }
        Ok(())
    }

    /// Whether requests need a login: always beyond loopback, and on
    /// loopback when the operator set a password.
    pub fn auth_required(&self) -> bool {
        !self.listen.ip().is_loopback() || self.password.is_some()
    }

    /// `http` or `https`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
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

    fn config(listen: &str) -> ServerConfig {
        ServerConfig::new(
            listen.parse().expect("addr"),
            None,
            "127.0.0.1:6767".parse().expect("addr"),
            PathBuf::from("/tmp/h"),
            PathBuf::from("target/site"),
            vec![],
        )
        .expect("config")
    }

    #[test]
    fn plain_http_beyond_loopback_is_refused_unless_insecure_http() {
        let mut remote = config("0.0.0.0:3000");
        let err = remote.check().expect_err("must refuse");
        assert!(err.to_string().contains("--insecure-http"), "{err}");
        assert!(remote.auth_required());
        remote.insecure_http = true;
        assert!(remote.check().is_ok());
        let local = config("127.0.0.1:3000");
        assert!(local.check().is_ok());
        assert!(!local.auth_required());
    }
}
