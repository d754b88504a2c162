//! Workspaces derived from agents, for Paseo's app (`fetch_workspaces_*`,
//! `workspace_update`): one workspace per directory some unarchived agent
//! works in.
//!
//! Paseo keeps registries of projects and workspaces; this daemon has only
//! agents, so a workspace is the set of unarchived agents sharing a `cwd`
//! (Paseo's app finds an agent's workspace by exactly that directory). Its
//! id and directory are the `cwd`; its project is the agent placement's
//! (the repository root, else the directory); its kind is `local_checkout`
//! in a git checkout and `directory` elsewhere, as Paseo names them without
//! worktrees; its status is the most urgent bucket of its agents (Paseo's
//! rule); its activity is the latest time a user worked with one of its
//! agents (last message, else creation). Not `updatedAt`: that changes
//! with every status change, and each change would push the workspace
//! again although only its agents changed. (Paseo always sends `null`.)
//!
//! Why an index rather than a scan: a workspace changes whenever one of its
//! agents does, and that change is announced with the agent's lock held;
//! scanning the other agents there would lock them too (and two agents
//! doing so at once would deadlock). The index keeps what each workspace
//! needs of each agent under its own short lock, taken after an agent's
//! lock and never before one.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use protocol::{
    AgentStatus, AttentionReason, FetchWorkspacesRequest, PageInfo, SortDirection,
    WorkspaceDescriptor, WorkspaceFilter, WorkspaceSort, WorkspaceSortKey, WorkspaceStatus,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::listing::{MAX_PAGE, PageError, compare_values, decode_hex_json, encode_hex_json};
use super::project;
use crate::store::AgentRecord;

/// What a workspace needs of one agent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Member {
    status: WorkspaceStatus,
    activity_at: String,
    archived: bool,
}

impl Member {
    /// The agent's contribution, from its record.
    pub(crate) fn of(record: &AgentRecord) -> Self {
        Self {
            status: bucket(record),
            activity_at: record
                .last_user_message_at
                .clone()
                .unwrap_or_else(|| record.created_at.clone()),
            archived: record.archived_at.is_some(),
        }
    }
}

/// Paseo's bucket of one agent: waiting on a permission, failed, running,
/// finished unseen, or done.
fn bucket(record: &AgentRecord) -> WorkspaceStatus {
    let attention = record
        .requires_attention
        .then_some(record.attention_reason)
        .flatten();
    if !record.pending_permissions.is_empty() || attention == Some(AttentionReason::Permission) {
        WorkspaceStatus::NeedsInput
    } else if record.status == AgentStatus::Error || attention == Some(AttentionReason::Error) {
        WorkspaceStatus::Failed
    } else if record.status == AgentStatus::Running {
        WorkspaceStatus::Running
    } else if record.requires_attention {
        WorkspaceStatus::Attention
    } else {
        WorkspaceStatus::Done
    }
}

/// Every agent's [`Member`], by directory.
#[derive(Debug, Default)]
pub(crate) struct WorkspaceIndex {
    by_cwd: Mutex<HashMap<String, HashMap<String, Member>>>,
}

impl WorkspaceIndex {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, HashMap<String, Member>>> {
        self.by_cwd
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records a loaded agent (at start, before any client: nothing to
    /// publish, and describing every workspace there would read every
    /// repository's `.git`).
    pub(crate) fn load(&self, cwd: &str, agent_id: &str, member: Member) {
        self.lock()
            .entry(cwd.to_owned())
            .or_default()
            .insert(agent_id.to_owned(), member);
    }

    /// Records (or, with `None`, forgets) an agent of `cwd`. When that may
    /// change the workspace, `publish` gets its new state (`None`: no
    /// unarchived agent works there any more), still under the index's
    /// lock, so two agents of one workspace changing at once publish in
    /// the order their changes were recorded.
    pub(crate) fn set(
        &self,
        cwd: &str,
        agent_id: &str,
        member: Option<Member>,
        publish: impl FnOnce(Option<WorkspaceDescriptor>),
    ) {
        let mut index = self.lock();
        let members = index.entry(cwd.to_owned()).or_default();
        let changed = match member {
            Some(member) => members.insert(agent_id.to_owned(), member.clone()) != Some(member),
            None => members.remove(agent_id).is_some(),
        };
        let members: Vec<Member> = members.values().cloned().collect();
        if members.is_empty() {
            index.remove(cwd);
        }
        if changed {
            publish(describe(cwd, &members));
        }
    }

    /// Every workspace.
    pub(crate) fn all(&self) -> Vec<WorkspaceDescriptor> {
        let groups: Vec<(String, Vec<Member>)> = self
            .lock()
            .iter()
            .map(|(cwd, members)| (cwd.clone(), members.values().cloned().collect()))
            .collect();
        groups
            .iter()
            .filter_map(|(cwd, members)| describe(cwd, members))
            .collect()
    }
}

/// The workspace of `cwd` given its agents; `None` when all are archived.
fn describe(cwd: &str, members: &[Member]) -> Option<WorkspaceDescriptor> {
    let active: Vec<&Member> = members.iter().filter(|m| !m.archived).collect();
    let status = active.iter().map(|m| m.status).min()?;
    let activity_at = active.iter().map(|m| m.activity_at.clone()).max();
    let placement = project::placement(cwd);
    let is_git = placement.checkout.is_git;
    let name = placement
        .checkout
        .current_branch
        .clone()
        .filter(|branch| !branch.trim().is_empty() && !branch.eq_ignore_ascii_case("HEAD"))
        .unwrap_or_else(|| {
            Path::new(cwd)
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_else(|| cwd.to_owned())
        });
    Some(WorkspaceDescriptor {
        id: cwd.to_owned(),
        project_id: placement.project_key.clone(),
        project_display_name: placement.project_name.clone(),
        project_root_path: placement
            .checkout
            .worktree_root
            .clone()
            .unwrap_or_else(|| cwd.to_owned()),
        workspace_directory: Some(cwd.to_owned()),
        project_kind: if is_git { "git" } else { "non_git" }.to_owned(),
        workspace_kind: if is_git {
            "local_checkout"
        } else {
            "directory"
        }
        .to_owned(),
        name,
        archiving_at: None,
        status,
        activity_at,
        diff_stat: None,
        scripts: Vec::new(),
        git_runtime: None,
        github_runtime: None,
        project: Some(placement),
    })
}

/// Whether a workspace passes a request's filter (Paseo's rules).
pub(crate) fn matches(filter: Option<&WorkspaceFilter>, workspace: &WorkspaceDescriptor) -> bool {
    let Some(filter) = filter else {
        return true;
    };
    let given = |value: &Option<String>| {
        value
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    if let Some(project) = given(&filter.project_id)
        && workspace.project_id != project
    {
        return false;
    }
    if let Some(prefix) = given(&filter.id_prefix)
        && !workspace.id.starts_with(&prefix)
    {
        return false;
    }
    if let Some(query) = given(&filter.query) {
        let query = query.to_lowercase();
        return [&workspace.name, &workspace.project_id, &workspace.id]
            .iter()
            .any(|hay| hay.to_lowercase().contains(&query));
    }
    true
}

fn priority(status: WorkspaceStatus) -> i64 {
    match status {
        WorkspaceStatus::NeedsInput => 0,
        WorkspaceStatus::Failed => 1,
        WorkspaceStatus::Running => 2,
        WorkspaceStatus::Attention => 3,
        WorkspaceStatus::Done | WorkspaceStatus::Unknown => 4,
    }
}

fn sort_values(workspace: &WorkspaceDescriptor, sort: &[WorkspaceSort]) -> Vec<Value> {
    sort.iter()
        .map(|spec| match spec.key {
            WorkspaceSortKey::StatusPriority => Value::from(priority(workspace.status)),
            WorkspaceSortKey::ActivityAt => workspace
                .activity_at
                .clone()
                .map_or(Value::Null, Value::from),
            WorkspaceSortKey::Name => Value::from(workspace.name.to_lowercase()),
            WorkspaceSortKey::ProjectId => Value::from(workspace.project_id.to_lowercase()),
        })
        .collect()
}

/// A row's place under a sort; the id breaks ties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Position {
    values: Vec<Value>,
    id: String,
}

/// What a workspaces cursor encodes: the sort and the last row's place.
#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    sort: Vec<WorkspaceSort>,
    last: Position,
}

fn compare(a: &Position, b: &Position, sort: &[WorkspaceSort]) -> Ordering {
    for (spec, (x, y)) in sort.iter().zip(a.values.iter().zip(&b.values)) {
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

/// One page of workspaces for a request: filtered, sorted (default
/// `activity_at desc`, as Paseo), paged with keyset cursors like agent
/// listings.
pub(crate) fn page(
    req: &FetchWorkspacesRequest,
    workspaces: Vec<WorkspaceDescriptor>,
) -> Result<(Vec<WorkspaceDescriptor>, PageInfo), PageError> {
    let sort = if req.sort.is_empty() {
        vec![WorkspaceSort {
            key: WorkspaceSortKey::ActivityAt,
            direction: SortDirection::Desc,
        }]
    } else {
        req.sort.clone()
    };
    let limit = req
        .page
        .as_ref()
        .and_then(|page| page.limit)
        .map_or(MAX_PAGE, |limit| (limit as usize).clamp(1, MAX_PAGE));
    let cursor_text = req.page.as_ref().and_then(|page| page.cursor.clone());
    let after = match cursor_text.as_deref() {
        None | Some("") => None,
        Some(text) => {
            let cursor: Cursor = decode_hex_json(text).ok_or(PageError::Cursor)?;
            if cursor.sort != sort {
                return Err(PageError::Cursor);
            }
            Some(cursor.last)
        }
    };
    let mut rows: Vec<(Position, WorkspaceDescriptor)> = workspaces
        .into_iter()
        .filter(|workspace| matches(req.filter.as_ref(), workspace))
        .map(|workspace| {
            let position = Position {
                values: sort_values(&workspace, &sort),
                id: workspace.id.clone(),
            };
            (position, workspace)
        })
        .collect();
    rows.sort_by(|a, b| compare(&a.0, &b.0, &sort));
    let start = after.map_or(0, |last| {
        rows.partition_point(|(position, _)| compare(position, &last, &sort) != Ordering::Greater)
    });
    let end = (start + limit).min(rows.len());
    let has_more = end < rows.len();
    let next_cursor = (has_more && end > start).then(|| {
        encode_hex_json(&Cursor {
            sort: sort.clone(),
            last: rows[end - 1].0.clone(),
        })
    });
    let entries = rows.drain(start..end).map(|(_, row)| row).collect();
    Ok((
        entries,
        PageInfo {
            next_cursor,
            prev_cursor: cursor_text,
            has_more,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(status: WorkspaceStatus, activity_at: &str, archived: bool) -> Member {
        Member {
            status,
            activity_at: activity_at.to_owned(),
            archived,
        }
    }

    /// `set`, returning what it published (`None`: nothing).
    fn set(
        index: &WorkspaceIndex,
        cwd: &str,
        agent: &str,
        member: Option<Member>,
    ) -> Option<Option<WorkspaceDescriptor>> {
        let mut published = None;
        index.set(cwd, agent, member, |workspace| published = Some(workspace));
        published
    }

    #[test]
    fn a_workspace_takes_its_most_urgent_agent_and_latest_activity() {
        let dir = tempfile::tempdir().expect("dir");
        let cwd = dir.path().to_str().expect("utf8");
        let index = WorkspaceIndex::default();
        let first = set(
            &index,
            cwd,
            "a",
            Some(member(WorkspaceStatus::Done, "2026-01-02", false)),
        );
        let workspace = first.flatten().expect("a workspace");
        assert_eq!(workspace.id, cwd);
        assert_eq!(workspace.workspace_kind, "directory");
        assert_eq!(workspace.status, WorkspaceStatus::Done);
        let second = set(
            &index,
            cwd,
            "b",
            Some(member(WorkspaceStatus::Running, "2026-01-01", false)),
        );
        let workspace = second.flatten().expect("a workspace");
        assert_eq!(workspace.status, WorkspaceStatus::Running);
        assert_eq!(workspace.activity_at.as_deref(), Some("2026-01-02"));
        // Unchanged member: nothing published.
        assert_eq!(
            set(
                &index,
                cwd,
                "b",
                Some(member(WorkspaceStatus::Running, "2026-01-01", false))
            ),
            None
        );
        // Archived agents do not count; with none left the workspace goes.
        set(
            &index,
            cwd,
            "b",
            Some(member(WorkspaceStatus::Running, "2026-01-03", true)),
        );
        assert_eq!(set(&index, cwd, "a", None), Some(None));
        assert!(index.all().is_empty());
    }

    #[test]
    fn pages_follow_the_sort_and_cursor() {
        let index = WorkspaceIndex::default();
        let dirs: Vec<tempfile::TempDir> =
            (0..3).map(|_| tempfile::tempdir().expect("dir")).collect();
        for (n, dir) in dirs.iter().enumerate() {
            set(
                &index,
                dir.path().to_str().expect("utf8"),
                &format!("agent{n}"),
                Some(member(
                    WorkspaceStatus::Done,
                    &format!("2026-01-0{n}"),
                    false,
                )),
            );
        }
        let mut req = FetchWorkspacesRequest {
            request_id: "r".into(),
            page: Some(protocol::PageRequest {
                limit: Some(2),
                cursor: None,
            }),
            ..FetchWorkspacesRequest::default()
        };
        let (first, info) = page(&req, index.all()).expect("page");
        assert_eq!(first.len(), 2);
        assert!(info.has_more);
        assert_eq!(
            first[0].activity_at.as_deref(),
            Some("2026-01-02"),
            "latest first"
        );
        req.page = Some(protocol::PageRequest {
            limit: Some(2),
            cursor: info.next_cursor,
        });
        let (rest, info) = page(&req, index.all()).expect("page");
        assert_eq!(rest.len(), 1);
        assert!(!info.has_more);
        assert_eq!(rest[0].activity_at.as_deref(), Some("2026-01-00"));
        req.page = Some(protocol::PageRequest {
            limit: None,
            cursor: Some("zz".into()),
        });
        assert_eq!(page(&req, index.all()).err(), Some(PageError::Cursor));
    }
}
