#![cfg(all(feature = "std", not(ccol_loom)))]
//! The blocking forms of `BoundedQueue` and `LockFreeQueue` (bounded and unbounded, under
//! both schemes): `pop_blocking` parks on an empty queue until a push (from another thread,
//! later) and `push_blocking` on a full one until a pop makes room; the timed forms give up
//! after their timeout with `Empty`, or `Full` and the value, and return what arrives in time;
//! `close` wakes every parked waiter (4 poppers on an empty queue and 4 pushers on a full
//! one all return `Closed`, the pushers with their own values); producers and consumers that
//! only block (oversubscribed: 8 threads on 2 cores) deliver every value exactly once and in
//! order per producer, then all leave with `Closed`; several waiters on one queue pass on
//! the notifications they do not use; and 100 000 values handed over one at a time between
//! two blocking threads.
//!
//! # A lost wake-up fails, it does not hang
//!
//! Every thread that blocks is a plain (detached) thread on an `Arc`'d queue, and the test
//! waits for it by polling `JoinHandle::is_finished` until a deadline, then fails naming the
//! threads still blocked. A waiter that misses its notification stays parked for good: the
//! test reports it instead of hanging. Under Miri the test joins directly and Miri reports
//! the stuck threads as a deadlock (its virtual clock runs with every test in the process, so
//! a deadline could expire on a slow but live schedule). Checked by breaking the event count: without the
//! second try in `block_on` the hand-over tests fail at the deadline; without the passing on
//! in `Listener`'s drop the pass-on tests do (in most runs: it takes an unlucky
//! interleaving); with `close` waking nobody the close test does.

mod common;

extern crate alloc;

use alloc::sync::Arc;
use core::time::Duration;
use std::{
    sync::{Barrier, mpsc},
    thread::{self, JoinHandle},
    time::Instant,
};

use ccol_queues::{BoundedQueue, PopError, PushError};
use common::{assert_fifo_per_producer_exactly_once, scaled, tag};

/// The blocking and closing surface the tests use, over every queue type that has it.
trait Blocking: Send + Sync {
    fn push(&self, value: u64) -> Result<(), PushError<u64>>;
    fn try_pop(&self) -> Result<u64, PopError>;
    fn close(&self) -> bool;
    fn push_blocking(&self, value: u64) -> Result<(), PushError<u64>>;
    fn push_timeout(&self, value: u64, timeout: Duration) -> Result<(), PushError<u64>>;
    fn pop_blocking(&self) -> Result<u64, PopError>;
    fn pop_timeout(&self, timeout: Duration) -> Result<u64, PopError>;
}

/// Implements [`Blocking`] by forwarding to the inherent methods of the same names.
macro_rules! forward_blocking {
    (impl [$($generic:tt)*] for $ty:ty) => {
        impl<$($generic)*> Blocking for $ty {
            fn push(&self, value: u64) -> Result<(), PushError<u64>> {
                Self::push(self, value)
            }
            fn try_pop(&self) -> Result<u64, PopError> {
                Self::try_pop(self)
            }
            fn close(&self) -> bool {
                Self::close(self)
            }
            fn push_blocking(&self, value: u64) -> Result<(), PushError<u64>> {
                Self::push_blocking(self, value)
            }
            fn push_timeout(&self, value: u64, timeout: Duration) -> Result<(), PushError<u64>> {
                Self::push_timeout(self, value, timeout)
            }
            fn pop_blocking(&self) -> Result<u64, PopError> {
                Self::pop_blocking(self)
            }
            fn pop_timeout(&self, timeout: Duration) -> Result<u64, PopError> {
                Self::pop_timeout(self, timeout)
            }
        }
    };
}

forward_blocking!(impl [] for BoundedQueue<u64>);

/// A shared queue.
type Shared = Arc<dyn Blocking>;

/// Which queue a test body gets: `Bounded(capacity)`, or `Unbounded(segment capacity)`
/// (0 for the default).
#[derive(Clone, Copy, Debug)]
enum Cap {
    Bounded(usize),
    #[cfg_attr(
        not(all(feature = "ibr", feature = "debra", target_pointer_width = "64")),
        allow(
            dead_code,
            reason = "only the LockFreeQueue tests make unbounded queues"
        )
    )]
    Unbounded(usize),
}

/// Makes a fresh queue of the type under test for a [`Cap`].
type Make<'a> = &'a dyn Fn(Cap) -> Shared;

/// How long a thread gets to reach its park before the test checks that it is still blocked.
const SETTLE: Duration = Duration::from_millis(50);
/// How long a test waits for threads that should finish (generous: they need milliseconds).
const DEADLINE: Duration = Duration::from_secs(20);

/// Spawns a named thread running `f` on `queue`.
fn spawn<T: Send + 'static>(
    name: String,
    queue: &Shared,
    f: impl FnOnce(&dyn Blocking) -> T + Send + 'static,
) -> (String, JoinHandle<T>) {
    let queue = Arc::clone(queue);
    (name, thread::spawn(move || f(&*queue)))
}

/// Waits until every thread has finished, at most [`DEADLINE`]; panics naming the threads
/// still running then (a lost wake-up leaves its waiter parked for good). Returns the
/// threads' results in order (a thread's panic is re-raised).
#[track_caller]
fn join_all<T>(threads: Vec<(String, JoinHandle<T>)>) -> Vec<T> {
    let start = Instant::now();
    // Under Miri the threads are joined directly: a lost wake-up then leaves every thread
    // blocked, which Miri reports as a deadlock, while its virtual clock (which advances with
    // the work of every test running in the process) could make a deadline expire on a
    // schedule that is merely slow.
    while !cfg!(miri) && threads.iter().any(|(_, handle)| !handle.is_finished()) {
        if start.elapsed() > DEADLINE {
            let stuck: Vec<&str> = threads
                .iter()
                .filter(|(_, handle)| !handle.is_finished())
                .map(|(name, _)| name.as_str())
                .collect();
            panic!("still blocked after {DEADLINE:?} (a lost wake-up?): {stuck:?}");
        }
        thread::sleep(Duration::from_millis(1));
    }
    threads
        .into_iter()
        .map(|(name, handle)| {
            handle
                .join()
                .unwrap_or_else(|_| panic!("thread {name} panicked"))
        })
        .collect()
}

/// Waits [`SETTLE`], then asserts that none of `threads` has finished: they are blocked.
#[track_caller]
fn assert_blocked<T>(threads: &[(String, JoinHandle<T>)]) {
    thread::sleep(SETTLE);
    for (name, handle) in threads {
        assert!(!handle.is_finished(), "{name} returned instead of blocking");
    }
}

/// Fills a bounded queue of `capacity` with `0..capacity`.
fn fill(queue: &Shared, capacity: usize) {
    for value in 0..capacity as u64 {
        assert_eq!(queue.push(value), Ok(()));
    }
}

/// `pop_blocking` on an empty queue blocks, then returns what another thread pushes later;
/// three values handed over with sleeps between come out in order.
fn pop_blocking_wakes_on_a_later_push(make: Make<'_>, caps: &[Cap]) {
    for &cap in caps {
        let queue = make(cap);
        let consumer = vec![spawn(format!("{cap:?} consumer"), &queue, |q| {
            [q.pop_blocking(), q.pop_blocking(), q.pop_blocking()]
        })];
        assert_blocked(&consumer);
        let pusher = spawn(format!("{cap:?} pusher"), &queue, |q| {
            for value in [7, 8, 9] {
                thread::sleep(Duration::from_millis(5));
                q.push_blocking(value).unwrap();
            }
        });
        join_all(vec![pusher]);
        assert_eq!(join_all(consumer), [[Ok(7), Ok(8), Ok(9)]]);
        assert_eq!(queue.try_pop(), Err(PopError::Empty));
    }
}

/// `push_blocking` on a full queue blocks, then completes when a pop makes room; the queue
/// then holds the old values and the new one, in order.
fn push_blocking_wakes_when_a_pop_makes_room(make: Make<'_>, capacities: &[usize]) {
    for &capacity in capacities {
        let queue = make(Cap::Bounded(capacity));
        fill(&queue, capacity);
        let pusher = vec![spawn(format!("pusher into {capacity}"), &queue, |q| {
            q.push_blocking(100)
        })];
        assert_blocked(&pusher);
        assert_eq!(queue.try_pop(), Ok(0));
        assert_eq!(join_all(pusher), [Ok(())]);
        for value in (1..capacity as u64).chain([100]) {
            assert_eq!(queue.try_pop(), Ok(value));
        }
        assert_eq!(queue.try_pop(), Err(PopError::Empty));
    }
}

/// Asserts that `f` took at least `at_least` and (generously) not much longer than
/// `at_most`; returns its result.
#[track_caller]
fn timed<O>(at_least: Duration, at_most: Duration, f: impl FnOnce() -> O) -> O {
    let start = Instant::now();
    let outcome = f();
    let elapsed = start.elapsed();
    assert!(
        elapsed >= at_least,
        "returned after {elapsed:?}, before {at_least:?}"
    );
    assert!(
        elapsed < at_most + Duration::from_secs(5),
        "took {elapsed:?}"
    );
    outcome
}

/// `pop_timeout`: `Empty` after the timeout (not before), at once for a zero timeout; the
/// value at once when there is one, or as soon as it arrives within the timeout (also with a
/// timeout too long for a deadline); `Closed` at once on a closed, drained queue.
fn pop_timeout_waits_for_its_timeout(make: Make<'_>, caps: &[Cap]) {
    let short = Duration::from_millis(30);
    let long = Duration::from_secs(30);
    for &cap in caps {
        let queue = make(cap);
        assert_eq!(
            timed(short, short, || queue.pop_timeout(short)),
            Err(PopError::Empty)
        );
        assert_eq!(queue.pop_timeout(Duration::ZERO), Err(PopError::Empty));
        queue.push(1).unwrap();
        assert_eq!(
            timed(Duration::ZERO, Duration::ZERO, || queue.pop_timeout(long)),
            Ok(1)
        );
        for timeout in [long, Duration::MAX] {
            let pusher = spawn(format!("{cap:?} late pusher"), &queue, |q| {
                thread::sleep(Duration::from_millis(20));
                q.push(2).unwrap();
            });
            let popped = timed(Duration::ZERO, Duration::ZERO, || {
                queue.pop_timeout(timeout)
            });
            assert_eq!(popped, Ok(2), "the value that arrived in time");
            join_all(vec![pusher]);
        }
        assert!(queue.close());
        assert_eq!(
            timed(Duration::ZERO, Duration::ZERO, || queue.pop_timeout(long)),
            Err(PopError::Closed)
        );
    }
}

/// `push_timeout` on a full queue: `Full` with the value after the timeout, or success as
/// soon as a pop makes room within it; `Closed` with the value at once once closed. On an
/// unbounded queue it never waits.
fn push_timeout_waits_for_its_timeout(make: Make<'_>, caps: &[Cap]) {
    let short = Duration::from_millis(30);
    let long = Duration::from_secs(30);
    for &cap in caps {
        let queue = make(cap);
        let Cap::Bounded(capacity) = cap else {
            for value in 0..scaled(100, 10) as u64 {
                let pushed = timed(Duration::ZERO, Duration::ZERO, || {
                    queue.push_timeout(value, Duration::ZERO)
                });
                assert_eq!(pushed, Ok(()));
                assert_eq!(queue.push_blocking(value), Ok(()));
            }
            assert!(queue.close());
            assert_eq!(queue.push_timeout(5, long), Err(PushError::Closed(5)));
            continue;
        };
        fill(&queue, capacity);
        let refused = timed(short, short, || queue.push_timeout(50, short));
        assert_eq!(refused, Err(PushError::Full(50)), "the value comes back");
        assert_eq!(
            queue.push_timeout(51, Duration::ZERO),
            Err(PushError::Full(51))
        );
        for (value, timeout) in [(60, long), (61, Duration::MAX)] {
            let popper = spawn(format!("{cap:?} late popper"), &queue, |q| {
                thread::sleep(Duration::from_millis(20));
                q.try_pop().unwrap()
            });
            let pushed = timed(Duration::ZERO, Duration::ZERO, || {
                queue.push_timeout(value, timeout)
            });
            assert_eq!(pushed, Ok(()), "room made in time");
            join_all(vec![popper]);
        }
        assert!(queue.close());
        let refused = timed(Duration::ZERO, Duration::ZERO, || {
            queue.push_timeout(70, long)
        });
        assert_eq!(refused, Err(PushError::Closed(70)));
        assert_eq!(queue.push_blocking(71), Err(PushError::Closed(71)));
    }
}

/// Waiters parked on an empty queue (4 `pop_blocking`) and, for a bounded `cap`, on a full
/// one (4 `push_blocking`) all wake when their queue is closed: the poppers with `Closed`,
/// the pushers with `Closed` and their own values; the full queue then drains its values and
/// reports `Closed`.
fn close_wakes_every_waiter(make: Make<'_>, caps: &[Cap]) {
    for &cap in caps {
        let empty = make(cap);
        let mut poppers = Vec::new();
        for i in 0..4 {
            poppers.push(spawn(format!("{cap:?} popper {i}"), &empty, |q| {
                q.pop_blocking()
            }));
        }
        let full = make(cap);
        let mut pushers = Vec::new();
        if let Cap::Bounded(capacity) = cap {
            fill(&full, capacity);
            for i in 0..4 {
                pushers.push(spawn(format!("{cap:?} pusher {i}"), &full, move |q| {
                    q.push_blocking(1000 + i)
                }));
            }
        }
        assert_blocked(&poppers);
        assert_blocked(&pushers);
        assert!(empty.close() && full.close());
        for popped in join_all(poppers) {
            assert_eq!(popped, Err(PopError::Closed));
        }
        for (i, pushed) in (0..).zip(join_all(pushers)) {
            assert_eq!(pushed, Err(PushError::Closed(1000 + i)));
        }
        if let Cap::Bounded(capacity) = cap {
            for value in 0..capacity as u64 {
                assert_eq!(full.pop_blocking(), Ok(value));
            }
        }
        assert_eq!(full.pop_blocking(), Err(PopError::Closed));
        assert!(!empty.close() && !full.close());
    }
}

/// Blocking producers and consumers per run: 4 and 4, oversubscribed (2 and 2 under Miri).
const SIDE: usize = if cfg!(miri) { 2 } else { 4 };
/// Values each producer pushes.
const PER_PRODUCER: usize = scaled(5_000, 8);

/// `SIDE` producers `push_blocking` `PER_PRODUCER` tagged values each while `SIDE` consumers
/// `pop_blocking` `PER_PRODUCER` values each (together, every value). Only once every consumer
/// has its share is the queue closed (so a consumer left parked with a value in the queue is
/// not rescued by the close: the deadline fails it), and then every consumer's next
/// `pop_blocking` returns `Closed`. Every value arrives once, in order per producer.
fn concurrent_blocking_producers_and_consumers(make: Make<'_>, caps: &[Cap]) {
    for &cap in caps {
        let queue = make(cap);
        let producers: Vec<_> = (0..SIDE)
            .map(|p| {
                spawn(format!("{cap:?} producer {p}"), &queue, move |q| {
                    for seq in 0..PER_PRODUCER as u64 {
                        q.push_blocking(tag(p, seq)).unwrap();
                    }
                })
            })
            .collect();
        let (done, finished) = mpsc::channel();
        let mut go = Vec::new();
        let consumers: Vec<_> = (0..SIDE)
            .map(|c| {
                let done = done.clone();
                let (start, wait) = mpsc::channel::<()>();
                go.push(start);
                spawn(format!("{cap:?} consumer {c}"), &queue, move |q| {
                    let got: Vec<u64> = (0..PER_PRODUCER)
                        .map(|_| q.pop_blocking().expect("a value for every pop"))
                        .collect();
                    done.send(c).unwrap();
                    wait.recv().unwrap();
                    assert_eq!(q.pop_blocking(), Err(PopError::Closed));
                    got
                })
            })
            .collect();
        join_all(producers);
        let start = Instant::now();
        let mut reported = [false; SIDE];
        while let Some(c) = (0..SIDE).find(|&c| !reported[c]) {
            let left = DEADLINE.saturating_sub(start.elapsed());
            // Under Miri a blocking receive (see `join_all`).
            let received = if cfg!(miri) {
                finished.recv().map_err(|_| ())
            } else {
                finished.recv_timeout(left).map_err(|_| ())
            };
            let Ok(consumer) = received else {
                panic!(
                    "{cap:?}: consumer {c} (at least) still waits for its share (a lost wake-up?)"
                );
            };
            reported[consumer] = true;
        }
        assert!(queue.close());
        for start in go {
            start.send(()).unwrap();
        }
        let consumed = join_all(consumers);
        assert_fifo_per_producer_exactly_once(&consumed, &[PER_PRODUCER as u64; SIDE]);
    }
}

/// Waiters per round of the pass-on test.
const WAITERS: usize = 3;
/// Rounds of the pass-on test per queue.
const PASS_ON_ROUNDS: usize = scaled(15_000, 10);

/// Rounds of `WAITERS` threads each `pop_blocking` one value while one thread pushes
/// `WAITERS` values, all meeting at a barrier after each round: in every round each waiter
/// must get a value. Several waiters share the event, so a waiter is sometimes notified just
/// after its second try already took a value; it must pass that notification on, or the
/// last waiter of the round stays parked with a value in the queue and the barrier never
/// opens (the deadline fails the test). Removing the passing on from `Listener`'s drop
/// failed this in most runs.
fn concurrent_waiters_pass_on_notifications(make: Make<'_>, caps: &[Cap]) {
    for &cap in caps {
        let queue = make(cap);
        let barrier = Arc::new(Barrier::new(WAITERS + 1));
        let mut threads: Vec<_> = (0..WAITERS)
            .map(|w| {
                let barrier = Arc::clone(&barrier);
                spawn(format!("{cap:?} waiter {w}"), &queue, move |q| {
                    for _ in 0..PASS_ON_ROUNDS {
                        q.pop_blocking().expect("a value for every waiter");
                        barrier.wait();
                    }
                })
            })
            .collect();
        threads.push(spawn(format!("{cap:?} pusher"), &queue, move |q| {
            for round in 0..PASS_ON_ROUNDS {
                for i in 0..WAITERS {
                    q.push_blocking((round * WAITERS + i) as u64).unwrap();
                }
                barrier.wait();
            }
        }));
        join_all(threads);
        assert_eq!(queue.try_pop(), Err(PopError::Empty));
    }
}

/// Values handed over one at a time in the hammer (half each way).
const HAND_OVERS: usize = scaled(100_000, 100);

/// Ping-pong between two threads over two queues of `cap`: one `push_blocking`s a value
/// into the first queue and `pop_blocking`s its echo from the second, the other echoes each
/// value back, `HAND_OVERS / 2` times. Each side finds its queue empty and parks on nearly
/// every round, so a lost wake-up on either side leaves both parked for good (the deadline
/// fails them). Then a stream the other way: `push_blocking` into a queue of one value parks
/// on every push that finds it full.
fn concurrent_hand_over_loses_no_wake_up(make: Make<'_>, caps: &[Cap]) {
    for &cap in caps {
        let (ping, pong) = (make(cap), make(cap));
        let start = Instant::now();
        let pong_side = Arc::clone(&pong);
        let echo = spawn(format!("{cap:?} echo"), &ping, move |ping| {
            while let Ok(value) = ping.pop_blocking() {
                pong_side.push_blocking(value).unwrap();
            }
        });
        let pong_side = Arc::clone(&pong);
        let server = spawn(format!("{cap:?} server"), &ping, move |ping| {
            for value in 0..(HAND_OVERS / 2) as u64 {
                ping.push_blocking(value).unwrap();
                assert_eq!(pong_side.pop_blocking(), Ok(value));
            }
            assert!(ping.close());
        });
        join_all(vec![server, echo]);
        println!("{cap:?}: {HAND_OVERS} hand-overs in {:?}", start.elapsed());
        if let Cap::Bounded(1) = cap {
            let consumer = spawn(format!("{cap:?} consumer"), &pong, |q| {
                for expected in 0..(HAND_OVERS / 2) as u64 {
                    assert_eq!(q.pop_blocking(), Ok(expected));
                }
                q.pop_blocking()
            });
            let producer = spawn(format!("{cap:?} producer"), &pong, |q| {
                for value in 0..(HAND_OVERS / 2) as u64 {
                    q.push_blocking(value).unwrap();
                }
                assert!(q.close());
            });
            join_all(vec![producer]);
            assert_eq!(join_all(vec![consumer]), [Err(PopError::Closed)]);
        }
    }
}

/// The `BoundedQueue` under test.
fn bounded_queue(cap: Cap) -> Shared {
    match cap {
        Cap::Bounded(capacity) => Arc::new(BoundedQueue::new(capacity)),
        Cap::Unbounded(_) => unreachable!("BoundedQueue has no unbounded form"),
    }
}

/// The capacities the `BoundedQueue` tests use.
const BOUNDED: &[Cap] = &[Cap::Bounded(1), Cap::Bounded(2), Cap::Bounded(3)];

#[test]
fn bounded_pop_blocking_wakes_on_a_later_push() {
    pop_blocking_wakes_on_a_later_push(&bounded_queue, BOUNDED);
}

#[test]
fn bounded_push_blocking_wakes_when_a_pop_makes_room() {
    push_blocking_wakes_when_a_pop_makes_room(&bounded_queue, &[1, 2, 3]);
}

#[test]
fn bounded_pop_timeout_waits_for_its_timeout() {
    pop_timeout_waits_for_its_timeout(&bounded_queue, BOUNDED);
}

#[test]
fn bounded_push_timeout_waits_for_its_timeout() {
    push_timeout_waits_for_its_timeout(&bounded_queue, BOUNDED);
}

#[test]
fn bounded_close_wakes_every_waiter() {
    close_wakes_every_waiter(&bounded_queue, &[Cap::Bounded(1), Cap::Bounded(2)]);
}

#[test]
fn bounded_concurrent_blocking_producers_and_consumers() {
    concurrent_blocking_producers_and_consumers(
        &bounded_queue,
        &[Cap::Bounded(1), Cap::Bounded(2), Cap::Bounded(16)],
    );
}

#[test]
fn bounded_concurrent_waiters_pass_on_notifications() {
    concurrent_waiters_pass_on_notifications(&bounded_queue, BOUNDED);
}

#[test]
fn bounded_concurrent_hand_over_loses_no_wake_up() {
    concurrent_hand_over_loses_no_wake_up(&bounded_queue, &[Cap::Bounded(1)]);
}

/// The same tests on `LockFreeQueue`, bounded and unbounded (segments of 1 and the default).
#[cfg(all(feature = "ibr", feature = "debra", target_pointer_width = "64"))]
mod lock_free {
    use alloc::sync::Arc;

    use ccol_queues::{LockFreeQueue, PopError, PushError};
    use ccol_reclaim::Reclaim;

    use super::{Blocking, Cap, Duration, Shared, common::for_each_scheme};

    forward_blocking!(impl [R: Reclaim] for LockFreeQueue<u64, R>);

    /// The `LockFreeQueue<u64, R>` for a [`Cap`].
    fn make<R: Reclaim + 'static>(cap: Cap) -> Shared {
        Arc::new(match cap {
            Cap::Bounded(capacity) => LockFreeQueue::<u64, R>::bounded(capacity),
            Cap::Unbounded(0) => LockFreeQueue::unbounded(),
            Cap::Unbounded(segment) => LockFreeQueue::unbounded_with_segment_capacity(segment),
        })
    }

    /// Bounded and unbounded forms (under Miri without the default segment size: each such
    /// segment allocates thousands of ring words).
    const BOTH: &[Cap] = if cfg!(miri) {
        &[Cap::Bounded(1), Cap::Bounded(2), Cap::Unbounded(1)]
    } else {
        &[
            Cap::Bounded(1),
            Cap::Bounded(2),
            Cap::Unbounded(1),
            Cap::Unbounded(0),
        ]
    };

    /// The forms of the concurrent tests.
    const THREADED: &[Cap] = if cfg!(miri) {
        &[Cap::Bounded(2), Cap::Unbounded(1)]
    } else {
        &[Cap::Bounded(2), Cap::Unbounded(1), Cap::Unbounded(0)]
    };

    fn pop_blocking_wakes<R: Reclaim + 'static>() {
        super::pop_blocking_wakes_on_a_later_push(&make::<R>, BOTH);
    }

    fn push_blocking_wakes<R: Reclaim + 'static>() {
        super::push_blocking_wakes_when_a_pop_makes_room(&make::<R>, &[1, 2]);
    }

    fn pop_timeout<R: Reclaim + 'static>() {
        super::pop_timeout_waits_for_its_timeout(&make::<R>, BOTH);
    }

    fn push_timeout<R: Reclaim + 'static>() {
        super::push_timeout_waits_for_its_timeout(&make::<R>, BOTH);
    }

    fn close_wakes<R: Reclaim + 'static>() {
        super::close_wakes_every_waiter(&make::<R>, BOTH);
    }

    fn producers_and_consumers<R: Reclaim + 'static>() {
        super::concurrent_blocking_producers_and_consumers(&make::<R>, THREADED);
    }

    fn pass_on<R: Reclaim + 'static>() {
        super::concurrent_waiters_pass_on_notifications(&make::<R>, THREADED);
    }

    fn hand_over<R: Reclaim + 'static>() {
        // The bounded form forwards to `BoundedQueue`'s (tested above): the unbounded one.
        let unbounded = Cap::Unbounded(if cfg!(miri) { 1 } else { 0 });
        super::concurrent_hand_over_loses_no_wake_up(&make::<R>, &[unbounded]);
    }

    for_each_scheme! {
        pop_blocking_wakes_on_a_later_push => pop_blocking_wakes,
        push_blocking_wakes_when_a_pop_makes_room => push_blocking_wakes,
        pop_timeout_waits_for_its_timeout => pop_timeout,
        push_timeout_waits_for_its_timeout => push_timeout,
        close_wakes_every_waiter => close_wakes,
        concurrent_blocking_producers_and_consumers => producers_and_consumers,
        concurrent_hand_over_loses_no_wake_up => hand_over,
        concurrent_waiters_pass_on_notifications => pass_on,
    }
}
