#![cfg(all(feature = "std", feature = "ibr", not(ccol_loom)))]
//! IBR's sticky reservations (`src/ibr.rs`, "Sticky reservations" and "Revocation"): a
//! participant leaves its reservation published when its outermost guard drops, so its next
//! guard needs no fence; a scanner revokes the reservation of a participant that is outside
//! every guard once it keeps garbage back.
//!
//! - An idle participant (pinned once, then blocked outside any guard) keeps nothing after a
//!   flush, nor more than a threshold's worth of the retirements that follow it.
//! - A revoked participant pins again and is protected again.
//! - Readers re-entering their reservations on the fast path while a writer retires and
//!   flushes, revoking them whenever they are between guards: every payload read is alive
//!   (the canary), every payload is dropped exactly once. The sanitizers and Miri run this one
//!   too.
//!
//! - With sticky reservations off (`Config::with_sticky_reservations(false)`), an idle
//!   participant keeps nothing even below the revocation threshold, and nothing is revoked.
//!
//! Where sticky reservations are unavailable (no heavy fence: `src/barrier.rs`), reservations
//! are cleared at every unpin and the same assertions hold trivially.

mod common;

use core::{hint, panic::AssertUnwindSafe};
use std::{panic, sync::mpsc, thread};

use ccol_atomics::sync::atomic::Ordering::AcqRel;
use ccol_reclaim::{Atomic, Domain, Ibr, Owned};
use common::{Payload, Tracker, allocate, effective, retire_all_local, scaled};

/// The default domain's retire threshold as it really runs (smaller under Miri).
const THRESHOLD: usize = effective(ccol_arch::config::Config::DEFAULT.retire_threshold(), 1).0;

/// Runs `body` on this thread while another thread, having pinned `domain` once and read
/// `link` under that guard, waits outside any guard (its reservation sticky); then lets it pin
/// once more, read `link` again and leave.
fn with_idle_participant(
    domain: &Domain<Ibr>,
    link: &Atomic<Payload<'_>, Ibr>,
    body: impl FnOnce(),
) {
    let (idle_tx, idle_rx) = mpsc::channel();
    let (wake_tx, wake_rx) = mpsc::channel::<()>();
    thread::scope(|s| {
        let idle = s.spawn(move || {
            let read = || {
                let guard = domain.pin();
                // SAFETY: a protected, non-null load under `guard`.
                unsafe { link.load(&guard).deref() }.check();
            };
            read();
            idle_tx.send(()).unwrap();
            wake_rx.recv().unwrap();
            // Revoked meanwhile (if sticky reservations are on): protected again.
            read();
        });
        idle_rx.recv().unwrap();
        // Wake the idle thread even if `body` panics, or the scope would wait for it forever.
        let outcome = panic::catch_unwind(AssertUnwindSafe(body));
        wake_tx.send(()).unwrap();
        idle.join().unwrap();
        if let Err(panic) = outcome {
            panic::resume_unwind(panic);
        }
    });
}

/// Frees the node still linked, drops the domain, and checks that every payload was dropped
/// exactly once.
fn finish(link: Atomic<Payload<'_>, Ibr>, domain: Domain<Ibr>, tracker: &Tracker) {
    // SAFETY: every thread is joined; the link's node was never retired.
    drop(unsafe { link.into_owned() });
    drop(domain);
    tracker.assert_all_dropped_once();
}

#[test]
fn flush_frees_what_an_idle_participant_could_have_seen() {
    let count = scaled(40, 6);
    let tracker = Tracker::new(count + 1);
    let domain = Domain::<Ibr>::new();
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    // Born before the idle participant's guard, retired after it: inside its reservation.
    let objects = allocate(&tracker, &domain, count);
    with_idle_participant(&domain, &link, || {
        retire_all_local(&domain, objects);
        domain.flush();
        assert_eq!(
            tracker.dropped(),
            count,
            "an idle participant's reservation kept garbage through a flush"
        );
    });
    finish(link, domain, &tracker);
}

#[test]
fn an_idle_participant_keeps_at_most_a_threshold_of_later_retirements() {
    let count = 4 * THRESHOLD;
    let tracker = Tracker::new(count + 1);
    let domain = Domain::<Ibr>::new();
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    let objects = allocate(&tracker, &domain, count);
    with_idle_participant(&domain, &link, || {
        // One guard per retirement, no flush: only the scans the unpins make due.
        retire_all_local(&domain, objects);
        let pending = count - tracker.dropped();
        assert!(
            pending < 2 * THRESHOLD,
            "{pending} of {count} retirements pending behind an idle participant \
             (threshold {THRESHOLD})"
        );
    });
    finish(link, domain, &tracker);
}

#[test]
fn with_sticky_reservations_off_an_idle_participant_keeps_nothing() {
    // Fewer kept entries than a due scan needs to revoke: a sticky reservation would keep
    // them (the test above allows up to a threshold's worth); an eager participant cleared
    // its reservation when its guard dropped, so the due scans free them.
    let covered = (THRESHOLD / 2).max(1);
    // Two thresholds in all: the last retirement's unpin runs a due scan, so nothing is
    // left unscanned.
    let fresh = 2 * THRESHOLD - covered;
    let tracker = Tracker::new(covered + fresh + 1);
    let config = ccol_arch::config::Config::DEFAULT.with_sticky_reservations(false);
    let domain = Domain::<Ibr>::with_config(&config);
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    let objects = allocate(&tracker, &domain, covered);
    with_idle_participant(&domain, &link, || {
        retire_all_local(&domain, objects);
        // Born after the epoch moved on (retirements advance it): outside any reservation
        // the idle participant could hold, they only drive the due scans.
        for _ in 0..fresh {
            retire_all_local(&domain, allocate(&tracker, &domain, 1));
        }
        assert_eq!(
            tracker.dropped(),
            covered + fresh,
            "entries retired behind an idle eager participant stayed pending"
        );
        #[cfg(feature = "stats")]
        assert_eq!(
            domain.stats().revocations,
            0,
            "an eager domain revoked a reservation"
        );
    });
    finish(link, domain, &tracker);
}

#[test]
fn readers_on_the_fast_path_stay_protected_while_flushes_revoke_them() {
    const READERS: usize = 2;
    let reads = scaled(100_000, 40);
    let swaps = scaled(100_000, 40);
    let tracker = Tracker::new(swaps + 1);
    let domain = Domain::<Ibr>::new();
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    thread::scope(|s| {
        for _ in 0..READERS {
            s.spawn(|| {
                for read in 0..reads {
                    let guard = domain.pin();
                    // SAFETY: a protected, non-null load under `guard`.
                    let payload = unsafe { link.load(&guard).deref() };
                    payload.check();
                    // Hold the payload a while (now and then across a yield), so that a
                    // revocation that wrongly ends this guard's protection frees it under us.
                    if read % 4 == 0 {
                        thread::yield_now();
                    } else {
                        (0..64).for_each(|_| hint::spin_loop());
                    }
                    payload.check();
                }
            });
        }
        for swap in 0..swaps {
            let guard = domain.pin();
            let old = link.swap(Owned::new(tracker.payload(), &domain), AcqRel, &guard);
            // SAFETY: unlinked by the swap, retired once.
            unsafe { guard.retire(old) };
            drop(guard);
            // A flush revokes every idle reader whose reservation keeps a retired payload.
            if swap % 4 == 0 {
                domain.flush();
            }
        }
    });
    domain.flush();
    assert_eq!(
        tracker.dropped(),
        swaps,
        "every replaced payload is dropped"
    );
    finish(link, domain, &tracker);
}
