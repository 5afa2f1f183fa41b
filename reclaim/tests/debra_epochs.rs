#![cfg(all(feature = "std", feature = "debra", not(ccol_loom)))]
//! DEBRA's reclamation rule, observed from outside: while a participant is pinned, the global
//! epoch can move at most one step (2) past its announcement, and what it retires is freed
//! only after it has observed three steps past that announcement. So an object unlinked while
//! the global epoch read `u` (read by the retirer inside the guard, after the unlink) is never
//! dropped before the global epoch reaches `u + 4`: a reader that pinned in epoch `u` may
//! still hold it until the epoch passes `u + 2`.
//!
//! Retirers hammer one link (pin, swap, record the epoch, retire) while a flusher advances
//! the epoch as fast as the announcements allow. A retirer that announces an epoch older
//! than the global one (its epoch read and its announcement straddling advances) files its
//! garbage under that old epoch, and the payloads' drops see the rule broken.

use std::thread;

use ccol_atomics::sync::atomic::{
    AtomicBool, AtomicU64, AtomicUsize, Ordering,
    Ordering::{AcqRel, Release},
};
use ccol_reclaim::{Atomic, Debra, Domain, Owned, Shared};

/// The domain the payloads read the epoch from (a `static`, so a payload's destructor never
/// touches a domain that is being dropped).
static DOMAIN: Domain<Debra> = Domain::new();
static LINK: Atomic<Stamped, Debra> = Atomic::null();
/// Payloads dropped before the epoch reached their unlink epoch + 4.
static EARLY: AtomicUsize = AtomicUsize::new(0);
/// The smallest `drop epoch - unlink epoch` seen (u64::MAX: none yet).
static CLOSEST: AtomicU64 = AtomicU64::new(u64::MAX);
static DROPS: AtomicUsize = AtomicUsize::new(0);

/// A payload that knows the epoch it was unlinked in (0 until then).
#[derive(Debug, Default)]
struct Stamped {
    unlinked_at: AtomicU64,
}

impl Drop for Stamped {
    fn drop(&mut self) {
        // Relaxed loads throughout: the epoch read by the freeing thread is at least the one
        // that made it free (read-read coherence), and the stamp was written by the retirer
        // before the retirement that handed the payload to this thread.
        let unlinked_at = self.unlinked_at.load(Ordering::Relaxed);
        if unlinked_at != 0 {
            let now = DOMAIN.epoch();
            CLOSEST.fetch_min(now.saturating_sub(unlinked_at), Ordering::Relaxed);
            if now < unlinked_at + 4 {
                EARLY.fetch_add(1, Ordering::Relaxed);
            }
        }
        DROPS.fetch_add(1, Ordering::Relaxed);
    }
}

#[test]
fn objects_outlive_two_epoch_steps_after_their_unlink() {
    let retirers = if cfg!(miri) { 2 } else { 3 };
    let ops = if cfg!(miri) { 40 } else { 600_000 };
    let done = AtomicBool::new(false);
    LINK.store(Owned::new(Stamped::default(), &DOMAIN), Release);
    thread::scope(|s| {
        let flusher = s.spawn(|| {
            // Relaxed: a stop flag; the scope's join orders everything else.
            while !done.load(Ordering::Relaxed) {
                DOMAIN.flush();
                thread::yield_now();
            }
        });
        let workers: Vec<_> = (0..retirers)
            .map(|_| {
                s.spawn(move || {
                    for _ in 0..ops {
                        let guard = DOMAIN.pin();
                        let new = Owned::new(Stamped::default(), &DOMAIN);
                        let old = LINK.swap(new, AcqRel, &guard);
                        // SAFETY: unlinked by the swap just now; protected by `guard`.
                        let payload = unsafe { old.deref() };
                        // Relaxed: see `Drop for Stamped`.
                        payload.unlinked_at.store(DOMAIN.epoch(), Ordering::Relaxed);
                        // SAFETY: unlinked by the swap, retired once.
                        unsafe { guard.retire(old) };
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.join().unwrap();
        }
        done.store(true, Ordering::Relaxed);
        flusher.join().unwrap();
    });
    let guard = DOMAIN.pin();
    let last = LINK.swap(Shared::null(), AcqRel, &guard);
    // SAFETY: unlinked by the swap, retired once.
    unsafe { guard.retire(last) };
    drop(guard);
    DOMAIN.flush();
    let total = retirers * ops + 1;
    assert_eq!(
        DROPS.load(Ordering::Relaxed),
        total,
        "garbage left after the final flush"
    );
    let early = EARLY.load(Ordering::Relaxed);
    assert_eq!(
        early,
        0,
        "{early} of {total} objects were freed less than two epoch steps after their unlink \
         (closest: {} epochs); a reader pinned in the unlink epoch could still hold them",
        CLOSEST.load(Ordering::Relaxed)
    );
}
