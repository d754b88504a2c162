//! [`AcpProvider`]: a [`Provider`] that runs one ACP agent process per
//! session.
//!
//! One process per session keeps failures contained (a crash or a hang
//! affects one agent only) and makes "stop this agent" a plain process
//! group kill. Opening a session is `initialize` (protocol version 1, our
//! client info, no fs/terminal capabilities) then `session/new`, or
//! `session/load` to resume — which needs the agent's `loadSession`
//! capability. What the agent reports (modes, models, resume support) is
//! remembered so later snapshots can show it before any session exists.

use crate::procs::ProcessLedger;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::{Value, json};

use super::catalog::{self, Catalog};
use super::client::{AcpClient, ClientError};
use super::errors::ErrorContext;
use super::handler::{Handler, HandlerState};
use super::process::{AgentCommand, AgentProcess};
use super::session::{AcpSession, SessionInner};
use crate::provider::launch::Launch;
use crate::provider::{
    Availability, OpenSession, OpenedSession, Provider, ProviderError, ProviderInfo, SessionEvent,
};

pub use super::timeouts::AcpTimeouts;

/// How to run one ACP agent.
#[derive(Debug, Clone)]
pub struct AcpProviderConfig {
    /// What snapshots show before any session exists.
    pub info: ProviderInfo,
    /// Executable, arguments, environment.
    pub launch: Launch,
    /// What to do when the agent wants credentials ("Set ANTHROPIC_API_KEY
    /// … or run `claude /login`").
    pub auth_hint: Option<String>,
    /// Bounds on every exchange.
    pub timeouts: AcpTimeouts,
}

#[derive(Debug, Default)]
struct Learned {
    catalog: Catalog,
    supports_resume: Option<bool>,
}

struct Shared {
    config: AcpProviderConfig,
    learned: Mutex<Learned>,
    /// Where spawned process groups are recorded (none in unit tests).
    ledger: Option<Arc<ProcessLedger>>,
}

/// A provider backed by an ACP v1 agent executable.
#[derive(Clone)]
pub struct AcpProvider {
    shared: Arc<Shared>,
}

impl AcpProvider {
    /// A provider for `config`; nothing is started until [`Provider::open`].
    pub fn new(config: AcpProviderConfig) -> Self {
        Self::with_ledger(config, None)
    }

    /// Like [`AcpProvider::new`], recording every agent process group in
    /// `ledger` while it lives (see `crate::procs`).
    pub fn with_ledger(config: AcpProviderConfig, ledger: Option<Arc<ProcessLedger>>) -> Self {
        Self {
            shared: Arc::new(Shared {
                config,
                learned: Mutex::new(Learned::default()),
                ledger,
            }),
        }
    }

    /// The configuration this provider was built with.
    pub fn config(&self) -> &AcpProviderConfig {
        &self.shared.config
    }
}

impl Provider for AcpProvider {
    fn info(&self) -> ProviderInfo {
        let mut info = self.shared.config.info.clone();
        let learned = self
            .shared
            .learned
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if !learned.catalog.modes.is_empty() {
            info.modes = learned.catalog.modes.clone();
        }
        if !learned.catalog.models.is_empty() {
            info.models = learned.catalog.models.clone();
        }
        if let Some(resume) = learned.supports_resume {
            info.supports_resume = resume;
        }
        info
    }

    fn availability(&self) -> Availability {
        match self.shared.config.launch.resolve() {
            Ok(_) => Availability::Available,
            Err(reason) => Availability::Unavailable { reason },
        }
    }

    fn open(
        &self,
        request: OpenSession,
    ) -> BoxFuture<'static, Result<OpenedSession, ProviderError>> {
        Box::pin(open(self.shared.clone(), request))
    }

    fn auth_hint(&self) -> Option<String> {
        self.shared.config.auth_hint.clone()
    }
}

async fn open(shared: Arc<Shared>, request: OpenSession) -> Result<OpenedSession, ProviderError> {
    let config = &shared.config;
    let id = config.info.id.as_str();
    let errors = ErrorContext {
        provider: id.to_owned(),
        label: config.info.label.clone(),
        auth_hint: config.auth_hint.clone(),
    };
    let program = config
        .launch
        .resolve()
        .map_err(ProviderError::Unavailable)?;
    let cwd = std::path::absolute(&request.cwd).unwrap_or_else(|_| request.cwd.clone());
    let command = AgentCommand {
        program,
        args: config.launch.args.clone(),
        env: config.launch.env.clone(),
        cwd: cwd.clone(),
    };
    let (process, pipes) = AgentProcess::spawn(id, &command, shared.ledger.clone())
        .map_err(|err| ProviderError::Io(format!("Cannot start {}: {err}", errors.label)))?;
    let process = Arc::new(process);
    let state = HandlerState::new(id, request.events.clone());
    let client = AcpClient::start(
        id,
        pipes.stdout,
        pipes.stdin,
        Arc::new(Handler(state.clone())),
    );
    watch_exit(
        process.clone(),
        client.clone(),
        state.clone(),
        errors.clone(),
    );
    let handshake = Handshake {
        shared: &shared,
        client: &client,
        process: &process,
        state: &state,
        errors: &errors,
        cwd: &cwd,
    };
    match handshake.run(&request).await {
        Ok(opened) => {
            state.opened.store(true, Ordering::SeqCst);
            Ok(opened)
        }
        Err(err) => {
            tracing::info!(provider = id, %err, "opening a session failed");
            process.shutdown(config.timeouts.shutdown_grace).await;
            client.close();
            Err(err)
        }
    }
}

/// Reports the agent's exit once the reader has drained what it wrote.
fn watch_exit(
    process: Arc<AgentProcess>,
    client: AcpClient,
    state: Arc<HandlerState>,
    errors: ErrorContext,
) {
    tokio::spawn(async move {
        let info = process.exited().await;
        // A leftover process may hold stdout open; do not wait for ever.
        let _ = tokio::time::timeout(Duration::from_secs(1), client.closed()).await;
        client.close();
        if !state.opened.load(Ordering::SeqCst) {
            return;
        }
        let error = (!process.is_stopping()).then(|| errors.crash_text(&process, "", Some(info)));
        if let Some(error) = &error {
            tracing::warn!(provider = %errors.provider, "{error}");
        }
        state.emit(SessionEvent::Exited { error });
    });
}

struct Handshake<'a> {
    shared: &'a Arc<Shared>,
    client: &'a AcpClient,
    process: &'a Arc<AgentProcess>,
    state: &'a Arc<HandlerState>,
    errors: &'a ErrorContext,
    cwd: &'a Path,
}

impl Handshake<'_> {
    async fn run(&self, request: &OpenSession) -> Result<OpenedSession, ProviderError> {
        let timeouts = &self.shared.config.timeouts;
        let init_params = json!({
            "protocolVersion": 1,
            "clientCapabilities": {"fs": {"readTextFile": false, "writeTextFile": false}, "terminal": false},
            "clientInfo": {"name": "paseo-daemon", "title": "Paseo daemon", "version": env!("CARGO_PKG_VERSION")},
        });
        let init = self
            .call("initialize", init_params, timeouts.initialize)
            .await?;
        let version = init.get("protocolVersion").and_then(Value::as_u64);
        if version != Some(1) {
            return Err(ProviderError::Protocol(format!(
                "{} speaks ACP version {}; paseo-daemon needs version 1",
                self.errors.label,
                version.map_or_else(|| "?".to_owned(), |v| v.to_string())
            )));
        }
        let can_load = init
            .pointer("/agentCapabilities/loadSession")
            .and_then(Value::as_bool)
            == Some(true);
        let cwd = self.cwd.to_string_lossy();
        let (session_id, result) = match &request.resume_session_id {
            Some(_) if !can_load => return Err(ProviderError::ResumeUnsupported),
            Some(resume) => {
                self.state.mapper().replaying = true;
                let params = json!({"sessionId": resume, "cwd": cwd, "mcpServers": []});
                let loaded = self.call("session/load", params, timeouts.request).await;
                self.state.mapper().replaying = false;
                (resume.clone(), loaded?)
            }
            None => {
                let params = json!({"cwd": cwd, "mcpServers": []});
                let result = self.call("session/new", params, timeouts.request).await?;
                let Some(id) = result.get("sessionId").and_then(Value::as_str) else {
                    return Err(ProviderError::Protocol(format!(
                        "{} returned no sessionId",
                        self.errors.label
                    )));
                };
                (id.to_owned(), result)
            }
        };
        let mut catalog = catalog::parse(&self.errors.provider, &result);
        self.learn(&catalog, can_load);
        let inner = Arc::new(SessionInner {
            session_id: session_id.clone(),
            client: self.client.clone(),
            process: self.process.clone(),
            state: self.state.clone(),
            timeouts: timeouts.clone(),
            errors: self.errors.clone(),
            turn: Mutex::new(None),
        });
        let session = AcpSession {
            inner: inner.clone(),
        };
        if let Some(mode) = request
            .mode_id
            .clone()
            .filter(|m| Some(m) != catalog.current_mode_id.as_ref())
        {
            inner
                .set_option("session/set_mode", "modeId", "mode", mode.clone())
                .await?;
            catalog.current_mode_id = Some(mode);
        }
        if let Some(model) = request
            .model
            .clone()
            .filter(|m| Some(m) != catalog.current_model.as_ref())
        {
            inner
                .set_option("session/set_model", "modelId", "model", model.clone())
                .await?;
            catalog.current_model = Some(model);
        }
        tracing::info!(provider = %self.errors.provider, session = %session_id, "session open");
        Ok(OpenedSession {
            session: Box::new(session),
            session_id,
            modes: catalog.modes,
            current_mode_id: catalog.current_mode_id,
            models: catalog.models,
            current_model: catalog.current_model,
        })
    }

    async fn call(
        &self,
        method: &str,
        params: Value,
        within: Duration,
    ) -> Result<Value, ProviderError> {
        match tokio::time::timeout(within, self.client.request(method, params)).await {
            Err(_) => Err(self.errors.timeout(method, within)),
            Ok(Err(ClientError::Closed)) => Err(self
                .errors
                .crashed(self.process, &format!("while answering {method}"))
                .await),
            Ok(result) => result.map_err(|err| self.errors.map(err, method)),
        }
    }

    fn learn(&self, catalog: &Catalog, can_load: bool) {
        let mut learned = self
            .shared
            .learned
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        learned.supports_resume = Some(can_load);
        if !catalog.modes.is_empty() {
            learned.catalog.modes = catalog.modes.clone();
        }
        if !catalog.models.is_empty() {
            learned.catalog.models = catalog.models.clone();
        }
    }
}
