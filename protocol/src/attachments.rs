//! What a user can send along with a prompt: inline images and structured
//! attachments (pull requests, issues, text, code-review comments). Used by
//! both `create_agent_request` and `send_agent_message_request`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// An inline image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageAttachment {
    /// Base64, no data-URL prefix.
    pub data: String,
    pub mime_type: String,
}

/// Which side of a diff a review comment points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewSide {
    Old,
    New,
}

/// What a review compares: the working tree, or against a base ref.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewMode {
    Uncommitted,
    Base,
}

/// A diff line quoted by a review comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewLine {
    #[serde(default)]
    pub old_line_number: Option<u64>,
    #[serde(default)]
    pub new_line_number: Option<u64>,
    /// `add`, `remove` or `context`.
    #[serde(rename = "type")]
    pub kind: String,
    pub content: String,
}

/// The diff context around a review comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewContext {
    pub hunk_header: String,
    pub target_line: ReviewLine,
    pub lines: Vec<ReviewLine>,
}

/// One comment of a review attachment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewComment {
    pub file_path: String,
    pub side: ReviewSide,
    pub line_number: u64,
    pub body: String,
    pub context: ReviewContext,
}

/// A structured attachment, discriminated on `type`. Each carries the
/// `mimeType` Paseo pairs with it (e.g. `application/github-pr`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
pub enum Attachment {
    GithubPr {
        mime_type: String,
        number: u64,
        title: String,
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_ref_name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        head_ref_name: Option<String>,
    },
    GithubIssue {
        mime_type: String,
        number: u64,
        title: String,
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
    },
    Text {
        mime_type: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
        text: String,
    },
    Review {
        mime_type: String,
        cwd: String,
        mode: ReviewMode,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_ref: Option<String>,
        comments: Vec<ReviewComment>,
    },
    /// An element that is not a valid attachment. Paseo drops these
    /// silently; we keep them so the daemon can do the same.
    #[serde(untagged)]
    Unknown(Value),
}

/// Paseo accepts any value for `attachments`: a non-array counts as empty and
/// invalid elements become [`Attachment::Unknown`]. Never fails.
pub(crate) fn lenient_attachments<'de, D>(
    deserializer: D,
) -> Result<Option<Vec<Attachment>>, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(match Value::deserialize(deserializer)? {
        Value::Null => None,
        Value::Array(items) => Some(
            items
                .into_iter()
                .map(|item| {
                    serde_json::from_value(item.clone()).unwrap_or(Attachment::Unknown(item))
                })
                .collect(),
        ),
        _ => Some(Vec::new()),
    })
}
