//! The file explorer's pure rules: which entries show and in what order,
//! the breadcrumbs of a path, sizes and times as shown, line numbers, and
//! the links of the files and diff routes (with their query encoded).

use crate::api::files::Entry;

/// How a listing is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortBy {
    /// Folders first, then by name (case-insensitive).
    #[default]
    Name,
    /// Most recently modified first.
    Modified,
}

/// The entries shown: dot-files only when `show_hidden`, in `sort` order.
pub fn arrange(entries: &[Entry], sort: SortBy, show_hidden: bool) -> Vec<Entry> {
    let mut shown: Vec<Entry> = entries
        .iter()
        .filter(|e| show_hidden || !e.name.starts_with('.'))
        .cloned()
        .collect();
    match sort {
        SortBy::Name => crate::sorted::sort_by(&mut shown, |a, b| {
            b.is_dir
                .cmp(&a.is_dir)
                .then_with(|| {
                    crate::search::fold_case(&a.name).cmp(&crate::search::fold_case(&b.name))
                })
                .then_with(|| a.name.cmp(&b.name))
        }),
        // ISO-8601 times in one format order as text.
        SortBy::Modified => crate::sorted::sort_by(&mut shown, |a, b| {
            b.modified_at
                .cmp(&a.modified_at)
                .then_with(|| a.name.cmp(&b.name))
        }),
    }
    shown
}

/// How many entries `show_hidden` would add.
pub fn hidden_count(entries: &[Entry]) -> usize {
    entries.iter().filter(|e| e.name.starts_with('.')).count()
}

/// One step of the breadcrumbs: its label and the path it opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crumb {
    pub label: String,
    pub path: String,
}

/// `path` (relative to `cwd`) without `.` and empty parts. A leading `/`
/// is kept: an absolute path goes to the daemon as given, to be refused
/// there, not silently read inside the cwd.
pub fn normalize(path: &str) -> String {
    let parts = path
        .split('/')
        .filter(|part| !part.is_empty() && *part != ".")
        .collect::<Vec<_>>()
        .join("/");
    if path.starts_with('/') {
        format!("/{parts}")
    } else {
        parts
    }
}

/// The cwd's own name first (opening `.`), then one crumb per part of
/// `path`. `..` parts are kept as given: the daemon judges them.
pub fn breadcrumbs(cwd: &str, path: &str) -> Vec<Crumb> {
    let root = cwd
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|name| !name.is_empty())
        .unwrap_or(cwd);
    let mut crumbs = vec![Crumb {
        label: if root.is_empty() { "/" } else { root }.to_owned(),
        path: ".".to_owned(),
    }];
    let path = normalize(path);
    let mut so_far = String::new();
    for part in path.split('/').filter(|p| !p.is_empty()) {
        if !so_far.is_empty() || path.starts_with('/') {
            so_far.push('/');
        }
        so_far.push_str(part);
        crumbs.push(Crumb {
            label: part.to_owned(),
            path: so_far.clone(),
        });
    }
    crumbs
}

/// `1.5 KB`-style sizes (powers of 1024, one decimal under 10).
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// `2026-12-05T21:03:04.123Z` → `2026-12-05 21:03` (UTC, as sent);
/// anything unreadable as given.
pub fn modified_label(iso: &str) -> String {
    match (iso.get(..10), iso.get(11..16)) {
        (Some(day), Some(clock)) => format!("{day} {clock}"),
        _ => iso.to_owned(),
    }
}

/// `1\n2\n…` for every line of `text` (a final newline ends the last line,
/// it does not start another).
pub fn line_numbers(text: &str) -> String {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let count = body.split('\n').count();
    let mut out = String::with_capacity(count * 4);
    for n in 1..=count {
        if n > 1 {
            out.push('\n');
        }
        out.push_str(&n.to_string());
    }
    out
}

/// Percent-encodes everything but unreserved characters and `/` (kept so
/// paths stay readable in the address bar).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `/files/<server>?cwd=…` (and `&path=…` unless it is the cwd itself).
pub fn files_href(server_id: &str, cwd: &str, path: &str) -> String {
    let mut href = format!(
        "/files/{}?cwd={}",
        encode(server_id).replace('/', "%2F"),
        encode(cwd)
    );
    let path = normalize(path);
    if !path.is_empty() {
        href.push_str("&path=");
        href.push_str(&encode(&path));
    }
    href
}

/// `/diff/<server>?cwd=…`.
pub fn diff_href(server_id: &str, cwd: &str) -> String {
    format!(
        "/diff/{}?cwd={}",
        encode(server_id).replace('/', "%2F"),
        encode(cwd)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, is_dir: bool, modified_at: &str) -> Entry {
        Entry {
            name: name.into(),
            path: name.into(),
            is_dir,
            size: 1,
            modified_at: modified_at.into(),
        }
    }

    fn names(entries: &[Entry]) -> Vec<&str> {
        entries.iter().map(|e| e.name.as_str()).collect()
    }

    #[test]
    fn by_name_folders_first_and_case_blind_hidden_only_when_asked() {
        let entries = [
            entry("b.txt", false, "2026-01-03"),
            entry(".git", true, "2026-01-01"),
            entry("src", true, "2026-01-02"),
            entry("A.md", false, "2026-01-04"),
            entry(".env", false, "2026-01-05"),
        ];
        assert_eq!(
            names(&arrange(&entries, SortBy::Name, false)),
            ["src", "A.md", "b.txt"]
        );
        assert_eq!(
            names(&arrange(&entries, SortBy::Name, true)),
            [".git", "src", ".env", "A.md", "b.txt"]
        );
        assert_eq!(hidden_count(&entries), 2);
    }

    #[test]
    fn by_time_newest_first_whatever_the_kind() {
        let entries = [
            entry("old", true, "2026-01-01T00:00:00.000Z"),
            entry("new", false, "2026-03-01T00:00:00.000Z"),
            entry("mid", false, "2026-02-01T00:00:00.000Z"),
        ];
        assert_eq!(
            names(&arrange(&entries, SortBy::Modified, false)),
            ["new", "mid", "old"]
        );
    }

    #[test]
    fn breadcrumbs_start_at_the_cwd_and_open_each_prefix() {
        let crumbs = breadcrumbs("/home/me/project/", "./src//app/main.rs");
        let pairs: Vec<(&str, &str)> = crumbs
            .iter()
            .map(|c| (c.label.as_str(), c.path.as_str()))
            .collect();
        assert_eq!(
            pairs,
            [
                ("project", "."),
                ("src", "src"),
                ("app", "src/app"),
                ("main.rs", "src/app/main.rs")
            ]
        );
        assert_eq!(breadcrumbs("/", ".").len(), 1);
        assert_eq!(normalize("/etc//passwd"), "/etc/passwd");
        assert_eq!(
            breadcrumbs("/w", "/etc").last().map(|c| c.path.as_str()),
            Some("/etc")
        );
        assert_eq!(breadcrumbs("/", ".")[0].label, "/");
    }

    #[test]
    fn sizes_and_times_read_short() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KB");
        assert_eq!(human_size(20 * 1024 * 1024), "20 MB");
        assert_eq!(
            modified_label("2026-12-05T21:03:04.123Z"),
            "2026-12-05 21:03"
        );
        assert_eq!(modified_label("?"), "?");
    }

    #[test]
    fn every_line_gets_a_number() {
        assert_eq!(line_numbers("a\nb\n"), "1\n2");
        assert_eq!(line_numbers("a\nb"), "1\n2");
        assert_eq!(line_numbers(""), "1");
        assert_eq!(line_numbers("\n\n"), "1\n2");
    }

    #[test]
    fn links_encode_their_query() {
        assert_eq!(
            files_href("daemon_a", "/tmp/my dir", "./a&b"),
            "/files/daemon_a?cwd=/tmp/my%20dir&path=a%26b"
        );
        assert_eq!(files_href("p", "/w", "."), "/files/p?cwd=/w");
        assert_eq!(diff_href("srv_x", "/w/é"), "/diff/srv_x?cwd=/w/%C3%A9");
    }
}
