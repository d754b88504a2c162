//! The one ordering of agents, used by the union list (and later the
//! command palette): what needs the user first, then what is moving, then
//! the rest, each group newest activity first.

use std::cmp::Ordering;

use protocol::{AgentSnapshot, AgentStatus};

/// Attention groups, most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Urgency {
    /// A permission request waits for an answer.
    NeedsInput,
    /// Failed, and the user has not looked since.
    FailedUnseen,
    Running,
    /// Finished, and the user has not looked since (`requiresAttention`).
    FinishedUnseen,
    Rest,
}

/// The group of one agent, given its pending permission count.
pub fn urgency(agent: &AgentSnapshot, pending_permissions: usize) -> Urgency {
    if pending_permissions > 0 || !agent.pending_permissions.is_empty() {
        Urgency::NeedsInput
    } else if agent.status == AgentStatus::Error && agent.requires_attention {
        Urgency::FailedUnseen
    } else if matches!(
        agent.status,
        AgentStatus::Running | AgentStatus::Initializing
    ) {
        Urgency::Running
    } else if agent.requires_attention {
        Urgency::FinishedUnseen
    } else {
        Urgency::Rest
    }
}

/// Last activity: the newest of `updatedAt` and `lastUserMessageAt`
/// (ISO-8601 strings of one daemon compare as text).
pub fn last_activity(agent: &AgentSnapshot) -> &str {
    match agent.last_user_message_at.as_deref() {
        Some(user) if user > agent.updated_at.as_str() => user,
        _ => agent.updated_at.as_str(),
    }
}

/// Compares two agents (with their pending permission counts and a stable
/// tie-breaker, e.g. the `(profile, agent)` key): urgency, then newest
/// activity, then the tie-breaker.
pub fn compare<K: Ord>(a: (&AgentSnapshot, usize, &K), b: (&AgentSnapshot, usize, &K)) -> Ordering {
    urgency(a.0, a.1)
        .cmp(&urgency(b.0, b.1))
        .then_with(|| last_activity(b.0).cmp(last_activity(a.0)))
        .then_with(|| a.2.cmp(b.2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn agent(id: &str, status: &str, updated: &str, attention: bool) -> AgentSnapshot {
        serde_json::from_value(json!({
            "id": id, "provider": "test", "cwd": "/", "createdAt": "2026-01-01T00:00:00Z",
            "updatedAt": updated, "status": status, "requiresAttention": attention,
        }))
        .expect("agent decodes")
    }

    #[test]
    fn needs_input_then_failed_then_running_then_finished_then_rest_by_activity() {
        let agents = [
            (agent("rest-old", "idle", "2026-01-01T00:00:01Z", false), 0),
            (agent("finished", "idle", "2026-01-01T00:00:02Z", true), 0),
            (
                agent("running", "running", "2026-01-01T00:00:03Z", false),
                0,
            ),
            (agent("failed", "error", "2026-01-01T00:00:04Z", true), 0),
            (agent("asks", "running", "2026-01-01T00:00:00Z", false), 1),
            (agent("rest-new", "idle", "2026-01-01T00:00:09Z", false), 0),
            (
                agent("init", "initializing", "2026-01-01T00:00:05Z", false),
                0,
            ),
            (
                agent("failed-seen", "error", "2026-01-01T00:00:08Z", false),
                0,
            ),
        ];
        let mut sorted: Vec<&(AgentSnapshot, usize)> = agents.iter().collect();
        sorted.sort_by(|a, b| compare((&a.0, a.1, &a.0.id), (&b.0, b.1, &b.0.id)));
        let ids: Vec<&str> = sorted.iter().map(|(a, _)| a.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "asks",
                "failed",
                "init",
                "running",
                "finished",
                "rest-new",
                "failed-seen",
                "rest-old"
            ]
        );
    }

    #[test]
    fn a_later_user_message_counts_as_activity() {
        let mut a = agent("a", "idle", "2026-01-01T00:00:01Z", false);
        a.last_user_message_at = Some("2026-01-01T00:00:05Z".into());
        assert_eq!(last_activity(&a), "2026-01-01T00:00:05Z");
    }
}
