#![cfg(all(feature = "std", not(ccol_loom)))]
//! The per-participant block cache (`blocks.rs`): `Owned::with_guard` reuses the blocks of
//! nodes this participant freed, so a steady alloc/retire cycle stops calling the allocator;
//! a flush, the participant's release and the domain's drop give every cached block back.
//!
//! Nodes here hold a [`Marked`] value, aligned to [`MARK_ALIGN`], so the counting allocator
//! can tell them from every other allocation of the process (nothing else asks for that
//! alignment: cache-padded registry slots ask for 64 on 32-bit x86 and 128 on x86-64, which
//! is why it is not 64). Tests that count hold [`serial`] (the counters are process-wide).

use core::alloc::{GlobalAlloc, Layout};
use std::{
    alloc::System,
    sync::{Mutex, MutexGuard, PoisonError},
};

mod common;

use ccol_arch::config::Config;
use ccol_atomics::sync::atomic::{AtomicUsize, Ordering, Ordering::AcqRel};
use ccol_reclaim::{Atomic, Domain, Guard, Owned, Reclaim};

/// The alignment that marks a node of these tests.
const MARK_ALIGN: usize = 32;

/// A node value the counting allocator recognizes by its alignment (a node of at most 64
/// bytes: cached).
/// Counts the live values, so a test can tell blocks holding a node from cached ones.
#[repr(align(32))]
struct Marked(#[allow(dead_code, reason = "only its address and drop matter")] u64);

static LIVE_VALUES: AtomicUsize = AtomicUsize::new(0);

impl Marked {
    fn new() -> Self {
        // Relaxed: as in `CountingAlloc`.
        LIVE_VALUES.fetch_add(1, Ordering::Relaxed);
        Self(1)
    }
}

impl Drop for Marked {
    fn drop(&mut self) {
        // Relaxed: as in `CountingAlloc`.
        LIVE_VALUES.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Marked blocks that hold no value: cached ones.
fn cached_blocks() -> usize {
    // Relaxed: as in `CountingAlloc`.
    live() - LIVE_VALUES.load(Ordering::Relaxed)
}

/// Counts live allocations with [`MARK_ALIGN`].
struct CountingAlloc;

static LIVE_MARKED: AtomicUsize = AtomicUsize::new(0);
static MARKED_ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; the counting touches only atomics.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees.
        let p = unsafe { System.alloc(layout) };
        if layout.align() == MARK_ALIGN && !p.is_null() {
            // Relaxed: counters read by the same thread, or after joins.
            LIVE_MARKED.fetch_add(1, Ordering::Relaxed);
            MARKED_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if layout.align() == MARK_ALIGN {
            // Relaxed: as in `alloc`.
            LIVE_MARKED.fetch_sub(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(p, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

fn serial() -> MutexGuard<'static, ()> {
    static SERIAL: Mutex<()> = Mutex::new(());
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

fn live() -> usize {
    // Relaxed: see `CountingAlloc`.
    LIVE_MARKED.load(Ordering::Relaxed)
}

fn allocs() -> usize {
    // Relaxed: see `CountingAlloc`.
    MARKED_ALLOCS.load(Ordering::Relaxed)
}

/// A domain that scans every 4 retirements.
fn eager<R: Reclaim>() -> Domain<R> {
    let config = Config::DEFAULT
        .with_retire_threshold(4)
        .and_then(|config| config.with_epoch_frequency(2))
        .expect("valid thresholds");
    Domain::with_config(&config)
}

/// One replace cycle: a node from `alloc` replaces the link's node, which is retired.
fn replace<R: Reclaim>(
    link: &Atomic<Marked, R>,
    guard: &Guard<'_, R>,
    alloc: fn(&Guard<'_, R>) -> Owned<Marked, R>,
) {
    let old = link.swap(alloc(guard), AcqRel, guard);
    // SAFETY: unlinked by the swap, retired once.
    unsafe { guard.retire(old) };
}

fn cached<R: Reclaim>(guard: &Guard<'_, R>) -> Owned<Marked, R> {
    Owned::with_guard(Marked::new(), guard)
}

fn fresh<R: Reclaim>(guard: &Guard<'_, R>) -> Owned<Marked, R> {
    Owned::new(Marked::new(), guard.domain())
}

/// Replace cycles measured after the warm-up (fewer under Miri, which interprets each scan).
const STEADY_CYCLES: usize = common::scaled(1_000, 200);

/// Allocator calls for [`STEADY_CYCLES`] replace cycles after a warm-up, each under its own
/// guard.
fn allocations_in_steady_state<R: Reclaim>(alloc: fn(&Guard<'_, R>) -> Owned<Marked, R>) -> usize {
    let domain = eager::<R>();
    let link = Atomic::new(Owned::new(Marked::new(), &domain));
    let handle = domain.register().expect("growable registry");
    for _ in 0..64 {
        replace(&link, &handle.pin(), alloc);
    }
    let before = allocs();
    for _ in 0..STEADY_CYCLES {
        replace(&link, &handle.pin(), alloc);
    }
    let calls = allocs() - before;
    drop(handle);
    // SAFETY: exclusive access; the link's node was never retired.
    drop(unsafe { link.into_owned() });
    calls
}

fn steady_cycles_reuse_blocks<R: Reclaim>() {
    let _serial = serial();
    let with_cache = allocations_in_steady_state::<R>(cached);
    let without = allocations_in_steady_state::<R>(fresh);
    // Every block comes back within a scan or an epoch (DEBRA), so the cache serves them all.
    assert_eq!(
        with_cache, 0,
        "with_guard called the allocator in steady state"
    );
    assert_eq!(without, STEADY_CYCLES, "Owned::new allocates once per node");
}

fn flush_release_and_drop_return_cached_blocks<R: Reclaim>() {
    let _serial = serial();
    let base = live();
    let domain = eager::<R>();
    let link = Atomic::new(Owned::new(Marked::new(), &domain));
    {
        let handle = domain.register().expect("growable registry");
        for _ in 0..100 {
            replace(&link, &handle.pin(), cached);
        }
        assert!(
            cached_blocks() > 0,
            "nothing cached: the test shows nothing"
        );
        // With no guard active, a flush frees every retired node and gives back every block.
        handle.flush();
        assert_eq!(live(), base + 1, "blocks kept after a flush");
        for _ in 0..100 {
            replace(&link, &handle.pin(), cached);
        }
        assert!(
            cached_blocks() > 0,
            "nothing cached: the test shows nothing"
        );
        // Dropping the handle hands the pending garbage over (its nodes still hold their
        // values) and frees the cached blocks.
    }
    assert_eq!(
        cached_blocks(),
        0,
        "blocks kept after the participant's release"
    );
    domain.flush();
    assert_eq!(live(), base + 1, "garbage left after the domain's flush");
    {
        let handle = domain.register().expect("growable registry");
        for _ in 0..100 {
            replace(&link, &handle.pin(), cached);
        }
        // A handle leaked with blocks in its cache: the domain's drop frees them.
        core::mem::forget(handle);
    }
    // SAFETY: exclusive access; the link's node was never retired.
    drop(unsafe { link.into_owned() });
    drop(domain);
    assert_eq!(live(), base, "blocks left after the domain's drop");
}

common::for_each_scheme! {
    steady_cycles_reuse_blocks => steady_cycles_reuse_blocks,
    flush_release_and_drop_return_cached_blocks => flush_release_and_drop_return_cached_blocks,
}
