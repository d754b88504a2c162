//! Protocol-level behaviour: handshake shapes, the plain turn, and the
//! JSON-RPC error paths.

use serde_json::json;

use crate::client::{Agent, chunk, chunks, updates};

#[tokio::test]
async fn initialize_and_session_new_have_the_acp_shapes() {
    let home = tempfile::tempdir().expect("home");
    let mut agent = Agent::spawn(home.path());
    let (init, _) = agent
        .request(
            "initialize",
            json!({"protocolVersion": 1, "clientInfo": {"name": "t"}}),
        )
        .await;
    let result = &init["result"];
    assert_eq!(result["protocolVersion"], 1);
    assert_eq!(result["agentCapabilities"]["loadSession"], true);
    assert!(result["agentCapabilities"]["promptCapabilities"].is_object());
    assert_eq!(result["authMethods"], json!([]));
    assert_eq!(result["agentInfo"]["name"], "paseo-test-agent");

    let session = agent.new_session(home.path()).await;
    let id = session["sessionId"].as_str().expect("sessionId");
    assert_eq!(id.len(), 36, "UUID: {id}");
    assert_eq!(session["modes"]["currentModeId"], "default");
    let modes = session["modes"]["availableModes"]
        .as_array()
        .expect("modes");
    assert!(
        modes
            .iter()
            .all(|m| m["id"].is_string() && m["name"].is_string())
    );
    let commands = agent.recv().await;
    assert_eq!(
        commands["params"]["update"]["sessionUpdate"],
        "available_commands_update"
    );
    assert_eq!(agent.close().await.code(), Some(0));
}

#[tokio::test]
async fn a_plain_prompt_thinks_then_says_hi_there() {
    let home = tempfile::tempdir().expect("home");
    let mut agent = Agent::start(home.path()).await;
    let session = agent.new_session(home.path()).await;
    let id = session["sessionId"].as_str().expect("sessionId");
    let prompt = agent.start_prompt(id, "say hi").await;
    let (response, before) = agent.response_to(&prompt).await;
    assert_eq!(response["result"], json!({"stopReason": "end_turn"}));
    let thought = "agent_thought_chunk";
    let said = "agent_message_chunk";
    let got = chunks(&updates(&before));
    assert_eq!(got.len(), 5, "{got:?}");
    assert!(got[..2].iter().all(|(kind, _)| kind == thought), "{got:?}");
    assert_eq!(
        got[2..],
        [chunk(said, "Hi"), chunk(said, " there"), chunk(said, "!")]
    );
}

#[tokio::test]
async fn errors_are_json_rpc_errors_and_the_agent_keeps_running() {
    let home = tempfile::tempdir().expect("home");
    let mut agent = Agent::start(home.path()).await;
    let (unknown, _) = agent.request("session/teleport", json!({})).await;
    assert_eq!(unknown["error"]["code"], -32601);

    agent.send_line("this is {not json").await;
    let garbage = agent.recv().await;
    assert_eq!(garbage["error"]["code"], -32700);
    assert!(garbage["id"].is_null());

    let missing = json!({"sessionId": "00000000-0000-4000-8000-000000000000",
        "cwd": home.path(), "mcpServers": []});
    let (load, _) = agent.request("session/load", missing).await;
    assert_eq!(load["error"]["code"], -32002);
    assert_eq!(load["error"]["message"], "Session not found");
    let (traversal, _) = agent
        .request(
            "session/load",
            json!({"sessionId": "../../etc/passwd", "cwd": "/"}),
        )
        .await;
    assert_eq!(traversal["error"]["code"], -32002);

    let (relative, _) = agent.request("session/new", json!({"cwd": "rel"})).await;
    assert_eq!(relative["error"]["code"], -32602);
    let session = agent.new_session(home.path()).await;
    assert!(session["sessionId"].is_string(), "still alive: {session}");
}

#[tokio::test]
async fn fail_auth_answers_authentication_required() {
    let home = tempfile::tempdir().expect("home");
    let mut agent = Agent::start(home.path()).await;
    let session = agent.new_session(home.path()).await;
    let id = session["sessionId"].as_str().expect("sessionId");
    let prompt = agent.start_prompt(id, "FAIL_AUTH").await;
    let (response, _) = agent.response_to(&prompt).await;
    assert_eq!(response["error"]["code"], -32000);
    assert_eq!(response["error"]["message"], "Authentication required");
}

#[tokio::test]
async fn set_mode_is_confirmed_by_a_current_mode_update() {
    let home = tempfile::tempdir().expect("home");
    let mut agent = Agent::start(home.path()).await;
    let session = agent.new_session(home.path()).await;
    let id = session["sessionId"].as_str().expect("sessionId");
    let (set, _) = agent
        .request(
            "session/set_mode",
            json!({"sessionId": id, "modeId": "acceptEdits"}),
        )
        .await;
    assert!(set.get("result").is_some(), "{set}");
    let (update, _) = agent
        .read_until(|m| m["params"]["update"]["sessionUpdate"] == "current_mode_update")
        .await;
    assert_eq!(update["params"]["update"]["currentModeId"], "acceptEdits");
    let (bad, _) = agent
        .request(
            "session/set_mode",
            json!({"sessionId": id, "modeId": "yolo"}),
        )
        .await;
    assert_eq!(bad["error"]["code"], -32602);
}
