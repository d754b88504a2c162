//! The Leptos application shared by the server (feature `ssr`) and the
//! browser (feature `hydrate`).
//!
//! - `live`: the tab's one channel to the web server (connection states).
//! - `directory`: every daemon session the tab holds, as fine-grained
//!   signals fed by the channel (pure rules in `directory::model`).
//! - `api`: server functions (actions and queries), routed by profile.
//! - `drafts`, `snapshots`, `registry`: what the browser keeps in storage.
//! - `routes` (one module per URL) and `components` (shared views).
//!
//! Server-only code sits behind `cfg(feature = "ssr")`; browser-only code
//! behind `cfg(feature = "hydrate")`.

pub mod api;
pub mod attention;
pub mod chunks;
pub mod components;
pub mod config;
pub mod contract;
pub mod diffview;
pub mod directory;
pub mod drafts;
pub mod error;
pub mod explorer;
pub mod hosts;
pub mod live;
pub mod markdown;
pub mod notify;
pub mod registry;
pub mod routes;
pub mod search;
pub mod session;
pub mod settings;
pub mod shortcuts;
pub mod snapshots;
pub mod sorted;
pub mod time;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, provide_meta_context};
use leptos_router::{
    Lazy, LazyRoute, ParamSegment, StaticSegment,
    components::{Route, Router, Routes},
    lazy_route,
};

pub use config::AppConfig;

/// The HTML document the server renders around [`App`]. `config` is written
/// into `<meta>` tags so the browser learns the fallback daemon URL and
/// profile id without a round trip (the head is not hydrated).
pub fn shell(options: LeptosOptions, config: AppConfig) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="dark light" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <meta name=config::FALLBACK_URL_META content=config.fallback_ws_url.clone() />
                <meta name=config::FALLBACK_ID_META content=config.fallback_profile_id.clone() />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Root component: contexts (live state, directory, drafts), then the
/// router with the site map.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let live = live::provide_live_state();
    let directory = directory::provide_directory();
    let drafts = drafts::provide_drafts();
    let send_errors = drafts::provide_send_errors();
    let theme = settings::theme::provide_theme();
    attention::provide_attention(directory);
    components::palette::provide_overlays();
    components::toasts::provide_toasts();
    start_after_hydration(live, directory, drafts, send_errors);
    Effect::new(move |_| theme.start());
    view! {
        <Stylesheet id="leptos" href="/pkg/paseo-web.css" />
        <Router>
            <components::layout::Header />
            <components::palette::Palette />
            <components::keys::Shortcuts />
            <components::toasts::ToastHost />
            <main>
                <Routes fallback=|| view! { <p class="not-found">"Page not found."</p> }>
                    <Route path=StaticSegment("") view=routes::home::HomePage />
                    <Route path=StaticSegment("settings") view={Lazy::<SettingsRoute>::new()} />
                    <Route path=StaticSegment("inbox") view={Lazy::<InboxRoute>::new()} />
                    <Route
                        path=(StaticSegment("agent"), ParamSegment("server_id"), ParamSegment("agent_id"))
                        view={Lazy::<AgentRoute>::new()}
                    />
                    <Route path=(StaticSegment("agent"), ParamSegment("id")) view={Lazy::<LegacyRoute>::new()} />
                    <Route path=(StaticSegment("files"), ParamSegment("server_id")) view={Lazy::<FilesRoute>::new()} />
                    <Route path=(StaticSegment("diff"), ParamSegment("server_id")) view={Lazy::<DiffRoute>::new()} />
                </Routes>
            </main>
        </Router>
    }
}

/// `/agent/:server_id/:agent_id` is code-split: the page and what only it
/// uses (timeline, markdown, composer, permission prompts) are a wasm chunk
/// the browser fetches when the route is first shown (the server preloads it
/// when it renders that route), so the initial load of `/` stays small.
pub(crate) struct AgentRoute;

#[lazy_route]
impl LazyRoute for AgentRoute {
    fn data() -> Self {
        AgentRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <routes::agent::AgentPage /> }.into_any()
    }
}

/// `/agent/:id` (links from before host-qualified routes), code-split like
/// the agent route: rare, and nothing else needs its resolution code.
pub(crate) struct LegacyRoute;

#[lazy_route]
impl LazyRoute for LegacyRoute {
    fn data() -> Self {
        LegacyRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <routes::legacy::LegacyAgentPage /> }.into_any()
    }
}

/// `/settings`, code-split like the agent route.
pub(crate) struct SettingsRoute;

#[lazy_route]
impl LazyRoute for SettingsRoute {
    fn data() -> Self {
        SettingsRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <routes::settings::SettingsPage /> }.into_any()
    }
}

/// `/inbox`, code-split like the agent route.
pub(crate) struct InboxRoute;

#[lazy_route]
impl LazyRoute for InboxRoute {
    fn data() -> Self {
        InboxRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <routes::inbox::InboxPage /> }.into_any()
    }
}

/// `/files/:server_id`, code-split like the agent route.
pub(crate) struct FilesRoute;

#[lazy_route]
impl LazyRoute for FilesRoute {
    fn data() -> Self {
        FilesRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <routes::files::FilesPage /> }.into_any()
    }
}

/// `/diff/:server_id`, code-split like the agent route.
pub(crate) struct DiffRoute;

#[lazy_route]
impl LazyRoute for DiffRoute {
    fn data() -> Self {
        DiffRoute
    }

    fn view(_this: Self) -> AnyView {
        view! { <routes::diff::DiffPage /> }.into_any()
    }
}

/// After hydration (never during SSR): loads the registry, drafts and cached
/// sessions, opens the channel and starts the queue sender. "After" means
/// once the whole page has hydrated ([`hydration_complete`], called by the
/// wasm entry after its synchronous hydration): loading the registry any
/// earlier would change what a view renders before it has hydrated the
/// server's HTML. The gate keeps that true whatever order the entry point
/// and the effects run in.
fn start_after_hydration(
    state: live::LiveState,
    directory: crate::directory::Directory,
    drafts: crate::drafts::Drafts,
    send_errors: crate::drafts::SendErrors,
) {
    Effect::new(move |started: Option<bool>| {
        if started == Some(true) {
            return true;
        }
        #[cfg(feature = "hydrate")]
        if !HYDRATED.with(|done| done.get()) {
            return false;
        }
        state.hydrated.set(true);
        #[cfg(feature = "hydrate")]
        {
            live::client::start(state, directory);
            for profile in state.profiles.get_untracked() {
                drafts.load(&profile.id);
            }
            crate::drafts::storage::follow_other_tabs(drafts);
            crate::drafts::sender::start(drafts, directory, state, send_errors);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (directory, drafts, send_errors);
        true
    });
}

#[cfg(feature = "hydrate")]
thread_local! {
    static HYDRATED: ArcRwSignal<bool> = ArcRwSignal::new(false);
}

/// The wasm entry calls this once the page has hydrated: the
/// browser side of [`App`] starts then.
#[cfg(feature = "hydrate")]
pub fn hydration_complete() {
    // A `performance` mark the browser benchmarks measure renders from (the
    // union's first render is "hydrated → every row in the DOM").
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark("paseo:hydrated");
    }
    HYDRATED.with(|done| done.set(true));
    chunks::preload_all();
}
