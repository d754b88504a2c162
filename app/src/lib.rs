//! The Leptos application shared by the server (feature `ssr`) and the
//! browser (feature `hydrate`).
//!
//! What lives here: the routes and components, the daemon **registry** (the
//! browser's list of daemons, kept in localStorage), and the **live channel**
//! (one WebSocket per tab to the web server that streams each daemon's
//! connection state). Server-only code sits behind `cfg(feature = "ssr")`;
//! browser-only code behind `cfg(feature = "hydrate")`.

pub mod config;
pub mod hosts;
pub mod live;
pub mod registry;
pub mod routes;

use leptos::prelude::*;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    StaticSegment,
    components::{Route, Router, Routes},
};

pub use config::AppConfig;

/// The HTML document the server renders around [`App`]. `config` is written
/// into a `<meta>` tag so the browser learns the fallback daemon URL without
/// a round trip (the head is not hydrated, so it need not match anything).
pub fn shell(options: LeptosOptions, config: AppConfig) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <meta name=config::FALLBACK_URL_META content=config.fallback_ws_url.clone() />
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

/// Root component: meta context, stylesheet, title and the router.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    live::provide_live_state();
    view! {
        <Stylesheet id="leptos" href="/pkg/paseo-web.css" />
        <Title text="Paseo — all your agents" />
        <Router>
            <main>
                <Routes fallback=|| view! { <p class="not-found">"Page not found."</p> }>
                    <Route path=StaticSegment("") view=routes::home::HomePage />
                </Routes>
            </main>
        </Router>
    }
}
