//! One way for a button to call a server function: take the tab's token,
//! run the call, and show its error (or clear it) in the caller's signal.

use std::future::Future;

use leptos::prelude::*;

use crate::directory::Directory;
use crate::error::AppError;

/// Runs `call` with the tab token in the background; its error (or `None`
/// on success) goes to `error`. Without a token (the channel is down) the
/// call is not made and `error` says why.
pub fn act<Fut>(
    directory: Directory,
    error: RwSignal<Option<String>>,
    call: impl FnOnce(String) -> Fut + 'static,
) where
    Fut: Future<Output = Result<(), AppError>> + 'static,
{
    let Some(token) = directory.tab_token.get_untracked() else {
        error.set(Some("not connected to the web server".into()));
        return;
    };
    leptos::task::spawn_local(async move {
        error.set(call(token).await.err().map(|e| e.to_string()));
    });
}
