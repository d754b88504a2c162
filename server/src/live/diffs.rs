//! The live diffs one tab subscribed to (`subscribe_diff`): a hub
//! subscription per diff, whose pushes come back on this socket's own
//! channel (never through the hub's broadcast, so no other tab sees them)
//! and go out as `diff_update` under the tab's subscription id.

use std::collections::BTreeMap;

use app::live::messages::{LiveDiffFile, LiveDiffHunk, ServerMessage};
use hub::{DaemonKey, DiffGuard, DiffPush, DiffSink, Hub};
use protocol::{DiffCompare, DiffCompareMode, DiffLineType, ParsedDiffFile};

use super::convert;

/// Diffs one tab may watch at once (each costs the daemon a git poller).
const MAX_DIFFS: usize = 8;

struct Watched {
    profile_id: String,
    guard: DiffGuard,
}

/// A socket's diff subscriptions, by the tab's subscription id.
pub(super) struct Diffs {
    sink: DiffSink,
    watched: BTreeMap<String, Watched>,
}

impl Diffs {
    /// Pushes of every subscription go to `sink` (the socket's loop reads
    /// the other end).
    pub(super) fn new(sink: DiffSink) -> Self {
        Diffs {
            sink,
            watched: BTreeMap::new(),
        }
    }

    /// Subscribes (or replaces) `subscription_id` for a watched profile.
    pub(super) fn subscribe(
        &mut self,
        hub: &Hub,
        profile_id: &str,
        key: &DaemonKey,
        subscription_id: String,
        cwd: String,
    ) -> Option<ServerMessage> {
        self.watched.remove(&subscription_id);
        if subscription_id.is_empty() || cwd.trim().is_empty() {
            return Some(convert::error(
                "subscribe_diff needs a subscription_id and a cwd",
                Some(profile_id),
                None,
            ));
        }
        if self.watched.len() >= MAX_DIFFS {
            return Some(convert::error(
                format!("at most {MAX_DIFFS} diffs can be watched at once"),
                Some(profile_id),
                None,
            ));
        }
        let compare = DiffCompare {
            mode: DiffCompareMode::Uncommitted,
            base_ref: None,
            ignore_whitespace: None,
        };
        match hub.subscribe_diff(key, cwd, compare, self.sink.clone()) {
            Ok(guard) => {
                let watched = Watched {
                    profile_id: profile_id.to_owned(),
                    guard,
                };
                self.watched.insert(subscription_id, watched);
                None
            }
            Err(err) => Some(convert::error(err.to_string(), Some(profile_id), None)),
        }
    }

    /// Drops a subscription (unknown ids are ignored).
    pub(super) fn unsubscribe(&mut self, subscription_id: &str) {
        self.watched.remove(subscription_id);
    }

    /// Keeps only the subscriptions whose profile still names the daemon
    /// they were made on (after a `watch`).
    pub(super) fn retain(&mut self, key_of: impl Fn(&str) -> Option<DaemonKey>) {
        self.watched
            .retain(|_, w| key_of(&w.profile_id).as_ref() == Some(w.guard.key()));
    }

    /// A hub push as the tab's `diff_update`; `None` for a subscription the
    /// tab dropped meanwhile.
    pub(super) fn on_push(&self, push: DiffPush) -> Option<ServerMessage> {
        let (tab_id, watched) = self
            .watched
            .iter()
            .find(|(_, w)| w.guard.id() == push.subscription_id)?;
        Some(ServerMessage::DiffUpdate {
            profile_id: watched.profile_id.clone(),
            subscription_id: tab_id.clone(),
            files: push.files.into_iter().map(file).collect(),
            error: push.error.map(|e| e.message),
        })
    }
}

/// The daemon's file as the channel sends it: lines as unified-diff text.
pub(super) fn file(f: ParsedDiffFile) -> LiveDiffFile {
    let status = f.status.and_then(|s| match s {
        protocol::DiffFileStatus::Ok => None,
        protocol::DiffFileStatus::TooLarge => Some("too_large".to_owned()),
        protocol::DiffFileStatus::Binary => Some("binary".to_owned()),
        protocol::DiffFileStatus::Unknown => Some("unknown".to_owned()),
    });
    let hunks = f
        .hunks
        .into_iter()
        .map(|h| {
            let mut header = String::new();
            let mut lines = Vec::with_capacity(h.lines.len());
            for line in h.lines {
                let prefix = match line.kind {
                    DiffLineType::Header => {
                        header = line.content;
                        continue;
                    }
                    DiffLineType::Add => '+',
                    DiffLineType::Remove => '-',
                    DiffLineType::Context | DiffLineType::Unknown => ' ',
                };
                let mut text = String::with_capacity(line.content.len() + 1);
                text.push(prefix);
                text.push_str(&line.content);
                lines.push(text);
            }
            LiveDiffHunk {
                old_start: h.old_start,
                new_start: h.new_start,
                header,
                lines,
            }
        })
        .collect();
    LiveDiffFile {
        path: f.path,
        is_new: f.is_new,
        is_deleted: f.is_deleted,
        additions: f.additions,
        deletions: f.deletions,
        status,
        hunks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{DiffFileStatus, DiffHunk, DiffLine};

    fn line(kind: DiffLineType, content: &str) -> DiffLine {
        DiffLine {
            kind,
            content: content.into(),
            tokens: None,
        }
    }

    #[test]
    fn lines_become_unified_text_and_the_header_is_kept_apart() {
        let parsed = ParsedDiffFile {
            path: "src/a.rs".into(),
            is_new: false,
            is_deleted: false,
            additions: 1,
            deletions: 1,
            hunks: vec![DiffHunk {
                old_start: 3,
                old_count: 2,
                new_start: 3,
                new_count: 2,
                lines: vec![
                    line(DiffLineType::Header, "@@ -3,2 +3,2 @@ fn main"),
                    line(DiffLineType::Context, "keep"),
                    line(DiffLineType::Remove, "old"),
                    line(DiffLineType::Add, "new"),
                ],
            }],
            status: Some(DiffFileStatus::Ok),
        };
        let live = file(parsed);
        assert_eq!(live.status, None);
        assert_eq!(live.hunks[0].header, "@@ -3,2 +3,2 @@ fn main");
        assert_eq!(live.hunks[0].lines, [" keep", "-old", "+new"]);
        assert_eq!((live.hunks[0].old_start, live.hunks[0].new_start), (3, 3));
    }
}
