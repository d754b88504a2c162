//! The `EDIT_FILE` tool call: permission request, file write, diff update.

use std::path::Path;

use serde_json::{Value, json};

use crate::client::{Agent, updates};

const LINE: &str = "Edited by paseo-test-agent.\n";

/// Starts an agent with one session whose cwd is `cwd`; returns the id.
async fn session_in(home: &Path, cwd: &Path) -> (Agent, String) {
    let mut agent = Agent::start(home).await;
    let session = agent.new_session(cwd).await;
    let id = session["sessionId"].as_str().expect("sessionId").to_owned();
    (agent, id)
}

/// Reads up to the permission request; returns it and the updates before it.
async fn permission_request(agent: &mut Agent) -> (Value, Vec<Value>) {
    let (request, before) = agent
        .read_until(|m| m["method"] == "session/request_permission")
        .await;
    (request, updates(&before))
}

/// Answers a permission request with `option_id`.
async fn answer(agent: &mut Agent, request: &Value, option_id: &str) {
    let outcome = json!({"outcome": {"outcome": "selected", "optionId": option_id}});
    agent
        .send(&json!({"jsonrpc": "2.0", "id": request["id"], "result": outcome}))
        .await;
}

fn tool_updates(updates: &[Value]) -> Vec<Value> {
    updates
        .iter()
        .filter(|u| u["sessionUpdate"] == "tool_call_update")
        .cloned()
        .collect()
}

#[tokio::test]
async fn allowed_edit_writes_notes_md_and_reports_a_diff() {
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let (mut agent, id) = session_in(home.path(), cwd.path()).await;
    let prompt = agent.start_prompt(&id, "please EDIT_FILE").await;

    let (request, before) = permission_request(&mut agent).await;
    assert_eq!(request["id"], 0, "agent ids start at 0");
    let call = before
        .iter()
        .find(|u| u["sessionUpdate"] == "tool_call")
        .expect("tool_call");
    assert_eq!(call["kind"], "edit");
    assert_eq!(call["status"], "pending");
    assert_eq!(call["title"], "Edit notes.md");
    assert_eq!(
        request["params"]["toolCall"]["toolCallId"],
        call["toolCallId"]
    );
    let kinds: Vec<_> = request["params"]["options"]
        .as_array()
        .expect("options")
        .iter()
        .map(|o| o["kind"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(kinds, ["allow_once", "allow_always", "reject_once"]);

    answer(&mut agent, &request, "allow_once").await;
    let (response, after) = agent.response_to(&prompt).await;
    assert_eq!(response["result"]["stopReason"], "end_turn");
    let done = tool_updates(&updates(&after))
        .pop()
        .expect("tool_call_update");
    assert_eq!(done["status"], "completed");
    let diff = &done["content"][0];
    assert_eq!(diff["type"], "diff");
    assert!(diff["oldText"].is_null());
    assert_eq!(diff["newText"], LINE);
    let written = std::fs::read_to_string(cwd.path().join("notes.md")).expect("notes.md");
    assert_eq!(written, LINE);
}

#[tokio::test]
async fn rejected_edit_fails_and_writes_nothing() {
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let (mut agent, id) = session_in(home.path(), cwd.path()).await;
    let prompt = agent.start_prompt(&id, "EDIT_FILE").await;
    let (request, _) = permission_request(&mut agent).await;
    answer(&mut agent, &request, "reject_once").await;
    let (response, after) = agent.response_to(&prompt).await;
    assert_eq!(response["result"]["stopReason"], "end_turn");
    let failed = tool_updates(&updates(&after))
        .pop()
        .expect("tool_call_update");
    assert_eq!(failed["status"], "failed");
    assert_eq!(failed["content"][0]["content"]["text"], "Permission denied");
    assert!(!cwd.path().join("notes.md").exists());
}

#[tokio::test]
async fn allow_always_is_not_asked_again() {
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let (mut agent, id) = session_in(home.path(), cwd.path()).await;
    let first = agent.start_prompt(&id, "EDIT_FILE").await;
    let (request, _) = permission_request(&mut agent).await;
    answer(&mut agent, &request, "allow_always").await;
    agent.response_to(&first).await;

    let second = agent.start_prompt(&id, "EDIT_FILE again").await;
    let (response, before) = agent.response_to(&second).await;
    assert_eq!(response["result"]["stopReason"], "end_turn");
    assert!(
        before
            .iter()
            .all(|m| m["method"] != "session/request_permission")
    );
    let done = tool_updates(&updates(&before))
        .pop()
        .expect("tool_call_update");
    assert_eq!(done["content"][0]["oldText"], LINE);
    let written = std::fs::read_to_string(cwd.path().join("notes.md")).expect("notes.md");
    assert_eq!(written, LINE.repeat(2));
}

#[tokio::test]
async fn paths_outside_the_cwd_are_refused_without_asking() {
    let home = tempfile::tempdir().expect("home");
    let cwd = tempfile::tempdir().expect("cwd");
    let (mut agent, id) = session_in(home.path(), cwd.path()).await;
    let prompt = agent.start_prompt(&id, "EDIT_FILE=../escape.md").await;
    let (response, before) = agent.response_to(&prompt).await;
    assert_eq!(response["result"]["stopReason"], "end_turn");
    assert!(
        before
            .iter()
            .all(|m| m["method"] != "session/request_permission")
    );
    let failed = tool_updates(&updates(&before))
        .pop()
        .expect("tool_call_update");
    assert_eq!(failed["status"], "failed");
    let parent = cwd.path().parent().expect("parent");
    assert!(!parent.join("escape.md").exists());
}
