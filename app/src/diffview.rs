//! The diff page's pure rules: a live diff file as rows with old and new
//! line numbers, the side-by-side pairing of those rows, per-file badges
//! and the totals in the page header.

use crate::contract::{LiveDiffFile, LiveDiffHunk};

/// What a row of a hunk is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Add,
    Del,
    Context,
}

impl RowKind {
    /// CSS class and test hook.
    pub fn class(self) -> &'static str {
        match self {
            RowKind::Add => "dl-add",
            RowKind::Del => "dl-del",
            RowKind::Context => "dl-ctx",
        }
    }

    /// The unified-diff prefix shown before the text.
    pub fn sign(self) -> &'static str {
        match self {
            RowKind::Add => "+",
            RowKind::Del => "-",
            RowKind::Context => " ",
        }
    }
}

/// One line of a hunk with its numbers in the old and new file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub kind: RowKind,
    pub old: Option<u64>,
    pub new: Option<u64>,
    pub text: String,
}

/// The rows of one hunk, numbered from its start lines.
pub fn rows(hunk: &LiveDiffHunk) -> Vec<Row> {
    let (mut old, mut new) = (hunk.old_start, hunk.new_start);
    hunk.lines
        .iter()
        .map(|line| {
            let mut chars = line.chars();
            let kind = match chars.next() {
                Some('+') => RowKind::Add,
                Some('-') => RowKind::Del,
                _ => RowKind::Context,
            };
            let text = chars.as_str().to_owned();
            let (o, n) = match kind {
                RowKind::Add => (None, Some(new)),
                RowKind::Del => (Some(old), None),
                RowKind::Context => (Some(old), Some(new)),
            };
            if o.is_some() {
                old += 1;
            }
            if n.is_some() {
                new += 1;
            }
            Row {
                kind,
                old: o,
                new: n,
                text,
            }
        })
        .collect()
}

/// Side by side: context on both sides; each run of removed lines beside
/// the run of added lines that follows it, line by line, the shorter run
/// padded with blanks.
pub fn side_by_side(rows: &[Row]) -> Vec<(Option<Row>, Option<Row>)> {
    let mut out = Vec::with_capacity(rows.len());
    let mut i = 0;
    while i < rows.len() {
        if rows[i].kind == RowKind::Context {
            out.push((Some(rows[i].clone()), Some(rows[i].clone())));
            i += 1;
            continue;
        }
        let dels: Vec<Row> = rows[i..]
            .iter()
            .take_while(|r| r.kind == RowKind::Del)
            .cloned()
            .collect();
        i += dels.len();
        let adds: Vec<Row> = rows[i..]
            .iter()
            .take_while(|r| r.kind == RowKind::Add)
            .cloned()
            .collect();
        i += adds.len();
        let pairs = dels.len().max(adds.len());
        for k in 0..pairs {
            out.push((dels.get(k).cloned(), adds.get(k).cloned()));
        }
    }
    out
}

/// A file's badge: what happened to it.
pub fn badge(file: &LiveDiffFile) -> &'static str {
    if file.is_new {
        "new"
    } else if file.is_deleted {
        "deleted"
    } else {
        "modified"
    }
}

/// Why a file has no hunks to show, if it has none for a reason.
pub fn no_hunks_reason(file: &LiveDiffFile) -> Option<&'static str> {
    match file.status.as_deref() {
        Some("binary") => Some("Binary file"),
        Some("too_large") => Some("Diff too large to show"),
        _ if file.hunks.is_empty() && file.is_new => Some("Empty file"),
        _ if file.hunks.is_empty() => Some("No content changes (mode or rename only)"),
        _ => None,
    }
}

/// Files changed, lines added, lines removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub files: usize,
    pub additions: u64,
    pub deletions: u64,
}

pub fn totals(files: &[LiveDiffFile]) -> Totals {
    files.iter().fold(
        Totals {
            files: files.len(),
            ..Totals::default()
        },
        |t, f| Totals {
            additions: t.additions + f.additions,
            deletions: t.deletions + f.deletions,
            ..t
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hunk(old_start: u64, new_start: u64, lines: &[&str]) -> LiveDiffHunk {
        LiveDiffHunk {
            old_start,
            new_start,
            header: String::new(),
            lines: lines.iter().map(|l| (*l).to_owned()).collect(),
        }
    }

    fn file(is_new: bool, is_deleted: bool, additions: u64, deletions: u64) -> LiveDiffFile {
        LiveDiffFile {
            path: "f".into(),
            is_new,
            is_deleted,
            additions,
            deletions,
            status: None,
            hunks: Vec::new(),
        }
    }

    #[test]
    fn rows_are_numbered_in_both_files() {
        let rows = rows(&hunk(10, 12, &[" keep", "-gone", "+new", "+more", " tail"]));
        let numbers: Vec<(Option<u64>, Option<u64>)> =
            rows.iter().map(|r| (r.old, r.new)).collect();
        assert_eq!(
            numbers,
            [
                (Some(10), Some(12)),
                (Some(11), None),
                (None, Some(13)),
                (None, Some(14)),
                (Some(12), Some(15))
            ]
        );
        assert_eq!(rows[1].text, "gone");
        assert_eq!(rows[0].kind, RowKind::Context);
        // An empty line (no prefix at all) is context, not a panic.
        assert_eq!(super::rows(&hunk(1, 1, &[""]))[0].kind, RowKind::Context);
    }

    #[test]
    fn side_by_side_pairs_removals_with_the_additions_after_them() {
        let rows = rows(&hunk(1, 1, &[" a", "-b", "-c", "+B", " d", "+e"]));
        let text = |row: &Option<Row>| row.as_ref().map_or("·".to_owned(), |r| r.text.clone());
        let pairs: Vec<String> = side_by_side(&rows)
            .iter()
            .map(|(left, right)| format!("{}|{}", text(left), text(right)))
            .collect();
        assert_eq!(pairs, ["a|a", "b|B", "c|·", "d|d", "·|e"]);
    }

    #[test]
    fn badges_reasons_and_totals() {
        assert_eq!(badge(&file(true, false, 1, 0)), "new");
        assert_eq!(badge(&file(false, true, 0, 3)), "deleted");
        assert_eq!(badge(&file(false, false, 1, 1)), "modified");
        let mut binary = file(true, false, 0, 0);
        binary.status = Some("binary".into());
        assert_eq!(no_hunks_reason(&binary), Some("Binary file"));
        assert_eq!(
            no_hunks_reason(&file(true, false, 0, 0)),
            Some("Empty file")
        );
        let files = [file(true, false, 3, 0), file(false, false, 2, 5)];
        assert_eq!(
            totals(&files),
            Totals {
                files: 2,
                additions: 5,
                deletions: 5
            }
        );
    }
}
