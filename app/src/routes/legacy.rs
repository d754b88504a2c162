//! `/agent/:id` (old links without a host): one match → redirect, several
//! → a picker naming each host, none → "not found", a host that has not
//! answered yet → "still connecting". Answers HTTP 200: only the browser
//! knows its registry.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::directory::use_directory;
use crate::live::{ConnectionStatus, use_live};

/// What the legacy route shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Legacy {
    Redirect(String),
    Pick(Vec<(String, String)>),
    Connecting,
    NotFound,
}

/// Pure resolver: `matches` are `(profile_id, daemon_id)` holding the agent;
/// `unanswered` says whether some host has not answered yet. Matches of one
/// daemon reached through two profiles are one match.
pub fn resolve(agent_id: &str, matches: &[(String, Option<String>)], unanswered: bool) -> Legacy {
    let mut seen = crate::sorted::SortedSet::new();
    let unique: Vec<&(String, Option<String>)> = matches
        .iter()
        .filter(|(profile, daemon)| seen.insert(daemon.clone().unwrap_or_else(|| profile.clone())))
        .collect();
    match unique.as_slice() {
        [] if unanswered => Legacy::Connecting,
        [] => Legacy::NotFound,
        [(profile, _)] if !unanswered => Legacy::Redirect(format!("/agent/{profile}/{agent_id}")),
        [(profile, _)] => Legacy::Redirect(format!("/agent/{profile}/{agent_id}")),
        many => Legacy::Pick(
            many.iter()
                .map(|(profile, _)| (profile.clone(), format!("/agent/{profile}/{agent_id}")))
                .collect(),
        ),
    }
}

#[component]
pub fn LegacyAgentPage() -> impl IntoView {
    let params = use_params_map();
    let directory = use_directory();
    let live = use_live();
    let navigate = use_navigate();
    let outcome = Memo::new(move |_| {
        let id = params.with(|p| p.get("id").unwrap_or_default());
        let keys = directory.keys();
        let matches: Vec<(String, Option<String>)> = keys
            .iter()
            .filter(|k| k.agent_id == id)
            .map(|k| {
                let daemon = live
                    .hosts
                    .with(|h| h.get(&k.profile_id).and_then(|s| s.daemon_id.clone()));
                (k.profile_id.clone(), daemon)
            })
            .collect();
        let unanswered = !live.hydrated.get()
            || live.profiles.with(|profiles| {
                profiles.iter().any(|p| {
                    let online_and_live = directory.is_live(&p.id);
                    let failed = live.hosts.with(|h| {
                        h.get(&p.id).is_some_and(|s| {
                            matches!(
                                s.status,
                                ConnectionStatus::Offline | ConnectionStatus::Error
                            )
                        })
                    });
                    !online_and_live && !failed
                })
            });
        resolve(&id, &matches, unanswered)
    });
    Effect::new(move |_| {
        if let Legacy::Redirect(to) = outcome.get() {
            navigate(&to, Default::default());
        }
    });
    view! {
        {move || match outcome.get() {
            Legacy::Redirect(to) => view! { <p class="connecting">"Opening "<a href=to.clone()>{to.clone()}</a>"…"</p> }.into_any(),
            Legacy::Connecting => view! { <p class="connecting" data-state="connecting">"Still connecting to your hosts…"</p> }.into_any(),
            Legacy::NotFound => view! {
                <section data-state="not-found"><h1>"Agent not found"</h1><p>"No host of this browser has this agent. "<a href="/">"All agents"</a></p></section>
            }.into_any(),
            Legacy::Pick(options) => view! {
                <section data-state="pick">
                    <h1>"This agent id exists on several hosts"</h1>
                    <ul class="picker">
                        {options.into_iter().map(|(profile, href)| {
                            let label = live.label(&profile);
                            view! { <li><a href=href>{label}</a></li> }
                        }).collect_view()}
                    </ul>
                </section>
            }.into_any(),
        }}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(profile: &str, daemon: Option<&str>) -> (String, Option<String>) {
        (profile.into(), daemon.map(str::to_owned))
    }

    #[test]
    fn one_match_redirects_several_pick_none_is_not_found_or_connecting() {
        assert_eq!(
            resolve("a", &[m("p1", Some("srv_1"))], false),
            Legacy::Redirect("/agent/p1/a".into())
        );
        assert_eq!(
            resolve(
                "a",
                &[m("p1", Some("srv_1")), m("p2", Some("srv_2"))],
                false
            ),
            Legacy::Pick(vec![
                ("p1".into(), "/agent/p1/a".into()),
                ("p2".into(), "/agent/p2/a".into())
            ])
        );
        assert_eq!(resolve("a", &[], true), Legacy::Connecting);
        assert_eq!(resolve("a", &[], false), Legacy::NotFound);
    }

    #[test]
    fn one_daemon_through_two_profiles_is_one_match() {
        assert_eq!(
            resolve(
                "a",
                &[m("p1", Some("srv_1")), m("p2", Some("srv_1"))],
                false
            ),
            Legacy::Redirect("/agent/p1/a".into())
        );
    }
}
