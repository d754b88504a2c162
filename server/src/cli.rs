//! Command line of `paseo-web`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

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

    /// Extra Host header values to accept (besides loopback names).
    #[arg(long = "allowed-host")]
    pub allowed_hosts: Vec<String>,
}

impl Cli {
    /// Validates the arguments into a [`ServerConfig`].
    pub fn into_config(self) -> Result<ServerConfig, ServerError> {
        ServerConfig::new(
            self.listen,
            (!self.no_embedded_daemon).then_some(self.daemon_listen),
            self.daemon_listen,
            self.daemon_home.unwrap_or_else(daemon::default_home),
            self.site_root,
            self.allowed_hosts,
        )
    }
}
