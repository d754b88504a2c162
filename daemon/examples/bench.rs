//! Benchmark of the `paseo-daemon` process alone, on loopback.
//!
//! Why: the daemon has size and speed budgets (start-to-listening ≤ 50 ms,
//! idle RSS ≤ 15 MiB, RSS with 100 idle agents ≤ 40 MiB, a 200-agent
//! listing page and a 200-row timeline page ≤ 5 ms each). A timed test
//! would be flaky on shared CI machines, so this is a program that measures
//! and reports; nothing fails when a budget is missed.
//!
//! How: it drives the real release binary (`target/release/paseo-daemon`,
//! next to this example; override with `--daemon PATH`) as a child process
//! and talks to it over a loopback WebSocket like a browser client. All
//! state is made by the daemon itself, through the protocol:
//!
//! - 1,000 persisted agents: `create_agent_request` (provider `test`, no
//!   prompt, so no provider process starts), then a graceful stop.
//! - A 10,000-row timeline: one real turn with the offline test agent, whose
//!   stored session history (written by `paseo-test-agent`) is then repeated
//!   to 10,000 chunk updates and imported with `import_agent_request`; the
//!   daemon writes every replayed update as one timeline row.
//!
//! Each run starts fresh daemon processes; a run's value for a latency is
//! the median of `--samples` requests after `--warmup` unmeasured ones
//! (send until the answer frame arrives, client parse excluded). The table
//! shows the median over `--runs` runs and the range of the run values.
//!
//! Run: `cargo build --release -p daemon -p test-agent &&
//! cargo run --release -p daemon --example bench` (args: `--runs N`,
//! `--samples N`, `--warmup N`, `--daemon PATH`, `--verbose` to echo the
//! daemons' logs, `--keep` to keep the generated homes for inspection).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// Upper bound for anything that should happen "now".
const DEADLINE: Duration = Duration::from_secs(60);
/// Agents in the listing home.
const LIST_AGENTS: usize = 1_000;
/// Idle agents for the RSS measurement.
const RSS_AGENTS: usize = 100;
/// Rows of the long timeline.
const TIMELINE_ROWS: usize = 10_000;
/// Page size of both paged requests.
const PAGE: u64 = 200;
/// Time left to the daemon after a change before reading its RSS.
const SETTLE: Duration = Duration::from_millis(1_000);

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Options {
    daemon: PathBuf,
    runs: usize,
    samples: usize,
    warmup: usize,
    verbose: bool,
    keep: bool,
}

fn options() -> Result<Options> {
    let exe = std::env::current_exe().context("current_exe")?;
    // target/release/examples/bench -> target/release/paseo-daemon
    let default_daemon = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("paseo-daemon"))
        .context("cannot locate the target directory from current_exe")?;
    let mut opts = Options {
        daemon: default_daemon,
        runs: 5,
        samples: 25,
        warmup: 3,
        verbose: false,
        keep: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().with_context(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--daemon" => opts.daemon = PathBuf::from(value("--daemon")?),
            "--runs" => opts.runs = value("--runs")?.parse().context("--runs")?,
            "--samples" => opts.samples = value("--samples")?.parse().context("--samples")?,
            "--warmup" => opts.warmup = value("--warmup")?.parse().context("--warmup")?,
            "--verbose" => opts.verbose = true,
            "--keep" => opts.keep = true,
            other => bail!("unknown argument {other:?} (see the doc comment of bench.rs)"),
        }
    }
    if opts.runs == 0 || opts.samples == 0 {
        bail!("--runs and --samples must be at least 1");
    }
    if !opts.daemon.is_file() {
        bail!(
            "{} is missing: run `cargo build --release -p daemon -p test-agent` first",
            opts.daemon.display()
        );
    }
    Ok(opts)
}

/// A running daemon child, killed on drop.
struct Daemon {
    child: Child,
    addr: SocketAddr,
    /// Spawn to the `listening on` log line.
    startup: Duration,
    lines: mpsc::Receiver<(Instant, String)>,
}

impl Daemon {
    fn spawn(opts: &Options, home: &Path) -> Result<Self> {
        let mut cmd = Command::new(&opts.daemon);
        cmd.arg("--home")
            .arg(home)
            .args(["--listen", "127.0.0.1:0"])
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("PASEO_") {
                cmd.env_remove(key);
            }
        }
        let verbose = opts.verbose;
        let started = Instant::now();
        let mut child = cmd.spawn().context("spawn paseo-daemon")?;
        let stderr = child.stderr.take().context("piped stderr")?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let at = Instant::now();
                if verbose {
                    eprintln!("[daemon] {line}");
                }
                if tx.send((at, line)).is_err() {
                    break;
                }
            }
        });
        let mut daemon = Self {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            startup: Duration::ZERO,
            lines,
        };
        let (at, line) = daemon.wait_for_log("listening on ws://")?;
        daemon.startup = at - started;
        let rest = line
            .split_once("listening on ws://")
            .map(|(_, rest)| rest)
            .unwrap_or_default();
        daemon.addr = rest
            .split_once("/ws")
            .map(|(addr, _)| addr)
            .unwrap_or_default()
            .parse()
            .with_context(|| format!("cannot parse the address in {line:?}"))?;
        Ok(daemon)
    }

    fn wait_for_log(&mut self, needle: &str) -> Result<(Instant, String)> {
        let deadline = Instant::now() + DEADLINE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok((at, line)) if line.contains(needle) => return Ok((at, line)),
                Ok(_) => {}
                Err(err) => bail!(
                    "no log line containing {needle:?} ({err}); child status {:?}",
                    self.child.try_wait()
                ),
            }
        }
    }

    fn url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// VmRSS of the daemon process, in bytes.
    fn rss(&self) -> Result<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .context("read /proc/PID/status")?;
        let kib: u64 = status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .context("no VmRSS in /proc/PID/status")?;
        Ok(kib * 1024)
    }

    /// Graceful stop (SIGTERM), waiting for the exit.
    #[allow(unsafe_code, reason = "kill(2) on our own child (see SAFETY)")]
    fn stop(mut self) -> Result<()> {
        let pid = i32::try_from(self.child.id()).context("pid fits i32")?;
        // SAFETY: plain kill(2) on our own child's pid.
        let rc = unsafe { libc::kill(pid, libc::SIGTERM) };
        if rc != 0 {
            bail!("kill(SIGTERM) failed");
        }
        let deadline = Instant::now() + DEADLINE;
        while self.child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                bail!("daemon did not stop in time");
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(())
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

/// A hello'd browser client.
struct Client {
    ws: Ws,
    next_id: u64,
    early: HashMap<String, (Instant, Value)>,
    /// Size of the last text frame received.
    last_bytes: usize,
}

impl Client {
    async fn connect(url: &str, client_id: &str) -> Result<Self> {
        let (ws, _) = tokio::time::timeout(DEADLINE, tokio_tungstenite::connect_async(url))
            .await
            .context("connect timed out")?
            .context("connect failed")?;
        let mut client = Self {
            ws,
            next_id: 0,
            early: HashMap::new(),
            last_bytes: 0,
        };
        let hello = json!({"type":"hello","clientId":client_id,"clientType":"browser",
            "protocolVersion":1,"capabilities":{"reasoning_merge_enum":true},"appVersion":"bench"});
        client.send_text(hello.to_string()).await?;
        let (_, frame) = client.next_frame().await?;
        if frame["message"]["payload"]["status"] != "server_info" {
            bail!("expected server_info, got {frame}");
        }
        Ok(client)
    }

    async fn send_text(&mut self, text: String) -> Result<()> {
        tokio::time::timeout(DEADLINE, self.ws.send(Message::text(text)))
            .await
            .context("send timed out")?
            .context("send failed")
    }

    /// Next text frame: its arrival time and its JSON.
    async fn next_frame(&mut self) -> Result<(Instant, Value)> {
        loop {
            let item = tokio::time::timeout(DEADLINE, self.ws.next())
                .await
                .context("no frame before the deadline")?;
            let at = Instant::now();
            match item {
                Some(Ok(Message::Text(text))) => {
                    self.last_bytes = text.len();
                    return Ok((at, serde_json::from_str(text.as_str())?));
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
                other => bail!("unexpected frame {other:?}"),
            }
        }
    }

    fn request_id(&mut self) -> String {
        self.next_id += 1;
        format!("b{}", self.next_id)
    }

    /// Sends a session message (its `requestId` is set here).
    async fn send(&mut self, mut message: Value) -> Result<String> {
        let id = self.request_id();
        message["requestId"] = json!(id);
        self.send_text(json!({"type": "session", "message": message}).to_string())
            .await?;
        Ok(id)
    }

    /// Waits for the message answering `id`; returns its arrival time.
    /// Answers to other requests (pipelined creates finish out of order)
    /// are kept for their own wait; pushes are dropped.
    async fn answer(&mut self, id: &str) -> Result<(Instant, Value)> {
        if let Some(found) = self.early.remove(id) {
            return Ok(found);
        }
        loop {
            let (at, mut frame) = self.next_frame().await?;
            let message = frame["message"].take();
            match message["payload"]["requestId"].as_str() {
                Some(answered) if answered == id => return Ok((at, message)),
                Some(other) => {
                    self.early.insert(other.to_owned(), (at, message));
                }
                None => {}
            }
        }
    }

    /// Round trip of one request.
    async fn request(&mut self, message: Value) -> Result<(Duration, Value)> {
        let started = Instant::now();
        let id = self.send(message).await?;
        let (at, answer) = self.answer(&id).await?;
        Ok((at - started, answer))
    }

    /// Pipelines `count` creates of idle test agents in `cwd`.
    async fn create_agents(&mut self, count: usize, cwd: &Path) -> Result<Vec<String>> {
        let mut ids = Vec::with_capacity(count);
        for _ in 0..count {
            ids.push(
                self.send(json!({"type": "create_agent_request",
                    "config": {"provider": "test", "cwd": cwd}, "labels": {}}))
                    .await?,
            );
        }
        let mut agents = Vec::with_capacity(count);
        for id in ids {
            let (_, answer) = self.answer(&id).await?;
            if answer["payload"]["status"] != "agent_created" {
                bail!("create failed: {answer}");
            }
            agents.push(
                answer["payload"]["agentId"]
                    .as_str()
                    .context("agentId")?
                    .to_owned(),
            );
        }
        Ok(agents)
    }

    /// `warmup` unmeasured, then the median of `samples` round trips;
    /// `check` validates every answer.
    async fn median_latency(
        &mut self,
        opts: &Options,
        message: &Value,
        check: impl Fn(&Value) -> Result<()>,
    ) -> Result<Duration> {
        let mut times = Vec::with_capacity(opts.samples);
        for i in 0..opts.warmup + opts.samples {
            let (took, answer) = self.request(message.clone()).await?;
            check(&answer)?;
            if i >= opts.warmup {
                times.push(took);
            }
        }
        Ok(median(&mut times))
    }
}

fn median<T: Ord + Copy>(values: &mut [T]) -> T {
    values.sort_unstable();
    values[values.len() / 2]
}

/// Makes a home with [`LIST_AGENTS`] idle agents.
async fn make_listing_home(opts: &Options, home: &Path, cwd: &Path) -> Result<()> {
    let daemon = Daemon::spawn(opts, home)?;
    let mut client = Client::connect(&daemon.url(), "bench-setup").await?;
    let started = Instant::now();
    client.create_agents(LIST_AGENTS, cwd).await?;
    eprintln!(
        "setup: created {LIST_AGENTS} agents in {:.1?}",
        started.elapsed()
    );
    drop(client);
    daemon.stop()
}

/// Makes a home with one agent of exactly [`TIMELINE_ROWS`] rows; returns
/// its id.
async fn make_timeline_home(opts: &Options, home: &Path, cwd: &Path) -> Result<String> {
    // 1. One real turn, so the test agent stores a session history.
    let daemon = Daemon::spawn(opts, home)?;
    let mut client = Client::connect(&daemon.url(), "bench-setup").await?;
    let (_, created) = client
        .request(
            json!({"type": "create_agent_request", "initialPrompt": "hello",
            "config": {"provider": "test", "cwd": cwd}, "labels": {}}),
        )
        .await?;
    let agent = created["payload"]["agentId"]
        .as_str()
        .with_context(|| format!("create failed: {created}"))?
        .to_owned();
    let (_, finished) = client
        .request(json!({"type": "wait_for_finish_request", "agentId": agent, "timeoutMs": 30000}))
        .await?;
    let session = finished["payload"]["final"]["persistence"]["sessionId"]
        .as_str()
        .with_context(|| format!("no provider session after the turn: {finished}"))?
        .to_owned();
    client
        .request(json!({"type": "delete_agent_request", "agentId": agent}))
        .await?;
    drop(client);
    daemon.stop()?;
    // The provider process exits on stdin EOF when its daemon stops; give it
    // a moment to write its session file one last time.
    std::thread::sleep(Duration::from_millis(500));

    // 2. Repeat its chunk updates to TIMELINE_ROWS.
    let file = find_file(&home.join("test-agent"), &format!("{session}.json"))?
        .context("the test agent's session file was not found")?;
    let mut record: Value = serde_json::from_slice(&std::fs::read(&file)?)?;
    let chunks: Vec<Value> = record["history"]
        .as_array()
        .context("session history")?
        .iter()
        .filter(|update| {
            matches!(
                update["sessionUpdate"].as_str(),
                Some("user_message_chunk" | "agent_thought_chunk" | "agent_message_chunk")
            )
        })
        .cloned()
        .collect();
    if chunks.is_empty() {
        bail!("the session history has no chunk updates: {record}");
    }
    record["history"] = Value::Array(chunks.iter().cycle().take(TIMELINE_ROWS).cloned().collect());
    std::fs::write(&file, serde_json::to_vec(&record)?)?;

    // 3. Import it: the daemon replays and stores every update as a row.
    let daemon = Daemon::spawn(opts, home)?;
    let mut client = Client::connect(&daemon.url(), "bench-setup").await?;
    let started = Instant::now();
    let (_, imported) = client
        .request(json!({"type": "import_agent_request", "provider": "test",
            "sessionId": session, "cwd": cwd}))
        .await?;
    let id = imported["payload"]["agentId"]
        .as_str()
        .with_context(|| format!("import failed: {imported}"))?
        .to_owned();
    let size = imported["payload"]["timelineSize"].as_u64().unwrap_or(0);
    eprintln!(
        "setup: imported a {size}-row timeline in {:.1?}",
        started.elapsed()
    );
    if size != TIMELINE_ROWS as u64 {
        bail!("expected {TIMELINE_ROWS} timeline rows, the daemon stored {size}");
    }
    drop(client);
    daemon.stop()?;
    Ok(id)
}

fn find_file(dir: &Path, name: &str) -> Result<Option<PathBuf>> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("read {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, name)? {
                return Ok(Some(found));
            }
        } else if path.file_name().is_some_and(|n| n == name) {
            return Ok(Some(path));
        }
    }
    Ok(None)
}

/// Values of one run, in the row order of [`ROWS`].
type Run = Vec<f64>;

/// (label, unit, target) of each reported figure.
const ROWS: &[(&str, &str, Option<f64>)] = &[
    ("start-to-listening, empty home", "ms", Some(50.0)),
    ("start-to-listening, 1,000 agents", "ms", Some(50.0)),
    ("idle RSS (no client)", "MiB", Some(15.0)),
    ("idle RSS (one hello'd client)", "MiB", None),
    ("RSS, 100 idle agents (just created)", "MiB", Some(40.0)),
    ("RSS, 100 idle agents (loaded at start)", "MiB", None),
    ("RSS, 1,000 idle agents (loaded at start)", "MiB", None),
    ("fetch_agents 200 of 1,000", "ms", Some(5.0)),
    ("fetch_agents 1 of 1,000", "ms", None),
    ("timeline tail 200/10k, canonical", "ms", Some(5.0)),
    ("timeline tail 200/10k, projected", "ms", Some(5.0)),
    ("timeline before 200/10k, canonical", "ms", Some(5.0)),
    ("timeline before 200/10k, projected", "ms", Some(5.0)),
    ("timeline after 200/10k, projected", "ms", Some(5.0)),
    ("first timeline request after start", "ms", None),
];

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn expect_entries(answer: &Value, kind: &str, want: Option<usize>) -> Result<()> {
    if answer["type"] != kind {
        bail!("expected {kind}, got {answer}");
    }
    let got = answer["payload"]["entries"].as_array().map_or(0, Vec::len);
    match want {
        Some(want) if got != want => bail!("expected {want} entries, got {got}"),
        None if got == 0 => bail!("expected entries, got none: {answer}"),
        _ => Ok(()),
    }
}

async fn one_run(
    opts: &Options,
    scratch: &Path,
    listing_home: &Path,
    timeline_home: &Path,
    timeline_agent: &str,
    run: usize,
) -> Result<Run> {
    let mut values = Vec::with_capacity(ROWS.len());

    // Empty home: start, idle RSS, then 100 agents.
    let home = scratch.join(format!("empty-{run}"));
    std::fs::create_dir(&home)?;
    let daemon = Daemon::spawn(opts, &home)?;
    values.push(ms(daemon.startup));
    std::thread::sleep(SETTLE);
    let idle = daemon.rss()?;
    let mut client = Client::connect(&daemon.url(), "bench").await?;
    tokio::time::sleep(SETTLE).await;
    let idle_client = daemon.rss()?;
    client
        .create_agents(RSS_AGENTS, &scratch.join("cwd"))
        .await?;
    tokio::time::sleep(SETTLE).await;
    let created = daemon.rss()?;
    drop(client);
    daemon.stop()?;
    let daemon = Daemon::spawn(opts, &home)?;
    std::thread::sleep(SETTLE);
    let loaded = daemon.rss()?;
    daemon.stop()?;
    std::fs::remove_dir_all(&home)?;

    // 1,000 agents: start, listing page.
    let daemon = Daemon::spawn(opts, listing_home)?;
    values.push(ms(daemon.startup));
    let mut client = Client::connect(&daemon.url(), "bench").await?;
    let listing = client
        .median_latency(
            opts,
            &json!({"type": "fetch_agents_request", "page": {"limit": PAGE}}),
            |a| expect_entries(a, "fetch_agents_response", Some(PAGE as usize)),
        )
        .await?;
    if run == 0 {
        eprintln!("fetch_agents page of {PAGE}: {} bytes", client.last_bytes);
    }
    let listing_one = client
        .median_latency(
            opts,
            &json!({"type": "fetch_agents_request", "page": {"limit": 1}}),
            |a| expect_entries(a, "fetch_agents_response", Some(1)),
        )
        .await?;
    tokio::time::sleep(SETTLE).await;
    let loaded_1000 = daemon.rss()?;
    drop(client);
    daemon.stop()?;
    values.extend([idle, idle_client, created, loaded, loaded_1000].map(mib));
    values.push(ms(listing));
    values.push(ms(listing_one));

    // 10,000-row timeline.
    let daemon = Daemon::spawn(opts, timeline_home)?;
    let mut client = Client::connect(&daemon.url(), "bench").await?;
    let tail = |projection: &str| {
        json!({"type": "fetch_agent_timeline_request", "agentId": timeline_agent,
               "direction": "tail", "limit": PAGE, "projection": projection})
    };
    let (first, answer) = client.request(tail("projected")).await?;
    expect_entries(&answer, "fetch_agent_timeline_response", None)?;
    let epoch = answer["payload"]["epoch"]
        .as_str()
        .context("epoch")?
        .to_owned();
    let before = |projection: &str| {
        json!({"type": "fetch_agent_timeline_request", "agentId": timeline_agent,
               "direction": "before", "cursor": {"epoch": epoch, "seq": TIMELINE_ROWS / 2},
               "limit": PAGE, "projection": projection})
    };
    // Reading forward from near the start (a client catching up).
    let after = json!({"type": "fetch_agent_timeline_request", "agentId": timeline_agent,
                       "direction": "after", "cursor": {"epoch": epoch, "seq": 100},
                       "limit": PAGE, "projection": "projected"});
    let page = PAGE as usize;
    for (message, want) in [
        (tail("canonical"), Some(page)),
        (tail("projected"), None),
        (before("canonical"), Some(page)),
        (before("projected"), None),
        (after, None),
    ] {
        let took = client
            .median_latency(opts, &message, |a| {
                expect_entries(a, "fetch_agent_timeline_response", want)
            })
            .await?;
        if run == 0 {
            eprintln!(
                "timeline {} {}: {} bytes",
                message["direction"], message["projection"], client.last_bytes
            );
        }
        values.push(ms(took));
    }
    values.push(ms(first));
    drop(client);
    daemon.stop()?;
    Ok(values)
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<()> {
    let opts = options()?;
    let scratch = tempfile::tempdir().context("scratch dir")?;
    let cwd = scratch.path().join("cwd");
    std::fs::create_dir(&cwd)?;
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    eprintln!(
        "daemon {}; {cpus} CPUs; load average {}",
        opts.daemon.display(),
        load()
    );

    let listing_home = scratch.path().join("listing");
    make_listing_home(&opts, &listing_home, &cwd).await?;
    let timeline_home = scratch.path().join("timeline");
    let timeline_agent = make_timeline_home(&opts, &timeline_home, &cwd).await?;

    let mut runs: Vec<Run> = Vec::with_capacity(opts.runs);
    for run in 0..opts.runs {
        let values = one_run(
            &opts,
            scratch.path(),
            &listing_home,
            &timeline_home,
            &timeline_agent,
            run,
        )
        .await
        .with_context(|| format!("run {}", run + 1))?;
        eprintln!("run {}/{} done (load {})", run + 1, opts.runs, load());
        runs.push(values);
    }

    println!(
        "paseo-daemon on loopback: {} runs; latencies are per-run medians of {} requests after {} warm-ups; load average at end {}",
        opts.runs,
        opts.samples,
        opts.warmup,
        load()
    );
    println!(
        "| {:<42} | {:>9} | {:>17} | {:>8} | {:<6} |",
        "metric", "median", "range of runs", "target", "verdict"
    );
    println!(
        "|{:-<44}|{:->11}|{:->19}|{:->10}|{:-<9}|",
        "", "", "", "", ""
    );
    for (i, (label, unit, target)) in ROWS.iter().enumerate() {
        let mut column: Vec<f64> = runs.iter().map(|run| run[i]).collect();
        column.sort_by(f64::total_cmp);
        let mid = column[column.len() / 2];
        let (lo, hi) = (column[0], column[column.len() - 1]);
        let (target, verdict) = match target {
            Some(t) => (
                format!("≤ {t} {unit}"),
                if mid <= *t { "met" } else { "MISSED" },
            ),
            None => ("—".into(), "info"),
        };
        println!(
            "| {label:<42} | {:>9} | {:>17} | {target:>8} | {verdict:<7} |",
            format!("{mid:.2} {unit}"),
            format!("{lo:.2}–{hi:.2}"),
        );
    }
    if opts.keep {
        eprintln!("homes kept in {}", scratch.keep().display());
    }
    Ok(())
}
