//! Reading `git status --porcelain=v2 --branch -z`: the branch headers and
//! the changed paths. Version 2 with NUL separators is the format git
//! promises to keep stable for scripts, and needs no unquoting.

/// What one `git status` said.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PorcelainStatus {
    /// `branch.head`; `None` when detached.
    pub branch: Option<String>,
    /// `branch.oid`; `None` before the first commit.
    pub oid: Option<String>,
    /// Commits (ahead, behind) the upstream; `None` without an upstream.
    pub upstream_ahead_behind: Option<(u64, u64)>,
    /// Every path that status reported (changed, untracked, conflicted),
    /// relative to the repository root, rename sources included.
    pub paths: Vec<String>,
}

impl PorcelainStatus {
    /// Whether anything is changed or untracked.
    pub(crate) fn is_dirty(&self) -> bool {
        !self.paths.is_empty()
    }
}

/// Parses the raw output. Unknown record kinds are ignored.
pub(crate) fn parse(output: &[u8]) -> PorcelainStatus {
    let text = String::from_utf8_lossy(output);
    let mut status = PorcelainStatus::default();
    let mut records = text.split('\0').filter(|record| !record.is_empty());
    while let Some(record) = records.next() {
        if let Some(header) = record.strip_prefix("# ") {
            status.header(header);
            continue;
        }
        let (kind, fields_before_path) = match record.as_bytes().first() {
            Some(b'1') => ('1', 8),
            Some(b'2') => ('2', 9),
            Some(b'u') => ('u', 10),
            Some(b'?' | b'!') => ('?', 1),
            _ => continue,
        };
        if let Some(path) = record
            .splitn(fields_before_path + 1, ' ')
            .nth(fields_before_path)
        {
            status.paths.push(path.to_owned());
        }
        if kind == '2'
            && let Some(original) = records.next()
        {
            status.paths.push(original.to_owned());
        }
    }
    status
}

impl PorcelainStatus {
    fn header(&mut self, header: &str) {
        if let Some(head) = header.strip_prefix("branch.head ") {
            self.branch = (head != "(detached)").then(|| head.to_owned());
        } else if let Some(oid) = header.strip_prefix("branch.oid ") {
            self.oid = (oid != "(initial)").then(|| oid.to_owned());
        } else if let Some(ab) = header.strip_prefix("branch.ab ") {
            let mut parts = ab.split(' ');
            let ahead = parts.next().and_then(|a| a.strip_prefix('+')?.parse().ok());
            let behind = parts.next().and_then(|b| b.strip_prefix('-')?.parse().ok());
            if let (Some(ahead), Some(behind)) = (ahead, behind) {
                self.upstream_ahead_behind = Some((ahead, behind));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_headers_and_every_kind_of_path() {
        let raw = "# branch.oid 1234abcd\0# branch.head feature\0# branch.upstream origin/feature\0# branch.ab +2 -1\0\
1 .M N... 100644 100644 100644 aaaa bbbb README.md\0\
2 R. N... 100644 100644 100644 aaaa bbbb R100 new name.txt\0old name.txt\0\
u UU N... 100644 100644 100644 100644 aaaa bbbb cccc both.txt\0\
? notes dir/untracked.txt\0";
        let status = parse(raw.as_bytes());
        assert_eq!(status.branch.as_deref(), Some("feature"));
        assert_eq!(status.oid.as_deref(), Some("1234abcd"));
        assert_eq!(status.upstream_ahead_behind, Some((2, 1)));
        assert_eq!(
            status.paths,
            [
                "README.md",
                "new name.txt",
                "old name.txt",
                "both.txt",
                "notes dir/untracked.txt"
            ]
        );
        assert!(status.is_dirty());
    }

    #[test]
    fn fresh_repository_and_detached_head() {
        let status = parse(b"# branch.oid (initial)\0# branch.head main\0");
        assert_eq!(
            (status.oid.as_deref(), status.branch.as_deref()),
            (None, Some("main"))
        );
        assert!(!status.is_dirty());
        let detached = parse(b"# branch.oid abc\0# branch.head (detached)\0");
        assert_eq!(detached.branch, None);
        assert_eq!(detached.upstream_ahead_behind, None);
    }
}
