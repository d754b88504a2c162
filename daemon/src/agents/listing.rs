//! `fetch_agents_request`: which agents a request (or a subscription)
//! covers, in which order, one page at a time.
//!
//! Cursors are keyset cursors (the sort values and id of the last row,
//! hex-encoded JSON) rather than offsets, so agents appearing or changing
//! between two page requests neither repeat nor skip rows that did not
//! move. A cursor made under another sort is refused (`invalid_cursor`).

use std::cmp::Ordering;
use std::collections::BTreeMap;

use protocol::{
    AgentSnapshot, AgentSort, AgentSortKey, AgentStatus, AttentionReason, FetchAgentsRequest,
    ProjectPlacement, SortDirection,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Largest (and default) page.
pub(crate) const MAX_PAGE: usize = 200;

/// The agent conditions of a fetch or subscription.
#[derive(Debug, Clone, Default)]
pub(crate) struct AgentFilter {
    include_archived: bool,
    labels: BTreeMap<String, String>,
    project_keys: Option<Vec<String>>,
    statuses: Option<Vec<AgentStatus>>,
    requires_attention: Option<bool>,
    thinking_option_id: Option<Option<String>>,
}

impl AgentFilter {
    /// The filter of a request; `Err` names what is malformed.
    pub(crate) fn from_request(req: &FetchAgentsRequest) -> Result<Self, String> {
        let filter = req
            .parsed_filter()
            .map_err(|err| format!("Invalid filter: {err}"))?;
        // `scope: "active"` hides archived agents; without a projects
        // registry every agent's workspace counts as active.
        let include_archived = filter.include_archived.unwrap_or(false) && !req.active_scope();
        Ok(Self {
            include_archived,
            labels: filter.labels.unwrap_or_default(),
            project_keys: filter
                .project_keys
                .map(|keys| {
                    keys.into_iter()
                        .map(|key| key.trim().to_owned())
                        .filter(|key| !key.is_empty())
                        .collect::<Vec<_>>()
                })
                .filter(|keys| !keys.is_empty()),
            statuses: filter.statuses,
            requires_attention: filter.requires_attention,
            thinking_option_id: filter.thinking_option_id,
        })
    }

    /// Whether an agent passes.
    pub(crate) fn matches(&self, agent: &AgentSnapshot, placement: &ProjectPlacement) -> bool {
        (self.include_archived || agent.archived_at.is_none())
            && self
                .labels
                .iter()
                .all(|(key, value)| agent.labels.get(key) == Some(value))
            && self
                .project_keys
                .as_ref()
                .is_none_or(|keys| keys.contains(&placement.project_key))
            && self
                .statuses
                .as_ref()
                .is_none_or(|statuses| statuses.contains(&agent.status))
            && self
                .requires_attention
                .is_none_or(|wanted| agent.requires_attention == wanted)
            && self
                .thinking_option_id
                .as_ref()
                .is_none_or(|wanted| &agent.effective_thinking_option_id == wanted)
    }
}

/// 0 = waiting on the user, then error, running, initializing, the rest.
fn status_priority(agent: &AgentSnapshot) -> i64 {
    if !agent.pending_permissions.is_empty()
        || (agent.requires_attention && agent.attention_reason == Some(AttentionReason::Permission))
    {
        return 0;
    }
    match agent.status {
        AgentStatus::Error => 1,
        AgentStatus::Running => 2,
        AgentStatus::Initializing => 3,
        _ => 4,
    }
}

fn sort_value(agent: &AgentSnapshot, key: AgentSortKey) -> Value {
    match key {
        AgentSortKey::StatusPriority => Value::from(status_priority(agent)),
        AgentSortKey::CreatedAt => Value::from(agent.created_at.clone()),
        AgentSortKey::UpdatedAt => Value::from(agent.updated_at.clone()),
        AgentSortKey::Title => agent.title.clone().map_or(Value::Null, Value::from),
    }
}

/// null < numbers < strings; numbers and strings by value.
fn compare_values(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Null => 0,
            Value::Number(_) => 1,
            _ => 2,
        }
    }
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

/// A row's position under a sort: its values and id (the tie-break).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct SortKey {
    values: Vec<Value>,
    id: String,
}

fn compare_keys(a: &SortKey, b: &SortKey, sort: &[AgentSort]) -> Ordering {
    for (index, spec) in sort.iter().enumerate() {
        let (Some(x), Some(y)) = (a.values.get(index), b.values.get(index)) else {
            break;
        };
        let ordering = compare_values(x, y);
        let ordering = match spec.direction {
            SortDirection::Asc => ordering,
            SortDirection::Desc => ordering.reverse(),
        };
        if ordering != Ordering::Equal {
            return ordering;
        }
    }
    a.id.cmp(&b.id)
}

/// What a cursor encodes: the sort it was made under and the last row.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    sort: Vec<AgentSort>,
    last: SortKey,
}

fn encode_cursor(cursor: &Cursor) -> String {
    let json = serde_json::to_vec(cursor).unwrap_or_default();
    json.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_cursor(text: &str) -> Option<Cursor> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect();
    serde_json::from_slice(&bytes?).ok()
}

/// Why a page could not be produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PageError {
    /// Malformed filter or sort.
    Invalid(String),
    /// The cursor is not one of ours, or was made under another sort.
    Cursor,
}

/// One page of a listing.
#[derive(Debug)]
pub(crate) struct Page {
    /// The rows, in order.
    pub rows: Vec<(AgentSnapshot, ProjectPlacement)>,
    /// Cursor after the last row, when more follow.
    pub next_cursor: Option<String>,
    /// Whether more rows follow.
    pub has_more: bool,
    /// Ids of every matching agent (all pages), for subscriptions.
    pub matching: Vec<String>,
}

/// Filters, sorts and pages `agents` for `req`.
pub(crate) fn page(
    req: &FetchAgentsRequest,
    filter: &AgentFilter,
    agents: Vec<(AgentSnapshot, ProjectPlacement)>,
) -> Result<Page, PageError> {
    let mut sort = req
        .parsed_sort()
        .map_err(|err| PageError::Invalid(format!("Invalid sort: {err}")))?;
    if sort.is_empty() {
        sort.push(AgentSort {
            key: AgentSortKey::UpdatedAt,
            direction: SortDirection::Desc,
        });
    }
    let limit = req
        .page
        .as_ref()
        .and_then(|page| page.limit)
        .map_or(MAX_PAGE, |limit| (limit as usize).clamp(1, MAX_PAGE));
    let after = match req.page.as_ref().and_then(|page| page.cursor.as_deref()) {
        None | Some("") => None,
        Some(text) => {
            let cursor = decode_cursor(text).ok_or(PageError::Cursor)?;
            if cursor.sort != sort {
                return Err(PageError::Cursor);
            }
            Some(cursor.last)
        }
    };
    let mut rows: Vec<(SortKey, AgentSnapshot, ProjectPlacement)> = agents
        .into_iter()
        .filter(|(agent, placement)| filter.matches(agent, placement))
        .map(|(agent, placement)| {
            let key = SortKey {
                values: sort
                    .iter()
                    .map(|spec| sort_value(&agent, spec.key))
                    .collect(),
                id: agent.id.clone(),
            };
            (key, agent, placement)
        })
        .collect();
    rows.sort_by(|a, b| compare_keys(&a.0, &b.0, &sort));
    let matching = rows.iter().map(|(_, agent, _)| agent.id.clone()).collect();
    let start = match &after {
        None => 0,
        Some(last) => {
            rows.partition_point(|(key, _, _)| compare_keys(key, last, &sort) != Ordering::Greater)
        }
    };
    let end = (start + limit).min(rows.len());
    let has_more = end < rows.len();
    let next_cursor = (has_more && end > start).then(|| {
        encode_cursor(&Cursor {
            sort: sort.clone(),
            last: rows[end - 1].0.clone(),
        })
    });
    let rows = rows
        .drain(start..end)
        .map(|(_, agent, placement)| (agent, placement))
        .collect();
    Ok(Page {
        rows,
        next_cursor,
        has_more,
        matching,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{AgentCapabilityFlags, CheckoutLite, PageRequest};

    fn agent(id: &str, updated: &str, status: AgentStatus) -> (AgentSnapshot, ProjectPlacement) {
        let snapshot = AgentSnapshot {
            id: id.into(),
            provider: "test".into(),
            cwd: "/w".into(),
            model: None,
            thinking_option_id: None,
            effective_thinking_option_id: None,
            runtime_info: None,
            created_at: "2026-01-01T00:00:00.000Z".into(),
            updated_at: updated.into(),
            last_user_message_at: None,
            status,
            capabilities: AgentCapabilityFlags::default(),
            current_mode_id: None,
            available_modes: Vec::new(),
            features: None,
            pending_permissions: Vec::new(),
            persistence: None,
            title: None,
            labels: BTreeMap::new(),
            last_usage: None,
            last_error: None,
            requires_attention: false,
            attention_reason: None,
            attention_timestamp: None,
            archived_at: None,
            provider_unavailable: None,
        };
        let placement = ProjectPlacement {
            project_key: "/w".into(),
            project_name: "w".into(),
            checkout: CheckoutLite {
                cwd: "/w".into(),
                is_git: false,
                current_branch: None,
                remote_url: None,
                worktree_root: None,
                is_paseo_owned_worktree: false,
                main_repo_root: None,
            },
        };
        (snapshot, placement)
    }

    fn request(value: serde_json::Value) -> FetchAgentsRequest {
        serde_json::from_value(value).expect("request")
    }

    #[test]
    fn pages_follow_cursors_without_repeats_or_gaps() {
        let agents: Vec<_> = (0..250)
            .map(|i| {
                agent(
                    &format!("a{i:03}"),
                    &format!("2026-01-01T00:00:{:02}.000Z", i % 60),
                    AgentStatus::Idle,
                )
            })
            .collect();
        let req = request(serde_json::json!({"requestId": "r", "page": {"limit": 200}}));
        let filter = AgentFilter::from_request(&req).expect("filter");
        let first = page(&req, &filter, agents.clone()).expect("page 1");
        assert_eq!(first.rows.len(), 200);
        assert!(first.has_more);
        assert_eq!(first.matching.len(), 250);
        let mut req2 = req.clone();
        req2.page = Some(PageRequest {
            limit: Some(200),
            cursor: first.next_cursor.clone(),
        });
        let second = page(&req2, &filter, agents).expect("page 2");
        assert_eq!(second.rows.len(), 50);
        assert!(!second.has_more && second.next_cursor.is_none());
        let mut ids: Vec<_> = first
            .rows
            .iter()
            .chain(&second.rows)
            .map(|(a, _)| a.id.clone())
            .collect();
        let sorted_desc = first
            .rows
            .windows(2)
            .all(|w| w[0].0.updated_at >= w[1].0.updated_at);
        assert!(sorted_desc);
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 250);
    }

    #[test]
    fn archived_are_hidden_unless_asked_and_cli_shapes_parse() {
        let mut archived = agent("b", "2026-01-01T00:00:00.000Z", AgentStatus::Idle);
        archived.0.archived_at = Some("2026-01-02T00:00:00.000Z".into());
        let agents = vec![
            agent("a", "2026-01-01T00:00:00.000Z", AgentStatus::Running),
            archived,
        ];
        for (req, expected) in [
            (serde_json::json!({"requestId": "r"}), 1),
            (serde_json::json!({"requestId": "r", "scope": "active"}), 1),
            (
                serde_json::json!({"requestId": "r", "filter": {"includeArchived": true}}),
                2,
            ),
            (
                serde_json::json!({"requestId": "r", "filter": {"statuses": ["running"]}}),
                1,
            ),
            (
                serde_json::json!({"requestId": "r", "filter": {"labels": {"k": "v"}}}),
                0,
            ),
        ] {
            let req = request(req);
            let filter = AgentFilter::from_request(&req).expect("filter");
            assert_eq!(
                page(&req, &filter, agents.clone())
                    .expect("page")
                    .rows
                    .len(),
                expected,
                "{req:?}"
            );
        }
    }

    #[test]
    fn status_priority_sort_and_bad_cursors() {
        let agents = vec![
            agent("idle", "2026-01-01T00:00:03.000Z", AgentStatus::Idle),
            agent("err", "2026-01-01T00:00:02.000Z", AgentStatus::Error),
            agent("run", "2026-01-01T00:00:01.000Z", AgentStatus::Running),
        ];
        let req = request(
            serde_json::json!({"requestId": "r", "sort": [{"key": "status_priority", "direction": "asc"}]}),
        );
        let filter = AgentFilter::from_request(&req).expect("filter");
        let ids: Vec<_> = page(&req, &filter, agents.clone())
            .expect("page")
            .rows
            .into_iter()
            .map(|(a, _)| a.id)
            .collect();
        assert_eq!(ids, ["err", "run", "idle"]);
        let bad = request(serde_json::json!({"requestId": "r", "page": {"cursor": "zz"}}));
        assert_eq!(
            page(&bad, &filter, agents.clone()).unwrap_err(),
            PageError::Cursor
        );
        // A cursor made under one sort is refused under another.
        let small = request(serde_json::json!({"requestId": "r", "page": {"limit": 1}}));
        let cursor = page(&small, &filter, agents.clone())
            .expect("page")
            .next_cursor
            .expect("cursor");
        let other = request(
            serde_json::json!({"requestId": "r", "sort": [{"key": "title", "direction": "asc"}], "page": {"cursor": cursor}}),
        );
        assert_eq!(
            page(&other, &filter, agents).unwrap_err(),
            PageError::Cursor
        );
    }
}
