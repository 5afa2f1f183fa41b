#![cfg(all(feature = "alloc", not(ccol_loom)))]
//! Ownership of values: every value pushed is dropped exactly once, whether popped, refused
//! (handed back whole) or left in the queue when it is dropped, including after the rings
//! wrapped many times; a destructor that panics during the queue's `Drop` does not keep the
//! other values from being dropped (nor the `BoundedQueue`'s storage from being freed: Miri
//! reports leaks); zero-sized values, values that own heap memory, and values that are
//! `Send` but not `Sync` moved between threads.

mod common;

extern crate alloc;

use alloc::sync::Arc;
use core::{
    cell::{Cell, RefCell},
    panic::AssertUnwindSafe,
};
use std::{panic, thread};

use ccol_atomics::sync::atomic::{AtomicUsize, Ordering};
use ccol_queues::{BoundedQueue, PushError, StaticQueue};
use common::{Boxed, Payload, Tracker, bounded_queue, scaled, static_queue};

/// The queues of capacity about `n` the tests below run on, as (`is_static`, capacity):
/// `StaticQueue<_, n>` (`n` a power of two), `BoundedQueue::new(n)` and
/// `new(n - 1)` (when not zero).
fn kinds(n: usize) -> Vec<(bool, usize)> {
    let mut all = vec![(true, n), (false, n)];
    if n > 1 {
        all.push((false, n - 1));
    }
    all
}

fn make<'a, T: Send + 'a>((is_static, capacity): (bool, usize)) -> Boxed<'a, T> {
    if is_static {
        static_queue(capacity)
    } else {
        bounded_queue(capacity)
    }
}

/// Wraps the rings `cycles` times (fill, drain), then leaves `left` values (at most the
/// capacity) in the queue and drops it: each payload is dropped once, the refused ones by the
/// test and the popped ones on the spot.
fn leave_values_behind(n: usize, cycles: usize) {
    for kind in kinds(n) {
        let capacity = kind.1;
        let tracker = Tracker::new((capacity + 1) * (cycles + 1) + capacity + 1);
        let queue = make(kind);
        for cycle in 0..cycles {
            let first = tracker.created() as u64;
            for _ in 0..capacity {
                queue.push(tracker.payload()).unwrap();
            }
            let refused = queue.push(tracker.payload()).unwrap_err();
            assert!(refused.is_full());
            assert_eq!(refused.into_inner().check(), first + capacity as u64);
            for i in 0..capacity as u64 {
                assert_eq!(
                    queue.pop().map(|p| p.check()),
                    Some(first + i),
                    "cycle {cycle}"
                );
            }
            assert!(queue.pop().is_none());
            assert_eq!(tracker.dropped(), tracker.created(), "cycle {cycle}");
        }
        let left = capacity.div_ceil(2);
        for _ in 0..left {
            queue.push(tracker.payload()).unwrap();
        }
        assert_eq!(queue.len(), left);
        assert_eq!(tracker.created() - tracker.dropped(), left);
        drop(queue);
        tracker.assert_all_dropped_once();
    }
}

#[test]
fn values_left_in_small_queues_are_dropped_once() {
    for n in [1, 2, 4] {
        leave_values_behind(n, scaled(40, 3));
    }
}

#[test]
fn values_left_in_large_queues_are_dropped_once() {
    leave_values_behind(16, scaled(20, 2));
    leave_values_behind(64, scaled(8, 1));
    if !cfg!(miri) {
        leave_values_behind(1024, 3);
    }
}

#[test]
fn a_queue_never_used_drops_nothing() {
    let tracker = Tracker::new(1);
    for kind in kinds(4) {
        drop(make::<Payload<'_>>(kind));
    }
    drop(StaticQueue::<Payload<'_>, 1>::new());
    drop(BoundedQueue::<Payload<'_>>::new(1));
    assert_eq!(tracker.dropped(), 0);
}

/// A queue holding `capacity` payloads whose third (id 2) panics when dropped: dropping the
/// queue panics (the panic propagates out of `Drop`) and still drops every payload once.
fn panicking_destructor(make: impl FnOnce(&Tracker) -> Boxed<'_, Payload<'_>>) {
    let tracker = Tracker::with_panicking(8, Some(2));
    let queue = make(&tracker);
    // Wrap the rings once so the values sit past the first cycle.
    queue.push(tracker.payload()).unwrap();
    assert_eq!(queue.pop().map(|p| p.check()), Some(0));
    let capacity = queue.capacity();
    for _ in 0..capacity {
        queue.push(tracker.payload()).unwrap();
    }
    assert_eq!(tracker.dropped(), 1);
    let result = panic::catch_unwind(AssertUnwindSafe(move || drop(queue)));
    let message = result.expect_err("the destructor's panic propagates");
    let message = message
        .downcast_ref::<String>()
        .map_or("?", String::as_str)
        .to_owned();
    assert!(message.contains("on purpose"), "{message}");
    tracker.assert_all_dropped_once();
}

#[test]
fn a_panicking_destructor_does_not_leak_the_others_static() {
    panicking_destructor(|_| static_queue(4));
}

#[test]
fn a_panicking_destructor_does_not_leak_the_others_bounded() {
    panicking_destructor(|_| bounded_queue(5));
}

/// A zero-sized value that counts its drops in `DROPS` (one static per test below).
macro_rules! counted_zst {
    ($name:ident, $drops:ident) => {
        static $drops: AtomicUsize = AtomicUsize::new(0);
        struct $name;
        impl Drop for $name {
            fn drop(&mut self) {
                // Relaxed: read on the same thread (the tests using it are single-threaded).
                $drops.fetch_add(1, Ordering::Relaxed);
            }
        }
    };
}

/// `push` `ZST` values into a queue of zero-sized values, round trips and leftovers: the
/// capacity still counts values, and every one is dropped once.
fn zst_round_trips<Z: Send>(queue: &dyn common::AnyQueue<Z>, make: fn() -> Z, drops: &AtomicUsize) {
    let capacity = queue.capacity();
    for _ in 0..3 {
        for _ in 0..capacity {
            assert!(queue.push(make()).is_ok());
        }
        assert!(queue.is_full());
        let refused = queue.push(make()).unwrap_err();
        drop(refused.into_inner());
        for _ in 0..capacity {
            assert!(queue.pop().is_some());
        }
        assert!(queue.pop().is_none());
    }
    // Relaxed: same thread.
    assert_eq!(drops.load(Ordering::Relaxed), 3 * (capacity + 1));
    queue.push(make()).ok().unwrap();
}

#[test]
fn zero_sized_values_static() {
    counted_zst!(Zst, DROPS);
    let queue = StaticQueue::<Zst, 4>::new();
    zst_round_trips(&queue, || Zst, &DROPS);
    drop(queue);
    // Relaxed: same thread.
    assert_eq!(DROPS.load(Ordering::Relaxed), 3 * 5 + 1);
    let units = StaticQueue::<(), 2>::new();
    assert_eq!(units.push(()), Ok(()));
    assert_eq!(units.push(()), Ok(()));
    assert_eq!(units.push(()), Err(PushError::Full(())));
    assert_eq!(units.len(), 2);
}

#[test]
fn zero_sized_values_bounded() {
    counted_zst!(Zst, DROPS);
    let queue = BoundedQueue::<Zst>::new(3);
    zst_round_trips(&queue, || Zst, &DROPS);
    drop(queue);
    // Relaxed: same thread.
    assert_eq!(DROPS.load(Ordering::Relaxed), 3 * 4 + 1);
    let units = BoundedQueue::<()>::new(1);
    assert_eq!(units.push(()), Ok(()));
    assert_eq!(units.push(()), Err(PushError::Full(())));
}

/// Values owning heap memory: Miri's leak check covers the ones left behind.
#[test]
fn heap_values_left_behind_are_freed() {
    let queue = BoundedQueue::new(3);
    let statics = StaticQueue::<Box<String>, 4>::new();
    for i in 0..scaled(50, 6) {
        queue.push(Box::new(i.to_string())).unwrap();
        statics.push(Box::new(i.to_string())).unwrap();
        if i % 3 != 0 {
            assert!(queue.pop().is_some());
            assert!(statics.pop().is_some());
        }
        if queue.is_full() {
            let back = queue.push(Box::new("refused".to_owned())).unwrap_err();
            assert_eq!(*back.into_inner(), "refused");
            queue.pop().unwrap();
        }
        if statics.is_full() {
            statics.pop().unwrap();
        }
    }
    assert!(!queue.is_empty() && !statics.is_empty());
}

/// `Cell` is `Send` but not `Sync`: a queue of cells is still `Sync` (values move whole, no
/// reference to one is shared), so a `static` and an `Arc` of one work across threads.
#[test]
fn values_that_are_not_sync_cross_threads() {
    static CELLS: StaticQueue<Cell<u32>, 8> = StaticQueue::new();
    let per_thread = scaled(200, 6) as u32;
    let shared = Arc::new(BoundedQueue::<RefCell<Vec<u32>>>::new(5));
    let producer = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            for i in 0..per_thread {
                let mut cell = Cell::new(i);
                while let Err(err) = CELLS.push(cell) {
                    cell = err.into_inner();
                    thread::yield_now();
                }
                let mut list = RefCell::new(vec![i; 3]);
                while let Err(err) = shared.push(list) {
                    list = err.into_inner();
                    thread::yield_now();
                }
            }
        })
    };
    let (mut cells, mut lists) = (0, 0);
    while cells < per_thread || lists < per_thread {
        match CELLS.pop() {
            Some(cell) => {
                assert_eq!(cell.get(), cells);
                cells += 1;
            }
            None => thread::yield_now(),
        }
        if let Some(list) = shared.pop() {
            list.borrow_mut().push(0);
            assert_eq!(*list.borrow(), [lists, lists, lists, 0]);
            lists += 1;
        }
    }
    producer.join().unwrap();
    assert!(CELLS.is_empty() && shared.is_empty());
}
