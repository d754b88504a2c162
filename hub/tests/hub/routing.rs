//! Requests through the hub to real daemons: failures that must be
//! immediate (offline daemon, daemon killed while the request waits),
//! typed daemon refusals, caller ids kept apart, and the permission and
//! provider mirrors a browser reads.

use std::time::Duration;

use crate::support::agents::*;
use crate::support::events::EventLog;
use crate::support::process::DaemonProcess;
use crate::support::*;
use hub::{ConnectionStatus, Hub, HubConfig, HubError, HubEvent, PermissionChange};
use protocol::{
    AgentPermissionResponse, AgentSessionConfig, ArchiveAgentRequest, CreateAgentRequest,
    FetchAgentRequest, PermissionResponse, SessionMessage, SessionRequest,
};

/// A request timeout no test could wait out: a test that finishes proves
/// the failure did not come from it.
fn patient_config() -> HubConfig {
    HubConfig {
        request_timeout: Duration::from_secs(3600),
        ..test_config()
    }
}

fn fetch_agent(request_id: &str, agent_id: &str) -> SessionRequest {
    SessionRequest::FetchAgentRequest(FetchAgentRequest {
        request_id: request_id.into(),
        agent_id: agent_id.into(),
    })
}

#[tokio::test]
async fn a_request_to_a_daemon_that_never_answered_fails_at_once() {
    init_tracing();
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port");
    let hub = Hub::new(patient_config());
    let guard = hub.watch(target(ws_url(free))).expect("watch");
    wait_for_connection(&hub, guard.key(), "offline", |s| {
        s.status == ConnectionStatus::Offline
    })
    .await;
    match hub.request(guard.key(), fetch_agent("r", "a")).await {
        Err(HubError::DaemonUnavailable {
            status, last_error, ..
        }) => {
            assert_ne!(status, ConnectionStatus::Online);
            assert!(last_error.is_some_and(|e| e.contains("could not connect")));
        }
        other => panic!("DaemonUnavailable expected, got {other:?}"),
    }
    let unwatched = target("ws://127.0.0.1:9/ws").key().expect("key");
    assert!(matches!(
        hub.request(&unwatched, fetch_agent("r", "a")).await,
        Err(HubError::NotWatched { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_waiting_when_the_daemon_is_killed_fails_at_once() {
    init_tracing();
    let (home, cwd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut daemon = DaemonProcess::spawn(home.path());
    let hub = Hub::new(patient_config());
    let guard = hub.watch(target(daemon.ws_url())).expect("watch");
    let key = guard.key().clone();
    wait_for_connection(&hub, &key, "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;
    let agent = create_agent(&hub, &key, cwd.path()).await;
    prompt(&hub, &key, &agent, "PLEASE_BE_SLOW").await;

    // Poll the wait once so it is queued before the next request...
    let waiting = hub.request(&key, wait_request(&agent));
    tokio::pin!(waiting);
    tokio::select! {
        biased;
        early = &mut waiting => panic!("answered before the turn ended: {early:?}"),
        () = std::future::ready(()) => {}
    }
    // ...so once this one is answered, the wait has reached the daemon.
    assert!(
        hub.request(&key, fetch_agent("probe", &agent))
            .await
            .is_ok()
    );

    daemon.kill();
    match waiting.await {
        Err(HubError::DaemonUnavailable {
            status, last_error, ..
        }) => {
            assert_ne!(status, ConnectionStatus::Online);
            assert!(last_error.is_some());
        }
        other => panic!("DaemonUnavailable expected, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_typed_and_caller_ids_never_cross() {
    init_tracing();
    require_binaries();
    let (home, cwd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let hub = Hub::new(test_config());
    let guard = hub
        .watch(target(ws_url(daemon.local_addr())))
        .expect("watch");
    let key = guard.key().clone();
    wait_for_connection(&hub, &key, "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;

    let archive = SessionRequest::ArchiveAgentRequest(ArchiveAgentRequest {
        agent_id: "no-such-agent".into(),
        request_id: "a1".into(),
    });
    match hub.request(&key, archive).await {
        Err(HubError::Rpc { code, .. }) => assert_eq!(code.as_deref(), Some("handler_error")),
        other => panic!("rpc error expected, got {other:?}"),
    }
    let create = SessionRequest::CreateAgentRequest(CreateAgentRequest {
        request_id: "c1".into(),
        config: AgentSessionConfig {
            provider: "no-such-provider".into(),
            cwd: cwd.path().to_string_lossy().into_owned(),
            ..AgentSessionConfig::default()
        },
        ..CreateAgentRequest::default()
    });
    assert!(matches!(
        hub.request(&key, create).await,
        Err(HubError::AgentCreateFailed { .. })
    ));
    let notification = SessionRequest::CancelAgentRequest(protocol::CancelAgentRequest {
        agent_id: "x".into(),
        request_id: None,
    });
    assert!(matches!(
        hub.request(&key, notification).await,
        Err(HubError::NoReply { .. })
    ));

    // Two callers, one request id, two agents: each gets its own answer.
    let first = create_agent(&hub, &key, cwd.path()).await;
    let second = create_agent(&hub, &key, cwd.path()).await;
    let (one, two) = tokio::join!(
        hub.request(&key, fetch_agent("same", &first)),
        hub.request(&key, fetch_agent("same", &second)),
    );
    for (answer, expected) in [(one, &first), (two, &second)] {
        let Ok(SessionMessage::FetchAgentResponse(answer)) = answer else {
            panic!("fetch_agent_response expected");
        };
        assert_eq!(answer.request_id, "same");
        assert_eq!(&answer.agent.expect("agent").id, expected);
    }
    drop(guard);
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permissions_and_providers_are_mirrored() {
    init_tracing();
    require_binaries();
    let (home, cwd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let hub = Hub::new(test_config());
    let mut log = EventLog::new(&hub);
    let guard = hub
        .watch(target(ws_url(daemon.local_addr())))
        .expect("watch");
    let key = guard.key().clone();
    wait_for_connection(&hub, &key, "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;
    log.until("providers", |seen| {
        seen.iter().any(|e| matches!(e, HubEvent::Providers { .. }))
    })
    .await;
    assert!(hub.providers(&key).iter().any(|p| p.provider == "test"));

    let agent = create_agent(&hub, &key, cwd.path()).await;
    prompt(&hub, &key, &agent, "EDIT_FILE").await;
    log.until("a permission request", |seen| {
        seen.iter().any(|e| {
            matches!(
                e,
                HubEvent::Permission {
                    change: PermissionChange::Requested { .. },
                    ..
                }
            )
        })
    })
    .await;
    let pending = hub.pending_permissions(&key);
    assert_eq!(pending.len(), 1, "announced several ways, pending once");
    assert_eq!(pending[0].agent_id, agent);
    let snapshot = hub.snapshot(&key).expect("watched");
    assert_eq!(snapshot.pending_permissions, pending);

    let answer = SessionRequest::AgentPermissionResponse(AgentPermissionResponse {
        agent_id: agent.clone(),
        request_id: pending[0].request.id.clone(),
        response: PermissionResponse::Allow {
            selected_action_id: None,
            updated_input: None,
            updated_permissions: None,
        },
    });
    hub.send(&key, answer).await.expect("sent");
    log.until("the resolution", |seen| {
        seen.iter().any(|e| {
            matches!(
                e,
                HubEvent::Permission {
                    change: PermissionChange::Resolved { .. },
                    ..
                }
            )
        })
    })
    .await;
    wait_for_finish(&hub, &key, &agent).await;
    log.drain();
    assert!(hub.pending_permissions(&key).is_empty());
    let requested = log
        .seen
        .iter()
        .filter(|e| {
            matches!(
                e,
                HubEvent::Permission {
                    change: PermissionChange::Requested { .. },
                    ..
                }
            )
        })
        .count();
    let resolved = log
        .seen
        .iter()
        .filter(|e| {
            matches!(
                e,
                HubEvent::Permission {
                    change: PermissionChange::Resolved { .. },
                    ..
                }
            )
        })
        .count();
    assert_eq!((requested, resolved), (1, 1), "each change reported once");
    drop(guard);
    daemon.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn archived_agents_stay_in_the_mirror_with_their_archived_at() {
    init_tracing();
    require_binaries();
    let (home, cwd) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let daemon = start_daemon(loopback_any(), home.path()).await;
    let hub = Hub::new(test_config());
    let guard = hub
        .watch(target(ws_url(daemon.local_addr())))
        .expect("watch");
    let key = guard.key().clone();
    wait_for_connection(&hub, &key, "online", |s| {
        s.status == ConnectionStatus::Online
    })
    .await;
    let kept = create_agent(&hub, &key, cwd.path()).await;
    let archived = create_agent(&hub, &key, cwd.path()).await;
    wait_until("both agents mirrored", || hub.agents(&key).len() == 2).await;

    let archive = SessionRequest::ArchiveAgentRequest(ArchiveAgentRequest {
        agent_id: archived.clone(),
        request_id: "a1".into(),
    });
    hub.request(&key, archive).await.expect("archived");
    // The push: the agent stays, now with its `archivedAt`.
    wait_until("the archive pushed", || {
        hub.agents(&key)
            .iter()
            .any(|a| a.id == archived && a.archived_at.is_some())
    })
    .await;
    let listed = |hub: &Hub| {
        let mut agents: Vec<_> = hub
            .agents(&key)
            .into_iter()
            .map(|a| (a.id, a.archived_at.is_some()))
            .collect();
        agents.sort();
        agents
    };
    let mut expected = vec![(kept.clone(), false), (archived.clone(), true)];
    expected.sort();
    assert_eq!(listed(&hub), expected);

    // A fresh hub's first fetch lists it too.
    let fresh = Hub::new(test_config());
    let _guard = fresh
        .watch(target(ws_url(daemon.local_addr())))
        .expect("watch");
    wait_until("the fresh hub synced", || {
        fresh.agents_synced(&key) && fresh.agents(&key).len() == 2
    })
    .await;
    assert_eq!(listed(&fresh), expected);
    drop(guard);
    daemon.shutdown().await;
}
