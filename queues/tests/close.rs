#![cfg(all(feature = "std", not(ccol_loom)))]
//! Closing a queue, on `StaticQueue`, `BoundedQueue` and `LockFreeQueue` (bounded and
//! unbounded, under both schemes): `close` returns true exactly once; after it every push
//! fails with `Closed` and hands its value back whole (nothing dropped, nothing kept), pops
//! drain what was left in FIFO order and then `try_pop` reports `Closed` for good (`pop`
//! `None`), and values left in a closed queue are dropped once with it. Queues are closed
//! empty, partly full, full (a push there reports `Closed`, not `Full`), after their rings
//! wrapped, after empty pops spent the threshold, and (unbounded) with values spread over
//! several segments of 1, 2 or 3 values.
//!
//! The concurrent test races producers against two closers and consumers that `try_pop`
//! until `Closed`: every push that returned `Ok` is popped exactly once, every push that
//! returned `Closed` handed its value back, nothing else comes out, each consumer sees each
//! producer's values in push order, a push that starts after `close` returned fails, no push
//! succeeds after one of the same producer failed, and a consumer that gets `Closed` leaves
//! nothing behind. Consumers give up at a deadline and the check then names the values that
//! never came out, so a lost value fails instead of hanging.

mod common;

use core::time::Duration;
use std::{thread, time::Instant};

use ccol_atomics::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use ccol_queues::{BoundedQueue, PopError, PushError, Queue, StaticQueue};
use common::{Payload, Tracker, scaled};

/// A queue of any kind behind the `Queue` trait.
type Dyn<'a, T> = Box<dyn Queue<T> + Send + Sync + 'a>;

/// Makes fresh queues of one kind, for any value type (the payloads borrow a tracker the
/// test body creates).
trait Maker {
    fn make<'a, T: Send + 'a>(&self) -> Dyn<'a, T>;
}

/// `StaticQueue<T, capacity>` (for the capacities used here) or
/// `BoundedQueue::new(capacity)`.
#[derive(Clone, Copy)]
struct Fixed {
    is_static: bool,
    capacity: usize,
}

impl Maker for Fixed {
    fn make<'a, T: Send + 'a>(&self) -> Dyn<'a, T> {
        bounded(self.is_static, self.capacity)
    }
}

/// `StaticQueue<T, n>` for the `n` used here, or `BoundedQueue::new(capacity)`.
fn bounded<'a, T: Send + 'a>(is_static: bool, capacity: usize) -> Dyn<'a, T> {
    if !is_static {
        return Box::new(BoundedQueue::new(capacity));
    }
    match capacity {
        1 => Box::new(StaticQueue::<T, 1>::new()),
        2 => Box::new(StaticQueue::<T, 2>::new()),
        4 => Box::new(StaticQueue::<T, 4>::new()),
        16 => Box::new(StaticQueue::<T, 16>::new()),
        other => panic!("no StaticQueue<_, {other}> instance here"),
    }
}

/// The bounded queues the sequential tests run on: (`is_static`, capacity). Under Miri
/// without the largest.
const BOUNDED_KINDS: &[(bool, usize)] = if cfg!(miri) {
    &[
        (true, 1),
        (true, 2),
        (true, 4),
        (false, 1),
        (false, 3),
        (false, 5),
    ]
} else {
    &[
        (true, 1),
        (true, 2),
        (true, 4),
        (true, 16),
        (false, 1),
        (false, 2),
        (false, 3),
        (false, 5),
        (false, 16),
    ]
};

/// Pushes a new payload that must be refused as `Closed`; checks that the value comes back
/// alive and that nothing was dropped on the way.
#[track_caller]
fn assert_push_closed<'t>(queue: &dyn Queue<Payload<'t>>, tracker: &'t Tracker) {
    let value = tracker.payload();
    let id = value.id();
    let dropped = tracker.dropped();
    match queue.push(value) {
        Err(PushError::Closed(back)) => {
            assert_eq!(back.check(), id, "a refused push hands back its own value");
            assert_eq!(tracker.dropped(), dropped, "a refused push dropped a value");
        }
        Err(PushError::Full(_)) => panic!("a closed queue reported Full"),
        Ok(()) => panic!("a push succeeded on a closed queue"),
    }
}

/// Drains a closed queue through `try_pop` (and `pop` every other value, which drains too):
/// the ids must be `expected` in order, then `Closed` for good.
#[track_caller]
fn assert_drains(queue: &dyn Queue<Payload<'_>>, expected: impl IntoIterator<Item = u64>) {
    for (i, id) in expected.into_iter().enumerate() {
        assert!(queue.is_closed());
        let got = if i % 2 == 0 {
            queue.try_pop().map(|v| v.check())
        } else {
            queue.pop().map(|v| v.check()).ok_or(PopError::Empty)
        };
        assert_eq!(got, Ok(id), "drained out of order");
    }
    for _ in 0..3 {
        assert_eq!(queue.try_pop().map(|v| v.check()), Err(PopError::Closed));
        assert!(queue.pop().is_none());
    }
    assert_eq!(queue.len(), 0);
    assert!(queue.is_empty());
}

/// Closes `queue` (which must be open), checking `close`'s and `is_closed`'s answers.
#[track_caller]
fn close_once(queue: &dyn Queue<Payload<'_>>) {
    assert!(!queue.is_closed());
    assert!(queue.close(), "the first close closes");
    assert!(queue.is_closed());
    assert!(
        !queue.close(),
        "a second close reports it was already closed"
    );
    assert!(!queue.close());
    assert!(queue.is_closed());
}

/// On a queue of `capacity` (`None`: unbounded) from `make`: moves its rings on by `wraps` rounds of fill and
/// drain and spends the threshold with `empty_pops` empty pops, pushes `held` payloads
/// (refusing one more with `Full` when that fills it), pops `taken` of them, closes, refuses
/// pushes with `Closed`, and drains the rest in order. Then drops the queue.
fn close_scenario(
    make: &impl Maker,
    capacity: Option<usize>,
    (wraps, empty_pops, held, taken): (usize, usize, usize, usize),
) {
    let tracker = &Tracker::new((wraps + 1) * (held + 2) + 8);
    let queue = make.make();
    for _ in 0..wraps {
        let first = tracker.created() as u64;
        for _ in 0..held.max(1) {
            assert!(queue.push(tracker.payload()).is_ok());
        }
        for i in 0..held.max(1) as u64 {
            assert_eq!(queue.pop().map(|v| v.check()), Some(first + i));
        }
    }
    for _ in 0..empty_pops {
        assert_eq!(queue.try_pop().map(|v| v.check()), Err(PopError::Empty));
    }
    let first = tracker.created() as u64;
    for _ in 0..held {
        assert!(queue.push(tracker.payload()).is_ok());
    }
    if capacity == Some(held) {
        let extra = tracker.payload();
        let id = extra.id();
        match queue.push(extra) {
            Err(PushError::Full(back)) => assert_eq!(back.check(), id),
            other => panic!("a full open queue answered {other:?}"),
        }
    }
    for i in 0..taken as u64 {
        assert_eq!(queue.try_pop().map(|v| v.check()), Ok(first + i));
    }
    close_once(&*queue);
    assert_eq!(queue.len(), held - taken);
    assert_push_closed(&*queue, tracker);
    assert_push_closed(&*queue, tracker);
    let dropped = tracker.dropped();
    assert_drains(&*queue, first + taken as u64..first + held as u64);
    assert_eq!(tracker.dropped(), dropped + held - taken);
    assert_push_closed(&*queue, tracker);
    drop(queue);
    tracker.assert_all_dropped_once();
}

/// The scenarios for a queue of `capacity` (`None`: unbounded, `segment` values a segment):
/// empty, one value, partly full, full; fresh, wrapped, after spent thresholds (enough empty
/// pops to count the threshold of the (first) queue ring below zero: `2 * half + 127` for
/// these sizes, `ring` module docs); nothing or some values taken before the close. Under
/// Miri fewer fill levels, and the wrapped and spent forms only for the fullest queue.
fn scenarios(capacity: Option<usize>, segment: usize) -> Vec<(usize, usize, usize, usize)> {
    let most = capacity.unwrap_or(3 * segment + 1);
    let mut holds = if cfg!(miri) {
        vec![0, most / 2, most]
    } else {
        vec![0, 1, most / 2, most.saturating_sub(1), most]
    };
    holds.sort_unstable();
    holds.dedup();
    let mut all = Vec::new();
    for &held in &holds {
        for taken in [0, held / 2, held] {
            all.push((0, 0, held, taken));
        }
        if !cfg!(miri) || held == most {
            all.push((3, 0, held, held / 3));
            all.push((
                0,
                2 * capacity.unwrap_or(segment).next_power_of_two() + 130,
                held,
                0,
            ));
        }
    }
    all.sort_unstable();
    all.dedup();
    all
}

#[test]
fn bounded_queues_close_empty_partly_full_and_full() {
    for &(is_static, capacity) in BOUNDED_KINDS {
        for scenario in scenarios(Some(capacity), 0) {
            let make = Fixed {
                is_static,
                capacity,
            };
            close_scenario(&make, Some(capacity), scenario);
        }
    }
}

/// Closes a queue from `make` holding `held` payloads and drops it: the refused push's value
/// is dropped by the test, the held ones once by the queue.
fn closed_queue_drops_what_it_holds(make: &impl Maker, held: usize) {
    let tracker = Tracker::new(held + 1);
    let queue = make.make();
    for _ in 0..held {
        assert!(queue.push(tracker.payload()).is_ok());
    }
    close_once(&*queue);
    assert_push_closed(&*queue, &tracker);
    assert_eq!(tracker.dropped(), 1, "only the refused value is dropped");
    drop(queue);
    tracker.assert_all_dropped_once();
}

#[test]
fn a_closed_queue_drops_what_it_holds_once() {
    for &(is_static, capacity) in BOUNDED_KINDS {
        let make = Fixed {
            is_static,
            capacity,
        };
        closed_queue_drops_what_it_holds(&make, capacity);
        closed_queue_drops_what_it_holds(&make, capacity / 2);
    }
}

#[test]
fn pops_on_an_open_queue_report_empty_not_closed() {
    for &(is_static, capacity) in BOUNDED_KINDS {
        let queue = bounded::<u32>(is_static, capacity);
        assert_eq!(queue.try_pop(), Err(PopError::Empty));
        assert_eq!(queue.push(7), Ok(()));
        assert_eq!(queue.try_pop(), Ok(7));
        assert_eq!(queue.try_pop(), Err(PopError::Empty));
        assert!(!queue.is_closed());
    }
}

/// `LockFreeQueue`: the same scenarios on the bounded form and on unbounded queues whose
/// values spread over several segments, the guard-explicit forms, and the concurrent race.
#[cfg(all(feature = "ibr", feature = "debra", target_pointer_width = "64"))]
mod lock_free {
    use core::marker::PhantomData;

    use ccol_queues::{LockFreeQueue, PopError, PushError, Queue};
    use ccol_reclaim::Reclaim;

    use super::{Dyn, Maker, Tracker, close_scenario, common::for_each_scheme, scenarios};

    /// `LockFreeQueue<T, R>`: `bounded(n)` for `Some(n)`, else unbounded with segments of
    /// `segment` (the default capacity for 0).
    struct Form<R> {
        bounded: Option<usize>,
        segment: usize,
        scheme: PhantomData<R>,
    }

    impl<R: Reclaim> Form<R> {
        fn bounded(capacity: usize) -> Self {
            Self {
                bounded: Some(capacity),
                segment: 0,
                scheme: PhantomData,
            }
        }

        fn unbounded(segment: usize) -> Self {
            Self {
                bounded: None,
                segment,
                scheme: PhantomData,
            }
        }
    }

    impl<R: Reclaim + 'static> Maker for Form<R> {
        fn make<'a, T: Send + 'a>(&self) -> Dyn<'a, T> {
            Box::new(match (self.bounded, self.segment) {
                (Some(capacity), _) => LockFreeQueue::<T, R>::bounded(capacity),
                (None, 0) => LockFreeQueue::unbounded(),
                (None, segment) => LockFreeQueue::unbounded_with_segment_capacity(segment),
            })
        }
    }

    fn bounded_form_closes<R: Reclaim + 'static>() {
        for capacity in [1, 2, 3, 8] {
            for scenario in scenarios(Some(capacity), 0) {
                close_scenario(&Form::<R>::bounded(capacity), Some(capacity), scenario);
            }
        }
    }

    /// Segments of 1, 2 and 3 values: up to `3 * segment + 1` values held (the last segment
    /// full or holding one), some popped first (the head in a later segment than the first),
    /// closed, drained in order across the segments.
    fn unbounded_closes_across_segments<R: Reclaim + 'static>() {
        let segments: &[usize] = if cfg!(miri) { &[1, 3] } else { &[1, 2, 3] };
        for &segment in segments {
            let make = Form::<R>::unbounded(segment);
            for scenario in scenarios(None, segment) {
                close_scenario(&make, None, scenario);
            }
            // Every fill level, the head moved into the second segment first (not under
            // Miri: the scenarios above cover the segment boundaries).
            if !cfg!(miri) {
                for held in 0..=3 * segment + 1 {
                    close_scenario(&make, None, (0, 0, held, held.min(segment)));
                }
            }
        }
        // Under Miri without the large segment (each allocates thousands of ring words).
        if !cfg!(miri) {
            close_scenario(&Form::<R>::unbounded(0), None, (0, 0, 5, 2));
        }
    }

    /// A closed queue dropped with values in it (in several segments) drops them once.
    fn closed_queue_drops_what_it_holds<R: Reclaim + 'static>() {
        super::closed_queue_drops_what_it_holds(&Form::<R>::bounded(3), 3);
        for segment in [1, 2] {
            super::closed_queue_drops_what_it_holds(&Form::<R>::unbounded(segment), 5);
        }
    }

    /// The `_guarded` forms through a registered handle, on a queue of segments of 2 holding
    /// 5 values (three segments); dropping it closed drops them once.
    fn guarded_forms_close<R: Reclaim>() {
        let tracker = Tracker::new(8);
        let queue = LockFreeQueue::<_, R>::unbounded_with_segment_capacity(2);
        let handle = queue.register().expect("no participant limit");
        let guard = handle.pin();
        for _ in 0..5 {
            assert!(queue.push_guarded(tracker.payload(), &guard).is_ok());
        }
        assert_eq!(queue.try_pop_guarded(&guard).map(|v| v.check()), Ok(0));
        assert!(!queue.is_closed_guarded(&guard));
        assert!(queue.close_guarded(&guard));
        assert!(!queue.close_guarded(&guard));
        assert!(queue.is_closed_guarded(&guard) && queue.is_closed());
        let value = tracker.payload();
        match queue.push_guarded(value, &guard) {
            Err(PushError::Closed(back)) => assert_eq!(back.check(), 5),
            other => panic!("a closed queue answered {other:?}"),
        }
        assert_eq!(queue.try_pop_guarded(&guard).map(|v| v.check()), Ok(1));
        assert_eq!(queue.pop_guarded(&guard).map(|v| v.check()), Some(2));
        assert_eq!(queue.len_guarded(&guard), 2);
        drop(guard);
        drop(handle);
        drop(queue);
        tracker.assert_all_dropped_once();
        assert_eq!(tracker.created(), 6);

        let empty = LockFreeQueue::<u8, R>::unbounded_with_segment_capacity(1);
        let handle = empty.register().expect("no participant limit");
        let guard = handle.pin();
        assert_eq!(empty.try_pop_guarded(&guard), Err(PopError::Empty));
        assert!(Queue::close(&empty));
        assert_eq!(empty.try_pop_guarded(&guard), Err(PopError::Closed));
        assert_eq!(empty.push_guarded(1, &guard), Err(PushError::Closed(1)));
    }

    /// The concurrent race on the bounded form and on unbounded queues of segments of 1, 3
    /// and the default size.
    fn concurrent_close_races_pushes_and_pops<R: Reclaim + 'static>() {
        super::race_rounds(&Form::<R>::bounded(2));
        super::race_rounds(&Form::<R>::unbounded(1));
        super::race_rounds(&Form::<R>::unbounded(3));
        if !cfg!(miri) {
            super::race_rounds(&Form::<R>::unbounded(0));
        }
    }

    for_each_scheme! {
        bounded_form_closes_empty_partly_full_and_full => bounded_form_closes,
        unbounded_closes_with_values_across_segments => unbounded_closes_across_segments,
        guarded_forms_close => guarded_forms_close,
        a_closed_queue_drops_what_it_holds_once => closed_queue_drops_what_it_holds,
        concurrent_close_races_pushes_and_pops => concurrent_close_races_pushes_and_pops,
    }
}

/// Producers per round of the race.
const PRODUCERS: usize = if cfg!(miri) { 2 } else { 3 };
/// Consumers per round of the race.
const CONSUMERS: usize = 2;
/// Values each producer tries to push per round.
const PER_PRODUCER: usize = scaled(2_000, 6);
/// Rounds of the race per queue (each closes at another point).
const ROUNDS: usize = scaled(12, 2);
/// When consumers and producers give up (per round; a round takes milliseconds here).
const DEADLINE: Duration = Duration::from_secs(20);

/// What one producer saw: the ids whose push returned `Ok`, and those handed back `Closed`.
#[derive(Default)]
struct Produced {
    ok: Vec<u64>,
    back: Vec<u64>,
}

/// When round `round` closes (after how many of the `total` pushes completed): before any
/// push in round 1, after all of them in round 2, otherwise at a point drawn by a small
/// deterministic generator (xorshift), so that Miri's two rounds include one.
fn close_point(round: usize, total: usize) -> usize {
    match round {
        1 => 0,
        2 => total,
        _ => {
            let mut x =
                0x9E37_79B9_7F4A_7C15_u64 ^ (round as u64).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % (total as u64 + 1)) as usize
        }
    }
}

/// `ROUNDS` rounds of [`race`] on fresh queues from `make`, each closing at another point
/// (before any push, after all of them, and at pseudo-random points between).
fn race_rounds(make: &impl Maker) {
    for round in 0..ROUNDS {
        let total = PRODUCERS * PER_PRODUCER;
        let tracker = Tracker::new(total);
        let queue = make.make();
        race(&*queue, &tracker, close_point(round, total));
        drop(queue);
        tracker.assert_all_dropped_once();
    }
}

/// One round: producers push `PER_PRODUCER` payloads each (retrying after a yield while the
/// queue is full), two closers close once `close_after` pushes have completed, consumers
/// `try_pop` until `Closed`. Then the checks of the module docs.
fn race<'t>(queue: &(dyn Queue<Payload<'t>> + Sync), tracker: &'t Tracker, close_after: usize) {
    let attempts = AtomicUsize::new(0);
    let closed = AtomicBool::new(false);
    let expired = AtomicBool::new(false);
    let start = Instant::now();
    let late = || {
        let late = start.elapsed() > DEADLINE;
        if late {
            // Relaxed: a flag read after the joins.
            expired.store(true, Ordering::Relaxed);
        }
        late
    };
    let (produced, consumed, firsts) = thread::scope(|s| {
        let (attempts, closed, late) = (&attempts, &closed, &late);
        let producers: Vec<_> = (0..PRODUCERS)
            .map(|p| {
                s.spawn(move || {
                    let mut mine = Produced::default();
                    for _ in 0..PER_PRODUCER {
                        let mut value = tracker.payload();
                        let id = value.id();
                        // Acquire: pairs with the closer's Release store after `close`
                        // returned: a push that starts after that must fail.
                        let after_close = closed.load(Ordering::Acquire);
                        loop {
                            match queue.push(value) {
                                Ok(()) => {
                                    assert!(!after_close, "a push after close succeeded");
                                    assert!(
                                        mine.back.is_empty(),
                                        "producer {p}: a push succeeded after one was closed"
                                    );
                                    mine.ok.push(id);
                                }
                                Err(PushError::Full(back)) => {
                                    assert!(!after_close, "a push after close reported Full");
                                    assert_eq!(back.check(), id);
                                    value = back;
                                    if late() {
                                        mine.back.push(id);
                                        break;
                                    }
                                    thread::yield_now();
                                    continue;
                                }
                                Err(PushError::Closed(back)) => {
                                    assert_eq!(
                                        back.check(),
                                        id,
                                        "Closed handed back another value"
                                    );
                                    mine.back.push(id);
                                }
                            }
                            break;
                        }
                        // Relaxed: only paces the closers.
                        attempts.fetch_add(1, Ordering::Relaxed);
                    }
                    mine
                })
            })
            .collect();
        let closers: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(move || {
                    // Relaxed: only picks the moment; nothing is read through it.
                    while attempts.load(Ordering::Relaxed) < close_after && !late() {
                        thread::yield_now();
                    }
                    let first = queue.close();
                    assert!(queue.is_closed());
                    // Release: pairs with the producers' Acquire load.
                    closed.store(true, Ordering::Release);
                    first
                })
            })
            .collect();
        let consumers: Vec<_> = (0..CONSUMERS)
            .map(|c| {
                s.spawn(move || {
                    let mut got = Vec::new();
                    loop {
                        match queue.try_pop() {
                            Ok(value) => got.push(value.check()),
                            Err(PopError::Empty) if late() => break got,
                            Err(PopError::Empty) => thread::yield_now(),
                            Err(PopError::Closed) => {
                                assert!(queue.is_closed(), "consumer {c}: Closed on an open queue");
                                assert_eq!(
                                    queue.try_pop().map(|v| v.check()),
                                    Err(PopError::Closed),
                                    "consumer {c}: a value after Closed"
                                );
                                break got;
                            }
                        }
                    }
                })
            })
            .collect();
        let produced: Vec<Produced> = producers.into_iter().map(|h| h.join().unwrap()).collect();
        let firsts: Vec<bool> = closers.into_iter().map(|h| h.join().unwrap()).collect();
        let consumed: Vec<Vec<u64>> = consumers.into_iter().map(|h| h.join().unwrap()).collect();
        (produced, consumed, firsts)
    });
    // Relaxed: the threads are joined.
    let expired = expired.load(Ordering::Relaxed);
    check_race(queue, tracker, &produced, &consumed, expired);
    assert_eq!(
        firsts.iter().filter(|&&first| first).count(),
        1,
        "exactly one close closes"
    );
}

/// The checks of one round (module docs), naming the first values lost or duplicated.
#[track_caller]
fn check_race(
    queue: &(dyn Queue<Payload<'_>> + Sync),
    tracker: &Tracker,
    produced: &[Produced],
    consumed: &[Vec<u64>],
    expired: bool,
) {
    let created = tracker.created();
    // Who pushed each id, and whether its push succeeded.
    let mut owner = vec![None; created];
    for (p, mine) in produced.iter().enumerate() {
        assert_eq!(mine.ok.len() + mine.back.len(), PER_PRODUCER);
        for &id in &mine.ok {
            owner[id as usize] = Some((p, true));
        }
        for &id in &mine.back {
            owner[id as usize] = Some((p, false));
        }
    }
    let mut seen = vec![0u32; created];
    for (c, got) in consumed.iter().enumerate() {
        let mut last = vec![None; produced.len()];
        for &id in got {
            let Some((p, ok)) = owner[id as usize] else {
                panic!("consumer {c} popped {id}, which no producer pushed");
            };
            assert!(ok, "consumer {c} popped {id}, whose push returned Closed");
            if let Some(previous) = last[p] {
                assert!(
                    previous < id,
                    "consumer {c}: producer {p}'s {id} after {previous}"
                );
            }
            last[p] = Some(id);
            seen[id as usize] += 1;
        }
    }
    let twice: Vec<usize> = (0..created).filter(|&id| seen[id] > 1).take(8).collect();
    assert!(twice.is_empty(), "popped more than once: {twice:?}");
    let missing: Vec<usize> = (0..created)
        .filter(|&id| owner[id].is_some_and(|(_, ok)| ok) && seen[id] == 0)
        .collect();
    assert!(
        missing.is_empty() && !expired,
        "{} pushed values never popped (first: {:?}); deadline hit: {expired}",
        missing.len(),
        &missing[..missing.len().min(8)]
    );
    let back: usize = produced.iter().map(|mine| mine.back.len()).sum();
    let popped: usize = consumed.iter().map(Vec::len).sum();
    assert_eq!(
        popped + back,
        created,
        "values neither popped nor handed back"
    );
    assert_eq!(
        queue.try_pop().map(|v| v.check()),
        Err(PopError::Closed),
        "a value left after every consumer saw Closed"
    );
    assert_eq!(
        tracker.dropped(),
        created,
        "every value was popped or handed back"
    );
}

#[test]
fn concurrent_close_races_pushes_and_pops() {
    let kinds: &[(bool, usize)] = if cfg!(miri) {
        &[(true, 2), (false, 1)]
    } else {
        &[(true, 2), (true, 16), (false, 1), (false, 3), (false, 64)]
    };
    for &(is_static, capacity) in kinds {
        race_rounds(&Fixed {
            is_static,
            capacity,
        });
    }
}
