//! Parser for the unified diffs `git diff` prints, into the structured
//! [`ParsedDiffFile`]s Paseo clients render.
//!
//! Why a hand-written parser: the input is one well-defined format that we
//! produce ourselves (plain `git diff`, no colour, default prefixes), and
//! the output must follow Paseo's shape exactly (a `header` line per hunk,
//! untracked files folded in, per-file size limits), which no diff crate
//! gives. Hunk bodies are consumed by their line counts, never by guessing
//! from prefixes, so a removed line that reads `--- x` or `diff --git` is
//! still content.

use protocol::{DiffFileStatus, DiffHunk, DiffLine, DiffLineType, ParsedDiffFile};

/// Per-file limits: beyond them a file is sent as `too_large`, with its
/// counts but without hunks, so one generated file cannot flood a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DiffLimits {
    /// Most hunk lines (all kinds) kept for one file.
    pub max_lines_per_file: usize,
    /// Most bytes of line content kept for one file.
    pub max_bytes_per_file: usize,
}

impl Default for DiffLimits {
    fn default() -> Self {
        Self {
            max_lines_per_file: 10_000,
            max_bytes_per_file: 1024 * 1024,
        }
    }
}

/// Parses the whole output of `git diff` (any number of files).
pub(crate) fn parse_unified_diff(text: &str, limits: DiffLimits) -> Vec<ParsedDiffFile> {
    let mut lines = text.lines().peekable();
    let mut files = Vec::new();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("diff --git ") else {
            continue; // preamble or noise between files
        };
        let mut file = FileBuilder::new(path_from_diff_git_line(rest));
        // Extended header lines up to the first hunk or the next file.
        while let Some(&next) = lines.peek() {
            if next.starts_with("diff --git ") || next.starts_with("@@") {
                break;
            }
            file.header_line(next);
            lines.next();
        }
        // Hunks.
        while let Some(&next) = lines.peek() {
            let Some(header) = HunkHeader::parse(next) else {
                break;
            };
            lines.next();
            file.hunk(header, next, &mut lines);
        }
        files.push(file.finish(limits));
    }
    files
}

/// A file being assembled from its header and hunks.
struct FileBuilder {
    diff_git_path: Option<String>,
    old_path: Option<String>,
    new_path: Option<String>,
    rename_to: Option<String>,
    is_new: bool,
    is_deleted: bool,
    binary: bool,
    additions: u64,
    deletions: u64,
    hunks: Vec<DiffHunk>,
}

impl FileBuilder {
    fn new(diff_git_path: Option<String>) -> Self {
        Self {
            diff_git_path,
            old_path: None,
            new_path: None,
            rename_to: None,
            is_new: false,
            is_deleted: false,
            binary: false,
            additions: 0,
            deletions: 0,
            hunks: Vec::new(),
        }
    }

    fn header_line(&mut self, line: &str) {
        if line.starts_with("new file mode") {
            self.is_new = true;
        } else if line.starts_with("deleted file mode") {
            self.is_deleted = true;
        } else if let Some(to) = line.strip_prefix("rename to ") {
            self.rename_to = Some(unquote(to));
        } else if let Some(old) = line.strip_prefix("--- ") {
            self.old_path = side_path(old, "a/");
        } else if let Some(new) = line.strip_prefix("+++ ") {
            self.new_path = side_path(new, "b/");
        } else if line.starts_with("Binary files ") || line == "GIT binary patch" {
            self.binary = true;
        }
    }

    fn hunk<'a>(
        &mut self,
        header: HunkHeader,
        raw: &str,
        lines: &mut std::iter::Peekable<impl Iterator<Item = &'a str>>,
    ) {
        let mut hunk_lines = vec![DiffLine {
            kind: DiffLineType::Header,
            content: raw.to_owned(),
            tokens: None,
        }];
        let (mut old_left, mut new_left) = (header.old_count, header.new_count);
        while old_left > 0 || new_left > 0 {
            let Some(&line) = lines.peek() else { break };
            let (kind, content) = match line.as_bytes().first() {
                Some(b'+') if new_left > 0 => (DiffLineType::Add, &line[1..]),
                Some(b'-') if old_left > 0 => (DiffLineType::Remove, &line[1..]),
                Some(b' ') if old_left > 0 && new_left > 0 => (DiffLineType::Context, &line[1..]),
                // Some tools strip the space of an empty context line.
                None if old_left > 0 && new_left > 0 => (DiffLineType::Context, ""),
                Some(b'\\') => {
                    lines.next(); // "\ No newline at end of file"
                    continue;
                }
                _ => break, // malformed: the counts lied; stop this hunk
            };
            lines.next();
            match kind {
                DiffLineType::Add => {
                    new_left -= 1;
                    self.additions += 1;
                }
                DiffLineType::Remove => {
                    old_left -= 1;
                    self.deletions += 1;
                }
                _ => {
                    old_left -= 1;
                    new_left -= 1;
                }
            }
            hunk_lines.push(DiffLine {
                kind,
                content: content.to_owned(),
                tokens: None,
            });
        }
        // A marker right after the last line of the hunk.
        while lines.peek().is_some_and(|line| line.starts_with('\\')) {
            lines.next();
        }
        self.hunks.push(DiffHunk {
            old_start: header.old_start,
            old_count: header.old_count,
            new_start: header.new_start,
            new_count: header.new_count,
            lines: hunk_lines,
        });
    }

    fn finish(self, limits: DiffLimits) -> ParsedDiffFile {
        let path = self
            .rename_to
            .or(self.new_path)
            .or(self.old_path)
            .or(self.diff_git_path)
            .unwrap_or_default();
        let mut file = ParsedDiffFile {
            path,
            is_new: self.is_new,
            is_deleted: self.is_deleted,
            additions: self.additions,
            deletions: self.deletions,
            hunks: self.hunks,
            status: Some(if self.binary {
                DiffFileStatus::Binary
            } else {
                DiffFileStatus::Ok
            }),
        };
        apply_limits(&mut file, limits);
        file
    }
}

/// Drops the hunks of a file over the limits and marks it `too_large`.
pub(crate) fn apply_limits(file: &mut ParsedDiffFile, limits: DiffLimits) {
    let lines: usize = file.hunks.iter().map(|hunk| hunk.lines.len()).sum();
    let bytes: usize = file
        .hunks
        .iter()
        .flat_map(|hunk| &hunk.lines)
        .map(|line| line.content.len())
        .sum();
    if lines > limits.max_lines_per_file || bytes > limits.max_bytes_per_file {
        file.hunks.clear();
        file.status = Some(DiffFileStatus::TooLarge);
    }
}

/// `@@ -a[,b] +c[,d] @@`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct HunkHeader {
    old_start: u64,
    old_count: u64,
    new_start: u64,
    new_count: u64,
}

impl HunkHeader {
    fn parse(line: &str) -> Option<Self> {
        let rest = line.strip_prefix("@@ -")?;
        let (ranges, _) = rest.split_once(" @@")?;
        let (old, new) = ranges.split_once(" +")?;
        let (old_start, old_count) = range(old)?;
        let (new_start, new_count) = range(new)?;
        Some(Self {
            old_start,
            old_count,
            new_start,
            new_count,
        })
    }
}

/// `start[,count]`; the count defaults to 1.
fn range(text: &str) -> Option<(u64, u64)> {
    match text.split_once(',') {
        Some((start, count)) => Some((start.parse().ok()?, count.parse().ok()?)),
        None => Some((text.parse().ok()?, 1)),
    }
}

/// The path on a `---`/`+++` line, `None` for `/dev/null`.
fn side_path(text: &str, prefix: &str) -> Option<String> {
    // Git appends a tab after names that contain spaces.
    let text = text.strip_suffix('\t').unwrap_or(text);
    if text == "/dev/null" {
        return None;
    }
    let path = unquote(text);
    Some(path.strip_prefix(prefix).map(str::to_owned).unwrap_or(path))
}

/// The path from `diff --git a/X b/X`, the only place that names files with
/// no `---`/`+++` lines (binary, mode-only, empty). Unquoted names with
/// spaces are ambiguous there, but old and new name are equal unless a
/// `rename to` line follows, so the line splits in the middle.
fn path_from_diff_git_line(rest: &str) -> Option<String> {
    if let Some(quoted_end) = rest.rfind(" \"b/") {
        return Some(unquote(&rest[quoted_end + 1..])[2..].to_owned());
    }
    let half = rest.len().checked_sub(1)? / 2;
    let (old, new) = (rest.get(..half)?, rest.get(half + 1..)?);
    match (old.strip_prefix("a/"), new.strip_prefix("b/")) {
        (Some(old), Some(new)) if old == new => Some(new.to_owned()),
        _ => rest.rsplit_once(" b/").map(|(_, new)| new.to_owned()),
    }
}

/// Undoes git's C-style quoting of unusual file names (`"a/t\tb"`); other
/// text is returned as is.
pub(crate) fn unquote(text: &str) -> String {
    let Some(inner) = text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) else {
        return text.to_owned();
    };
    let mut bytes = Vec::with_capacity(inner.len());
    let mut iter = inner.bytes().peekable();
    while let Some(b) = iter.next() {
        if b != b'\\' {
            bytes.push(b);
            continue;
        }
        match iter.next() {
            Some(b'n') => bytes.push(b'\n'),
            Some(b't') => bytes.push(b'\t'),
            Some(b'r') => bytes.push(b'\r'),
            Some(b'a') => bytes.push(7),
            Some(b'b') => bytes.push(8),
            Some(b'f') => bytes.push(12),
            Some(b'v') => bytes.push(11),
            Some(d @ b'0'..=b'3') => {
                let mut value = u32::from(d - b'0');
                for _ in 0..2 {
                    if let Some(&o @ b'0'..=b'7') = iter.peek() {
                        value = value * 8 + u32::from(o - b'0');
                        iter.next();
                    }
                }
                bytes.push(u8::try_from(value).unwrap_or(b'?'));
            }
            Some(other) => bytes.push(other),
            None => bytes.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
#[path = "diff_parse_tests.rs"]
mod tests;
