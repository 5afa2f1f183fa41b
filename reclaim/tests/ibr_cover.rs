#![cfg(all(feature = "std", feature = "ibr", not(ccol_loom)))]
//! IBR keeps nodes valid that a thread did not read through a protected load but got from
//! its own swap (the node it unlinked) or published itself, for as long as its guard lives:
//! the reservation is raised to cover their birth. Without that, a node born after the pin
//! is outside the reservation and its own scan (or another thread's) frees it while the
//! guard still uses it.

mod common;

use ccol_arch::config::Config;
use ccol_atomics::sync::atomic::Ordering;
use ccol_reclaim::{Atomic, Domain, Ibr, Owned};
use common::Tracker;

/// Thresholds of 2: every second retirement advances the epoch and scans.
fn eager_domain() -> Domain<Ibr> {
    let config = Config::DEFAULT
        .with_retire_threshold(2)
        .and_then(|config| config.with_epoch_frequency(2))
        .expect("valid thresholds");
    Domain::with_config(&config)
}

#[test]
fn a_node_unlinked_by_this_guard_survives_its_own_retirement() {
    let tracker = Tracker::new(16);
    let domain = eager_domain();
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    let handle = domain.register().expect("growable registry");
    let guard = handle.pin();
    // Advance the epoch past the reservation taken at the pin: nodes allocated from now on
    // are born after it.
    for _ in 0..4 {
        let old = link.swap(
            Owned::new(tracker.payload(), &domain),
            Ordering::AcqRel,
            &guard,
        );
        // SAFETY: unlinked by the swap, retired once.
        unsafe { guard.retire(old) };
    }
    let young = Owned::new(tracker.payload(), &domain);
    let young_id = young.id();
    let previous = link.swap(young, Ordering::AcqRel, &guard);
    // SAFETY: unlinked by the swap, retired once.
    unsafe { guard.retire(previous) };
    let mine = link.swap(
        Owned::new(tracker.payload(), &domain),
        Ordering::AcqRel,
        &guard,
    );
    // SAFETY: unlinked by the swap, retired once; used below only while `guard` lives, which
    // `Guard::retire` allows.
    unsafe { guard.retire(mine) };
    for _ in 0..4 {
        guard.flush();
    }
    // SAFETY: `mine` was unlinked during `guard`, which is still active.
    let payload = unsafe { mine.deref() };
    // `check` panics if the canary was poisoned by a drop (the node was freed under us).
    assert_eq!(payload.check(), young_id);
    drop(guard);
    handle.flush();
    drop(handle);
    // SAFETY: exclusive access; the link holds the last node.
    drop(unsafe { link.into_owned() });
    drop(domain);
    tracker.assert_all_dropped_once();
}

#[test]
fn a_node_published_by_this_guard_survives_another_threads_retirement() {
    let tracker = Tracker::new(16);
    let domain = eager_domain();
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    let handle = domain.register().expect("growable registry");
    let other = domain.register().expect("growable registry");
    let guard = handle.pin();
    // This guard's reservation now covers the current epoch (the protected load raised it).
    let old = link.load(&guard);
    // Another participant moves the epoch past it, with retirements of its own nodes.
    {
        let g = other.pin();
        for _ in 0..4 {
            let retired = Owned::new(tracker.payload(), &domain).into_shared(&g);
            // SAFETY: never published, retired once.
            unsafe { g.retire(retired) };
        }
    }
    // Publish a node born now, keeping a `Shared` to it, and retire the one it replaced.
    let mine = Owned::new(tracker.payload(), &domain).into_shared(&guard);
    link.store(mine, Ordering::Release);
    // SAFETY: unlinked by the store above, retired once.
    unsafe { guard.retire(old) };
    // The other participant unlinks and retires it.
    {
        let g = other.pin();
        let taken = link.swap(Owned::new(tracker.payload(), &domain), Ordering::AcqRel, &g);
        assert_eq!(taken, mine);
        // SAFETY: unlinked by the swap, retired once.
        unsafe { g.retire(taken) };
    }
    // Its scans, now outside any guard of its own: only this guard's reservation can keep
    // `mine`.
    for _ in 0..4 {
        other.flush();
    }
    // SAFETY: `mine` was published during `guard`, which is still active. `check` panics if
    // the canary was poisoned by a drop (freed under the guard that published it).
    let _ = unsafe { mine.deref() }.check();
    drop(guard);
    handle.flush();
    drop((handle, other));
    // SAFETY: exclusive access; the link holds the last node.
    drop(unsafe { link.into_owned() });
    drop(domain);
    tracker.assert_all_dropped_once();
}
