#![cfg(all(feature = "alloc", not(ccol_loom)))]
//! Oversubscribed stress (8 threads on a 2-core machine; 3 under Miri): every value pushed is
//! popped exactly once, nothing is lost, and each consumer sees each producer's values in the
//! order they were pushed (FIFO per producer: a consumer's pops are ordered, so two values of
//! one producer must come out in their push order). Capacities 1, 2, 3, 16, 64 and 1000 for
//! `BoundedQueue::new`, 1, 2, 16, 64 and 1024 for `StaticQueue`, in two workloads: split
//! producers and consumers, and pairs (every thread pushes a burst, then pops one).
//!
//! A thread whose push finds the queue full or whose pop finds it empty yields: with 8
//! threads on 2 cores, a thread spinning on a full queue would hold a core for its whole
//! time slice while the consumer that could make room waits for one.

mod common;

use std::thread;

use ccol_atomics::sync::atomic::{AtomicUsize, Ordering};
use common::{
    AnyQueue, Boxed, Tracker, assert_fifo_per_producer_exactly_once, bounded_queue, scaled,
    static_queue, tag,
};

/// Threads per run: oversubscribed natively, 3 under Miri (still more than its one core).
const THREADS: usize = if cfg!(miri) { 3 } else { 8 };
/// Values each producer pushes in the split workload.
const PER_PRODUCER: usize = scaled(30_000, 10);
/// Push-and-pop rounds per thread in the pairs workload.
const PAIR_ROUNDS: usize = scaled(20_000, 8);

/// `producers` threads push `PER_PRODUCER` tagged values each (retrying, after a yield, a
/// value the queue refused); the other threads pop until every producer is done and the
/// queue is empty. Returns how many pushes were refused.
fn split(queue: &dyn AnyQueue<u64>, producers: usize) -> usize {
    let finished = AtomicUsize::new(0);
    let refused = AtomicUsize::new(0);
    let consumers: Vec<Vec<u64>> = thread::scope(|s| {
        let (finished, refused) = (&finished, &refused);
        for p in 0..producers {
            s.spawn(move || {
                let mut fulls = 0;
                for seq in 0..PER_PRODUCER as u64 {
                    let mut value = tag(p, seq);
                    while let Err(err) = queue.push(value) {
                        assert!(err.is_full());
                        value = err.into_inner();
                        assert_eq!(
                            value,
                            tag(p, seq),
                            "a refused push handed back another value"
                        );
                        fulls += 1;
                        thread::yield_now();
                    }
                }
                // Relaxed: a statistic read after the join.
                refused.fetch_add(fulls, Ordering::Relaxed);
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
                            Some(value) => got.push(value),
                            None if all_pushed => break got,
                            None => thread::yield_now(),
                        }
                    }
                })
            })
            .collect();
        consumers.into_iter().map(|c| c.join().unwrap()).collect()
    });
    assert!(
        queue.is_empty(),
        "values left after every consumer saw the queue empty"
    );
    assert_eq!(queue.pop(), None);
    assert_fifo_per_producer_exactly_once(&consumers, &vec![PER_PRODUCER as u64; producers]);
    // Relaxed: the threads are joined.
    refused.load(Ordering::Relaxed)
}

/// Every thread repeats: push a burst of 1 to 3 tagged values (a refusal ends the burst after
/// a yield; the refused tag is pushed first next round), then pop once (yielding if empty). The values
/// left at the end are drained by the main thread, a last consumer.
fn pairs(queue: &dyn AnyQueue<u64>) {
    let results: Vec<(Vec<u64>, u64)> = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                s.spawn(move || {
                    let mut got = Vec::new();
                    let mut pushed = 0u64;
                    for round in 0..PAIR_ROUNDS {
                        for _ in 0..1 + (t + round) % 3 {
                            if queue.push(tag(t, pushed)).is_ok() {
                                pushed += 1;
                            } else {
                                thread::yield_now();
                                break;
                            }
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
    let mut consumers: Vec<Vec<u64>> = results.into_iter().map(|(got, _)| got).collect();
    let capacity = queue.capacity();
    let left: Vec<u64> = (0..=capacity).map_while(|_| queue.pop()).collect();
    assert!(
        left.len() <= capacity,
        "more than {capacity} values in the queue"
    );
    consumers.push(left);
    assert_fifo_per_producer_exactly_once(&consumers, &pushed);
}

/// Both workloads on one queue each: half producers, then a single producer feeding seven
/// consumers (its values must reach them in order), then pairs.
fn all_workloads(make: impl Fn() -> Boxed<'static, u64>) {
    let refused = split(&*make(), THREADS / 2);
    split(&*make(), 1);
    pairs(&*make());
    println!("split workload: {refused} pushes refused");
}

/// One `#[test]` per queue: `name => constructor(capacity);`.
macro_rules! stress_tests {
    ($($name:ident => $make:ident($capacity:expr);)*) => {
        $(
            #[test]
            fn $name() {
                all_workloads(|| $make($capacity));
            }
        )*
    };
}

stress_tests! {
    bounded_1_stress => bounded_queue(1);
    bounded_2_stress => bounded_queue(2);
    bounded_3_under_threads => bounded_queue(3);
    bounded_16_stress => bounded_queue(16);
    bounded_64_stress => bounded_queue(64);
    bounded_1000_stress => bounded_queue(1000);
    static_1_stress => static_queue(1);
    static_2_under_threads => static_queue(2);
    static_16_stress => static_queue(16);
    static_64_stress => static_queue(64);
    static_1024_stress => static_queue(1024);
}

/// Threads push two payloads per pop and stop: the values left are dropped by the queue's
/// `Drop`, and every payload is dropped exactly once (popped, refused or left behind).
fn leftovers(static_queue_of: Option<usize>, bounded_of: Option<usize>) {
    let rounds = scaled(2_000, 6);
    let tracker = Tracker::new(THREADS * rounds * 2);
    let queue: Boxed<'_, _> = match (static_queue_of, bounded_of) {
        (Some(n), None) => static_queue(n),
        (None, Some(capacity)) => bounded_queue(capacity),
        _ => unreachable!("one queue per run"),
    };
    let popped: usize = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                let (queue, tracker) = (&*queue, &tracker);
                s.spawn(move || {
                    let mut popped = 0;
                    for _ in 0..rounds {
                        for _ in 0..2 {
                            let value = tracker.payload();
                            let id = value.id();
                            if let Err(err) = queue.push(value) {
                                // The refused value comes back whole; dropped here.
                                assert_eq!(err.into_inner().check(), id);
                                thread::yield_now();
                            }
                        }
                        match queue.pop() {
                            Some(value) => {
                                value.check();
                                popped += 1;
                            }
                            None => thread::yield_now(),
                        }
                    }
                    popped
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).sum()
    });
    tracker.assert_no_double_drop();
    let left = queue.len();
    assert!(left <= queue.capacity());
    assert_eq!(
        tracker.created() - tracker.dropped(),
        left,
        "values lost or duplicated"
    );
    drop(queue);
    tracker.assert_all_dropped_once();
    assert!(popped > 0);
}

#[test]
fn bounded_values_left_when_threads_stop_are_dropped_once() {
    leftovers(None, Some(3));
    leftovers(None, Some(100));
}

#[test]
fn static_values_left_when_threads_stop_are_dropped_once() {
    leftovers(Some(2), None);
    leftovers(Some(64), None);
}
