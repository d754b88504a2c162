//! The drafts context: one reactive book per profile, persisted on every
//! change (small, and the user's own words).

use crate::sorted::SortedMap;

use leptos::prelude::*;

use super::{DraftBook, Queued};
use crate::directory::AgentKey;

/// Per agent: why its queue is paused (a refusal the user must see, and
/// clear to retry).
#[derive(Clone, Copy)]
pub struct SendErrors(pub RwSignal<SortedMap<AgentKey, String>>);

pub fn provide_send_errors() -> SendErrors {
    let errors = SendErrors(RwSignal::new(SortedMap::new()));
    provide_context(errors);
    errors
}

pub fn use_send_errors() -> SendErrors {
    expect_context::<SendErrors>()
}

#[derive(Clone, Copy)]
pub struct Drafts {
    books: RwSignal<SortedMap<String, DraftBook>>,
}

pub fn provide_drafts() -> Drafts {
    let drafts = Drafts {
        books: RwSignal::new(SortedMap::new()),
    };
    provide_context(drafts);
    drafts
}

pub fn use_drafts() -> Drafts {
    expect_context::<Drafts>()
}

impl Drafts {
    /// Loads a profile's book from storage (browser only; a no-op on SSR).
    pub fn load(&self, profile_id: &str) {
        #[cfg(feature = "hydrate")]
        {
            let book = super::storage::load(profile_id);
            self.books.update(|b| {
                b.insert(profile_id.to_owned(), book);
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = profile_id;
    }

    /// Takes another tab's write of a profile's book (the `storage` event),
    /// so two tabs show and send one queue.
    pub fn replace(&self, profile_id: &str, book: DraftBook) {
        self.books.update(|b| {
            if b.get(profile_id) != Some(&book) {
                b.insert(profile_id.to_owned(), book);
            }
        });
    }

    /// The profile now reaches another daemon: its queue is kept, shown and
    /// never sent.
    pub fn mark_undeliverable(&self, profile_id: &str, reason: &str) {
        self.change(profile_id, |book| book.mark_undeliverable(reason));
    }

    fn change(&self, profile_id: &str, f: impl FnOnce(&mut DraftBook)) {
        self.books.update(|books| {
            let book = books.entry(profile_id.to_owned()).or_default();
            f(book);
            #[cfg(feature = "hydrate")]
            super::storage::save(profile_id, book);
        });
    }

    pub fn draft(&self, profile_id: &str, agent_id: &str) -> String {
        self.books
            .with(|b| b.get(profile_id).map(|book| book.draft(agent_id)))
            .unwrap_or_default()
    }

    pub fn set_draft(&self, profile_id: &str, agent_id: &str, text: String) {
        self.change(profile_id, |book| book.set_draft(agent_id, text));
    }

    pub fn queue(&self, profile_id: &str, agent_id: &str) -> Vec<Queued> {
        self.books
            .with(|b| b.get(profile_id).map(|book| book.queue(agent_id).to_vec()))
            .unwrap_or_default()
    }

    /// Every non-empty queue (tracked).
    pub fn queues(&self) -> Vec<(String, String, Vec<Queued>)> {
        self.books.with(|books| {
            books
                .iter()
                .flat_map(|(profile, book)| {
                    book.queues
                        .iter()
                        .map(|(agent, q)| (profile.clone(), agent.clone(), q.clone()))
                })
                .collect()
        })
    }

    pub fn enqueue(&self, profile_id: &str, agent_id: &str, message: Queued) {
        self.change(profile_id, |book| book.push(agent_id, message));
    }

    pub fn remove(&self, profile_id: &str, agent_id: &str, message_id: &str) {
        self.change(profile_id, |book| {
            book.remove(agent_id, message_id);
        });
    }

    pub fn edit(&self, profile_id: &str, agent_id: &str, message_id: &str, text: String) {
        self.change(profile_id, |book| book.edit(agent_id, message_id, text));
    }
}
