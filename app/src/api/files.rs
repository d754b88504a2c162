//! The file explorer of a host (`file_explorer_request`): one call that
//! lists a directory or, when the path is a file, reads it for preview.
//!
//! Why the daemon's refusals are a successful result: a path outside the
//! workspace, a missing file or a file too large to show are answers the
//! page displays inline, not failures of the call (a failed server function
//! is an HTTP error). Only "could not ask" (host away, tab unknown) is an
//! [`AppError`].

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One entry of a listed directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub name: String,
    /// Relative to the request's cwd.
    pub path: String,
    pub is_dir: bool,
    pub size: u64,
    /// ISO-8601.
    pub modified_at: String,
}

/// How a file can be shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Preview {
    Text(String),
    /// An image, base64-encoded, with an `image/…` MIME type.
    Image {
        mime: String,
        base64: String,
    },
    Binary,
    /// The daemon's words (size and limit).
    TooLarge(String),
}

/// What the daemon answered for `(cwd, path)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Explored {
    Directory {
        path: String,
        entries: Vec<Entry>,
    },
    File {
        path: String,
        size: Option<u64>,
        modified_at: Option<String>,
        preview: Preview,
    },
    /// The daemon refused (outside the workspace, not found, …): its
    /// message, shown inline instead of content.
    Refused(String),
}

/// The daemon's wording for `list` on a file (then the file is read).
#[cfg(feature = "ssr")]
const NOT_A_DIRECTORY: &str = "Requested path is not a directory";
/// The start of the daemon's "too large to display" error.
const TOO_LARGE: &str = "File is too large";

/// Lists `path` (relative to `cwd`, `.` for `cwd` itself) on the tab's
/// `profile_id` daemon, or previews it when it is a file.
#[server(endpoint = "files/explore")]
pub async fn explore(
    tab: String,
    profile_id: String,
    cwd: String,
    path: String,
) -> Result<Explored, AppError> {
    use protocol::FileExplorerMode;

    let listed = ask(&tab, &profile_id, &cwd, &path, FileExplorerMode::List).await?;
    if listed.error.as_deref() != Some(NOT_A_DIRECTORY) {
        return Ok(explored(listed));
    }
    let read = ask(&tab, &profile_id, &cwd, &path, FileExplorerMode::File).await?;
    Ok(explored(read))
}

#[cfg(feature = "ssr")]
async fn ask(
    tab: &str,
    profile_id: &str,
    cwd: &str,
    path: &str,
    mode: protocol::FileExplorerMode,
) -> Result<protocol::FileExplorerResponse, AppError> {
    use protocol::{FileExplorerRequest, SessionMessage, SessionRequest};

    use super::ssr::{call, request_id, unexpected};
    let request = SessionRequest::FileExplorerRequest(FileExplorerRequest {
        cwd: cwd.to_owned(),
        path: Some(if path.is_empty() { "." } else { path }.to_owned()),
        mode,
        request_id: request_id("files"),
        accept_binary: None,
    });
    match call(tab, profile_id, request).await? {
        SessionMessage::FileExplorerResponse(response) => Ok(response),
        other => Err(unexpected("file_explorer_request", &other)),
    }
}

/// The daemon's answer as the page shows it. Anything the page could not
/// show safely (an image without an image MIME type) is binary.
pub fn explored(response: protocol::FileExplorerResponse) -> Explored {
    use protocol::{FileContentKind, FileEncoding, FileEntryKind};

    if let Some(error) = response.error {
        if error.starts_with(TOO_LARGE) {
            return Explored::File {
                path: response.path,
                size: None,
                modified_at: None,
                preview: Preview::TooLarge(error),
            };
        }
        return Explored::Refused(error);
    }
    if let Some(directory) = response.directory {
        let entries = directory
            .entries
            .into_iter()
            .map(|e| Entry {
                is_dir: e.kind == FileEntryKind::Directory,
                name: e.name,
                path: e.path,
                size: e.size,
                modified_at: e.modified_at,
            })
            .collect();
        return Explored::Directory {
            path: directory.path,
            entries,
        };
    }
    let Some(file) = response.file else {
        return Explored::Refused("the host sent neither a listing nor a file".into());
    };
    let preview = match (file.kind, file.encoding, file.content, file.mime_type) {
        (FileContentKind::Text, FileEncoding::Utf8, Some(text), _) => Preview::Text(text),
        (FileContentKind::Image, FileEncoding::Base64, Some(base64), Some(mime))
            if safe_image_mime(&mime) && is_base64(&base64) =>
        {
            Preview::Image { mime, base64 }
        }
        _ => Preview::Binary,
    };
    Explored::File {
        path: file.path,
        size: Some(file.size),
        modified_at: Some(file.modified_at),
        preview,
    }
}

/// `image/<subtype>` with only the characters MIME names use: the type
/// goes into a `data:` URL.
fn safe_image_mime(mime: &str) -> bool {
    mime.strip_prefix("image/").is_some_and(|sub| {
        !sub.is_empty()
            && sub
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    })
}

fn is_base64(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{
        DirectoryEntry, DirectoryListing, FileContent, FileContentKind, FileEncoding,
        FileEntryKind, FileExplorerMode, FileExplorerResponse,
    };

    fn response() -> FileExplorerResponse {
        FileExplorerResponse {
            cwd: "/w".into(),
            path: ".".into(),
            mode: FileExplorerMode::List,
            directory: None,
            file: None,
            error: None,
            request_id: "r".into(),
        }
    }

    fn file(
        kind: FileContentKind,
        encoding: FileEncoding,
        content: &str,
        mime: &str,
    ) -> FileContent {
        FileContent {
            path: "x".into(),
            kind,
            encoding,
            content: Some(content.into()),
            mime_type: Some(mime.into()),
            size: 3,
            modified_at: "2026-12-05T00:00:00Z".into(),
        }
    }

    #[test]
    fn a_traversal_is_the_daemons_refusal_never_content() {
        let refused = FileExplorerResponse {
            error: Some("Access outside of workspace is not allowed".into()),
            ..response()
        };
        assert_eq!(
            explored(refused),
            Explored::Refused("Access outside of workspace is not allowed".into())
        );
    }

    #[test]
    fn listings_keep_kind_size_and_time() {
        let listed = FileExplorerResponse {
            directory: Some(DirectoryListing {
                path: ".".into(),
                entries: vec![DirectoryEntry {
                    name: "src".into(),
                    path: "src".into(),
                    kind: FileEntryKind::Directory,
                    size: 4096,
                    modified_at: "t".into(),
                }],
            }),
            ..response()
        };
        let Explored::Directory { entries, .. } = explored(listed) else {
            panic!("a directory");
        };
        assert!(entries[0].is_dir);
        assert_eq!(entries[0].size, 4096);
    }

    #[test]
    fn previews_text_images_binary_and_too_large() {
        let preview = |f: FileContent| match explored(FileExplorerResponse {
            file: Some(f),
            ..response()
        }) {
            Explored::File { preview, .. } => preview,
            other => panic!("a file, got {other:?}"),
        };
        use FileContentKind as K;
        use FileEncoding as E;
        assert_eq!(
            preview(file(K::Text, E::Utf8, "hi", "text/plain")),
            Preview::Text("hi".into())
        );
        assert!(matches!(
            preview(file(K::Image, E::Base64, "iVBORw0KGgo=", "image/png")),
            Preview::Image { .. }
        ));
        // A MIME type that could break out of the data URL is not shown.
        assert_eq!(
            preview(file(K::Image, E::Base64, "AAAA", "image/png\" onerror=x")),
            Preview::Binary
        );
        assert_eq!(
            preview(file(K::Image, E::Base64, "a<b", "image/png")),
            Preview::Binary
        );
        assert_eq!(preview(file(K::Binary, E::None, "", "x")), Preview::Binary);
        let large = FileExplorerResponse {
            error: Some("File is too large to display (9 bytes; the limit is 5 bytes)".into()),
            ..response()
        };
        assert!(matches!(
            explored(large),
            Explored::File {
                preview: Preview::TooLarge(_),
                ..
            }
        ));
    }
}
