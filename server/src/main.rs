//! `paseo-web`: the web server binary. Parses the command line, starts the
//! embedded local daemon (unless told not to), the hub, and the HTTP server;
//! on SIGTERM or Ctrl-C it shuts down gracefully (live sockets closed with
//! 1001, the embedded daemon's agents persisted and stopped).
//!
//! A start that fails (the address in use or refused, a missing site, the
//! embedded daemon's own errors) prints one line, `paseo-web: error: …`,
//! and exits with status 1: never a panic or a backtrace, whatever
//! `RUST_BACKTRACE` says.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use daemon::auth::Password;
use server::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let env_password = match take_env_password() {
        Ok(password) => password,
        Err(err) => {
            eprintln!("paseo-web: error: {err}");
            return ExitCode::FAILURE;
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_ansi(std::io::stdout().is_terminal())
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("paseo-web: error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli, env_password)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // The causes on one line; anyhow prints a backtrace only with
            // `{:?}`, never used here.
            eprintln!("paseo-web: error: {}", one_line(&err));
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

/// Reads `PASEO_WEB_PASSWORD` and removes it from the environment, so the
/// embedded daemon's agent processes do not inherit it. Empty means unset.
#[allow(
    unsafe_code,
    reason = "removing an env var before any thread exists (see SAFETY)"
)]
fn take_env_password() -> Result<Option<Password>, String> {
    let value = std::env::var_os("PASEO_WEB_PASSWORD");
    // SAFETY: called from `main` before the runtime or any other thread
    // exists, so nothing reads the environment concurrently.
    unsafe { std::env::remove_var("PASEO_WEB_PASSWORD") };
    match value.map(|v| v.into_string()) {
        None => Ok(None),
        Some(Ok(text)) if text.is_empty() => Ok(None),
        Some(Ok(text)) => Password::new(&text, "PASEO_WEB_PASSWORD")
            .map(Some)
            .map_err(|e| e.to_string()),
        Some(Err(_)) => Err("PASEO_WEB_PASSWORD is not valid UTF-8".to_owned()),
    }
}

async fn run(cli: Cli, env_password: Option<Password>) -> anyhow::Result<()> {
    let config = cli.into_config(env_password)?;
    let scheme = config.scheme();
    let running = server::start(config).await.context("cannot start")?;
    // Take over SIGTERM and SIGINT before saying we are up: whoever reads
    // the line below may signal at once, and the default action would kill
    // the process without a graceful shutdown.
    let signals = server::StopSignals::listen().context("cannot listen for SIGTERM/SIGINT")?;
    println!("paseo-web listening on {scheme}://{}", running.local_addr());
    // Standard output only, never the log: whoever reads the log must not
    // be able to log in with it.
    if let Some(url) = running.login_url() {
        println!("paseo-web: log in once with {url}");
    }
    running.wait_for_shutdown_signal(signals).await;
    Ok(())
}
