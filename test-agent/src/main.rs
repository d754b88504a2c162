//! `paseo-test-agent`: a small, deterministic ACP v1 agent.
//!
//! It exists so the daemon's tests and demos can run real prompt turns with
//! no network and no LLM. It speaks the Agent Client Protocol (JSON-RPC 2.0,
//! one JSON object per line) over stdin/stdout; logs go to stderr only.
//!
//! Every prompt gets two `agent_thought_chunk`s, then the reply "Hi there!"
//! as three `agent_message_chunk`s ("Hi", " there", "!"), then
//! `{stopReason: "end_turn"}`. Markers in the prompt text change that:
//!
//! - `EDIT_FILE` (or `EDIT_FILE=<relative path>`): a `tool_call` of kind
//!   `edit` on `notes.md` in the session cwd, a `session/request_permission`
//!   (allow_once / allow_always / reject_once), then the appended line and a
//!   `completed` diff update, or a `failed` update "Permission denied".
//!   After allow_always, or in mode `acceptEdits`, it does not ask again.
//! - `PLEASE_BE_SLOW`: one chunk every 200 ms for 60 s; `session/cancel`
//!   stops it promptly with `{stopReason: "cancelled"}`.
//! - `HANG_FOREVER`: never answers the prompt and ignores `session/cancel`.
//! - `CRASH_NOW`: sends one chunk, then exits with code 3.
//! - `FAIL_AUTH`: answers with error -32000 "Authentication required".
//! - `USE_TODO`: sends a `plan` update with two entries before the reply.
//! - `REPLY_FILE=<path>`: the reply is that file's text, in 64-char chunks.
//! - `CHUNKS=<n>[@<rate>]`: the reply is `n` chunks, optionally paced.
//! - `TOOLS`: one completed tool call of each kind (execute, read, search,
//!   fetch, think, other) before the reply.
//! - `COMPACT`: a `compaction` update (loading, then completed; a Paseo
//!   extension our daemon maps to a compaction item) before the reply.
//! - `ITEMS=<n>`: `n` separate completed `read` tool calls, one row each.
//! - `HOSTILE`: a thought, a plan and tool calls (fetch, execute, read,
//!   other) whose text fields carry HTML, `<script>` and `javascript:`
//!   payloads, before the reply.
//!
//! Modes are `default` and `acceptEdits`; the prompt `/markers` replies with
//! the marker list. A second prompt while a turn runs gets error -32603.
//!
//! Sessions are stored as JSON under `$PASEO_TEST_AGENT_HOME` (default
//! `<temp dir>/paseo-test-agent`), so `session/load` replays a conversation
//! across process restarts. The process exits 0 on stdin EOF.

mod agent;
mod edit;
mod markers;
mod rpc;
mod shapes;
mod store;
mod turn;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use tokio::io::{AsyncBufReadExt, BufReader};
use tracing_subscriber::EnvFilter;

/// Prompt markers and environment, shown by `--help`.
const MARKERS_HELP: &str = "\
Speaks ACP v1 (JSON-RPC 2.0, one JSON object per line) on stdin/stdout.
Logs go to stderr (filter with RUST_LOG). Exits 0 on stdin EOF.

Every prompt: two agent_thought_chunk updates, then the reply \"Hi there!\"
as three agent_message_chunk updates (\"Hi\", \" there\", \"!\"), then
{stopReason: \"end_turn\"}.

Markers anywhere in the prompt text:
  EDIT_FILE            tool_call (kind edit, \"Edit notes.md\"), then
                       session/request_permission (allow_once, allow_always,
                       reject_once). Allowed: appends a line to notes.md in
                       the session cwd and sends a completed diff update.
                       Rejected: a failed update \"Permission denied\".
                       allow_always (or mode acceptEdits) skips later asks.
  EDIT_FILE=<path>     the same on <path>, relative to the session cwd;
                       paths that leave the cwd are refused.
  PLEASE_BE_SLOW       one chunk every 200 ms for 60 s; session/cancel ends
                       the turn with {stopReason: \"cancelled\"}.
  HANG_FOREVER         never answers the prompt; ignores session/cancel.
  CRASH_NOW            sends one chunk, then exits with code 3.
  REPLY_FILE=<path>    the reply is that file's text (relative to the
                       session cwd), in chunks of 64 characters.
  CHUNKS=<n>[@<rate>]  the reply is n chunks \"c1 \", \"c2 \", …, at most
                       <rate> a second when given.
  FAIL_AUTH            error -32000 \"Authentication required\".
  USE_TODO             a plan update with two entries before the reply.
  TOOLS                one completed tool call of each kind (execute, read,
                       search, fetch, think, other) before the reply.
  COMPACT              a compaction update (loading, then completed).
  ITEMS=<n>            n separate completed read tool calls, one row each.
  HOSTILE              a thought, plan and tool calls full of HTML, <script>
                       and javascript: payloads, before the reply.

Modes: default (asks before edits) and acceptEdits. The prompt \"/markers\"
replies with this list in short. A second prompt while a turn runs in the
same session gets error -32603.

Sessions are saved as JSON in the home directory, one file per sessionId,
so session/load replays the conversation after a restart. Unknown ids give
error -32002 \"Session not found\"; unknown methods -32601; bad JSON -32700.";

/// Command line of `paseo-test-agent`.
#[derive(Debug, Parser)]
#[command(
    name = "paseo-test-agent",
    version,
    about = "A deterministic, offline ACP v1 agent for tests and demos.",
    after_help = MARKERS_HELP
)]
struct Cli {
    /// Directory where sessions are stored [default: <temp dir>/paseo-test-agent]
    #[arg(long, env = "PASEO_TEST_AGENT_HOME")]
    home: Option<PathBuf>,
    /// Waits this many milliseconds before reading its first message, so
    /// `initialize` goes unanswered meanwhile (tests hold an agent's start
    /// with it)
    #[arg(long, env = "PASEO_TEST_AGENT_START_DELAY_MS")]
    start_delay_ms: Option<u64>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();

    let home = cli
        .home
        .unwrap_or_else(|| std::env::temp_dir().join("paseo-test-agent"));
    let store = store::Store::new(home.clone());
    tracing::info!(home = %home.display(), "paseo-test-agent ready");
    let agent = Arc::new(agent::Agent::new(rpc::Outbox::stdout(), store));

    if let Some(ms) = cli.start_delay_ms {
        tracing::info!(ms, "holding the start");
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    let mut stdin = BufReader::new(tokio::io::stdin());
    let mut line = Vec::new();
    loop {
        line.clear();
        let read = stdin
            .read_until(b'\n', &mut line)
            .await
            .context("reading stdin")?;
        if read == 0 {
            tracing::info!("stdin closed, exiting");
            return Ok(());
        }
        agent.handle_line(&line).await;
    }
}
