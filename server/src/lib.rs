//! The web server behind `paseo-web`.
//!
//! It wires four things together: the embedded local daemon (optional), the
//! [`hub::Hub`] that keeps one connection per daemon, the Leptos SSR routes
//! and server functions of [`app`], and the browser live channel
//! ([`live`]). Every request passes, outermost first: the request log
//! ([`access_log`], queries redacted), the security headers ([`headers`]:
//! CSP with a per-response nonce, framing, sniffing, referrer), the
//! Host/Origin [`guard`], the body size limit, and, when the server is
//! reachable beyond loopback, the login ([`auth`]).

pub mod access_log;
pub mod auth;
mod body_limit;
pub mod cli;
pub mod config;
pub mod guard;
pub mod headers;
pub mod live;
mod ssr;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use leptos::prelude::LeptosOptions;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_http::limit::RequestBodyLimitLayer;

pub use config::{ServerConfig, ServerError};

/// Label of the profile the server itself is configured with.
pub const LOCAL_LABEL: &str = "Local Host";

/// Shared by every request handler.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub hub: hub::Hub,
    pub config: Arc<ServerConfig>,
    /// The daemons the server keeps connected itself (embedded daemon).
    pub pinned: Arc<Vec<(String, hub::DaemonKey, String)>>,
    /// Live-channel tabs and the daemons each may reach (server functions).
    pub tabs: app::api::ssr::Tabs,
    /// Login sessions; `None` when the server needs no login (loopback
    /// without a password).
    pub auth: Option<Arc<auth::Auth>>,
    /// Becomes true when the server stops: live sockets close with 1001.
    /// [`RunningServer::shutdown`] waits until every holder is gone.
    pub shutdown: watch::Receiver<bool>,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// How long a stopping server waits for live sockets to close.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// A started server; dropping it does not stop it, call [`Self::shutdown`].
pub struct RunningServer {
    local_addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    daemon: Option<daemon::RunningDaemon>,
    login_url: Option<String>,
}

impl RunningServer {
    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The one-time login link (auth on, no password). The binary prints
    /// it on standard output; it never goes to the log.
    pub fn login_url(&self) -> Option<&str> {
        self.login_url.as_deref()
    }

    /// The embedded daemon's address, when there is one.
    pub fn daemon_addr(&self) -> Option<SocketAddr> {
        self.daemon.as_ref().map(daemon::RunningDaemon::local_addr)
    }

    /// Waits for Ctrl-C or SIGTERM (listened to since `signals` was
    /// made), then shuts down gracefully.
    pub async fn wait_for_shutdown_signal(self, mut signals: StopSignals) {
        signals.recv().await;
        tracing::info!("shutting down");
        self.shutdown().await;
    }

    /// Stops serving: HTTP requests in flight finish, live sockets are
    /// closed with 1001 "going away" (waiting up to 5 s for them), then
    /// the embedded daemon stops (its agents persisted and stopped, its
    /// own sockets closed with 1001).
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
        // Every live socket holds a receiver; the last one gone closes it.
        if tokio::time::timeout(SHUTDOWN_GRACE, self.stop.closed())
            .await
            .is_err()
        {
            tracing::warn!("some live sockets did not close within the grace period");
        }
        if let Some(daemon) = self.daemon {
            daemon.shutdown().await;
        }
    }
}

/// SIGTERM and SIGINT, listened to from the moment this is made: make it
/// before announcing that the server is up, or a signal sent right after
/// the announcement could still find the default action (death without a
/// graceful shutdown).
pub struct StopSignals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl StopSignals {
    /// Registers the handlers now.
    pub fn listen() -> std::io::Result<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Self {
                term: signal(SignalKind::terminate())?,
                int: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! { _ = self.term.recv() => {}, _ = self.int.recv() => {} }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Starts the embedded daemon (if configured), the hub and the HTTP server.
pub async fn start(mut config: ServerConfig) -> Result<RunningServer, ServerError> {
    config.check()?;
    let js = config.site_root.join("pkg/paseo-web.js");
    if !js.exists() {
        return Err(ServerError::MissingSite(config.site_root.clone()));
    }
    let tls = config
        .tls
        .as_ref()
        .map(daemon::tls::server_config)
        .transpose()?;
    let daemon = match config.embedded_daemon {
        Some(addr) => {
            let daemon_config = daemon::DaemonConfig::new(addr, config.daemon_home.clone());
            let running = daemon::RunningDaemon::start(daemon_config).await?;
            // With port 0 the real port is only known now.
            config.fallback_ws_url = config::fallback_url(running.local_addr());
            tracing::info!(
                addr = %running.local_addr(),
                server_id = running.server_id(),
                "embedded daemon started"
            );
            Some(running)
        }
        None => None,
    };

    let mut extra_roots = Vec::new();
    for path in &config.daemon_ca {
        extra_roots.extend(daemon::tls::read_certificates(path)?);
    }
    let hub = hub::Hub::new(hub::HubConfig {
        daemon_hosts: hub::HostAllowlist::new(&config.daemon_hosts),
        extra_roots,
        ..hub::HubConfig::default()
    });
    let mut pinned = Vec::new();
    if daemon.is_some() {
        let target = hub::DaemonTarget {
            url: config.fallback_ws_url.clone(),
            password: None,
            label: LOCAL_LABEL.to_owned(),
        };
        match hub.pin(target) {
            Ok(key) => pinned.push((LOCAL_LABEL.to_owned(), key, config.fallback_ws_url.clone())),
            Err(err) => tracing::warn!(%err, "cannot watch the embedded daemon"),
        }
    }

    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|source| ServerError::Bind {
            addr: config.listen,
            source,
        })?;
    let local_addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: config.listen,
        source,
    })?;

    let leptos_options = LeptosOptions::builder()
        .output_name("paseo-web")
        .site_root(config.site_root.to_string_lossy().into_owned())
        .site_pkg_dir("pkg")
        .site_addr(local_addr)
        .build();
    let (stop, mut stopped) = watch::channel(false);
    let (auth, login_url) = if config.auth_required() {
        let (auth, one_time) = auth::Auth::new(config.password.clone(), tls.is_some());
        let host = config
            .allowed_hosts
            .first()
            .map(|h| format!("{h}:{}", local_addr.port()))
            .unwrap_or_else(|| local_addr.to_string());
        let url = one_time.map(|t| format!("{}://{host}/login?token={t}", config.scheme()));
        (Some(Arc::new(auth)), url)
    } else {
        (None, None)
    };
    let tab_grace = config.tab_grace;
    let state = AppState {
        leptos_options,
        hub,
        config: Arc::new(config),
        pinned: Arc::new(pinned),
        tabs: app::api::ssr::Tabs::new(tab_grace),
        auth,
        shutdown: stopped.clone(),
    };
    let service = router(state).into_make_service_with_connect_info::<auth::Peer>();
    let task = tokio::spawn(async move {
        let signal = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        let served = match tls {
            Some(tls) => match daemon::tls::TlsListener::new(listener, tls) {
                Ok(listener) => {
                    axum::serve(listener, service)
                        .with_graceful_shutdown(signal)
                        .await
                }
                Err(err) => Err(err),
            },
            None => {
                axum::serve(listener, service)
                    .with_graceful_shutdown(signal)
                    .await
            }
        };
        if let Err(err) = served {
            tracing::error!(%err, "http server stopped with an error");
        }
    });
    tracing::info!(%local_addr, "paseo-web listening");
    Ok(RunningServer {
        local_addr,
        stop,
        task,
        daemon,
        login_url,
    })
}

/// All routes: health, login, the live channel, Leptos pages and server
/// functions, static files; wrapped in the layers listed in the crate docs.
fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let app_config = app::AppConfig::for_fallback(&state.config.fallback_ws_url);
    let context = ssr::context(state.clone());
    let shell_options = state.leptos_options.clone();
    let shell_config = app_config.clone();
    let fallback_config = app_config;
    Router::new()
        .route(
            "/api/health",
            get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
        )
        .route("/login", get(auth::login_page).post(auth::login_form))
        .route("/logout", post(auth::logout))
        .route("/live", get(live::upgrade))
        .leptos_routes_with_context(&state, routes, context.clone(), move || {
            app::shell(shell_options.clone(), shell_config.clone())
        })
        // With the same context as the routes: a 404 page hydrates under
        // the same CSP nonce.
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, move |options| {
            app::shell(options, fallback_config.clone())
        }))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_session,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            body_limit::buffer_body,
        ))
        .layer(RequestBodyLimitLayer::new(state.config.max_body_bytes))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::check_host_and_origin,
        ))
        .layer(axum::middleware::from_fn(headers::security_headers))
        .layer(axum::middleware::from_fn(access_log::log_requests))
        .with_state(state)
}
