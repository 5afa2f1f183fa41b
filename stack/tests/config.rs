#![cfg(all(feature = "std", feature = "ibr", not(ccol_loom)))]
//! `LockFreeStack::with_config` builds the stack's domain from the given `Config`: with IBR
//! thresholds of 1 a popped node is freed within an operation or two; with the defaults (a
//! scan per 64 retirements) the nodes of a short run all wait. Nodes are counted by a global
//! allocator that recognizes them by their alignment. (DEBRA has no thresholds.)

use core::alloc::{GlobalAlloc, Layout};
use std::alloc::System;

use ccol_arch::config::Config;
use ccol_atomics::sync::atomic::{AtomicUsize, Ordering};
use ccol_reclaim::Ibr;
use ccol_stack::{Elimination, LockFreeStack};

/// The alignment that marks a node (nothing else in this binary asks for it).
const MARK_ALIGN: usize = 512;

/// A value whose alignment marks the nodes holding it.
#[repr(align(512))]
struct Marked(u64);

/// The system allocator, counting live allocations of alignment [`MARK_ALIGN`].
struct CountingAlloc;

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

/// Marked allocations made minus freed.
static LIVE_NODES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`, which upholds `GlobalAlloc`'s
// contract; the counting touches only an atomic (no allocation).
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees (non-zero size).
        let p = unsafe { System.alloc(layout) };
        if layout.align() == MARK_ALIGN && !p.is_null() {
            // Relaxed: a counter read on the thread that allocates and frees.
            LIVE_NODES.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if layout.align() == MARK_ALIGN {
            // Relaxed: as in `alloc`.
            LIVE_NODES.fetch_sub(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded with the caller's guarantees (`p` came from this allocator,
        // hence from `System`, with `layout`).
        unsafe { System.dealloc(p, layout) }
    }
}

/// Nodes still allocated after `rounds` push/pop pairs on a stack built from `config`.
fn nodes_left(config: &Config, rounds: u64) -> usize {
    let base = LIVE_NODES.load(Ordering::Relaxed);
    let stack: LockFreeStack<Marked, Ibr> =
        LockFreeStack::with_elimination_and_config(Elimination::disabled(), config);
    for v in 0..rounds {
        stack.push(Marked(v));
        assert_eq!(stack.pop().map(|m| m.0), Some(v));
    }
    let left = LIVE_NODES.load(Ordering::Relaxed) - base;
    drop(stack);
    assert_eq!(LIVE_NODES.load(Ordering::Relaxed), base, "nodes leaked");
    left
}

#[test]
fn a_configured_retire_threshold_reaches_the_stack_domain() {
    let rounds = 16;
    let eager = Config::DEFAULT
        .with_retire_threshold(1)
        .and_then(|config| config.with_epoch_frequency(1))
        .expect("in range");
    let configured = nodes_left(&eager, rounds);
    let default = nodes_left(&Config::DEFAULT, rounds);
    assert!(
        configured <= 2,
        "{configured} nodes alive with thresholds of 1"
    );
    // Miri and the sanitizers shrink every domain's thresholds to 2 (`reclaim/src/domain.rs`).
    if !cfg!(any(miri, ccol_sanitize)) {
        assert!(
            default as u64 >= rounds,
            "{default} nodes alive with the defaults"
        );
    }
    // `with_config` keeps elimination on and takes the same settings.
    let stack: LockFreeStack<u64, Ibr> = LockFreeStack::with_config(&eager);
    assert!(stack.elimination().is_enabled());
}
