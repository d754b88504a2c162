//! `read_project_config_request`: a project's `paseo.json` (Paseo's
//! per-repository settings: worktree setup commands, scripts), read as
//! Paseo reads it, so its app's project settings show the real file.
//!
//! Paseo only answers for projects in its registry; ours has none, so any
//! existing directory counts as a project (`project_not_found` otherwise).
//! An absent file is `config: null`; a file that is not a JSON object is
//! `invalid_project_config`. Writing the file is not offered.

use std::path::Path;
use std::time::UNIX_EPOCH;

use protocol::{ProjectConfigRevision, ReadProjectConfigRequest, ReadProjectConfigResponse};
use serde_json::{Value, json};

/// Paseo's project config file name, at the repository root.
pub(crate) const FILE_NAME: &str = "paseo.json";

/// Largest config file read (a settings file, never this big).
const MAX_BYTES: u64 = 1024 * 1024;

/// Answers one read.
pub(crate) async fn read(req: ReadProjectConfigRequest) -> ReadProjectConfigResponse {
    let ReadProjectConfigRequest {
        request_id,
        repo_root,
    } = req;
    let failed = |code: &str, repo_root: String, request_id: String| ReadProjectConfigResponse {
        request_id,
        repo_root,
        ok: false,
        config: None,
        revision: None,
        error: Some(json!({"code": code})),
    };
    let root = Path::new(repo_root.trim());
    if !root.is_absolute() || !tokio::fs::metadata(root).await.is_ok_and(|m| m.is_dir()) {
        return failed("project_not_found", repo_root, request_id);
    }
    let path = root.join(FILE_NAME);
    let meta = match tokio::fs::metadata(&path).await {
        Ok(meta) if meta.is_file() => meta,
        // No file (or not a file): no config, as Paseo.
        _ => {
            return ReadProjectConfigResponse {
                request_id,
                repo_root,
                ok: true,
                config: Some(None),
                revision: Some(None),
                error: None,
            };
        }
    };
    if meta.len() > MAX_BYTES {
        return failed("invalid_project_config", repo_root, request_id);
    }
    let parsed = tokio::fs::read(&path)
        .await
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Value>(&bytes).ok())
        .filter(Value::is_object);
    let Some(config) = parsed else {
        return failed("invalid_project_config", repo_root, request_id);
    };
    let mtime_ms = meta
        .modified()
        .ok()
        .and_then(|at| at.duration_since(UNIX_EPOCH).ok())
        .map_or(0.0, |since| since.as_secs_f64() * 1000.0);
    ReadProjectConfigResponse {
        request_id,
        repo_root,
        ok: true,
        config: Some(Some(config)),
        revision: Some(Some(ProjectConfigRevision {
            mtime_ms,
            size: meta.len(),
        })),
        error: None,
    }
}
