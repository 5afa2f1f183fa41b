//! Backoff in a CAS loop: threads increment one shared counter with `compare_exchange_weak`,
//! backing off after each failure, and report how many attempts failed.
//!
//! `cargo run --release -p ccol-backoff --example contended_counter [threads] [increments]`
//!
//! Compare the two policies: `Backoff` doubles the pause after each failure (fewer, cheaper
//! collisions), `SpinHint` always pauses once.

use std::{sync::Barrier, thread, time::Instant};

use ccol_atomics::sync::atomic::{AtomicUsize, Ordering};
use ccol_backoff::{Backoff, BackoffPolicy, SpinHint};

/// Adds one to `counter`; returns how many CAS attempts failed.
fn increment<B: BackoffPolicy>(counter: &AtomicUsize, mut backoff: B) -> usize {
    let mut failures = 0;
    // Relaxed: the CAS below validates the value.
    let mut current = counter.load(Ordering::Relaxed);
    // Relaxed: a pure counter; the scope's join makes the final value visible.
    while let Err(actual) =
        counter.compare_exchange_weak(current, current + 1, Ordering::Relaxed, Ordering::Relaxed)
    {
        current = actual;
        failures += 1;
        backoff.spin();
    }
    failures
}

/// Runs `threads` threads of `per_thread` increments with a fresh `policy()` per increment.
fn run<B: BackoffPolicy>(name: &str, threads: usize, per_thread: usize, policy: fn() -> B) {
    let counter = AtomicUsize::new(0);
    let failures = AtomicUsize::new(0);
    // All threads start together, so they really contend.
    let barrier = Barrier::new(threads);
    let start = Instant::now();
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                barrier.wait();
                let mine: usize = (0..per_thread).map(|_| increment(&counter, policy())).sum();
                // Relaxed: read after the scope joins.
                failures.fetch_add(mine, Ordering::Relaxed);
            });
        }
    });
    let elapsed = start.elapsed();
    // Relaxed: all threads are joined.
    let total = counter.load(Ordering::Relaxed);
    assert_eq!(total, threads * per_thread, "no increment may be lost");
    println!(
        "{name:>9}: {total} increments in {elapsed:?}, {} failed CAS attempts",
        failures.load(Ordering::Relaxed)
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let threads = args.next().and_then(|a| a.parse().ok()).unwrap_or(4);
    let per_thread = args.next().and_then(|a| a.parse().ok()).unwrap_or(200_000);
    run("Backoff", threads, per_thread, Backoff::new);
    run("SpinHint", threads, per_thread, || SpinHint);
}
