//! Where an agent lives: the project placement attached to agent list
//! entries and updates. Kept apart because both the agent messages and the
//! (out-of-subset) workspace messages embed it.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The git facts of an agent's directory. Every key is always sent, `null`
/// when it does not apply (not a repository, no remote, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutLite {
    pub cwd: String,
    pub is_git: bool,
    #[serde(default)]
    pub current_branch: Option<String>,
    #[serde(default)]
    pub remote_url: Option<String>,
    /// Repository top level; `null` outside git, defaults to `cwd` inside.
    #[serde(default)]
    pub worktree_root: Option<String>,
    #[serde(default)]
    pub is_paseo_owned_worktree: bool,
    /// Only set for Paseo-owned worktrees.
    #[serde(default)]
    pub main_repo_root: Option<String>,
}

/// The project an agent belongs to (`project` in agent entries/updates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProjectPlacement {
    pub project_key: String,
    pub project_name: String,
    pub checkout: CheckoutLite,
}

impl ProjectPlacement {
    /// As a JSON value, for the `project` fields kept untyped
    /// ([`crate::AgentEntry::project`], [`crate::AgentUpdate::Upsert`]).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a placement always serializes")
    }
}
