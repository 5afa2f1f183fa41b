#![cfg(all(
    feature = "std",
    feature = "ibr",
    feature = "debra",
    target_pointer_width = "64",
    not(ccol_loom)
))]
//! Oversubscribed stress of the unbounded `LockFreeQueue<u64, R>` under both schemes (8
//! threads on a 2-core machine; 3 under Miri): every value pushed is popped exactly once,
//! nothing is lost, and each consumer sees each producer's values in push order. Segments of
//! 1, 2, 3, 16 and 1024 values: the tiny ones are closed and replaced after nearly every
//! push, so pushes race the finalization of their segment and pops race the hand-over to the
//! next one all the time. Two workloads: split producers and consumers (half and half, then
//! one producer feeding seven consumers), and pairs (every thread pushes a burst of 1 to 3,
//! then pops once).
//!
//! A pop that finds the queue empty yields (with 8 threads on 2 cores a spinning consumer
//! would hold a core the producers need).
//!
//! # Lost values fail, they do not hang
//!
//! Consumers stop when every producer is done and a pop finds the queue empty, or at a
//! wall-clock [`DEADLINE`] (generous: a run takes well under a second per workload here), and
//! the check then names the first value missing. A value lost in a segment the head has
//! left (a finalized segment reopened to pushes, say) fails the run with "producer p's value
//! s lost"; it was checked by making `Ring::catch_up` drop the finalization bit.

mod common;

use core::{panic::AssertUnwindSafe, time::Duration};
use std::{panic::catch_unwind, thread, time::Instant};

use ccol_atomics::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use ccol_queues::{LockFreeQueue, Queue};
use ccol_reclaim::Reclaim;
use common::{assert_fifo_per_producer_exactly_once, for_each_scheme, scaled, tag};

/// Threads per run: oversubscribed natively, 3 under Miri (still more than its one core).
const THREADS: usize = if cfg!(miri) { 3 } else { 8 };
/// Values each producer pushes in the split workload (a quarter under the sanitizers of
/// `cargo xtask san`, where the full run took 100 s under ThreadSanitizer; a tenth on
/// aarch64, which the gate runs under qemu-user, where the full run took 55 s).
const PER_PRODUCER: usize = if cfg!(ccol_sanitize) {
    5_000
} else if cfg!(target_arch = "aarch64") {
    2_000
} else {
    scaled(20_000, 6)
};
/// Push-burst-and-pop rounds per thread in the pairs workload (a quarter under the
/// sanitizers, a tenth on aarch64).
const PAIR_ROUNDS: usize = if cfg!(ccol_sanitize) {
    3_750
} else if cfg!(target_arch = "aarch64") {
    1_500
} else {
    scaled(15_000, 4)
};
/// When consumers give up looking for values that never come (per workload).
const DEADLINE: Duration = Duration::from_secs(20);

/// Whether the deadline started at `start` has passed; sets `expired` when it has.
fn past_deadline(start: Instant, expired: &AtomicBool) -> bool {
    if start.elapsed() > DEADLINE {
        // Relaxed: a flag read after the joins.
        expired.store(true, Ordering::Relaxed);
        true
    } else {
        false
    }
}

/// After a workload: pops what is left (at most `bound` values, so a corrupt queue cannot
/// hang the drain), then checks FIFO per producer and exactly-once delivery, and fails if the
/// consumers had to give up at the deadline.
#[track_caller]
fn check(
    queue: &(dyn Queue<u64> + Sync),
    mut consumers: Vec<Vec<u64>>,
    pushed: &[u64],
    expired: bool,
) {
    let bound: u64 = pushed.iter().sum();
    let left: Vec<u64> = (0..=bound).map_while(|_| queue.pop()).collect();
    consumers.push(left);
    assert_fifo_per_producer_exactly_once(&consumers, pushed);
    assert!(!expired, "consumers hit the {DEADLINE:?} deadline");
    assert!(queue.is_empty());
}

/// `producers` threads push `PER_PRODUCER` tagged values each; the other threads pop until
/// every producer is done and the queue is empty (or the deadline passes).
fn split(queue: &(dyn Queue<u64> + Sync), producers: usize) {
    let finished = AtomicUsize::new(0);
    let expired = AtomicBool::new(false);
    let start = Instant::now();
    let consumers: Vec<Vec<u64>> = thread::scope(|s| {
        let (finished, expired) = (&finished, &expired);
        for p in 0..producers {
            s.spawn(move || {
                for seq in 0..PER_PRODUCER as u64 {
                    queue
                        .push(tag(p, seq))
                        .expect("an unbounded queue is never full");
                }
                // Release: pairs with the consumers' Acquire load, so a consumer that sees
                // every producer finished also sees (and can pop) every push.
                finished.fetch_add(1, Ordering::Release);
            });
        }
        let consumers: Vec<_> = (producers..THREADS)
            .map(|_| {
                s.spawn(move || {
                    let mut got = Vec::new();
                    loop {
                        // Acquire: pairs with the producers' Release increments. Loaded before
                        // the pop, so an empty pop after it means empty for good.
                        let all_pushed = finished.load(Ordering::Acquire) == producers;
                        match queue.pop() {
                            Some(value) => {
                                got.push(value);
                                if got.len() % 1024 == 0 && past_deadline(start, expired) {
                                    break got;
                                }
                            }
                            None if all_pushed => break got,
                            None if past_deadline(start, expired) => break got,
                            None => thread::yield_now(),
                        }
                    }
                })
            })
            .collect();
        consumers.into_iter().map(|c| c.join().unwrap()).collect()
    });
    // Relaxed: the threads are joined.
    let expired = expired.load(Ordering::Relaxed);
    check(
        queue,
        consumers,
        &vec![PER_PRODUCER as u64; producers],
        expired,
    );
}

/// Every thread repeats: push a burst of 1 to 3 tagged values, then pop once (yielding if
/// empty). The main thread drains what is left.
fn pairs(queue: &(dyn Queue<u64> + Sync)) {
    let results: Vec<(Vec<u64>, u64)> = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                s.spawn(move || {
                    let mut got = Vec::new();
                    let mut pushed = 0u64;
                    for round in 0..PAIR_ROUNDS {
                        for _ in 0..1 + (t + round) % 3 {
                            queue.push(tag(t, pushed)).expect("never full");
                            pushed += 1;
                        }
                        match queue.pop() {
                            Some(value) => got.push(value),
                            None => thread::yield_now(),
                        }
                    }
                    (got, pushed)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let pushed: Vec<u64> = results.iter().map(|(_, n)| *n).collect();
    let consumers = results.into_iter().map(|(got, _)| got).collect();
    check(queue, consumers, &pushed, false);
}

/// Every workload on a fresh queue with segments of `segment` values.
fn all_workloads<R: Reclaim>(segment: usize) {
    let make = || LockFreeQueue::<u64, R>::unbounded_with_segment_capacity(segment);
    let start = Instant::now();
    split(&make(), THREADS / 2);
    split(&make(), 1);
    let queue = make();
    pairs(&queue);
    // The queue was used by threads that have exited: their retired segments are adopted and
    // freed by this flush, and the queue still works.
    queue.flush();
    queue.push(1).unwrap();
    assert_eq!(queue.pop(), Some(1));
    println!(
        "{}, segments of {segment}: {:?} for three workloads",
        R::NAME,
        start.elapsed()
    );
}

fn segment_1<R: Reclaim>() {
    all_workloads::<R>(1);
}

fn segment_2<R: Reclaim>() {
    all_workloads::<R>(2);
}

fn segment_3<R: Reclaim>() {
    all_workloads::<R>(3);
}

fn segment_16<R: Reclaim>() {
    all_workloads::<R>(16);
}

fn segment_1024<R: Reclaim>() {
    all_workloads::<R>(1024);
}

/// The check is not vacuous: a value missing from the consumers' results (as a value lost
/// in an abandoned segment would be) and a value delivered twice both fail it.
#[test]
fn the_check_names_lost_and_duplicated_values() {
    let queue = LockFreeQueue::<u64, ccol_reclaim::Ibr>::unbounded_with_segment_capacity(1);
    let lost = catch_unwind(AssertUnwindSafe(|| {
        check(&queue, vec![vec![tag(0, 0), tag(0, 2)]], &[3], false);
    }));
    assert!(lost.is_err(), "a lost value passed");
    let twice = catch_unwind(AssertUnwindSafe(|| {
        check(&queue, vec![vec![tag(0, 0)], vec![tag(0, 0)]], &[1], false);
    }));
    assert!(twice.is_err(), "a duplicated value passed");
    let expired = catch_unwind(AssertUnwindSafe(|| {
        check(&queue, vec![vec![tag(0, 0)]], &[1], true);
    }));
    assert!(expired.is_err(), "an expired run passed");
    check(&queue, vec![vec![tag(0, 0)], vec![tag(0, 1)]], &[2], false);
}

for_each_scheme!(
    segment_1_stress => segment_1,
    segment_2_stress => segment_2,
    segment_3_stress => segment_3,
    segment_16_stress => segment_16,
    segment_1024_stress => segment_1024,
);
