//! `paseo-daemon`: the command-line face of the daemon library. Parses
//! flags (each with an environment variable, as Paseo's daemon has), sets
//! up logging, runs until SIGINT/SIGTERM, then shuts down gracefully.

use std::io::IsTerminal;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use daemon::{DEFAULT_MAX_FRAME_BYTES, DaemonConfig, RunningDaemon, default_home};
use tracing_subscriber::EnvFilter;

/// Runs this machine's coding agents and serves them over Paseo protocol v1
/// (WebSocket at ws://ADDR/ws).
#[derive(Debug, Parser)]
#[command(name = "paseo-daemon", version, about)]
struct Cli {
    /// Address to listen on: IP:PORT, localhost:PORT or a bare port.
    /// Only loopback addresses are accepted (no password auth yet).
    /// Port 0 picks a free port; the log says which.
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
}

fn parse_listen(text: &str) -> Result<SocketAddr, String> {
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

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("paseo-daemon: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = DaemonConfig::new(cli.listen, cli.home.unwrap_or_else(default_home));
    config.hello_timeout = Duration::from_millis(cli.hello_timeout_ms);
    config.max_frame_bytes = cli.max_frame_bytes;
    config.server_id = cli.server_id;
    config.prompt_timeout = Duration::from_millis(cli.prompt_timeout_ms);
    config.agent_idle_timeout = Duration::from_millis(cli.agent_idle_timeout_ms);
    config.session_grace = Duration::from_millis(cli.session_grace_ms);
    config.diff_poll_interval = Duration::from_millis(cli.diff_poll_ms);
    let daemon = RunningDaemon::start(config)
        .await
        .context("cannot start the daemon")?;
    wait_for_stop_signal().await?;
    tracing::info!("stop signal received, shutting down");
    daemon.shutdown().await;
    Ok(())
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
