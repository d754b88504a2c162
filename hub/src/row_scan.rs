//! A single pass over the one frame shape a streaming daemon sends most:
//! `{"type":"session","message":{"type":"agent_stream","payload":{"agentId":…,
//! "event":{"type":"timeline","provider":…,"item":{"type":"assistant_message",
//! "text":…}},"timestamp":…,"seq":N,"epoch":…}}}` (keys in any order).
//!
//! Why: decoding that frame is most of the hub's work per streamed row, and
//! serde's derived visitors over four nested objects cost about twice a plain
//! scan of the text. This reader accepts only a strict subset of JSON (each
//! expected key exactly once, no other key, text-chunk items, `seq` a plain
//! non-negative integer) and gives up (`None`) on anything else, which then
//! goes to the serde decoders in `decode.rs`; inside the subset it yields
//! exactly what they do (strings with escapes are unescaped by serde_json
//! itself; tests compare both on recorded and on mutated frames).

use std::borrow::Cow;

use protocol::TimelineItem;

/// The fields of a streamed text-chunk row.
#[derive(Debug)]
pub(crate) struct ScannedRow<'a> {
    pub(crate) agent_id: Cow<'a, str>,
    pub(crate) provider: String,
    pub(crate) item: TimelineItem,
    pub(crate) timestamp: String,
    pub(crate) seq: u64,
    pub(crate) epoch: Cow<'a, str>,
}

/// The row in `text`, or `None` if `text` is not exactly that shape.
pub(crate) fn scan_row(text: &str) -> Option<ScannedRow<'_>> {
    let mut reader = Reader { text, at: 0 };
    let row = reader.frame()?;
    reader.skip_whitespace();
    (reader.at == text.len()).then_some(row)
}

/// Sets a field once; a second occurrence of the key gives up.
fn once<T>(slot: &mut Option<T>, value: Option<T>) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value?);
    Some(())
}

struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.peek() {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_whitespace();
        (self.peek() == Some(byte)).then(|| self.at += 1)
    }

    /// A JSON string: borrowed if it has no escape, else unescaped by
    /// serde_json (which also rejects a bad escape).
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let bytes = self.text.as_bytes();
        let start = self.at;
        let mut end = start;
        let mut escaped = false;
        loop {
            match *bytes.get(end)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    end += 2;
                }
                // Raw control characters are not allowed in JSON strings.
                0..0x20 => return None,
                _ => end += 1,
            }
        }
        // `start - 1` and `end` are ASCII quotes: both are char boundaries.
        self.at = end + 1;
        if escaped {
            serde_json::from_str(&self.text[start - 1..=end])
                .ok()
                .map(Cow::Owned)
        } else {
            Some(Cow::Borrowed(&self.text[start..end]))
        }
    }

    /// A string that must equal `expected`.
    fn literal(&mut self, expected: &str) -> Option<()> {
        (self.string()? == expected).then_some(())
    }

    /// A non-negative integer without sign, fraction or exponent that fits
    /// a `u64` (what serde_json reads as a `u64` too).
    fn unsigned(&mut self) -> Option<u64> {
        self.skip_whitespace();
        let bytes = self.text.as_bytes();
        let start = self.at;
        let mut value: u64 = 0;
        while let Some(digit @ b'0'..=b'9') = bytes.get(self.at).copied() {
            value = value
                .checked_mul(10)?
                .checked_add(u64::from(digit - b'0'))?;
            self.at += 1;
        }
        let digits = self.at - start;
        let leading_zero = digits > 1 && bytes[start] == b'0';
        let not_an_integer = matches!(self.peek(), Some(b'.' | b'e' | b'E'));
        (digits > 0 && !leading_zero && !not_an_integer).then_some(value)
    }

    /// An object: `field` reads the value of each key (and gives up on a key
    /// it does not expect).
    fn object(&mut self, mut field: impl FnMut(&mut Self, &str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.at += 1;
            return Some(());
        }
        loop {
            let key = self.string()?;
            self.eat(b':')?;
            field(self, &key)?;
            self.skip_whitespace();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn frame(&mut self) -> Option<ScannedRow<'a>> {
        let (mut kind, mut row) = (None, None);
        self.object(|r, key| match key {
            "type" => once(&mut kind, r.literal("session")),
            "message" => once(&mut row, r.message()),
            _ => None,
        })?;
        kind?;
        row
    }

    fn message(&mut self) -> Option<ScannedRow<'a>> {
        let (mut kind, mut row) = (None, None);
        self.object(|r, key| match key {
            "type" => once(&mut kind, r.literal("agent_stream")),
            "payload" => once(&mut row, r.payload()),
            _ => None,
        })?;
        kind?;
        row
    }

    fn payload(&mut self) -> Option<ScannedRow<'a>> {
        let (mut agent_id, mut event, mut timestamp, mut seq, mut epoch) =
            (None, None, None, None, None);
        self.object(|r, key| match key {
            "agentId" => once(&mut agent_id, r.string()),
            "event" => once(&mut event, r.event()),
            "timestamp" => once(&mut timestamp, r.string()),
            "seq" => once(&mut seq, r.unsigned()),
            "epoch" => once(&mut epoch, r.string()),
            _ => None,
        })?;
        let (provider, item) = event?;
        Some(ScannedRow {
            agent_id: agent_id?,
            provider,
            item,
            timestamp: timestamp?.into_owned(),
            seq: seq?,
            epoch: epoch?,
        })
    }

    fn event(&mut self) -> Option<(String, TimelineItem)> {
        let (mut kind, mut provider, mut item) = (None, None, None);
        self.object(|r, key| match key {
            "type" => once(&mut kind, r.literal("timeline")),
            "provider" => once(&mut provider, r.string()),
            "item" => once(&mut item, r.item()),
            _ => None,
        })?;
        kind?;
        Some((provider?.into_owned(), item?))
    }

    /// A text chunk, read as the protocol crate's `TimelineItem` reads it:
    /// `assistant_message` / `reasoning` with `text`, `user_message` with
    /// `text` and an optional `messageId` (string or null).
    fn item(&mut self) -> Option<TimelineItem> {
        let (mut kind, mut text, mut message_id) = (None, None, None);
        self.object(|r, key| match key {
            "type" => once(&mut kind, r.string()),
            "text" => once(&mut text, r.string()),
            "messageId" => once(&mut message_id, r.optional_string()),
            _ => None,
        })?;
        let text = text?.into_owned();
        match (&*kind?, message_id) {
            ("assistant_message", None) => Some(TimelineItem::AssistantMessage { text }),
            ("reasoning", None) => Some(TimelineItem::Reasoning { text }),
            ("user_message", message_id) => Some(TimelineItem::UserMessage {
                text,
                message_id: message_id.flatten(),
            }),
            _ => None,
        }
    }

    /// A string or `null`.
    fn optional_string(&mut self) -> Option<Option<String>> {
        self.skip_whitespace();
        if self.text[self.at..].starts_with("null") {
            self.at += 4;
            return Some(None);
        }
        Some(Some(self.string()?.into_owned()))
    }
}
