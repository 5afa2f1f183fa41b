//! loom models: a `snooze` wait for a flag set by another thread terminates, and `spin` in a
//! contended CAS loop lets both increments land.
//!
//! `RUSTFLAGS="--cfg ccol_loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release -p ccol-backoff
//! --features loom --test loom --target-dir target/loom`
#![cfg(ccol_loom)]

use ccol_atomics::sync::{
    Arc,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};
use ccol_backoff::{Backoff, BackoffStep};

#[test]
fn snooze_until_flag_terminates() {
    loom::model(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let setter = {
            let flag = Arc::clone(&flag);
            // Release: pairs with the waiter's Acquire load.
            loom::thread::spawn(move || flag.store(true, Ordering::Release))
        };
        // Small limits so the model also walks through the yield and park stages.
        let mut backoff = Backoff::with_limits(0, 1).unwrap();
        // Acquire: pairs with the setter's Release store.
        while !flag.load(Ordering::Acquire) {
            if backoff.snooze() == BackoffStep::ParkNow {
                // No park primitive in this model: keep waiting, as the docs allow.
                assert!(backoff.is_completed());
            }
        }
        setter.join().unwrap();
    });
}

#[test]
fn spin_in_a_cas_loop_loses_no_increment() {
    loom::model(|| {
        let counter = Arc::new(AtomicUsize::new(0));
        let increment = |counter: &AtomicUsize| {
            let mut backoff = Backoff::with_limits(1, 1).unwrap();
            // Relaxed: the CAS validates the value.
            let mut current = counter.load(Ordering::Relaxed);
            // Relaxed: only the final count matters; the join synchronizes it.
            while let Err(actual) =
                counter.compare_exchange(current, current + 1, Ordering::Relaxed, Ordering::Relaxed)
            {
                current = actual;
                backoff.spin();
            }
        };
        let other = {
            let counter = Arc::clone(&counter);
            loom::thread::spawn(move || increment(&counter))
        };
        increment(&counter);
        other.join().unwrap();
        // Relaxed: after the join.
        assert_eq!(counter.load(Ordering::Relaxed), 2);
    });
}
