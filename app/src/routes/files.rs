//! `/files/:server_id?cwd=…&path=…`: a folder of a host (name, kind,
//! size, modified; sorted by name or time; dot-files on request) or a
//! file's preview (text with line numbers, images, binary and too-large
//! states), with breadcrumbs. The host is asked only while it is online;
//! otherwise the inline placeholder and whatever this tab last saw of that
//! path. A path the daemon refuses (outside the cwd, missing) shows its
//! message instead of content.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::files::{Entry, Explored, Preview, explore};
use crate::components::host_route::{HostRoute, OfflinePlaceholder};
use crate::directory::use_directory;
use crate::explorer::{
    SortBy, arrange, breadcrumbs, diff_href, files_href, hidden_count, human_size, line_numbers,
    modified_label, normalize,
};
use crate::live::use_live;

/// (profile, cwd, path): one answer of the explorer.
type Place = (String, String, String);

/// Answers kept in memory for offline reading, oldest dropped first.
const CACHED: usize = 64;

thread_local! {
    /// Only the browser writes it (answers arrive after hydration).
    static CACHE: RefCell<(HashMap<Place, Explored>, VecDeque<Place>)> = RefCell::default();
}

fn cached(place: &Place) -> Option<Explored> {
    CACHE.with(|c| c.borrow().0.get(place).cloned())
}

fn remember(place: Place, explored: Explored) {
    CACHE.with(|c| {
        let (map, order) = &mut *c.borrow_mut();
        if map.insert(place.clone(), explored).is_none() {
            order.push_back(place);
            if order.len() > CACHED
                && let Some(old) = order.pop_front()
            {
                map.remove(&old);
            }
        }
    });
}

#[component]
pub fn FilesPage() -> impl IntoView {
    let params = use_params_map();
    let server_id = Signal::derive(move || params.with(|p| p.get("server_id").unwrap_or_default()));
    view! {
        <HostRoute server_id page=move |profile_id| view! { <FilesView profile_id server_id /> } />
    }
}

#[component]
fn FilesView(profile_id: String, server_id: Signal<String>) -> impl IntoView {
    let live = use_live();
    let directory = use_directory();
    let query = use_query_map();
    let cwd = Memo::new(move |_| query.with(|q| q.get("cwd").unwrap_or_default()));
    let path = Memo::new(move |_| query.with(|q| normalize(&q.get("path").unwrap_or_default())));
    let id = profile_id.clone();
    let online = Memo::new(move |_| live.can_act(&id).is_ok());
    // What is shown, with the place it is of.
    let shown = RwSignal::new(None::<(Place, Explored)>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let reload = RwSignal::new(0u32);
    let generation = StoredValue::new(0u64);
    let sort = RwSignal::new(SortBy::Name);
    let show_hidden = RwSignal::new(false);

    let id = profile_id.clone();
    Effect::new(move |_| {
        reload.track();
        let place: Place = (id.clone(), cwd.get(), path.get());
        let from_memory = cached(&place);
        if from_memory.is_some() || shown.with_untracked(|s| s.is_none()) {
            shown.set(from_memory.map(|e| (place.clone(), e)));
        }
        let token = directory.tab_token.get();
        let (Some(token), true, false) = (token, online.get(), place.1.is_empty()) else {
            loading.set(false);
            return;
        };
        let n = generation.get_value() + 1;
        generation.set_value(n);
        loading.set(true);
        leptos::task::spawn_local(async move {
            let (profile_id, cwd, path) = place.clone();
            let answer = explore(token, profile_id, cwd, path).await;
            if generation.get_value() != n {
                return;
            }
            loading.set(false);
            match answer {
                Ok(explored) => {
                    remember(place.clone(), explored.clone());
                    shown.set(Some((place, explored)));
                    error.set(None);
                }
                Err(e) => error.set(Some(e.to_string())),
            }
        });
    });

    let id = profile_id.clone();
    let current = move || {
        shown.get().and_then(|(place, explored)| {
            (place == (id.clone(), cwd.get(), path.get())).then_some(explored)
        })
    };
    let current = Memo::new(move |_| current());
    let state = move || match current.get() {
        Some(Explored::Directory { .. }) => "directory",
        Some(Explored::File { .. }) => "file",
        Some(Explored::Refused(_)) => "refused",
        None if loading.get() => "loading",
        None => "empty",
    };
    let id = profile_id.clone();
    let host_status = Signal::derive(move || live.shown_status(&id));
    let id = profile_id.clone();
    let label = Signal::derive(move || live.label(&id));

    let crumbs = move || {
        let (cwd, path) = (cwd.get(), path.get());
        let server = server_id.get();
        let crumbs = breadcrumbs(&cwd, &path);
        let last = crumbs.len() - 1;
        crumbs
            .into_iter()
            .enumerate()
            .map(|(i, crumb)| {
                let href = files_href(&server, &cwd, &crumb.path);
                view! {
                    {(i > 0).then(|| view! { <span class="crumb-sep" aria-hidden="true">"/"</span> })}
                    {if i == last {
                        view! { <span class="crumb current" aria-current="page">{crumb.label}</span> }.into_any()
                    } else {
                        view! { <a class="crumb" href=href>{crumb.label}</a> }.into_any()
                    }}
                }
            })
            .collect_view()
    };

    let body = move || {
        match current.get() {
        Some(Explored::Directory { entries, .. }) => view! {
            <Listing entries server_id cwd=cwd.get() path=path.get() sort show_hidden />
        }
        .into_any(),
        Some(Explored::File {
            path,
            size,
            modified_at,
            preview,
        }) => view! { <FilePreview path size modified_at preview /> }.into_any(),
        Some(Explored::Refused(message)) => view! {
            <p class="inline-error refused" role="alert" data-state="refused">{message}</p>
        }
        .into_any(),
        None if cwd.get().is_empty() => view! { <OpenFolder server_id /> }.into_any(),
        None if loading.get() => view! { <p class="files-loading">"Loading…"</p> }.into_any(),
        None if !online.get() => view! {
            <p class="empty">"This browser has not seen this folder yet; it opens once the host is back."</p>
        }
        .into_any(),
        None => ().into_any(),
    }
    };

    view! {
        <section class="ws-page files-page" data-profile-id=profile_id.clone()
            data-host-status=host_status data-state=state>
            <header class="ws-header">
                <div class="ws-heading">
                    <a class="back" href="/" aria-label="All agents">"←"</a>
                    <h1>"Files"</h1>
                    <span class="host-chip">{label}</span>
                    <span class=move || format!("host-status status-{}", host_status.get())>{host_status}</span>
                </div>
                <nav class="crumbs" aria-label="Folder" title=move || cwd.get()>{crumbs}</nav>
                <div class="ws-actions">
                    <a class="button-link" href=move || diff_href(&server_id.get(), &cwd.get())>"Diff"</a>
                    <button on:click=move |_| reload.update(|n| *n += 1)
                        disabled=move || !online.get() || cwd.get().is_empty()>"Refresh"</button>
                    <Show when=move || loading.get()>
                        <span class="inline-note" role="status">"Loading…"</span>
                    </Show>
                </div>
            </header>
            <OfflinePlaceholder profile_id=profile_id.clone() />
            {move || error.get().map(|e| view! { <p class="inline-error" role="alert">{e}</p> })}
            {body}
        </section>
    }
}

/// A folder's entries, with its sort and hidden-files controls.
#[component]
fn Listing(
    entries: Vec<Entry>,
    server_id: Signal<String>,
    cwd: String,
    path: String,
    sort: RwSignal<SortBy>,
    show_hidden: RwSignal<bool>,
) -> impl IntoView {
    let hidden = hidden_count(&entries);
    let parent = (!path.is_empty()).then(|| {
        let up = path.rsplit_once('/').map_or("", |(up, _)| up).to_owned();
        files_href(&server_id.get_untracked(), &cwd, &up)
    });
    let rows = move || {
        let server = server_id.get();
        let shown = arrange(&entries, sort.get(), show_hidden.get());
        if shown.is_empty() {
            return view! { <li class="file-empty">"This folder is empty."</li> }.into_any();
        }
        shown
            .into_iter()
            .map(|entry| {
                let href = files_href(&server, &cwd, &entry.path);
                let kind = if entry.is_dir { "directory" } else { "file" };
                let size = if entry.is_dir {
                    String::new()
                } else {
                    human_size(entry.size)
                };
                view! {
                    <li class="file-row" data-kind=kind data-name=entry.name.clone()>
                        <a class="file-name" href=href>
                            <span class=format!("file-icon {kind}") aria-hidden="true"></span>
                            <span class="file-label">{entry.name.clone()}</span>
                        </a>
                        <span class="file-size">{size}</span>
                        <time class="file-time" datetime=entry.modified_at.clone()>
                            {modified_label(&entry.modified_at)}
                        </time>
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <div class="files-toolbar">
            <label class="toggle">
                "Sort by "
                <select aria-label="Sort by" on:change=move |ev| {
                    sort.set(if event_target_value(&ev) == "time" { SortBy::Modified } else { SortBy::Name });
                }>
                    <option value="name" selected=move || sort.get() == SortBy::Name>"name"</option>
                    <option value="time" selected=move || sort.get() == SortBy::Modified>"last modified"</option>
                </select>
            </label>
            <label class="toggle">
                <input type="checkbox" prop:checked=move || show_hidden.get()
                    on:change=move |ev| show_hidden.set(event_target_checked(&ev)) />
                {format!("Hidden files ({hidden})")}
            </label>
        </div>
        <ul class="file-list">
            {parent.map(|href| view! {
                <li class="file-row" data-kind="parent">
                    <a class="file-name" href=href>
                        <span class="file-icon directory" aria-hidden="true"></span>
                        <span class="file-label">".."</span>
                    </a>
                </li>
            })}
            {rows}
        </ul>
    }
}

/// One file: text with line numbers, an image, or why it cannot be shown.
#[component]
fn FilePreview(
    path: String,
    size: Option<u64>,
    modified_at: Option<String>,
    preview: Preview,
) -> impl IntoView {
    let meta = view! {
        <div class="preview-meta">
            <span class="path">{path.clone()}</span>
            {size.map(|s| view! { <span>{human_size(s)}</span> })}
            {modified_at.map(|m| view! { <span>{modified_label(&m)}</span> })}
        </div>
    };
    let body = match preview {
        Preview::Text(text) => {
            let numbers = line_numbers(&text);
            view! {
                <div class="code-view" data-preview="text">
                    <pre class="gutter" aria-hidden="true">{numbers}</pre>
                    <pre class="code">{text}</pre>
                </div>
            }
            .into_any()
        }
        Preview::Image { mime, base64 } => view! {
            <div class="image-view" data-preview="image">
                <img src=format!("data:{mime};base64,{base64}") alt=path />
            </div>
        }
        .into_any(),
        Preview::Binary => view! {
            <p class="empty" data-preview="binary">"Binary file — no preview."</p>
        }
        .into_any(),
        Preview::TooLarge(message) => view! {
            <p class="empty" data-preview="too-large">{message}</p>
        }
        .into_any(),
    };
    view! { {meta} {body} }
}

/// No `cwd` in the address: ask for one.
#[component]
fn OpenFolder(server_id: Signal<String>) -> impl IntoView {
    view! {
        <form class="open-folder" method="get" action=move || format!("/files/{}", server_id.get())>
            <label>
                "Folder on this host"
                <input name="cwd" placeholder="/home/me/project" required />
            </label>
            <button type="submit">"Open"</button>
        </form>
    }
}
