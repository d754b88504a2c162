//! How agent changes reach disk and clients: timeline rows (stored, then
//! streamed with seq/epoch), stream events without a row, snapshot changes
//! (`agent_update` to matching subscriptions), attention.
//!
//! Every function here runs with the agent's core locked; that lock is what
//! orders one agent's messages for every client.

use protocol::{
    AgentStreamPayload, AgentUsage, AttentionNotification, AttentionNotificationData,
    AttentionReason, SessionMessage, StreamEvent, TimelineItem,
};

use super::agent::{Agent, Core};
use super::{AgentManager, project, snapshot};
use crate::store::StoreError;
use crate::time_util::iso_now;

impl AgentManager {
    /// Stores a row, then streams it to every client. Returns its seq.
    pub(crate) fn emit_item(
        &self,
        agent: &Agent,
        core: &mut Core,
        item: TimelineItem,
    ) -> Result<u64, StoreError> {
        let line = core.log.append(iso_now(), item)?;
        self.store.mark_dirty(&agent.id, &core.log);
        crate::crash::at_row(&line.item);
        let payload = AgentStreamPayload {
            agent_id: agent.id.clone(),
            event: StreamEvent::Timeline {
                provider: core.record.provider.clone(),
                item: line.item,
            },
            timestamp: line.timestamp,
            seq: Some(line.seq),
            epoch: Some(line.epoch),
        };
        self.clients
            .broadcast(&SessionMessage::AgentStream(payload));
        Ok(line.seq)
    }

    /// Stores a row, logging (not failing) when the disk refuses it: used
    /// for rows that describe a failure already being reported.
    pub(crate) fn emit_item_or_log(&self, agent: &Agent, core: &mut Core, item: TimelineItem) {
        if let Err(err) = self.emit_item(agent, core, item) {
            tracing::error!(agent = %agent.id, %err, "cannot store a timeline row");
        }
    }

    /// Streams an event that has no timeline row.
    pub(crate) fn emit_event(&self, agent: &Agent, event: StreamEvent) {
        let payload = AgentStreamPayload {
            agent_id: agent.id.clone(),
            event,
            timestamp: iso_now(),
            seq: None,
            epoch: None,
        };
        self.clients
            .broadcast(&SessionMessage::AgentStream(payload));
    }

    /// Records a snapshot change: bumps `updatedAt`, persists the record,
    /// pushes `agent_update` to subscriptions and wakes waiters.
    pub(crate) fn touch(&self, agent: &Agent, core: &mut Core) {
        core.record.updated_at = iso_now();
        self.announce(agent, core);
    }

    /// Like [`touch`](Self::touch) without changing `updatedAt`.
    pub(crate) fn announce(&self, agent: &Agent, core: &Core) {
        if core.deleted {
            return;
        }
        self.store.save(&core.record);
        let snapshot = self.snapshot_of(core);
        let placement = project::placement(&core.record.cwd);
        self.clients.agent_changed(
            &agent.id,
            &mut |filter| filter.matches(&snapshot, &placement),
            &|| protocol::AgentUpdate::Upsert {
                agent: Box::new(snapshot.clone()),
                project: Some(placement.to_value()),
            },
        );
        let cwd = &core.record.cwd;
        let member = super::workspaces::Member::of(&core.record);
        self.workspaces
            .set(cwd, &agent.id, Some(member), |workspace| {
                self.clients.workspace_changed(cwd, workspace);
            });
        agent.notify_changed();
    }

    /// Every workspace (see [`super::workspaces`]).
    pub(crate) fn workspaces(&self) -> Vec<protocol::WorkspaceDescriptor> {
        self.workspaces.all()
    }

    /// Forgets a deleted agent's part in its workspace.
    pub(crate) fn leave_workspace(&self, cwd: &str, agent_id: &str) {
        self.workspaces.set(cwd, agent_id, None, |workspace| {
            self.clients.workspace_changed(cwd, workspace);
        });
    }

    /// The wire snapshot of an agent.
    pub(crate) fn snapshot_of(&self, core: &Core) -> protocol::AgentSnapshot {
        let info = self.provider_info(&core.record.provider);
        snapshot::build(&core.record, core.live.as_ref(), info.as_ref())
    }

    /// What a snapshot shows of a provider (`None`: not registered). A
    /// listing asks once per provider, not once per row: `info` copies the
    /// provider's modes and models.
    pub(crate) fn provider_info(&self, provider: &str) -> Option<crate::provider::ProviderInfo> {
        self.providers
            .provider(provider)
            .map(|provider| provider.info())
    }

    /// Raises attention and streams `attention_required` (the caller
    /// touches the agent afterwards).
    pub(crate) fn raise_attention(
        &self,
        agent: &Agent,
        core: &mut Core,
        reason: AttentionReason,
        body: String,
    ) {
        let now = iso_now();
        core.record.requires_attention = true;
        core.record.attention_reason = Some(reason);
        core.record.attention_timestamp = Some(now.clone());
        let title = match reason {
            AttentionReason::Finished => "Agent finished",
            AttentionReason::Permission => "Agent needs permission",
            _ => "Agent needs attention",
        };
        // Paseo picks at most one client to notify (the one the user looks
        // at); without heartbeats to choose from, nobody is picked.
        self.emit_event(
            agent,
            StreamEvent::AttentionRequired {
                provider: core.record.provider.clone(),
                reason,
                timestamp: now,
                should_notify: false,
                notification: Some(AttentionNotification {
                    title: title.to_owned(),
                    body,
                    data: AttentionNotificationData {
                        server_id: self.server_id.clone(),
                        agent_id: agent.id.clone(),
                        reason,
                    },
                }),
            },
        );
    }

    /// Clears attention; true if it was set.
    pub(crate) fn clear_attention(core: &mut Core) -> bool {
        let was = core.record.requires_attention;
        core.record.requires_attention = false;
        core.record.attention_reason = None;
        core.record.attention_timestamp = None;
        was
    }
}

/// The agent's last usage as the typed `turn_completed.usage`.
pub(crate) fn usage(core: &Core) -> Option<AgentUsage> {
    core.record
        .last_usage
        .as_ref()
        .and_then(|usage| serde_json::from_value(usage.clone()).ok())
}

/// The text of the last assistant message: its chunks (the trailing run of
/// `assistant_message` rows before any later non-assistant rows), joined.
/// Looks back at most `LOOKBACK` rows.
pub(crate) fn last_assistant_text(core: &Core) -> Option<String> {
    const LOOKBACK: usize = 2000;
    let len = core.log.index().ok()?.len();
    let start = len.saturating_sub(LOOKBACK);
    let rows = core.log.read(start, len).ok()?;
    let mut chunks = Vec::new();
    for row in rows.iter().rev() {
        match &row.item {
            TimelineItem::AssistantMessage { text } => chunks.push(text.as_str()),
            _ if !chunks.is_empty() => break,
            TimelineItem::UserMessage { .. } => return None,
            _ => {}
        }
    }
    if chunks.is_empty() {
        return None;
    }
    chunks.reverse();
    Some(chunks.concat())
}
