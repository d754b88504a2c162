//! The real-agent tier: Claude Code (claude-agent-acp), Codex (codex-acp),
//! Gemini CLI and OpenCode, at the versions pinned in `tools/agents/`,
//! driven through the real `paseo-daemon` over a real WebSocket, each
//! against the fake LLM (a real HTTP server speaking their model APIs).
//!
//! These tests are `#[ignore]`d in the fast tier: they need the agents
//! (about 1 GB) installed by `scripts/install-agents.sh`, and the directory
//! it prints in `PASEO_AGENTS_DIR`. `scripts/test.sh` runs them as their
//! own tier:
//!
//! ```sh
//! PASEO_AGENTS_DIR=$(scripts/install-agents.sh) \
//!   cargo test -p daemon --test real_agents -- --ignored
//! ```
//!
//! After every test no agent process is left running (checked through a
//! marker variable every agent inherits).

mod agent_support;
mod real_agents_support;
mod support;

use std::time::{Duration, Instant};

use agent_support::Client;
use real_agents_support::{Agent, Llm, Rig, TURN_DEADLINE};
use serde_json::{Value, json};

/// How long agent processes may take to go away after a stop.
const REAP: Duration = Duration::from_secs(15);

/// `create_agent_request` for `agent`.
fn create_request(rig: &Rig, request_id: &str, prompt: Option<&str>) -> Value {
    let mut message = json!({
        "type": "create_agent_request",
        "requestId": request_id,
        "config": {"provider": rig.agent.provider(), "cwd": rig.cwd()},
        "labels": {},
    });
    if let Some(prompt) = prompt {
        message["initialPrompt"] = json!(prompt);
    }
    message
}

/// Sends a create and returns the answer (`agent_created` or
/// `agent_create_failed`).
async fn create(client: &mut Client, rig: &Rig, request_id: &str, prompt: Option<&str>) -> Value {
    let message = create_request(rig, request_id, prompt);
    client.send(message).await;
    let id = request_id.to_owned();
    client
        .wait_within(TURN_DEADLINE, move |m| {
            m["payload"]["requestId"] == id.as_str()
        })
        .await
}

/// Creates an agent that must be accepted; returns its id.
async fn create_ok(client: &mut Client, rig: &Rig, request_id: &str, prompt: &str) -> String {
    let answer = create(client, rig, request_id, Some(prompt)).await;
    assert_eq!(answer["payload"]["status"], "agent_created", "{answer}");
    answer["payload"]["agentId"]
        .as_str()
        .expect("agentId")
        .to_owned()
}

/// Waits for the end of the running turn of `agent`: the stream event.
async fn turn_end(client: &mut Client, agent: &str) -> Value {
    let agent = agent.to_owned();
    client
        .wait_within(TURN_DEADLINE, move |m| {
            m["type"] == "agent_stream"
                && m["payload"]["agentId"] == agent.as_str()
                && matches!(
                    m["payload"]["event"]["type"].as_str(),
                    Some("turn_completed" | "turn_failed" | "turn_canceled")
                )
        })
        .await["payload"]["event"]
        .clone()
}

/// Sends a message to `agent` and checks it was accepted. The daemon
/// answers once the message is durable, before the agent's process starts
/// (opencode: up to half a minute under load); the long deadline stays for
/// a send that first waits for an interrupted turn to end.
async fn send(client: &mut Client, agent: &str, request_id: &str, text: &str) {
    client
        .send(
            json!({"type": "send_agent_message_request", "requestId": request_id,
                     "agentId": agent, "text": text, "messageId": format!("m-{request_id}")}),
        )
        .await;
    let id = request_id.to_owned();
    let answer = client
        .wait_within(TURN_DEADLINE, move |m| {
            m["payload"]["requestId"] == id.as_str()
        })
        .await;
    assert_eq!(answer["payload"]["accepted"], true, "{answer}");
}

/// The agent's snapshot.
async fn fetch(client: &mut Client, agent: &str, request_id: &str) -> Value {
    client
        .request(json!({"type": "fetch_agent_request", "requestId": request_id, "agentId": agent}))
        .await["payload"]["agent"]
        .clone()
}

/// Assistant text streamed for `agent` since `from` (log index).
fn streamed_text(client: &Client, agent: &str) -> String {
    client
        .streamed(agent)
        .iter()
        .filter(|p| {
            p["event"]["type"] == "timeline" && p["event"]["item"]["type"] == "assistant_message"
        })
        .filter_map(|p| p["event"]["item"]["text"].as_str().map(str::to_owned))
        .collect()
}

/// The canonical timeline's rows of one type.
async fn rows_of(client: &mut Client, agent: &str, request_id: &str, kind: &str) -> Vec<Value> {
    agent_support::all_rows(client, agent, request_id)
        .await
        .into_iter()
        .filter(|row| row["item"]["type"] == kind)
        .collect()
}

/// Asserts the streamed timeline rows of `agent` have strictly increasing
/// seqs.
fn assert_seq_increasing(client: &Client, agent: &str) {
    let seqs: Vec<u64> = client
        .streamed(agent)
        .iter()
        .filter(|p| p["event"]["type"] == "timeline")
        .filter_map(|p| p["seq"].as_u64())
        .collect();
    assert!(!seqs.is_empty(), "no timeline rows streamed");
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "seqs not increasing: {seqs:?}"
    );
}

/// Stops the daemon and checks that it left no agent process behind.
fn finish(rig: &Rig, client: Client, daemon: support::DaemonProcess) {
    drop(client);
    drop(daemon);
    rig.assert_no_agent_processes(None, REAP);
}

/// Waits until `agent`'s slow turn (`PLEASE_BE_SLOW`) streams its first tick.
async fn first_tick(client: &mut Client, agent: &str) {
    let agent = agent.to_owned();
    client
        .wait_within(TURN_DEADLINE, move |m| {
            m["type"] == "agent_stream"
                && m["payload"]["agentId"] == agent.as_str()
                && m["payload"]["event"]["item"]["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("tick"))
        })
        .await;
}

/// "Say hi" to `agent` ends in a completed turn (`why` names the state it
/// recovers from).
async fn next_prompt_completes(client: &mut Client, agent: &str, why: &str) {
    send(client, agent, "s", "Say hi").await;
    let end = turn_end(client, agent).await;
    assert_eq!(end["type"], "turn_completed", "{why}: {end}");
}

/// The error text of a failed turn or create.
fn error_text(value: &Value) -> String {
    ["error", "message", "lastError"]
        .iter()
        .find_map(|k| value[k].as_str())
        .unwrap_or_default()
        .to_owned()
}

/// A finished turn with streamed text, a second turn on the same process,
/// then a daemon restart and a third turn resumed through `session/load`
/// whose model request carries the earlier history; delete reaps the agent.
async fn turn_then_resume(agent: Agent) {
    let rig = Rig::new(agent, Llm::Fake);
    let mut daemon = rig.daemon(&[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-real").await;

    let started = Instant::now();
    let id = create_ok(&mut client, &rig, "c1", "Say hi. MARK_FIRST").await;
    let end = turn_end(&mut client, &id).await;
    let first_turn = started.elapsed();
    assert_eq!(end["type"], "turn_completed", "{end}");
    let text = streamed_text(&client, &id);
    assert!(text.contains("Hi there!"), "streamed text: {text:?}");
    assert_seq_increasing(&client, &id);
    let snapshot = fetch(&mut client, &id, "f1").await;
    assert_eq!(snapshot["status"], "idle", "{snapshot}");
    assert_eq!(snapshot["provider"], agent.provider());

    let started = Instant::now();
    send(&mut client, &id, "s2", "Say hi again. MARK_SECOND").await;
    let end = turn_end(&mut client, &id).await;
    let second_turn = started.elapsed();
    assert_eq!(end["type"], "turn_completed", "{end}");
    let assistant = rows_of(&mut client, &id, "t2", "assistant_message").await;
    let durable: String = assistant
        .iter()
        .filter_map(|r| r["item"]["text"].as_str())
        .collect();
    assert_eq!(
        durable.matches("Hi there!").count(),
        2,
        "two answers in the durable timeline: {durable:?}"
    );
    println!(
        "{}: first turn (process start + session/new + prompt) {first_turn:?}, second turn {second_turn:?}",
        agent.provider()
    );
    client.close().await;

    // Restart: the agent comes back idle and resumes through session/load.
    daemon.send_sigterm();
    assert!(daemon.wait_exit().success());
    rig.assert_no_agent_processes(None, REAP);
    let daemon = rig.daemon(&[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-real-2").await;
    assert_eq!(fetch(&mut client, &id, "f2").await["status"], "idle");
    let requests_before = rig.llm.requests().len();
    let started = Instant::now();
    send(&mut client, &id, "s3", "Still there? MARK_THIRD").await;
    let end = turn_end(&mut client, &id).await;
    assert_eq!(end["type"], "turn_completed", "{end}");
    println!(
        "{}: resumed turn (process start + session/load + prompt) {:?}",
        agent.provider(),
        started.elapsed()
    );
    let resumed: Vec<Value> = rig
        .llm
        .requests()
        .into_iter()
        .skip(requests_before)
        .filter(|r| {
            r["marks"]
                .as_array()
                .is_some_and(|m| m.contains(&json!("MARK_THIRD")))
        })
        .collect();
    let carried = resumed.iter().any(|r| {
        r["marks"]
            .as_array()
            .is_some_and(|m| m.contains(&json!("MARK_FIRST")))
    });
    let lost_memory = rows_of(&mut client, &id, "t3", "error")
        .await
        .iter()
        .any(|row| {
            row["item"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("Could not resume the previous agent session"))
        });
    if agent.resumes_by_load() {
        assert!(
            carried && !lost_memory,
            "the resumed session's model request carries the first turn: {resumed:#?}"
        );
    } else {
        // Either the history came back, or the loss is said: never silent.
        println!(
            "{}: session/load {}",
            agent.provider(),
            if carried {
                "worked"
            } else {
                "failed (said in the timeline)"
            }
        );
        assert!(
            carried != lost_memory,
            "{}: history carried ({carried}) xor the loss said in the timeline ({lost_memory})",
            agent.provider()
        );
    }

    let deleted = client
        .request(json!({"type": "delete_agent_request", "requestId": "d", "agentId": id}))
        .await;
    assert_eq!(deleted["type"], "agent_deleted", "{deleted}");
    rig.assert_no_agent_processes(Some(daemon.pid()), REAP);
}

/// A session made by the agent outside this daemon's records (here: by an
/// agent since deleted from a first daemon home) is imported by its
/// provider session id: the imported timeline replays its conversation and
/// the next turn's model request carries it. gemini's `session/load` is
/// unreliable (see `Agent::resumes_by_load`): its import either works like
/// the others or fails clearly.
async fn import_by_session_id(agent: Agent) {
    let rig = Rig::new(agent, Llm::Fake);
    let daemon = rig.daemon(&[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-import").await;
    let original = create_ok(&mut client, &rig, "c", "Say hi. MARK_FIRST").await;
    assert_eq!(
        turn_end(&mut client, &original).await["type"],
        "turn_completed"
    );
    let session_id = fetch(&mut client, &original, "f").await["persistence"]["sessionId"]
        .as_str()
        .expect("provider session id")
        .to_owned();
    let deleted = client
        .request(json!({"type": "delete_agent_request", "requestId": "d", "agentId": original}))
        .await;
    assert_eq!(deleted["type"], "agent_deleted", "{deleted}");
    rig.assert_no_agent_processes(Some(daemon.pid()), REAP);

    client
        .send(json!({"type": "import_agent_request", "requestId": "i",
                     "provider": agent.provider(), "sessionId": session_id,
                     "cwd": rig.cwd(), "labels": {"origin": "import"}}))
        .await;
    let imported = client
        .wait_within(TURN_DEADLINE, |m| m["payload"]["requestId"] == "i")
        .await;
    if !agent.resumes_by_load() && imported["payload"]["status"] != "agent_resumed" {
        let error = error_text(&imported["payload"]);
        println!("{} import: {error}", agent.provider());
        assert!(
            imported["type"] == "rpc_error"
                || imported["payload"]["status"] == "agent_create_failed",
            "{imported}"
        );
        assert!(error.contains("session/load"), "{error:?}");
        drop(client);
        drop(daemon);
        rig.assert_no_agent_processes(None, REAP);
        return;
    }
    assert_eq!(imported["payload"]["status"], "agent_resumed", "{imported}");
    let id = imported["payload"]["agentId"]
        .as_str()
        .expect("id")
        .to_owned();
    let users = rows_of(&mut client, &id, "t", "user_message").await;
    assert!(
        users.iter().any(|r| r["item"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("MARK_FIRST"))),
        "the imported timeline replays the conversation: {users:#?}"
    );
    send(&mut client, &id, "s", "And now? MARK_NEXT").await;
    assert_eq!(turn_end(&mut client, &id).await["type"], "turn_completed");
    let carried = rig.llm.requests().iter().any(|r| {
        r["marks"]
            .as_array()
            .is_some_and(|m| m.contains(&json!("MARK_NEXT")) && m.contains(&json!("MARK_FIRST")))
    });
    assert!(
        carried,
        "the imported session's next model request carries its history"
    );
    finish(&rig, client, daemon);
}

/// A slow turn canceled mid-stream ends as canceled, and the agent takes
/// the next prompt.
async fn cancel_mid_stream(agent: Agent) {
    let rig = Rig::new(agent, Llm::Fake);
    let daemon = rig.daemon(&[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-cancel").await;
    let id = create_ok(&mut client, &rig, "c", "PLEASE_BE_SLOW").await;
    first_tick(&mut client, &id).await;
    let asked = Instant::now();
    let canceled = client
        .request(json!({"type": "cancel_agent_request", "requestId": "x", "agentId": id}))
        .await;
    assert_eq!(canceled["type"], "cancel_agent_response", "{canceled}");
    let end = turn_end(&mut client, &id).await;
    assert_eq!(end["type"], "turn_canceled", "{end}");
    println!(
        "{}: cancel acknowledged by the turn's end in {:?}",
        agent.provider(),
        asked.elapsed()
    );
    assert_eq!(fetch(&mut client, &id, "f").await["status"], "idle");
    next_prompt_completes(&mut client, &id, "after a cancel").await;
    finish(&rig, client, daemon);
}

/// A turn longer than `--prompt-timeout-ms` fails with a clear message,
/// its process is stopped, and the agent resumes on the next prompt.
async fn prompt_timeout(agent: Agent) {
    let rig = Rig::new(agent, Llm::Fake);
    let limit = agent.short_prompt_timeout_s();
    let daemon = rig.daemon(&["--prompt-timeout-ms", &(limit * 1000).to_string()]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-timeout").await;
    let id = create_ok(&mut client, &rig, "c", "PLEASE_BE_SLOW").await;
    let end = turn_end(&mut client, &id).await;
    assert_eq!(end["type"], "turn_failed", "{end}");
    let error = error_text(&end);
    assert!(
        error.contains(&format!("did not finish within {limit} s")),
        "timeout message: {error:?}"
    );
    let snapshot = fetch(&mut client, &id, "f").await;
    assert_eq!(snapshot["status"], "error", "{snapshot}");
    rig.assert_no_agent_processes(Some(daemon.pid()), REAP);

    next_prompt_completes(&mut client, &id, "resumable after a timeout").await;
    finish(&rig, client, daemon);
}

/// What a new user without credentials sees: a clear error naming what
/// to set, no hang, no process left.
async fn without_credentials(agent: Agent, wants: &str) {
    let rig = Rig::new(agent, Llm::NoCredentials);
    let daemon = rig.daemon(&["--prompt-timeout-ms", "20000"]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-nokey").await;
    let answer = create(&mut client, &rig, "c", Some("Say hi")).await;
    let error = if answer["payload"]["status"] == "agent_create_failed" {
        error_text(&answer["payload"])
    } else {
        assert_eq!(answer["payload"]["status"], "agent_created", "{answer}");
        let id = answer["payload"]["agentId"]
            .as_str()
            .expect("id")
            .to_owned();
        let end = turn_end(&mut client, &id).await;
        assert_eq!(end["type"], "turn_failed", "{end}");
        let snapshot = fetch(&mut client, &id, "f").await;
        assert_eq!(snapshot["status"], "error", "{snapshot}");
        error_text(&end)
    };
    println!("{} without credentials: {error}", agent.provider());
    assert!(error.contains(wants), "{error:?} should mention {wants:?}");
    finish(&rig, client, daemon);
}

/// The model API is unreachable: the turn fails (the agent's own error or
/// our timeout), with a message, and nothing is left running.
async fn network_unreachable(agent: Agent) {
    let rig = Rig::new(agent, Llm::Unreachable);
    let daemon = rig.daemon(&["--prompt-timeout-ms", "45000"]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-offline").await;
    let answer = create(&mut client, &rig, "c", Some("Say hi")).await;
    let error = if answer["payload"]["status"] == "agent_create_failed" {
        error_text(&answer["payload"])
    } else {
        let id = answer["payload"]["agentId"]
            .as_str()
            .expect("id")
            .to_owned();
        let end = turn_end(&mut client, &id).await;
        assert_eq!(end["type"], "turn_failed", "{end}");
        error_text(&end)
    };
    println!("{} with the API unreachable: {error}", agent.provider());
    assert!(!error.trim().is_empty());
    finish(&rig, client, daemon);
}

/// How a test answers claude's permission prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// `allow` with `allow_once`.
    AllowOnce,
    /// `allow` with `allow_always`: a second identical command
    /// runs without asking.
    AllowAlways,
    /// `deny` with the deny action's id as listed.
    Reject,
}

/// Waits for claude's permission request; returns `(permission id,
/// actions as (id, behavior))`.
async fn permission_asked(client: &mut Client) -> (String, Vec<(String, String)>) {
    let asked = client
        .wait_within(TURN_DEADLINE, |m| m["type"] == "agent_permission_request")
        .await;
    let request = asked["payload"]["request"].clone();
    let id = request["id"].as_str().expect("permission id").to_owned();
    let actions = request["actions"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|a| {
            (
                a["id"].as_str().unwrap_or_default().to_owned(),
                a["behavior"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    (id, actions)
}

/// claude asks to run `touch created_by_agent.txt` (the fake LLM's
/// `Bash` tool call); the answer flows back and decides whether it runs.
async fn claude_tool_call(answer: Answer) {
    let rig = Rig::new(Agent::Claude, Llm::Fake);
    let daemon = rig.daemon(&[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-perm").await;
    let id = create_ok(&mut client, &rig, "c", "PLEASE_USE_TOOL").await;
    let (permission, actions) = permission_asked(&mut client).await;
    let behaviors: Vec<&str> = actions.iter().map(|(_, b)| b.as_str()).collect();
    assert_eq!(behaviors, ["allow", "allow", "deny"], "{actions:?}");
    let ids: Vec<&str> = actions.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        ids,
        ["allow_always", "allow_once", "reject_once"],
        "action ids are ACP kinds"
    );
    let snapshot = fetch(&mut client, &id, "f").await;
    assert_eq!(snapshot["pendingPermissions"][0]["id"], permission.as_str());
    assert_eq!(snapshot["requiresAttention"], true);
    let deny_action = actions
        .iter()
        .find(|(_, b)| b == "deny")
        .map(|(id, _)| id.clone())
        .expect("a deny action");
    let response = match answer {
        Answer::AllowOnce => json!({"behavior": "allow", "selectedActionId": "allow_once"}),
        Answer::AllowAlways => json!({"behavior": "allow", "selectedActionId": "allow_always"}),
        Answer::Reject => {
            json!({"behavior": "deny", "selectedActionId": deny_action, "message": "not now"})
        }
    };
    client
        .send(json!({"type": "agent_permission_response", "agentId": id,
                     "requestId": permission, "response": response}))
        .await;
    let resolved = client
        .wait(|m| m["type"] == "agent_permission_resolved")
        .await;
    assert_eq!(resolved["payload"]["requestId"], permission.as_str());
    let end = turn_end(&mut client, &id).await;
    assert_eq!(end["type"], "turn_completed", "{end}");
    let created = rig.cwd().join("created_by_agent.txt");
    let allowed = answer != Answer::Reject;
    assert_eq!(created.exists(), allowed, "the command ran only if allowed");
    let tools = rows_of(&mut client, &id, "t", "tool_call").await;
    let last = tools.last().expect("tool call rows");
    assert_eq!(
        last["item"]["status"],
        if allowed { "completed" } else { "failed" },
        "{tools:#?}"
    );
    assert_eq!(
        fetch(&mut client, &id, "f2").await["pendingPermissions"],
        json!([])
    );

    if answer == Answer::AllowAlways {
        // The same command again: remembered, so no new prompt.
        std::fs::remove_file(&created).expect("remove");
        send(&mut client, &id, "s", "PLEASE_USE_TOOL once more").await;
        let end = turn_end(&mut client, &id).await;
        assert_eq!(end["type"], "turn_completed", "{end}");
        assert!(created.exists(), "ran again without asking");
        let asked_again = client
            .log
            .iter()
            .filter(|m| m["type"] == "agent_permission_request")
            .count();
        assert_eq!(asked_again, 1, "allow_always was remembered");
    }
    finish(&rig, client, daemon);
}

/// claude's process is killed mid-turn: the turn fails, the agent is in
/// `error` and resumes on the next prompt.
async fn claude_crash_mid_turn() {
    let rig = Rig::new(Agent::Claude, Llm::Fake);
    let daemon = rig.daemon(&[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-crash").await;
    let id = create_ok(&mut client, &rig, "c", "PLEASE_BE_SLOW").await;
    first_tick(&mut client, &id).await;
    assert!(rig.kill_agent_processes(daemon.pid()) > 0);
    let end = turn_end(&mut client, &id).await;
    assert_eq!(end["type"], "turn_failed", "{end}");
    let error = error_text(&end);
    assert!(error.contains("exited unexpectedly"), "{error:?}");
    assert_eq!(fetch(&mut client, &id, "f").await["status"], "error");

    next_prompt_completes(&mut client, &id, "resumable after a crash").await;
    finish(&rig, client, daemon);
}

/// The providers snapshot lists the four with their real modes once a
/// session has run, and as available.
async fn providers_listed(agent: Agent, mode: &str) {
    let rig = Rig::new(agent, Llm::Fake);
    let daemon = rig.daemon(&[]);
    let mut client = Client::connect(&daemon.ws_url(), "cid-providers").await;
    let answer = client
        .request(json!({"type": "list_available_providers_request", "requestId": "p"}))
        .await;
    let providers = answer["payload"]["providers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let entry = providers
        .iter()
        .find(|p| p["provider"] == agent.provider() || p["id"] == agent.provider())
        .unwrap_or_else(|| panic!("{} listed: {answer}", agent.provider()));
    assert_eq!(entry["available"], true, "{entry}");
    let id = create_ok(&mut client, &rig, "c", "Say hi").await;
    assert_eq!(turn_end(&mut client, &id).await["type"], "turn_completed");
    let snapshot = client
        .request(json!({"type": "get_providers_snapshot_request", "requestId": "s"}))
        .await;
    let text = snapshot.to_string();
    assert!(
        text.contains(mode),
        "{} mode {mode} in {text}",
        agent.provider()
    );
    finish(&rig, client, daemon);
}

macro_rules! per_agent {
    ($agent:ident, $mod:ident, wants = $wants:literal, mode = $mode:literal) => {
        mod $mod {
            use super::*;

            #[tokio::test]
            #[ignore = "real-agent tier: scripts/test.sh (needs PASEO_AGENTS_DIR)"]
            async fn finished_turn_then_resume_after_restart() {
                turn_then_resume(Agent::$agent).await;
            }

            #[tokio::test]
            #[ignore = "real-agent tier: scripts/test.sh (needs PASEO_AGENTS_DIR)"]
            async fn import_by_provider_session_id() {
                import_by_session_id(Agent::$agent).await;
            }

            #[tokio::test]
            #[ignore = "real-agent tier: scripts/test.sh (needs PASEO_AGENTS_DIR)"]
            async fn cancel_mid_stream_then_next_prompt() {
                cancel_mid_stream(Agent::$agent).await;
            }

            #[tokio::test]
            #[ignore = "real-agent tier: scripts/test.sh (needs PASEO_AGENTS_DIR)"]
            async fn prompt_timeout_fails_then_resumes() {
                prompt_timeout(Agent::$agent).await;
            }

            #[tokio::test]
            #[ignore = "real-agent tier: scripts/test.sh (needs PASEO_AGENTS_DIR)"]
            async fn without_credentials_says_what_to_set() {
                without_credentials(Agent::$agent, $wants).await;
            }

            #[tokio::test]
            #[ignore = "real-agent tier: scripts/test.sh (needs PASEO_AGENTS_DIR)"]
            async fn unreachable_api_fails_the_turn() {
                network_unreachable(Agent::$agent).await;
            }

            #[tokio::test]
            #[ignore = "real-agent tier: scripts/test.sh (needs PASEO_AGENTS_DIR)"]
            async fn listed_with_real_modes() {
                providers_listed(Agent::$agent, $mode).await;
            }
        }
    };
}

per_agent!(
    Claude,
    claude,
    wants = "ANTHROPIC_API_KEY",
    mode = "acceptEdits"
);
per_agent!(Codex, codex, wants = "OPENAI_API_KEY", mode = "full-access");
per_agent!(Gemini, gemini, wants = "GEMINI_API_KEY", mode = "autoEdit");
per_agent!(
    OpenCode,
    opencode,
    wants = "opencode auth login",
    mode = "plan"
);

#[tokio::test]
#[ignore = "real-agent tier: scripts/test.sh (needs PASEO_AGENTS_DIR)"]
async fn claude_tool_call_allowed_once_runs_the_command() {
    claude_tool_call(Answer::AllowOnce).await;
}

#[tokio::test]
#[ignore = "real-agent tier: scripts/test.sh (needs PASEO_AGENTS_DIR)"]
async fn claude_tool_call_allowed_always_is_remembered() {
    claude_tool_call(Answer::AllowAlways).await;
}

#[tokio::test]
#[ignore = "real-agent tier: scripts/test.sh (needs PASEO_AGENTS_DIR)"]
async fn claude_tool_call_rejected_does_not_run() {
    claude_tool_call(Answer::Reject).await;
}

#[tokio::test]
#[ignore = "real-agent tier: scripts/test.sh (needs PASEO_AGENTS_DIR)"]
async fn claude_crash_mid_turn_then_resume() {
    claude_crash_mid_turn().await;
}

/// Fast tier (no agents needed): with none of the four installed, each is
/// listed as unavailable with the reason, and creating one fails at once
/// with that reason and `provider_unavailable`.
#[tokio::test]
async fn missing_agents_are_listed_unavailable_and_refused_clearly() {
    let home = tempfile::tempdir().expect("home");
    let empty = tempfile::tempdir().expect("empty PATH dir");
    let cwd = tempfile::tempdir().expect("cwd");
    let mut cmd = support::daemon_command(home.path(), &["--listen", "127.0.0.1:0"]);
    cmd.env("PATH", empty.path());
    let daemon = support::DaemonProcess::spawn_with(cmd);
    let mut client = Client::connect(&daemon.ws_url(), "cid-missing").await;
    let answer = client
        .request(json!({"type": "list_available_providers_request", "requestId": "p"}))
        .await;
    let providers = answer["payload"]["providers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (id, program) in [
        ("claude", "claude-agent-acp"),
        ("codex", "codex-acp"),
        ("gemini", "gemini"),
        ("opencode", "opencode"),
    ] {
        let entry = providers
            .iter()
            .find(|p| p["provider"] == id)
            .unwrap_or_else(|| panic!("{id} listed: {answer}"));
        assert_eq!(entry["available"], false, "{entry}");
        assert_eq!(
            entry["error"],
            format!("`{program}` not found on PATH").as_str(),
            "{entry}"
        );
        let failed = client
            .request(
                json!({"type": "create_agent_request", "requestId": format!("c-{id}"),
                            "config": {"provider": id, "cwd": cwd.path()}, "labels": {},
                            "initialPrompt": "hi"}),
            )
            .await;
        assert_eq!(
            failed["payload"]["status"], "agent_create_failed",
            "{failed}"
        );
        assert_eq!(
            failed["payload"]["errorCode"], "provider_unavailable",
            "{failed}"
        );
        assert!(
            failed["payload"]["error"]
                .as_str()
                .is_some_and(|e| e.contains(&format!("`{program}` not found on PATH"))),
            "{failed}"
        );
    }
}
