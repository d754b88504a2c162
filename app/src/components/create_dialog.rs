//! Create, resume or import an agent on any host: host (default: the one being looked at,
//! else the first online), provider (unavailable ones shown with their
//! reason), model, mode, folder (with the host's recent folders), optional
//! first message. Blocked while the host is offline, saying why; on success
//! it navigates to `/agent/<profile>/<agent>` of the profile the server
//! function returned.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use protocol::ProviderStatus;

use crate::api::agents::{CreateAgentForm, create_agent, import_agent, resume_agent};
use crate::directory::use_directory;
use crate::live::{ConnectionStatus, use_live};

#[component]
pub fn CreateAgentButton(preferred_profile: Option<String>) -> impl IntoView {
    let open = RwSignal::new(false);
    let preferred = StoredValue::new(preferred_profile);
    // `?new=<profile>` (the palette's "New agent on…", the `n` shortcut)
    // opens the dialog on that host.
    let query = leptos_router::hooks::use_query_map();
    Effect::new(move |_| {
        if let Some(host) = query.with(|q| q.get("new")) {
            if !host.is_empty() {
                preferred.set_value(Some(host));
            }
            open.set(true);
        }
    });
    view! {
        <button class="primary new-agent" on:click=move |_| open.set(true)>"New agent"</button>
        <Show when=move || open.get()>
            {move || {
                let preferred = preferred.get_value();
                Suspend::new(async move { create_dialog_view(preferred, open).await })
            }}
        </Show>
    }
}

/// The dialog is a wasm chunk of its own, fetched the first time it opens:
/// `/` must load fast, and most visits never start an agent.
/// Fetches this chunk ahead of use (see `crate::chunks::preload_all`).
#[cfg(feature = "hydrate")]
pub async fn preload() {
    __preload_create_dialog_view().await;
}

#[leptos::lazy]
async fn create_dialog_view(preferred: Option<String>, open: RwSignal<bool>) -> AnyView {
    view! { <CreateAgentDialog preferred on_close=move || open.set(false) /> }.into_any()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum What {
    Create,
    Resume,
    Import,
}

#[component]
fn CreateAgentDialog(
    preferred: Option<String>,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let live = use_live();
    let directory = use_directory();
    let navigate = use_navigate();
    let default_host = preferred
        .filter(|id| {
            live.profiles
                .with_untracked(|p| p.iter().any(|p| &p.id == id))
        })
        .or_else(|| {
            let hosts = live.hosts.get_untracked();
            live.profiles.with_untracked(|profiles| {
                profiles
                    .iter()
                    .find(|p| hosts.get(&p.id).map(|h| h.status) == Some(ConnectionStatus::Online))
                    .or(profiles.first())
                    .map(|p| p.id.clone())
            })
        })
        .unwrap_or_default();
    let host = RwSignal::new(default_host);
    let provider = RwSignal::new(String::new());
    let model = RwSignal::new(String::new());
    let mode = RwSignal::new(String::new());
    let cwd = RwSignal::new(String::new());
    let prompt = RwSignal::new(String::new());
    // What the dialog does: start a new agent, resume one of the host's
    // stored sessions (archived agents first), or import a provider
    // session by id.
    let what = RwSignal::new(What::Create);
    let importing = Signal::derive(move || what.get() == What::Import);
    let session_id = RwSignal::new(String::new());
    let resume_from = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);

    let providers = move || directory.providers(&host.get());
    // Default provider: the first ready one of the chosen host.
    Effect::new(move |_| {
        let list = providers();
        let current = provider.get_untracked();
        if !list
            .iter()
            .any(|p| p.provider == current && p.status == ProviderStatus::Ready)
            && let Some(first) = list.iter().find(|p| p.status == ProviderStatus::Ready)
        {
            provider.set(first.provider.clone());
        }
    });
    let chosen = move || {
        providers()
            .into_iter()
            .find(|p| p.provider == provider.get())
    };
    let recent_cwds = move || {
        let h = host.get();
        let mut cwds: Vec<String> = directory
            .keys()
            .into_iter()
            .filter(|k| k.profile_id == h)
            .filter_map(|k| {
                directory
                    .agent(&k)
                    .map(|c| c.snapshot.with(|a| a.cwd.clone()))
            })
            .collect();
        crate::sorted::sort(&mut cwds);
        cwds.dedup();
        cwds
    };
    // The host's agents with a stored provider session, archived first.
    let resumable = move || {
        let h = host.get();
        let mut list: Vec<(bool, String, String)> = directory
            .keys()
            .into_iter()
            .filter(|k| k.profile_id == h)
            .filter_map(|k| directory.agent(&k))
            .filter_map(|c| {
                c.snapshot.with(|a| {
                    a.persistence.as_ref().map(|_| {
                        let title = a.title.clone().unwrap_or_else(|| a.id.clone());
                        (
                            a.archived_at.is_none(),
                            a.id.clone(),
                            format!("{title} — {}", a.cwd),
                        )
                    })
                })
            })
            .collect();
        crate::sorted::sort(&mut list);
        list
    };
    let blocked = move || live.can_act(&host.get()).err();

    let close = on_close.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if let Some(why) = blocked() {
            error.set(Some(why));
            return;
        }
        let Some(token) = directory.tab_token.get_untracked() else {
            error.set(Some("not connected to the web server".into()));
            return;
        };
        let form = CreateAgentForm {
            provider: provider.get_untracked(),
            cwd: cwd.get_untracked(),
            model: Some(model.get_untracked()),
            mode_id: Some(mode.get_untracked()),
            title: None,
            initial_prompt: Some(prompt.get_untracked()),
            message_id: None,
        };
        let profile_id = host.get_untracked();
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        let close = close.clone();
        let what = what.get_untracked();
        let session_id = session_id.get_untracked();
        let resume_from = resume_from.get_untracked();
        leptos::task::spawn_local(async move {
            let result = match what {
                What::Import => {
                    let cwd = Some(form.cwd.clone()).filter(|c| !c.trim().is_empty());
                    import_agent(token, profile_id, form.provider, session_id, cwd).await
                }
                What::Resume => resume_agent(token, profile_id, resume_from).await,
                What::Create => create_agent(token, profile_id, form).await,
            };
            match result {
                Ok(created) => {
                    close();
                    navigate(
                        &format!("/agent/{}/{}", created.profile_id, created.agent_id),
                        Default::default(),
                    );
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };
    let close = on_close.clone();
    view! {
        <div class="dialog-backdrop" on:click=move |_| close()></div>
        <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="create-title">
            <form on:submit=submit>
                <h2 id="create-title">"New agent"</h2>
                <div class="segmented" role="radiogroup" aria-label="What to do">
                    {[(What::Create, "Start new"), (What::Resume, "Resume"), (What::Import, "Import")].into_iter().map(|(w, label)| view! {
                        <label class="segment" class:active=move || what.get() == w>
                            <input type="radio" name="what" value=label prop:checked=move || what.get() == w
                                on:change=move |_| what.set(w) />
                            {label}
                        </label>
                    }).collect_view()}
                </div>
                <label>
                    "Host"
                    <select name="host" on:change=move |ev| host.set(event_target_value(&ev))>
                        {move || live.profiles.get().into_iter().map(|p| {
                            let status = live.shown_status(&p.id);
                            let selected = p.id == host.get_untracked();
                            view! { <option value=p.id.clone() selected=selected>{format!("{} ({status})", p.label)}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label>
                    "Provider"
                    <select name="provider" on:change=move |ev| provider.set(event_target_value(&ev))>
                        {move || providers().into_iter().map(|p| {
                            let ready = p.status == ProviderStatus::Ready;
                            let label = p.label.clone().unwrap_or_else(|| p.provider.clone());
                            let text = if ready {
                                label
                            } else {
                                format!("{label} — unavailable{}", p.error.clone().map(|e| format!(": {e}")).unwrap_or_default())
                            };
                            let selected = p.provider == provider.get_untracked();
                            view! { <option value=p.provider.clone() disabled=!ready selected=selected>{text}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <Show when=move || chosen().and_then(|p| p.models).is_some_and(|m| !m.is_empty())>
                    <label>
                        "Model"
                        <select name="model" on:change=move |ev| model.set(event_target_value(&ev))>
                            <option value="">"Provider default"</option>
                            {move || chosen().and_then(|p| p.models).unwrap_or_default().into_iter().map(|m| view! {
                                <option value=m.id.clone()>{m.label.clone()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                </Show>
                <Show when=move || chosen().and_then(|p| p.modes).is_some_and(|m| !m.is_empty())>
                    <label>
                        "Mode"
                        <select name="mode" on:change=move |ev| mode.set(event_target_value(&ev))>
                            <option value="">"Provider default"</option>
                            {move || chosen().and_then(|p| p.modes).unwrap_or_default().into_iter().map(|m| view! {
                                <option value=m.id.clone()>{m.label.clone()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                </Show>
                <Show when=move || what.get() == What::Resume>
                    <label>
                        "Session to resume"
                        <select name="resume" required on:change=move |ev| resume_from.set(event_target_value(&ev))>
                            <option value="">{move || if resumable().is_empty() { "No stored sessions on this host" } else { "Choose an agent…" }}</option>
                            {move || resumable().into_iter().map(|(live_agent, id, label)| {
                                let label = if live_agent { label } else { format!("{label} (archived)") };
                                view! { <option value=id>{label}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                </Show>
                <Show when=move || importing.get()>
                    <label>
                        "Provider session id"
                        <input name="session" required placeholder="the id the provider gave the session"
                            prop:value=move || session_id.get() on:input=move |ev| session_id.set(event_target_value(&ev)) />
                    </label>
                </Show>
                <Show when=move || what.get() != What::Resume>
                <label>
                    "Folder on that host"
                    <input name="cwd" list="recent-cwds" required=move || !importing.get() placeholder="/home/you/project"
                        prop:value=move || cwd.get() on:input=move |ev| cwd.set(event_target_value(&ev)) />
                    <datalist id="recent-cwds">
                        {move || recent_cwds().into_iter().map(|c| view! { <option value=c></option> }).collect_view()}
                    </datalist>
                </label>
                <label>
                    "First message (optional)"
                    <textarea name="prompt" rows="3" prop:value=move || prompt.get() on:input=move |ev| prompt.set(event_target_value(&ev))></textarea>
                </label>
                </Show>
                {move || blocked().map(|why| view! { <p class="inline-note" role="status">{format!("Can't create here: {why}")}</p> })}
                {move || error.get().map(|e| view! { <p class="inline-error" role="alert">{e}</p> })}
                <div class="dialog-actions">
                    <button type="button" on:click={let close = on_close.clone(); move |_| close()}>"Cancel"</button>
                    <button type="submit" class="primary" disabled=move || busy.get() || blocked().is_some()>
                        {move || match (busy.get(), what.get()) {
                            (true, _) => "Working…",
                            (false, What::Import) => "Import session",
                            (false, What::Resume) => "Resume agent",
                            (false, What::Create) => "Create agent",
                        }}
                    </button>
                </div>
            </form>
        </div>
    }
    .into_any()
}
