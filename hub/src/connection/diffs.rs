//! The actor's side of live diffs (see `crate::diff`): which subscriptions
//! exist on this connection, (re)subscribing them when online, and handing
//! each diff to the one sink that asked for it.

use std::collections::HashMap;

use protocol::{
    CheckoutError, CheckoutErrorCode, ParsedDiffFile, SessionRequest, SubscribeCheckoutDiffRequest,
    UnsubscribeCheckoutDiffRequest,
};

use super::Actor;
use super::online::Internal;
use crate::diff::{DiffPush, DiffSubscription};

/// The diff subscriptions of one daemon connection.
#[derive(Debug, Default)]
pub(super) struct Diffs {
    live: HashMap<String, DiffSubscription>,
    /// Dropped while the daemon was away: the daemon may still poll for
    /// them (a session it kept), so they are unsubscribed on reconnect.
    dropped_away: Vec<String>,
}

impl Actor {
    /// A new subscription: sent now if online, else on the next connection.
    pub(super) fn add_diff(&mut self, subscription: DiffSubscription, online: bool) {
        let id = subscription.id.clone();
        self.diffs.live.insert(id.clone(), subscription);
        if online {
            self.queue_diff_subscribe(&id);
        }
    }

    /// A dropped guard: unsubscribed now if online, else on reconnect.
    pub(super) fn remove_diff(&mut self, id: &str, online: bool) {
        if self.diffs.live.remove(id).is_none() {
            return;
        }
        if online {
            self.outbox
                .push(SessionRequest::UnsubscribeCheckoutDiffRequest(
                    UnsubscribeCheckoutDiffRequest {
                        subscription_id: id.to_owned(),
                    },
                ));
        } else {
            self.diffs.dropped_away.push(id.to_owned());
        }
    }

    /// On a fresh connection: forget what was dropped meanwhile, subscribe
    /// every live subscription again.
    pub(super) fn resubscribe_diffs(&mut self) {
        for id in std::mem::take(&mut self.diffs.dropped_away) {
            self.outbox
                .push(SessionRequest::UnsubscribeCheckoutDiffRequest(
                    UnsubscribeCheckoutDiffRequest {
                        subscription_id: id,
                    },
                ));
        }
        let ids: Vec<String> = self.diffs.live.keys().cloned().collect();
        for id in ids {
            self.queue_diff_subscribe(&id);
        }
    }

    fn queue_diff_subscribe(&mut self, id: &str) {
        let Some((cwd, compare)) = self
            .diffs
            .live
            .get(id)
            .map(|s| (s.cwd.clone(), s.compare.clone()))
        else {
            return;
        };
        let request_id = self.request_id("diff");
        self.internal
            .insert(request_id.clone(), Internal::Diff(id.to_owned()));
        self.outbox
            .push(SessionRequest::SubscribeCheckoutDiffRequest(
                SubscribeCheckoutDiffRequest {
                    subscription_id: id.to_owned(),
                    cwd,
                    compare,
                    request_id,
                },
            ));
    }

    /// A diff from the daemon (answer or push): to its subscriber only. A
    /// subscriber that went away is unsubscribed.
    pub(super) fn deliver_diff(
        &mut self,
        subscription_id: &str,
        cwd: String,
        files: Vec<ParsedDiffFile>,
        error: Option<CheckoutError>,
    ) {
        let Some(subscription) = self.diffs.live.get(subscription_id) else {
            tracing::debug!(daemon = %self.target.key, subscription_id, "diff for no subscription");
            return;
        };
        let push = DiffPush {
            subscription_id: subscription_id.to_owned(),
            cwd,
            files,
            error,
        };
        if subscription.sink.send(push).is_err() {
            self.remove_diff(subscription_id, true);
        }
    }

    /// The daemon refused a subscription outright (`rpc_error`).
    pub(super) fn diff_refused(&mut self, subscription_id: &str, message: String) {
        let cwd = self
            .diffs
            .live
            .get(subscription_id)
            .map(|s| s.cwd.clone())
            .unwrap_or_default();
        let error = CheckoutError {
            code: CheckoutErrorCode::Unknown,
            message,
        };
        self.deliver_diff(subscription_id, cwd, Vec::new(), Some(error));
    }
}
