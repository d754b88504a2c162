//! Attention across every host: pending permissions and agents that
//! finished or failed unseen, newest first. The pure collection is tested
//! natively; the inbox route, the header count, the tab title and the
//! favicon all read [`use_attention`].

use leptos::prelude::*;
use protocol::{AgentSnapshot, AttentionReason, PermissionRequest};

use crate::directory::{AgentKey, Directory};

/// One thing that needs the user.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A permission prompt, answerable in place.
    Permission {
        key: AgentKey,
        request: Box<PermissionRequest>,
        /// When it appeared, as best known (the agent's last activity).
        at: String,
    },
    /// An agent that finished or failed while nobody looked.
    Unseen {
        key: AgentKey,
        failed: bool,
        at: String,
    },
}

impl Entry {
    pub fn key(&self) -> &AgentKey {
        match self {
            Entry::Permission { key, .. } | Entry::Unseen { key, .. } => key,
        }
    }

    fn at(&self) -> &str {
        match self {
            Entry::Permission { at, .. } | Entry::Unseen { at, .. } => at,
        }
    }

    /// A stable id: `(profile, agent, permission id or attention time)`,
    /// also what notifications are de-duplicated on.
    pub fn id(&self) -> String {
        match self {
            Entry::Permission { key, request, .. } => {
                format!("{}|{}|perm:{}", key.profile_id, key.agent_id, request.id)
            }
            Entry::Unseen { key, at, .. } => {
                format!("{}|{}|seen:{at}", key.profile_id, key.agent_id)
            }
        }
    }
}

/// Everything that needs attention, newest first (pure).
pub fn collect<'a>(
    agents: impl IntoIterator<Item = (AgentKey, &'a AgentSnapshot, &'a [PermissionRequest])>,
) -> Vec<Entry> {
    let mut entries = Vec::new();
    for (key, agent, permissions) in agents {
        if agent.archived_at.is_some() {
            continue;
        }
        let at = agent
            .attention_timestamp
            .clone()
            .unwrap_or_else(|| agent.updated_at.clone());
        for request in permissions {
            entries.push(Entry::Permission {
                key: key.clone(),
                request: Box::new(request.clone()),
                at: agent.updated_at.clone(),
            });
        }
        let unseen = agent.requires_attention
            && matches!(
                agent.attention_reason,
                Some(AttentionReason::Finished | AttentionReason::Error)
            );
        if unseen && permissions.is_empty() {
            entries.push(Entry::Unseen {
                key,
                failed: agent.attention_reason == Some(AttentionReason::Error),
                at,
            });
        }
    }
    crate::sorted::sort_by(&mut entries, |a, b| {
        b.at().cmp(a.at()).then_with(|| a.id().cmp(&b.id()))
    });
    entries
}

/// The attention context: a memo over the directory.
#[derive(Clone, Copy)]
pub struct Attention(pub Memo<Vec<Entry>>);

pub fn provide_attention(directory: Directory) -> Attention {
    let memo = Memo::new(move |_| {
        let keys = directory.keys();
        let cells: Vec<(AgentKey, AgentSnapshot, Vec<PermissionRequest>)> = keys
            .into_iter()
            .filter_map(|k| {
                let cell = directory.agent(&k)?;
                Some((k, cell.snapshot.get(), cell.permissions.get()))
            })
            .collect();
        collect(cells.iter().map(|(k, a, p)| (k.clone(), a, p.as_slice())))
    });
    let attention = Attention(memo);
    provide_context(attention);
    attention
}

pub fn use_attention() -> Attention {
    expect_context::<Attention>()
}

/// The tab title for `count` things needing attention.
pub fn title(count: usize) -> String {
    if count == 0 {
        "Paseo — all your agents".to_owned()
    } else {
        format!("({count}) Paseo — needs you")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn agent(id: &str, updated: &str, attention: Option<&str>) -> AgentSnapshot {
        let mut v = json!({"id": id, "provider": "test", "cwd": "/w", "createdAt": updated,
            "updatedAt": updated, "status": "idle", "capabilities": {"supportsStreaming": true,
            "supportsSessionPersistence": true, "supportsDynamicModes": false,
            "supportsMcpServers": false, "supportsReasoningStream": false, "supportsToolInvocations": true},
            "availableModes": [], "pendingPermissions": [], "labels": {}, "requiresAttention": false});
        if let Some(reason) = attention {
            v["requiresAttention"] = json!(true);
            v["attentionReason"] = json!(reason);
            v["attentionTimestamp"] = json!(updated);
        }
        serde_json::from_value(v).expect("agent")
    }

    fn permission(id: &str) -> PermissionRequest {
        serde_json::from_value(
            json!({"id": id, "provider": "test", "name": "edit", "kind": "tool"}),
        )
        .expect("permission")
    }

    #[test]
    fn permissions_and_unseen_agents_newest_first_across_hosts() {
        let a = agent("a", "2026-12-05T10:00:00Z", None);
        let b = agent("b", "2026-12-05T11:00:00Z", Some("finished"));
        let c = agent("c", "2026-12-05T12:00:00Z", Some("error"));
        let quiet = agent("d", "2026-12-05T13:00:00Z", None);
        let perms = [permission("p1")];
        let entries = collect([
            (AgentKey::new("host1", "a"), &a, &perms[..]),
            (AgentKey::new("host2", "b"), &b, &[][..]),
            (AgentKey::new("host3", "c"), &c, &[][..]),
            (AgentKey::new("host3", "d"), &quiet, &[][..]),
        ]);
        let ids: Vec<String> = entries.iter().map(Entry::id).collect();
        assert_eq!(
            ids,
            [
                "host3|c|seen:2026-12-05T12:00:00Z",
                "host2|b|seen:2026-12-05T11:00:00Z",
                "host1|a|perm:p1"
            ]
        );
        assert!(matches!(entries[0], Entry::Unseen { failed: true, .. }));
        assert_eq!(title(3), "(3) Paseo — needs you");
        assert_eq!(title(0), "Paseo — all your agents");
    }

    #[test]
    fn archived_agents_need_nothing() {
        let mut a = agent("a", "2026-12-05T10:00:00Z", Some("finished"));
        a.archived_at = Some("2026-12-05T10:01:00Z".into());
        assert!(collect([(AgentKey::new("h", "a"), &a, &[][..])]).is_empty());
    }
}
