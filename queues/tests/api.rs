#![cfg(all(feature = "alloc", not(ccol_loom)))]
//! The public API of both queues, sequentially: FIFO order, "full" handing the value back
//! unchanged, exact `len`, `is_empty` and `is_full`, `capacity`, `Debug` and `Default`, rings
//! wrapped far beyond their slot count, the threshold path (an empty queue popped many times,
//! then a push, must hand that value to the next pop), a queue moved to another thread, and
//! `StaticQueue` as a `static` shared by threads.

mod common;

use std::thread;

use ccol_queues::{BoundedQueue, PushError, StaticQueue};
use common::{AnyQueue, bounded_queue, scaled, static_queue};

/// Every queue kind of capacity about `n`: `StaticQueue<_, n>`, `BoundedQueue::new(n)`, and
/// `new(n + 1)` (not a power of two unless `n` is 1).
fn every_kind(n: usize) -> [Box<dyn AnyQueue<u64>>; 3] {
    [static_queue(n), bounded_queue(n), bounded_queue(n + 1)]
}

#[test]
fn fifo_order_exact_len_and_full() {
    for queue in every_kind(4) {
        let capacity = queue.capacity();
        assert!(queue.is_empty() && !queue.is_full());
        assert_eq!(queue.len(), 0);
        for v in 0..capacity as u64 {
            queue.push(v).unwrap();
            assert_eq!(queue.len(), v as usize + 1);
            assert!(!queue.is_empty());
        }
        assert!(queue.is_full());
        for _ in 0..3 {
            assert_eq!(queue.push(99), Err(PushError::Full(99)));
        }
        assert_eq!(queue.len(), capacity);
        assert_eq!(queue.pop(), Some(0));
        assert!(!queue.is_full());
        queue.push(100).unwrap();
        let rest: Vec<u64> = core::iter::from_fn(|| queue.pop()).collect();
        let mut want: Vec<u64> = (1..capacity as u64).collect();
        want.push(100);
        assert_eq!(rest, want);
        assert!(queue.is_empty());
        assert_eq!(queue.len(), 0);
        assert_eq!(queue.pop(), None);
    }
}

/// Many laps of each ring (position counters far past the slot count), at every fill level:
/// the cycle bits of each slot must keep matching.
#[test]
fn rings_wrap_far_beyond_their_slot_count() {
    let laps = scaled(3_000, 12);
    for queue in every_kind(2).into_iter().chain(every_kind(16)) {
        let capacity = queue.capacity();
        let mut next = 0u64;
        let mut expected = 0u64;
        // Values left in the queue between laps (0 or 1), so the ring is not always aligned.
        let mut resident = 0;
        for lap in 0..laps {
            let depth = 1 + lap % (capacity - resident);
            for _ in 0..depth {
                queue.push(next).unwrap();
                next += 1;
            }
            let total = resident + depth;
            resident = usize::from(lap % 2 == 0);
            for _ in 0..total - resident {
                assert_eq!(queue.pop(), Some(expected), "lap {lap}");
                expected += 1;
            }
            assert_eq!(queue.len(), resident);
        }
        while let Some(v) = queue.pop() {
            assert_eq!(v, expected);
            expected += 1;
        }
        assert_eq!(expected, next);
    }
}

/// The threshold: pops on an empty queue count down the queue ring's threshold until it
/// goes negative and pops return at once; the next push must reset it, so the pop after it
/// finds the value (and the head that ran ahead of the tail must have pulled the tail along,
/// so the push lands where the next pop looks). Failing runs of every length around
/// `3 * half` are tried.
#[test]
fn pops_on_an_empty_queue_do_not_hide_the_next_push() {
    for queue in every_kind(1).into_iter().chain(every_kind(4)) {
        let half = queue.capacity().next_power_of_two();
        let mut next = 0;
        for failing in 0..=4 * half + 1 {
            queue.push(next).unwrap();
            assert_eq!(queue.pop(), Some(next));
            for _ in 0..failing {
                assert_eq!(queue.pop(), None);
            }
            queue.push(next + 1).unwrap();
            assert_eq!(queue.pop(), Some(next + 1), "after {failing} failed pops");
            assert_eq!(queue.pop(), None);
            next += 2;
        }
    }
}

#[test]
fn capacity_is_exact() {
    assert_eq!(StaticQueue::<u8, 1>::new().capacity(), 1);
    assert_eq!(StaticQueue::<u8, 1024>::new().capacity(), 1024);
    for capacity in [1, 2, 3, 5, 7, 100, 1000] {
        let queue = BoundedQueue::<u8>::new(capacity);
        assert_eq!(queue.capacity(), capacity);
        for i in 0..capacity {
            queue.push(i as u8).unwrap();
        }
        assert!(queue.is_full());
        assert_eq!(queue.push(1), Err(PushError::Full(1)));
    }
}

#[test]
fn debug_and_default() {
    let queue: StaticQueue<u8, 4> = StaticQueue::default();
    queue.push(1).unwrap();
    queue.push(2).unwrap();
    let text = format!("{queue:?}");
    assert!(text.starts_with("StaticQueue"), "{text}");
    assert!(text.contains("capacity: 4"), "{text}");
    assert!(text.contains("len: 2"), "{text}");
    let bounded = BoundedQueue::new(3);
    bounded.push(1).unwrap();
    let text = format!("{bounded:?}");
    assert!(text.starts_with("BoundedQueue"), "{text}");
    assert!(
        text.contains("capacity: 3") && text.contains("len: 1"),
        "{text}"
    );
    // The error shows the reason, not the value (which need not be `Debug`).
    struct Opaque;
    let err = BoundedQueue::new(1);
    err.push(Opaque).ok().unwrap();
    let refused = err.push(Opaque).unwrap_err();
    assert_eq!(format!("{refused:?}"), "Full(..)");
    assert_eq!(refused.to_string(), "push to a full queue");
    assert!(refused.is_full() && !refused.is_closed());
}

#[test]
fn moving_a_queue_moves_its_values() {
    let statics = StaticQueue::<String, 4>::new();
    let bounded = BoundedQueue::new(3);
    statics.push("kept".to_owned()).unwrap();
    bounded.push("kept".to_owned()).unwrap();
    let (statics, bounded) = thread::spawn(move || {
        statics.push("more".to_owned()).unwrap();
        bounded.push("more".to_owned()).unwrap();
        (statics, bounded)
    })
    .join()
    .unwrap();
    for queue in [&statics as &dyn AnyQueue<String>, &bounded] {
        assert_eq!(queue.pop().as_deref(), Some("kept"));
        assert_eq!(queue.pop().as_deref(), Some("more"));
        assert_eq!(queue.pop(), None);
    }
}

/// A `static` queue shared by four producers: each producer's values come out in its push
/// order, all of them once.
#[test]
fn a_static_is_shared_between_threads() {
    static SHARED: StaticQueue<u32, 64> = StaticQueue::new();
    let per_thread = scaled(16, 4) as u32;
    thread::scope(|s| {
        for t in 0..4 {
            s.spawn(move || {
                for i in 0..per_thread {
                    SHARED.push(t * 100 + i).unwrap();
                }
            });
        }
    });
    assert_eq!(SHARED.len(), 4 * per_thread as usize);
    let mut seen: Vec<u32> = core::iter::from_fn(|| SHARED.pop()).collect();
    for t in 0..4 {
        let mine: Vec<u32> = seen.iter().copied().filter(|v| v / 100 == t).collect();
        assert!(mine.windows(2).all(|w| w[0] < w[1]), "thread {t}: {mine:?}");
    }
    seen.sort_unstable();
    let want: Vec<u32> = (0..4)
        .flat_map(|t| (0..per_thread).map(move |i| t * 100 + i))
        .collect();
    assert_eq!(seen, want);
    assert!(SHARED.is_empty());
}
