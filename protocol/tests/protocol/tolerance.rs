//! Tolerant decoding: unknown types and unknown fields never break a
//! decode, while known messages with malformed bodies still fail. Also pins
//! the encodings the fixtures do not cover (permissions, tool calls,
//! checkout variants).

use protocol::testing::json_keys_superset;
use protocol::{
    AgentFeature, AgentStatus, Attachment, CheckoutStatus, ClientFrame, FetchAgentsRequest,
    PermissionBehavior, ServerFrame, SessionMessage, SessionRequest, StatusPayload, StreamEvent,
    TimelineItem, ToolCallDetail, decode_client_frame, decode_server_frame,
};
use serde_json::{Value, json};

fn server(value: Value) -> ServerFrame {
    decode_server_frame(&value.to_string()).unwrap_or_else(|err| panic!("{value}: {err}"))
}

fn session_message(value: Value) -> SessionMessage {
    match server(json!({"type": "session", "message": value})) {
        ServerFrame::Session { message } => message,
        other => panic!("not a session frame: {other:?}"),
    }
}

fn session_request(value: Value) -> SessionRequest {
    let frame = json!({"type": "session", "message": value});
    match decode_client_frame(&frame.to_string()).expect("decodes") {
        ClientFrame::Session { message } => message,
        other => panic!("not a session frame: {other:?}"),
    }
}

fn stream_event(event: Value) -> StreamEvent {
    let message = session_message(json!({
        "type": "agent_stream",
        "payload": {"agentId": "a1", "event": event, "timestamp": "2026-01-01T00:00:00.000Z"}
    }));
    match message {
        SessionMessage::AgentStream(payload) => payload.event,
        other => panic!("not agent_stream: {other:?}"),
    }
}

#[test]
fn unknown_top_level_types_decode_to_unknown() {
    let frame = decode_client_frame(r#"{"type":"voice_audio_chunk","audio":"AAAA","seq":3}"#)
        .expect("decodes");
    assert_eq!(frame, ClientFrame::Unknown);
    assert_eq!(
        server(json!({"type": "binary_mux", "channel": 2})),
        ServerFrame::Unknown
    );
}

#[test]
fn unknown_session_messages_decode_to_unknown_whatever_the_key_order() {
    for value in [
        json!({"type": "workspace_archived", "payload": {"kind": "upsert", "workspace": {"id": "x"}}}),
        json!({"payload": [1, {"a": null}], "type": "terminal_output"}),
        json!({"type": "future_message"}),
    ] {
        assert_eq!(session_message(value), SessionMessage::Unknown);
    }
    let request =
        session_request(json!({"type": "create_terminal_request", "cwd": "/", "requestId": "r"}));
    assert_eq!(request, SessionRequest::Unknown);
    assert_eq!(request.request_id(), None);
}

#[test]
fn known_messages_with_bad_payloads_still_fail() {
    let frame =
        json!({"type": "session", "message": {"type": "pong", "payload": {"requestId": 7}}});
    assert!(decode_server_frame(&frame.to_string()).is_err());
    let frame = json!({"type": "session", "message": {"type": "send_agent_message_request", "requestId": "r"}});
    assert!(decode_client_frame(&frame.to_string()).is_err());
}

#[test]
fn unknown_fields_are_ignored_everywhere() {
    let request = session_request(json!({
        "type": "send_agent_message_request", "requestId": "r1", "agentId": "a1",
        "text": "hi", "futureFlag": true, "images": [{"data": "AA", "mimeType": "image/png", "w": 1}]
    }));
    assert_eq!(request.type_name(), "send_agent_message_request");
    assert_eq!(request.request_id(), Some("r1"));

    let message = session_message(json!({
        "type": "agent_deleted", "payload": {"agentId": "a", "requestId": "r", "extra": {"x": 1}}
    }));
    assert_eq!(message.type_name(), "agent_deleted");

    let event = stream_event(
        json!({"type": "turn_canceled", "provider": "pi", "reason": "x", "turnId": "t"}),
    );
    assert_eq!(event.provider(), Some("pi"));
}

#[test]
fn unknown_status_and_enum_values_are_tolerated() {
    let message = session_message(json!({
        "type": "status", "payload": {"status": "workspace_setup_progress", "step": 2}
    }));
    assert_eq!(message, SessionMessage::Status(StatusPayload::Unknown));
    let status: AgentStatus = serde_json::from_value(json!("hibernating")).unwrap();
    assert_eq!(status, AgentStatus::Unknown);
}

#[test]
fn unknown_stream_content_is_kept_verbatim() {
    let raw = json!({"type": "model_changed", "provider": "codex", "model": "m"});
    let event = stream_event(raw.clone());
    assert_eq!(event, StreamEvent::Unknown(raw.clone()));
    assert_eq!(serde_json::to_value(&event).unwrap(), raw);
    assert_eq!(event.provider(), Some("codex"));

    let item = json!({"type": "image", "url": "x"});
    match stream_event(json!({"type": "timeline", "provider": "claude", "item": item})) {
        StreamEvent::Timeline {
            item: TimelineItem::Unknown(kept),
            ..
        } => assert_eq!(kept, item),
        other => panic!("{other:?}"),
    }

    let detail: ToolCallDetail =
        serde_json::from_value(json!({"type": "notebook_edit", "cell": 3})).unwrap();
    assert!(matches!(detail, ToolCallDetail::Unrecognized(_)));
    let feature: AgentFeature =
        serde_json::from_value(json!({"type": "slider", "id": "x", "min": 0})).unwrap();
    assert!(matches!(feature, AgentFeature::Unknown(_)));
    // A known type that is malformed is kept verbatim too, and a well-formed
    // one decodes whatever the key order (the hand-written tag match).
    let broken = json!({"type": "toggle", "id": "x"});
    let feature: AgentFeature = serde_json::from_value(broken.clone()).unwrap();
    assert_eq!(feature, AgentFeature::Unknown(broken));
    let feature: AgentFeature =
        serde_json::from_str(r#"{"id":"p","value":true,"label":"Plan","type":"toggle"}"#).unwrap();
    assert!(matches!(feature, AgentFeature::Toggle(ref t) if t.id == "p" && t.value));
    let json = serde_json::to_value(&feature).unwrap();
    assert_eq!(json["type"], "toggle");
}

#[test]
fn tool_calls_always_carry_error_and_the_unknown_detail_keeps_both_keys() {
    let raw = json!({
        "type": "tool_call", "callId": "c1", "name": "mcp__x",
        "detail": {"type": "unknown", "input": {"q": 1}, "output": null},
        "status": "running", "error": null
    });
    let item: TimelineItem = serde_json::from_value(raw.clone()).unwrap();
    match &item {
        TimelineItem::ToolCall(call) => {
            assert!(matches!(call.detail, ToolCallDetail::Unknown { .. }));
            assert_eq!(call.error, None);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(serde_json::to_value(&item).unwrap(), raw);

    let failed = json!({
        "type": "tool_call", "callId": "c2", "name": "Bash",
        "detail": {"type": "shell", "command": "false", "exitCode": 1},
        "status": "failed", "error": {"message": "exit 1"}
    });
    let item: TimelineItem = serde_json::from_value(failed.clone()).unwrap();
    json_keys_superset(&serde_json::to_value(&item).unwrap(), &failed).unwrap();
}

#[test]
fn permission_flow_round_trips() {
    let request = json!({
        "id": "perm-1", "provider": "claude", "name": "Bash", "kind": "tool",
        "title": "Run ls", "input": {"command": "ls"},
        "detail": {"type": "shell", "command": "ls", "exitCode": null},
        "actions": [{"id": "yes", "label": "Allow", "behavior": "allow", "variant": "primary"}]
    });
    let pushed = json!({"type": "agent_permission_request", "payload": {"agentId": "a1", "request": request}});
    let message = session_message(pushed.clone());
    json_keys_superset(&serde_json::to_value(&message).unwrap(), &pushed).unwrap();

    let answer = session_request(json!({
        "type": "agent_permission_response", "agentId": "a1", "requestId": "perm-1",
        "response": {"behavior": "deny", "message": "no", "interrupt": true}
    }));
    match &answer {
        SessionRequest::AgentPermissionResponse(r) => {
            assert_eq!(r.response.behavior(), PermissionBehavior::Deny)
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(answer.request_id(), Some("perm-1"));

    let resolved = json!({"type": "permission_resolved", "provider": "claude", "requestId": "perm-1",
        "resolution": {"behavior": "allow", "selectedActionId": "yes"}});
    let event = stream_event(resolved.clone());
    assert_eq!(serde_json::to_value(&event).unwrap(), resolved);
}

#[test]
fn checkout_status_serializes_the_keys_of_its_variant() {
    let not_git = json!({
        "cwd": "/tmp", "isGit": false, "repoRoot": null, "currentBranch": null, "isDirty": null,
        "baseRef": null, "aheadBehind": null, "aheadOfOrigin": null, "behindOfOrigin": null,
        "hasRemote": false, "remoteUrl": null, "isPaseoOwnedWorktree": false,
        "error": {"code": "NOT_GIT_REPO", "message": "not a repo"}, "requestId": "r"
    });
    let status: CheckoutStatus = serde_json::from_value(not_git.clone()).unwrap();
    assert_eq!(serde_json::to_value(&status).unwrap(), not_git);

    let worktree = json!({
        "cwd": "/w", "isGit": true, "repoRoot": "/w", "mainRepoRoot": "/main", "currentBranch": "b",
        "isDirty": false, "baseRef": "main", "aheadBehind": {"ahead": 1, "behind": 0},
        "aheadOfOrigin": null, "behindOfOrigin": null, "hasRemote": true,
        "remoteUrl": "git@x:y.git", "isPaseoOwnedWorktree": true, "error": null, "requestId": "r"
    });
    let status: CheckoutStatus = serde_json::from_value(worktree.clone()).unwrap();
    assert_eq!(serde_json::to_value(&status).unwrap(), worktree);
}

#[test]
fn attachments_are_lenient_like_paseo() {
    let request = session_request(json!({
        "type": "create_agent_request", "requestId": "r",
        "config": {"provider": "opencode", "cwd": "/p"},
        "attachments": [
            {"type": "text", "mimeType": "text/plain", "text": "notes"},
            {"type": "github_pr", "mimeType": "application/github-pr", "number": 0},
            42
        ]
    }));
    let SessionRequest::CreateAgentRequest(create) = request else {
        panic!()
    };
    let attachments = create.attachments.expect("kept");
    assert!(matches!(attachments[0], Attachment::Text { .. }));
    assert!(matches!(attachments[1], Attachment::Unknown(_)));
    assert!(matches!(attachments[2], Attachment::Unknown(_)));
    // Labels default to `{}` and are always sent.
    assert_eq!(serde_json::to_value(&create.labels).unwrap(), json!({}));

    let request = session_request(json!({
        "type": "send_agent_message_request", "requestId": "r", "agentId": "a",
        "text": "t", "attachments": "not a list"
    }));
    let SessionRequest::SendAgentMessageRequest(send) = request else {
        panic!()
    };
    assert_eq!(send.attachments, Some(Vec::new()));
}

#[test]
fn fetch_agents_filter_distinguishes_absent_from_null() {
    let request: FetchAgentsRequest = serde_json::from_value(json!({
        "requestId": "r", "scope": "active",
        "filter": {"includeArchived": true, "thinkingOptionId": null},
        "sort": [{"key": "status_priority", "direction": "asc"}]
    }))
    .unwrap();
    assert!(request.active_scope());
    let filter = request.parsed_filter().unwrap();
    assert_eq!(filter.include_archived, Some(true));
    assert_eq!(filter.thinking_option_id, Some(None));
    assert_eq!(request.parsed_sort().unwrap().len(), 1);

    let bare: FetchAgentsRequest = serde_json::from_value(json!({"requestId": "r"})).unwrap();
    assert_eq!(bare.parsed_filter().unwrap().thinking_option_id, None);
    assert!(bare.parsed_sort().unwrap().is_empty());
}

#[test]
fn requests_without_request_id_report_none() {
    let cancel = session_request(json!({"type": "cancel_agent_request", "agentId": "a"}));
    assert_eq!(cancel.request_id(), None);
    let clear = session_request(json!({"type": "clear_agent_attention", "agentId": ["a", "b"]}));
    assert_eq!(clear.request_id(), None);
    let heartbeat = session_request(json!({
        "type": "client_heartbeat", "deviceType": "web", "focusedAgentId": null,
        "lastActivityAt": "2026-01-01T00:00:00.000Z", "appVisible": true
    }));
    assert_eq!(heartbeat.type_name(), "client_heartbeat");
    assert_eq!(heartbeat.request_id(), None);
}
