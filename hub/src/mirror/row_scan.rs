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

/// The fields of a streamed text-chunk row. The item stays a small
/// [`Chunk`] until the row is built: a `TimelineItem` is several hundred
/// bytes, and every move of one is a copy.
#[derive(Debug)]
pub(crate) struct ScannedRow<'a> {
    pub(crate) agent_id: Cow<'a, str>,
    pub(crate) provider: String,
    pub(crate) chunk: Chunk,
    pub(crate) timestamp: String,
    pub(crate) seq: u64,
    pub(crate) epoch: Cow<'a, str>,
}

/// A text-chunk item.
#[derive(Debug)]
pub(crate) enum Chunk {
    Assistant(String),
    Reasoning(String),
    User {
        text: String,
        message_id: Option<String>,
    },
}

impl Chunk {
    /// The protocol crate's item for this chunk.
    pub(crate) fn into_item(self) -> TimelineItem {
        match self {
            Chunk::Assistant(text) => TimelineItem::AssistantMessage { text },
            Chunk::Reasoning(text) => TimelineItem::Reasoning { text },
            Chunk::User { text, message_id } => TimelineItem::UserMessage { text, message_id },
        }
    }
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
            end = skip_plain(bytes, end);
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
        let (provider, chunk) = event?;
        Some(ScannedRow {
            agent_id: agent_id?,
            provider,
            chunk,
            timestamp: timestamp?.into_owned(),
            seq: seq?,
            epoch: epoch?,
        })
    }

    fn event(&mut self) -> Option<(String, Chunk)> {
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
    fn item(&mut self) -> Option<Chunk> {
        let (mut kind, mut text, mut message_id) = (None, None, None);
        self.object(|r, key| match key {
            "type" => once(&mut kind, r.string()),
            "text" => once(&mut text, r.string()),
            "messageId" => once(&mut message_id, r.optional_string()),
            _ => None,
        })?;
        let text = text?.into_owned();
        match (&*kind?, message_id) {
            ("assistant_message", None) => Some(Chunk::Assistant(text)),
            ("reasoning", None) => Some(Chunk::Reasoning(text)),
            ("user_message", message_id) => Some(Chunk::User {
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

/// The index of the first byte at or after `from` that is a quote, a
/// backslash or a control character (or `bytes.len()`): eight bytes at a
/// time, since string contents are most of a frame.
fn skip_plain(bytes: &[u8], from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = from;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        // A byte is flagged when it is below 0x20 or equal to `"` or `\`
        // (a borrow may also flag a byte after a flagged one: the byte loop
        // below decides).
        let below_space = word.wrapping_sub(ONES * 0x20);
        let quote = (word ^ (ONES * u64::from(b'"'))).wrapping_sub(ONES);
        let backslash = (word ^ (ONES * u64::from(b'\\'))).wrapping_sub(ONES);
        if (below_space | quote | backslash) & !word & HIGH != 0 {
            break;
        }
        at += 8;
    }
    while let Some(&byte) = bytes.get(at) {
        if byte == b'"' || byte == b'\\' || byte < 0x20 {
            break;
        }
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    #[test]
    fn skipping_plain_bytes_stops_where_a_byte_by_byte_scan_stops() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let special = [
            b'"', b'\\', 0x00, 0x1f, 0x20, 0x21, 0x5b, 0x5d, 0x7f, 0x80, 0xa2, 0xdc, 0xff,
        ];
        for _ in 0..20_000 {
            let len = rng.random_range(0..40);
            let bytes: Vec<u8> = (0..len)
                .map(|_| match rng.random_range(0..4) {
                    0 => special[rng.random_range(0..special.len())],
                    _ => rng.random_range(0x20..0x7f),
                })
                .collect();
            let from = rng.random_range(0..=len);
            let naive = (from..len)
                .find(|&i| matches!(bytes[i], b'"' | b'\\' | 0..0x20))
                .unwrap_or(len);
            assert_eq!(skip_plain(&bytes, from), naive, "{bytes:?} from {from}");
        }
    }

    #[test]
    fn only_the_exact_shape_is_read() {
        let row = r#"{"type":"session","message":{"type":"agent_stream","payload":{"agentId":"a","event":{"type":"timeline","provider":"p","item":{"type":"assistant_message","text":"t"}},"timestamp":"ts","seq":3,"epoch":"e"}}}"#;
        let scanned = scan_row(row).expect("the exact shape");
        assert_eq!(
            (&*scanned.agent_id, scanned.seq, &*scanned.epoch),
            ("a", 3, "e")
        );
        assert!(scan_row(&row.replace("\"seq\":3", "\"seq\":03")).is_none());
        assert!(scan_row(&row.replace("\"seq\":3", "\"seq\":3.5")).is_none());
        assert!(scan_row(&format!("{row},")).is_none());
        assert!(scan_row(&row.replace("\"text\":\"t\"", "\"text\":\"t\",\"x\":1")).is_none());
    }
}
