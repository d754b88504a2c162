//! Command line of `paseo-web`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;
use daemon::auth::Password;

use crate::config::{ServerConfig, ServerError};

/// Run the Paseo web app: every agent of every daemon in one place.
///
/// By default it also runs a local daemon on 127.0.0.1:6767, so a fresh
/// install works with one command.
#[derive(Debug, Parser)]
#[command(name = "paseo-web", version, about, long_about = None)]
pub struct Cli {
    /// Address the web server listens on.
    #[arg(long, env = "PASEO_WEB_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Do not start the embedded local daemon (use a separate paseo-daemon).
    #[arg(long)]
    pub no_embedded_daemon: bool,

    /// Address of the embedded daemon; also the fallback profile's URL.
    #[arg(long, env = "PASEO_DAEMON_LISTEN", default_value = "127.0.0.1:6767")]
    pub daemon_listen: SocketAddr,

    /// Home directory of the embedded daemon (default: $PASEO_HOME or ~/.paseo).
    #[arg(long, env = "PASEO_HOME")]
    pub daemon_home: Option<PathBuf>,

    /// Directory holding the built site (pkg/ with the wasm bundle and CSS).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Extra Host header values to accept (besides loopback names): the
    /// name (or address) browsers use to reach this server remotely.
    #[arg(long = "allowed-host", value_delimiter = ',')]
    pub allowed_hosts: Vec<String>,

    /// File holding the operator's password (one trailing newline dropped).
    /// Also PASEO_WEB_PASSWORD. With a password, logging in is required
    /// even on loopback; without one, a non-loopback server prints a
    /// one-time login link on standard output.
    #[arg(long, env = "PASEO_WEB_PASSWORD_FILE", value_name = "PATH")]
    pub password_file: Option<PathBuf>,

    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(
        long,
        env = "PASEO_WEB_TLS_CERT",
        value_name = "PATH",
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert.
    #[arg(
        long,
        env = "PASEO_WEB_TLS_KEY",
        value_name = "PATH",
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,

    /// Serve plain HTTP on a non-loopback address (only on a private
    /// network you trust, or behind a TLS proxy): logins then travel in clear.
    #[arg(long)]
    pub insecure_http: bool,

    /// Daemon hosts browsers may add and test (repeatable or
    /// comma-separated: `host`, `host:port`, `*.domain`). Default: any.
    #[arg(
        long = "daemon-host",
        env = "PASEO_WEB_DAEMON_HOSTS",
        value_delimiter = ',',
        value_name = "HOST"
    )]
    pub daemon_hosts: Vec<String>,

    /// PEM file of a CA (or a daemon's self-signed certificate) to trust
    /// for wss:// daemons besides the built-in roots (repeatable).
    #[arg(
        long = "daemon-ca",
        env = "PASEO_WEB_DAEMON_CA",
        value_delimiter = ',',
        value_name = "PATH"
    )]
    pub daemon_ca: Vec<PathBuf>,

    /// Largest request body accepted, in bytes.
    #[arg(long, env = "PASEO_WEB_MAX_BODY_BYTES", default_value_t = crate::config::DEFAULT_MAX_BODY_BYTES)]
    pub max_body_bytes: usize,
}

impl Cli {
    /// Validates the arguments into a [`ServerConfig`]; `env_password` is
    /// PASEO_WEB_PASSWORD, read (and removed from the environment) by `main`.
    pub fn into_config(self, env_password: Option<Password>) -> Result<ServerConfig, ServerError> {
        let mut config = ServerConfig::new(
            self.listen,
            (!self.no_embedded_daemon).then_some(self.daemon_listen),
            self.daemon_listen,
            self.daemon_home.unwrap_or_else(daemon::default_home),
            self.site_root,
            self.allowed_hosts,
        )?;
        config.password = match &self.password_file {
            Some(path) => Some(Password::from_file(path)?),
            None => env_password,
        };
        config.tls = self
            .tls_cert
            .zip(self.tls_key)
            .map(|(cert, key)| daemon::tls::TlsFiles { cert, key });
        config.insecure_http = self.insecure_http;
        config.daemon_hosts = self.daemon_hosts;
        config.daemon_ca = self.daemon_ca;
        config.max_body_bytes = self.max_body_bytes;
        config.check()?;
        Ok(config)
    }
}
