//! One run through the hub: watch every synthetic daemon, follow every
//! agent, wait for every timeline's first load, then count the timeline
//! rows one broadcast subscriber receives.

use std::num::NonZeroUsize;
use std::time::Duration;

use hub::{DaemonTarget, Hub, HubConfig, HubEvent};
use tokio::sync::broadcast::error::RecvError;

use crate::child::Sources;
use crate::measure::{Meter, Outcome};
use crate::source::{Plan, agent_id};

pub fn config() -> HubConfig {
    HubConfig {
        event_capacity: NonZeroUsize::new(1 << 16).expect("non-zero"),
        ..HubConfig::default()
    }
}

pub fn target(url: &str) -> DaemonTarget {
    DaemonTarget {
        url: url.to_owned(),
        password: None,
        label: "bench".into(),
    }
}

pub async fn run(plan: Plan) -> Outcome {
    let mut sources = Sources::start(plan);
    let hub = Hub::new(config());
    let mut events = hub.subscribe();
    let mut follows = Vec::new();
    let mut watches = Vec::new();
    for (daemon, url) in sources.urls().iter().enumerate() {
        let key = target(url).key().expect("key");
        for agent in 0..plan.agents {
            follows.push(hub.follow(&key, &agent_id(daemon, agent)));
        }
        watches.push(hub.watch(target(url)).expect("watch"));
    }
    let followed = plan.daemons * plan.agents;
    let mut loaded = 0;
    while loaded < followed {
        match tokio::time::timeout(Duration::from_secs(60), events.recv()).await {
            Ok(Ok(HubEvent::TimelineReset { .. })) => loaded += 1,
            Ok(Ok(_)) => {}
            other => panic!("not ready: {other:?} after {loaded} loads"),
        }
    }
    let total = (plan.daemons * plan.frames) as u64;
    sources.go();
    // The subscriber runs on the calling thread: a consumer that always
    // gets CPU (as a task it competes with the actors for the workers).
    let meter = {
        let mut meter = Meter::start(sources.pid());
        while meter.seen() < total {
            match tokio::time::timeout(Duration::from_secs(30), events.recv()).await {
                Ok(Ok(HubEvent::Timeline { items, .. })) => {
                    for row in items.iter() {
                        meter.event(row.timestamp.parse().ok());
                    }
                }
                Ok(Ok(_)) => {}
                Ok(Err(RecvError::Lagged(n))) => meter.lost(n),
                Ok(Err(RecvError::Closed)) | Err(_) => break,
            }
        }
        meter
    };
    drop((follows, watches));
    meter.finish()
}
