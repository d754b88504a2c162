//! The prompt markers that script a turn. Parsing them in one place keeps the
//! documented list (crate doc, `--help`) and the behaviour in step.

/// The default file that `EDIT_FILE` edits, relative to the session cwd.
pub const DEFAULT_EDIT_PATH: &str = "notes.md";

/// The reply to the `/markers` command.
pub const SUMMARY: &str = "Markers: EDIT_FILE[=path], PLEASE_BE_SLOW, HANG_FOREVER, \
CRASH_NOW, FAIL_AUTH, USE_TODO. Anything else gets \"Hi there!\".";

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
    fn edit_file_takes_a_path() {
        let m = Markers::parse("EDIT_FILE=docs/a.md");
        assert_eq!(m.edit.as_deref(), Some("docs/a.md"));
    }
}
