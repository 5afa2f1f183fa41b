#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! Garbage under a stalled reader (issue 3, "Tests"): one thread pins, loads the shared link
//! (a protected pointer) and blocks on a channel, while the test thread allocates, publishes
//! (swap) and retires 1,000,000 nodes, one guard per operation, sampling the pending garbage
//! (retired minus dropped) after every retirement.
//!
//! - IBR: the peak stays under [`ibr_bound`], which depends on the thresholds only, and is the
//!   same for 100,000 and 1,000,000 retirements.
//! - DEBRA: nothing is freed while the reader is pinned (peak = retirements); everything is
//!   freed once it leaves and the writer flushes.
//!
//! Both with thread-local participants (`Domain::pin`) and with explicit handles (the no_std
//! path), and with custom thresholds. Under Miri the runs are a few hundred retirements and
//! the thresholds are 2 (the domain shrinks them), so the same formulas give small bounds.

mod common;

use std::{sync::mpsc, thread};

use ccol_arch::config::Config;
use ccol_atomics::sync::atomic::Ordering::AcqRel;
use ccol_reclaim::{Atomic, Debra, Domain, Guard, Ibr, Owned, Reclaim};
use common::{Payload, Tracker, effective, scaled};

/// How the reader and the writer take part.
#[derive(Clone, Copy, Debug)]
enum Via {
    /// `domain.pin()`: thread-local participants.
    ThreadLocal,
    /// `domain.register()` and `handle.pin()`: explicit participants.
    Handles,
}

/// What one stalled-reader run measured.
#[derive(Debug)]
struct Outcome {
    /// Largest `retired - dropped`, sampled after every retirement.
    peak: usize,
    /// Objects dropped before the reader left.
    dropped_while_stalled: usize,
}

/// IBR's bound on pending garbage with one stalled reader and one writer pinning once per
/// operation, for a domain with `retire_threshold` T and `epoch_frequency` F.
///
/// Derivation (`ibr.rs`: the writer advances the epoch at every F-th retirement; its T-th
/// retirement since the last scan makes a scan due, which runs when that operation's guard
/// drops, after the writer's reservation is cleared; a scan stamps unstamped entries with the
/// epoch `R` it reads and frees those whose `[birth, stamp]` meets no reservation):
/// 1. The reader pinned and loaded at epoch `U` before the writer started, so it protects the
///    objects born at `U`: the initial node and the F nodes the writer allocates before its
///    F-th retirement moves the epoch past `U`. These F + 1 objects stay pending.
/// 2. Any other object meets no reservation at the first scan after its retirement (the
///    writer's own is cleared by then), so it is freed at most T - 1 retirements after it
///    was retired, counted after the operation's guard has dropped.
///
/// Total: (F + 1) + (T - 1) = T + F (96 at the defaults 64/32, 12 at 8/4); the measured peak
/// reaches it exactly. (Before scans moved to the unpin, the writer's own reservation kept
/// every batch for one more scan: 2T + F.)
const fn ibr_bound(retire_threshold: usize, epoch_frequency: usize) -> usize {
    retire_threshold + epoch_frequency
}

/// The reader's side: load the link under `guard`, report, block until told to leave, then
/// check that the node it loaded is still alive.
fn hold<R: Reclaim>(
    guard: &Guard<'_, R>,
    link: &Atomic<Payload<'_>, R>,
    pinned: &mpsc::Sender<()>,
    leave: &mpsc::Receiver<()>,
) {
    let node = link.load(guard);
    // SAFETY: a protected, non-null load under `guard`.
    let id = unsafe { node.deref() }.check();
    pinned.send(()).unwrap();
    leave.recv().unwrap();
    // SAFETY: `guard` is still active, so the node is protected although long retired.
    let again = unsafe { node.deref() }.check();
    assert_eq!(again, id, "the stalled reader's node was freed");
}

/// One run: a reader stalls in `make()`'s domain while the test thread retires `retirements`
/// nodes; then the reader leaves, the writer flushes and everything must be freed.
fn stalled_reader<R: Reclaim>(
    make: impl FnOnce() -> Domain<R>,
    retirements: usize,
    via: Via,
) -> Outcome {
    let tracker = Tracker::new(retirements + 1);
    let domain = make();
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    let (pinned_tx, pinned_rx) = mpsc::channel();
    let (leave_tx, leave_rx) = mpsc::channel();
    let outcome = thread::scope(|s| {
        let (domain_ref, link_ref) = (&domain, &link);
        let reader = s.spawn(move || match via {
            Via::ThreadLocal => hold(&domain_ref.pin(), link_ref, &pinned_tx, &leave_rx),
            Via::Handles => {
                hold(
                    &domain_ref.register().unwrap().pin(),
                    link_ref,
                    &pinned_tx,
                    &leave_rx,
                );
            }
        });
        pinned_rx.recv().unwrap();
        let handle = match via {
            Via::ThreadLocal => None,
            Via::Handles => Some(domain.register().unwrap()),
        };
        let pin = || {
            handle
                .as_ref()
                .map_or_else(|| domain.pin(), |handle| handle.pin())
        };
        let mut peak = 0;
        for retired in 1..=retirements {
            let guard = pin();
            let old = link.swap(Owned::new(tracker.payload(), &domain), AcqRel, &guard);
            // SAFETY: unlinked by the swap, retired once.
            unsafe { guard.retire(old) };
            drop(guard);
            peak = peak.max(retired - tracker.dropped());
        }
        let dropped_while_stalled = tracker.dropped();
        leave_tx.send(()).unwrap();
        reader.join().unwrap();
        match &handle {
            Some(handle) => handle.flush(),
            None => domain.flush(),
        }
        assert_eq!(
            tracker.dropped(),
            retirements,
            "garbage left after the reader left"
        );
        Outcome {
            peak,
            dropped_while_stalled,
        }
    });
    // SAFETY: every thread is joined; the link's node was never retired.
    drop(unsafe { link.into_owned() });
    drop(domain);
    tracker.assert_all_dropped_once();
    outcome
}

/// Checks an IBR outcome against the bound for thresholds `(t, f)`.
#[track_caller]
fn assert_ibr_bounded(outcome: &Outcome, (t, f): (usize, usize), retirements: usize) {
    let bound = ibr_bound(t, f);
    assert!(
        outcome.peak <= bound,
        "IBR peak pending {} exceeds the bound {bound} (T = {t}, F = {f})",
        outcome.peak
    );
    // The reader does protect what it can reach: the F + 1 objects born in its epoch.
    assert!(
        outcome.peak > f,
        "peak {} below the F + 1 objects the reader pins",
        outcome.peak
    );
    assert!(outcome.dropped_while_stalled >= retirements - bound);
}

const LARGE: usize = scaled(1_000_000, 60);
const SMALL: usize = scaled(100_000, 30);

#[test]
fn ibr_peak_pending_is_bounded_and_independent_of_retirements() {
    let thresholds = effective(64, 32);
    let small = stalled_reader(Domain::<Ibr>::new, SMALL, Via::ThreadLocal);
    let large = stalled_reader(Domain::<Ibr>::new, LARGE, Via::ThreadLocal);
    assert_ibr_bounded(&small, thresholds, SMALL);
    assert_ibr_bounded(&large, thresholds, LARGE);
    assert!(
        large.peak <= small.peak,
        "peak grew with the retirements: {} after {SMALL}, {} after {LARGE}",
        small.peak,
        large.peak
    );
}

#[test]
fn ibr_peak_pending_is_bounded_with_explicit_handles() {
    let outcome = stalled_reader(Domain::<Ibr>::new, SMALL, Via::Handles);
    assert_ibr_bounded(&outcome, effective(64, 32), SMALL);
}

#[test]
fn ibr_smaller_thresholds_give_a_smaller_bound() {
    let config = Config::DEFAULT
        .with_retire_threshold(8)
        .and_then(|config| config.with_epoch_frequency(4))
        .unwrap();
    let thresholds = effective(8, 4);
    let outcome = stalled_reader(|| Domain::<Ibr>::with_config(&config), SMALL, Via::Handles);
    assert_ibr_bounded(&outcome, thresholds, SMALL);
    if !cfg!(any(miri, ccol_sanitize)) {
        assert!(ibr_bound(8, 4) < ibr_bound(64, 32));
        let default = stalled_reader(Domain::<Ibr>::new, SMALL, Via::Handles);
        assert!(
            outcome.peak < default.peak,
            "thresholds 8/4 gave peak {}, not below the default's {}",
            outcome.peak,
            default.peak
        );
    }
}

/// DEBRA: the stalled reader blocks every epoch advance past the one it announced, so
/// nothing is freed while it stays.
#[track_caller]
fn assert_debra_unbounded(outcome: &Outcome, retirements: usize) {
    assert_eq!(
        outcome.dropped_while_stalled, 0,
        "DEBRA freed under a stalled reader"
    );
    assert_eq!(
        outcome.peak, retirements,
        "pending garbage should grow with every retirement"
    );
}

#[test]
fn debra_garbage_grows_under_a_stalled_reader_and_is_freed_after() {
    let outcome = stalled_reader(Domain::<Debra>::new, LARGE, Via::ThreadLocal);
    assert_debra_unbounded(&outcome, LARGE);
}

#[test]
fn debra_garbage_grows_under_a_stalled_handle_and_is_freed_after() {
    let outcome = stalled_reader(Domain::<Debra>::new, SMALL, Via::Handles);
    assert_debra_unbounded(&outcome, SMALL);
}
