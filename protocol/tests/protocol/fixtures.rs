//! Every recorded Paseo frame that belongs to our subset decodes into our
//! types without falling into a catch-all, and re-encodes carrying every key
//! (and value) of the original. Frames outside the subset must decode to
//! `Unknown` rather than fail.

use protocol::testing::{FixtureDir, FixtureFrame, fixture_frames, json_keys_superset};
use protocol::{
    AgentFeature, AgentSnapshot, AgentUpdate, ClientFrame, DecodeError, PermissionRequest,
    ServerFrame, SessionMessage, SessionRequest, StatusPayload, StreamEvent, TimelineItem,
    ToolCallDetail, decode_client_frame, decode_server_frame,
};
use serde_json::Value;

const FIXTURES: [&str; 2] = ["paseo-v1-head-frames.jsonl", "paseo-v1-cli-frames.jsonl"];

/// Session requests outside our subset (running terminals), plus
/// `list_agents_request`, a made-up type the recording used to provoke
/// `unknown_schema`.
const UNKNOWN_REQUESTS: [&str; 4] = [
    "create_terminal_request",
    "capture_terminal_request",
    "kill_terminal_request",
    "list_agents_request",
];

/// Session messages outside our subset (running terminals).
const UNKNOWN_MESSAGES: [&str; 3] = [
    "create_terminal_response",
    "capture_terminal_response",
    "kill_terminal_response",
];

/// Client frames recorded on purpose as invalid: they must fail to decode.
const INVALID_NOTES: [&str; 1] = ["hello missing clientType/protocolVersion"];

fn label(name: &str, index: usize, frame: &FixtureFrame) -> String {
    format!(
        "{name} #{index} ({} {:?})",
        frame.session_type().or(frame.frame_type()).unwrap_or("?"),
        frame.note
    )
}

fn assert_superset(ours: &impl serde::Serialize, theirs: &Value, what: &str) {
    let ours = serde_json::to_value(ours).expect("re-encodes");
    if let Err(err) = json_keys_superset(&ours, theirs) {
        panic!("{what}: re-encoded frame lost data: {err}\nours:   {ours}\ntheirs: {theirs}");
    }
}

fn check_detail(detail: &ToolCallDetail, what: &str) {
    assert!(
        !matches!(detail, ToolCallDetail::Unrecognized(_)),
        "{what}: unrecognized tool detail {detail:?}"
    );
}

fn check_permission(request: &PermissionRequest, what: &str) {
    if let Some(detail) = &request.detail {
        check_detail(detail, what);
    }
}

fn check_item(item: &TimelineItem, what: &str) {
    match item {
        TimelineItem::Unknown(raw) => panic!("{what}: unknown timeline item {raw}"),
        TimelineItem::ToolCall(call) => check_detail(&call.detail, what),
        _ => {}
    }
}

fn check_snapshot(agent: &AgentSnapshot, what: &str) {
    for feature in agent.features.iter().flatten() {
        assert!(
            !matches!(feature, AgentFeature::Unknown(_)),
            "{what}: unknown feature {feature:?}"
        );
    }
    for request in &agent.pending_permissions {
        check_permission(request, what);
    }
}

/// Fails on any catch-all variant reachable from a daemon message.
fn check_message(message: &SessionMessage, what: &str) {
    match message {
        SessionMessage::Unknown => panic!("{what}: decoded to SessionMessage::Unknown"),
        SessionMessage::Status(status) => match status {
            StatusPayload::Unknown => panic!("{what}: decoded to StatusPayload::Unknown"),
            StatusPayload::AgentCreated { agent, .. }
            | StatusPayload::AgentResumed { agent, .. } => check_snapshot(agent, what),
            _ => {}
        },
        SessionMessage::FetchAgentsResponse(response) => {
            for entry in &response.entries {
                check_snapshot(&entry.agent, what);
            }
        }
        SessionMessage::AgentUpdate(AgentUpdate::Upsert { agent, .. }) => {
            check_snapshot(agent, what)
        }
        SessionMessage::FetchAgentResponse(response) => {
            response.agent.iter().for_each(|a| check_snapshot(a, what))
        }
        SessionMessage::CancelAgentResponse(response) => {
            response.agent.iter().for_each(|a| check_snapshot(a, what))
        }
        SessionMessage::WaitForFinishResponse(response) => response
            .final_agent
            .iter()
            .for_each(|a| check_snapshot(a, what)),
        SessionMessage::FetchAgentTimelineResponse(response) => {
            response.agent.iter().for_each(|a| check_snapshot(a, what));
            for entry in &response.entries {
                check_item(&entry.item, what);
            }
        }
        SessionMessage::AgentStream(stream) => match &stream.event {
            StreamEvent::Unknown(raw) => panic!("{what}: unknown stream event {raw}"),
            StreamEvent::Timeline { item, .. } => check_item(item, what),
            StreamEvent::PermissionRequested { request, .. } => check_permission(request, what),
            _ => {}
        },
        SessionMessage::AgentPermissionRequest(push) => check_permission(&push.request, what),
        _ => {}
    }
}

fn check_client_frame(name: &str, index: usize, frame: &FixtureFrame) -> bool {
    let what = label(name, index, frame);
    if let Some(raw) = frame.raw_text() {
        let err = decode_client_frame(raw).expect_err(&what);
        assert!(matches!(err, DecodeError::NotJson(_)), "{what}: {err:?}");
        return false;
    }
    if frame
        .note
        .as_deref()
        .is_some_and(|note| INVALID_NOTES.contains(&note))
    {
        let err = decode_client_frame(&frame.text()).expect_err(&what);
        assert!(
            matches!(err, DecodeError::Invalid { .. }),
            "{what}: {err:?}"
        );
        return false;
    }
    let decoded = decode_client_frame(&frame.text()).unwrap_or_else(|err| panic!("{what}: {err}"));
    match &decoded {
        ClientFrame::Unknown => panic!("{what}: decoded to ClientFrame::Unknown"),
        ClientFrame::Session { message } => {
            let session_type = frame.session_type().expect("session frames have a type");
            if UNKNOWN_REQUESTS.contains(&session_type) {
                assert_eq!(message, &SessionRequest::Unknown, "{what}");
                return false;
            }
            assert_ne!(message, &SessionRequest::Unknown, "{what}");
            assert_eq!(message.type_name(), session_type, "{what}");
            let request_id = frame.frame["message"]
                .get("requestId")
                .and_then(Value::as_str);
            assert_eq!(message.request_id(), request_id, "{what}");
        }
        _ => {}
    }
    assert_superset(&decoded, &frame.frame, &what);
    true
}

fn check_server_frame(name: &str, index: usize, frame: &FixtureFrame) -> bool {
    let what = label(name, index, frame);
    let decoded = decode_server_frame(&frame.text()).unwrap_or_else(|err| panic!("{what}: {err}"));
    match &decoded {
        ServerFrame::Unknown => panic!("{what}: decoded to ServerFrame::Unknown"),
        ServerFrame::Session { message } => {
            let session_type = frame.session_type().expect("session frames have a type");
            if UNKNOWN_MESSAGES.contains(&session_type) {
                assert_eq!(message, &SessionMessage::Unknown, "{what}");
                return false;
            }
            check_message(message, &what);
            assert_eq!(message.type_name(), session_type, "{what}");
        }
        ServerFrame::Pong => {}
    }
    assert_superset(&decoded, &frame.frame, &what);
    true
}

#[test]
fn fixture_frames_of_the_subset_round_trip() {
    let mut checked = 0;
    for name in FIXTURES {
        for (index, frame) in fixture_frames(name).iter().enumerate() {
            let in_subset = match frame.dir {
                FixtureDir::Meta => false,
                FixtureDir::Out => check_client_frame(name, index, frame),
                FixtureDir::In => check_server_frame(name, index, frame),
            };
            checked += usize::from(in_subset);
        }
    }
    // 2 files, 273 lines: 34 meta, 9 out of subset, 2 deliberately invalid.
    assert_eq!(checked, 228);
}

#[test]
fn every_out_of_subset_type_is_still_recorded() {
    // Keeps the exclusion lists minimal: each entry must match a real frame.
    let frames: Vec<FixtureFrame> = FIXTURES
        .iter()
        .flat_map(|name| fixture_frames(name))
        .collect();
    for excluded in UNKNOWN_REQUESTS.iter().chain(&UNKNOWN_MESSAGES) {
        assert!(
            frames.iter().any(|f| f.session_type() == Some(excluded)),
            "{excluded} is listed as out of subset but never recorded"
        );
    }
    for note in INVALID_NOTES {
        assert!(frames.iter().any(|f| f.note.as_deref() == Some(note)));
    }
}
