//! The header on every page: the brand, the attention count (inbox), the
//! palette and settings; the tab's channel banner; the tab title and the
//! favicon saying when something needs the user.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::attention::{title, use_attention};
use crate::live::{ChannelStatus, use_live};

#[component]
pub fn Header() -> impl IntoView {
    let live = use_live();
    let attention = use_attention();
    let count = move || attention.0.with(Vec::len);
    let channel_down = move || live.hydrated.get() && live.channel.get() != ChannelStatus::Open;
    // Browser notifications for what needs attention (when allowed).
    #[cfg(feature = "hydrate")]
    crate::notify::browser::start();
    // The favicon gains a red dot while something needs attention.
    Effect::new(move |_| {
        let needs = count() > 0;
        #[cfg(feature = "hydrate")]
        if let Ok(Some(link)) = document().query_selector("link[rel=icon]") {
            let href = if needs {
                "/favicon-attention.svg"
            } else {
                "/favicon.svg"
            };
            let _ = link.set_attribute("href", href);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = needs;
    });
    view! {
        <Title text=move || title(count()) />
        <header class="top">
            <a class="brand" href="/">"Paseo"</a>
            <span class="tagline">"every agent, every host"</span>
            <nav class="top-nav" aria-label="Main">
                <a href="/inbox" class="nav-inbox" aria-label=move || format!("Inbox, {} need you", count())>
                    "Inbox"
                    <span class="count" data-count=move || count().to_string() class:zero=move || count() == 0>{count}</span>
                </a>
                <button class="nav-palette" aria-label="Jump to… (Ctrl+K)" aria-keyshortcuts="Control+K Meta+K"
                    on:click=move |_| crate::components::palette::open_palette()>
                    "Jump to…"<kbd>"Ctrl K"</kbd>
                </button>
                <a href="/settings" class="nav-settings">"Settings"</a>
            </nav>
        </header>
        <Show when=channel_down>
            <div class="banner banner-channel" role="status">
                "Reconnecting to the web server… what you see may be stale, and actions wait until it is back."
            </div>
        </Show>
    }
}
