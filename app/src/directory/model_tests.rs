use serde_json::json;

use super::*;

fn agent(id: &str, status: &str) -> AgentSnapshot {
    serde_json::from_value(json!({
        "id": id, "provider": "test", "cwd": "/tmp/p", "createdAt": "2026-12-01T00:00:00Z",
        "updatedAt": "2026-12-01T00:00:00Z", "status": status,
    }))
    .expect("agent decodes")
}

fn permission(id: &str) -> serde_json::Value {
    json!({"id": id, "provider": "test", "name": "edit", "kind": "tool"})
}

fn snapshot(profile: &str, agents: Vec<AgentSnapshot>) -> ServerMessage {
    ServerMessage::Snapshot {
        profile_id: profile.into(),
        agents,
        providers: vec![json!({"provider": "test", "status": "ready"})],
        pending_permissions: vec![json!({"agent_id": "a1", "request": permission("p1")})],
        agents_version: 7,
    }
}

fn item(seq: u64, text: &str) -> LiveTimelineItem {
    LiveTimelineItem {
        seq_start: seq,
        seq_end: seq,
        item: json!({"type": "assistant_message", "text": text}),
        provider: "test".into(),
        timestamp: String::new(),
    }
}

#[test]
fn a_snapshot_fills_one_profile_and_makes_it_live() {
    let mut dir = DirectoryModel::default();
    let changes = dir.apply(snapshot(
        "p1",
        vec![agent("a1", "idle"), agent("a2", "running")],
    ));
    assert!(changes.contains(&Change::AgentSet {
        profile_id: "p1".into()
    }));
    assert!(changes.contains(&Change::Live {
        profile_id: "p1".into()
    }));
    let session = dir.session("p1").expect("session");
    assert_eq!(session.agents.len(), 2);
    assert_eq!(session.permissions["a1"][0].id, "p1");
    assert_eq!(session.providers.len(), 1);
    assert_eq!(session.agents_version, 7);
    assert!(dir.session("p2").is_none());
}

#[test]
fn a_status_change_touches_only_that_agent() {
    let mut dir = DirectoryModel::default();
    dir.apply(snapshot(
        "p1",
        vec![agent("a1", "idle"), agent("a2", "idle")],
    ));
    let changes = dir.apply(ServerMessage::AgentsDelta {
        profile_id: "p1".into(),
        upserts: vec![agent("a2", "running"), agent("a1", "idle")],
        removals: vec![],
        agents_version: 8,
    });
    // a1 is unchanged (same content) and the set is the same; the snapshot
    // of a1 carried a pending permission list that differs from a2's only.
    assert_eq!(
        changes
            .iter()
            .filter(|c| matches!(c, Change::Agent(_) | Change::AgentSet { .. }))
            .collect::<Vec<_>>(),
        vec![&Change::Agent(AgentKey::new("p1", "a2"))]
    );
}

#[test]
fn removals_drop_the_agent_and_its_permissions() {
    let mut dir = DirectoryModel::default();
    dir.apply(snapshot("p1", vec![agent("a1", "idle")]));
    let changes = dir.apply(ServerMessage::AgentsDelta {
        profile_id: "p1".into(),
        upserts: vec![],
        removals: vec!["a1".into()],
        agents_version: 9,
    });
    assert_eq!(
        changes[0],
        Change::AgentSet {
            profile_id: "p1".into()
        }
    );
    assert!(changes.contains(&Change::Permissions(AgentKey::new("p1", "a1"))));
    assert!(dir.session("p1").expect("session").agents.is_empty());
}

#[test]
fn a_permission_resolved_elsewhere_disappears_and_repeats_are_ignored() {
    let mut dir = DirectoryModel::default();
    dir.apply(snapshot("p1", vec![agent("a1", "running")]));
    let repeat = ServerMessage::Permission {
        profile_id: "p1".into(),
        agent_id: "a1".into(),
        request: Some(permission("p1")),
        resolved: None,
    };
    assert!(dir.apply(repeat).is_empty());
    let changes = dir.apply(ServerMessage::Permission {
        profile_id: "p1".into(),
        agent_id: "a1".into(),
        request: None,
        resolved: Some(json!({"request_id": "p1", "resolution": null})),
    });
    assert_eq!(
        changes,
        vec![Change::Permissions(AgentKey::new("p1", "a1"))]
    );
    assert!(dir.session("p1").expect("session").permissions.is_empty());
}

#[test]
fn timeline_deltas_merge_chunks_and_never_apply_a_range_twice() {
    let mut dir = DirectoryModel::default();
    let key = AgentKey::new("p1", "a1");
    let first = dir.apply(ServerMessage::TimelineReset {
        profile_id: "p1".into(),
        agent_id: "a1".into(),
        epoch: "e".into(),
        items: vec![item(1, "Hi")],
        has_older: false,
    });
    assert_eq!(
        first,
        vec![Change::Timeline {
            key: key.clone(),
            change: TimelineChange::Reset
        }]
    );
    let delta = ServerMessage::TimelineDelta {
        profile_id: "p1".into(),
        agent_id: "a1".into(),
        epoch: "e".into(),
        items: vec![item(2, " there")],
    };
    dir.apply(delta.clone());
    let again = dir.apply(delta);
    assert_eq!(
        again,
        vec![Change::Timeline {
            key,
            change: TimelineChange::None
        }]
    );
    let timeline = &dir.session("p1").expect("session").timelines["a1"];
    assert_eq!(timeline.items.len(), 1);
    assert_eq!(
        timeline.items[0].item,
        json!({"type": "assistant_message", "text": "Hi there"})
    );
}

#[test]
fn an_unknown_item_is_kept_not_dropped() {
    let rows = rows(vec![LiveTimelineItem {
        seq_start: 1,
        seq_end: 1,
        item: json!({"type": "from_the_future", "x": 1}),
        provider: String::new(),
        timestamp: String::new(),
    }]);
    assert_eq!(rows[0].item, json!({"type": "from_the_future", "x": 1}));
}

#[test]
fn state_records_the_daemon_id() {
    let mut dir = DirectoryModel::default();
    dir.apply(ServerMessage::State {
        profile_id: "p1".into(),
        status: crate::live::ConnectionStatus::Online,
        last_error: None,
        last_online_at: None,
        daemon_id: Some("srv_x".into()),
        version: None,
    });
    assert_eq!(
        dir.session("p1").expect("session").daemon_id.as_deref(),
        Some("srv_x")
    );
}

#[test]
fn a_first_delta_that_starts_after_row_one_has_older_rows() {
    let mut dir = DirectoryModel::default();
    let delta = |agent: &str, first: u64| ServerMessage::TimelineDelta {
        profile_id: "p".into(),
        agent_id: agent.into(),
        epoch: "e".into(),
        items: vec![item(first, "a"), item(first + 1, "b")],
    };
    dir.apply(delta("tail", 9_800));
    dir.apply(delta("whole", 1));
    let session = dir.session("p").expect("session");
    assert!(
        session.timelines["tail"].has_older,
        "load earlier is offered"
    );
    assert!(!session.timelines["whole"].has_older);
}
