#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! The memory contract, counted: every retired object is dropped exactly once (never twice,
//! never leaked), possibly on another thread; `flush` frees everything when no guard blocks
//! it; released participants (thread exit, handle drop) hand their garbage over; dropping the
//! domain frees what is still pending. Each test runs for both schemes (`ibr::*`,
//! `debra::*`); `guards.rs` covers what guards protect.
//!
//! Where a test needs "nothing can be freed yet", a *holder* guard is pinned before the
//! garbage is retired, and the garbage is allocated before the holder pins: under IBR a
//! reservation protects only objects born no later than it, under DEBRA an announced guard
//! lets the epoch move at most one step, short of the three a retired object waits for.

extern crate alloc;

mod common;

use ccol_arch::config::Config;

use alloc::sync::Arc;
use std::thread;

use ccol_atomics::sync::atomic::{
    AtomicUsize, Ordering,
    Ordering::{AcqRel, Release},
};
use ccol_reclaim::{Atomic, Domain, Owned, Reclaim, Shared};
use common::{
    MANY, Payload, Tracker, allocate, for_each_config, retire_all, retire_all_local, scaled,
};

for_each_config!(
    every_retired_object_is_dropped_exactly_once => dropped_exactly_once,
    flush_without_guards_frees_everything_retired_before => flush_frees_everything,
    object_allocated_retired_and_freed_on_three_threads => cross_thread_retire_and_free,
    dropping_the_domain_frees_all_pending_garbage => domain_drop_frees_pending,
    thread_exit_hands_pending_garbage_over => thread_exit_hands_over,
    handle_drop_hands_pending_garbage_over => handle_drop_hands_over,
);

fn dropped_exactly_once<R: Reclaim>(config: &Config) {
    let tracker = Tracker::new(MANY * 4 + 1);
    let domain = Domain::<R>::with_config(config);
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    for round in 0..4 {
        for _ in 0..MANY {
            let guard = domain.pin();
            let old = link.swap(Owned::new(tracker.payload(), &domain), AcqRel, &guard);
            assert!(!old.is_null());
            // SAFETY: unlinked by the swap, retired once.
            unsafe { guard.retire(old) };
        }
        tracker.assert_no_double_drop();
        assert!(tracker.dropped() <= (round + 1) * MANY);
    }
    // SAFETY: no other thread can reach the link; its node was never retired.
    drop(unsafe { link.into_owned() });
    drop(domain);
    tracker.assert_all_dropped_once();
}

fn flush_frees_everything<R: Reclaim>(config: &Config) {
    let batches = [1, 7, MANY / 2];
    let tracker = Tracker::new(1 + batches.iter().sum::<usize>());
    let domain = Domain::<R>::with_config(config);
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    for count in batches {
        for _ in 0..count {
            let guard = domain.pin();
            let old = link.swap(Owned::new(tracker.payload(), &domain), AcqRel, &guard);
            // SAFETY: unlinked by the swap, retired once.
            unsafe { guard.retire(old) };
        }
        domain.flush();
        assert_eq!(
            tracker.dropped(),
            tracker.created() - 1,
            "flush left garbage behind"
        );
    }
    // SAFETY: exclusive access; the node was never retired.
    drop(unsafe { link.into_owned() });
    drop(domain);
    tracker.assert_all_dropped_once();
}

fn cross_thread_retire_and_free<R: Reclaim>(config: &Config) {
    let count = scaled(500, 12);
    let tracker = Tracker::new(count);
    let domain = Domain::<R>::with_config(config);
    let links: Vec<Atomic<Payload<'_>, R>> = (0..count).map(|_| Atomic::null()).collect();
    thread::scope(|s| {
        // Thread A allocates and publishes.
        s.spawn(|| {
            for link in &links {
                link.store(Owned::new(tracker.payload(), &domain), Release);
            }
        })
        .join()
        .unwrap();
        let holder = domain.register().unwrap();
        let held = holder.pin();
        // Thread B unlinks and retires, one guard per object, then exits.
        s.spawn(|| {
            for link in &links {
                let guard = domain.pin();
                let old = link.swap(Shared::null(), AcqRel, &guard);
                // SAFETY: unlinked by the swap, retired once.
                unsafe { guard.retire(old) };
            }
        })
        .join()
        .unwrap();
        assert_eq!(
            tracker.dropped(),
            0,
            "freed while a guard of their time was active"
        );
        drop(held);
        // Thread C frees what B left behind.
        s.spawn(|| domain.flush()).join().unwrap();
        assert_eq!(
            tracker.dropped(),
            count,
            "the flush on thread C did not free B's garbage"
        );
    });
    drop(domain);
    tracker.assert_all_dropped_once();
}

fn domain_drop_frees_pending<R: Reclaim>(config: &Config) {
    let per_source = scaled(200, 6);
    let tracker = Tracker::new(per_source * 3);
    let deferred = Arc::new(AtomicUsize::new(0));
    let domain = Domain::<R>::with_config(config);
    let mine = allocate(&tracker, &domain, per_source);
    let exiting = allocate(&tracker, &domain, per_source);
    let from_handle = allocate(&tracker, &domain, per_source);
    let holder = domain.register().unwrap();
    let held = holder.pin();
    // Garbage of this thread's thread-local participant, which stays registered.
    for object in mine {
        let guard = domain.pin();
        let shared = object.into_shared(&guard);
        // SAFETY: never published; retired once.
        unsafe { guard.retire(shared) };
        let deferred = Arc::clone(&deferred);
        guard.defer(move || {
            // Relaxed: read after the domain's drop, on this thread.
            deferred.fetch_add(1, Ordering::Relaxed);
        });
    }
    // Garbage of an exited thread and of a dropped handle.
    thread::scope(|s| {
        s.spawn(|| retire_all_local(&domain, exiting))
            .join()
            .unwrap();
    });
    retire_all(&domain.register().unwrap(), from_handle);
    assert_eq!(tracker.dropped(), 0);
    drop(held);
    drop(holder);
    drop(domain);
    tracker.assert_all_dropped_once();
    // Relaxed: the closures ran on this thread, inside the drop above.
    assert_eq!(deferred.load(Ordering::Relaxed), per_source);
}

fn thread_exit_hands_over<R: Reclaim>(config: &Config) {
    let count = MANY;
    let tracker = Tracker::new(count);
    let domain = Domain::<R>::with_config(config);
    let objects = allocate(&tracker, &domain, count);
    let holder = domain.register().unwrap();
    let held = holder.pin();
    thread::scope(|s| {
        s.spawn(|| retire_all_local(&domain, objects))
            .join()
            .unwrap()
    });
    // The thread scanned (IBR) or checked announcements (DEBRA), but `held` protects it all.
    assert_eq!(
        tracker.dropped(),
        0,
        "freed while a guard of their time was active"
    );
    drop(held);
    // The exited thread's garbage is adopted by this thread's flush.
    domain.flush();
    assert_eq!(
        tracker.dropped(),
        count,
        "garbage of an exited thread was not handed over"
    );
    drop(holder);
    drop(domain);
    tracker.assert_all_dropped_once();
}

fn handle_drop_hands_over<R: Reclaim>(config: &Config) {
    let count = MANY;
    let tracker = Tracker::new(2 * count);
    let domain = Domain::<R>::with_config(config);
    // First adopter: a new handle (which may inherit the released slot); second: a flush of
    // this thread's thread-local participant.
    for adopter in 0..2 {
        let objects = allocate(&tracker, &domain, count);
        let holder = domain.register().unwrap();
        let held = holder.pin();
        let retirer = domain.register().unwrap();
        retire_all(&retirer, objects);
        drop(retirer);
        assert_eq!(
            tracker.dropped(),
            adopter * count,
            "freed under an active guard"
        );
        drop(held);
        drop(holder);
        if adopter == 0 {
            domain.register().unwrap().flush();
        } else {
            domain.flush();
        }
        assert_eq!(
            tracker.dropped(),
            (adopter + 1) * count,
            "handle drop lost its garbage"
        );
    }
    drop(domain);
    tracker.assert_all_dropped_once();
}
