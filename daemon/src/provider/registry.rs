//! Which providers this daemon offers: the built-in ACP agents, the offline
//! test agent, and any the user adds in `$PASEO_HOME/providers.json`.
//!
//! Every built-in is always registered, available or not, because clients
//! list unavailable providers with the reason ("`gemini` not found on
//! PATH"); availability is re-probed (a PATH lookup, never a spawn) each
//! time it is asked, so installing an agent needs no daemon restart. The
//! test agent exists so a new user can try the app without an LLM. A bad
//! config file is logged and reported, never fatal: the built-ins still
//! work.

use crate::procs::ProcessLedger;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use protocol::AgentMode;
use serde::Deserialize;

use super::acp::{AcpProvider, AcpProviderConfig, AcpTimeouts};
use super::launch::{Launch, codex_native};
use super::{Provider, ProviderInfo};

/// The providers of one daemon, in display order.
#[derive(Clone, Default)]
pub struct ProviderRegistry {
    providers: Vec<Arc<dyn Provider>>,
    config_error: Option<String>,
}

impl std::fmt::Debug for ProviderRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ids: Vec<String> = self.providers.iter().map(|p| p.info().id).collect();
        f.debug_struct("ProviderRegistry")
            .field("providers", &ids)
            .field("config_error", &self.config_error)
            .finish()
    }
}

impl ProviderRegistry {
    /// A registry of exactly these providers (tests, embedders). A later
    /// provider with the same id replaces an earlier one in place.
    pub fn from_providers(providers: impl IntoIterator<Item = Arc<dyn Provider>>) -> Self {
        let mut registry = Self::default();
        for provider in providers {
            registry.insert(provider);
        }
        registry
    }

    /// Built-ins, the test agent, and `home/providers.json`.
    pub fn discover(home: &Path) -> Self {
        Self::discover_with_ledger(home, None)
    }

    /// [`ProviderRegistry::discover`], with every agent process group
    /// recorded in `ledger` while it lives (what the daemon uses).
    pub fn discover_with_ledger(home: &Path, ledger: Option<Arc<ProcessLedger>>) -> Self {
        let mut registry = Self::default();
        let acp = |config| -> Arc<dyn Provider> {
            Arc::new(AcpProvider::with_ledger(config, ledger.clone()))
        };
        for config in builtin_configs() {
            registry.insert(acp(config));
        }
        registry.insert(acp(test_agent_config(home)));
        let path = home.join(PROVIDERS_FILE);
        let (configs, error) = load_config_file(&path);
        for config in configs {
            registry.insert(acp(config));
        }
        if let Some(error) = error {
            tracing::error!("{error}");
            registry.config_error = Some(error);
        }
        registry
    }

    /// Adds `provider`, replacing one with the same id.
    pub fn insert(&mut self, provider: Arc<dyn Provider>) {
        let id = provider.info().id;
        match self.providers.iter().position(|p| p.info().id == id) {
            Some(index) => self.providers[index] = provider,
            None => self.providers.push(provider),
        }
    }

    /// The provider with this wire id.
    pub fn get(&self, id: &str) -> Option<Arc<dyn Provider>> {
        self.providers.iter().find(|p| p.info().id == id).cloned()
    }

    /// All providers, in display order.
    pub fn providers(&self) -> &[Arc<dyn Provider>] {
        &self.providers
    }

    /// Why `providers.json` was ignored (in part or whole), if it was.
    pub fn config_error(&self) -> Option<&str> {
        self.config_error.as_deref()
    }
}

/// The config file's name inside `$PASEO_HOME`.
pub const PROVIDERS_FILE: &str = "providers.json";

/// The built-in ACP agents (whether installed or not).
pub fn builtin_configs() -> Vec<AcpProviderConfig> {
    let mut codex = Launch::new("codex-acp", &[]);
    codex.native = Some(codex_native);
    let mut gemini = Launch::new("gemini", &["--acp"]);
    // Without it gemini relaunches itself and ignores SIGTERM (notes §2.1).
    gemini
        .env
        .push(("GEMINI_CLI_NO_RELAUNCH".into(), "true".into()));
    vec![
        builtin(
            (
                "claude",
                "Claude",
                "Anthropic's Claude Code, through claude-agent-acp",
            ),
            Launch::new("claude-agent-acp", &[]),
            Some("default"),
            &[
                ("default", "Default"),
                ("acceptEdits", "Accept Edits"),
                ("plan", "Plan Mode"),
                ("dontAsk", "Don't Ask"),
                ("auto", "Auto"),
            ],
            "Set ANTHROPIC_API_KEY in the daemon's environment, or run `claude /login` in a terminal.",
        ),
        builtin(
            ("codex", "Codex", "OpenAI's Codex, through codex-acp"),
            codex,
            Some("auto"),
            &[
                ("read-only", "Read Only"),
                ("auto", "Default"),
                ("full-access", "Full Access"),
            ],
            "Set OPENAI_API_KEY or CODEX_API_KEY in the daemon's environment, or run `codex login` in a terminal.",
        ),
        builtin(
            ("gemini", "Gemini", "Google's Gemini CLI in ACP mode"),
            gemini,
            Some("default"),
            &[
                ("default", "Default"),
                ("autoEdit", "Auto Edit"),
                ("yolo", "YOLO"),
                ("plan", "Plan"),
            ],
            "Set GEMINI_API_KEY in the daemon's environment, or run `gemini` in a terminal to log in with Google.",
        ),
        builtin(
            ("opencode", "OpenCode", "OpenCode in ACP mode"),
            Launch::new("opencode", &["acp"]),
            Some("build"),
            &[("build", "build"), ("plan", "plan")],
            "Run `opencode auth login` in a terminal.",
        ),
        builtin(
            ("copilot", "Copilot", "GitHub Copilot CLI in ACP mode"),
            Launch::new("copilot", &["--acp"]),
            None,
            &[],
            "Run `copilot` in a terminal and log in with `/login`.",
        ),
        builtin(
            ("qwen", "Qwen Code", "Qwen Code in ACP mode"),
            Launch::new("qwen", &["--acp"]),
            None,
            &[],
            "Run `qwen` in a terminal to log in, or set its API key in the daemon's environment.",
        ),
    ]
}

/// The offline `paseo-test-agent`, looked up next to the daemon's own
/// executable (and its parent when that is cargo's `deps/`), then on PATH.
/// Its sessions persist under `home/test-agent`.
pub fn test_agent_config(home: &Path) -> AcpProviderConfig {
    let mut launch = Launch::new("paseo-test-agent", &[]);
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf))
    {
        if dir.file_name().is_some_and(|name| name == "deps")
            && let Some(parent) = dir.parent()
        {
            launch.search_dirs.push(parent.to_path_buf());
        }
        launch.search_dirs.insert(0, dir);
    }
    launch.env.push((
        "PASEO_TEST_AGENT_HOME".into(),
        home.join("test-agent").to_string_lossy().into_owned(),
    ));
    builtin(
        (
            "test",
            "Test agent (offline)",
            "A scripted agent that needs no LLM: try EDIT_FILE, PLEASE_BE_SLOW, USE_TODO",
        ),
        launch,
        Some("default"),
        &[("default", "Default"), ("acceptEdits", "Accept Edits")],
        "The test agent refuses on purpose when a prompt contains FAIL_AUTH; send another prompt.",
    )
}

fn builtin(
    (id, label, description): (&str, &str, &str),
    launch: Launch,
    default_mode_id: Option<&str>,
    modes: &[(&str, &str)],
    auth_hint: &str,
) -> AcpProviderConfig {
    AcpProviderConfig {
        info: ProviderInfo {
            id: id.to_owned(),
            label: label.to_owned(),
            description: Some(description.to_owned()),
            default_mode_id: default_mode_id.map(str::to_owned),
            modes: modes
                .iter()
                .map(|(id, label)| AgentMode {
                    id: (*id).to_owned(),
                    label: (*label).to_owned(),
                    description: None,
                    icon: None,
                    color_tier: None,
                })
                .collect(),
            models: Vec::new(),
            supports_resume: true,
        },
        launch,
        auth_hint: Some(auth_hint.to_owned()),
        timeouts: AcpTimeouts::default(),
    }
}

#[derive(Debug, Deserialize)]
struct ConfigFile {
    #[serde(default)]
    providers: Vec<ConfigEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfigEntry {
    id: String,
    #[serde(default)]
    label: Option<String>,
    #[serde(default)]
    description: Option<String>,
    command: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    default_mode_id: Option<String>,
    #[serde(default)]
    auth_hint: Option<String>,
}

/// Reads `providers.json`: the valid entries, and what was wrong with the
/// rest (a missing file is fine; a broken one is ignored whole).
pub fn load_config_file(path: &Path) -> (Vec<AcpProviderConfig>, Option<String>) {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return (Vec::new(), None),
        Err(err) => {
            return (
                Vec::new(),
                Some(format!("Cannot read {}: {err}", path.display())),
            );
        }
    };
    let file: ConfigFile = match serde_json::from_str(&text) {
        Ok(file) => file,
        Err(err) => {
            let error = format!(
                "Ignoring {}: {err}. Expected {{\"providers\":[{{\"id\":\"mine\",\"label\":\"Mine\",\"command\":[\"/path/agent\",\"--acp\"],\"env\":{{}}}}]}}",
                path.display()
            );
            return (Vec::new(), Some(error));
        }
    };
    let mut configs = Vec::new();
    let mut problems = Vec::new();
    for entry in file.providers {
        match entry_config(entry, path.parent().unwrap_or(Path::new("."))) {
            Ok(config) => configs.push(config),
            Err(problem) => problems.push(problem),
        }
    }
    let error = (!problems.is_empty()).then(|| {
        format!(
            "Skipped entries of {}: {}",
            path.display(),
            problems.join("; ")
        )
    });
    (configs, error)
}

fn entry_config(entry: ConfigEntry, base: &Path) -> Result<AcpProviderConfig, String> {
    let id = entry.id.trim();
    if id.is_empty() {
        return Err("a provider has an empty id".to_owned());
    }
    let Some((program, args)) = entry
        .command
        .split_first()
        .filter(|(p, _)| !p.trim().is_empty())
    else {
        return Err(format!("provider `{id}` has an empty command"));
    };
    // Relative paths (not bare names) are relative to the config file.
    let program = if program.contains('/') && Path::new(program).is_relative() {
        base.join(program).to_string_lossy().into_owned()
    } else {
        program.clone()
    };
    // An entry for a built-in id moves that agent (another install, extra
    // env) and keeps what we know of it: label, modes, login hint, its own
    // env (gemini's no-relaunch) and the codex native-binary lookup.
    if let Some(mut config) = builtin_configs().into_iter().find(|b| b.info.id == id) {
        config.launch.program = program;
        config.launch.args = args.to_vec();
        config.launch.env.extend(entry.env);
        if let Some(label) = entry.label {
            config.info.label = label;
        }
        if entry.description.is_some() {
            config.info.description = entry.description;
        }
        if entry.default_mode_id.is_some() {
            config.info.default_mode_id = entry.default_mode_id;
        }
        if entry.auth_hint.is_some() {
            config.auth_hint = entry.auth_hint;
        }
        return Ok(config);
    }
    let mut launch = Launch::new(&program, &[]);
    launch.args = args.to_vec();
    launch.env = entry.env.into_iter().collect();
    let label = entry.label.unwrap_or_else(|| id.to_owned());
    let mut config = builtin(
        (id, &label, ""),
        launch,
        entry.default_mode_id.as_deref(),
        &[],
        "",
    );
    config.info.description = entry.description;
    config.auth_hint = entry.auth_hint;
    Ok(config)
}

/// `$PASEO_HOME/providers.json`.
pub fn config_path(home: &Path) -> PathBuf {
    home.join(PROVIDERS_FILE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::Availability;

    #[test]
    fn builtins_are_listed_even_when_missing() {
        let home = tempfile::tempdir().expect("tempdir");
        let registry = ProviderRegistry::discover(home.path());
        let ids: Vec<String> = registry.providers().iter().map(|p| p.info().id).collect();
        assert_eq!(
            ids,
            [
                "claude", "codex", "gemini", "opencode", "copilot", "qwen", "test"
            ]
        );
        let gemini = registry.get("gemini").expect("gemini");
        if let Availability::Unavailable { reason } = gemini.availability() {
            assert_eq!(reason, "`gemini` not found on PATH");
        }
        assert_eq!(
            registry.get("test").map(|p| p.info().label).as_deref(),
            Some("Test agent (offline)")
        );
        assert!(registry.config_error().is_none());
    }

    #[test]
    fn config_file_adds_and_overrides_providers() {
        let home = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            config_path(home.path()),
            r#"{"providers":[{"id":"mine","label":"Mine","command":["/bin/cat","--acp"],"env":{"A":"1"}},
                             {"id":"claude","command":["./bin/claude-acp"]}]}"#,
        )
        .expect("write");
        let registry = ProviderRegistry::discover(home.path());
        let mine = registry.get("mine").expect("mine");
        assert_eq!(mine.info().label, "Mine");
        assert_eq!(mine.availability(), Availability::Available);
        let claude = registry.get("claude").expect("claude");
        assert_eq!(claude.info().label, "Claude", "a built-in keeps its label");
        assert!(
            claude.info().modes.iter().any(|m| m.id == "acceptEdits"),
            "and its modes"
        );
        assert!(
            claude
                .auth_hint()
                .is_some_and(|h| h.contains("ANTHROPIC_API_KEY"))
        );
        let Availability::Unavailable { reason } = claude.availability() else {
            panic!("no such file");
        };
        assert!(reason.contains("bin/claude-acp"), "{reason}");
        assert_eq!(registry.providers().len(), 8);
    }

    #[test]
    fn bad_config_is_reported_not_fatal() {
        let home = tempfile::tempdir().expect("tempdir");
        std::fs::write(config_path(home.path()), "{not json").expect("write");
        let registry = ProviderRegistry::discover(home.path());
        assert!(
            registry
                .config_error()
                .is_some_and(|e| e.contains("Ignoring"))
        );
        assert!(registry.get("claude").is_some());

        std::fs::write(
            config_path(home.path()),
            r#"{"providers":[{"id":"","command":["x"]},{"id":"ok","command":["/bin/cat"]}]}"#,
        )
        .expect("write");
        let registry = ProviderRegistry::discover(home.path());
        assert!(
            registry
                .config_error()
                .is_some_and(|e| e.contains("empty id"))
        );
        assert!(registry.get("ok").is_some(), "valid entries are kept");
    }
}
