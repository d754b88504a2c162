//! Agent text → safe HTML. Agent output is untrusted (it can quote a web
//! page, a file, anything), and the page holds daemon passwords in
//! localStorage, so: raw HTML is shown as text, links and images keep only
//! `http(s)`/`mailto` targets (anything else becomes its plain text), and
//! the result is what pulldown-cmark escapes. Pure, so it is tested natively.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// Renders `text` as markdown into HTML that is safe to insert.
pub fn to_safe_html(text: &str) -> String {
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    // Links whose target we drop: their End must be dropped too.
    let mut dropped_links: Vec<bool> = Vec::new();
    let events = Parser::new_ext(text, options).filter_map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let safe = safe_url(&dest_url);
            dropped_links.push(!safe);
            safe.then_some(Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }))
        }
        Event::End(TagEnd::Link) => match dropped_links.pop() {
            Some(true) => None,
            _ => Some(Event::End(TagEnd::Link)),
        },
        // Images load from anywhere: shown as their alt text instead.
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        Event::InlineMath(s) | Event::DisplayMath(s) => Some(Event::Code(s)),
        other => Some(other),
    });
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    html::push_html(&mut out, events);
    out
}

/// Whether a link target may be kept: absolute http(s) or mailto only.
fn safe_url(url: &CowStr<'_>) -> bool {
    let lower: String = url
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_escaped_not_rendered() {
        let html =
            to_safe_html("hello <script>window.__pwned=1</script> <img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn block_html_is_escaped_too() {
        let html = to_safe_html("<div onclick=\"x()\">\nhi\n</div>\n");
        assert!(!html.contains("<div"), "{html}");
        assert!(html.contains("&lt;div"), "{html}");
    }

    #[test]
    fn javascript_and_data_links_lose_their_target_but_keep_their_text() {
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " java\tscript:x",
            "data:text/html,x",
            "vbscript:x",
            "/relative",
        ] {
            let html = to_safe_html(&format!("[click me]({url})"));
            assert!(!html.contains("<a"), "{url}: {html}");
            assert!(html.contains("click me"), "{url}: {html}");
        }
        let auto = to_safe_html("<javascript:alert(1)>");
        assert!(!auto.contains("href"), "{auto}");
    }

    #[test]
    fn http_links_code_and_emphasis_render() {
        let html =
            to_safe_html("**bold** [docs](https://example.com)\n\n```rust\nfn main() {}\n```\n");
        assert!(html.contains("<strong>bold</strong>"));
        assert!(html.contains("<a href=\"https://example.com\">docs</a>"));
        assert!(html.contains("<pre><code class=\"language-rust\">fn main() {}"));
    }

    #[test]
    fn images_become_their_alt_text() {
        let html = to_safe_html("![a cat](https://evil.example/track.png)");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("a cat"), "{html}");
    }

    #[test]
    fn attribute_breaking_urls_are_escaped() {
        let html = to_safe_html("[x](https://e.com/\"onmouseover=alert(1))");
        assert!(!html.contains("\"onmouseover"), "{html}");
    }
}
