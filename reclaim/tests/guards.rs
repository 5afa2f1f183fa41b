#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! What a guard protects: a node loaded under a guard stays alive until the participant's
//! outermost guard drops (in either drop order of nested guards), including a node born after
//! the pin (IBR raises the reservation on the protected load) and a node a lagging retirer
//! unlinks after the reader pinned in a later epoch; deferred closures run exactly once, never
//! while a guard that was active when they were deferred is still alive, and at the latest
//! when the domain is dropped. Both schemes (`ibr::*`, `debra::*`).

extern crate alloc;

mod common;

use ccol_arch::config::Config;

use alloc::sync::Arc;

use ccol_atomics::sync::atomic::{AtomicUsize, Ordering, Ordering::AcqRel};
use ccol_reclaim::{Atomic, Domain, Owned, Reclaim};
use common::{MANY, Tracker, churn, for_each_config, scaled};

for_each_config!(
    deferred_closures_run_once_after_the_guards_of_their_time => deferred_run_once,
    defer_unchecked_borrows_and_runs_at_domain_drop => defer_unchecked_at_domain_drop,
    nested_guards_protect_until_the_outermost_drops => nested_guards_protect,
    protected_load_covers_a_node_born_after_the_pin => protect_covers_late_births,
    reader_pinned_after_a_lagging_retirer_keeps_its_node => lagging_retirer,
);

fn deferred_run_once<R: Reclaim>(config: &Config) {
    let closures = scaled(100, 4);
    let runs = Arc::new(AtomicUsize::new(0));
    let domain = Domain::<R>::with_config(config);
    let holder = domain.register().unwrap();
    let deferrer = domain.register().unwrap();
    let held = holder.pin();
    {
        let guard = deferrer.pin();
        for _ in 0..closures {
            let runs = Arc::clone(&runs);
            guard.defer(move || {
                // Relaxed: read on this thread after the flushes that run it.
                runs.fetch_add(1, Ordering::Relaxed);
            });
        }
    }
    // Scans, epoch advances and flushes while the holder stays pinned.
    let tracker = Tracker::new(MANY);
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    churn(&deferrer, &link, &tracker, MANY - 1);
    for _ in 0..4 {
        deferrer.flush();
    }
    // Relaxed: single-threaded test.
    assert_eq!(
        runs.load(Ordering::Relaxed),
        0,
        "ran while a guard of its time was active"
    );
    drop(held);
    deferrer.flush();
    assert_eq!(
        runs.load(Ordering::Relaxed),
        closures,
        "flush did not run the closures"
    );
    deferrer.flush();
    drop((holder, deferrer));
    // SAFETY: exclusive access; the node was never retired.
    drop(unsafe { link.into_owned() });
    drop(domain);
    assert_eq!(
        runs.load(Ordering::Relaxed),
        closures,
        "a closure ran twice"
    );
    tracker.assert_all_dropped_once();
}

fn defer_unchecked_at_domain_drop<R: Reclaim>(config: &Config) {
    let closures = scaled(50, 4);
    let runs = AtomicUsize::new(0);
    let tracker = Tracker::new(closures);
    let domain = Domain::<R>::with_config(config);
    let holder = domain.register().unwrap();
    let held = holder.pin();
    let deferrer = domain.register().unwrap();
    for _ in 0..closures {
        let guard = deferrer.pin();
        let payload = tracker.payload();
        let runs = &runs;
        // SAFETY: the closure borrows `runs` and the tracker, both declared before the domain
        // (so they outlive it), and touches only atomics: sound on any thread.
        unsafe {
            guard.defer_unchecked(move || {
                payload.check();
                // Relaxed: read after the domain's drop, on this thread.
                runs.fetch_add(1, Ordering::Relaxed);
            });
        }
    }
    deferrer.flush();
    assert_eq!(runs.load(Ordering::Relaxed), 0);
    assert_eq!(
        tracker.dropped(),
        0,
        "a pending closure's captures were dropped"
    );
    drop(held);
    drop((holder, deferrer));
    drop(domain);
    assert_eq!(runs.load(Ordering::Relaxed), closures);
    tracker.assert_all_dropped_once();
}

fn nested_guards_protect<R: Reclaim>(config: &Config) {
    let tracker = Tracker::new(2 * (MANY + 2));
    let domain = Domain::<R>::with_config(config);
    let reader = domain.register().unwrap();
    let writer = domain.register().unwrap();
    // The inner guard drops first: the outer one still protects what it loaded.
    {
        let link = Atomic::new(Owned::new(tracker.payload(), &domain));
        let outer = reader.pin();
        let target = link.load(&outer);
        // SAFETY: a protected, non-null load under `outer`.
        let id = unsafe { target.deref() }.check();
        drop(reader.pin());
        churn(&writer, &link, &tracker, MANY);
        writer.flush();
        assert_eq!(
            tracker.drops_of(id),
            0,
            "freed after an inner guard dropped"
        );
        // SAFETY: loaded under `outer`, still active.
        assert_eq!(unsafe { target.deref() }.check(), id);
        drop(outer);
        writer.flush();
        assert_eq!(
            tracker.drops_of(id),
            1,
            "not freed after the outermost guard dropped"
        );
        // SAFETY: exclusive access; the node was never retired.
        drop(unsafe { link.into_owned() });
    }
    // The first guard drops first: the second keeps the participant pinned.
    {
        let link = Atomic::new(Owned::new(tracker.payload(), &domain));
        let first = reader.pin();
        // SAFETY: a protected, non-null load under `first`.
        let id = unsafe { link.load(&first).deref() }.check();
        let second = reader.pin();
        drop(first);
        churn(&writer, &link, &tracker, MANY);
        writer.flush();
        assert_eq!(
            tracker.drops_of(id),
            0,
            "freed while a nested guard was still active"
        );
        drop(second);
        writer.flush();
        assert_eq!(
            tracker.drops_of(id),
            1,
            "not freed after the last guard dropped"
        );
        // SAFETY: exclusive access; the node was never retired.
        drop(unsafe { link.into_owned() });
    }
    drop((reader, writer));
    drop(domain);
    tracker.assert_all_dropped_once();
}

fn protect_covers_late_births<R: Reclaim>(config: &Config) {
    let tracker = Tracker::new(3 * MANY + 2);
    let domain = Domain::<R>::with_config(config);
    let reader = domain.register().unwrap();
    let writer = domain.register().unwrap();
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    let guard = reader.pin();
    let epoch_at_pin = domain.epoch();
    // The epoch moves on; then a node is born, published and read by the pinned reader.
    churn(&writer, &link, &tracker, MANY);
    let target = link.load(&guard);
    // SAFETY: a protected, non-null load under `guard`.
    let id = unsafe { target.deref() }.check();
    churn(&writer, &link, &tracker, MANY);
    writer.flush();
    if R::BOUNDED_UNDER_STALL {
        assert!(
            domain.epoch() > epoch_at_pin + 1,
            "the test did not move the epoch"
        );
        assert!(
            tracker.dropped() > 0,
            "IBR freed nothing under a late-pinning reader"
        );
    }
    assert_eq!(
        tracker.drops_of(id),
        0,
        "a node read under a guard was freed"
    );
    // SAFETY: loaded under `guard`, which is still active.
    assert_eq!(unsafe { target.deref() }.check(), id);
    drop(guard);
    churn(&writer, &link, &tracker, MANY);
    writer.flush();
    assert_eq!(tracker.drops_of(id), 1);
    // SAFETY: exclusive access; the node was never retired.
    drop(unsafe { link.into_owned() });
    drop((reader, writer));
    drop(domain);
    tracker.assert_all_dropped_once();
}

/// The retirer lags: it is pinned in epoch `e` while the epoch moves to `e + 1`, a reader pins
/// in `e + 1` and reads the node, the retirer unlinks and retires it, the epoch moves on as
/// far as the reader allows, and the retirer observes that. The node must survive: DEBRA
/// needs three limbo bags (two would free it here), IBR a stamp no earlier than the reader's
/// reservation.
fn lagging_retirer<R: Reclaim>(config: &Config) {
    let tracker = Tracker::new(4 * MANY + 1);
    let domain = Domain::<R>::with_config(config);
    let (retirer, reader, advancer) = (
        domain.register().unwrap(),
        domain.register().unwrap(),
        domain.register().unwrap(),
    );
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    let scratch = Atomic::new(Owned::new(tracker.payload(), &domain));
    // Moves the epoch as far as the active guards allow.
    let advance = || {
        churn(&advancer, &scratch, &tracker, MANY);
        advancer.flush();
    };
    let lagging = retirer.pin();
    let start = domain.epoch();
    advance();
    let guard = reader.pin();
    let target = link.load(&guard);
    // SAFETY: a protected, non-null load under `guard`.
    let id = unsafe { target.deref() }.check();
    let old = link.swap(Owned::new(tracker.payload(), &domain), AcqRel, &lagging);
    // SAFETY: unlinked by the swap, retired once.
    unsafe { lagging.retire(old) };
    drop(lagging);
    advance();
    if !R::BOUNDED_UNDER_STALL {
        // DEBRA: `e + 1` while the retirer was pinned, `e + 2` while the reader is.
        assert_eq!(domain.epoch(), start + 4, "the scenario did not set up");
    }
    // The retirer observes the new epoch (rotating, or scanning) and flushes.
    drop(retirer.pin());
    retirer.flush();
    assert_eq!(
        tracker.drops_of(id),
        0,
        "freed while a reader of a later epoch held it"
    );
    // SAFETY: `guard` is still active.
    assert_eq!(unsafe { target.deref() }.check(), id);
    drop(guard);
    advance();
    drop(retirer.pin());
    retirer.flush();
    assert_eq!(tracker.drops_of(id), 1);
    drop((retirer, reader, advancer));
    // SAFETY: exclusive access; neither node was ever retired.
    unsafe { drop((link.into_owned(), scratch.into_owned())) };
    drop(domain);
    tracker.assert_all_dropped_once();
}
