//! The providers messages over a real daemon socket: availability list,
//! snapshot answer + update push, refresh, models and modes (schema §6).

use std::net::SocketAddr;

use crate::support::*;
use daemon::{DaemonConfig, RunningDaemon};
use serde_json::{Value, json};

async fn request(ws: &mut Ws, message: Value) -> Value {
    send_session(ws, message).await;
    recv_session(ws).await
}

#[tokio::test]
async fn providers_requests_over_the_socket() {
    let home = tempfile::tempdir().expect("tempdir");
    // A config provider that is surely available, and a broken one.
    std::fs::write(
        home.path().join("providers.json"),
        r#"{"providers":[{"id":"mine","label":"Mine","command":["/bin/cat"]},{"id":"","command":[]}]}"#,
    )
    .expect("write config");
    let config = DaemonConfig::new(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        home.path().to_path_buf(),
    );
    let daemon = RunningDaemon::start(config).await.expect("start");
    let (mut ws, _) = connect_hello(&format!("ws://{}/ws", daemon.local_addr()), "providers").await;

    let list = request(
        &mut ws,
        json!({"type": "list_available_providers_request", "requestId": "r1"}),
    )
    .await;
    assert_eq!(list["type"], "list_available_providers_response");
    let payload = &list["payload"];
    assert_eq!(payload["requestId"], "r1");
    assert!(
        payload["fetchedAt"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z'))
    );
    assert!(
        payload["error"]
            .as_str()
            .is_some_and(|e| e.contains("empty id")),
        "{payload}"
    );
    let providers = payload["providers"].as_array().cloned().unwrap_or_default();
    let ids: Vec<&str> = providers
        .iter()
        .filter_map(|p| p["provider"].as_str())
        .collect();
    for id in [
        "claude", "codex", "gemini", "opencode", "copilot", "qwen", "test", "mine",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let mine = providers
        .iter()
        .find(|p| p["provider"] == "mine")
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        mine,
        json!({"provider": "mine", "available": true, "error": null})
    );

    let snapshot = request(
        &mut ws,
        json!({"type": "get_providers_snapshot_request", "requestId": "r2", "cwd": "/tmp"}),
    )
    .await;
    assert_eq!(snapshot["type"], "get_providers_snapshot_response");
    assert_eq!(snapshot["payload"]["requestId"], "r2");
    let update = recv_session(&mut ws).await;
    assert_eq!(update["type"], "providers_snapshot_update");
    assert_eq!(update["payload"]["cwd"], "/tmp");
    let entries = update["payload"]["entries"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let entry = entries
        .iter()
        .find(|e| e["provider"] == "mine")
        .cloned()
        .unwrap_or_default();
    assert_eq!(entry["status"], "ready");
    assert_eq!(entry["label"], "Mine");
    assert_eq!(entry["enabled"], true);
    let unavailable = entries.iter().find(|e| e["status"] == "unavailable");
    if let Some(entry) = unavailable {
        assert!(
            entry["error"]
                .as_str()
                .is_some_and(|e| e.contains("not found")),
            "{entry}"
        );
    }

    let refresh = request(
        &mut ws,
        json!({"type": "refresh_providers_snapshot_request", "requestId": "r3"}),
    )
    .await;
    assert_eq!(
        refresh["payload"],
        json!({"requestId": "r3", "acknowledged": true})
    );
    assert_eq!(
        recv_session(&mut ws).await["type"],
        "providers_snapshot_update"
    );

    let modes = request(
        &mut ws,
        json!({"type": "list_provider_modes_request", "provider": "mine", "requestId": "r4"}),
    )
    .await;
    assert_eq!(modes["type"], "list_provider_modes_response");
    assert_eq!(modes["payload"]["modes"], json!([]));
    assert_eq!(modes["payload"]["error"], Value::Null);

    let models = request(
        &mut ws,
        json!({"type": "list_provider_models_request", "provider": "nope", "requestId": "r5"}),
    )
    .await;
    assert_eq!(models["type"], "list_provider_models_response");
    assert_eq!(models["payload"]["error"], "Provider nope is not available");
    assert!(models["payload"].get("models").is_none());

    drop(ws);
    daemon.shutdown().await;
}
