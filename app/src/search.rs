//! Finding things across hosts (pure, tested natively): agents by title,
//! cwd or host, ranked like the union (needs input > attention > running >
//! recency), and text in the timelines this browser holds (live or from the
//! cached snapshots), each hit pointing at its agent and seq.

use crate::directory::ordering::Urgency;

/// Lower-cases `text` for case-insensitive matching (Unicode, like
/// `str::to_lowercase`). In the browser it asks JavaScript's
/// `toLowerCase`: Rust's version carries ~17 KB of Unicode tables into the
/// wasm bundle; both apply the same Unicode case mapping.
pub fn fold_case(text: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        String::from(js_sys::JsString::from(text).to_lower_case())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        text.to_lowercase()
    }
}
use crate::directory::{AgentKey, DirectoryModel};

/// What the palette knows of one agent.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentEntry {
    pub key: AgentKey,
    pub title: String,
    pub cwd: String,
    pub host: String,
    pub urgency: Urgency,
    /// Last activity (ISO-8601).
    pub activity: String,
    /// Lower-cased `title cwd host`, made once.
    pub haystack: String,
}

impl AgentEntry {
    pub fn new(
        key: AgentKey,
        title: String,
        cwd: String,
        host: String,
        urgency: Urgency,
        activity: String,
    ) -> Self {
        let haystack = fold_case(&format!("{title}\n{cwd}\n{host}"));
        AgentEntry {
            key,
            title,
            cwd,
            host,
            urgency,
            activity,
            haystack,
        }
    }
}

/// Indexes of the entries matching every word of `query` (any order, any
/// field), most urgent first, then newest, at most `limit`.
pub fn rank_agents(entries: &[AgentEntry], query: &str, limit: usize) -> Vec<usize> {
    let words: Vec<String> = query.split_whitespace().map(fold_case).collect();
    let mut hits: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, e)| words.iter().all(|w| e.haystack.contains(w.as_str())))
        .map(|(i, _)| i)
        .collect();
    crate::sorted::sort_by(&mut hits, |&a, &b| {
        let (a, b) = (&entries[a], &entries[b]);
        a.urgency
            .cmp(&b.urgency)
            .then_with(|| b.activity.cmp(&a.activity))
            .then_with(|| a.key.cmp(&b.key))
    });
    hits.truncate(limit);
    hits
}

/// One timeline text hit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextHit {
    pub key: AgentKey,
    /// The first seq of the item holding the text (`?seq=` opens there).
    pub seq: u64,
    /// The text around the match.
    pub snippet: String,
}

/// The searchable text of an item (the daemon's JSON): messages,
/// reasoning and errors.
fn item_text(item: &serde_json::Value) -> Option<&str> {
    let key = match crate::directory::timeline_kind(item) {
        "user_message" | "assistant_message" | "reasoning" => "text",
        "error" => "message",
        _ => return None,
    };
    item.get(key).and_then(serde_json::Value::as_str)
}

/// Text hits for `query` (case-insensitive, at least 2 characters) in every
/// held timeline, newest items first, at most `limit`.
pub fn search_text(model: &DirectoryModel, query: &str, limit: usize) -> Vec<TextHit> {
    let needle = fold_case(query.trim());
    if needle.chars().count() < 2 {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for (profile_id, session) in &model.sessions {
        for (agent_id, timeline) in &session.timelines {
            for item in timeline.items.iter().rev() {
                let Some(text) = item_text(&item.item) else {
                    continue;
                };
                let lower = fold_case(text);
                if let Some(at) = lower.find(&needle) {
                    hits.push((
                        item.timestamp.clone(),
                        TextHit {
                            key: AgentKey::new(profile_id.clone(), agent_id.clone()),
                            seq: item.seq_start,
                            snippet: snippet(text, &lower, at, needle.len()),
                        },
                    ));
                }
            }
        }
    }
    crate::sorted::sort_by(&mut hits, |a, b| {
        b.0.cmp(&a.0)
            .then_with(|| a.1.key.cmp(&b.1.key))
            .then(b.1.seq.cmp(&a.1.seq))
    });
    hits.into_iter().take(limit).map(|(_, hit)| hit).collect()
}

/// About 40 characters either side of the match, on char boundaries.
fn snippet(text: &str, lower: &str, at: usize, len: usize) -> String {
    // `lower` may differ in byte length from `text` for some scripts: fall
    // back to the start of the text when the offsets do not line up.
    if lower.len() != text.len() {
        return text.chars().take(100).collect();
    }
    let start = text[..at]
        .char_indices()
        .rev()
        .nth(40)
        .map_or(0, |(i, _)| i);
    let end = text[at + len..]
        .char_indices()
        .nth(40)
        .map_or(text.len(), |(i, _)| at + len + i);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(text[start..end].trim());
    if end < text.len() {
        out.push('…');
    }
    out.replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(
        agent: &str,
        title: &str,
        cwd: &str,
        host: &str,
        urgency: Urgency,
        at: &str,
    ) -> AgentEntry {
        AgentEntry::new(
            AgentKey::new(host, agent),
            title.into(),
            cwd.into(),
            host.into(),
            urgency,
            at.into(),
        )
    }

    #[test]
    fn agents_match_every_word_in_any_field_and_rank_like_the_union() {
        let entries = vec![
            entry(
                "a",
                "Refactor parser",
                "/src/app",
                "Laptop",
                Urgency::Rest,
                "2026-12-05T10:00",
            ),
            entry(
                "b",
                "Write docs",
                "/src/app",
                "GPU box",
                Urgency::NeedsInput,
                "2026-12-05T09:00",
            ),
            entry(
                "c",
                "Parser tests",
                "/src/lib",
                "GPU box",
                Urgency::Running,
                "2026-12-05T11:00",
            ),
            entry(
                "d",
                "Old parser",
                "/src/lib",
                "Laptop",
                Urgency::Rest,
                "2026-12-05T12:00",
            ),
        ];
        assert_eq!(rank_agents(&entries, "", 10), vec![1, 2, 3, 0]);
        assert_eq!(rank_agents(&entries, "PARSER", 10), vec![2, 3, 0]);
        assert_eq!(rank_agents(&entries, "gpu parser", 10), vec![2]);
        assert_eq!(rank_agents(&entries, "src/app", 1), vec![1]);
        assert!(rank_agents(&entries, "nothing", 10).is_empty());
    }

    #[test]
    fn snippets_keep_context_on_char_boundaries() {
        let text = format!("{}needle é{}", "x".repeat(60), "y".repeat(60));
        let lower = text.to_lowercase();
        let at = lower.find("needle").expect("found");
        let s = snippet(&text, &lower, at, 6);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("needle é"));
    }
}
