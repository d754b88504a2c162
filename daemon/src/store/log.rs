//! One agent's append-only timeline log (`timeline.jsonl`): one JSON line
//! `{seq, epoch, timestamp, item}` per row, never rewritten.
//!
//! Why this shape: every row is written with a single `write(2)` *before*
//! it is broadcast, so anything a client has seen is in the kernel's page
//! cache and survives `kill -9` of the daemon (fsync, batched by the store's
//! flusher, is only about power loss). The worst a crash can leave is a
//! torn last line, which loading truncates. Rows never move, so an
//! in-memory index of byte offsets lets a page of 200 rows be read with one
//! `pread` of a contiguous byte range instead of reparsing the file.

use std::cell::OnceCell;
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use protocol::TimelineItem;
use serde::{Deserialize, Serialize};

use super::StoreError;

/// File name of the log inside an agent's directory.
pub(crate) const LOG_FILE: &str = "timeline.jsonl";

/// One line of the log, as written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct LogLine {
    /// Row number: 1 for the first row, +1 for each next one.
    pub seq: u64,
    /// The agent's timeline epoch.
    pub epoch: String,
    /// ISO time the row was stored.
    pub timestamp: String,
    /// The row's content.
    pub item: TimelineItem,
}

/// Where one row lives in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct RowIndex {
    seq: u64,
    offset: u64,
    /// Line length including the trailing newline.
    len: u32,
}

/// The first bytes of a line, enough to index it without keeping it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LineHead {
    seq: u64,
    item: ItemHead,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemHead {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    message_id: Option<String>,
}

/// What loading found wrong (reported as warnings, never fatal).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct LoadReport {
    /// Bytes of a torn last line that were cut off.
    pub truncated_bytes: u64,
    /// Complete lines that did not parse (kept in the file, skipped).
    pub skipped_lines: usize,
}

/// Where every row of a log is, and the `messageId`s its user messages
/// carry: what paging and idempotent sends need without reparsing.
#[derive(Debug, Default)]
pub(crate) struct LogIndex {
    rows: Vec<RowIndex>,
    /// File length = offset of the next row.
    end: u64,
    message_ids: HashSet<String>,
}

impl LogIndex {
    /// Number of rows.
    pub(crate) fn len(&self) -> usize {
        self.rows.len()
    }

    /// Sequence number of the row at `index`.
    pub(crate) fn seq_at(&self, index: usize) -> u64 {
        self.rows[index].seq
    }

    /// Index of the first row whose seq is greater than `seq`.
    pub(crate) fn index_after(&self, seq: u64) -> usize {
        self.rows.partition_point(|row| row.seq <= seq)
    }

    /// Index of the first row whose seq is at least `seq`.
    pub(crate) fn index_at_or_after(&self, seq: u64) -> usize {
        self.rows.partition_point(|row| row.seq < seq)
    }

    /// The seq the next row gets.
    pub(crate) fn next_seq(&self) -> u64 {
        self.rows.last().map_or(1, |row| row.seq + 1)
    }

    /// Whether a user message with this client id was already stored.
    pub(crate) fn has_message_id(&self, id: &str) -> bool {
        self.message_ids.contains(id)
    }
}

/// A timeline log: its path and epoch, its index once built, and an
/// append handle while the agent is busy.
///
/// Why the index is built on first use: reading and indexing every log
/// before listening made a start with 1,000 stored agents take ~75 ms, and
/// most agents of a big home are never opened in a daemon's lifetime. The
/// index (and the torn-line repair that comes with it) is built the first
/// time anything needs a row position: a page, a `messageId` check, an
/// append. Nothing can be appended before that, so a torn last line is
/// always cut before a new row follows it.
///
/// Why the handle is optional: with ~1,000 agents a descriptor per idle
/// agent exhausted a 1,024 open-file limit (agents were skipped at load and
/// clients could not connect). The handle is opened on the first append and
/// dropped by [`TimelineLog::release`] when a turn ends; reads of an idle
/// log open the file for the one `pread`.
#[derive(Debug)]
pub(crate) struct TimelineLog {
    path: PathBuf,
    file: Option<Arc<File>>,
    epoch: String,
    /// Empty until first use (see the type's docs); a failed build leaves
    /// it empty, so the next use retries.
    index: OnceCell<LogIndex>,
}

impl TimelineLog {
    /// Creates an empty log (fails if one exists).
    pub(crate) fn create(dir: &Path, epoch: &str) -> Result<Self, StoreError> {
        let path = dir.join(LOG_FILE);
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| StoreError::io(&path, source))?;
        Ok(Self {
            path,
            file: Some(Arc::new(file)),
            epoch: epoch.to_owned(),
            index: OnceCell::from(LogIndex::default()),
        })
    }

    /// A stored log, not read yet: no I/O happens until the index is
    /// needed (see the type's docs).
    pub(crate) fn deferred(dir: &Path, epoch: &str) -> Self {
        Self {
            path: dir.join(LOG_FILE),
            file: None,
            epoch: epoch.to_owned(),
            index: OnceCell::new(),
        }
    }

    /// Opens and indexes an existing log now (a missing one is created
    /// empty); what [`TimelineLog::index`] does lazily. Tests only: the
    /// daemon always defers.
    #[cfg(test)]
    pub(crate) fn open(dir: &Path, epoch: &str) -> Result<(Self, LoadReport), StoreError> {
        let log = Self::deferred(dir, epoch);
        let (index, report) = build_index(&log.path)?;
        let _ = log.index.set(index);
        Ok((log, report))
    }

    /// Whether the index was built (tests check that loading is lazy).
    #[cfg(test)]
    pub(crate) fn is_indexed(&self) -> bool {
        self.index.get().is_some()
    }

    /// The index, built (and the file repaired) on first use.
    pub(crate) fn index(&self) -> Result<&LogIndex, StoreError> {
        if let Some(index) = self.index.get() {
            return Ok(index);
        }
        let (index, report) = build_index(&self.path)?;
        report.warn(&self.path);
        Ok(self.index.get_or_init(|| index))
    }

    fn index_mut(&mut self) -> Result<&mut LogIndex, StoreError> {
        self.index()?;
        self.index
            .get_mut()
            .ok_or_else(|| StoreError::io(&self.path, std::io::Error::other("index vanished")))
    }

    /// The append handle, if one is open (for the flusher's fsync; a log
    /// without one has nothing unsynced written through it).
    pub(crate) fn file(&self) -> Option<&Arc<File>> {
        self.file.as_ref()
    }

    /// Opens the append handle if it is not open yet.
    fn append_handle(&mut self) -> Result<Arc<File>, StoreError> {
        if let Some(file) = &self.file {
            return Ok(file.clone());
        }
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .open(&self.path)
            .map(Arc::new)
            .map_err(|source| StoreError::io(&self.path, source))?;
        self.file = Some(file.clone());
        Ok(file)
    }

    /// Closes the append handle (the agent went idle). The flusher keeps
    /// its own reference until it has synced, so durability is unchanged.
    pub(crate) fn release(&mut self) {
        self.file = None;
    }

    /// The timeline epoch.
    pub(crate) fn epoch(&self) -> &str {
        &self.epoch
    }

    /// Appends one row with a single write and returns it. On a failed
    /// write the file is cut back so no partial line can corrupt the next.
    pub(crate) fn append(
        &mut self,
        timestamp: String,
        item: TimelineItem,
    ) -> Result<LogLine, StoreError> {
        let (seq, end) = {
            let index = self.index_mut()?;
            (index.next_seq(), index.end)
        };
        let line = LogLine {
            seq,
            epoch: self.epoch.clone(),
            timestamp,
            item,
        };
        let mut bytes = serde_json::to_vec(&line).map_err(|err| StoreError::Encode {
            path: self.path.clone(),
            message: err.to_string(),
        })?;
        bytes.push(b'\n');
        let file = self.append_handle()?;
        if let Err(source) = (&*file).write_all(&bytes) {
            if let Err(err) = file.set_len(end) {
                tracing::error!(path = %self.path.display(), %err, "cannot cut back a failed timeline write");
            }
            return Err(StoreError::io(&self.path, source));
        }
        let index = self.index_mut()?;
        if let TimelineItem::UserMessage {
            message_id: Some(id),
            ..
        } = &line.item
        {
            index.message_ids.insert(id.clone());
        }
        index.rows.push(RowIndex {
            seq: line.seq,
            offset: end,
            len: u32::try_from(bytes.len()).unwrap_or(u32::MAX),
        });
        index.end += bytes.len() as u64;
        Ok(line)
    }

    /// Reads the rows with indexes `start..end` (one `pread`).
    pub(crate) fn read(&self, start: usize, end: usize) -> Result<Vec<LogLine>, StoreError> {
        let rows = &self.index()?.rows;
        let end = end.min(rows.len());
        if start >= end {
            return Ok(Vec::new());
        }
        let first = rows[start];
        let last = rows[end - 1];
        let span = (last.offset + u64::from(last.len) - first.offset) as usize;
        let mut bytes = vec![0u8; span];
        let mut read = |file: &File| file.read_exact_at(&mut bytes, first.offset);
        match &self.file {
            Some(file) => read(file),
            None => File::open(&self.path).and_then(|file| read(&file)),
        }
        .map_err(|source| StoreError::io(&self.path, source))?;
        let mut lines = Vec::with_capacity(end - start);
        for row in &rows[start..end] {
            let from = (row.offset - first.offset) as usize;
            let to = from + row.len as usize - 1;
            match serde_json::from_slice::<LogLine>(&bytes[from..to]) {
                Ok(line) => lines.push(line),
                Err(err) => {
                    // Indexed rows parsed at load or were written by us;
                    // this means the file changed under us.
                    tracing::error!(path = %self.path.display(), seq = row.seq, %err, "unreadable timeline row");
                }
            }
        }
        Ok(lines)
    }
}

impl LoadReport {
    /// Logs what indexing repaired or skipped.
    pub(crate) fn warn(&self, path: &Path) {
        if self.truncated_bytes > 0 {
            tracing::warn!(path = %path.display(), bytes = self.truncated_bytes, "truncated a torn last timeline line");
        }
        if self.skipped_lines > 0 {
            tracing::warn!(path = %path.display(), lines = self.skipped_lines, "skipped unreadable timeline lines");
        }
    }
}

/// `seq` and `item.type` of a line in exactly the shape [`TimelineLog`]
/// writes (`{"seq":N,"epoch":"…","timestamp":"…","item":{"type":"…",…}`),
/// found without parsing the rest; `None` when the line does not look like
/// that (the caller then parses it).
///
/// Why: indexing is most of the cost of a log's first use, and a full JSON
/// parse of every row (skipping over all of its text) made the first page
/// of a 10,000-row timeline take ~12 ms instead of ~1 ms.
fn quick_head(line: &[u8]) -> Option<(u64, &[u8])> {
    fn quoted(rest: &[u8]) -> Option<(&[u8], &[u8])> {
        let end = rest.iter().position(|&b| b == b'"')?;
        Some((&rest[..end], &rest[end + 1..]))
    }
    if line.last() != Some(&b'}') {
        return None;
    }
    let rest = line.strip_prefix(b"{\"seq\":")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let seq = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    let rest = rest[digits..].strip_prefix(b",\"epoch\":\"")?;
    // Epochs (UUIDs) and ISO timestamps hold no quotes or escapes; anything
    // else fails a prefix below and is parsed in full.
    let (_, rest) = quoted(rest)?;
    let rest = rest.strip_prefix(b",\"timestamp\":\"")?;
    let (_, rest) = quoted(rest)?;
    let rest = rest.strip_prefix(b",\"item\":{\"type\":\"")?;
    let (kind, _) = quoted(rest)?;
    Some((seq, kind))
}

/// Reads and indexes the log at `path` (a missing one is created empty).
/// A torn last line (no newline, or not JSON) is truncated away.
fn build_index(path: &Path) -> Result<(LogIndex, LoadReport), StoreError> {
    let mut file = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(|source| StoreError::io(path, source))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|source| StoreError::io(path, source))?;
    let mut index = LogIndex::default();
    let mut report = LoadReport::default();
    let mut offset = 0usize;
    while offset < bytes.len() {
        let rest = &bytes[offset..];
        let Some(newline) = rest.iter().position(|&b| b == b'\n') else {
            // No newline: the write of this line never finished.
            break;
        };
        let line = &rest[..newline];
        let len = newline + 1;
        let last_line = offset + len == bytes.len();
        // Most rows take the quick path; the last line is always parsed in
        // full (it is the one a crash may have garbled), and so are user
        // messages (their `messageId` is needed).
        let head = match quick_head(line) {
            Some((seq, kind)) if !last_line && kind != b"user_message" => Ok(LineHead {
                seq,
                item: ItemHead {
                    kind: String::new(),
                    message_id: None,
                },
            }),
            _ => serde_json::from_slice::<LineHead>(line),
        };
        match head {
            Ok(head) if index.rows.last().is_none_or(|last| head.seq > last.seq) => {
                if head.item.kind == "user_message"
                    && let Some(id) = head.item.message_id
                {
                    index.message_ids.insert(id);
                }
                index.rows.push(RowIndex {
                    seq: head.seq,
                    offset: offset as u64,
                    len: u32::try_from(len).unwrap_or(u32::MAX),
                });
            }
            _ if last_line => {
                // A complete but unparsable last line is torn too.
                break;
            }
            _ => report.skipped_lines += 1,
        }
        offset += len;
    }
    let good_end = offset as u64;
    if good_end < bytes.len() as u64 {
        report.truncated_bytes = bytes.len() as u64 - good_end;
        file.set_len(good_end)
            .map_err(|source| StoreError::io(path, source))?;
        file.sync_data()
            .map_err(|source| StoreError::io(path, source))?;
    }
    // `file` is closed here: an idle agent holds no descriptor.
    index.end = good_end;
    Ok((index, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(text: &str) -> TimelineItem {
        TimelineItem::AssistantMessage { text: text.into() }
    }

    #[test]
    fn idle_logs_hold_no_descriptor_and_still_read_and_append() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut log = TimelineLog::create(dir.path(), "ep").expect("create");
        log.append("t".into(), text("a")).expect("append");
        log.release();
        assert!(log.file().is_none());
        let (mut log, _) = TimelineLog::open(dir.path(), "ep").expect("open");
        assert!(log.file().is_none(), "a loaded log keeps no descriptor");
        assert_eq!(log.read(0, 1).expect("read idle")[0].item, text("a"));
        log.append("t".into(), text("b")).expect("append reopens");
        assert!(log.file().is_some());
        log.release();
        let rows = log.read(0, 2).expect("read");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].seq, 2);
    }

    #[test]
    fn appended_rows_are_numbered_from_one_and_read_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut log = TimelineLog::create(dir.path(), "ep").expect("create");
        for i in 0..5 {
            let line = log
                .append("t".into(), text(&format!("r{i}")))
                .expect("append");
            assert_eq!(line.seq, i + 1);
        }
        let rows = log.read(1, 3).expect("read");
        assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(rows[0].item, text("r1"));
        assert_eq!(rows[0].epoch, "ep");
        drop(log);
        let (log, report) = TimelineLog::open(dir.path(), "ep").expect("reopen");
        assert_eq!(report, LoadReport::default());
        assert_eq!(log.index().expect("index").len(), 5);
        assert_eq!(log.index().expect("index").next_seq(), 6);
    }

    #[test]
    fn torn_last_line_is_truncated_and_appends_continue() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut log = TimelineLog::create(dir.path(), "ep").expect("create");
        log.append("t".into(), text("a")).expect("append");
        log.append(
            "t".into(),
            TimelineItem::UserMessage {
                text: "u".into(),
                message_id: Some("m1".into()),
            },
        )
        .expect("append");
        drop(log);
        let path = dir.path().join(LOG_FILE);
        let good = std::fs::metadata(&path).expect("meta").len();
        let mut file = OpenOptions::new().append(true).open(&path).expect("open");
        let torn = br#"{"seq":3,"epoch":"ep","timest"#;
        file.write_all(torn).expect("tear");
        drop(file);

        let (mut log, report) = TimelineLog::open(dir.path(), "ep").expect("reopen");
        assert_eq!(report.truncated_bytes, torn.len() as u64);
        assert_eq!(std::fs::metadata(&path).expect("meta").len(), good);
        assert_eq!(log.index().expect("index").len(), 2);
        assert!(log.index().expect("index").has_message_id("m1"));
        assert_eq!(log.append("t".into(), text("c")).expect("append").seq, 3);
        let (log, report) = TimelineLog::open(dir.path(), "ep").expect("reopen again");
        assert_eq!(report, LoadReport::default());
        assert_eq!(log.read(0, 10).expect("read").len(), 3);
    }

    #[test]
    fn complete_but_garbled_last_line_counts_as_torn_middle_lines_are_skipped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(LOG_FILE);
        let ok = |seq: u64| {
            format!(
                r#"{{"seq":{seq},"epoch":"ep","timestamp":"t","item":{{"type":"assistant_message","text":"x"}}}}"#
            )
        };
        std::fs::write(
            &path,
            format!("{}\nnot json\n{}\n{{garbage\n", ok(1), ok(2)),
        )
        .expect("write");
        let (log, report) = TimelineLog::open(dir.path(), "ep").expect("open");
        assert_eq!(report.skipped_lines, 1);
        assert_eq!(report.truncated_bytes, "{garbage\n".len() as u64);
        assert_eq!(log.index().expect("index").len(), 2);
        assert_eq!(log.index().expect("index").seq_at(1), 2);
    }

    #[test]
    fn index_lookups() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut log = TimelineLog::create(dir.path(), "ep").expect("create");
        for _ in 0..10 {
            log.append("t".into(), text("x")).expect("append");
        }
        assert_eq!(log.index().expect("index").index_after(0), 0);
        assert_eq!(log.index().expect("index").index_after(3), 3);
        assert_eq!(log.index().expect("index").index_at_or_after(3), 2);
        assert_eq!(log.index().expect("index").index_after(99), 10);
    }

    #[test]
    fn quick_head_reads_what_append_writes_and_refuses_anything_else() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut log = TimelineLog::create(dir.path(), "ep").expect("create");
        log.append("2026-01-01T00:00:00.000Z".into(), text("a \"quoted\" }"))
            .expect("append");
        let bytes = std::fs::read(dir.path().join(LOG_FILE)).expect("read");
        let line = &bytes[..bytes.len() - 1];
        assert_eq!(quick_head(line), Some((1, &b"assistant_message"[..])));
        for odd in [
            &br#"{"seq":1,"epoch":"e","item":{"type":"x"}}"#[..],
            br#"{"epoch":"e","seq":1,"timestamp":"t","item":{"type":"x"}}"#,
            br#"{"seq":,"epoch":"e","timestamp":"t","item":{"type":"x"}}"#,
            br#"{"seq":1,"epoch":"e","timestamp":"t","item":{"type":"x""#,
        ] {
            assert_eq!(quick_head(odd), None, "{}", String::from_utf8_lossy(odd));
        }
    }
}
