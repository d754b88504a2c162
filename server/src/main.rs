//! `paseo-web`: the web server binary. Parses the command line, starts the
//! embedded local daemon (unless told not to), the hub, and the HTTP server.

use anyhow::Context;
use clap::Parser;
use tracing_subscriber::EnvFilter;

use server::cli::Cli;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let running = server::start(cli.into_config()?)
        .await
        .context("starting paseo-web")?;
    println!("paseo-web listening on http://{}", running.local_addr());
    running.wait_for_shutdown_signal().await;
    Ok(())
}
