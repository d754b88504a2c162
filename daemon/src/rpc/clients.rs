//! Connected clients, keyed by `clientId`: the session state that survives
//! a reconnect, and the ordered push queue of each open socket.
//!
//! Why keyed by `clientId` and not by socket: Paseo re-attaches a hello
//! with a known `clientId` to the existing session (subscriptions and
//! capabilities kept) for a grace period after its socket closed, so a
//! flaky network does not cost the client its `agent_update` subscription.
//!
//! Why a queue per socket: agent pushes come from many tasks (one per
//! running agent) and must never wait for a slow client, yet each client
//! must see an agent's events in order and a reply after the pushes that
//! preceded it (`user_message` before `send_agent_message_response`). Every
//! message for a socket goes through one unbounded FIFO drained by one task
//! into the socket's [`Outbox`]; senders only enqueue. A client that stops
//! reading loses messages once its queue holds [`MAX_QUEUED`] of them
//! (logged); timeline rows carry `seq`, so it sees the gap and refetches.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use protocol::{
    AgentUpdate, SessionMessage, WorkspaceDescriptor, WorkspaceFilter, WorkspaceUpdate,
};
use tokio::sync::mpsc;

use crate::agents::listing::AgentFilter;
use crate::rpc::outbox::Outbox;

/// Messages a socket may have queued before it is considered stuck.
pub(crate) const MAX_QUEUED: usize = 50_000;

/// One socket's end of its push queue.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    tx: mpsc::UnboundedSender<SessionMessage>,
    queued: Arc<AtomicUsize>,
}

impl Link {
    /// Queues a message for this socket (never blocks). Dropped when the
    /// socket is gone or stuck.
    pub(crate) fn send(&self, message: SessionMessage) {
        if self.queued.fetch_add(1, Ordering::Relaxed) >= MAX_QUEUED {
            self.queued.fetch_sub(1, Ordering::Relaxed);
            tracing::warn!(
                kind = message.type_name(),
                "client is not reading; dropped a message"
            );
            return;
        }
        if self.tx.send(message).is_err() {
            self.queued.fetch_sub(1, Ordering::Relaxed);
        }
    }
}

/// An `agent_update` subscription of one client.
#[derive(Debug)]
pub(crate) struct Subscription {
    /// Which agents the client asked for.
    pub filter: AgentFilter,
    /// Agents the client currently holds as matching, so an agent that
    /// stops matching gets exactly one `remove`.
    pub visible: HashSet<String>,
    /// While the subscribing fetch is being answered, updates wait here
    /// (sent after the response, as Paseo does).
    pub buffer: Option<Vec<SessionMessage>>,
}

/// A `workspace_update` subscription of one client.
#[derive(Debug)]
pub(crate) struct WorkspaceSubscription {
    /// Which workspaces the client asked for.
    pub filter: Option<WorkspaceFilter>,
    /// What the client holds of each workspace, so an unchanged workspace
    /// is not pushed again (its agents change far more often than it does)
    /// and one that goes away gets exactly one `remove`.
    pub sent: HashMap<String, WorkspaceDescriptor>,
    /// While the subscribing fetch is answered: changes (directory, new
    /// state) wait here and are applied after the response.
    pub buffer: Option<Vec<(String, Option<WorkspaceDescriptor>)>>,
}

impl WorkspaceSubscription {
    /// The push (if any) that brings the client from `sent` to `now`.
    fn update(&mut self, id: &str, now: Option<WorkspaceDescriptor>) -> Option<SessionMessage> {
        let now = now.filter(|w| crate::agents::workspaces::matches(self.filter.as_ref(), w));
        let update = match now {
            Some(workspace) => {
                if self.sent.get(id) == Some(&workspace) {
                    return None;
                }
                self.sent.insert(id.to_owned(), workspace.clone());
                WorkspaceUpdate::Upsert { workspace }
            }
            None => {
                self.sent.remove(id)?;
                WorkspaceUpdate::Remove { id: id.to_owned() }
            }
        };
        Some(SessionMessage::WorkspaceUpdate(update))
    }
}

/// Session state kept across reconnects of one `clientId`.
#[derive(Debug, Default)]
pub(crate) struct ClientState {
    /// Hello declared `reasoning_merge_enum: true`.
    pub reasoning_merge: bool,
    /// The agents subscription, if any.
    pub subscription: Option<Subscription>,
    /// The workspaces subscription, if any.
    pub workspaces: Option<WorkspaceSubscription>,
}

#[derive(Debug)]
struct Client {
    sockets: HashMap<u64, Link>,
    state: ClientState,
    /// Bumped on each detach of the last socket; a grace timer only
    /// removes the client if no attach happened since it started.
    detach_generation: u64,
}

/// All clients of one daemon.
#[derive(Debug)]
pub(crate) struct Clients {
    inner: Mutex<HashMap<String, Client>>,
    grace: Duration,
    next_socket: AtomicU64,
}

/// One socket attached to a client; detaches on drop.
#[derive(Debug)]
pub(crate) struct Attachment {
    clients: Arc<Clients>,
    client_id: String,
    socket: u64,
    link: Link,
}

impl Attachment {
    /// The client's id.
    pub(crate) fn client_id(&self) -> &str {
        &self.client_id
    }

    /// This socket's push queue.
    pub(crate) fn link(&self) -> &Link {
        &self.link
    }

    /// The client registry.
    pub(crate) fn clients(&self) -> &Arc<Clients> {
        &self.clients
    }
}

impl Drop for Attachment {
    fn drop(&mut self) {
        self.clients.detach(&self.client_id, self.socket);
    }
}

impl Clients {
    /// An empty registry whose detached sessions live for `grace`.
    pub(crate) fn new(grace: Duration) -> Arc<Self> {
        Arc::new(Self {
            inner: Mutex::new(HashMap::new()),
            grace,
            next_socket: AtomicU64::new(1),
        })
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Client>> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Attaches a socket after a valid hello: its messages are forwarded
    /// to `outbox` in order. Returns the attachment and whether an existing
    /// session was resumed.
    pub(crate) fn attach(
        self: &Arc<Self>,
        client_id: &str,
        reasoning_merge: bool,
        outbox: Outbox,
    ) -> (Attachment, bool) {
        let (attachment, resumed, mut rx) = self.attach_queue(client_id, reasoning_merge);
        let queued = attachment.link.queued.clone();
        tokio::spawn(async move {
            while let Some(message) = rx.recv().await {
                queued.fetch_sub(1, Ordering::Relaxed);
                if outbox.session(message).await.is_err() {
                    break;
                }
            }
        });
        (attachment, resumed)
    }

    /// Like [`attach`](Self::attach), handing back the receiving end of the
    /// queue instead of forwarding it (the caller drains it).
    pub(crate) fn attach_queue(
        self: &Arc<Self>,
        client_id: &str,
        reasoning_merge: bool,
    ) -> (Attachment, bool, mpsc::UnboundedReceiver<SessionMessage>) {
        let socket = self.next_socket.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::unbounded_channel::<SessionMessage>();
        let link = Link {
            tx,
            queued: Arc::new(AtomicUsize::new(0)),
        };
        let resumed = {
            let mut clients = self.lock();
            let client = clients
                .entry(client_id.to_owned())
                .or_insert_with(|| Client {
                    sockets: HashMap::new(),
                    state: ClientState::default(),
                    detach_generation: 0,
                });
            let resumed = client.detach_generation > 0 || !client.sockets.is_empty();
            client.detach_generation += 1;
            // Capabilities are sticky: a reconnect that omits them keeps
            // what the first hello declared.
            client.state.reasoning_merge |= reasoning_merge;
            client.sockets.insert(socket, link.clone());
            resumed
        };
        if resumed {
            tracing::info!(client_id, "client re-attached to its session");
        }
        let attachment = Attachment {
            clients: self.clone(),
            client_id: client_id.to_owned(),
            socket,
            link,
        };
        (attachment, resumed, rx)
    }

    fn detach(self: &Arc<Self>, client_id: &str, socket: u64) {
        let generation = {
            let mut clients = self.lock();
            let Some(client) = clients.get_mut(client_id) else {
                return;
            };
            client.sockets.remove(&socket);
            if !client.sockets.is_empty() {
                return;
            }
            client.detach_generation += 1;
            client.detach_generation
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.lock().remove(client_id);
            return;
        };
        let clients = self.clone();
        let client_id = client_id.to_owned();
        let grace = self.grace;
        runtime.spawn(async move {
            tokio::time::sleep(grace).await;
            let mut map = clients.lock();
            if map
                .get(&client_id)
                .is_some_and(|c| c.sockets.is_empty() && c.detach_generation == generation)
            {
                map.remove(&client_id);
                tracing::debug!(client_id, "detached session expired");
            }
        });
    }

    /// Runs `f` on one client's state.
    pub(crate) fn with_state<R>(
        &self,
        client_id: &str,
        f: impl FnOnce(&mut ClientState) -> R,
    ) -> Option<R> {
        self.lock()
            .get_mut(client_id)
            .map(|client| f(&mut client.state))
    }

    /// Sends `message` to every socket of every client.
    pub(crate) fn broadcast(&self, message: &SessionMessage) {
        for client in self.lock().values() {
            for link in client.sockets.values() {
                link.send(message.clone());
            }
        }
    }

    /// Offers an agent change to every subscription: `matches` says whether
    /// the agent passes a subscription's filter, `upsert` builds the push.
    /// Agents that stop matching get one `remove`.
    pub(crate) fn agent_changed(
        &self,
        agent_id: &str,
        mut matches: impl FnMut(&AgentFilter) -> bool,
        upsert: impl Fn() -> AgentUpdate,
    ) {
        let mut clients = self.lock();
        for client in clients.values_mut() {
            let Some(subscription) = client.state.subscription.as_mut() else {
                continue;
            };
            let update = if matches(&subscription.filter) {
                subscription.visible.insert(agent_id.to_owned());
                upsert()
            } else if subscription.visible.remove(agent_id) || subscription.buffer.is_some() {
                // While buffering, the response being built may still
                // list the agent, so the removal is always queued.
                AgentUpdate::Remove {
                    agent_id: agent_id.to_owned(),
                }
            } else {
                continue;
            };
            deliver(client, SessionMessage::AgentUpdate(update));
        }
    }

    /// Tells every subscription that an agent is gone.
    pub(crate) fn agent_removed(&self, agent_id: &str) {
        let mut clients = self.lock();
        for client in clients.values_mut() {
            let Some(subscription) = client.state.subscription.as_mut() else {
                continue;
            };
            subscription.visible.remove(agent_id);
            deliver(
                client,
                SessionMessage::AgentUpdate(AgentUpdate::Remove {
                    agent_id: agent_id.to_owned(),
                }),
            );
        }
    }

    /// Offers a workspace's new state (`None`: gone) to every workspaces
    /// subscription.
    pub(crate) fn workspace_changed(&self, id: &str, workspace: Option<WorkspaceDescriptor>) {
        let mut clients = self.lock();
        for client in clients.values_mut() {
            let Some(subscription) = client.state.workspaces.as_mut() else {
                continue;
            };
            if let Some(buffer) = subscription.buffer.as_mut() {
                buffer.push((id.to_owned(), workspace.clone()));
                continue;
            }
            if let Some(message) = subscription.update(id, workspace.clone()) {
                for link in client.sockets.values() {
                    link.send(message.clone());
                }
            }
        }
    }

    /// Installs a workspaces subscription in buffering mode (see
    /// [`WorkspaceSubscription`]).
    pub(crate) fn begin_workspace_subscription(
        &self,
        client_id: &str,
        id: &str,
        filter: Option<WorkspaceFilter>,
    ) {
        self.with_state(client_id, |state| {
            tracing::debug!(client_id, subscription = %id, "workspaces subscription");
            state.workspaces = Some(WorkspaceSubscription {
                filter,
                sent: HashMap::new(),
                buffer: Some(Vec::new()),
            });
        });
    }

    /// Sends the subscribing response, then what changed meanwhile, and
    /// switches to live delivery; `listed` is what the response held.
    pub(crate) fn finish_workspace_subscription(
        &self,
        client_id: &str,
        link: &Link,
        response: SessionMessage,
        listed: Vec<WorkspaceDescriptor>,
    ) {
        let mut clients = self.lock();
        link.send(response);
        let Some(subscription) = clients
            .get_mut(client_id)
            .and_then(|client| client.state.workspaces.as_mut())
        else {
            return;
        };
        subscription.sent = listed.into_iter().map(|w| (w.id.clone(), w)).collect();
        for (id, workspace) in subscription.buffer.take().unwrap_or_default() {
            if let Some(message) = subscription.update(&id, workspace) {
                link.send(message);
            }
        }
    }

    /// Installs a subscription in buffering mode (see [`Subscription`]).
    pub(crate) fn begin_subscription(&self, client_id: &str, id: String, filter: AgentFilter) {
        self.with_state(client_id, |state| {
            tracing::debug!(client_id, subscription = %id, "agents subscription");
            state.subscription = Some(Subscription {
                filter,
                visible: HashSet::new(),
                buffer: Some(Vec::new()),
            });
        });
    }

    /// Sends the subscribing response, then the buffered updates, and
    /// switches the subscription to live delivery; `visible` is what the
    /// response covered.
    pub(crate) fn finish_subscription(
        &self,
        client_id: &str,
        link: &Link,
        response: SessionMessage,
        visible: HashSet<String>,
    ) {
        let mut clients = self.lock();
        link.send(response);
        let Some(subscription) = clients
            .get_mut(client_id)
            .and_then(|client| client.state.subscription.as_mut())
        else {
            return;
        };
        // Updates buffered meanwhile are newer than the response's rows,
        // so their view of visibility wins.
        let buffered = subscription.buffer.take().unwrap_or_default();
        let mut merged = visible;
        for message in &buffered {
            if let SessionMessage::AgentUpdate(AgentUpdate::Remove { agent_id }) = message {
                merged.remove(agent_id);
            }
        }
        merged.extend(subscription.visible.drain());
        subscription.visible = merged;
        for message in buffered {
            link.send(message);
        }
    }
}

fn deliver(client: &mut Client, message: SessionMessage) {
    if let Some(buffer) = client
        .state
        .subscription
        .as_mut()
        .and_then(|s| s.buffer.as_mut())
    {
        buffer.push(message);
        return;
    }
    for link in client.sockets.values() {
        link.send(message.clone());
    }
}

impl crate::agents::Pushes for Clients {
    fn broadcast(&self, message: &SessionMessage) {
        Clients::broadcast(self, message);
    }

    fn agent_changed(
        &self,
        agent_id: &str,
        matches: &mut dyn FnMut(&AgentFilter) -> bool,
        upsert: &dyn Fn() -> AgentUpdate,
    ) {
        Clients::agent_changed(self, agent_id, matches, upsert);
    }

    fn agent_removed(&self, agent_id: &str) {
        Clients::agent_removed(self, agent_id);
    }

    fn workspace_changed(&self, id: &str, workspace: Option<WorkspaceDescriptor>) {
        Clients::workspace_changed(self, id, workspace);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscribe(clients: &Clients, client_id: &str, link: &Link) {
        clients.begin_subscription(client_id, "s".into(), AgentFilter::default());
        clients.finish_subscription(client_id, link, SessionMessage::Unknown, HashSet::new());
    }

    fn subscribed(clients: &Clients, client_id: &str) -> bool {
        clients
            .with_state(client_id, |state| state.subscription.is_some())
            .unwrap_or(false)
    }

    #[tokio::test]
    async fn a_reconnect_within_the_grace_keeps_the_session_later_it_is_gone() {
        let clients = Clients::new(Duration::from_millis(300));
        let (first, resumed, _rx) = clients.attach_queue("cid", true);
        assert!(!resumed);
        subscribe(&clients, "cid", first.link());
        drop(first);
        let (second, resumed, mut rx) = clients.attach_queue("cid", false);
        assert!(resumed);
        assert!(subscribed(&clients, "cid"));
        assert!(
            clients
                .with_state("cid", |s| s.reasoning_merge)
                .unwrap_or(false),
            "capabilities are sticky"
        );
        // Pushes reach the new socket.
        clients.agent_removed("a1");
        assert!(matches!(
            rx.recv().await,
            Some(SessionMessage::AgentUpdate(AgentUpdate::Remove { .. }))
        ));
        let detached = std::time::Instant::now();
        drop(second);
        let deadline = detached + Duration::from_secs(10);
        while subscribed(&clients, "cid") {
            assert!(
                std::time::Instant::now() < deadline,
                "session never expired"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            detached.elapsed() >= Duration::from_millis(300),
            "not before the grace"
        );
        let (_third, resumed, _rx) = clients.attach_queue("cid", false);
        assert!(!resumed, "a new session after the grace");
    }

    #[tokio::test]
    async fn updates_during_a_subscribing_fetch_follow_its_response() {
        let clients = Clients::new(Duration::from_secs(1));
        let (socket, _, mut rx) = clients.attach_queue("cid", false);
        clients.begin_subscription("cid", "s".into(), AgentFilter::default());
        clients.agent_removed("gone");
        clients.finish_subscription(
            "cid",
            socket.link(),
            SessionMessage::Unknown,
            HashSet::new(),
        );
        assert!(matches!(rx.recv().await, Some(SessionMessage::Unknown)));
        assert!(matches!(
            rx.recv().await,
            Some(SessionMessage::AgentUpdate(AgentUpdate::Remove { .. }))
        ));
    }
}
