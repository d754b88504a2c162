//! The unit tests' harness: an [`AgentManager`] over a temp home with the
//! scripted providers, plus one attached client's queue.

use std::sync::Arc;
use std::time::Duration;

use protocol::{SessionMessage, StreamEvent};
use tokio::sync::mpsc;

use super::scripted::{Scripted, Stats};
use crate::agents::{AgentManager, AgentSettings, ProviderSource};
use crate::provider::Provider;
use crate::rpc::clients::{Attachment, Clients};

/// Providers `scripted` (available), `offline` (not) and `amnesiac`
/// (available, cannot resume).
pub(crate) struct TestProviders {
    pub scripted: Arc<Scripted>,
    pub offline: Arc<Scripted>,
    pub amnesiac: Arc<Scripted>,
}

impl ProviderSource for TestProviders {
    fn provider(&self, id: &str) -> Option<Arc<dyn Provider>> {
        match id {
            "scripted" => Some(self.scripted.clone()),
            "offline" => Some(self.offline.clone()),
            "amnesiac" => Some(self.amnesiac.clone()),
            _ => None,
        }
    }

    fn provider_ids(&self) -> Vec<String> {
        vec!["scripted".into(), "offline".into(), "amnesiac".into()]
    }
}

/// A manager over a temp home, plus one attached client's queue.
pub(crate) struct Harness {
    pub manager: Arc<AgentManager>,
    pub stats: Arc<Stats>,
    pub clients: Arc<Clients>,
    pub client: Attachment,
    pub rx: mpsc::UnboundedReceiver<SessionMessage>,
    pub home: tempfile::TempDir,
    pub cwd: tempfile::TempDir,
}

pub(crate) fn settings() -> AgentSettings {
    AgentSettings {
        prompt_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(60),
        cancel_grace: Duration::from_millis(300),
        start_timeout: Duration::from_secs(5),
    }
}

impl Harness {
    pub(crate) fn new(settings: AgentSettings) -> Self {
        let home = tempfile::tempdir().expect("home");
        let cwd = tempfile::tempdir().expect("cwd");
        Self::with_home(home, cwd, settings)
    }

    pub(crate) fn with_home(
        home: tempfile::TempDir,
        cwd: tempfile::TempDir,
        settings: AgentSettings,
    ) -> Self {
        let stats = Arc::new(Stats::default());
        let providers = TestProviders {
            scripted: Arc::new(Scripted {
                id: "scripted".into(),
                available: true,
                resume: true,
                stats: stats.clone(),
            }),
            offline: Arc::new(Scripted {
                id: "offline".into(),
                available: false,
                resume: true,
                stats: stats.clone(),
            }),
            amnesiac: Arc::new(Scripted {
                id: "amnesiac".into(),
                available: true,
                resume: false,
                stats: stats.clone(),
            }),
        };
        let clients = Clients::new(Duration::from_secs(1));
        let manager = AgentManager::start(
            home.path(),
            Arc::new(providers),
            clients.clone(),
            "srv_test".into(),
            settings,
        )
        .expect("manager");
        let (client, _, rx) = clients.attach_queue("cid", true);
        Self {
            manager,
            stats,
            clients,
            client,
            rx,
            home,
            cwd,
        }
    }

    pub(crate) fn cwd(&self) -> String {
        self.cwd.path().to_string_lossy().into_owned()
    }

    /// Next pushed message, within a deadline.
    pub(crate) async fn next(&mut self) -> SessionMessage {
        tokio::time::timeout(Duration::from_secs(5), self.rx.recv())
            .await
            .expect("a message before the deadline")
            .expect("queue open")
    }

    /// Skips messages until one satisfies `pick`.
    pub(crate) async fn until<T>(
        &mut self,
        mut pick: impl FnMut(&SessionMessage) -> Option<T>,
    ) -> T {
        loop {
            let message = self.next().await;
            if let Some(found) = pick(&message) {
                return found;
            }
        }
    }

    /// Waits for a stream event of `agent` matching `pick`.
    pub(crate) async fn until_event<T>(
        &mut self,
        mut pick: impl FnMut(&StreamEvent) -> Option<T>,
    ) -> T {
        self.until(|message| match message {
            SessionMessage::AgentStream(payload) => pick(&payload.event),
            _ => None,
        })
        .await
    }
}
