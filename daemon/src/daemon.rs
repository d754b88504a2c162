//! The daemon's lifecycle: [`RunningDaemon::start`] binds and serves in the
//! background; [`RunningDaemon::shutdown`] stops accepting, closes every
//! socket with 1001 and releases `$PASEO_HOME`.
//!
//! Start order matters: the home lock is taken before binding, so a second
//! daemon on the same home reports the lock (the real problem) even when it
//! would also collide on the port.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::config::DaemonConfig;
use crate::error::DaemonError;
use crate::home::LockedHome;
use crate::identity;
use crate::rpc::server_info;
use crate::state::DaemonState;
use crate::transport::http;

/// A daemon serving in the background of the current tokio runtime.
///
/// Dropping it without [`shutdown`](Self::shutdown) also stops the server,
/// but without waiting for sockets to close.
#[derive(Debug)]
pub struct RunningDaemon {
    local_addr: SocketAddr,
    server_id: String,
    grace: Duration,
    stop: watch::Sender<bool>,
    serve: JoinHandle<()>,
    alive: mpsc::Receiver<()>,
    agents: Arc<crate::agents::AgentManager>,
    _home: LockedHome,
}

impl RunningDaemon {
    /// Locks the home, resolves the server id, binds `config.listen` and
    /// starts serving. Returns once the socket is listening.
    pub async fn start(config: DaemonConfig) -> Result<RunningDaemon, DaemonError> {
        if !config.listen.ip().is_loopback() && config.password.is_none() {
            return Err(DaemonError::NonLoopbackListen {
                addr: config.listen,
            });
        }
        let home = LockedHome::acquire(&config.home)?;
        crate::fd_limit::raise_nofile_limit();
        // Before any agent starts: kill what a SIGKILLed predecessor left.
        let procs = Arc::new(crate::procs::ProcessLedger::open(home.path())?);
        let reaper = procs.clone();
        if let Err(err) = tokio::task::spawn_blocking(move || reaper.reap_stale()).await {
            tracing::error!(%err, "reaping stale agent processes failed");
        }
        let server_id = identity::resolve_server_id(home.path(), config.server_id.as_deref())?;
        let bind_err = |source| DaemonError::Bind {
            addr: config.listen,
            source,
        };
        // Read before binding: a bad certificate is reported as such.
        let tls = config
            .tls
            .as_ref()
            .map(crate::tls::server_config)
            .transpose()?;
        let listener = TcpListener::bind(config.listen).await.map_err(bind_err)?;
        let local_addr = listener.local_addr().map_err(bind_err)?;

        let providers = Arc::new(crate::provider::ProviderRegistry::discover_with_ledger(
            home.path(),
            Some(procs.clone()),
        ));
        let clients = crate::rpc::clients::Clients::new(config.session_grace);
        let agents = crate::agents::AgentManager::start(
            home.path(),
            providers.clone(),
            clients.clone(),
            server_id.clone(),
            crate::agents::AgentSettings::from_config(&config),
        )?;
        let (stop, stop_rx) = watch::channel(false);
        let (alive_tx, alive) = mpsc::channel(1);
        let state = Arc::new(DaemonState {
            server_info: server_info(server_id.clone(), identity::hostname()),
            listen: local_addr,
            hello_timeout: config.hello_timeout,
            max_frame_bytes: config.max_frame_bytes,
            shutdown: stop_rx.clone(),
            diff_poll_interval: config.diff_poll_interval,
            providers,
            agents: agents.clone(),
            clients,
            access: Arc::new(crate::transport::access::AccessPolicy::new(
                config.password.clone(),
                &config.allowed_hosts,
                &config.cors_origins,
            )),
            procs,
            _alive: alive_tx,
        });
        let app = http::router(state);
        let mut stopping = stop_rx;
        let scheme = if tls.is_some() { "wss" } else { "ws" };
        let serve = tokio::spawn(async move {
            let signal = async move {
                // Err means the RunningDaemon was dropped: stop as well.
                let _ = stopping.wait_for(|stop| *stop).await;
            };
            let served = match tls {
                Some(tls) => match crate::tls::TlsListener::new(listener, tls) {
                    Ok(listener) => {
                        axum::serve(listener, app)
                            .with_graceful_shutdown(signal)
                            .await
                    }
                    Err(err) => Err(err),
                },
                None => {
                    axum::serve(listener, app)
                        .with_graceful_shutdown(signal)
                        .await
                }
            };
            if let Err(err) = served {
                tracing::error!(%err, "server stopped with an error");
            }
        });
        tracing::info!(
            server_id = %server_id,
            home = %home.path().display(),
            password = config.password.is_some(),
            "listening on {scheme}://{local_addr}/ws"
        );
        Ok(RunningDaemon {
            local_addr,
            server_id,
            grace: config.shutdown_grace,
            stop,
            serve,
            alive,
            agents,
            _home: home,
        })
    }

    /// The bound address (with the real port when started on port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// This daemon's `srv_` id, as sent in `server_info`.
    pub fn server_id(&self) -> &str {
        &self.server_id
    }

    /// Stops accepting, closes every socket (code 1001) and waits up to the
    /// configured grace period for them to finish; then releases the home.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        let deadline = tokio::time::Instant::now() + self.grace;
        if tokio::time::timeout_at(deadline, &mut self.serve)
            .await
            .is_err()
        {
            tracing::warn!("HTTP server did not stop within the grace period");
            self.serve.abort();
        }
        // Every connection holds the state; the channel closes with the last.
        if tokio::time::timeout_at(deadline, self.alive.recv())
            .await
            .is_err()
        {
            tracing::warn!("some connections did not close within the grace period");
        }
        // Before the home lock is released: stop agent processes and make
        // the store durable.
        self.agents.shutdown().await;
        tracing::info!("daemon stopped");
    }
}
