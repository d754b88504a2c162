//! The union list: every agent of every host, one keyed row per
//! `(profile_id, agent_id)`. The ordering memo reads every agent's fields
//! but only re-renders the list when the order or membership changes; each
//! row reads its own agent's signal, so a status change re-renders that row.

use std::cmp::Reverse;

use leptos::prelude::*;
use protocol::AgentStatus;

use crate::directory::ordering::{Urgency, last_activity, urgency};
use crate::directory::{AgentKey, use_directory};
use crate::live::use_live;
use crate::time::{short, short_path};

/// Where a row goes: urgency, newest activity, then the key (stable).
type SortKey = (Urgency, Reverse<String>, AgentKey);

/// Status filter choices.
fn status_matches(filter: &str, status: AgentStatus, u: Urgency) -> bool {
    match filter {
        "needs_input" => u == Urgency::NeedsInput,
        "running" => matches!(status, AgentStatus::Running | AgentStatus::Initializing),
        "idle" => status == AgentStatus::Idle,
        "error" => status == AgentStatus::Error,
        _ => true,
    }
}

/// The wire name of a status (also a CSS class and a test hook).
pub fn status_name(status: AgentStatus) -> &'static str {
    match status {
        AgentStatus::Initializing => "initializing",
        AgentStatus::Idle => "idle",
        AgentStatus::Running => "running",
        AgentStatus::Error => "error",
        AgentStatus::Closed => "closed",
        AgentStatus::Unknown => "unknown",
    }
}

/// An agent's title, or a fallback naming its provider and id.
pub fn title_of(agent: &protocol::AgentSnapshot) -> String {
    match agent.title.as_deref().map(str::trim) {
        Some(t) if !t.is_empty() => t.to_owned(),
        _ => format!(
            "{} agent {}",
            agent.provider,
            agent.id.get(..8).unwrap_or(&agent.id)
        ),
    }
}

#[component]
pub fn AgentList() -> impl IntoView {
    let directory = use_directory();
    let live = use_live();
    let host_filter = RwSignal::new(String::new());
    let status_filter = RwSignal::new(String::new());
    let search = RwSignal::new(String::new());
    let show_archived = RwSignal::new(false);

    let ordered = Memo::new(move |_| {
        let host = host_filter.get();
        let status = status_filter.get();
        let needle = crate::search::fold_case(&search.get());
        let archived = show_archived.get();
        let mut rows: Vec<(SortKey, AgentKey)> = Vec::new();
        for key in directory.keys() {
            if !host.is_empty() && key.profile_id != host {
                continue;
            }
            let Some(cell) = directory.agent(&key) else {
                continue;
            };
            let pending = cell.permissions.with(Vec::len);
            let keep = cell.snapshot.with(|a| {
                let u = urgency(a, pending);
                let visible = (archived || a.archived_at.is_none())
                    && status_matches(&status, a.status, u)
                    && (needle.is_empty()
                        || crate::search::fold_case(&title_of(a)).contains(&needle)
                        || crate::search::fold_case(&a.cwd).contains(&needle));
                visible.then(|| (u, Reverse(last_activity(a).to_owned())))
            });
            if let Some((u, activity)) = keep {
                rows.push(((u, activity, key.clone()), key));
            }
        }
        crate::sorted::sort_by(&mut rows, |a, b| a.0.cmp(&b.0));
        rows.into_iter().map(|(_, key)| key).collect::<Vec<_>>()
    });
    let total = move || directory.keys().len();

    view! {
        <section class="agents" data-hydrated=move || live.hydrated.get().to_string()>
            <div class="filters" role="search">
                <input
                    class="search"
                    type="search"
                    placeholder="Search title or folder"
                    aria-label="Search agents by title or folder"
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev))
                />
                <select aria-label="Filter by host" on:change=move |ev| host_filter.set(event_target_value(&ev))>
                    <option value="">"All hosts"</option>
                    <For
                        each=move || live.profiles.get()
                        key=|p| (p.id.clone(), p.label.clone())
                        children=move |p| view! { <option value=p.id.clone()>{p.label.clone()}</option> }
                    />
                </select>
                <select aria-label="Filter by status" on:change=move |ev| status_filter.set(event_target_value(&ev))>
                    <option value="">"Any status"</option>
                    <option value="needs_input">"Needs input"</option>
                    <option value="running">"Running"</option>
                    <option value="idle">"Idle"</option>
                    <option value="error">"Failed"</option>
                </select>
                <label class="toggle">
                    <input type="checkbox" prop:checked=move || show_archived.get() on:change=move |ev| show_archived.set(event_target_checked(&ev)) />
                    "Show archived"
                </label>
            </div>
            <Show
                when=move || { total() > 0 || !live.hydrated.get() }
                fallback=|| view! {
                    <div class="empty">
                        <p><strong>"No agents yet."</strong></p>
                        <p>"Start one with “New agent”: pick a host, a provider and a folder, and optionally a first message. Agents you start from a terminal with "<code>"paseo run"</code>" show up here too."</p>
                    </div>
                }
            >
                <ul class="agent-list">
                    <For each=move || ordered.get() key=|key| key.clone() children=move |key| view! { <AgentRow key /> } />
                </ul>
                <Show when=move || { total() > 0 && ordered.with(Vec::is_empty) }>
                    <p class="empty">"No agent matches these filters."</p>
                </Show>
            </Show>
        </section>
    }
    .into_any()
}

#[component]
fn AgentRow(key: AgentKey) -> impl IntoView {
    let directory = use_directory();
    let live = use_live();
    let Some(cell) = directory.agent(&key) else {
        return ().into_any();
    };
    let href = format!("/agent/{}/{}", key.profile_id, key.agent_id);
    let snapshot = cell.snapshot.clone();
    let title = {
        let s = snapshot.clone();
        move || s.with(title_of)
    };
    let status = {
        let s = snapshot.clone();
        Signal::derive(move || s.with(|a| status_name(a.status)))
    };
    // An agent's provider and folder never change: plain text, not one
    // reactive node each (a list of 1,000 rows renders ~3,000 fewer).
    let (provider, cwd, cwd_full) =
        snapshot.with_untracked(|a| (a.provider.clone(), short_path(&a.cwd), a.cwd.clone()));
    let activity = {
        let s = snapshot.clone();
        move || s.with(|a| short(last_activity(a), &today()))
    };
    let attention = {
        let s = snapshot.clone();
        move || s.with(|a| a.requires_attention)
    };
    let archived = {
        let s = snapshot.clone();
        move || s.with(|a| a.archived_at.is_some())
    };
    let permissions = cell.permissions.clone();
    let pending = Signal::derive(move || permissions.with(Vec::len));
    let profile_id = key.profile_id.clone();
    let host_label = move || live.label(&profile_id);
    let profile_id = key.profile_id.clone();
    let host_status = Signal::derive(move || live.shown_status(&profile_id));
    let host_down = move || host_status.get() != "online";
    view! {
        <li
            class="agent-row"
            data-profile-id=key.profile_id.clone()
            data-agent-id=key.agent_id.clone()
            data-status=status
            data-host-status=host_status
            data-attention=move || attention().to_string()
        >
            <a class="agent-link" href=href>
                <span class="agent-title">{title}</span>
                <span class=move || format!("badge status-{}", status.get())>{status}</span>
                // Plain reactive closures rather than `<Show>`: a row is
                // rendered up to a thousand times on one page, and each
                // `<Show>` adds a memo and a view switch to every row.
                {move || (pending.get() > 0).then(|| view! {
                    <span class="badge needs-input" aria-label="pending permission requests">
                        {move || format!("{} waiting", pending.get())}
                    </span>
                })}
                {move || archived().then(|| view! { <span class="badge archived">"archived"</span> })}
                <span class="agent-meta">
                    <span class="host-chip">{host_label}</span>
                    {move || host_down().then(|| view! { <span class="badge offline">{host_status}</span> })}
                    <span class="provider">{provider}</span>
                    <span class="cwd" title=cwd_full>{cwd}</span>
                    <span class="activity">{activity}</span>
                </span>
            </a>
        </li>
    }
    .into_any()
}

/// Today's date (`YYYY-MM-DD`) in the browser; empty during SSR.
fn today() -> String {
    #[cfg(feature = "hydrate")]
    {
        String::from(js_sys::Date::new_0().to_iso_string())
            .get(..10)
            .unwrap_or_default()
            .to_owned()
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}
