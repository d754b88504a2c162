//! The header on every page, with the tab's channel banner.

use leptos::prelude::*;

use crate::live::{ChannelStatus, use_live};

#[component]
pub fn Header() -> impl IntoView {
    let live = use_live();
    let channel_down = move || live.hydrated.get() && live.channel.get() != ChannelStatus::Open;
    view! {
        <header class="top">
            <a class="brand" href="/">"Paseo"</a>
            <span class="tagline">"every agent, every host"</span>
        </header>
        <Show when=channel_down>
            <div class="banner banner-channel" role="status">
                "Reconnecting to the web server… what you see may be stale, and actions wait until it is back."
            </div>
        </Show>
    }
}
