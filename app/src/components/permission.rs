//! Pending permission prompts of one agent, answered in place. One
//! resolved elsewhere (another tab, the CLI) disappears with its
//! resolution, because the list is the directory's.

use leptos::prelude::*;
use protocol::{PermissionBehavior, PermissionRequest};

use crate::api::permissions::answer_permission;
use crate::components::timeline::{tool_detail, tool_summary};
use crate::directory::{AgentKey, use_directory};
use crate::live::use_live;

#[component]
pub fn Permissions(key: AgentKey) -> impl IntoView {
    let directory = use_directory();
    let for_children = StoredValue::new(key.clone());
    let list = move || {
        let _ = directory.keys();
        directory
            .agent(&key)
            .map(|cell| cell.permissions.get())
            .unwrap_or_default()
    };
    view! {
        <div class="permissions">
            <For
                each=list
                key=|p| p.id.clone()
                children=move |request| view! { <Prompt key=for_children.get_value() request /> }
            />
        </div>
    }
}

/// The buttons of a request: its own actions, else allow / deny.
fn buttons(request: &PermissionRequest) -> Vec<(Option<String>, String, bool)> {
    match &request.actions {
        Some(actions) if !actions.is_empty() => actions
            .iter()
            .map(|a| {
                (
                    Some(a.id.clone()),
                    a.label.clone(),
                    a.behavior == PermissionBehavior::Allow,
                )
            })
            .collect(),
        _ => vec![(None, "Allow".into(), true), (None, "Deny".into(), false)],
    }
}

#[component]
pub fn Prompt(key: AgentKey, request: PermissionRequest) -> impl IntoView {
    let directory = use_directory();
    let live = use_live();
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let title = request
        .title
        .clone()
        .unwrap_or_else(|| format!("{} wants to use {}", request.provider, request.name));
    let summary = request
        .detail
        .as_ref()
        .map(tool_summary)
        .unwrap_or_default();
    let detail = request.detail.as_ref().map(tool_detail);
    let has_detail = detail.is_some();
    let profile_id = key.profile_id.clone();
    let blocked = move || live.can_act(&profile_id).err();
    let actions = buttons(&request)
        .into_iter()
        .map(|(action_id, label, allow)| {
            let key = key.clone();
            let request_id = request.id.clone();
            let on_click = move |_| {
                let Some(token) = directory.tab_token.get_untracked() else {
                    error.set(Some("not connected to the web server".into()));
                    return;
                };
                busy.set(true);
                let key = key.clone();
                let request_id = request_id.clone();
                let action_id = action_id.clone();
                leptos::task::spawn_local(async move {
                    let result = answer_permission(token, key.profile_id, key.agent_id, request_id, allow, action_id).await;
                    busy.set(false);
                    error.set(result.err().map(|e| e.to_string()));
                });
            };
            let class = if allow { "allow" } else { "deny" };
            let blocked = blocked.clone();
            view! {
                <button class=class on:click=on_click disabled=move || busy.get() || blocked().is_some()>
                    {label}
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="prompt" role="alertdialog" data-request-id=request.id.clone()>
            <div class="prompt-title">{title}</div>
            {(!summary.is_empty() && !has_detail).then(|| view! { <div class="prompt-summary">{summary}</div> })}
            {request.description.clone().map(|d| view! { <p class="prompt-description">{d}</p> })}
            {detail}
            <div class="prompt-actions">{actions}</div>
            {move || blocked().map(|why| view! { <p class="inline-note">{why}</p> })}
            {move || error.get().map(|e| view! { <p class="inline-error">{e}</p> })}
        </div>
    }
    .into_any()
}
