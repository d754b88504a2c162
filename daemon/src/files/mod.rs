//! The file explorer (`file_explorer_request`, Paseo protocol v1 §7.1):
//! list a directory or read a file inside a workspace directory (`cwd`).
//!
//! Every path goes through [`resolve`] first, the boundary that keeps
//! clients inside `cwd` (`..`, absolute paths and symlinks pointing out are
//! all refused with Paseo's "Access outside of workspace is not allowed").
//! Listing is in [`list`], reading and classifying files in [`read`].
//! The filesystem work is blocking, so it runs on tokio's blocking pool.

mod list;
mod read;
mod resolve;

use protocol::{FileExplorerMode, FileExplorerRequest, FileExplorerResponse};

/// Why a file explorer request failed. The `Display` text is what the
/// client sees in `error`, so the first variants use Paseo's exact words.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExploreError {
    /// Empty `cwd`.
    #[error("cwd is required")]
    CwdRequired,
    /// A relative `cwd` would depend on the daemon's own directory.
    #[error("cwd must be an absolute path")]
    CwdNotAbsolute,
    /// The path resolves outside `cwd`.
    #[error("Access outside of workspace is not allowed")]
    OutsideWorkspace,
    /// The path (or `cwd`) does not exist; worded like Node's ENOENT, as
    /// Paseo's daemon reports it.
    #[error("ENOENT: no such file or directory, stat '{path}'")]
    NotFound {
        /// The missing path.
        path: String,
    },
    /// `list` on something that is not a directory.
    #[error("Requested path is not a directory")]
    NotADirectory,
    /// `file` on something that is not a regular file.
    #[error("Requested path is not a file")]
    NotAFile,
    /// The file's content is over [`read::MAX_CONTENT_BYTES`].
    #[error("File is too large to display ({size} bytes; the limit is {limit} bytes)")]
    TooLarge {
        /// The file's size.
        size: u64,
        /// The limit.
        limit: u64,
    },
    /// Any other I/O failure (permissions, ...).
    #[error("Cannot read {path}: {source}")]
    Io {
        /// The path at fault.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// Answers one request; never fails (errors go in `error`).
pub(crate) async fn explore(req: FileExplorerRequest) -> FileExplorerResponse {
    let FileExplorerRequest {
        cwd,
        path,
        mode,
        request_id,
        ..
    } = req;
    let requested = path.unwrap_or_else(|| ".".to_owned());
    let mut response = FileExplorerResponse {
        cwd: cwd.clone(),
        path: requested.clone(),
        mode,
        directory: None,
        file: None,
        error: None,
        request_id,
    };
    let work_cwd = cwd.clone();
    let outcome = tokio::task::spawn_blocking(move || {
        let resolved = resolve::resolve(&work_cwd, &requested)?;
        match mode {
            FileExplorerMode::List => list::list(&resolved).map(Outcome::Directory),
            FileExplorerMode::File => read::read(&resolved).map(Outcome::File),
        }
    })
    .await;
    match outcome {
        Ok(Ok(Outcome::Directory(directory))) => {
            response.path = directory.path.clone();
            response.directory = Some(directory);
        }
        Ok(Ok(Outcome::File(file))) => {
            response.path = file.path.clone();
            response.file = Some(file);
        }
        Ok(Err(err)) => {
            tracing::debug!(cwd = %cwd, path = %response.path, %err, "file explorer request failed");
            response.error = Some(err.to_string());
        }
        Err(join) => {
            tracing::error!(%join, "file explorer task failed");
            response.error = Some("Internal error".to_owned());
        }
    }
    response
}

/// What a successful request produced.
enum Outcome {
    Directory(protocol::DirectoryListing),
    File(protocol::FileContent),
}
