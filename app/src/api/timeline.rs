//! Older timeline pages, by cursor (`direction: before`), merged by seq in
//! the browser's directory.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::contract::LiveTimelineItem;
use crate::error::AppError;

/// A daemon page entry as the live channel carries a row.
#[cfg(feature = "ssr")]
fn live_item(entry: protocol::TimelineEntry) -> LiveTimelineItem {
    LiveTimelineItem {
        seq_start: entry.seq_start,
        seq_end: entry.seq_end,
        item: serde_json::to_value(&entry.item).unwrap_or_default(),
        provider: entry.provider,
        timestamp: entry.timestamp,
    }
}

/// One page of rows before a cursor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OlderPage {
    pub epoch: String,
    pub items: Vec<LiveTimelineItem>,
    pub has_older: bool,
}

#[server(endpoint = "timeline/older")]
pub async fn fetch_older(
    tab: String,
    profile_id: String,
    agent_id: String,
    epoch: String,
    before_seq: u64,
    limit: u32,
) -> Result<OlderPage, AppError> {
    use protocol::{
        FetchAgentTimelineRequest, TimelineCursor, TimelineDirection, TimelineProjection,
    };

    use super::ssr::{hub_error, request_id, target};
    let (api, key) = target(&tab, &profile_id)?;
    let request = FetchAgentTimelineRequest {
        agent_id,
        request_id: request_id("older"),
        direction: Some(TimelineDirection::Before),
        cursor: Some(TimelineCursor {
            epoch,
            seq: before_seq,
        }),
        limit: Some(u64::from(limit.clamp(1, 500))),
        projection: Some(TimelineProjection::Canonical),
    };
    let page = api
        .hub
        .fetch_timeline(&key, request)
        .await
        .map_err(hub_error)?;
    if let Some(error) = page.error {
        return Err(AppError::Rpc {
            code: None,
            message: error,
        });
    }
    Ok(OlderPage {
        epoch: page.epoch,
        has_older: page.has_older,
        items: page.entries.into_iter().map(live_item).collect(),
    })
}

/// What the server can show of an agent of its own daemon at first paint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaintedTail {
    pub profile_id: String,
    pub agent: protocol::AgentSnapshot,
    pub epoch: String,
    pub items: Vec<LiveTimelineItem>,
    pub has_older: bool,
}

/// How many rows the first paint carries.
pub const TAIL_ROWS: u64 = 100;

/// The tail of an agent of the server's own (fallback) daemon, for SSR: the
/// route `/agent/<fallback profile id>/<agent>` paints its real timeline at
/// once. Any other profile (or a daemon that does not answer in time) gets
/// `None`, and the browser fills the page after hydration. No tab token:
/// it reads only the daemon the server itself is configured with.
#[server(endpoint = "timeline/server_tail")]
pub async fn server_tail(
    profile_id: String,
    agent_id: String,
) -> Result<Option<PaintedTail>, AppError> {
    use protocol::{FetchAgentTimelineRequest, TimelineDirection, TimelineProjection};

    use super::ssr::{api, request_id};
    let api = api()?;
    let Some((fallback_id, key)) = api.fallback.clone() else {
        return Ok(None);
    };
    if fallback_id != profile_id {
        return Ok(None);
    }
    let Some(agent) = api.hub.agents(&key).into_iter().find(|a| a.id == agent_id) else {
        return Ok(None);
    };
    let request = FetchAgentTimelineRequest {
        agent_id,
        request_id: request_id("tail"),
        direction: Some(TimelineDirection::Tail),
        cursor: None,
        limit: Some(TAIL_ROWS),
        projection: Some(TimelineProjection::Canonical),
    };
    let page = match api.hub.fetch_timeline(&key, request).await {
        Ok(page) if page.error.is_none() => page,
        _ => return Ok(None),
    };
    Ok(Some(PaintedTail {
        profile_id,
        agent,
        epoch: page.epoch,
        has_older: page.has_older,
        items: page.entries.into_iter().map(live_item).collect(),
    }))
}
