//! Drafts and queued messages, per profile, under `@paseo:drafts:<id>`.
//! They are the user's words, so they are never dropped: kept apart from the
//! session snapshots (which are a cache), and an unreadable value is set
//! aside under a backup key (as the registry does) before starting afresh.
//!
//! Delivery is exactly once (binding page): each queued message has a
//! `messageId` made once in the browser; the daemon is idempotent on it; a
//! message leaves the queue when the daemon accepted it or its
//! `user_message` row is seen. The sender itself is `sender.rs`.

use crate::sorted::SortedMap;

use serde::{Deserialize, Serialize};

pub const KEY_PREFIX: &str = "@paseo:drafts:";

/// One message waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Queued {
    pub message_id: String,
    pub text: String,
    #[serde(default)]
    pub created_at: String,
    /// Why it will not be sent (its host now reaches another daemon): kept
    /// and shown, never sent to the wrong daemon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undeliverable: Option<String>,
}

/// Everything unsent of one profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftBook {
    #[serde(default)]
    pub drafts: SortedMap<String, String>,
    #[serde(default)]
    pub queues: SortedMap<String, Vec<Queued>>,
}

impl DraftBook {
    pub fn draft(&self, agent_id: &str) -> String {
        self.drafts.get(agent_id).cloned().unwrap_or_default()
    }

    pub fn set_draft(&mut self, agent_id: &str, text: String) {
        if text.is_empty() {
            self.drafts.remove(agent_id);
        } else {
            self.drafts.insert(agent_id.to_owned(), text);
        }
    }

    pub fn queue(&self, agent_id: &str) -> &[Queued] {
        self.queues.get(agent_id).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn push(&mut self, agent_id: &str, message: Queued) {
        self.queues
            .entry(agent_id.to_owned())
            .or_default()
            .push(message);
    }

    /// Marks every queued message undeliverable with `reason`.
    pub fn mark_undeliverable(&mut self, reason: &str) {
        for queue in self.queues.values_mut() {
            for message in queue {
                message
                    .undeliverable
                    .get_or_insert_with(|| reason.to_owned());
            }
        }
    }

    /// Removes a message (delivered, or removed by the user).
    pub fn remove(&mut self, agent_id: &str, message_id: &str) -> bool {
        let Some(queue) = self.queues.get_mut(agent_id) else {
            return false;
        };
        let before = queue.len();
        queue.retain(|m| m.message_id != message_id);
        let removed = queue.len() != before;
        if queue.is_empty() {
            self.queues.remove(agent_id);
        }
        removed
    }

    pub fn edit(&mut self, agent_id: &str, message_id: &str, text: String) {
        if let Some(m) = self
            .queues
            .get_mut(agent_id)
            .and_then(|q| q.iter_mut().find(|m| m.message_id == message_id))
        {
            m.text = text;
        }
    }
}

/// What reading storage gave: the book, and raw text to back up if it was
/// unreadable.
#[derive(Debug, PartialEq, Eq)]
pub struct Loaded {
    pub book: DraftBook,
    pub corrupt: Option<String>,
}

pub fn decode(raw: Option<&str>) -> Loaded {
    match raw {
        None => Loaded {
            book: DraftBook::default(),
            corrupt: None,
        },
        Some(raw) => match serde_json::from_str::<DraftBook>(raw) {
            Ok(book) => Loaded {
                book,
                corrupt: None,
            },
            Err(_) => Loaded {
                book: DraftBook::default(),
                corrupt: Some(raw.to_owned()),
            },
        },
    }
}

/// Whether the sender may send `agent`'s next queued message now: the
/// agent is not mid-turn, and the previous send (if any) was seen to take
/// effect (the agent changed since).
pub fn may_send(
    status: protocol::AgentStatus,
    updated_at: &str,
    last_sent_at: Option<&str>,
) -> bool {
    use protocol::AgentStatus;
    let busy = matches!(status, AgentStatus::Running | AgentStatus::Initializing);
    !busy && last_sent_at != Some(updated_at)
}

#[cfg(feature = "hydrate")]
pub mod sender;
#[cfg(feature = "hydrate")]
pub mod storage;

mod context;
pub use context::{
    Drafts, SendErrors, provide_drafts, provide_send_errors, use_drafts, use_send_errors,
};

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::AgentStatus;

    fn q(id: &str) -> Queued {
        Queued {
            message_id: id.into(),
            text: format!("text {id}"),
            created_at: String::new(),
            undeliverable: None,
        }
    }

    #[test]
    fn undeliverable_messages_stay_with_their_reason() {
        let mut book = DraftBook::default();
        book.push("a", q("m1"));
        book.mark_undeliverable("moved");
        book.mark_undeliverable("later reason does not replace");
        assert_eq!(book.queue("a")[0].undeliverable.as_deref(), Some("moved"));
        assert_eq!(book.queue("a").len(), 1, "kept, never dropped");
    }

    #[test]
    fn queues_keep_order_and_remove_by_message_id() {
        let mut book = DraftBook::default();
        book.push("a", q("1"));
        book.push("a", q("2"));
        book.edit("a", "2", "edited".into());
        assert_eq!(book.queue("a")[1].text, "edited");
        assert!(book.remove("a", "1"));
        assert!(!book.remove("a", "1"));
        assert_eq!(book.queue("a")[0].message_id, "2");
        assert!(book.remove("a", "2"));
        assert!(book.queues.is_empty());
    }

    #[test]
    fn an_unreadable_value_is_kept_for_backup_never_silently_dropped() {
        let loaded = decode(Some("{oops"));
        assert_eq!(loaded.corrupt.as_deref(), Some("{oops"));
        assert_eq!(loaded.book, DraftBook::default());
        let mut book = DraftBook::default();
        book.set_draft("a", "half a thought".into());
        let raw = serde_json::to_string(&book).expect("encodes");
        assert_eq!(decode(Some(&raw)).book, book);
    }

    #[test]
    fn the_next_message_waits_for_the_turn_and_for_the_previous_send_to_land() {
        assert!(may_send(AgentStatus::Idle, "t1", None));
        assert!(!may_send(AgentStatus::Running, "t1", None));
        assert!(!may_send(AgentStatus::Initializing, "t1", None));
        // Sent at t1; the agent has not changed since: wait.
        assert!(!may_send(AgentStatus::Idle, "t1", Some("t1")));
        assert!(may_send(AgentStatus::Idle, "t2", Some("t1")));
        assert!(may_send(AgentStatus::Error, "t2", Some("t1")));
    }
}
