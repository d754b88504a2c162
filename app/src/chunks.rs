//! Which wasm chunks a page needs, and loading them.
//!
//! Routes other than `/` are code-split (`#[lazy_route]` in `lib.rs`). The
//! page hydrates *synchronously* (`frontend::hydrate`), which needs the
//! current route's chunk already loaded: the router panics on a lazy route
//! it cannot choose at once. So the entry point first awaits
//! [`preload_for_path`], then hydrates. (The async hydration path would
//! cost an async copy of the whole hydration code in the main module.)
//!
//! [`chunks_for_path`] is the pure rule, tested natively; it must agree with
//! the `<Routes>` table in [`crate::App`]. When it cannot tell (a path no
//! route starts with), it asks for every route chunk: a 404 page then loads
//! more than it needs, but never fails to hydrate.

/// One code-split route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RouteChunk {
    /// `/agent/:server_id/:agent_id`.
    Agent,
    /// `/agent/:id`, the legacy link.
    Legacy,
    /// `/settings`.
    Settings,
    /// `/inbox`.
    Inbox,
    /// `/files/:server_id`.
    Files,
    /// `/diff/:server_id`.
    Diff,
}

/// Every route chunk.
pub const ALL_ROUTES: &[RouteChunk] = &[
    RouteChunk::Agent,
    RouteChunk::Inbox,
    RouteChunk::Settings,
    RouteChunk::Files,
    RouteChunk::Diff,
    RouteChunk::Legacy,
];

/// The chunks the page at `path` (a URL path, no query) needs before it can
/// hydrate. Both agent chunks for any `/agent/…` path: which of the two
/// routes matches depends on the segment count, and the legacy chunk is small.
pub fn chunks_for_path(path: &str) -> &'static [RouteChunk] {
    let first = path.split('/').find(|segment| !segment.is_empty());
    match first {
        None => &[],
        Some("agent") => &[RouteChunk::Agent, RouteChunk::Legacy],
        Some("settings") => &[RouteChunk::Settings],
        Some("inbox") => &[RouteChunk::Inbox],
        Some("files") => &[RouteChunk::Files],
        Some("diff") => &[RouteChunk::Diff],
        Some(_) => ALL_ROUTES,
    }
}

/// Loads the chunks [`chunks_for_path`] names, in order.
#[cfg(feature = "hydrate")]
pub async fn preload_for_path(path: &str) {
    for chunk in chunks_for_path(path) {
        preload(*chunk).await;
    }
}

/// Fetches every lazily loaded chunk once the page is up, one after the
/// other: the first visit to a route or the first opening of a dialog then
/// does not wait for the network. They are not part of `/`'s first load
/// (what the bundle budget measures), and fetching them later costs the page
/// nothing it is waiting for.
#[cfg(feature = "hydrate")]
pub fn preload_all() {
    leptos::task::spawn_local(async {
        // The snapshot writer first: until it is here, a save (the one on
        // `pagehide` included) waits for it, and a reload in that moment
        // would find no cached session.
        crate::snapshots::preload_writer().await;
        for chunk in ALL_ROUTES {
            preload(*chunk).await;
        }
        crate::components::create_dialog::preload().await;
        crate::components::palette::preload().await;
    });
}

#[cfg(feature = "hydrate")]
async fn preload(chunk: RouteChunk) {
    use crate::{AgentRoute, DiffRoute, FilesRoute, InboxRoute, LegacyRoute, SettingsRoute};
    use leptos_router::LazyRoute;
    match chunk {
        RouteChunk::Agent => AgentRoute::preload().await,
        RouteChunk::Legacy => LegacyRoute::preload().await,
        RouteChunk::Settings => SettingsRoute::preload().await,
        RouteChunk::Inbox => InboxRoute::preload().await,
        RouteChunk::Files => FilesRoute::preload().await,
        RouteChunk::Diff => DiffRoute::preload().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_union_needs_no_chunk() {
        assert_eq!(chunks_for_path("/"), &[] as &[RouteChunk]);
        assert_eq!(chunks_for_path(""), &[] as &[RouteChunk]);
    }

    #[test]
    fn each_route_needs_its_own_chunk() {
        assert_eq!(chunks_for_path("/settings"), &[RouteChunk::Settings]);
        assert_eq!(chunks_for_path("/settings/"), &[RouteChunk::Settings]);
        assert_eq!(chunks_for_path("/inbox"), &[RouteChunk::Inbox]);
        assert_eq!(chunks_for_path("/files/srv_abc"), &[RouteChunk::Files]);
        assert_eq!(chunks_for_path("/diff/srv_abc"), &[RouteChunk::Diff]);
    }

    #[test]
    fn any_agent_path_loads_both_agent_chunks() {
        for path in [
            "/agent/srv_a/agent-1",
            "/agent/agent-1",
            "/agent/",
            "//agent/x/y/z",
        ] {
            assert_eq!(
                chunks_for_path(path),
                &[RouteChunk::Agent, RouteChunk::Legacy],
                "{path}"
            );
        }
    }

    #[test]
    fn an_unknown_path_loads_every_route_chunk() {
        assert_eq!(chunks_for_path("/nowhere"), ALL_ROUTES);
        assert_eq!(chunks_for_path("/%61gent/x/y"), ALL_ROUTES);
        assert_eq!(
            ALL_ROUTES.len(),
            6,
            "one entry per lazy route in App's <Routes>"
        );
    }
}
