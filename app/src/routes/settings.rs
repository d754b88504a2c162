//! `/settings`: the hosts of this browser (add, edit, remove, test the
//! connection before saving, each host's state), and the theme. Passwords
//! live only in the registry profile, travel only on the live channel
//! (`watch`, `probe`) and show as dots.

use leptos::prelude::*;

use crate::api::agents::retry_host;
use crate::components::action::act;
use crate::directory::use_directory;
use crate::drafts::use_drafts;
use crate::live::{LiveState, Probe, use_live};
use crate::registry::DaemonProfile;
use crate::settings::checks::{compatibility, probe_reason, same_daemon};
use crate::settings::edits::{self, FormError, HostForm, password_of, validate};
use crate::settings::theme::{Theme, use_theme};

/// Which form is open.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Editing {
    None,
    New,
    Existing(String),
}

#[component]
pub fn SettingsPage() -> impl IntoView {
    let live = use_live();
    let editing = RwSignal::new(Editing::None);
    let notice = RwSignal::new(None::<String>);
    let duplicates = move || {
        live.hosts.with(|hosts| {
            let pairs: Vec<(String, Option<String>)> = live.profiles.with(|profiles| {
                profiles
                    .iter()
                    .map(|p| {
                        (
                            p.id.clone(),
                            hosts.get(&p.id).and_then(|h| h.daemon_id.clone()),
                        )
                    })
                    .collect()
            });
            same_daemon(pairs.iter().map(|(p, d)| (p.as_str(), d.as_deref())))
                .into_values()
                .map(|ids| {
                    ids.iter()
                        .map(|id| live.label(id))
                        .collect::<Vec<_>>()
                        .join(" and ")
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="settings">
            <h1>"Settings"</h1>
            <section class="settings-hosts" aria-labelledby="hosts-title">
                <div class="section-head">
                    <h2 id="hosts-title">"Hosts"</h2>
                    <button class="primary" on:click=move |_| editing.set(Editing::New)>"Add host"</button>
                </div>
                <p class="muted">"Each host is a machine running a Paseo daemon. This browser keeps the list; the web server connects to each daemon for you."</p>
                {move || notice.get().map(|n| view! { <p class="inline-note" role="status" data-notice="settings">{n}</p> })}
                {move || duplicates().into_iter().map(|names| view! {
                    <p class="inline-note duplicate-note" role="note">{format!("{names} reach the same daemon: its agents are listed under each.")}</p>
                }).collect_view()}
                <Show when=move || editing.get() == Editing::New>
                    <HostEditor profile=None on_done=move || editing.set(Editing::None) notice />
                </Show>
                <ul class="host-cards">
                    <For
                        each=move || live.profiles.get()
                        key=|p| (p.id.clone(), p.label.clone(), p.ws_url.clone(), password_of(p).is_some())
                        children=move |p| view! { <HostCard profile=p editing notice /> }
                    />
                </ul>
            </section>
            <ThemePicker />
            <NotificationSwitch />
        </section>
    }
    .into_any()
}

#[component]
fn HostCard(
    profile: DaemonProfile,
    editing: RwSignal<Editing>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let live = use_live();
    let directory = use_directory();
    let id = profile.id.clone();
    let status = {
        let id = id.clone();
        Signal::derive(move || live.shown_status(&id))
    };
    let host = {
        let id = id.clone();
        Signal::derive(move || live.hosts.with(|h| h.get(&id).cloned()))
    };
    let confirming = RwSignal::new(false);
    let retry_error = RwSignal::new(None::<String>);
    let retry = {
        let id = id.clone();
        move |_| {
            let id = id.clone();
            act(directory, retry_error, move |token| retry_host(token, id));
        }
    };
    let remove = {
        let id = id.clone();
        move |_| remove_host(live, &id, notice)
    };
    let is_editing = {
        let id = id.clone();
        move || editing.get() == Editing::Existing(id.clone())
    };
    let has_password = password_of(&profile).is_some();
    let edit_id = id.clone();
    let stored = StoredValue::new(profile.clone());
    view! {
        <li class="host-card" data-profile-id=id.clone() data-status=status>
            <div class="host-card-head">
                <strong class="host-label">{profile.label.clone()}</strong>
                <span class=move || format!("host-status status-{}", status.get())>{status}</span>
            </div>
            <dl class="host-facts">
                <dt>"URL"</dt><dd class="host-url">{profile.ws_url.clone()}</dd>
                <dt>"Password"</dt><dd>{if has_password { "••••••••" } else { "none" }}</dd>
                {move || host.get().and_then(|h| h.daemon_id).map(|d| view! { <dt>"Daemon id"</dt><dd class="mono">{d}</dd> })}
                {move || host.get().and_then(|h| h.version).map(|v| view! { <dt>"Version"</dt><dd>{v}</dd> })}
                {move || host.get().and_then(|h| h.last_online_at).map(|t| view! { <dt>"Last online"</dt><dd>{crate::time::relative_ms(t)}</dd> })}
            </dl>
            {move || host.get().and_then(|h| h.last_error.filter(|_| h.status != crate::live::ConnectionStatus::Online)).map(|e| view! { <p class="host-error">{e}</p> })}
            {move || host.get().filter(|h| h.status == crate::live::ConnectionStatus::Online).map(|h| {
                compatibility(h.version.as_deref(), None).into_iter().map(|note| view! { <p class="inline-note compat-note">{note}</p> }).collect_view()
            })}
            {move || retry_error.get().map(|e| view! { <p class="inline-error">{e}</p> })}
            <div class="host-actions">
                <button on:click=retry.clone()>"Retry now"</button>
                <button on:click=move |_| editing.set(Editing::Existing(edit_id.clone()))>"Edit"</button>
                <Show when=move || !confirming.get() fallback=move || view! {
                    <span class="confirm">"Remove this host? Its drafts are kept."</span>
                    <button class="danger" on:click=remove.clone()>"Remove"</button>
                    <button on:click=move |_| confirming.set(false)>"Keep"</button>
                }>
                    <button class="danger-outline" on:click=move |_| confirming.set(true)>"Remove…"</button>
                </Show>
            </div>
            <Show when=is_editing.clone()>
                <HostEditor profile=Some(stored.get_value()) on_done=move || editing.set(Editing::None) notice />
            </Show>
        </li>
    }
    .into_any()
}

/// The add/edit form with "Test connection".
#[component]
fn HostEditor(
    profile: Option<DaemonProfile>,
    on_done: impl Fn() + Clone + Send + Sync + 'static,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let live = use_live();
    let directory = use_directory();
    let drafts = use_drafts();
    let editing_id = profile.as_ref().map(|p| p.id.clone());
    let label = RwSignal::new(
        profile
            .as_ref()
            .map(|p| p.label.clone())
            .unwrap_or_default(),
    );
    let url = RwSignal::new(
        profile
            .as_ref()
            .map(|p| p.ws_url.clone())
            .unwrap_or_else(|| "ws://".to_owned()),
    );
    let password = RwSignal::new(profile.as_ref().and_then(password_of).unwrap_or_default());
    let error = RwSignal::new(None::<FormError>);
    let probe_id = RwSignal::new(None::<String>);
    let form = move || HostForm {
        label: label.get_untracked(),
        ws_url: url.get_untracked(),
        password: password.get_untracked(),
    };
    let test = move |_| match validate(&form()) {
        Err(e) => error.set(Some(e)),
        Ok(valid) => {
            error.set(None);
            let pw = Some(valid.password).filter(|p| !p.is_empty());
            probe_id.set(Some(live.start_probe(valid.ws_url, pw)));
        }
    };
    let probe = move || {
        probe_id
            .get()
            .and_then(|id| live.probes.with(|p| p.get(&id).cloned()))
    };
    let own_id = editing_id.clone();
    let probe_view = move || {
        probe().map(|p| match p {
            Probe::Waiting { .. } => view! { <p class="probe probe-waiting" role="status">"Testing the connection…"</p> }.into_any(),
            Probe::Done(Err(e)) => view! { <p class="probe probe-failed" role="alert" data-kind=e.kind.clone()>{probe_reason(&e)}</p> }.into_any(),
            Probe::Done(Ok(ok)) => {
                let already = live.profiles.with(|profiles| {
                    live.hosts.with(|hosts| {
                        profiles
                            .iter()
                            .filter(|p| Some(&p.id) != own_id.as_ref())
                            .find(|p| hosts.get(&p.id).and_then(|h| h.daemon_id.as_ref()) == Some(&ok.daemon_id))
                            .map(|p| p.label.clone())
                    })
                });
                let notes = compatibility(ok.version.as_deref(), ok.capabilities.as_ref());
                view! {
                    <div class="probe probe-ok" role="status" data-daemon-id=ok.daemon_id.clone()>
                        <p>{format!(
                            "Reached {} — daemon {}, id {}",
                            ok.hostname.clone().unwrap_or_else(|| "the daemon".into()),
                            ok.version.clone().unwrap_or_else(|| "of unknown version".into()),
                            ok.daemon_id
                        )}</p>
                        {already.map(|l| view! { <p class="inline-note duplicate-note">{format!("This is the same daemon as \u{201c}{l}\u{201d}.")}</p> })}
                        {notes.into_iter().map(|n| view! { <p class="inline-note compat-note">{n}</p> }).collect_view()}
                    </div>
                }
                .into_any()
            }
        })
    };
    let done = on_done.clone();
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let valid = match validate(&form()) {
            Ok(v) => v,
            Err(e) => {
                error.set(Some(e));
                return;
            }
        };
        let now = crate::time::now_iso();
        let profiles = live.profiles.get_untracked();
        let next = match &editing_id {
            None => {
                let id = crate::registry::make_profile_id(now_ms(), random24());
                drafts.load(&id);
                notice.set(Some(format!("Added {}.", valid.label)));
                edits::add(&profiles, &valid, &now, id)
            }
            Some(id) => {
                let (next, elsewhere) = edits::edit(&profiles, id, &valid, &now);
                if elsewhere {
                    // What this browser holds may be another daemon's.
                    directory.forget(id);
                    #[cfg(feature = "hydrate")]
                    crate::snapshots::remove(id);
                    drafts.mark_undeliverable(
                        id,
                        &format!("the host now points to {}", valid.ws_url),
                    );
                }
                notice.set(Some(format!("Saved {}.", valid.label)));
                next
            }
        };
        save_profiles(live, next);
        done();
    };
    let cancel = on_done.clone();
    view! {
        <form class="host-editor" on:submit=save>
            <label>"Name"
                <input name="label" required placeholder="GPU box" prop:value=move || label.get()
                    on:input=move |ev| label.set(event_target_value(&ev)) />
            </label>
            <label>"Daemon URL"
                <input name="url" required placeholder="ws://gpu-box:6767/ws" prop:value=move || url.get()
                    on:input=move |ev| url.set(event_target_value(&ev)) />
            </label>
            <label>"Password (if the daemon has one)"
                <input name="password" type="password" autocomplete="off" prop:value=move || password.get()
                    on:input=move |ev| password.set(event_target_value(&ev)) />
            </label>
            {move || error.get().map(|e| view! { <p class="inline-error" role="alert">{e.to_string()}</p> })}
            {probe_view}
            <div class="dialog-actions">
                <button type="button" on:click=move |_| cancel()>"Cancel"</button>
                <button type="button" on:click=test disabled=move || matches!(probe(), Some(Probe::Waiting { .. }))>"Test connection"</button>
                <button type="submit" class="primary">"Save"</button>
            </div>
        </form>
    }
    .into_any()
}

#[component]
fn ThemePicker() -> impl IntoView {
    let theme = use_theme();
    view! {
        <section class="settings-theme" aria-labelledby="theme-title">
            <h2 id="theme-title">"Appearance"</h2>
            <div class="segmented" role="radiogroup" aria-label="Theme">
                {[(Theme::System, "System"), (Theme::Dark, "Dark"), (Theme::Light, "Light")].into_iter().map(|(t, name)| view! {
                    <label class="segment" class:active=move || theme.0.get() == t>
                        <input type="radio" name="theme" value=t.as_str() prop:checked=move || theme.0.get() == t
                            on:change=move |_| theme.0.set(t) />
                        {name}
                    </label>
                }).collect_view()}
            </div>
        </section>
    }
}

#[component]
fn NotificationSwitch() -> impl IntoView {
    let state = RwSignal::new("off".to_owned());
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        state.set(if crate::notify::browser::enabled() {
            "on".into()
        } else {
            "off".into()
        });
    });
    let attention = crate::attention::use_attention();
    let toggle = move |_| {
        if state.get_untracked() == "on" {
            #[cfg(feature = "hydrate")]
            crate::notify::browser::disable();
            state.set("off".into());
            return;
        }
        let current: Vec<String> = attention
            .0
            .with_untracked(|e| e.iter().map(|e| e.id()).collect());
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let answer = crate::notify::browser::enable(current).await;
            state.set(if answer == "granted" {
                "on".into()
            } else {
                answer
            });
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = current;
    };
    view! {
        <section class="settings-notifications" aria-labelledby="notify-title">
            <h2 id="notify-title">"Notifications"</h2>
            <p class="muted">"A browser notification when an agent on any host needs input, finishes or fails while this tab is hidden or you are looking at another agent. Each event notifies once, across reloads and tabs."</p>
            <button class="notify-toggle" data-state=move || state.get() on:click=toggle>
                {move || match state.get().as_str() {
                    "on" => "Turn notifications off",
                    "denied" => "Blocked by the browser — allow them in its site settings",
                    _ => "Enable notifications",
                }}
            </button>
        </section>
    }
}

fn remove_host(live: LiveState, id: &str, notice: RwSignal<Option<String>>) {
    let profiles = live.profiles.get_untracked();
    let label = live.label(id);
    #[cfg(feature = "hydrate")]
    let fallback = (
        crate::config::fallback_ws_url_from_document(),
        crate::config::fallback_profile_id_from_document()
            .unwrap_or_else(|| crate::registry::make_profile_id(now_ms(), random24())),
    );
    #[cfg(not(feature = "hydrate"))]
    let fallback = (
        crate::config::DEFAULT_FALLBACK_WS_URL.to_owned(),
        String::new(),
    );
    let (next, seeded) = edits::remove(
        &profiles,
        id,
        (&fallback.0, fallback.1.clone()),
        &crate::time::now_iso(),
    );
    notice.set(Some(if seeded {
        format!(
            "Removed {label}. It was the last host, so \u{201c}Local Host\u{201d} ({}) was added back: the app always has a host to show.",
            fallback.0
        )
    } else {
        format!("Removed {label}.")
    }));
    save_profiles(live, next);
}

fn save_profiles(live: LiveState, profiles: Vec<DaemonProfile>) {
    #[cfg(feature = "hydrate")]
    crate::registry::storage::save_registry(&profiles);
    live.profiles.set(profiles);
}

fn now_ms() -> u64 {
    crate::time::now_ms().max(0) as u64
}

fn random24() -> u32 {
    #[cfg(feature = "hydrate")]
    {
        (js_sys::Math::random() * 16_777_216.0) as u32
    }
    #[cfg(not(feature = "hydrate"))]
    0
}
