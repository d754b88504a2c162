//! One agent's timeline: a keyed list of display items (by `seq_start`),
//! each rendering its own signal, so a streamed chunk re-renders only the
//! growing message. Every item carries `data-seq-start`/`data-seq-end`.
//! Older pages load on demand ("Load earlier") with the scroll position
//! kept; the view follows the bottom unless the user scrolled up.

use leptos::html::Div;
use leptos::prelude::*;
use protocol::{TimelineItem, ToolCallDetail, ToolCallStatus};

use crate::api::timeline::fetch_older;
use crate::directory::{AgentKey, DisplayItem, use_directory};
use crate::drafts::use_drafts;
use crate::markdown::to_safe_html;

const PAGE: u32 = 100;
/// At most this many items are mounted at once, whatever the timeline's
/// length: a 10,000-row history scrolls without 10,000 DOM subtrees.
pub const MAX_MOUNTED: usize = 300;
/// How many items one "earlier"/"later" step mounts.
const STEP: usize = 100;

/// The mounted slice of a timeline's item keys (pure, tested natively).
/// `top` is the first mounted key while the user reads history; `None`
/// follows the newest items. The slice is contiguous and at most `max`
/// long, so mounted seq ranges stay contiguous and disjoint.
pub fn mounted_window(keys: &[u64], top: Option<u64>, max: usize) -> std::ops::Range<usize> {
    let len = keys.len();
    let start = match top {
        None => len.saturating_sub(max),
        Some(top) => keys
            .partition_point(|k| *k < top)
            .min(len.saturating_sub(1)),
    };
    start..(start + max).min(len)
}

/// The key whose item holds `seq` (the last key at or before it).
pub fn key_holding(keys: &[u64], seq: u64) -> Option<u64> {
    let i = keys.partition_point(|k| *k <= seq);
    keys.get(i.checked_sub(1)?).copied()
}

#[component]
pub fn Timeline(
    key: AgentKey,
    /// `?seq=N`: load pages back to `N` and scroll to it.
    focus: Option<u64>,
) -> impl IntoView {
    let directory = use_directory();
    let drafts = use_drafts();
    let cell = directory.timeline(&key);
    let scroller = NodeRef::<Div>::new();
    let stick = RwSignal::new(focus.is_none());
    let loading_older = RwSignal::new(false);
    let older_error = RwSignal::new(None::<String>);
    let top = RwSignal::new(None::<u64>);
    let keys = cell.keys.clone();
    let window = {
        let keys = keys.clone();
        Memo::new(move |_| keys.with(|k| mounted_window(k, top.get(), MAX_MOUNTED)))
    };
    let mounted = {
        let keys = keys.clone();
        move || keys.with(|k| k[window.get()].to_vec())
    };
    let hidden_above = move || window.get().start > 0;
    let hidden_below = {
        let keys = keys.clone();
        move || window.get().end < keys.with(Vec::len)
    };

    let on_scroll = move |_| {
        if let Some(el) = scroller.get_untracked() {
            let gap = el.scroll_height() - el.scroll_top() - el.client_height();
            stick.set(gap < 48 && top.get_untracked().is_none());
        }
    };
    let to_bottom = move || {
        if let Some(el) = scroller.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
    };
    // Follow the bottom when items come or grow, unless scrolled up.
    {
        let keys = keys.clone();
        let cell = cell.clone();
        Effect::new(move |_| {
            let keys = keys.get();
            if let Some(last) = keys.last().and_then(|seq| cell.item(*seq)) {
                last.track();
            }
            if stick.get_untracked() {
                request_animation_frame(to_bottom);
            }
        });
    }
    // Moves the window so it starts at `new_top`, keeping the item the user
    // sees (`anchor`) where it is on screen.
    let shift = move |new_top: Option<u64>, anchor: Option<u64>| {
        let before = anchor.and_then(|seq| offset_of(scroller, seq));
        top.set(new_top);
        request_animation_frame(move || {
            if let (Some(el), Some(seq), Some(before)) = (scroller.get_untracked(), anchor, before)
                && let Some(after) = offset_of(scroller, seq)
            {
                el.set_scroll_top(el.scroll_top() + after - before);
            }
        });
    };

    let fetch_page = {
        let key = key.clone();
        let cell = cell.clone();
        // Fetches the page before the first held item; `then` runs after it
        // is merged (with whether more pages are older still).
        move |then: Box<dyn FnOnce()>| {
            let Some(token) = directory.tab_token.get_untracked() else {
                older_error.set(Some("not connected to the web server".into()));
                return;
            };
            let Some(first) = cell.keys.get_untracked().first().copied() else {
                return;
            };
            let epoch = cell.epoch.get_untracked();
            let key = key.clone();
            loading_older.set(true);
            leptos::task::spawn_local(async move {
                match fetch_older(
                    token,
                    key.profile_id.clone(),
                    key.agent_id.clone(),
                    epoch,
                    first,
                    PAGE,
                )
                .await
                {
                    Ok(page) => {
                        older_error.set(None);
                        directory.prepend(&key, &page.epoch, page.items, page.has_older);
                        then();
                    }
                    Err(err) => older_error.set(Some(err.to_string())),
                }
                loading_older.set(false);
            });
        }
    };

    let load_older = {
        let keys = keys.clone();
        let fetch_page = fetch_page.clone();
        move |_| {
            stick.set(false);
            let range = window.get_untracked();
            let first_mounted = keys.with_untracked(|k| k.get(range.start).copied());
            if range.start > 0 {
                // Held in memory: mount the previous step.
                let new_top = keys.with_untracked(|k| k[range.start.saturating_sub(STEP)]);
                shift(Some(new_top), first_mounted);
                return;
            }
            let keys = keys.clone();
            fetch_page(Box::new(move || {
                let new_top = keys.with_untracked(|k| k.first().copied());
                shift(new_top, first_mounted);
            }));
        }
    };
    let load_later = {
        let keys = keys.clone();
        move |_| {
            let range = window.get_untracked();
            let last_mounted = keys.with_untracked(|k| k.get(range.end.wrapping_sub(1)).copied());
            let len = keys.with_untracked(Vec::len);
            let new_top = if range.end + STEP >= len {
                None
            } else {
                keys.with_untracked(|k| k.get(range.start + STEP).copied())
            };
            shift(new_top, last_mounted);
        }
    };
    let jump_latest = move |_| {
        top.set(None);
        stick.set(true);
        request_animation_frame(to_bottom);
    };

    // `?seq=N`: page back until the item holding N is held, mount the
    // window from it and scroll to it.
    if let Some(target) = focus {
        let keys = keys.clone();
        let has_older = cell.has_older.clone();
        let loaded = cell.loaded.clone();
        let fetch_page = fetch_page.clone();
        let done = StoredValue::new(false);
        let focus_key = key.clone();
        Effect::new(move |_| {
            // Pages come through a server function: wait until the channel
            // has a tab token and the server has taken this tab's `watch` (a
            // live snapshot of the host); the browser side starts after
            // hydration, so a server-painted or cached timeline is loaded
            // before that.
            let connected = directory.tab_token.with(Option::is_some)
                && directory.is_live(&focus_key.profile_id);
            if !loaded.get() || !connected || done.get_value() || loading_older.get() {
                return;
            }
            let first = keys.with(|k| k.first().copied());
            let reached = first.is_none_or(|f| f <= target) || !has_older.get();
            if !reached {
                // Pages come through a server function: wait (tracked) for
                // the channel's token after a reload.
                if directory.tab_token.with(Option::is_none) {
                    return;
                }
                fetch_page(Box::new(|| {}));
                return;
            }
            done.set_value(true);
            let holder = keys.with_untracked(|k| key_holding(k, target).or(k.first().copied()));
            top.set(holder);
            if let Some(seq) = holder {
                request_animation_frame(move || scroll_into_view(scroller, seq));
            }
        });
    }

    let pending_key = key.clone();
    let pending = move || drafts.queue(&pending_key.profile_id, &pending_key.agent_id);
    let has_older = cell.has_older.clone();
    let loaded = cell.loaded.clone();
    let items_cell = cell.clone();
    let can_go_earlier = move || has_older.get() || hidden_above();
    view! {
        <div class="timeline" node_ref=scroller on:scroll=on_scroll aria-live="polite">
            <Show when=can_go_earlier>
                <button class="load-older" on:click=load_older.clone() disabled=move || loading_older.get()>
                    {move || if loading_older.get() { "Loading earlier messages…" } else { "Load earlier" }}
                </button>
            </Show>
            {move || older_error.get().map(|e| view! { <p class="inline-error">{e}</p> })}
            <Show when=move || !loaded.get()>
                <p class="timeline-loading">"Loading the conversation…"</p>
            </Show>
            <For
                each=mounted
                key=|seq| *seq
                children=move |seq| {
                    match items_cell.item(seq) {
                        Some(item) => view! { <Item item /> }.into_any(),
                        None => ().into_any(),
                    }
                }
            />
            <Show when=hidden_below.clone()>
                <button class="load-later" on:click=load_later.clone()>"Load later"</button>
            </Show>
            <For
                each=pending
                key=|q| (q.message_id.clone(), q.undeliverable.is_some())
                children=|q| {
                    let note = match &q.undeliverable {
                        Some(why) => format!("not sent: {why}"),
                        None => "queued".to_owned(),
                    };
                    view! {
                        <div class="item item-user" data-pending="true" data-message-id=q.message_id.clone()
                            data-undeliverable=q.undeliverable.is_some().then_some("true")>
                            <div class="bubble">{q.text.clone()}</div>
                            <span class="pending-note">{note}</span>
                        </div>
                    }
                }
            />
        </div>
        <Show when=move || !stick.get()>
            <button class="jump-latest" on:click=jump_latest>"Jump to latest ↓"</button>
        </Show>
    }
    .into_any()
}

/// The on-screen offset of the mounted item starting at `seq`.
fn offset_of(scroller: NodeRef<Div>, seq: u64) -> Option<i32> {
    let el = scroller.get_untracked()?;
    let item = el
        .query_selector(&format!("[data-seq-start=\"{seq}\"]"))
        .ok()
        .flatten()?;
    Some(item.get_bounding_client_rect().top() as i32)
}

fn scroll_into_view(scroller: NodeRef<Div>, seq: u64) {
    if let Some(el) = scroller.get_untracked()
        && let Ok(Some(item)) = el.query_selector(&format!("[data-seq-start=\"{seq}\"]"))
    {
        item.scroll_into_view();
        let _ = item.class_list().add_1("focused");
    }
}

/// One display item. Its kind never changes (merges keep it); its text and
/// seq end grow.
#[component]
pub fn Item(item: ArcRwSignal<DisplayItem>) -> impl IntoView {
    let start = item.with_untracked(|i| i.seq_start);
    let end = {
        let item = item.clone();
        move || item.with(|i| i.seq_end)
    };
    let kind = item.with_untracked(|i| kind_name(&decode(&i.item)));
    let body = {
        let item = item.clone();
        move || item.with(|i| render_item(&decode(&i.item)))
    };
    view! {
        <div class=format!("item item-{kind}") data-seq-start=start data-seq-end=end>
            {body}
        </div>
    }
}

/// The typed item of a held row (the directory keeps the daemon's JSON);
/// one that does not decode is shown as unknown, never dropped.
pub fn decode(item: &serde_json::Value) -> TimelineItem {
    TimelineItem::from_value(item.clone())
}

pub fn kind_name(item: &TimelineItem) -> &'static str {
    match item {
        TimelineItem::UserMessage { .. } => "user",
        TimelineItem::AssistantMessage { .. } => "assistant",
        TimelineItem::Reasoning { .. } => "reasoning",
        TimelineItem::ToolCall(_) => "tool",
        TimelineItem::Todo { .. } => "todo",
        TimelineItem::Error { .. } => "error",
        TimelineItem::Compaction { .. } => "compaction",
        TimelineItem::Unknown(_) => "unknown",
    }
}

/// The content of one item (pure view; also rendered natively in tests).
pub fn render_item(item: &TimelineItem) -> AnyView {
    match item {
        TimelineItem::UserMessage { text, .. } => view! { <div class="bubble">{text.clone()}</div> }.into_any(),
        TimelineItem::AssistantMessage { text } => {
            view! { <div class="markdown" inner_html=to_safe_html(text)></div> }.into_any()
        }
        TimelineItem::Reasoning { text } => view! {
            <details class="reasoning">
                <summary>"Thinking"</summary>
                <p>{text.clone()}</p>
            </details>
        }
        .into_any(),
        TimelineItem::ToolCall(call) => {
            let status = tool_status(call.status);
            let error = call.error.as_ref().filter(|e| !e.is_null()).map(|e| match e {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            view! {
                <details class="tool" open=matches!(call.status, ToolCallStatus::Failed)>
                    <summary>
                        <span class="tool-name">{call.name.clone()}</span>
                        <span class="tool-target">{call_summary(call)}</span>
                        <span class=format!("badge tool-{status}")>{status}</span>
                    </summary>
                    {tool_detail(&call.detail)}
                    {error.map(|e| view! { <pre class="tool-error">{e}</pre> })}
                </details>
            }
            .into_any()
        }
        TimelineItem::Todo { items } => {
            let done = items.iter().filter(|t| t.completed).count();
            let total = items.len();
            view! {
                <div class="todo">
                    <div class="todo-progress">{format!("Plan: {done}/{total} done")}</div>
                    <ul>
                        {items
                            .iter()
                            .map(|t| view! { <li class:done=t.completed>{if t.completed { "☑ " } else { "☐ " }}{t.text.clone()}</li> })
                            .collect_view()}
                    </ul>
                </div>
            }
            .into_any()
        }
        TimelineItem::Error { message } => view! { <div class="error-row" role="alert">{message.clone()}</div> }.into_any(),
        TimelineItem::Compaction { status, pre_tokens, .. } => {
            let what = match status {
                protocol::CompactionStatus::Loading => "Compacting the conversation…",
                _ => "Conversation compacted",
            };
            let tokens = pre_tokens.map(|t| format!(" ({t} tokens before)")).unwrap_or_default();
            view! { <div class="compaction">{format!("{what}{tokens}")}</div> }.into_any()
        }
        TimelineItem::Unknown(value) => view! {
            <details class="unknown">
                <summary>{value.get("type").and_then(|t| t.as_str()).unwrap_or("item").to_owned()}</summary>
                <pre>{serde_json::to_string_pretty(value).unwrap_or_default()}</pre>
            </details>
        }
        .into_any(),
    }
}

fn tool_status(status: ToolCallStatus) -> &'static str {
    match status {
        ToolCallStatus::Running => "running",
        ToolCallStatus::Completed => "completed",
        ToolCallStatus::Failed => "failed",
        ToolCallStatus::Canceled => "canceled",
        ToolCallStatus::Unknown => "unknown",
    }
}

/// One line saying what a tool call is about.
/// The summary of a call: its detail's, else the title the agent gave it.
fn call_summary(call: &protocol::ToolCallItem) -> String {
    let summary = tool_summary(&call.detail);
    if !summary.is_empty() {
        return summary;
    }
    call.metadata
        .as_ref()
        .and_then(|m| m.get("title"))
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

pub fn tool_summary(detail: &ToolCallDetail) -> String {
    match detail {
        ToolCallDetail::Shell { command, .. } => command.clone(),
        ToolCallDetail::Read { file_path, .. }
        | ToolCallDetail::Edit { file_path, .. }
        | ToolCallDetail::Write { file_path, .. } => file_path.clone(),
        ToolCallDetail::Search { query, .. } => query.clone(),
        ToolCallDetail::Fetch { url, .. } => url.clone(),
        ToolCallDetail::SubAgent {
            description,
            sub_agent_type,
            ..
        } => description
            .clone()
            .or_else(|| sub_agent_type.clone())
            .unwrap_or_default(),
        ToolCallDetail::PlainText { label, .. } => label.clone().unwrap_or_default(),
        ToolCallDetail::Plan { .. } => "plan".into(),
        ToolCallDetail::WorktreeSetup { branch_name, .. } => branch_name.clone(),
        ToolCallDetail::Unknown { .. } | ToolCallDetail::Unrecognized(_) => String::new(),
    }
}

/// A tool call's detail by kind.
pub fn tool_detail(detail: &ToolCallDetail) -> AnyView {
    match detail {
        ToolCallDetail::Shell { command, output, exit_code, .. } => view! {
            <div class="tool-shell">
                <pre class="command">{format!("$ {command}")}</pre>
                {output.clone().map(|o| view! { <pre class="output">{o}</pre> })}
                {exit_code.map(|c| view! { <span class="exit">{format!("exit {c}")}</span> })}
            </div>
        }
        .into_any(),
        ToolCallDetail::Edit { file_path, old_string, new_string, unified_diff } => {
            let diff = unified_diff.clone().unwrap_or_else(|| {
                let mut d = String::new();
                for line in old_string.as_deref().unwrap_or_default().lines() {
                    d.push_str(&format!("-{line}\n"));
                }
                for line in new_string.as_deref().unwrap_or_default().lines() {
                    d.push_str(&format!("+{line}\n"));
                }
                d
            });
            view! { <div class="tool-edit"><div class="path">{file_path.clone()}</div>{diff_view(&diff)}</div> }.into_any()
        }
        ToolCallDetail::Write { file_path, content } => {
            let diff: String = content
                .as_deref()
                .unwrap_or_default()
                .lines()
                .map(|l| format!("+{l}\n"))
                .collect();
            view! { <div class="tool-edit"><div class="path">{file_path.clone()}</div>{diff_view(&diff)}</div> }.into_any()
        }
        ToolCallDetail::Read { file_path, content, .. } => view! {
            <div class="tool-read">
                <div class="path">{file_path.clone()}</div>
                {content.clone().map(|c| view! { <pre class="output">{c}</pre> })}
            </div>
        }
        .into_any(),
        ToolCallDetail::Search { query, file_paths, web_results, content, .. } => view! {
            <div class="tool-search">
                <div class="query">{format!("search: {query}")}</div>
                {file_paths.clone().map(|paths| view! { <ul>{paths.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}</ul> })}
                {web_results.clone().map(|results| view! {
                    <ul>{results.into_iter().map(|r| view! { <li>{safe_link(&r.url, &r.title)}</li> }).collect_view()}</ul>
                })}
                {content.clone().map(|c| view! { <pre class="output">{c}</pre> })}
            </div>
        }
        .into_any(),
        ToolCallDetail::Fetch { url, result, code, .. } => view! {
            <div class="tool-fetch">
                <div class="url">{safe_link(url, url)}{code.map(|c| format!(" ({c})"))}</div>
                {result.clone().map(|r| view! { <pre class="output">{r}</pre> })}
            </div>
        }
        .into_any(),
        ToolCallDetail::SubAgent { log, actions, .. } => view! {
            <div class="tool-subagent">
                {actions.clone().map(|a| view! {
                    <ol>{a.into_iter().map(|a| view! { <li>{format!("{} {}", a.tool_name, a.summary.unwrap_or_default())}</li> }).collect_view()}</ol>
                })}
                <pre class="output">{log.clone()}</pre>
            </div>
        }
        .into_any(),
        ToolCallDetail::PlainText { text, .. } => {
            view! { <pre class="output">{text.clone().unwrap_or_default()}</pre> }.into_any()
        }
        ToolCallDetail::Plan { text } => view! { <div class="markdown" inner_html=to_safe_html(text)></div> }.into_any(),
        other => {
            let json = match other {
                ToolCallDetail::Unknown { input, output } => {
                    serde_json::json!({"input": input, "output": output})
                }
                other => serde_json::to_value(other).unwrap_or_default(),
            };
            view! { <pre class="output json">{serde_json::to_string_pretty(&json).unwrap_or_default()}</pre> }.into_any()
        }
    }
}

fn safe_link(url: &str, text: &str) -> AnyView {
    let lower = url.trim().to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") {
        view! { <a href=url.to_owned() rel="noopener noreferrer" target="_blank">{text.to_owned()}</a> }.into_any()
    } else {
        view! { <span>{text.to_owned()}</span> }.into_any()
    }
}

fn diff_view(diff: &str) -> AnyView {
    if diff.trim().is_empty() {
        return ().into_any();
    }
    let lines: Vec<(String, &'static str)> = diff
        .lines()
        .map(|l| {
            let class = if l.starts_with('+') && !l.starts_with("+++") {
                "add"
            } else if l.starts_with('-') && !l.starts_with("---") {
                "del"
            } else if l.starts_with("@@") {
                "hunk"
            } else {
                "ctx"
            };
            (l.to_owned(), class)
        })
        .collect();
    view! {
        <pre class="diff">
            {lines.into_iter().map(|(l, class)| view! { <span class=class>{l}"\n"</span> }).collect_view()}
        </pre>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_follows_the_newest_items_and_stays_bounded() {
        let keys: Vec<u64> = (1..=10_000).collect();
        assert_eq!(mounted_window(&keys, None, 300), 9_700..10_000);
        assert_eq!(mounted_window(&keys[..10], None, 300), 0..10);
        assert_eq!(mounted_window(&[], None, 300), 0..0);
    }

    #[test]
    fn a_top_key_starts_the_window_there_even_between_keys() {
        let keys = vec![1, 4, 9, 12, 20];
        assert_eq!(mounted_window(&keys, Some(1), 2), 0..2);
        assert_eq!(mounted_window(&keys, Some(9), 2), 2..4);
        // A top that is not a key (a merged item): the next key.
        assert_eq!(mounted_window(&keys, Some(10), 2), 3..5);
        // Past the end: the last item, never an empty window.
        assert_eq!(mounted_window(&keys, Some(99), 2), 4..5);
    }

    #[test]
    fn the_item_holding_a_seq_is_the_last_key_at_or_before_it() {
        let keys = vec![1, 4, 9];
        assert_eq!(key_holding(&keys, 5), Some(4));
        assert_eq!(key_holding(&keys, 4), Some(4));
        assert_eq!(key_holding(&keys, 100), Some(9));
        assert_eq!(key_holding(&keys, 0), None);
    }
}
