//! A global allocator that counts live heap bytes, to measure what one idle
//! daemon connection costs the hub (kernel socket buffers are not included).

#![allow(
    unsafe_code,
    reason = "a counting GlobalAlloc that delegates to System"
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};

pub struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
/// Counting costs a contended atomic per allocation: only while measuring.
static COUNTING: AtomicBool = AtomicBool::new(false);

/// Starts counting (from zero); what was allocated before is not seen.
pub fn start_counting() {
    LIVE.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
}

pub fn stop_counting() {
    COUNTING.store(false, Ordering::SeqCst);
}

/// Live heap bytes allocated (net of frees) since counting started. Frees
/// of older blocks count too, so measure a growth, not a level.
pub fn live_bytes() -> isize {
    LIVE.load(Ordering::Relaxed)
}

fn count(delta: isize) {
    if COUNTING.load(Ordering::Relaxed) {
        LIVE.fetch_add(delta, Ordering::Relaxed);
    }
}

// SAFETY: every call is forwarded to `System` unchanged; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: same contract as ours.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        count(-(layout.size() as isize));
        // SAFETY: same contract as ours.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size() as isize);
        // SAFETY: same contract as ours.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size as isize - layout.size() as isize);
        // SAFETY: same contract as ours.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
