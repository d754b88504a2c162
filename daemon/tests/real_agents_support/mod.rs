//! The rig of the real-agent tier: the four real ACP agents installed by
//! `scripts/install-agents.sh`, each pointed at the project's fake LLM
//! (`tools/fake-llm.py`, a real HTTP server on an ephemeral port), driven
//! through the real `paseo-daemon` binary over a real WebSocket.
//!
//! Every run gets a scratch `HOME` (and `XDG_*`, `TMPDIR`, `CODEX_HOME`)
//! and a clean environment, so nothing of the developer's own agent
//! configuration or credentials leaks in, and a unique marker variable
//! that every agent process inherits from the daemon: that is how the
//! tests find agent processes left running.

#![allow(unsafe_code, reason = "kill(2) on processes this test spawned")]
#![allow(dead_code)] // each test uses a different subset

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::{DaemonProcess, daemon_command};

/// The variable naming the agents' install root.
pub const AGENTS_DIR_VAR: &str = "PASEO_AGENTS_DIR";
/// A marker every process of one rig inherits.
const MARKER_VAR: &str = "PASEO_REAL_AGENT_RUN";

/// Upper bound for a real agent's turn against the fake LLM (startup of a
/// node agent under load included).
pub const TURN_DEADLINE: Duration = Duration::from_secs(90);

/// One of the four agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    /// `claude-agent-acp` (Claude Code's ACP adapter).
    Claude,
    /// `codex-acp` (its native binary).
    Codex,
    /// `gemini --acp`.
    Gemini,
    /// `opencode acp`.
    OpenCode,
}

impl Agent {
    /// Our provider id.
    pub fn provider(self) -> &'static str {
        match self {
            Agent::Claude => "claude",
            Agent::Codex => "codex",
            Agent::Gemini => "gemini",
            Agent::OpenCode => "opencode",
        }
    }

    /// Whether `session/load` reliably restores the conversation.
    /// gemini-cli 0.61.0 advertises `loadSession`, but its `session/load`
    /// often fails with "No previous sessions found for this project."
    /// with the saved chat in place: it starts a new recording under the
    /// same id, which can overwrite the saved chat before the lookup (seen
    /// here, timing-dependent; in some runs the load works). The daemon
    /// then starts a new session and says so in the timeline, so for
    /// gemini the tests accept either outcome, never a silent loss.
    pub fn resumes_by_load(self) -> bool {
        self != Agent::Gemini
    }

    /// A prompt timeout (seconds) this agent's turns stay well inside
    /// against the fake LLM: opencode loads its provider package on the
    /// first prompt of each process, which takes seconds.
    pub fn short_prompt_timeout_s(self) -> u64 {
        match self {
            Agent::OpenCode => 15,
            _ => 6,
        }
    }

    /// Its folder under the install root.
    fn install_dir(self) -> &'static str {
        self.provider()
    }
}

/// Where the agent's LLM traffic goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Llm {
    /// The fake LLM, with dummy credentials.
    Fake,
    /// Dummy credentials, but the API is a closed local port.
    Unreachable,
    /// No credentials and no configuration at all (a new user's machine).
    NoCredentials,
}

/// A running `tools/fake-llm.py`.
pub struct FakeLlm {
    child: Child,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Its request log (JSON lines).
    pub log: PathBuf,
}

impl FakeLlm {
    /// Starts the fake LLM on an ephemeral port.
    pub fn start(dir: &Path) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tools/fake-llm.py");
        let log = dir.join("fake-llm.jsonl");
        let mut child = Command::new("python3")
            .arg(&script)
            .arg("0")
            .arg(&log)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", script.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("fake LLM port line");
        let port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("fake LLM said {line:?}"));
        Self { child, port, log }
    }

    /// The requests it received (one JSON object each).
    pub fn requests(&self) -> Vec<serde_json::Value> {
        std::fs::read_to_string(&self.log)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect()
    }
}

impl Drop for FakeLlm {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A scratch machine for one agent.
pub struct Rig {
    /// Which agent.
    pub agent: Agent,
    root: tempfile::TempDir,
    /// The fake LLM (also present for [`Llm::Unreachable`], unused).
    pub llm: FakeLlm,
    marker: String,
    mode: Llm,
    api_port: u16,
}

/// The install root, or a failure saying how to get one.
pub fn agents_dir() -> PathBuf {
    let dir = std::env::var_os(AGENTS_DIR_VAR).map(PathBuf::from).unwrap_or_else(|| {
        panic!(
            "{AGENTS_DIR_VAR} is not set: run `scripts/install-agents.sh` and set {AGENTS_DIR_VAR} to the directory it prints (scripts/test.sh does both)"
        )
    });
    assert!(
        dir.is_dir(),
        "{AGENTS_DIR_VAR}={} does not exist: run scripts/install-agents.sh",
        dir.display()
    );
    dir
}

impl Rig {
    /// A scratch home for `agent`, with its LLM traffic going to `mode`.
    pub fn new(agent: Agent, mode: Llm) -> Self {
        let mut root = tempfile::tempdir().expect("rig root");
        // PASEO_KEEP_RIG=1 keeps the scratch machine (agent logs, sessions)
        // for a post-mortem; its path is printed.
        if std::env::var_os("PASEO_KEEP_RIG").is_some() {
            root.disable_cleanup(true);
            eprintln!("rig for {}: {}", agent.provider(), root.path().display());
        }
        for dir in [
            "home",
            "paseo",
            "work",
            "tmp",
            "home/.config",
            "home/.local/share",
            "home/.cache",
            "home/.local/state",
        ] {
            std::fs::create_dir_all(root.path().join(dir)).expect("mkdir");
        }
        let git = Command::new("git")
            .args(["init", "-q"])
            .arg(root.path().join("work"))
            .status()
            .expect("git init");
        assert!(git.success(), "git init failed");
        let llm = FakeLlm::start(root.path());
        let api_port = match mode {
            Llm::Unreachable => closed_port(),
            _ => llm.port,
        };
        let marker = format!(
            "{}-{}-{}",
            agent.provider(),
            std::process::id(),
            root.path()
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("x")
        );
        let rig = Self {
            agent,
            root,
            llm,
            marker,
            mode,
            api_port,
        };
        rig.write_agent_config();
        rig
    }

    /// The scratch `HOME`.
    pub fn home(&self) -> PathBuf {
        self.root.path().join("home")
    }

    /// The daemon's `$PASEO_HOME`.
    pub fn paseo_home(&self) -> PathBuf {
        self.root.path().join("paseo")
    }

    /// The agent's working directory (a git repository).
    pub fn cwd(&self) -> PathBuf {
        self.root.path().join("work")
    }

    fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.api_port)
    }

    /// Configuration files the agents read from `HOME`.
    fn write_agent_config(&self) {
        let home = self.home();
        let write = |path: PathBuf, text: String| {
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, text).expect("write config");
        };
        // gemini: no update checks, no telemetry (notes §1).
        write(
            home.join(".gemini/settings.json"),
            r#"{"general":{"enableAutoUpdate":false,"enableAutoUpdateNotification":false},"privacy":{"usageStatisticsEnabled":false},"telemetry":{"enabled":false}}"#.to_owned(),
        );
        if self.mode == Llm::NoCredentials {
            return;
        }
        match self.agent {
            Agent::OpenCode => write(
                home.join(".config/opencode/opencode.json"),
                serde_json::json!({
                    "$schema": "https://opencode.ai/config.json",
                    "autoupdate": false,
                    "share": "disabled",
                    "provider": {"fake": {
                        "npm": "@ai-sdk/openai-compatible",
                        "name": "Fake LLM",
                        "options": {"baseURL": format!("{}/v1", self.base_url()), "apiKey": "dummy-not-a-key"},
                        "models": {"fake-model": {"name": "Fake Model"}}
                    }},
                    "model": "fake/fake-model",
                    "small_model": "fake/fake-model"
                })
                .to_string(),
            ),
            Agent::Codex => write(
                home.join(".codex/config.toml"),
                format!(
                    "model_provider = \"fake\"\nmodel = \"fake-model\"\ncheck_for_update_on_startup = false\n\n[model_providers.fake]\nname = \"fake\"\nbase_url = \"{}/v1\"\nenv_key = \"FAKE_LLM_KEY\"\nwire_api = \"responses\"\n",
                    self.base_url()
                ),
            ),
            Agent::Claude | Agent::Gemini => {}
        }
    }

    /// The daemon command with this rig's clean environment.
    pub fn daemon_command(&self, args: &[&str]) -> Command {
        let mut cmd = daemon_command(
            &self.paseo_home(),
            &[&["--listen", "127.0.0.1:0"], args].concat(),
        );
        let dir = agents_dir();
        let bins: Vec<String> = [Agent::Claude, Agent::Codex, Agent::Gemini, Agent::OpenCode]
            .iter()
            .map(|a| {
                dir.join(a.install_dir())
                    .join("node_modules/.bin")
                    .display()
                    .to_string()
            })
            .collect();
        let system_path = std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".into());
        let home = self.home();
        cmd.env_clear()
            .env("PATH", format!("{}:{system_path}", bins.join(":")))
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("XDG_CACHE_HOME", home.join(".cache"))
            .env("XDG_STATE_HOME", home.join(".local/state"))
            .env("TMPDIR", self.root.path().join("tmp"))
            .env("LANG", "C.UTF-8")
            .env("TERM", "dumb")
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()),
            )
            .env(MARKER_VAR, &self.marker)
            // Anti-telemetry and no self-updates (notes §1).
            .env("GEMINI_TELEMETRY_ENABLED", "false")
            .env("OPENCODE_DISABLE_AUTOUPDATE", "1")
            .env("OPENCODE_DISABLE_SHARE", "1")
            .env("OPENCODE_DISABLE_MODELS_FETCH", "1")
            .env("OPENCODE_DISABLE_LSP_DOWNLOAD", "1")
            .env("DISABLE_TELEMETRY", "1")
            .env("DISABLE_AUTOUPDATER", "1")
            .env("DISABLE_ERROR_REPORTING", "1")
            .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1");
        // npm's registry settings, so opencode can fetch its provider package.
        for key in ["NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR"] {
            if let Ok(value) = std::env::var(key) {
                cmd.env(key, value);
            }
        }
        if self.mode != Llm::NoCredentials {
            let url = self.base_url();
            match self.agent {
                Agent::Claude => {
                    cmd.env("ANTHROPIC_BASE_URL", &url)
                        .env("ANTHROPIC_API_KEY", "dummy-not-a-key");
                }
                Agent::Gemini => {
                    cmd.env("GOOGLE_GEMINI_BASE_URL", &url)
                        .env("GEMINI_API_KEY", "dummy-not-a-key");
                }
                Agent::Codex => {
                    cmd.env("FAKE_LLM_KEY", "dummy-not-a-key")
                        .env("CODEX_HOME", home.join(".codex"));
                }
                Agent::OpenCode => {}
            }
        }
        cmd
    }

    /// Starts the daemon on this rig's home.
    pub fn daemon(&self, args: &[&str]) -> DaemonProcess {
        DaemonProcess::spawn_with(self.daemon_command(args))
    }

    /// Processes of this rig other than `except` (the daemon), as
    /// `(pid, command line)`.
    pub fn processes(&self, except: Option<u32>) -> Vec<(u32, String)> {
        let needle = format!("{MARKER_VAR}={}", self.marker);
        let mut found = Vec::new();
        let Ok(entries) = std::fs::read_dir("/proc") else {
            return found;
        };
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if Some(pid) == except || pid == std::process::id() {
                continue;
            }
            let Ok(environ) = std::fs::read(entry.path().join("environ")) else {
                continue;
            };
            if environ
                .split(|b| *b == 0)
                .any(|var| var == needle.as_bytes())
            {
                // A zombie has no environ; a readable one is alive.
                let cmdline = std::fs::read(entry.path().join("cmdline"))
                    .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
                    .unwrap_or_default();
                found.push((pid, cmdline));
            }
        }
        found
    }

    /// Waits until no process of this rig but `except` runs; fails with
    /// the survivors (and kills them) otherwise.
    pub fn assert_no_agent_processes(&self, except: Option<u32>, within: Duration) {
        let deadline = Instant::now() + within;
        loop {
            let left = self.processes(except);
            if left.is_empty() {
                return;
            }
            if Instant::now() >= deadline {
                for (pid, _) in &left {
                    if let Ok(pid) = i32::try_from(*pid) {
                        // SAFETY: kill(2) on a pid we just listed.
                        unsafe { libc::kill(pid, libc::SIGKILL) };
                    }
                }
                panic!("agent processes still running: {left:#?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILLs every agent process of this rig (a crash mid-turn).
    pub fn kill_agent_processes(&self, daemon_pid: u32) -> usize {
        let victims = self.processes(Some(daemon_pid));
        for (pid, _) in &victims {
            if let Ok(pid) = i32::try_from(*pid) {
                // SAFETY: kill(2) on a pid we just listed.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
        victims.len()
    }
}

/// A local port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}
