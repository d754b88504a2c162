//! The fuzz harness shared by the protocol, daemon and hub targets: inputs
//! made from the recorded fixture frames (the project's one copy, in
//! `protocol/tests/data/`) by [`proptest`] strategies, so it runs on stable
//! Rust, shrinks a failure to a small input and replays it from the seed it
//! prints.
//!
//! An input is either a real frame with 1–4 [`Mutation`]s (JSON-aware ones
//! first: a field's type swapped, an unknown `type`, a huge string, deep
//! nesting, a field removed or added, a node spliced from another frame;
//! then byte-level ones: bit flips, truncation, insertions, deletions) or a
//! frame generated from scratch around the protocol's own vocabulary (every
//! message type and key the fixtures use) — see [`inputs`].
//!
//! [`run`] drives one target: the number of inputs comes from
//! `PASEO_FUZZ_CASES` (the long form, `scripts/fuzz-long.sh`, sets it to
//! ten million) or the target's short-form default; it prints
//! `fuzz <target>: <n> inputs, 0 crashes, <s> s (<rate>/s)` and, with
//! `PASEO_FUZZ_REPORT=<file>`, appends that line to the file. A panic in
//! the target is a crash: proptest shrinks it and the test fails with the
//! smallest input found, which then becomes a regression test.

use std::collections::BTreeSet;
use std::fmt;
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
use serde_json::{Map, Value};

use super::{FixtureDir, fixture_frames};

/// Every fixture file in `protocol/tests/data/`.
pub const FIXTURE_FILES: [&str; 4] = [
    "paseo-v1-head-frames.jsonl",
    "paseo-v1-cli-frames.jsonl",
    "paseo-v1-cli-frames-written.jsonl",
    "paseo-v1-app-frames-written.jsonl",
];

/// Which recorded frames seed a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seeds {
    /// Frames a client sends (hello, session requests).
    Client,
    /// Frames a daemon sends (session messages, stream rows).
    Server,
    /// Both.
    All,
}

/// The seed frames and the vocabulary for generated ones, read once.
#[derive(Debug)]
pub struct Corpus {
    /// Seed frames as JSON values (non-JSON recordings are kept apart).
    pub frames: Vec<Value>,
    /// Recorded text frames that were not JSON.
    pub raw: Vec<String>,
    /// Every `type` value seen in the fixtures (message and item kinds).
    pub types: Vec<String>,
    /// Every object key seen in the fixtures.
    pub keys: Vec<String>,
}

impl Corpus {
    /// Loads the seeds of one direction from every fixture file.
    pub fn load(which: Seeds) -> Arc<Corpus> {
        let mut frames = Vec::new();
        let mut raw = Vec::new();
        let mut types = BTreeSet::new();
        let mut keys = BTreeSet::new();
        for file in FIXTURE_FILES {
            for record in fixture_frames(file) {
                let wanted = match (which, record.dir) {
                    (_, FixtureDir::Meta) => false,
                    (Seeds::All, _) => true,
                    (Seeds::Client, dir) => dir == FixtureDir::Out,
                    (Seeds::Server, dir) => dir == FixtureDir::In,
                };
                collect_vocabulary(&record.frame, &mut types, &mut keys);
                if !wanted {
                    continue;
                }
                match record.raw_text() {
                    Some(text) => raw.push(text.to_owned()),
                    None => frames.push(record.frame),
                }
            }
        }
        assert!(!frames.is_empty(), "no seed frames for {which:?}");
        Arc::new(Corpus {
            frames,
            raw,
            types: types.into_iter().collect(),
            keys: keys.into_iter().collect(),
        })
    }
}

fn collect_vocabulary(value: &Value, types: &mut BTreeSet<String>, keys: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                keys.insert(key.clone());
                if key == "type"
                    && let Value::String(name) = child
                {
                    types.insert(name.clone());
                }
                collect_vocabulary(child, types, keys);
            }
        }
        Value::Array(items) => {
            for item in items {
                collect_vocabulary(item, types, keys);
            }
        }
        _ => {}
    }
}

/// A JSON value of a chosen kind, replacing a node (a field type swap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Null,
    Bool,
    /// One of a few edge numbers (see [`EDGE_NUMBERS`]).
    Number(usize),
    /// A short string.
    Str,
    EmptyArray,
    EmptyObject,
}

/// Numbers at the edges of what decoders and arithmetic meet.
pub const EDGE_NUMBERS: [&str; 12] = [
    "0",
    "-1",
    "1",
    "-0.0",
    "1.5",
    "4294967296",
    "9007199254740993",
    "18446744073709551615",
    "18446744073709551616",
    "-9223372036854775808",
    "1e308",
    "-1e400",
];

/// One change to a seed frame. Positions are fractions (`u16`, scaled to
/// the frame), so a mutation means the same on any frame and shrinks well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mutation {
    /// Replaces the `node`-th node (depth-first) with a value of `kind`.
    SwapType { node: u16, kind: Kind },
    /// Sets the `node`-th object's `type` to a vocabulary word, or an
    /// unknown one.
    RetypeTo { node: u16, word: u16, unknown: bool },
    /// Removes one key of the `node`-th object.
    RemoveKey { node: u16, key: u16 },
    /// Adds a vocabulary key with a value of `kind` to the `node`-th object.
    AddKey { node: u16, key: u16, kind: Kind },
    /// Replaces the `node`-th node with a string of `len` bytes.
    HugeString { node: u16, len: usize },
    /// Wraps the `node`-th node in `depth` arrays or objects.
    Nest {
        node: u16,
        depth: u16,
        objects: bool,
    },
    /// Replaces the `node`-th node with the `from`-th node of another seed.
    Splice { node: u16, seed: u16, from: u16 },
    /// Flips bit `bit` of the byte at `at`.
    FlipBit { at: u16, bit: u8 },
    /// Cuts the text at `at`.
    Truncate { at: u16 },
    /// Inserts `token` at `at`.
    Insert { at: u16, token: u8 },
    /// Deletes `len` bytes at `at`.
    Delete { at: u16, len: u8 },
    /// Inserts `depth` opening brackets at `at` (unbalanced nesting).
    OpenBrackets { at: u16, depth: u32 },
}

/// Bytes and tokens inserted by [`Mutation::Insert`].
const TOKENS: [&str; 16] = [
    "\"",
    "\\",
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "null",
    "\\u0000",
    "\\ud800",
    "\u{0}",
    "\u{feff}",
    "é",
    "1e999",
    "\"type\":\"session\"",
];

/// A fuzz input and how it was made (printed when a target fails).
#[derive(Clone)]
pub struct Input {
    /// The frame text given to the target.
    pub text: String,
    /// The recipe: seed index and mutations, or `generated`.
    pub recipe: String,
}

impl fmt::Debug for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const SHOWN: usize = 2_000;
        let mut end = self.text.len().min(SHOWN);
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        write!(
            f,
            "Input {{ recipe: {}, len: {}, text: {:?}{} }}",
            self.recipe,
            self.text.len(),
            &self.text[..end],
            if end < self.text.len() { "…" } else { "" }
        )
    }
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Null),
        Just(Kind::Bool),
        (0..EDGE_NUMBERS.len()).prop_map(Kind::Number),
        Just(Kind::Str),
        Just(Kind::EmptyArray),
        Just(Kind::EmptyObject),
    ]
}

fn huge_len() -> impl Strategy<Value = usize> {
    prop_oneof![
        8 => 256..4_096usize,
        2 => 4_096..70_000usize,
        1 => Just(1 << 20),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let n = any::<u16>;
    prop_oneof![
        4 => (n(), kind()).prop_map(|(node, kind)| Mutation::SwapType { node, kind }),
        3 => (n(), n(), any::<bool>())
            .prop_map(|(node, word, unknown)| Mutation::RetypeTo { node, word, unknown }),
        2 => (n(), n()).prop_map(|(node, key)| Mutation::RemoveKey { node, key }),
        2 => (n(), n(), kind()).prop_map(|(node, key, kind)| Mutation::AddKey { node, key, kind }),
        1 => (n(), huge_len()).prop_map(|(node, len)| Mutation::HugeString { node, len }),
        1 => (n(), 1..200u16, any::<bool>())
            .prop_map(|(node, depth, objects)| Mutation::Nest { node, depth, objects }),
        2 => (n(), n(), n()).prop_map(|(node, seed, from)| Mutation::Splice { node, seed, from }),
        4 => (n(), 0..8u8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        2 => n().prop_map(|at| Mutation::Truncate { at }),
        3 => (n(), 0..TOKENS.len() as u8).prop_map(|(at, token)| Mutation::Insert { at, token }),
        2 => (n(), 1..64u8).prop_map(|(at, len)| Mutation::Delete { at, len }),
        1 => (n(), prop_oneof![1..200u32, Just(100_000u32)])
            .prop_map(|(at, depth)| Mutation::OpenBrackets { at, depth }),
    ]
}

/// The fuzz inputs for `corpus`: mostly mutated seeds, some seeds as they
/// are, and frames generated from the vocabulary.
pub fn inputs(corpus: Arc<Corpus>) -> impl Strategy<Value = Input> {
    let seeds = corpus.frames.len();
    let mutated = {
        let corpus = corpus.clone();
        (0..seeds, prop::collection::vec(mutation(), 1..=4))
            .prop_map(move |(seed, mutations)| mutate(&corpus, seed, &mutations))
    };
    let plain = {
        let corpus = corpus.clone();
        (0..seeds).prop_map(move |seed| Input {
            text: corpus.frames[seed].to_string(),
            recipe: format!("seed {seed}"),
        })
    };
    let generated = generated(corpus);
    prop_oneof![
        16 => mutated,
        1 => plain,
        3 => generated,
    ]
}

/// Applies `mutations` to seed `seed`: the JSON-aware ones on the value,
/// then the byte-level ones on its text (made valid UTF-8 again, as a
/// WebSocket text frame must be).
pub fn mutate(corpus: &Corpus, seed: usize, mutations: &[Mutation]) -> Input {
    let mut value = corpus.frames[seed].clone();
    for mutation in mutations {
        apply_to_value(corpus, &mut value, mutation);
    }
    let mut bytes = value.to_string().into_bytes();
    for mutation in mutations {
        apply_to_bytes(&mut bytes, mutation);
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => String::from_utf8_lossy(err.as_bytes()).into_owned(),
    };
    Input {
        text,
        recipe: format!("seed {seed} {mutations:?}"),
    }
}

fn pick(fraction: u16, len: usize) -> usize {
    (usize::from(fraction) * len) / (usize::from(u16::MAX) + 1)
}

fn count_nodes(value: &Value) -> usize {
    1 + match value {
        Value::Object(map) => map.values().map(count_nodes).sum(),
        Value::Array(items) => items.iter().map(count_nodes).sum(),
        _ => 0,
    }
}

/// The `index`-th node, depth-first, root first.
fn node_mut(value: &mut Value, index: usize) -> Option<&mut Value> {
    fn walk<'v>(value: &'v mut Value, index: &mut usize) -> Option<&'v mut Value> {
        if *index == 0 {
            return Some(value);
        }
        *index -= 1;
        match value {
            Value::Object(map) => map.values_mut().find_map(|child| walk(child, index)),
            Value::Array(items) => items.iter_mut().find_map(|child| walk(child, index)),
            _ => None,
        }
    }
    let mut index = index;
    walk(value, &mut index)
}

fn pick_node(value: &mut Value, fraction: u16) -> Option<&mut Value> {
    let count = count_nodes(value);
    node_mut(value, pick(fraction, count))
}

/// The `fraction`-th object node, if the frame has one.
fn pick_object(value: &mut Value, fraction: u16) -> Option<&mut Map<String, Value>> {
    fn objects(value: &Value, out: &mut Vec<usize>, index: &mut usize) {
        if value.is_object() {
            out.push(*index);
        }
        *index += 1;
        match value {
            Value::Object(map) => map.values().for_each(|c| objects(c, out, index)),
            Value::Array(items) => items.iter().for_each(|c| objects(c, out, index)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    objects(value, &mut found, &mut 0);
    let index = *found.get(pick(fraction, found.len()))?;
    node_mut(value, index)?.as_object_mut()
}

fn make(kind: Kind) -> Value {
    match kind {
        Kind::Null => Value::Null,
        Kind::Bool => Value::Bool(true),
        Kind::Number(index) => serde_json::from_str(EDGE_NUMBERS[index % EDGE_NUMBERS.len()])
            .unwrap_or_else(|_| Value::String(EDGE_NUMBERS[index % EDGE_NUMBERS.len()].into())),
        Kind::Str => Value::String("x/../../etc/passwd".into()),
        Kind::EmptyArray => Value::Array(Vec::new()),
        Kind::EmptyObject => Value::Object(Map::new()),
    }
}

fn apply_to_value(corpus: &Corpus, value: &mut Value, mutation: &Mutation) {
    match *mutation {
        Mutation::SwapType { node, kind } => {
            if let Some(target) = pick_node(value, node) {
                *target = make(kind);
            }
        }
        Mutation::RetypeTo {
            node,
            word,
            unknown,
        } => {
            let name = if unknown || corpus.types.is_empty() {
                format!("fuzz_unknown_{word}")
            } else {
                corpus.types[pick(word, corpus.types.len())].clone()
            };
            if let Some(map) = pick_object(value, node) {
                map.insert("type".into(), Value::String(name));
            }
        }
        Mutation::RemoveKey { node, key } => {
            if let Some(map) = pick_object(value, node)
                && !map.is_empty()
            {
                let name = map.keys().nth(pick(key, map.len())).cloned();
                if let Some(name) = name {
                    map.remove(&name);
                }
            }
        }
        Mutation::AddKey { node, key, kind } => {
            let name = match corpus.keys.is_empty() {
                true => "extra".to_owned(),
                false => corpus.keys[pick(key, corpus.keys.len())].clone(),
            };
            if let Some(map) = pick_object(value, node) {
                map.insert(name, make(kind));
            }
        }
        Mutation::HugeString { node, len } => {
            if let Some(target) = pick_node(value, node) {
                *target = Value::String("é".repeat(len / 2));
            }
        }
        Mutation::Nest {
            node,
            depth,
            objects,
        } => {
            if let Some(target) = pick_node(value, node) {
                let mut nested = target.take();
                for _ in 0..depth {
                    nested = match objects {
                        true => Value::Object(Map::from_iter([("a".to_owned(), nested)])),
                        false => Value::Array(vec![nested]),
                    };
                }
                *target = nested;
            }
        }
        Mutation::Splice { node, seed, from } => {
            let mut donor = corpus.frames[pick(seed, corpus.frames.len())].clone();
            let piece = pick_node(&mut donor, from).map(Value::take);
            if let (Some(piece), Some(target)) = (piece, pick_node(value, node)) {
                *target = piece;
            }
        }
        _ => {}
    }
}

fn apply_to_bytes(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let at = |fraction: u16, len: usize| pick(fraction, len + 1).min(len);
    match *mutation {
        Mutation::FlipBit { at: pos, bit } if !bytes.is_empty() => {
            let index = pick(pos, bytes.len());
            bytes[index] ^= 1 << (bit % 8);
        }
        Mutation::Truncate { at: pos } => {
            let cut = at(pos, bytes.len());
            bytes.truncate(cut);
        }
        Mutation::Insert { at: pos, token } => {
            let index = at(pos, bytes.len());
            let token = TOKENS[usize::from(token) % TOKENS.len()].as_bytes();
            bytes.splice(index..index, token.iter().copied());
        }
        Mutation::Delete { at: pos, len } => {
            let start = at(pos, bytes.len());
            let end = (start + usize::from(len)).min(bytes.len());
            bytes.drain(start..end);
        }
        Mutation::OpenBrackets { at: pos, depth } => {
            let index = at(pos, bytes.len());
            let depth = usize::try_from(depth).unwrap_or(usize::MAX).min(1 << 20);
            bytes.splice(index..index, std::iter::repeat_n(b'[', depth));
        }
        _ => {}
    }
}

/// Frames generated from scratch: the top-level and session wrappers
/// around a message of a vocabulary `type` with vocabulary keys and
/// arbitrary JSON values, so every message type is tried with every shape.
fn generated(corpus: Arc<Corpus>) -> impl Strategy<Value = Input> {
    let words = corpus.types.len().max(1);
    let keys = corpus.keys.len().max(1);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        "[a-z_/.]{0,12}".prop_map(Value::String),
        (0..words).prop_map({
            let corpus = corpus.clone();
            move |i| {
                corpus
                    .types
                    .get(i)
                    .map_or(Value::Null, |t| Value::String(t.clone()))
            }
        }),
    ];
    let key_corpus = corpus.clone();
    let value = leaf.prop_recursive(4, 24, 6, move |inner| {
        let key_corpus = key_corpus.clone();
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((0..keys, inner), 0..6).prop_map(move |pairs| {
                Value::Object(
                    pairs
                        .into_iter()
                        .map(|(k, v)| (key_corpus.keys.get(k).cloned().unwrap_or_default(), v))
                        .collect(),
                )
            }),
        ]
    });
    let fields = prop::collection::vec((0..keys, value), 0..8);
    (0..words, fields, any::<bool>(), any::<bool>()).prop_map(
        move |(word, fields, in_session, with_id)| {
            let mut message = Map::new();
            for (key, value) in fields {
                if let Some(key) = corpus.keys.get(key) {
                    message.insert(key.clone(), value);
                }
            }
            let kind = corpus.types.get(word).cloned().unwrap_or_default();
            message.insert("type".into(), Value::String(kind));
            if with_id {
                message.insert("requestId".into(), Value::String("fuzz-1".into()));
            }
            let frame = match in_session {
                true => serde_json::json!({"type": "session", "message": message}),
                false => Value::Object(message),
            };
            Input {
                text: frame.to_string(),
                recipe: "generated".into(),
            }
        },
    )
}

/// Whether two JSON values are equal, numbers that are not integers
/// compared to a relative 1e-12: serde_json's default float parser (the
/// workspace does not enable `float_roundtrip`) may read an integer beyond
/// `u64`/`i64`, or a long decimal, one unit in the last place off, so a
/// re-decoded frame may differ there and nowhere else.
pub fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, value)| b.get(key).is_some_and(|other| json_equal(value, other)))
        }
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| json_equal(a, b))
        }
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => x == y || (x - y).abs() <= 1e-12 * x.abs().max(y.abs()),
                _ => false,
            }
        }
        _ => a == b,
    }
}

/// What a target run did.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    pub inputs: u64,
    pub seconds: f64,
}

/// The number of inputs for a target: `PASEO_FUZZ_CASES` when set, else
/// the short-form default.
pub fn cases(default: u64) -> u64 {
    std::env::var("PASEO_FUZZ_CASES")
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// Runs `target` on `cases(default)` inputs from `strategy`; a panic (or a
/// `TestCaseError` returned) fails the test with the smallest failing
/// input proptest finds. `PASEO_FUZZ_SEED` (a `u64`) makes a run
/// repeatable; the seed used is always printed.
pub fn run<S, F>(name: &str, default: u64, strategy: S, target: F) -> Figures
where
    S: Strategy,
    S::Value: fmt::Debug,
    F: Fn(S::Value) -> Result<(), TestCaseError>,
{
    let total = cases(default);
    let seed = std::env::var("PASEO_FUZZ_SEED")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or_else(rand_seed);
    eprintln!("fuzz {name}: {total} inputs, seed {seed} (PASEO_FUZZ_SEED={seed} replays)");
    let started = Instant::now();
    // proptest counts cases in a u32; the long form runs in chunks.
    let mut done = 0u64;
    let mut chunk_index = 0u64;
    let mut last_report = Instant::now();
    while done < total {
        let chunk = (total - done).min(1_000_000);
        let mut seed_bytes = [0u8; 32];
        seed_bytes[..8].copy_from_slice(&seed.to_le_bytes());
        seed_bytes[8..16].copy_from_slice(&chunk_index.to_le_bytes());
        let config = Config {
            cases: u32::try_from(chunk).unwrap_or(u32::MAX),
            failure_persistence: None,
            max_shrink_iters: 4_096,
            ..Config::default()
        };
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes);
        let mut runner = TestRunner::new_with_rng(config, rng);
        let result = runner.run(&strategy, &target);
        if let Err(err) = result {
            let message = match err {
                TestError::Fail(reason, input) => {
                    format!("crash: {reason}\nsmallest input: {input:#?}")
                }
                TestError::Abort(reason) => format!("aborted: {reason}"),
            };
            panic!(
                "fuzz {name}: {message}\n(seed {seed}, chunk {chunk_index}; \
                 PASEO_FUZZ_SEED={seed} replays)"
            );
        }
        done += chunk;
        chunk_index += 1;
        if last_report.elapsed().as_secs() >= 60 {
            last_report = Instant::now();
            eprintln!(
                "fuzz {name}: {done}/{total} after {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
    }
    let figures = Figures {
        inputs: done,
        seconds: started.elapsed().as_secs_f64(),
    };
    report(name, seed, figures);
    figures
}

fn rand_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    nanos ^ u64::from(std::process::id()).rotate_left(32)
}

fn report(name: &str, seed: u64, figures: Figures) {
    let rate = figures.inputs as f64 / figures.seconds.max(1e-9);
    let line = format!(
        "fuzz {name}: {} inputs, 0 crashes, {:.1} s ({:.0}/s), seed {seed}",
        figures.inputs, figures.seconds, rate
    );
    eprintln!("{line}");
    if let Some(path) = std::env::var_os("PASEO_FUZZ_REPORT") {
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| writeln!(file, "{line}"));
        if let Err(err) = written {
            eprintln!("cannot append to PASEO_FUZZ_REPORT: {err}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_change_seeds_and_positions_scale() {
        let corpus = Corpus::load(Seeds::All);
        assert!(corpus.types.iter().any(|t| t == "fetch_agents_request"));
        let seed = corpus.frames[0].to_string();
        let cut = mutate(&corpus, 0, &[Mutation::Truncate { at: u16::MAX / 2 }]);
        assert!(cut.text.len() < seed.len() && seed.starts_with(&cut.text));
        let nested = mutate(
            &corpus,
            0,
            &[Mutation::Nest {
                node: 0,
                depth: 3,
                objects: false,
            }],
        );
        assert_eq!(nested.text, format!("[[[{seed}]]]"));
        assert_eq!(pick(u16::MAX, 10), 9);
        assert_eq!(pick(0, 10), 0);
    }
}
