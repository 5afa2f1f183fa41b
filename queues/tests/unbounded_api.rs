#![cfg(all(
    feature = "std",
    feature = "ibr",
    feature = "debra",
    target_pointer_width = "64",
    not(ccol_loom)
))]
//! `LockFreeQueue<T, R>`'s API, under both schemes: the constructors and what they report
//! (`capacity`, `segment_capacity`, `is_full`, `Debug`), the panics for a segment capacity of
//! 0 or above the maximum, guards from another domain rejected by the unbounded form (and
//! ignored by the bounded one), the guard-explicit (no_std) forms through registered handles
//! on several threads, the `Queue` trait behind `&dyn Queue<T>`, and a queue moved to another
//! thread with values in several segments.

mod common;

use core::panic::AssertUnwindSafe;
use std::{panic::catch_unwind, thread};

use ccol_queues::{BoundedQueue, DEFAULT_SEGMENT_CAPACITY, LockFreeQueue, PushError, Queue};
use ccol_reclaim::Reclaim;
use common::{Tracker, for_each_scheme, scaled};

fn constructors_report_their_form<R: Reclaim>() {
    let unbounded = LockFreeQueue::<u8, R>::unbounded();
    assert_eq!(unbounded.capacity(), None);
    assert_eq!(unbounded.segment_capacity(), Some(DEFAULT_SEGMENT_CAPACITY));
    assert_eq!(DEFAULT_SEGMENT_CAPACITY, 1024);
    // Under Miri without the large segment (each one allocates thousands of ring words).
    let segments: &[usize] = if cfg!(miri) {
        &[1, 2, 3]
    } else {
        &[1, 2, 3, 5, 1000]
    };
    for &segment in segments {
        let queue = LockFreeQueue::<u8, R>::unbounded_with_segment_capacity(segment);
        assert_eq!(queue.segment_capacity(), Some(segment));
        assert_eq!(queue.capacity(), None);
        // Never full, however many segments it holds.
        for v in 0..3 * segment {
            assert!(!queue.is_full());
            queue.push(v as u8).unwrap();
        }
        assert!(!queue.is_full());
        assert_eq!(queue.len(), 3 * segment);
    }
    for capacity in [1, 3, 8] {
        let queue = LockFreeQueue::<u8, R>::bounded(capacity);
        assert_eq!(queue.capacity(), Some(capacity));
        assert_eq!(queue.segment_capacity(), None);
        for v in 0..capacity {
            assert!(!queue.is_full());
            queue.push(v as u8).unwrap();
        }
        assert!(queue.is_full());
        assert_eq!(queue.push(9), Err(PushError::Full(9)));
        assert_eq!(queue.pop(), Some(0));
        assert!(!queue.is_full());
    }
}

fn debug_names_the_form<R: Reclaim>() {
    let text = format!(
        "{:?}",
        LockFreeQueue::<u8, R>::unbounded_with_segment_capacity(7)
    );
    assert!(text.starts_with("LockFreeQueue"), "{text}");
    assert!(text.contains("segment_capacity: 7"), "{text}");
    let text = format!("{:?}", LockFreeQueue::<u8, R>::bounded(5));
    assert!(text.contains("capacity: 5"), "{text}");
}

fn zero_segment_capacity_panics<R: Reclaim>() {
    let err = catch_unwind(|| LockFreeQueue::<u64, R>::unbounded_with_segment_capacity(0))
        .expect_err("segments of 0 accepted");
    assert!(message(&*err).contains("got 0"), "{}", message(&*err));
    let max = BoundedQueue::<u8>::MAX_CAPACITY;
    let err = catch_unwind(|| LockFreeQueue::<u8, R>::unbounded_with_segment_capacity(max + 1))
        .expect_err("segments above the maximum accepted");
    assert!(message(&*err).contains("segment capacity must be in 1..=MAX_CAPACITY"));
    assert!(catch_unwind(|| LockFreeQueue::<u8, R>::bounded(0)).is_err());
}

/// The panic message of a caught panic.
fn message(payload: &(dyn core::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

#[track_caller]
fn assert_panics_for_foreign_guard(f: impl FnOnce()) {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("a foreign guard was accepted");
    let text = message(&*err);
    assert!(text.contains("another domain"), "unexpected panic: {text}");
}

/// Guards from another queue's domain: the unbounded form panics before touching anything
/// (the rejected value is dropped by the unwinding, once); the bounded form, which never
/// uses its guard, accepts them.
fn foreign_guards<R: Reclaim>() {
    let tracker = Tracker::new(4);
    let queue = LockFreeQueue::<common::Payload<'_>, R>::unbounded_with_segment_capacity(1);
    let other = LockFreeQueue::<u64, R>::unbounded();
    queue.push(tracker.payload()).unwrap();
    let foreign = other.domain().pin();
    assert_panics_for_foreign_guard(|| {
        let _ = queue.push_guarded(tracker.payload(), &foreign);
    });
    assert_eq!(tracker.drops_of(1), 1);
    assert_panics_for_foreign_guard(|| {
        let _ = queue.pop_guarded(&foreign);
    });
    assert_panics_for_foreign_guard(|| {
        let _ = queue.len_guarded(&foreign);
    });
    #[cfg(feature = "stats")]
    assert_panics_for_foreign_guard(|| {
        let _ = queue.stats_guarded(&foreign);
    });
    // A handle registered with the other domain is just as foreign.
    let handle = other.register().unwrap();
    assert_panics_for_foreign_guard(|| {
        let _ = queue.pop_guarded(&handle.pin());
    });
    drop((handle, foreign));
    // Nothing changed.
    assert_eq!(queue.len(), 1);
    assert_eq!(queue.pop().map(|p| p.check()), Some(0));
    assert!(queue.pop().is_none());
    tracker.assert_all_dropped_once();
    let bounded = LockFreeQueue::<u64, R>::bounded(2);
    let foreign = other.domain().pin();
    bounded.push_guarded(1, &foreign).unwrap();
    assert_eq!(bounded.len_guarded(&foreign), 1);
    assert_eq!(bounded.pop_guarded(&foreign), Some(1));
}

/// The no_std forms: each thread registers a handle and pins it around every operation;
/// values cross several segments and come out FIFO per thread, each once.
fn guard_explicit_forms<R: Reclaim>() {
    let queue = LockFreeQueue::<u64, R>::unbounded_with_segment_capacity(2);
    let per_thread = scaled(300, 6) as u64;
    thread::scope(|s| {
        for t in 0..2u64 {
            let queue = &queue;
            s.spawn(move || {
                let handle = queue.register().expect("the queue's domain has no limit");
                for i in 0..per_thread {
                    queue
                        .push_guarded(t * per_thread + i, &handle.pin())
                        .unwrap();
                }
                handle.flush();
            });
        }
    });
    let handle = queue.register().unwrap();
    let guard = handle.pin();
    assert_eq!(queue.len_guarded(&guard), 2 * per_thread as usize);
    let seen: Vec<u64> = core::iter::from_fn(|| queue.pop_guarded(&guard)).collect();
    for t in 0..2 {
        let mine: Vec<u64> = seen
            .iter()
            .copied()
            .filter(|v| v / per_thread == t)
            .collect();
        let want: Vec<u64> = (t * per_thread..(t + 1) * per_thread).collect();
        assert_eq!(mine, want, "thread {t}");
    }
    assert_eq!(queue.len_guarded(&guard), 0);
    // A nested guard of the same handle works too.
    queue.push_guarded(9, &handle.pin()).unwrap();
    assert_eq!(queue.pop_guarded(&guard), Some(9));
}

/// Moves values through `from` into `to` and reports how many moved.
fn pump(from: &dyn Queue<u64>, to: &dyn Queue<u64>) -> usize {
    let mut moved = 0;
    while let Some(value) = from.pop() {
        if let Err(full) = to.push(value) {
            from.push(full.into_inner()).unwrap();
            break;
        }
        moved += 1;
    }
    moved
}

/// Through the trait object: both forms report their capacity; a pump from an unbounded
/// queue into a bounded one stops when it is full, and back again empties it, FIFO.
fn queue_trait_objects<R: Reclaim>() {
    let unbounded = LockFreeQueue::<u64, R>::unbounded_with_segment_capacity(3);
    let bounded = LockFreeQueue::<u64, R>::bounded(4);
    let (u, b): (&dyn Queue<u64>, &dyn Queue<u64>) = (&unbounded, &bounded);
    assert_eq!((u.capacity(), b.capacity()), (None, Some(4)));
    assert!(u.is_empty() && b.is_empty());
    for v in 0..10 {
        u.push(v).unwrap();
    }
    assert_eq!(u.len(), 10);
    assert!(!u.is_full());
    assert_eq!(pump(u, b), 4);
    assert!(b.is_full());
    assert_eq!(u.len(), 6);
    // The refused value went back to the end of the unbounded queue.
    let rest: Vec<u64> = core::iter::from_fn(|| u.pop()).collect();
    assert_eq!(rest, [5, 6, 7, 8, 9, 4]);
    assert_eq!(pump(b, u), 4);
    let back: Vec<u64> = core::iter::from_fn(|| u.pop()).collect();
    assert_eq!(back, [0, 1, 2, 3]);
    assert!(u.is_empty() && b.is_empty());
}

/// A queue with values in several segments moved to another thread, used there, and moved
/// back.
fn moved_between_threads<R: Reclaim>() {
    let queue = LockFreeQueue::<String, R>::unbounded_with_segment_capacity(2);
    for i in 0..5 {
        queue.push(i.to_string()).unwrap();
    }
    let queue = thread::spawn(move || {
        assert_eq!(queue.pop().as_deref(), Some("0"));
        queue.push("5".to_owned()).unwrap();
        queue
    })
    .join()
    .unwrap();
    let all: Vec<String> = core::iter::from_fn(|| queue.pop()).collect();
    assert_eq!(all, ["1", "2", "3", "4", "5"]);
}

/// Pops of an empty unbounded queue count its last segment's threshold below zero; the next
/// push must still reach the next pop, also right after the segment was left.
fn empty_pops_do_not_hide_the_next_push<R: Reclaim>() {
    let segments: &[usize] = if cfg!(miri) { &[1] } else { &[1, 2, 4] };
    for &segment in segments {
        let queue = LockFreeQueue::<u64, R>::unbounded_with_segment_capacity(segment);
        let half = segment.next_power_of_two();
        let mut next = 0;
        for failing in (0..=2 * half + 130).step_by(scaled(1, 65)) {
            // Cross into a new segment first, so the pops below run on a fresh one.
            for _ in 0..=segment {
                queue.push(next).unwrap();
                assert_eq!(queue.pop(), Some(next));
                next += 1;
            }
            for _ in 0..failing {
                assert_eq!(queue.pop(), None);
            }
            queue.push(next).unwrap();
            assert_eq!(
                queue.pop(),
                Some(next),
                "segments of {segment}, {failing} failed pops"
            );
            assert_eq!(queue.pop(), None);
            next += 1;
        }
    }
}

for_each_scheme!(
    constructors_report_capacity_segment_capacity_and_is_full => constructors_report_their_form,
    debug_names_the_form => debug_names_the_form,
    segment_capacity_zero_or_above_the_maximum_panics => zero_segment_capacity_panics,
    guards_from_another_domain_panic_for_the_unbounded_form => foreign_guards,
    guard_explicit_forms_work_through_registered_handles => guard_explicit_forms,
    works_behind_dyn_queue => queue_trait_objects,
    a_queue_moves_between_threads_with_its_segments => moved_between_threads,
    pops_on_an_empty_queue_do_not_hide_the_next_push => empty_pops_do_not_hide_the_next_push,
);
