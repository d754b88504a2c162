//! Directory listings. Entries are ordered newest first, then by name
//! (case-insensitively, like Paseo's `localeCompare`), so the files an agent
//! just touched come first.
//!
//! A symlink is described by its target when the target is inside the
//! workspace, and by the link itself otherwise, so a listing never reveals
//! the size or age of files outside `cwd`.

use std::fs::Metadata;

use protocol::{DirectoryEntry, DirectoryListing, FileEntryKind};

use super::ExploreError;
use super::resolve::{Resolved, io_error, is_inside};
use crate::time_util::iso_from;

/// Lists `dir`'s entries.
pub(crate) fn list(dir: &Resolved) -> Result<DirectoryListing, ExploreError> {
    let meta = std::fs::metadata(&dir.target).map_err(|err| io_error(&dir.target, err))?;
    if !meta.is_dir() {
        return Err(ExploreError::NotADirectory);
    }
    let reader = std::fs::read_dir(&dir.target).map_err(|err| io_error(&dir.target, err))?;
    let mut entries: Vec<(std::time::SystemTime, DirectoryEntry)> = Vec::new();
    for entry in reader.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(meta) = entry_metadata(dir, &entry) else {
            continue; // vanished while listing
        };
        let modified = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
        let path = if dir.relative == "." {
            name.clone()
        } else {
            format!("{}/{name}", dir.relative)
        };
        let kind = if meta.is_dir() {
            FileEntryKind::Directory
        } else {
            FileEntryKind::File
        };
        entries.push((
            modified,
            DirectoryEntry {
                name,
                path,
                kind,
                size: meta.len(),
                modified_at: iso_from(modified),
            },
        ));
    }
    entries.sort_by(|(a_time, a), (b_time, b)| {
        b_time
            .cmp(a_time)
            .then_with(|| a.name.to_lowercase().cmp(&b.name.to_lowercase()))
            .then_with(|| a.name.cmp(&b.name))
    });
    Ok(DirectoryListing {
        path: dir.relative.clone(),
        entries: entries.into_iter().map(|(_, entry)| entry).collect(),
    })
}

/// The metadata to show for one entry: followed through symlinks that stay
/// inside the workspace, the link's own otherwise.
fn entry_metadata(dir: &Resolved, entry: &std::fs::DirEntry) -> Option<Metadata> {
    let own = entry.metadata().ok()?; // does not follow symlinks
    if !own.file_type().is_symlink() {
        return Some(own);
    }
    match std::fs::canonicalize(entry.path()) {
        Ok(target) if is_inside(&dir.root, &target) => {
            std::fs::metadata(&target).ok().or(Some(own))
        }
        _ => Some(own),
    }
}
