//! Browsing a workspace: the `file_explorer_*` exchange, keyed by `cwd`
//! (not by agent) since protocol v1. Binary file transfer is out of scope.

use serde::{Deserialize, Serialize};

/// Whether a file explorer request lists a directory or reads a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileExplorerMode {
    List,
    File,
}

/// `file_explorer_request`. Paths are relative to `cwd` and may not escape it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileExplorerRequest {
    pub cwd: String,
    /// Defaults to `"."`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub mode: FileExplorerMode,
    pub request_id: String,
    /// Ask for binary transfer frames instead of JSON (not supported here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_binary: Option<bool>,
}

/// Kind of a directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileEntryKind {
    File,
    Directory,
    #[serde(other)]
    Unknown,
}

/// One entry of a listed directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryEntry {
    pub name: String,
    /// Relative to the request's `cwd`.
    pub path: String,
    pub kind: FileEntryKind,
    pub size: u64,
    pub modified_at: String,
}

/// A listed directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryListing {
    pub path: String,
    pub entries: Vec<DirectoryEntry>,
}

/// How a file's content is to be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileContentKind {
    Text,
    Image,
    Binary,
    #[serde(other)]
    Unknown,
}

/// How `content` is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    #[serde(rename = "base64")]
    Base64,
    /// No content sent (binary files).
    #[serde(rename = "none")]
    None,
    #[serde(other, rename = "unknown")]
    Unknown,
}

/// A read file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileContent {
    pub path: String,
    pub kind: FileContentKind,
    pub encoding: FileEncoding,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    pub size: u64,
    pub modified_at: String,
}

/// Answer to [`FileExplorerRequest`]: exactly one of `directory`, `file`
/// or `error` is non-null.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FileExplorerResponse {
    pub cwd: String,
    /// The resolved relative path.
    pub path: String,
    pub mode: FileExplorerMode,
    #[serde(default)]
    pub directory: Option<DirectoryListing>,
    #[serde(default)]
    pub file: Option<FileContent>,
    #[serde(default)]
    pub error: Option<String>,
    pub request_id: String,
}
