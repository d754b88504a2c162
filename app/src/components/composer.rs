//! The composer: a draft kept per agent, Enter queues (the queue sender
//! sends when the agent is between turns, exactly once), Shift+Enter is a
//! new line, Esc or Stop cancels the running turn. Queued messages are
//! listed with edit, remove and "send now" (interrupt, then send).

use leptos::prelude::*;
use protocol::AgentStatus;

use super::action::act;
use crate::api::agents::{cancel_agent, set_mode, set_model, set_thinking};
use crate::directory::{AgentKey, use_directory};
use crate::drafts::{Queued, use_drafts, use_send_errors};
use crate::live::use_live;

#[component]
pub fn Composer(key: AgentKey) -> impl IntoView {
    let directory = use_directory();
    let drafts = use_drafts();
    let live = use_live();
    let send_errors = use_send_errors();
    let error = RwSignal::new(None::<String>);
    let k = key.clone();
    let agent = move || {
        let _ = directory.keys();
        directory.agent(&k).map(|cell| cell.snapshot.get())
    };
    let k = key.clone();
    let running = {
        let agent = agent.clone();
        Signal::derive(move || {
            agent()
                .map(|a| matches!(a.status, AgentStatus::Running | AgentStatus::Initializing))
                .unwrap_or(false)
        })
    };
    let draft = move || drafts.draft(&k.profile_id, &k.agent_id);
    let k = key.clone();
    let blocked = Signal::derive(move || live.can_act(&k.profile_id).err());

    let k = key.clone();
    let cancel = move || {
        let k = k.clone();
        act(directory, error, move |token| {
            cancel_agent(token, k.profile_id, k.agent_id)
        });
    };
    let k = key.clone();
    let submit = move || {
        let text = drafts.draft(&k.profile_id, &k.agent_id);
        if text.trim().is_empty() {
            return;
        }
        drafts.enqueue(
            &k.profile_id,
            &k.agent_id,
            Queued {
                message_id: new_message_id(),
                text,
                created_at: now_iso(),
                undeliverable: None,
            },
        );
        drafts.set_draft(&k.profile_id, &k.agent_id, String::new());
        send_errors.0.update(|e| {
            e.remove(&k);
        });
    };
    let on_keydown = {
        let submit = submit.clone();
        let cancel = cancel.clone();
        move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
                ev.prevent_default();
                submit();
            } else if ev.key() == "Escape" {
                ev.prevent_default();
                cancel();
            }
        }
    };
    let k = key.clone();
    let on_input = move |ev| drafts.set_draft(&k.profile_id, &k.agent_id, event_target_value(&ev));
    let k = key.clone();
    let queue = move || drafts.queue(&k.profile_id, &k.agent_id);
    let k = key.clone();
    let send_error = move || send_errors.0.with(|e| e.get(&k).cloned());

    view! {
        <div class="composer">
            <QueueList key=key.clone() />
            {move || send_error().map(|e| view! { <p class="inline-error" role="alert">{format!("Not sent: {e}")}</p> })}
            <div class="composer-row">
                <textarea
                    class="composer-input"
                    aria-label="Message to the agent"
                    placeholder=move || if running.get() { "The agent is working: Enter queues your message" } else { "Message the agent (Enter to send, Shift+Enter for a new line)" }
                    prop:value=draft
                    on:input=on_input
                    on:keydown=on_keydown
                    rows="3"
                ></textarea>
                <div class="composer-buttons">
                    <button class="send" on:click=move |_| submit() disabled=move || blocked.get().is_some()>
                        {move || if running.get() { "Queue" } else { "Send" }}
                    </button>
                    <Show when=move || running.get()>
                        <button class="stop" on:click={let cancel = cancel.clone(); move |_| cancel()} aria-label="Stop the running turn">"Stop"</button>
                    </Show>
                </div>
            </div>
            <Pickers key=key.clone() />
            {move || blocked.get().map(|why| view! { <p class="inline-note">{why}</p> })}
            {move || error.get().map(|e| view! { <p class="inline-error">{e}</p> })}
            <span class="queue-count" data-count=move || queue().len().to_string() hidden=true></span>
        </div>
    }
    .into_any()
}

#[component]
fn QueueList(key: AgentKey) -> impl IntoView {
    let drafts = use_drafts();
    let directory = use_directory();
    let k = key.clone();
    let queue = move || drafts.queue(&k.profile_id, &k.agent_id);
    let k = StoredValue::new(key);
    view! {
        <Show when={let queue = queue.clone(); move || !queue().is_empty()}>
            <ol class="queue" aria-label="Queued messages">
                <For
                    each=queue.clone()
                    key=|q| (q.message_id.clone(), q.text.clone())
                    children=move |q| {
                        let key = k.get_value();
                        let id = q.message_id.clone();
                        let (p, a) = (key.profile_id.clone(), key.agent_id.clone());
                        let remove = move |_| drafts.remove(&p, &a, &id);
                        let id = q.message_id.clone();
                        let (p, a) = (key.profile_id.clone(), key.agent_id.clone());
                        let text = q.text.clone();
                        let edit = move |_| {
                            let answer = window().prompt_with_message_and_default("Edit the queued message", &text).ok().flatten();
                            if let Some(answer) = answer.filter(|t| !t.trim().is_empty()) {
                                drafts.edit(&p, &a, &id, answer);
                            }
                        };
                        let send_now = {
                            let key = key.clone();
                            move |_| {
                                // Interrupt the turn; the sender sends the head once it stops.
                                let Some(token) = directory.tab_token.get_untracked() else { return };
                                let key = key.clone();
                                leptos::task::spawn_local(async move {
                                    let _ = cancel_agent(token, key.profile_id, key.agent_id).await;
                                });
                            }
                        };
                        view! {
                            <li class="queued" data-message-id=q.message_id.clone()>
                                <span class="queued-text">{q.text.clone()}</span>
                                <button class="link" on:click=edit>"Edit"</button>
                                <button class="link" on:click=remove>"Remove"</button>
                                <button class="link" on:click=send_now>"Send now"</button>
                            </li>
                        }
                    }
                />
            </ol>
        </Show>
    }
    .into_any()
}

/// Mode and model pickers, from the agent's modes and its provider's models.
#[component]
fn Pickers(key: AgentKey) -> impl IntoView {
    let directory = use_directory();
    let error = RwSignal::new(None::<String>);
    let k = key.clone();
    let agent = move || {
        let _ = directory.keys();
        directory.agent(&k).map(|cell| cell.snapshot.get())
    };
    let k = key.clone();
    let models = {
        let agent = agent.clone();
        move || {
            let provider = agent().map(|a| a.provider).unwrap_or_default();
            directory
                .providers(&k.profile_id)
                .into_iter()
                .find(|p| p.provider == provider)
                .and_then(|p| p.models)
                .unwrap_or_default()
        }
    };
    let k = key.clone();
    let on_mode = move |ev| {
        let mode = event_target_value(&ev);
        let k = k.clone();
        act(directory, error, move |token| {
            set_mode(token, k.profile_id, k.agent_id, mode)
        });
    };
    let k = key.clone();
    let on_model = move |ev| {
        let model = Some(event_target_value(&ev)).filter(|m| !m.is_empty());
        let k = k.clone();
        act(directory, error, move |token| {
            set_model(token, k.profile_id, k.agent_id, model)
        });
    };
    let modes = {
        let agent = agent.clone();
        move || {
            agent()
                .map(|a| (a.available_modes, a.current_mode_id))
                .unwrap_or_default()
        }
    };
    let current_model = {
        let agent = agent.clone();
        move || agent().and_then(|a| a.model).unwrap_or_default()
    };
    // The current model's thinking options, and the one in effect.
    let thinking = {
        let agent = agent.clone();
        let models = models.clone();
        move || {
            let a = agent();
            let model = a.as_ref().and_then(|a| a.model.clone()).unwrap_or_default();
            let current = a.and_then(|a| a.effective_thinking_option_id.or(a.thinking_option_id));
            let options = models()
                .into_iter()
                .find(|m| m.id == model)
                .and_then(|m| m.thinking_options)
                .unwrap_or_default();
            (options, current)
        }
    };
    let k = key.clone();
    let on_thinking = move |ev| {
        let option = Some(event_target_value(&ev)).filter(|o| !o.is_empty());
        let k = k.clone();
        act(directory, error, move |token| {
            set_thinking(token, k.profile_id, k.agent_id, option)
        });
    };
    view! {
        <div class="pickers">
            <Show when={let modes = modes.clone(); move || !modes().0.is_empty()}>
                <label>
                    "Mode "
                    <select on:change=on_mode.clone() aria-label="Mode">
                        {let modes = modes.clone(); move || {
                            let (modes, current) = modes();
                            modes.into_iter().map(|m| {
                                let selected = current.as_deref() == Some(m.id.as_str());
                                view! { <option value=m.id.clone() selected=selected>{m.label.clone()}</option> }
                            }).collect_view()
                        }}
                    </select>
                </label>
            </Show>
            <Show when={let models = models.clone(); move || !models().is_empty()}>
                <label>
                    "Model "
                    <select on:change=on_model.clone() aria-label="Model">
                        <option value="">"Provider default"</option>
                        {let models = models.clone(); let current_model = current_model.clone(); move || {
                            let current = current_model();
                            models().into_iter().map(|m| {
                                let selected = current == m.id;
                                view! { <option value=m.id.clone() selected=selected>{m.label.clone()}</option> }
                            }).collect_view()
                        }}
                    </select>
                </label>
            </Show>
            <Show when={let thinking = thinking.clone(); move || !thinking().0.is_empty()}>
                <label>
                    "Thinking "
                    <select on:change=on_thinking.clone() aria-label="Thinking">
                        <option value="">"Provider default"</option>
                        {let thinking = thinking.clone(); move || {
                            let (options, current) = thinking();
                            options.into_iter().map(|o| {
                                let selected = current.as_deref() == Some(o.id.as_str());
                                view! { <option value=o.id.clone() selected=selected>{o.label.clone()}</option> }
                            }).collect_view()
                        }}
                    </select>
                </label>
            </Show>
            {move || error.get().map(|e| view! { <span class="inline-error">{e}</span> })}
        </div>
    }
    .into_any()
}

fn new_message_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        crate::drafts::storage::new_message_id()
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

use crate::time::now_iso;
