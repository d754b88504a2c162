//! Turn lifecycle: cancel, hang, crash, plans, EOF, and replay after restart.

use std::time::Duration;

use serde_json::json;
use tokio::time::timeout;

use crate::client::{Agent, chunk, chunks, updates};

#[tokio::test]
async fn slow_turn_is_cancelled_promptly() {
    let home = tempfile::tempdir().expect("home");
    let mut agent = Agent::start(home.path()).await;
    let session = agent.new_session(home.path()).await;
    let id = session["sessionId"].as_str().expect("sessionId");
    let prompt = agent.start_prompt(id, "PLEASE_BE_SLOW count").await;
    agent
        .read_until(|m| m["params"]["update"]["content"]["text"] == "tick1 ")
        .await;
    let cancel = json!({"jsonrpc": "2.0", "method": "session/cancel", "params": {"sessionId": id}});
    agent.send(&cancel).await;
    let (response, _) = timeout(Duration::from_secs(2), agent.response_to(&prompt))
        .await
        .expect("cancel answered within 2 s");
    assert_eq!(response["result"]["stopReason"], "cancelled");
}

#[tokio::test]
async fn hang_forever_ignores_cancel_but_the_agent_stays_responsive() {
    let home = tempfile::tempdir().expect("home");
    let mut agent = Agent::start(home.path()).await;
    let session = agent.new_session(home.path()).await;
    let id = session["sessionId"].as_str().expect("sessionId");
    let prompt = agent.start_prompt(id, "HANG_FOREVER").await;
    let cancel = json!({"jsonrpc": "2.0", "method": "session/cancel", "params": {"sessionId": id}});
    agent.send(&cancel).await;
    let (ping, _) = agent.request("ping/unknown", json!({})).await;
    assert_eq!(ping["error"]["code"], -32601);
    let answered = timeout(Duration::from_millis(500), agent.response_to(&prompt)).await;
    assert!(answered.is_err(), "HANG_FOREVER must not answer");
}

#[tokio::test]
async fn crash_now_exits_with_code_3_after_one_chunk() {
    let home = tempfile::tempdir().expect("home");
    let mut agent = Agent::start(home.path()).await;
    let session = agent.new_session(home.path()).await;
    let id = session["sessionId"].as_str().expect("sessionId");
    agent.start_prompt(id, "CRASH_NOW").await;
    let (first, _) = agent
        .read_until(|m| m["params"]["update"]["sessionUpdate"] == "agent_message_chunk")
        .await;
    assert_eq!(first["params"]["update"]["content"]["text"], "Hi");
    assert_eq!(agent.wait().await.code(), Some(3));
}

#[tokio::test]
async fn use_todo_sends_a_plan_before_the_reply() {
    let home = tempfile::tempdir().expect("home");
    let mut agent = Agent::start(home.path()).await;
    let session = agent.new_session(home.path()).await;
    let id = session["sessionId"].as_str().expect("sessionId");
    let prompt = agent.start_prompt(id, "USE_TODO").await;
    let (_, before) = agent.response_to(&prompt).await;
    let kinds: Vec<_> = updates(&before)
        .iter()
        .map(|u| u["sessionUpdate"].as_str().unwrap_or_default().to_owned())
        .collect();
    let plan = kinds.iter().position(|k| k == "plan").expect("plan update");
    let reply = kinds
        .iter()
        .position(|k| k == "agent_message_chunk")
        .expect("reply");
    assert!(plan < reply, "{kinds:?}");
    let entries = &updates(&before)[plan]["entries"];
    assert_eq!(entries.as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn session_load_after_a_restart_replays_the_conversation() {
    let home = tempfile::tempdir().expect("home");
    let mut first = Agent::start(home.path()).await;
    let session = first.new_session(home.path()).await;
    let id = session["sessionId"].as_str().expect("sessionId").to_owned();
    let prompt = first.start_prompt(&id, "hello there").await;
    first.response_to(&prompt).await;
    assert_eq!(first.close().await.code(), Some(0), "exit 0 on stdin EOF");

    let mut second = Agent::start(home.path()).await;
    let params = json!({"sessionId": id, "cwd": home.path(), "mcpServers": []});
    let (loaded, before) = second.request("session/load", params).await;
    assert!(loaded.get("error").is_none(), "{loaded}");
    let replayed = updates(&before);
    let said = "agent_message_chunk";
    let got = chunks(&replayed);
    assert_eq!(got[0], chunk("user_message_chunk", "hello there"));
    assert_eq!(
        got[got.len() - 3..],
        [chunk(said, "Hi"), chunk(said, " there"), chunk(said, "!")]
    );

    let again = second.start_prompt(&id, "and again").await;
    let (response, _) = second.response_to(&again).await;
    assert_eq!(response["result"]["stopReason"], "end_turn");
}
