//! Reading one file for display: text as UTF-8, images as base64, anything
//! else reported as binary without content.
//!
//! Unlike Paseo, which treats only a fixed list of extensions as text, any
//! file that is valid UTF-8 without NUL bytes is text here (source files
//! such as `.rs` or `Makefile` are the common case); the wire shape is the
//! same. Content is capped at [`MAX_CONTENT_BYTES`]: a bigger text or image
//! is an error rather than a frame that could exceed the socket's limit.

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;

use base64::Engine;
use protocol::{FileContent, FileContentKind, FileEncoding};

use super::ExploreError;
use super::resolve::{Resolved, io_error};
use crate::time_util::iso_from;

/// Largest file whose content is sent (5 MiB).
pub(crate) const MAX_CONTENT_BYTES: u64 = 5 * 1024 * 1024;

/// Bytes inspected to tell text from binary.
const SNIFF_BYTES: usize = 8000;

/// Reads `file` (already confined to the workspace).
pub(crate) fn read(file: &Resolved) -> Result<FileContent, ExploreError> {
    let io = |err| io_error(&file.target, err);
    // Refuse FIFOs and devices before opening: opening a FIFO blocks.
    if !std::fs::metadata(&file.target).map_err(io)?.is_file() {
        return Err(ExploreError::NotAFile);
    }
    // O_NOFOLLOW: the checked path's last component cannot have been
    // swapped for a symlink since; O_NONBLOCK: nor for a FIFO.
    let mut handle = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(&file.target)
        .map_err(io)?;
    let meta = handle.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(ExploreError::NotAFile);
    }
    let size = meta.len();
    let modified_at = iso_from(meta.modified().unwrap_or(std::time::UNIX_EPOCH));
    let mut content = FileContent {
        path: file.relative.clone(),
        kind: FileContentKind::Binary,
        encoding: FileEncoding::None,
        content: None,
        mime_type: Some("application/octet-stream".to_owned()),
        size,
        modified_at,
    };
    let image_mime = image_mime_type(&file.relative);
    // Read one byte past the cap to notice files that grew meanwhile.
    let mut bytes = Vec::new();
    let wanted = if image_mime.is_some() || size <= MAX_CONTENT_BYTES {
        MAX_CONTENT_BYTES + 1
    } else {
        SNIFF_BYTES as u64
    };
    (&mut handle)
        .take(wanted)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    let too_large = || ExploreError::TooLarge {
        size: size.max(bytes.len() as u64),
        limit: MAX_CONTENT_BYTES,
    };
    if let Some(mime) = image_mime {
        if bytes.len() as u64 > MAX_CONTENT_BYTES {
            return Err(too_large());
        }
        content.kind = FileContentKind::Image;
        content.encoding = FileEncoding::Base64;
        content.mime_type = Some(mime.to_owned());
        content.content = Some(base64::engine::general_purpose::STANDARD.encode(&bytes));
        return Ok(content);
    }
    if bytes[..bytes.len().min(SNIFF_BYTES)].contains(&0) {
        return Ok(content); // binary: no content
    }
    if bytes.len() as u64 > MAX_CONTENT_BYTES || size > MAX_CONTENT_BYTES {
        return Err(too_large());
    }
    match String::from_utf8(bytes) {
        Ok(text) => {
            content.kind = FileContentKind::Text;
            content.encoding = FileEncoding::Utf8;
            content.mime_type = Some("text/plain".to_owned());
            content.content = Some(text);
            Ok(content)
        }
        Err(_) => Ok(content), // not UTF-8: binary
    }
}

/// The MIME type of an image file, by extension.
fn image_mime_type(path: &str) -> Option<&'static str> {
    let extension = path.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "bmp" => "image/bmp",
        "ico" => "image/x-icon",
        "avif" => "image/avif",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::resolve::resolve;
    use super::*;

    fn read_named(name: &str, bytes: &[u8]) -> Result<FileContent, ExploreError> {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(name), bytes).expect("write");
        read(&resolve(&dir.path().to_string_lossy(), name).expect("resolve"))
    }

    #[test]
    fn classifies_text_images_and_binary() {
        let text = read_named("main.rs", b"fn main() {}\n").expect("text");
        assert_eq!(
            (text.kind, text.encoding),
            (FileContentKind::Text, FileEncoding::Utf8)
        );
        assert_eq!(text.content.as_deref(), Some("fn main() {}\n"));
        let png = read_named("a.PNG", b"\x89PNG\r\n\x1a\n").expect("image");
        assert_eq!(png.kind, FileContentKind::Image);
        assert_eq!(png.mime_type.as_deref(), Some("image/png"));
        assert_eq!(png.content.as_deref(), Some("iVBORw0KGgo="));
        let bin = read_named("x.bin", b"\x7fELF\x00\x01").expect("binary");
        assert_eq!(
            (bin.kind, bin.encoding),
            (FileContentKind::Binary, FileEncoding::None)
        );
        assert_eq!(bin.content, None);
        let latin1 = read_named("old.txt", b"caf\xe9\n").expect("binary");
        assert_eq!(latin1.kind, FileContentKind::Binary);
    }

    #[test]
    fn oversized_text_is_an_error_but_oversized_binary_is_described() {
        let big = vec![b'a'; (MAX_CONTENT_BYTES + 1) as usize];
        let err = read_named("big.txt", &big).expect_err("too large");
        assert!(matches!(err, ExploreError::TooLarge { .. }), "{err}");
        let mut big_binary = big;
        big_binary[0] = 0;
        let bin = read_named("big.bin", &big_binary).expect("binary");
        assert_eq!(bin.size, MAX_CONTENT_BYTES + 1);
        assert_eq!(bin.content, None);
    }

    #[test]
    fn directories_are_not_files() {
        let dir = tempfile::tempdir().expect("tempdir");
        let resolved = resolve(&dir.path().to_string_lossy(), ".").expect("resolve");
        assert!(matches!(read(&resolved), Err(ExploreError::NotAFile)));
    }
}
