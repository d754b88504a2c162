//! Driving the daemon's offline `test` provider through the hub (so every
//! step also exercises request routing), and reading a daemon's own
//! timeline over a separate socket to compare the hub's mirror against it.

use std::path::{Path, PathBuf};

use futures_util::{SinkExt, StreamExt};
use hub::{DaemonKey, Hub};
use protocol::{
    AgentSessionConfig, CancelAgentRequest, ClientFrame, ClientType, CreateAgentRequest,
    FetchAgentTimelineRequest, FetchAgentTimelineResponse, Hello, PROTOCOL_VERSION, ServerFrame,
    SessionMessage, SessionRequest, StatusPayload, TimelineDirection, TimelineItem,
    TimelineProjection, WaitForFinishRequest, WaitForFinishResponse,
};
use tokio_tungstenite::tungstenite::Message;

use super::DEADLINE;

/// Fails fast, with the fix, when the offline test agent (and the daemon
/// binary) are not built where the daemon looks for them.
pub fn require_binaries() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    let deps = exe.parent().expect("exe dir");
    let bin_dir = deps.parent().expect("target profile dir").to_path_buf();
    for name in ["paseo-test-agent", "paseo-daemon"] {
        assert!(
            bin_dir.join(name).is_file(),
            "{} is missing: run `cargo build -p daemon -p test-agent --bins` with the same CARGO_TARGET_DIR before these tests (a workspace `cargo test` builds them)",
            bin_dir.join(name).display()
        );
    }
    bin_dir
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{:016x}", rand::random::<u64>())
}

/// Creates a `test` agent in `cwd` through the hub; returns its id.
pub async fn create_agent(hub: &Hub, key: &DaemonKey, cwd: &Path) -> String {
    let request = SessionRequest::CreateAgentRequest(CreateAgentRequest {
        request_id: "create".into(),
        config: AgentSessionConfig {
            provider: "test".into(),
            cwd: cwd.to_string_lossy().into_owned(),
            ..AgentSessionConfig::default()
        },
        ..CreateAgentRequest::default()
    });
    match hub.request(key, request).await {
        Ok(SessionMessage::Status(StatusPayload::AgentCreated {
            agent_id,
            request_id,
            ..
        })) => {
            assert_eq!(request_id, "create", "the caller's request id comes back");
            agent_id
        }
        other => panic!("agent_created expected, got {other:?}"),
    }
}

/// Sends a prompt through the hub and checks it was accepted.
pub async fn prompt(hub: &Hub, key: &DaemonKey, agent_id: &str, text: &str) {
    let request = SessionRequest::SendAgentMessageRequest(protocol::SendAgentMessageRequest {
        request_id: unique("send"),
        agent_id: agent_id.into(),
        text: text.into(),
        message_id: Some(unique("msg")),
        ..Default::default()
    });
    match hub.request(key, request).await {
        Ok(SessionMessage::SendAgentMessageResponse(answer)) if answer.accepted => {}
        other => panic!("accepted prompt expected, got {other:?}"),
    }
}

pub fn wait_request(agent_id: &str) -> SessionRequest {
    SessionRequest::WaitForFinishRequest(WaitForFinishRequest {
        request_id: unique("wait"),
        agent_id: agent_id.into(),
        timeout_ms: Some(DEADLINE.as_millis() as u64),
    })
}

/// Waits (through the hub) until the agent's turn is over.
pub async fn wait_for_finish(hub: &Hub, key: &DaemonKey, agent_id: &str) -> WaitForFinishResponse {
    match hub.request(key, wait_request(agent_id)).await {
        Ok(SessionMessage::WaitForFinishResponse(answer)) => answer,
        other => panic!("wait_for_finish_response expected, got {other:?}"),
    }
}

/// Cancels the agent's running turn through the hub.
pub async fn cancel(hub: &Hub, key: &DaemonKey, agent_id: &str) {
    let request = SessionRequest::CancelAgentRequest(CancelAgentRequest {
        agent_id: agent_id.into(),
        request_id: Some(unique("cancel")),
    });
    match hub.request(key, request).await {
        Ok(SessionMessage::CancelAgentResponse(_)) => {}
        other => panic!("cancel_agent_response expected, got {other:?}"),
    }
}

/// A daemon's durable timeline as `(seq_start, seq_end, item)`.
pub type Rows = Vec<(u64, u64, TimelineItem)>;

/// Every canonical row of `agent_id`, read directly from the daemon at
/// `url` over its own socket (not through the hub).
pub async fn daemon_timeline(url: &str, agent_id: &str) -> (String, Rows) {
    let (mut ws, _) = tokio::time::timeout(DEADLINE, tokio_tungstenite::connect_async(url))
        .await
        .expect("connect in time")
        .expect("connect");
    let hello = ClientFrame::Hello(Hello {
        client_id: unique("cid_direct"),
        client_type: ClientType::Cli,
        protocol_version: PROTOCOL_VERSION,
        app_version: Some(hub::config::DEFAULT_APP_VERSION.into()),
        capabilities: None,
    });
    send(&mut ws, &hello).await;
    let fetch = ClientFrame::Session {
        message: SessionRequest::FetchAgentTimelineRequest(FetchAgentTimelineRequest {
            agent_id: agent_id.into(),
            request_id: "direct".into(),
            direction: Some(TimelineDirection::After),
            cursor: None,
            limit: Some(0),
            projection: Some(TimelineProjection::Canonical),
        }),
    };
    send(&mut ws, &fetch).await;
    let page = tokio::time::timeout(DEADLINE, timeline_answer(&mut ws))
        .await
        .expect("timeline answer in time");
    let _ = ws.close(None).await;
    assert_eq!(page.error, None);
    let rows = page
        .entries
        .into_iter()
        .map(|entry| (entry.seq_start, entry.seq_end, entry.item))
        .collect();
    (page.epoch, rows)
}

/// Waits, on a separate socket to the daemon at `url`, for a live timeline
/// row of `agent_id` with seq ≥ `min_seq` (the daemon streams to every
/// session): proof the daemon wrote rows the hub may not have seen.
pub async fn daemon_row_at_least(url: &str, agent_id: &str, min_seq: u64) {
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    let hello = ClientFrame::Hello(Hello {
        client_id: unique("cid_watch"),
        client_type: ClientType::Cli,
        protocol_version: PROTOCOL_VERSION,
        app_version: Some(hub::config::DEFAULT_APP_VERSION.into()),
        capabilities: None,
    });
    send(&mut ws, &hello).await;
    let seen = async {
        while let Some(Ok(message)) = ws.next().await {
            let Message::Text(text) = message else {
                continue;
            };
            if let Ok(ServerFrame::Session {
                message: SessionMessage::AgentStream(payload),
            }) = serde_json::from_str(&text)
                && payload.agent_id == agent_id
                && payload.seq.is_some_and(|seq| seq >= min_seq)
            {
                return;
            }
        }
        panic!("the daemon closed before row {min_seq}");
    };
    tokio::time::timeout(DEADLINE, seen)
        .await
        .unwrap_or_else(|_| panic!("the daemon did not write row {min_seq} in time"));
    let _ = ws.close(None).await;
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn send(ws: &mut Ws, frame: &ClientFrame) {
    let text = serde_json::to_string(frame).expect("encode");
    ws.send(Message::text(text)).await.expect("send");
}

async fn timeline_answer(ws: &mut Ws) -> FetchAgentTimelineResponse {
    while let Some(Ok(message)) = ws.next().await {
        let Message::Text(text) = message else {
            continue;
        };
        if let Ok(ServerFrame::Session {
            message: SessionMessage::FetchAgentTimelineResponse(page),
        }) = serde_json::from_str(&text)
            && page.request_id == "direct"
        {
            return page;
        }
    }
    panic!("the daemon closed before answering the timeline fetch");
}

/// Sends one session request to the daemon at `url` over its own socket
/// (not through the hub) and returns the message answering its requestId.
pub async fn direct_request(url: &str, message: serde_json::Value) -> serde_json::Value {
    let id = message["requestId"].as_str().expect("requestId").to_owned();
    let (mut ws, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("connect");
    let hello = ClientFrame::Hello(Hello {
        client_id: unique("cid_direct"),
        client_type: ClientType::Cli,
        protocol_version: PROTOCOL_VERSION,
        app_version: Some(hub::config::DEFAULT_APP_VERSION.into()),
        capabilities: None,
    });
    send(&mut ws, &hello).await;
    let frame = serde_json::json!({"type": "session", "message": message});
    ws.send(Message::text(frame.to_string()))
        .await
        .expect("send");
    let answer = async {
        while let Some(Ok(frame)) = ws.next().await {
            let Message::Text(text) = frame else { continue };
            let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
                continue;
            };
            if value["message"]["payload"]["requestId"] == id.as_str() {
                return value["message"].clone();
            }
        }
        panic!("the daemon closed before answering {id}");
    };
    let answer = tokio::time::timeout(DEADLINE, answer)
        .await
        .expect("answer in time");
    let _ = ws.close(None).await;
    answer
}

/// The mirror's rows in the same shape as [`daemon_timeline`].
pub fn mirror_rows(mirror: &hub::TimelineMirror) -> Rows {
    mirror
        .items
        .iter()
        .map(|row| (row.seq_start, row.seq_end, row.item.clone()))
        .collect()
}
