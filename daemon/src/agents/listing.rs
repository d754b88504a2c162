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

use crate::store::AgentRecord;

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
        self.matches_listable(agent, || placement.project_key.clone())
    }

    /// Whether an agent passes; `project_key` is only called when the
    /// filter names projects (placing an agent costs a cache lookup).
    pub(crate) fn matches_listable(
        &self,
        agent: &impl Listable,
        project_key: impl FnOnce() -> String,
    ) -> bool {
        (self.include_archived || !agent.archived())
            && self
                .labels
                .iter()
                .all(|(key, value)| agent.labels().get(key) == Some(value))
            && self
                .statuses
                .as_ref()
                .is_none_or(|statuses| statuses.contains(&agent.status()))
            && self
                .requires_attention
                .is_none_or(|wanted| agent.requires_attention() == wanted)
            && self
                .thinking_option_id
                .as_ref()
                .is_none_or(|wanted| agent.effective_thinking_option_id() == wanted)
            && self
                .project_keys
                .as_ref()
                .is_none_or(|keys| keys.contains(&project_key()))
    }
}

/// What filtering and sorting read of an agent. Why a trait: a listing
/// reads these from the stored records and builds the (costly) wire
/// snapshot only for the rows of the page; tests list snapshots directly.
pub(crate) trait Listable {
    /// The agent id.
    fn id(&self) -> &str;
    /// Whether the agent is archived.
    fn archived(&self) -> bool;
    /// User labels.
    fn labels(&self) -> &BTreeMap<String, String>;
    /// Lifecycle status.
    fn status(&self) -> AgentStatus;
    /// Whether the agent asks for attention.
    fn requires_attention(&self) -> bool;
    /// The attention reason as the snapshot reports it.
    fn attention_reason(&self) -> Option<AttentionReason>;
    /// Whether permission requests are pending.
    fn has_pending_permissions(&self) -> bool;
    /// The snapshot's `effectiveThinkingOptionId`.
    fn effective_thinking_option_id(&self) -> &Option<String>;
    /// ISO creation time.
    fn created_at(&self) -> &str;
    /// ISO last-update time.
    fn updated_at(&self) -> &str;
    /// Title, if any.
    fn title(&self) -> Option<&str>;
}

impl Listable for AgentSnapshot {
    fn id(&self) -> &str {
        &self.id
    }
    fn archived(&self) -> bool {
        self.archived_at.is_some()
    }
    fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }
    fn status(&self) -> AgentStatus {
        self.status
    }
    fn requires_attention(&self) -> bool {
        self.requires_attention
    }
    fn attention_reason(&self) -> Option<AttentionReason> {
        self.attention_reason
    }
    fn has_pending_permissions(&self) -> bool {
        !self.pending_permissions.is_empty()
    }
    fn effective_thinking_option_id(&self) -> &Option<String> {
        &self.effective_thinking_option_id
    }
    fn created_at(&self) -> &str {
        &self.created_at
    }
    fn updated_at(&self) -> &str {
        &self.updated_at
    }
    fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
}

/// Mirrors `snapshot::build` for the fields a listing reads.
impl Listable for AgentRecord {
    fn id(&self) -> &str {
        &self.id
    }
    fn archived(&self) -> bool {
        self.archived_at.is_some()
    }
    fn labels(&self) -> &BTreeMap<String, String> {
        &self.labels
    }
    fn status(&self) -> AgentStatus {
        self.status
    }
    fn requires_attention(&self) -> bool {
        self.requires_attention
    }
    fn attention_reason(&self) -> Option<AttentionReason> {
        self.requires_attention
            .then_some(self.attention_reason)
            .flatten()
    }
    fn has_pending_permissions(&self) -> bool {
        !self.pending_permissions.is_empty()
    }
    fn effective_thinking_option_id(&self) -> &Option<String> {
        &self.thinking_option_id
    }
    fn created_at(&self) -> &str {
        &self.created_at
    }
    fn updated_at(&self) -> &str {
        &self.updated_at
    }
    fn title(&self) -> Option<&str> {
        self.title.as_deref()
    }
}

/// 0 = waiting on the user, then error, running, initializing, the rest.
fn status_priority(agent: &impl Listable) -> i64 {
    if agent.has_pending_permissions()
        || (agent.requires_attention()
            && agent.attention_reason() == Some(AttentionReason::Permission))
    {
        return 0;
    }
    match agent.status() {
        AgentStatus::Error => 1,
        AgentStatus::Running => 2,
        AgentStatus::Initializing => 3,
        _ => 4,
    }
}

fn sort_value(agent: &impl Listable, key: AgentSortKey) -> Value {
    match key {
        AgentSortKey::StatusPriority => Value::from(status_priority(agent)),
        AgentSortKey::CreatedAt => Value::from(agent.created_at()),
        AgentSortKey::UpdatedAt => Value::from(agent.updated_at()),
        AgentSortKey::Title => agent.title().map_or(Value::Null, Value::from),
    }
}

/// The sort position of an agent that passes `filter`, `None` otherwise.
pub(crate) fn select(
    agent: &impl Listable,
    project_key: impl FnOnce() -> String,
    filter: &AgentFilter,
    sort: &[AgentSort],
) -> Option<SortKey> {
    filter
        .matches_listable(agent, project_key)
        .then(|| SortKey {
            values: sort
                .iter()
                .map(|spec| sort_value(agent, spec.key))
                .collect(),
            id: agent.id().to_owned(),
        })
}

/// null < numbers < strings; numbers and strings by value.
pub(crate) fn compare_values(a: &Value, b: &Value) -> Ordering {
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
pub(crate) struct SortKey {
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
    encode_hex_json(cursor)
}

fn decode_cursor(text: &str) -> Option<Cursor> {
    decode_hex_json(text)
}

/// A cursor's text: its JSON, hex-encoded (opaque to clients, safe in any
/// transport).
pub(crate) fn encode_hex_json(value: &impl Serialize) -> String {
    let json = serde_json::to_vec(value).unwrap_or_default();
    json.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads what [`encode_hex_json`] wrote; `None` for anything else.
pub(crate) fn decode_hex_json<T: serde::de::DeserializeOwned>(text: &str) -> Option<T> {
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
pub(crate) struct Page<T = (AgentSnapshot, ProjectPlacement)> {
    /// The rows, in order.
    pub rows: Vec<T>,
    /// Cursor after the last row, when more follow.
    pub next_cursor: Option<String>,
    /// Whether more rows follow.
    pub has_more: bool,
    /// Ids of every matching agent (all pages), for subscriptions.
    pub matching: Vec<String>,
}

/// Filters, sorts and pages snapshots for `req` (tests list snapshots).
#[cfg(test)]
pub(crate) fn page(
    req: &FetchAgentsRequest,
    filter: &AgentFilter,
    agents: Vec<(AgentSnapshot, ProjectPlacement)>,
) -> Result<Page, PageError> {
    page_by(req, agents, |(agent, placement), sort| {
        select(agent, || placement.project_key.clone(), filter, sort)
    })
}

/// Pages any kind of row: `select` gives a row's sort position under the
/// request's sort, or `None` to leave the row out. Why generic: the
/// daemon selects on stored records and builds snapshots for one page only.
pub(crate) fn page_by<T>(
    req: &FetchAgentsRequest,
    agents: Vec<T>,
    mut select: impl FnMut(&T, &[AgentSort]) -> Option<SortKey>,
) -> Result<Page<T>, PageError> {
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
    let mut rows: Vec<(SortKey, T)> = agents
        .into_iter()
        .filter_map(|row| select(&row, &sort).map(|key| (key, row)))
        .collect();
    rows.sort_by(|a, b| compare_keys(&a.0, &b.0, &sort));
    let matching = rows.iter().map(|(key, _)| key.id.clone()).collect();
    let start = match &after {
        None => 0,
        Some(last) => {
            rows.partition_point(|(key, _)| compare_keys(key, last, &sort) != Ordering::Greater)
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
    let rows = rows.drain(start..end).map(|(_, row)| row).collect();
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
