//! `paseo-daemon`: the command-line face of the daemon library. Parses
//! flags (each with an environment variable, as Paseo's daemon has), sets
//! up logging, runs until SIGINT/SIGTERM, then shuts down gracefully.
//!
//! Precedence: flags > environment > `$PASEO_HOME/config.json` > defaults;
//! clap resolves the first two and reports which values were given, and
//! `daemon::config_file::overlay` fills in the rest from the file. The
//! password has no flag of its own (it would show in `ps`): it comes from
//! `--password-file`, `PASEO_PASSWORD` or the file.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser};
use daemon::auth::Password;
use daemon::{DEFAULT_MAX_FRAME_BYTES, DaemonConfig, RunningDaemon, default_home};
use tracing_subscriber::EnvFilter;

/// Runs this machine's coding agents and serves them over Paseo protocol v1
/// (WebSocket at ws://ADDR/ws).
#[derive(Debug, Parser)]
#[command(name = "paseo-daemon", version, about, after_help = AFTER_HELP)]
struct Cli {
    /// Address to listen on: IP:PORT, localhost:PORT or a bare port.
    /// Non-loopback addresses need a password. Port 0 picks a free port;
    /// the log says which. Config: daemon.listen.
    #[arg(long, env = "PASEO_LISTEN", default_value = "127.0.0.1:6767", value_parser = parse_listen)]
    listen: SocketAddr,

    /// Daemon home (server id, lock file, later agents). Default: ~/.paseo.
    #[arg(long, env = "PASEO_HOME")]
    home: Option<PathBuf>,

    /// Milliseconds a new connection has to send hello before it is closed (4001).
    #[arg(long, env = "PASEO_HELLO_TIMEOUT_MS", default_value_t = 15_000)]
    hello_timeout_ms: u64,

    /// Largest WebSocket frame or message accepted, in bytes.
    #[arg(long, env = "PASEO_MAX_FRAME_BYTES", default_value_t = DEFAULT_MAX_FRAME_BYTES)]
    max_frame_bytes: usize,

    /// Use this server id instead of the one persisted in the home.
    #[arg(long, env = "PASEO_SERVER_ID")]
    server_id: Option<String>,

    /// Milliseconds a turn may run before it fails with a timeout (default 30 min).
    #[arg(long, env = "PASEO_PROMPT_TIMEOUT_MS", default_value_t = daemon::DEFAULT_PROMPT_TIMEOUT.as_millis() as u64)]
    prompt_timeout_ms: u64,

    /// Milliseconds an agent process may sit idle before it is stopped
    /// (it restarts on the next prompt; default 10 min).
    #[arg(long, env = "PASEO_AGENT_IDLE_TIMEOUT_MS", default_value_t = daemon::DEFAULT_AGENT_IDLE_TIMEOUT.as_millis() as u64)]
    agent_idle_timeout_ms: u64,

    /// Milliseconds a disconnected client's session (subscriptions) is
    /// kept for a reconnect with the same clientId.
    #[arg(long, env = "PASEO_SESSION_GRACE_MS", default_value_t = daemon::DEFAULT_SESSION_GRACE.as_millis() as u64)]
    session_grace_ms: u64,

    /// Milliseconds between checks of the work tree by checkout diff subscriptions.
    #[arg(long, env = "PASEO_DIFF_POLL_MS", default_value_t = 1_000)]
    diff_poll_ms: u64,

    /// File holding the daemon password (one trailing newline is dropped).
    /// Overrides PASEO_PASSWORD and daemon.auth.password.
    #[arg(long, env = "PASEO_PASSWORD_FILE", value_name = "PATH")]
    password_file: Option<PathBuf>,

    /// Hostname accepted in the Host header besides loopback names and IP
    /// addresses (repeatable or comma-separated; `*` = any, `.example.com`
    /// = domain and subdomains). Env alias: PASEO_HOSTNAMES. Config:
    /// daemon.allowedHosts.
    #[arg(
        long = "allowed-host",
        env = "PASEO_ALLOWED_HOSTS",
        value_delimiter = ',',
        value_name = "HOST"
    )]
    allowed_host: Vec<String>,

    /// Browser origin allowed besides same-origin and loopback pages, e.g.
    /// https://app.example (repeatable or comma-separated; `*` = any).
    /// Config: daemon.corsOrigins.
    #[arg(
        long = "cors-origin",
        env = "PASEO_CORS_ORIGINS",
        value_delimiter = ',',
        value_name = "ORIGIN"
    )]
    cors_origin: Vec<String>,

    /// Milliseconds one request to an agent provider may take.
    #[arg(long, env = "PASEO_REQUEST_TIMEOUT_MS", default_value_t = daemon::config::DEFAULT_REQUEST_TIMEOUT.as_millis() as u64)]
    request_timeout_ms: u64,

    /// PEM certificate chain: serve wss:// instead of ws:// (with --tls-key).
    /// For a daemon reached over a network; clients must trust the
    /// certificate (paseo-web: --daemon-ca).
    #[arg(
        long,
        env = "PASEO_TLS_CERT",
        value_name = "PATH",
        requires = "tls_key"
    )]
    tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert.
    #[arg(
        long,
        env = "PASEO_TLS_KEY",
        value_name = "PATH",
        requires = "tls_cert"
    )]
    tls_key: Option<PathBuf>,

    /// Milliseconds a stopping daemon waits for sockets to close.
    #[arg(long, env = "PASEO_SHUTDOWN_GRACE_MS", default_value_t = 5_000)]
    shutdown_grace_ms: u64,
}

/// The `--help` epilogue: what has no flag, and the config file.
const AFTER_HELP: &str = "\
Password: PASEO_PASSWORD, --password-file or daemon.auth.password. WebSocket
clients offer the subprotocol paseo.bearer.<password>; HTTP clients send
Authorization: Bearer <password> (/api/health needs none).

Config file: $PASEO_HOME/config.json, e.g.
  {\"daemon\": {\"listen\": \"127.0.0.1:6767\", \"auth\": {\"password\": \"...\"},
   \"allowedHosts\": [], \"corsOrigins\": [], \"helloTimeoutMs\": 15000,
   \"requestTimeoutMs\": 60000, \"promptTimeoutMs\": 1800000,
   \"idleAgentTimeoutMs\": 600000, \"sessionGraceMs\": 90000, \"diffPollMs\": 1000,
   \"shutdownGraceMs\": 5000, \"maxFrameBytes\": 16777216}}
Precedence: flags > environment > config file > defaults.";

/// What clap cannot tell: which values were given explicitly, and the
/// password from the environment.
struct Given {
    ids: Vec<String>,
    env_password: Option<Password>,
}

/// Reads `PASEO_PASSWORD` and removes it from the environment so agent
/// processes do not inherit it. Empty means unset.
#[allow(
    unsafe_code,
    reason = "removing an env var before any thread exists (see SAFETY)"
)]
fn take_env_password() -> Result<Option<Password>, String> {
    let value = std::env::var_os("PASEO_PASSWORD");
    // SAFETY: called from `main` before the runtime or any other thread
    // exists, so nothing reads the environment concurrently.
    unsafe { std::env::remove_var("PASEO_PASSWORD") };
    match value.map(|v| v.into_string()) {
        None => Ok(None),
        Some(Ok(text)) if text.is_empty() => Ok(None),
        Some(Ok(text)) => Password::new(&text, "PASEO_PASSWORD")
            .map(Some)
            .map_err(|e| e.to_string()),
        Some(Err(_)) => Err("PASEO_PASSWORD is not valid UTF-8".to_owned()),
    }
}

fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    daemon::config_file::parse_listen(text)
}

fn main() -> ExitCode {
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit());
    let ids = matches
        .ids()
        .filter(|id| {
            matches!(
                matches.value_source(id.as_str()),
                Some(ValueSource::CommandLine | ValueSource::EnvVariable)
            )
        })
        .map(|id| id.to_string())
        .collect();
    let env_password = match take_env_password() {
        Ok(password) => password,
        Err(err) => {
            eprintln!("paseo-daemon: error: {err}");
            return ExitCode::FAILURE;
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("paseo-daemon: error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, Given { ids, env_password })) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // The causes on one line; anyhow prints a backtrace only with
            // `{:?}`, never used here.
            eprintln!("paseo-daemon: error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// An error and its causes on one line, each cause once (our error types
/// often name their source in their own message already).
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line
}

async fn run(cli: Cli, given: Given) -> anyhow::Result<()> {
    let mut config = DaemonConfig::new(cli.listen, cli.home.unwrap_or_else(default_home));
    config.hello_timeout = Duration::from_millis(cli.hello_timeout_ms);
    config.max_frame_bytes = cli.max_frame_bytes;
    config.server_id = cli.server_id;
    config.prompt_timeout = Duration::from_millis(cli.prompt_timeout_ms);
    config.agent_idle_timeout = Duration::from_millis(cli.agent_idle_timeout_ms);
    config.session_grace = Duration::from_millis(cli.session_grace_ms);
    config.diff_poll_interval = Duration::from_millis(cli.diff_poll_ms);
    config.request_timeout = Duration::from_millis(cli.request_timeout_ms);
    config.shutdown_grace = Duration::from_millis(cli.shutdown_grace_ms);
    config.password = match &cli.password_file {
        Some(path) => Some(Password::from_file(path)?),
        None => given.env_password,
    };
    config.allowed_hosts = match cli.allowed_host.is_empty() {
        true => env_list("PASEO_HOSTNAMES"),
        false => cli.allowed_host,
    };
    config.cors_origins = cli.cors_origin;
    config.tls = cli
        .tls_cert
        .zip(cli.tls_key)
        .map(|(cert, key)| daemon::tls::TlsFiles { cert, key });
    let (has_password, has_hosts) = (config.password.is_some(), !config.allowed_hosts.is_empty());
    daemon::config_file::overlay(&mut config, |id| match id {
        "password" => has_password,
        "allowed_host" => has_hosts,
        _ => given.ids.iter().any(|given| given == id),
    })?;
    let daemon = RunningDaemon::start(config)
        .await
        .context("cannot start the daemon")?;
    wait_for_stop_signal().await?;
    tracing::info!("stop signal received, shutting down");
    daemon.shutdown().await;
    Ok(())
}

/// A comma-separated environment list (for `PASEO_HOSTNAMES`).
fn env_list(name: &str) -> Vec<String> {
    std::env::var(name)
        .map(|v| {
            v.split(',')
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

async fn wait_for_stop_signal() -> anyhow::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.context("cannot listen for SIGINT"),
        _ = terminate.recv() => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
