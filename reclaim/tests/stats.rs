#![cfg(all(
    feature = "stats",
    feature = "std",
    feature = "ibr",
    feature = "debra",
    not(ccol_loom)
))]
//! The `stats` counters move with the operations: allocations, retirements, reclamations,
//! pending and its peak, epoch advances (matching the epoch itself), scans, adopted garbage,
//! participants and registry slots. Both schemes; single-threaded, so the counts are exact.

mod common;

use ccol_reclaim::{Atomic, Domain, Owned, Reclaim};
use common::{MANY, Tracker, churn, effective, for_each_scheme};

for_each_scheme!(
    a_fresh_domain_counts_nothing => fresh_domain,
    counters_follow_allocation_retirement_and_reclamation => counters_follow,
    epoch_advances_match_the_epoch => epoch_advances_match,
    adopted_counts_garbage_of_released_participants => adopted_counts,
    participants_count_handles_and_thread_local_participants => participants_count,
    peak_pending_under_a_pinned_reader_matches_the_scheme => peak_under_pinned_reader,
);

/// The first epoch and the size of one advance.
fn epoch_start_and_step<R: Reclaim>() -> (u64, u64) {
    if R::BOUNDED_UNDER_STALL {
        (1, 1)
    } else {
        (2, 2)
    }
}

fn fresh_domain<R: Reclaim>() {
    let domain = Domain::<R>::new();
    let stats = domain.stats();
    assert_eq!(
        (
            stats.allocated,
            stats.retired,
            stats.reclaimed,
            stats.pending,
            stats.peak_pending
        ),
        (0, 0, 0, 0, 0)
    );
    assert_eq!(
        (stats.epoch_advances, stats.scans, stats.adopted),
        (0, 0, 0)
    );
    assert_eq!((stats.participants, stats.registry_slots), (0, 0));
    assert_eq!(stats.epoch, epoch_start_and_step::<R>().0);
    assert_eq!(stats, Domain::<R>::default().stats());
}

fn counters_follow<R: Reclaim>() {
    let tracker = Tracker::new(MANY + 1);
    let domain = Domain::<R>::new();
    let handle = domain.register().unwrap();
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    assert_eq!(domain.stats().allocated, 1);
    churn(&handle, &link, &tracker, MANY);
    let stats = domain.stats();
    assert_eq!(stats.allocated, MANY as u64 + 1);
    assert_eq!(stats.retired, MANY as u64);
    assert_eq!(
        stats.reclaimed,
        tracker.dropped() as u64,
        "reclaimed disagrees with drops"
    );
    assert_eq!(stats.pending, stats.retired - stats.reclaimed);
    assert!(
        stats.reclaimed > 0,
        "nothing reclaimed after {MANY} retirements"
    );
    assert!(stats.peak_pending >= stats.pending);
    assert!(stats.peak_pending > 0);
    assert!(stats.scans > 0);
    assert!(stats.epoch_advances > 0);
    // A deferred closure is a retirement too.
    handle.pin().defer(|| ());
    assert_eq!(domain.stats().retired, MANY as u64 + 1);
    handle.flush();
    let flushed = domain.stats();
    assert_eq!(flushed.reclaimed, flushed.retired, "flush left garbage");
    assert_eq!(flushed.pending, 0);
    assert_eq!(
        flushed.peak_pending,
        stats.peak_pending.max(flushed.peak_pending)
    );
    assert!(flushed.scans > stats.scans);
    drop(handle);
    // SAFETY: exclusive access; the node was never retired.
    drop(unsafe { link.into_owned() });
    drop(domain);
    tracker.assert_all_dropped_once();
}

fn epoch_advances_match<R: Reclaim>() {
    let (start, step) = epoch_start_and_step::<R>();
    let tracker = Tracker::new(4 * MANY + 1);
    let domain = Domain::<R>::new();
    let handle = domain.register().unwrap();
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    for _ in 0..4 {
        churn(&handle, &link, &tracker, MANY);
        handle.flush();
        let stats = domain.stats();
        assert_eq!(stats.epoch, domain.epoch());
        assert_eq!(
            stats.epoch,
            start + step * stats.epoch_advances,
            "{stats:?}"
        );
    }
    if R::BOUNDED_UNDER_STALL {
        // IBR advances once per `epoch_frequency` retirements of a participant.
        let (_, frequency) = effective(64, 32);
        assert!(domain.stats().epoch_advances >= (4 * MANY / frequency) as u64);
    }
    drop(handle);
    // SAFETY: exclusive access; the node was never retired.
    drop(unsafe { link.into_owned() });
}

fn adopted_counts<R: Reclaim>() {
    let count = MANY;
    let tracker = Tracker::new(count);
    let domain = Domain::<R>::new();
    // This thread's participant exists first, so it does not inherit the released slot.
    drop(domain.pin());
    let holder = domain.register().unwrap();
    let objects: Vec<_> = (0..count)
        .map(|_| Owned::new(tracker.payload(), &domain))
        .collect();
    let held = holder.pin();
    let retirer = domain.register().unwrap();
    for object in objects {
        let guard = retirer.pin();
        let shared = object.into_shared(&guard);
        // SAFETY: never published; retired once.
        unsafe { guard.retire(shared) };
    }
    drop(retirer);
    assert_eq!(domain.stats().adopted, 0);
    drop(held);
    domain.flush();
    let stats = domain.stats();
    assert_eq!(stats.adopted, count as u64, "{stats:?}");
    assert_eq!(stats.reclaimed, count as u64);
    drop(holder);
    drop(domain);
    tracker.assert_all_dropped_once();
}

fn participants_count<R: Reclaim>() {
    let domain = Domain::<R>::new();
    let handles: Vec<_> = (0..3).map(|_| domain.register().unwrap()).collect();
    let stats = domain.stats();
    assert_eq!(stats.participants, 3);
    assert_eq!(stats.registry_slots, 4, "the first segment has four slots");
    drop(domain.pin());
    assert_eq!(domain.stats().participants, 4);
    let more: Vec<_> = (0..3).map(|_| domain.register().unwrap()).collect();
    let stats = domain.stats();
    assert_eq!(stats.participants, 7);
    assert!(stats.registry_slots >= 7);
    drop((handles, more));
    let stats = domain.stats();
    assert_eq!(
        stats.participants, 1,
        "only this thread's participant is left"
    );
    // Released slots are reused, not appended.
    let again: Vec<_> = (0..6).map(|_| domain.register().unwrap()).collect();
    assert_eq!(domain.stats().registry_slots, stats.registry_slots);
    drop(again);
}

/// One thread, two handles: the reader pins and loads, the writer retires `MANY` nodes.
fn peak_under_pinned_reader<R: Reclaim>() {
    let tracker = Tracker::new(MANY + 1);
    let domain = Domain::<R>::new();
    let reader = domain.register().unwrap();
    let writer = domain.register().unwrap();
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    let guard = reader.pin();
    // SAFETY: protected, non-null load.
    let id = unsafe { link.load(&guard).deref() }.check();
    churn(&writer, &link, &tracker, MANY);
    let stats = domain.stats();
    assert_eq!(stats.pending, (MANY - tracker.dropped()) as u64);
    if R::BOUNDED_UNDER_STALL {
        // `stall.rs` derives T + F for the peak sampled after each operation; the counter
        // also sees the moment inside the scan, before it frees the batch that the
        // operation's retirement completed: one more.
        let (t, f) = effective(64, 32);
        assert!(stats.peak_pending as usize <= t + f + 1, "{stats:?}");
    } else {
        assert_eq!(stats.reclaimed, 0, "DEBRA freed under a pinned reader");
        assert_eq!(stats.peak_pending, MANY as u64);
    }
    assert_eq!(tracker.drops_of(id), 0);
    drop(guard);
    writer.flush();
    let stats = domain.stats();
    assert_eq!(stats.pending, 0);
    assert!(stats.peak_pending > 0);
    drop((reader, writer));
    // SAFETY: exclusive access; the node was never retired.
    drop(unsafe { link.into_owned() });
    drop(domain);
    tracker.assert_all_dropped_once();
}
