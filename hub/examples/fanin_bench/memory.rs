//! Heap cost of idle daemon connections: live bytes before watching `n`
//! synthetic daemons and after all of them are online with their agent
//! list fetched, divided by `n`.

use std::time::Duration;

use hub::{Hub, HubConfig};

use crate::alloc::{live_bytes, start_counting, stop_counting};
use crate::child::Sources;
use crate::hub_run::target;
use crate::source::Plan;

pub async fn per_connection(daemons: usize, agents: usize) -> f64 {
    let sources = Sources::start(Plan {
        daemons,
        agents,
        frames: 0,
        rate: 0,
    });
    let hub = Hub::new(HubConfig::default());
    let urls = sources.urls();
    let keys: Vec<_> = urls.iter().map(|u| target(u).key().expect("key")).collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    start_counting();
    let before = live_bytes();
    let guards: Vec<_> = urls
        .iter()
        .map(|u| hub.watch(target(u)).expect("watch"))
        .collect();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while !keys
        .iter()
        .all(|k| hub.agents_synced(k) && hub.agents(k).len() == agents)
    {
        assert!(tokio::time::Instant::now() < deadline, "daemons not synced");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Let handshake buffers and one heartbeat round settle.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let after = live_bytes();
    stop_counting();
    drop(guards);
    (after - before) as f64 / daemons as f64
}
