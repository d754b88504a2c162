//! The synthetic daemons, run in a child process so the hub's memory and
//! CPU are measured apart from theirs. Each listens on its own port, says
//! hello like a Paseo daemon, answers the requests a hub sends on connect
//! (agent list, providers, timeline tails, pings), and after `go` on stdin
//! replays recorded `agent_stream` timeline frames for its agents, round
//! robin, either as fast as it can or at a fixed rate. Each frame's
//! `timestamp` is its send time in Unix nanoseconds, for latency.

use std::io::BufRead;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

use crate::fixture;

/// What every synthetic daemon does.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub daemons: usize,
    pub agents: usize,
    /// Frames each daemon streams after `go`.
    pub frames: usize,
    /// Frames per second per daemon; 0 = as fast as possible.
    pub rate: u64,
}

pub fn agent_id(daemon: usize, agent: usize) -> String {
    format!("agent-{daemon:03}-{agent:03}")
}

pub fn now_nanos() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// Child-process entry: serve `plan` until stdin closes.
pub fn serve(plan: Plan) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async move {
        let (go_tx, go) = watch::channel(false);
        let templates = Arc::new(fixture::stream_events());
        let snapshot = Arc::new(fixture::agent_snapshot());
        let mut ports = Vec::new();
        for daemon in 0..plan.daemons {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            ports.push(listener.local_addr().expect("addr").port().to_string());
            let (go, templates, snapshot) = (go.clone(), templates.clone(), snapshot.clone());
            tokio::spawn(async move {
                while let Ok((tcp, _)) = listener.accept().await {
                    let _ = tcp.set_nodelay(true);
                    let (go, templates, snapshot) =
                        (go.clone(), templates.clone(), snapshot.clone());
                    tokio::spawn(async move {
                        if let Ok(ws) = tokio_tungstenite::accept_async(tcp).await {
                            connection(ws, daemon, plan, go, &templates, &snapshot).await;
                        }
                    });
                }
            });
        }
        println!("PORTS {}", ports.join(" "));
        // stdin: "go" starts streaming; EOF ends the process.
        let lines = tokio::task::spawn_blocking(move || {
            for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                if line.trim() == "go" {
                    let _ = go_tx.send(true);
                }
            }
        });
        let _ = lines.await;
    });
}

async fn connection(
    ws: tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
    daemon: usize,
    plan: Plan,
    mut go: watch::Receiver<bool>,
    templates: &[String],
    snapshot: &Value,
) {
    let (mut sink, mut stream) = ws.split();
    let mut sent = 0usize;
    let mut ticker = tokio::time::interval(match plan.rate {
        0 => Duration::from_millis(1),
        rate => Duration::from_nanos(1_000_000_000 / rate),
    });
    // Late ticks are skipped, not bunched: the rate is a rate.
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        let streaming = *go.borrow() && sent < plan.frames;
        tokio::select! {
            frame = stream.next() => {
                let Some(Ok(Message::Text(text))) = frame else {
                    if matches!(frame, None | Some(Err(_))) { return; }
                    continue;
                };
                let Ok(frame) = serde_json::from_str::<Value>(&text) else { continue };
                if let Some(reply) = answer(&frame, daemon, plan.agents, snapshot)
                    && sink.send(Message::text(reply.to_string())).await.is_err()
                {
                    return;
                }
            }
            _ = go.changed(), if !*go.borrow() => ticker.reset(),
            _ = ticker.tick(), if streaming => {
                // Blast mode writes a batch per wake-up; rate mode one frame.
                let batch = if plan.rate == 0 { 64 } else { 1 };
                for _ in 0..batch.min(plan.frames - sent) {
                    let text = frame_text(daemon, plan.agents, sent, templates);
                    if sink.feed(Message::text(text)).await.is_err() { return; }
                    sent += 1;
                }
                if sink.flush().await.is_err() { return; }
            }
        }
    }
}

/// Frame `k` of `daemon`: agent `k % agents`, seq `k / agents + 1`.
fn frame_text(daemon: usize, agents: usize, k: usize, templates: &[String]) -> String {
    let agents = agents.max(1);
    let event = &templates[k % templates.len()];
    format!(
        r#"{{"type":"session","message":{{"type":"agent_stream","payload":{{"agentId":"{}","event":{},"timestamp":"{}","seq":{},"epoch":"bench-epoch"}}}}}}"#,
        agent_id(daemon, k % agents),
        event,
        now_nanos(),
        k / agents + 1,
    )
}

fn answer(frame: &Value, daemon: usize, agents: usize, snapshot: &Value) -> Option<Value> {
    if frame["type"] == "hello" {
        return Some(session(json!({"type": "status", "payload": {
            "status": "server_info", "serverId": format!("srv_bench{daemon:04}"),
            "hostname": "bench", "version": "0.1.65"}})));
    }
    let message = &frame["message"];
    let id = message["requestId"].clone();
    let reply = match message["type"].as_str()? {
        "fetch_agents_request" => {
            let entries: Vec<Value> = (0..agents)
                .map(|a| {
                    let mut agent = snapshot.clone();
                    agent["id"] = json!(agent_id(daemon, a));
                    json!({"agent": agent, "project": null})
                })
                .collect();
            json!({"type": "fetch_agents_response", "payload": {"requestId": id, "entries": entries,
                "pageInfo": {"nextCursor": null, "prevCursor": null, "hasMore": false}}})
        }
        "get_providers_snapshot_request" => json!({"type": "get_providers_snapshot_response",
            "payload": {"requestId": id, "entries": [], "generatedAt": "2026-01-01T00:00:00.000Z"}}),
        "fetch_agent_timeline_request" => {
            json!({"type": "fetch_agent_timeline_response", "payload": {
            "requestId": id, "agentId": message["agentId"], "agent": null, "direction": "tail",
            "projection": "canonical", "epoch": "bench-epoch", "reset": false, "staleCursor": false,
            "gap": false, "window": {"minSeq": 0, "maxSeq": 0, "nextSeq": 0}, "startCursor": null,
            "endCursor": null, "hasOlder": false, "hasNewer": false, "entries": [], "error": null}})
        }
        "ping" => {
            let now = (now_nanos() / 1_000_000) as u64;
            json!({"type": "pong", "payload": {"requestId": id, "serverReceivedAt": now, "serverSentAt": now}})
        }
        _ => return None,
    };
    Some(session(reply))
}

fn session(message: Value) -> Value {
    json!({"type": "session", "message": message})
}
