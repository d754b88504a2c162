//! Git state of a directory: `checkout_status_*` (requested and pushed) and
//! the structured diff subscription (`*_checkout_diff_*`). Keyed by `cwd`.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

/// Why a checkout query failed. Codes unknown to this crate read as
/// [`CheckoutErrorCode::Unknown`], which is itself a wire value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CheckoutErrorCode {
    NotGitRepo,
    NotAllowed,
    MergeConflict,
    #[serde(other)]
    Unknown,
}

/// A failed checkout query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutError {
    pub code: CheckoutErrorCode,
    pub message: String,
}

/// `checkout_status_request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutStatusRequest {
    pub cwd: String,
    pub request_id: String,
}

/// Commits ahead of and behind the base ref.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AheadBehind {
    pub ahead: u64,
    pub behind: u64,
}

/// Pull-request status attached to pushed checkout updates. The PR itself
/// and the error stay JSON: they are outside the subset we interpret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutPrStatus {
    pub cwd: String,
    #[serde(default)]
    pub status: Option<Value>,
    pub github_features_enabled: bool,
    #[serde(default)]
    pub error: Option<Value>,
    pub request_id: String,
}

/// Payload of `checkout_status_response` and `checkout_status_update`.
///
/// Paseo has three variants (not git; git; Paseo-owned worktree) that share
/// keys; one struct covers them. It serializes every key each variant
/// carries: `mainRepoRoot` only when `is_git`, `prStatus` only when set,
/// every other key always (`null` where it does not apply).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutStatus {
    pub cwd: String,
    pub is_git: bool,
    #[serde(default)]
    pub repo_root: Option<String>,
    #[serde(default)]
    pub main_repo_root: Option<String>,
    #[serde(default)]
    pub current_branch: Option<String>,
    #[serde(default)]
    pub is_dirty: Option<bool>,
    #[serde(default)]
    pub base_ref: Option<String>,
    #[serde(default)]
    pub ahead_behind: Option<AheadBehind>,
    #[serde(default)]
    pub ahead_of_origin: Option<u64>,
    #[serde(default)]
    pub behind_of_origin: Option<u64>,
    #[serde(default)]
    pub has_remote: bool,
    #[serde(default)]
    pub remote_url: Option<String>,
    #[serde(default)]
    pub is_paseo_owned_worktree: bool,
    #[serde(default)]
    pub error: Option<CheckoutError>,
    /// `"subscription:<cwd>"` on pushed updates.
    pub request_id: String,
    /// Only on `checkout_status_update`.
    #[serde(default)]
    pub pr_status: Option<CheckoutPrStatus>,
}

/// Payload of `checkout_status_response`.
pub type CheckoutStatusResponse = CheckoutStatus;
/// Payload of the `checkout_status_update` push.
pub type CheckoutStatusUpdate = CheckoutStatus;

/// The keys of [`CheckoutStatus`] as they go on the wire.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckoutStatusWire<'a> {
    cwd: &'a str,
    is_git: bool,
    repo_root: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    main_repo_root: Option<Option<&'a str>>,
    current_branch: Option<&'a str>,
    is_dirty: Option<bool>,
    base_ref: Option<&'a str>,
    ahead_behind: Option<AheadBehind>,
    ahead_of_origin: Option<u64>,
    behind_of_origin: Option<u64>,
    has_remote: bool,
    remote_url: Option<&'a str>,
    is_paseo_owned_worktree: bool,
    error: Option<&'a CheckoutError>,
    request_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pr_status: Option<&'a CheckoutPrStatus>,
}

impl Serialize for CheckoutStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        CheckoutStatusWire {
            cwd: &self.cwd,
            is_git: self.is_git,
            repo_root: self.repo_root.as_deref(),
            main_repo_root: self.is_git.then_some(self.main_repo_root.as_deref()),
            current_branch: self.current_branch.as_deref(),
            is_dirty: self.is_dirty,
            base_ref: self.base_ref.as_deref(),
            ahead_behind: self.ahead_behind,
            ahead_of_origin: self.ahead_of_origin,
            behind_of_origin: self.behind_of_origin,
            has_remote: self.has_remote,
            remote_url: self.remote_url.as_deref(),
            is_paseo_owned_worktree: self.is_paseo_owned_worktree,
            error: self.error.as_ref(),
            request_id: &self.request_id,
            pr_status: self.pr_status.as_ref(),
        }
        .serialize(serializer)
    }
}

/// What a diff compares: the working tree against HEAD (untracked files
/// included), or against a base ref.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffCompareMode {
    Uncommitted,
    Base,
}

/// `compare` of a diff subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffCompare {
    pub mode: DiffCompareMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ignore_whitespace: Option<bool>,
}

/// `subscribe_checkout_diff_request`. Reusing a `subscription_id` replaces
/// the earlier subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscribeCheckoutDiffRequest {
    /// Client-chosen.
    pub subscription_id: String,
    pub cwd: String,
    pub compare: DiffCompare,
    pub request_id: String,
}

/// `unsubscribe_checkout_diff_request`: no `requestId`, no reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UnsubscribeCheckoutDiffRequest {
    pub subscription_id: String,
}

/// Kind of a diff line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffLineType {
    Add,
    Remove,
    Context,
    /// The `@@ … @@` line; carries no tokens.
    Header,
    #[serde(other)]
    Unknown,
}

/// A syntax-highlighted piece of a diff line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffToken {
    pub text: String,
    #[serde(default)]
    pub style: Option<String>,
}

/// One line of a hunk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiffLine {
    #[serde(rename = "type")]
    pub kind: DiffLineType,
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Vec<DiffToken>>,
}

/// One hunk of a file diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffHunk {
    pub old_start: u64,
    pub old_count: u64,
    pub new_start: u64,
    pub new_count: u64,
    pub lines: Vec<DiffLine>,
}

/// Whether a file's diff was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffFileStatus {
    Ok,
    TooLarge,
    Binary,
    #[serde(other)]
    Unknown,
}

/// One changed file; untracked files come with `is_new`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParsedDiffFile {
    pub path: String,
    pub is_new: bool,
    pub is_deleted: bool,
    pub additions: u64,
    pub deletions: u64,
    pub hunks: Vec<DiffHunk>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DiffFileStatus>,
}

/// Answer to [`SubscribeCheckoutDiffRequest`]: the current diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscribeCheckoutDiffResponse {
    pub subscription_id: String,
    pub cwd: String,
    pub files: Vec<ParsedDiffFile>,
    #[serde(default)]
    pub error: Option<CheckoutError>,
    pub request_id: String,
}

/// `checkout_diff_update` push: the diff changed (no `requestId`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutDiffUpdate {
    pub subscription_id: String,
    pub cwd: String,
    pub files: Vec<ParsedDiffFile>,
    #[serde(default)]
    pub error: Option<CheckoutError>,
}

/// `paseo_worktree_list_request`: the worktrees of the repository holding
/// `repoRoot` (else `cwd`). Neither given is answered with an error in the
/// response, as Paseo does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaseoWorktreeListRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repo_root: Option<String>,
    pub request_id: String,
}

/// One worktree in [`PaseoWorktreeListResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaseoWorktree {
    pub worktree_path: String,
    /// ISO time the worktree directory was made (epoch 0 when unknown).
    pub created_at: String,
    /// `None` for a detached HEAD.
    #[serde(default)]
    pub branch_name: Option<String>,
    /// The commit checked out.
    #[serde(default)]
    pub head: Option<String>,
}

/// `paseo_worktree_list_response`; on failure `worktrees` is empty and
/// `error` says why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaseoWorktreeListResponse {
    pub worktrees: Vec<PaseoWorktree>,
    #[serde(default)]
    pub error: Option<CheckoutError>,
    pub request_id: String,
}

/// `checkout_pr_status_request`: the pull request of `cwd`'s branch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutPrStatusRequest {
    pub cwd: String,
    pub request_id: String,
}

/// Answer to [`CheckoutPrStatusRequest`]; `status` is `null` without a pull
/// request or GitHub features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutPrStatusResponse {
    pub cwd: String,
    #[serde(default)]
    pub status: Option<CheckoutPrStatus>,
    pub github_features_enabled: bool,
    #[serde(default)]
    pub error: Option<CheckoutError>,
    pub request_id: String,
}
