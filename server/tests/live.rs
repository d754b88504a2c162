//! The `/live` channel end to end: a real daemon (in process, offline
//! `test` provider), the real `paseo-web` router and hub, and a WebSocket
//! client playing the browser tab. Timelines are compared with the
//! daemon's own canonical log; waits have deadlines, assertions are about
//! order and outcome.

mod support;

use serde_json::{Value, json};
use support::*;
use tokio_tungstenite::tungstenite::Message;

const P: &str = "daemon_test_p1";

fn follow(agent: &str) -> Value {
    json!({"type": "follow", "profile_id": P, "agent_id": agent})
}

fn is_state(m: &Value, status: &str) -> bool {
    m["type"] == "state" && m["profile_id"] == P && m["status"] == status
}

/// Browser messages are applied in order; this one is answered with an
/// `error` naming a profile nobody watches. Returns its index in the log.
async fn barrier(tab: &mut Browser) -> usize {
    tab.send(json!({"type": "follow", "profile_id": "barrier", "agent_id": "none"}))
        .await;
    tab.wait_from(0, "the barrier's error", |m| {
        m["type"] == "error" && m["profile_id"] == "barrier"
    })
    .await
}

fn agent_ids(agents: &Value) -> Vec<String> {
    agents
        .as_array()
        .map(|agents| {
            agents
                .iter()
                .filter_map(|a| a["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_follow_a_turn_then_unfollow() {
    require_test_agent();
    let world = World::start().await;
    let mut driver = Driver::connect(&world.daemon_url).await;
    let quiet = driver.create_agent(&world.cwd, None).await;

    let mut tab = Browser::connect(world.server.local_addr()).await;
    tab.send(world.watch(P)).await;
    let online = tab
        .wait_from(0, "state online", |m| is_state(m, "online"))
        .await;
    let snapshot_at = tab
        .wait_from(0, "snapshot", |m| {
            m["type"] == "snapshot" && m["profile_id"] == P
        })
        .await;
    assert!(
        online < snapshot_at,
        "state online comes before the snapshot"
    );
    let snapshot = tab.log[snapshot_at].clone();
    assert!(
        agent_ids(&snapshot["agents"]).contains(&quiet),
        "{snapshot}"
    );
    assert!(snapshot["agents_version"].as_u64().is_some_and(|v| v > 0));

    // A turn through the daemon, followed by the tab.
    let busy = driver
        .create_agent(&world.cwd, Some("hello from the test"))
        .await;
    tab.send(follow(&busy)).await;
    tab.wait("agents_delta with the new agent", |m| {
        m["type"] == "agents_delta" && agent_ids(&m["upserts"]).contains(&busy)
    })
    .await;
    assert_eq!(driver.wait_for_finish(&busy).await, "idle");
    let (epoch, rows) = driver.timeline(&busy).await;
    assert!(rows.len() >= 2, "a turn writes rows: {rows:?}");
    tab.wait_for_seq(0, &busy, last_seq(&rows)).await;
    let messages = tab.timeline_messages(0, &busy);
    assert!(
        messages
            .iter()
            .all(|m| m["type"] == "timeline_delta" && m["epoch"] == epoch.as_str()),
        "one epoch, deltas only: {messages:#?}"
    );
    let items = items_of(&messages);
    assert_ordered(&items);
    assert_same_rows(&items, &rows);
    assert_eq!(
        tab.log.iter().filter(|m| m["type"] == "snapshot").count(),
        1,
        "one snapshot per profile on a socket that never lagged"
    );

    // Unfollow, then a message that only gets an answer once every
    // earlier browser message was applied.
    tab.send(json!({"type": "unfollow", "profile_id": P, "agent_id": busy}))
        .await;
    let barrier = barrier(&mut tab).await;
    driver.prompt(&busy, "a second turn nobody follows").await;
    assert_eq!(driver.wait_for_finish(&busy).await, "idle");
    // The daemon sent that turn's rows before the quiet agent's; once the
    // quiet agent's rows arrived, none of the other's followed them.
    tab.send(follow(&quiet)).await;
    driver.prompt(&quiet, "wake up").await;
    assert_eq!(driver.wait_for_finish(&quiet).await, "idle");
    let (_, quiet_rows) = driver.timeline(&quiet).await;
    let seen = tab
        .wait_for_seq(barrier, &quiet, last_seq(&quiet_rows))
        .await;
    assert!(
        tab.timeline_messages(barrier, &busy).is_empty(),
        "rows of an unfollowed timeline were sent"
    );
    let quiet_items = items_of(&tab.timeline_messages(barrier, &quiet));
    assert_ordered(&quiet_items);
    assert_same_rows(&quiet_items, &quiet_rows);
    assert!(seen >= barrier);
    tab.close().await;
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_after_a_reconnect_sends_only_what_the_tab_lacks() {
    require_test_agent();
    let world = World::start().await;
    let mut driver = Driver::connect(&world.daemon_url).await;
    let agent = driver.create_agent(&world.cwd, Some("first turn")).await;
    assert_eq!(driver.wait_for_finish(&agent).await, "idle");
    let (epoch, first_rows) = driver.timeline(&agent).await;
    let held = last_seq(&first_rows);

    let mut first = Browser::connect(world.server.local_addr()).await;
    first.send(world.watch(P)).await;
    first.send(follow(&agent)).await;
    first.wait_for_seq(0, &agent, held).await;
    let first_items = items_of(&first.timeline_messages(0, &agent));
    assert_same_rows(&first_items, &first_rows);
    let first_version = first.agents_version(P);
    first.close().await;

    // While the tab is away the agent runs another turn.
    driver.prompt(&agent, "second turn").await;
    assert_eq!(driver.wait_for_finish(&agent).await, "idle");
    let (_, rows) = driver.timeline(&agent).await;
    assert!(last_seq(&rows) > held);

    // Reconnect: resume first, then watch.
    let mut second = Browser::connect(world.server.local_addr()).await;
    second
        .send(json!({"type": "resume", "cursors": {P: {
            "agents_version": first_version,
            "timelines": {agent.as_str(): {"epoch": epoch, "seq": held}}}}}))
        .await;
    second.send(world.watch(P)).await;
    second.wait_for_seq(0, &agent, last_seq(&rows)).await;
    let state_at = second.wait_from(0, "state", |m| m["type"] == "state").await;
    let messages = second.timeline_messages(0, &agent);
    assert!(
        messages.iter().all(|m| m["type"] == "timeline_delta"),
        "{messages:#?}"
    );
    let later = items_of(&messages);
    assert_eq!(
        later.first().and_then(|i| i["seq_start"].as_u64()),
        Some(held + 1),
        "only the items after the cursor"
    );
    assert_ordered(&later);
    assert_same_rows(&later, &rows[first_rows.len()..]);
    // The agent changed while away: its snapshot was stale.
    let snapshot_at = second
        .wait_from(0, "a fresh snapshot", |m| m["type"] == "snapshot")
        .await;
    assert!(state_at < snapshot_at);
    let second_version = second.agents_version(P);
    second.close().await;

    // Nothing changed since: a resume with the current version and cursor
    // gets state, no snapshot with that same version, and then only new rows.
    let mut third = Browser::connect(world.server.local_addr()).await;
    third
        .send(json!({"type": "resume", "cursors": {P: {
            "agents_version": second_version,
            "timelines": {agent.as_str(): {"epoch": epoch, "seq": last_seq(&rows)}}}}}))
        .await;
    third.send(world.watch(P)).await;
    third.wait("state", |m| m["type"] == "state").await;
    driver.prompt(&agent, "third turn").await;
    assert_eq!(driver.wait_for_finish(&agent).await, "idle");
    let (_, all_rows) = driver.timeline(&agent).await;
    third.wait_for_seq(0, &agent, last_seq(&all_rows)).await;
    let newest = items_of(&third.timeline_messages(0, &agent));
    assert_ordered(&newest);
    assert_same_rows(&newest, &all_rows[rows.len()..]);
    assert!(
        third
            .log
            .iter()
            .filter(|m| m["type"] == "snapshot")
            .all(|m| m["agents_version"].as_u64() != Some(second_version)),
        "a snapshot the tab already held was sent again"
    );

    // A version the server cannot match (0 = unknown) always gets one.
    let mut fourth = Browser::connect(world.server.local_addr()).await;
    fourth
        .send(json!({"type": "resume", "cursors": {P: {"agents_version": 0, "timelines": {}}}}))
        .await;
    fourth.send(world.watch(P)).await;
    let snapshot = fourth.wait("snapshot", |m| m["type"] == "snapshot").await;
    assert!(agent_ids(&snapshot["agents"]).contains(&agent));
    third.close().await;
    fourth.close().await;
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permission_request_and_its_resolution_reach_the_tab() {
    require_test_agent();
    let world = World::start().await;
    let mut driver = Driver::connect(&world.daemon_url).await;
    let mut tab = Browser::connect(world.server.local_addr()).await;
    tab.send(world.watch(P)).await;
    tab.wait("snapshot", |m| m["type"] == "snapshot").await;

    let agent = driver
        .create_agent(&world.cwd, Some("please EDIT_FILE"))
        .await;
    let asked_at = tab
        .wait_from(0, "permission request", |m| {
            m["type"] == "permission" && m["agent_id"] == agent.as_str() && m["request"].is_object()
        })
        .await;
    let asked = tab.log[asked_at].clone();
    assert_eq!(asked["profile_id"], P);
    let request_id = asked["request"]["id"]
        .as_str()
        .expect("request id")
        .to_owned();
    assert_eq!(driver.wait_for_finish(&agent).await, "permission");

    driver
        .send(
            json!({"type": "agent_permission_response", "agentId": agent,
            "requestId": request_id, "response": {"behavior": "allow"}}),
        )
        .await;
    let resolved_at = tab
        .wait_from(asked_at, "permission resolved", |m| {
            m["type"] == "permission" && m["resolved"]["request_id"] == request_id.as_str()
        })
        .await;
    assert_eq!(
        tab.log[resolved_at]["resolved"]["resolution"]["behavior"],
        "allow"
    );
    let announced = tab.log[..resolved_at]
        .iter()
        .filter(|m| m["type"] == "permission" && m["request"]["id"] == request_id.as_str())
        .count();
    assert_eq!(
        announced, 1,
        "the daemon announces it several ways; the tab hears it once"
    );
    assert_eq!(driver.wait_for_finish(&agent).await, "idle");
    tab.close().await;
    world.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_messages_get_an_error_and_the_channel_stays_open() {
    let world = World::start().await;
    let mut tab = Browser::connect(world.server.local_addr()).await;
    let errors = |tab: &Browser| tab.log.iter().filter(|m| m["type"] == "error").count();

    tab.send_raw(Message::text("{not json")).await;
    tab.wait("error for unreadable JSON", |m| m["type"] == "error")
        .await;
    tab.send(json!({"type": "from_the_future"})).await;
    tab.send(json!({"type": "follow", "profile_id": "nobody", "agent_id": "a1"}))
        .await;
    let at = tab
        .wait_from(0, "error for an unwatched profile", |m| {
            m["type"] == "error" && m["profile_id"] == "nobody"
        })
        .await;
    assert!(
        tab.log[at]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not watched")),
        "{}",
        tab.log[at]
    );
    tab.send_raw(Message::binary(vec![1u8, 2, 3])).await;
    tab.send(json!({"type": "watch", "profiles": [
        {"profile_id": "bad", "label": "x", "ws_url": "http://example.invalid/ws"}
    ]}))
    .await;
    let refused = tab
        .wait("state error for a refused URL", |m| {
            m["type"] == "state" && m["profile_id"] == "bad"
        })
        .await;
    assert_eq!(refused["status"], "error");
    assert_eq!(errors(&tab), 4, "one error per bad message: {:#?}", tab.log);
    // Still serving: a real watch gets its state.
    tab.send(world.watch(P)).await;
    tab.wait("state of a real profile", |m| {
        m["type"] == "state" && m["profile_id"] == P
    })
    .await;
    tab.close().await;
    world.stop().await;
}

/// `subscribe_diff`: the tab gets the diff of its cwd under its own
/// subscription id, then each change; another tab watching the same
/// daemon gets none of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_diff_reaches_only_the_tab_that_subscribed() {
    let world = World::start().await;
    let git = |args: &[&str]| {
        let ok = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@t"])
            .args(["-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(&world.cwd)
            .status()
            .expect("git runs")
            .success();
        assert!(ok, "git {args:?}");
    };
    std::fs::write(world.cwd.join("a.txt"), "one\n").expect("write");
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "first"]);
    let cwd = world.cwd.to_string_lossy().into_owned();

    let mut tab = Browser::connect(world.server.local_addr()).await;
    let mut other = Browser::connect(world.server.local_addr()).await;
    for browser in [&mut tab, &mut other] {
        browser.send(world.watch(P)).await;
        browser
            .wait_from(0, "state online", |m| is_state(m, "online"))
            .await;
    }
    tab.send(
        json!({"type": "subscribe_diff", "profile_id": P, "subscription_id": "d1", "cwd": cwd}),
    )
    .await;
    let first = tab
        .wait("the first diff", |m| m["type"] == "diff_update")
        .await;
    assert_eq!(first["subscription_id"], "d1");
    assert_eq!(first["profile_id"], P);
    assert_eq!(first["files"], json!([]));

    std::fs::write(world.cwd.join("a.txt"), "one\ntwo\n").expect("edit");
    let update = tab
        .wait("the diff after an edit", |m| {
            m["type"] == "diff_update" && m["files"].as_array().is_some_and(|f| !f.is_empty())
        })
        .await;
    assert_eq!(update["files"][0]["path"], "a.txt");
    assert_eq!(update["files"][0]["additions"], 1);
    assert_eq!(update["files"][0]["hunks"][0]["lines"][1], "+two");

    let at = barrier(&mut other).await;
    assert!(
        other.log[..at].iter().all(|m| m["type"] != "diff_update"),
        "another tab saw this tab's diff"
    );
    // Unsubscribed: later edits send nothing (checked up to a barrier
    // after a few of the daemon's poll intervals).
    tab.send(json!({"type": "unsubscribe_diff", "subscription_id": "d1"}))
        .await;
    let from = tab.log.len();
    std::fs::write(world.cwd.join("a.txt"), "three\n").expect("edit");
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    let at = barrier(&mut tab).await;
    assert!(
        tab.log[from..at].iter().all(|m| m["type"] != "diff_update"),
        "a diff after unsubscribe_diff"
    );
    world.stop().await;
}
