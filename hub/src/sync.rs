//! The one locking rule of the hub: a poisoned mutex is still used, because
//! everything behind the hub's mutexes is plain state that stays consistent
//! (no invariant spans a panic).

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks ignoring poisoning: the data is plain state, still consistent.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
