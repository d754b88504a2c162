//! `/diff/:server_id?cwd=…`: the uncommitted changes of a checkout,
//! untracked files included, live: the page subscribes over the tab's
//! channel while it is shown (unsubscribing when it goes) and re-renders
//! on every `diff_update`. Per file a new/deleted/modified badge, +/-
//! counts and collapse; unified rows, side by side on wide screens. An
//! offline host keeps the last diff this tab saw under the placeholder.

use crate::sorted::SortedSet;

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::components::host_route::{HostRoute, OfflinePlaceholder};
use crate::contract::LiveDiffFile;
use crate::diffview::{Row, badge, no_hunks_reason, rows, side_by_side, totals};
use crate::explorer::files_href;
use crate::live::diffs::DiffTarget;
use crate::live::use_live;

#[component]
pub fn DiffPage() -> impl IntoView {
    let params = use_params_map();
    let server_id = Signal::derive(move || params.with(|p| p.get("server_id").unwrap_or_default()));
    view! {
        <HostRoute server_id page=move |profile_id| view! { <DiffView profile_id server_id /> } />
    }
}

/// Whether the window is wide enough for side by side (tracked; false on
/// the server).
fn window_is_wide() -> Signal<bool> {
    let wide = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        /// Wider than this (CSS pixels), side by side.
        const SPLIT_MIN_WIDTH: f64 = 1100.0;
        let measure = move || {
            let width = window()
                .inner_width()
                .ok()
                .and_then(|w| w.as_f64())
                .unwrap_or(0.0);
            wide.set(width >= SPLIT_MIN_WIDTH);
        };
        measure();
        let handle = window_event_listener(leptos::ev::resize, move |_| measure());
        on_cleanup(move || handle.remove());
    }
    wide.into()
}

#[component]
fn DiffView(profile_id: String, server_id: Signal<String>) -> impl IntoView {
    let live = use_live();
    let query = use_query_map();
    let cwd = Memo::new(move |_| query.with(|q| q.get("cwd").unwrap_or_default()));
    let id = profile_id.clone();
    let target = Memo::new(move |_| DiffTarget {
        profile_id: id.clone(),
        cwd: cwd.get(),
    });

    // Subscribed while shown; a new cwd replaces the subscription.
    let subscription = StoredValue::new(None::<String>);
    Effect::new(move |_| {
        let target = target.get();
        if let Some(old) = subscription.get_value() {
            live.diffs.unwatch(&old);
        }
        let id = (!target.cwd.is_empty()).then(|| live.diffs.watch(target));
        subscription.set_value(id);
    });
    on_cleanup(move || {
        if let Some(old) = subscription.get_value() {
            live.diffs.unwatch(&old);
        }
    });

    let diff = Memo::new(move |_| live.diffs.get(&target.get()));
    let id = profile_id.clone();
    let host_status = Signal::derive(move || live.shown_status(&id));
    let id = profile_id.clone();
    let label = Signal::derive(move || live.label(&id));
    let online = Signal::derive(move || host_status.get() == "online");
    let collapsed = RwSignal::new(SortedSet::<String>::new());
    let wide = window_is_wide();
    let split_choice = RwSignal::new(None::<bool>);
    let split = Signal::derive(move || split_choice.get().unwrap_or_else(|| wide.get()));

    let state = move || match diff.get() {
        _ if cwd.get().is_empty() => "no-cwd",
        None => "loading",
        Some(d) if d.error.is_some() => "refused",
        Some(d) if d.files.is_empty() => "clean",
        Some(_) => "changes",
    };
    let summary = move || {
        diff.get().filter(|d| d.error.is_none()).map(|d| {
            let t = totals(&d.files);
            let noun = if t.files == 1 { "file" } else { "files" };
            view! {
                <span class="diff-totals">
                    {format!("{} {noun} changed ", t.files)}
                    <span class="plus">{format!("+{}", t.additions)}</span>" "
                    <span class="minus">{format!("−{}", t.deletions)}</span>
                </span>
            }
        })
    };
    let live_badge = move || {
        let (class, text) = if online.get() {
            if diff.get().is_some() {
                ("live on", "Live")
            } else {
                ("live", "Connecting…")
            }
        } else {
            ("live off", "Not live")
        };
        view! { <span class=format!("badge {class}") data-updates=move || diff.get().map_or(0, |d| d.updates)>{text}</span> }
    };
    let all_paths = move || {
        diff.get()
            .map(|d| {
                d.files
                    .into_iter()
                    .map(|f| f.path)
                    .collect::<SortedSet<_>>()
            })
            .unwrap_or_default()
    };

    let body = move || {
        match diff.get() {
        _ if cwd.get().is_empty() => view! {
            <p class="empty">"No folder given: open the diff from an agent’s page."</p>
        }
        .into_any(),
        None if online.get() => view! { <p class="files-loading">"Loading the diff…"</p> }.into_any(),
        None => view! {
            <p class="empty">"This browser has not seen this diff yet; it loads once the host is back."</p>
        }
        .into_any(),
        Some(d) => match d.error {
            Some(error) => view! {
                <p class="inline-error refused" role="alert" data-state="refused">{error}</p>
            }
            .into_any(),
            None if d.files.is_empty() => view! {
                <p class="empty">"No uncommitted changes."</p>
            }
            .into_any(),
            None => d
                .files
                .into_iter()
                .map(|file| view! { <DiffFile file collapsed split /> })
                .collect_view()
                .into_any(),
        },
    }
    };

    view! {
        <section class="ws-page diff-page" data-profile-id=profile_id.clone()
            data-host-status=host_status data-state=state>
            <header class="ws-header">
                <div class="ws-heading">
                    <a class="back" href="/" aria-label="All agents">"←"</a>
                    <h1>"Changes"</h1>
                    <span class="host-chip">{label}</span>
                    <span class=move || format!("host-status status-{}", host_status.get())>{host_status}</span>
                    {live_badge}
                </div>
                <p class="ws-cwd" title=move || cwd.get()>{move || cwd.get()}</p>
                <div class="ws-actions">
                    {summary}
                    <a class="button-link" href=move || files_href(&server_id.get(), &cwd.get(), ".")>"Files"</a>
                    <button on:click=move |_| collapsed.set(all_paths())>"Collapse all"</button>
                    <button on:click=move |_| collapsed.set(SortedSet::new())>"Expand all"</button>
                    <button class="split-toggle" aria-pressed=move || split.get().to_string()
                        on:click=move |_| split_choice.set(Some(!split.get_untracked()))>
                        "Side by side"
                    </button>
                </div>
            </header>
            <OfflinePlaceholder profile_id=profile_id.clone() />
            <div class="diff-files">{body}</div>
        </section>
    }
}

/// One changed file: its header (collapse, badge, path, counts) and hunks.
#[component]
fn DiffFile(
    file: LiveDiffFile,
    collapsed: RwSignal<SortedSet<String>>,
    split: Signal<bool>,
) -> impl IntoView {
    let path = file.path.clone();
    let is_collapsed = {
        let path = path.clone();
        move || collapsed.with(|c| c.contains(&path))
    };
    let toggle = {
        let path = path.clone();
        move |_| {
            collapsed.update(|c| {
                if !c.remove(&path) {
                    c.insert(path.clone());
                }
            })
        }
    };
    let badge = badge(&file);
    let reason = no_hunks_reason(&file);
    let hunks: Vec<(String, Vec<Row>)> = file
        .hunks
        .iter()
        .map(|h| (h.header.clone(), rows(h)))
        .collect();
    let expanded = {
        let is_collapsed = is_collapsed.clone();
        move || (!is_collapsed()).to_string()
    };
    let body = move || {
        if is_collapsed() {
            return ().into_any();
        }
        if let Some(reason) = reason {
            return view! { <p class="diff-note">{reason}</p> }.into_any();
        }
        let split = split.get();
        let hunks = hunks.clone();
        view! {
            <div class=if split { "diff-body split" } else { "diff-body unified" }>
                {hunks.into_iter().map(|(header, rows)| view! {
                    <div class="dh">{header}</div>
                    {if split { split_rows(&rows).into_any() } else { unified_rows(rows).into_any() }}
                }).collect_view()}
            </div>
        }
        .into_any()
    };
    view! {
        <article class="diff-file" data-path=path.clone() data-badge=badge
            data-additions=file.additions data-deletions=file.deletions>
            <header class="diff-file-head">
                <button class="collapse" aria-expanded=expanded on:click=toggle
                    aria-label=format!("Show or hide {path}")>
                    <span class="chevron" aria-hidden="true"></span>
                </button>
                <span class=format!("badge badge-{badge}")>{badge}</span>
                <span class="diff-path" title=path.clone()>{path.clone()}</span>
                <span class="diff-stat">
                    <span class="plus">{format!("+{}", file.additions)}</span>
                    <span class="minus">{format!("−{}", file.deletions)}</span>
                </span>
            </header>
            {body}
        </article>
    }
}

fn number(n: Option<u64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

fn unified_rows(rows: Vec<Row>) -> impl IntoView {
    rows.into_iter()
        .map(|row| {
            view! {
                <div class=format!("dr {}", row.kind.class())>
                    <span class="ln">{number(row.old)}</span>
                    <span class="ln">{number(row.new)}</span>
                    <span class="dt"><span class="sign">{row.kind.sign()}</span>{row.text}</span>
                </div>
            }
        })
        .collect_view()
}

fn split_rows(rows: &[Row]) -> impl IntoView {
    let half = |row: Option<Row>, old: bool| match row {
        Some(row) => {
            let n = if old { row.old } else { row.new };
            view! {
                <span class=format!("ln {}", row.kind.class())>{number(n)}</span>
                <span class=format!("dt {}", row.kind.class())>{row.text}</span>
            }
            .into_any()
        }
        None => view! { <span class="ln blank"></span><span class="dt blank"></span> }.into_any(),
    };
    side_by_side(rows)
        .into_iter()
        .map(|(left, right)| {
            view! { <div class="dr2">{half(left, true)}{half(right, false)}</div> }
        })
        .collect_view()
}
