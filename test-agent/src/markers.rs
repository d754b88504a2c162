//! The prompt markers that script a turn. Parsing them in one place keeps the
//! documented list (crate doc, `--help`) and the behaviour in step.

/// The default file that `EDIT_FILE` edits, relative to the session cwd.
pub const DEFAULT_EDIT_PATH: &str = "notes.md";

/// The reply to the `/markers` command.
pub const SUMMARY: &str = "Markers: EDIT_FILE[=path], PLEASE_BE_SLOW, HANG_FOREVER, \
CRASH_NOW, FAIL_AUTH, USE_TODO, REPLY_FILE=path, CHUNKS=n[@rate], TOOLS, COMPACT, ITEMS=n, HOSTILE. \
Anything else gets \"Hi there!\".";

/// What the prompt text asks the turn to do.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Markers {
    /// `EDIT_FILE[=path]`: the relative path to edit.
    pub edit: Option<String>,
    /// `PLEASE_BE_SLOW`: stream slowly for 60 s unless cancelled.
    pub slow: bool,
    /// `HANG_FOREVER`: never answer.
    pub hang: bool,
    /// `CRASH_NOW`: exit with code 3 after one chunk.
    pub crash: bool,
    /// `FAIL_AUTH`: answer with "Authentication required".
    pub fail_auth: bool,
    /// `USE_TODO`: send a plan before the reply.
    pub todo: bool,
    /// The prompt is the `/markers` command.
    pub list: bool,
    /// `REPLY_FILE=<path>`: the reply is that file's text (relative to the
    /// session cwd), streamed in chunks: tests render hostile or long
    /// markdown through a real turn.
    pub reply_file: Option<String>,
    /// `CHUNKS=<n>[@<per second>]`: the reply is `n` chunks `c1 c2 …`,
    /// optionally paced (the browser's streaming checks and benchmark).
    pub chunks: Option<(u32, Option<u32>)>,
    /// `TOOLS`: one completed tool call of each kind the screens render
    /// (execute, read, search, fetch, think, other) before the reply.
    pub tools: bool,
    /// `COMPACT`: a context compaction (started, then completed) before the
    /// reply, as the `compaction` session update our daemon understands.
    pub compact: bool,
    /// `ITEMS=<n>`: `n` separate completed `read` tool calls, one row each:
    /// long timelines made quickly (the browser's bounded mounting).
    pub items: Option<u32>,
    /// `HOSTILE`: a thought, a plan and tool calls whose every text field
    /// carries HTML, script and `javascript:` payloads, before the reply:
    /// the browser must render them inert (the bad-input suite).
    pub hostile: bool,
}

impl Markers {
    /// Finds the markers in the prompt text (whitespace-separated words;
    /// surrounding punctuation is tolerated for the plain markers).
    pub fn parse(text: &str) -> Self {
        let mut markers = Self {
            list: text.trim_start().starts_with("/markers"),
            ..Self::default()
        };
        for word in text.split_whitespace() {
            if let Some(path) = word.strip_prefix("REPLY_FILE=") {
                markers.reply_file = Some(path.to_owned()).filter(|p| !p.is_empty());
                continue;
            }
            if let Some(spec) = word.strip_prefix("CHUNKS=") {
                let (count, rate) = match spec.split_once('@') {
                    Some((count, rate)) => (count, rate.parse().ok()),
                    None => (spec, None),
                };
                if let Ok(count) = count.parse::<u32>() {
                    markers.chunks = Some((count.min(100_000), rate.filter(|r| *r > 0)));
                }
                continue;
            }
            if let Some(count) = word.strip_prefix("ITEMS=") {
                markers.items = count.parse::<u32>().ok().map(|n| n.min(100_000));
                continue;
            }
            if let Some(path) = word.strip_prefix("EDIT_FILE=") {
                let path = if path.is_empty() {
                    DEFAULT_EDIT_PATH
                } else {
                    path
                };
                markers.edit = Some(path.to_owned());
                continue;
            }
            match word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_') {
                "EDIT_FILE" => markers.edit = Some(DEFAULT_EDIT_PATH.to_owned()),
                "PLEASE_BE_SLOW" => markers.slow = true,
                "HANG_FOREVER" => markers.hang = true,
                "CRASH_NOW" => markers.crash = true,
                "FAIL_AUTH" => markers.fail_auth = true,
                "USE_TODO" => markers.todo = true,
                "TOOLS" => markers.tools = true,
                "COMPACT" => markers.compact = true,
                "HOSTILE" => markers.hostile = true,
                _ => {}
            }
        }
        markers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reply_file_and_chunks_take_their_arguments() {
        let m = Markers::parse("REPLY_FILE=hostile.md CHUNKS=50@200");
        assert_eq!(m.reply_file.as_deref(), Some("hostile.md"));
        assert_eq!(m.chunks, Some((50, Some(200))));
        assert_eq!(Markers::parse("CHUNKS=7").chunks, Some((7, None)));
        assert_eq!(Markers::parse("CHUNKS=x").chunks, None);
    }

    #[test]
    fn plain_text_has_no_markers() {
        assert_eq!(Markers::parse("say hi"), Markers::default());
    }

    #[test]
    fn markers_are_found_among_words() {
        let m = Markers::parse("please EDIT_FILE, then USE_TODO.\nCRASH_NOW");
        assert_eq!(m.edit.as_deref(), Some("notes.md"));
        assert!(m.todo && m.crash && !m.slow && !m.hang && !m.fail_auth);
    }

    #[test]
    fn tools_compact_and_items() {
        let m = Markers::parse("TOOLS COMPACT ITEMS=3 HOSTILE");
        assert!(m.tools && m.compact && m.hostile);
        assert_eq!(m.items, Some(3));
        assert_eq!(Markers::parse("ITEMS=lots").items, None);
    }

    #[test]
    fn edit_file_takes_a_path() {
        let m = Markers::parse("EDIT_FILE=docs/a.md");
        assert_eq!(m.edit.as_deref(), Some("docs/a.md"));
    }
}
