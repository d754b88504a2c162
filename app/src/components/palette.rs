//! The command palette (Ctrl/Cmd+K): jump to any agent on any host by
//! title, cwd or host (ranked like the union), find text in the timelines
//! this browser holds, and run the common actions — all by keyboard.

use leptos::html::Input;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use crate::components::agent_list::title_of;
use crate::directory::ordering::{last_activity, urgency};
use crate::directory::use_directory;
use crate::live::use_live;
use crate::search::{AgentEntry, rank_agents, search_text};

/// Whether the palette (and the shortcuts help) is open.
#[derive(Clone, Copy)]
pub struct Overlays {
    pub palette: RwSignal<bool>,
    pub help: RwSignal<bool>,
}

pub fn provide_overlays() -> Overlays {
    let overlays = Overlays {
        palette: RwSignal::new(false),
        help: RwSignal::new(false),
    };
    provide_context(overlays);
    overlays
}

/// Opens the palette (the header button, the shortcut).
pub fn open_palette() {
    if let Some(o) = use_context::<Overlays>() {
        o.help.set(false);
        o.palette.set(true);
    }
}

/// One line of the palette.
#[derive(Debug, Clone, PartialEq)]
struct Choice {
    id: String,
    label: String,
    detail: String,
    group: &'static str,
    href: String,
}

#[component]
pub fn Palette() -> impl IntoView {
    let overlays = expect_context::<Overlays>();
    view! {
        <Show when=move || overlays.palette.get()>
            {move || Suspend::new(async move { palette_view(overlays).await })}
        </Show>
    }
}

/// The palette is a wasm chunk of its own, fetched the first time it opens
/// (see `create_dialog_view`).
/// Fetches this chunk ahead of use (see `crate::chunks::preload_all`).
#[cfg(feature = "hydrate")]
pub async fn preload() {
    __preload_palette_view().await;
}

#[leptos::lazy]
async fn palette_view(overlays: Overlays) -> AnyView {
    view! { <PaletteDialog on_close=move || overlays.palette.set(false) /> }.into_any()
}

#[component]
fn PaletteDialog(on_close: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let directory = use_directory();
    let live = use_live();
    let navigate = use_navigate();
    let query = RwSignal::new(String::new());
    let selected = RwSignal::new(0usize);
    let input = NodeRef::<Input>::new();
    Effect::new(move |_| {
        if let Some(el) = input.get() {
            let _ = el.focus();
        }
    });
    // Made once per opening: the entries the keystrokes rank.
    let entries = StoredValue::new(
        directory
            .keys()
            .into_iter()
            .filter_map(|k| {
                let cell = directory.agent(&k)?;
                let pending = cell.permissions.with_untracked(Vec::len);
                cell.snapshot.with_untracked(|a| {
                    (a.archived_at.is_none()).then(|| {
                        AgentEntry::new(
                            k.clone(),
                            title_of(a),
                            a.cwd.clone(),
                            live.label(&k.profile_id),
                            urgency(a, pending),
                            last_activity(a).to_owned(),
                        )
                    })
                })
            })
            .collect::<Vec<_>>(),
    );
    let choices = Memo::new(move |_| {
        let q = query.get();
        let mut out = Vec::new();
        let lower = crate::search::fold_case(&q);
        let actions = [
            ("Open inbox", "/inbox".to_owned()),
            ("Open settings", "/settings".to_owned()),
            ("Show all agents", "/".to_owned()),
        ];
        for (label, href) in actions {
            if lower.is_empty() || crate::search::fold_case(label).contains(lower.trim()) {
                out.push(Choice {
                    id: format!("action:{href}"),
                    label: label.into(),
                    detail: String::new(),
                    group: "Actions",
                    href,
                });
            }
        }
        for p in live.profiles.get_untracked() {
            let label = format!("New agent on {}…", p.label);
            if !lower.is_empty() && crate::search::fold_case(&label).contains(lower.trim()) {
                out.push(Choice {
                    id: format!("new:{}", p.id),
                    label,
                    detail: String::new(),
                    group: "Actions",
                    href: format!("/?new={}", p.id),
                });
            }
        }
        entries.with_value(|entries| {
            for i in rank_agents(entries, &q, 20) {
                let e = &entries[i];
                out.push(Choice {
                    id: format!("agent:{}:{}", e.key.profile_id, e.key.agent_id),
                    label: e.title.clone(),
                    detail: format!("{} · {}", e.host, crate::time::short_path(&e.cwd)),
                    group: "Agents",
                    href: format!("/agent/{}/{}", e.key.profile_id, e.key.agent_id),
                });
            }
        });
        if q.trim().chars().count() >= 3 {
            for hit in directory.with_model(|m| search_text(m, &q, 10)) {
                out.push(Choice {
                    id: format!(
                        "text:{}:{}:{}",
                        hit.key.profile_id, hit.key.agent_id, hit.seq
                    ),
                    label: hit.snippet,
                    detail: live.label(&hit.key.profile_id),
                    group: "In timelines",
                    href: format!(
                        "/agent/{}/{}?seq={}",
                        hit.key.profile_id, hit.key.agent_id, hit.seq
                    ),
                });
            }
        }
        out
    });
    let go = {
        let navigate = navigate.clone();
        let on_close = on_close.clone();
        move |href: String| {
            on_close();
            navigate(&href, Default::default());
        }
    };
    let on_key = {
        let go = go.clone();
        let on_close = on_close.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            let count = choices.with(Vec::len);
            match ev.key().as_str() {
                "ArrowDown" => {
                    ev.prevent_default();
                    selected.update(|s| *s = if count == 0 { 0 } else { (*s + 1) % count });
                }
                "ArrowUp" => {
                    ev.prevent_default();
                    selected.update(|s| {
                        *s = if count == 0 {
                            0
                        } else {
                            (*s + count - 1) % count
                        }
                    });
                }
                "Enter" => {
                    ev.prevent_default();
                    if let Some(choice) = choices.with(|c| c.get(selected.get_untracked()).cloned())
                    {
                        go(choice.href);
                    }
                }
                "Escape" => {
                    ev.prevent_default();
                    on_close();
                }
                _ => {}
            }
        }
    };
    let backdrop_close = on_close.clone();
    view! {
        <div class="dialog-backdrop" on:click=move |_| backdrop_close()></div>
        <div class="dialog palette" role="dialog" aria-modal="true" aria-label="Jump to">
            <input node_ref=input class="palette-input" type="text" role="combobox" aria-expanded="true"
                aria-controls="palette-list" aria-label="Search agents, hosts, timelines and actions"
                placeholder="Agent, folder, host, text… or an action"
                prop:value=move || query.get()
                on:input=move |ev| { query.set(event_target_value(&ev)); selected.set(0); }
                on:keydown=on_key />
            <ul id="palette-list" class="palette-list" role="listbox">
                {move || {
                    let list = choices.get();
                    let mut last_group = "";
                    list.into_iter().enumerate().map(|(i, c)| {
                        let heading = (c.group != last_group).then(|| {
                            last_group = c.group;
                            view! { <li class="palette-group" role="presentation">{c.group}</li> }
                        });
                        let go = go.clone();
                        let href = c.href.clone();
                        view! {
                            {heading}
                            <li role="option" class="palette-choice" data-choice=c.id.clone()
                                aria-selected=move || (selected.get() == i).to_string()
                                class:selected=move || selected.get() == i
                                on:mousemove=move |_| selected.set(i)
                                on:click=move |_| go(href.clone())>
                                <span class="palette-label">{c.label.clone()}</span>
                                <span class="palette-detail">{c.detail.clone()}</span>
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
            <p class="palette-hint muted">"↑↓ to move · Enter to open · Esc to close"</p>
        </div>
    }
    .into_any()
}
