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

use server::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    match runtime.block_on(run(cli)) {
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

async fn run(cli: Cli) -> anyhow::Result<()> {
    let running = server::start(cli.into_config()?)
        .await
        .context("cannot start")?;
    println!("paseo-web listening on http://{}", running.local_addr());
    running.wait_for_shutdown_signal().await;
    Ok(())
}
