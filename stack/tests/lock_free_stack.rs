#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! `LockFreeStack`'s API, under both schemes: LIFO order, peeking, lengths, `FromIterator` and
//! `Extend`, `Debug`, guards from another domain, the guard-explicit (no_std-style) forms,
//! values crossing threads, heap and zero-sized payloads dropped exactly once, and `flush`
//! freeing popped nodes.

mod common;

use core::{cell::Cell, panic::AssertUnwindSafe};
use std::{panic::catch_unwind, thread};

use ccol_atomics::sync::atomic::{AtomicBool, Ordering};
use ccol_reclaim::Reclaim;
use ccol_stack::{Elimination, LockFreeStack};
use common::{Tracker, for_each_scheme, scaled, thread_marked};

for_each_scheme!(
    pops_in_lifo_order => lifo_order,
    peek_sees_the_top_without_removing_it => peek_and_peek_copied,
    len_and_is_empty_follow_pushes_and_pops => len_and_is_empty,
    from_iter_and_extend_leave_the_last_item_on_top => from_iter_and_extend,
    debug_names_the_scheme_and_the_settings => debug_output,
    guards_from_another_domain_panic => foreign_guards_panic,
    guard_explicit_forms_work_through_a_registered_handle => guard_explicit_forms,
    values_pushed_on_one_thread_pop_on_another => cross_thread,
    heap_payloads_are_dropped_exactly_once => heap_payloads,
    zero_sized_values_are_counted_and_dropped => zero_sized,
    flush_frees_the_nodes_of_popped_values => flush_reclaims,
    settings_are_kept_and_default_is_new => settings,
);

fn lifo_order<R: Reclaim>() {
    for elimination in [Elimination::new(), Elimination::disabled()] {
        let stack = LockFreeStack::<u32, R>::with_elimination(elimination);
        assert_eq!(stack.pop(), None);
        for v in 0..10 {
            stack.push(v);
        }
        for v in (5..10).rev() {
            assert_eq!(stack.pop(), Some(v));
        }
        stack.push(100);
        assert_eq!(stack.pop(), Some(100));
        for v in (0..5).rev() {
            assert_eq!(stack.pop(), Some(v));
        }
        assert_eq!(stack.pop(), None);
        assert_eq!(stack.pop(), None);
    }
}

fn peek_and_peek_copied<R: Reclaim>() {
    let stack = LockFreeStack::<u64, R>::new();
    assert_eq!(stack.peek_copied(), None);
    stack.push(1);
    stack.push(2);
    assert_eq!(stack.peek_copied(), Some(2));
    {
        let guard = stack.domain().pin();
        let top = stack.peek(&guard);
        assert_eq!(top, Some(&2));
        // The reference stays valid (and unchanged) after a pop, while the guard lives.
        assert_eq!(stack.pop_guarded(&guard), Some(2));
        assert_eq!(top, Some(&2));
        assert_eq!(stack.peek(&guard), Some(&1));
    }
    assert_eq!(stack.len(), 1, "peeking removed a value");
    assert_eq!(stack.pop(), Some(1));
    assert_eq!(stack.peek_copied(), None);
}

fn len_and_is_empty<R: Reclaim>() {
    let stack = LockFreeStack::<u8, R>::new();
    assert!(stack.is_empty());
    assert_eq!(stack.len(), 0);
    let total = scaled(20, 6) as u8;
    for n in 1..=total {
        stack.push(n);
        assert_eq!(stack.len(), usize::from(n));
        assert!(!stack.is_empty());
    }
    let handle = stack.register().unwrap();
    let guard = handle.pin();
    assert_eq!(stack.len_guarded(&guard), usize::from(total));
    for n in (0..usize::from(total)).rev() {
        assert!(stack.pop_guarded(&guard).is_some());
        assert_eq!(stack.len_guarded(&guard), n);
    }
    assert!(stack.is_empty());
    drop(guard);
    assert_eq!(stack.len(), 0);
}

fn from_iter_and_extend<R: Reclaim>() {
    let mut stack: LockFreeStack<u32, R> = (0..5).collect();
    assert_eq!(stack.len(), 5);
    assert_eq!(stack.peek_copied(), Some(4));
    stack.extend([10, 11]);
    stack.push(12);
    let drained: Vec<u32> = core::iter::from_fn(|| stack.pop()).collect();
    assert_eq!(drained, [12, 11, 10, 4, 3, 2, 1, 0]);
    // `Extend` on a stack that was used concurrently (and has retired nodes) still links.
    stack.push(1);
    assert_eq!(stack.pop(), Some(1));
    stack.extend(Vec::new());
    assert!(stack.is_empty());
    stack.extend([7]);
    assert_eq!(stack.pop(), Some(7));
    // An empty iterator builds an empty stack with the default settings.
    let empty: LockFreeStack<u32, R> = core::iter::empty().collect();
    assert!(empty.is_empty());
    assert_eq!(empty.elimination(), Elimination::new());
}

fn debug_output<R: Reclaim>() {
    let stack = LockFreeStack::<u8, R>::with_elimination(Elimination::new().slots(2));
    let text = format!("{stack:?}");
    assert!(text.starts_with("LockFreeStack"), "{text}");
    assert!(text.contains(R::NAME), "{text}");
    assert!(text.contains("is_empty: true"), "{text}");
    assert!(text.contains("slots: 2"), "{text}");
    stack.push(1);
    let text = format!("{stack:?}");
    assert!(text.contains("is_empty: false"), "{text}");
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

fn foreign_guards_panic<R: Reclaim>() {
    let tracker = Tracker::new(2);
    let stack = LockFreeStack::<common::Payload<'_>, R>::new();
    let copies = LockFreeStack::<u64, R>::new();
    let other = LockFreeStack::<u64, R>::new();
    stack.push(tracker.payload());
    copies.push(5);
    let foreign = other.domain().pin();
    assert_panics_for_foreign_guard(|| stack.push_guarded(tracker.payload(), &foreign));
    // The rejected value was dropped by the unwinding, once.
    assert_eq!(tracker.drops_of(1), 1);
    assert_panics_for_foreign_guard(|| {
        let _ = stack.pop_guarded(&foreign);
    });
    assert_panics_for_foreign_guard(|| {
        let _ = copies.peek(&foreign);
    });
    assert_panics_for_foreign_guard(|| {
        let _ = stack.len_guarded(&foreign);
    });
    drop(foreign);
    // Nothing changed: the stacks still hold their values.
    assert_eq!(stack.pop().map(|p| p.check()), Some(0));
    assert_eq!(copies.pop(), Some(5));
    tracker.assert_all_dropped_once();
}

fn guard_explicit_forms<R: Reclaim>() {
    let stack = LockFreeStack::<u64, R>::new();
    let per_thread = scaled(200, 10) as u64;
    thread::scope(|s| {
        for t in 0..2u64 {
            let stack = &stack;
            s.spawn(move || {
                let handle = stack.register().expect("an unbounded domain");
                for i in 0..per_thread {
                    // One guard per operation, as a no_std caller would pin.
                    stack.push_guarded(t * per_thread + i, &handle.pin());
                }
                handle.flush();
                assert!(!handle.is_pinned());
            });
        }
    });
    let handle = stack.register().unwrap();
    let guard = handle.pin();
    assert!(handle.is_pinned());
    assert_eq!(stack.len_guarded(&guard), 2 * per_thread as usize);
    let top = *stack.peek(&guard).unwrap();
    let mut seen = Vec::new();
    while let Some(v) = stack.pop_guarded(&guard) {
        seen.push(v);
    }
    assert_eq!(seen[0], top);
    // Each thread's values come out in the reverse of its own push order.
    for t in 0..2 {
        let mine: Vec<u64> = seen
            .iter()
            .copied()
            .filter(|v| v / per_thread == t)
            .collect();
        assert!(mine.windows(2).all(|w| w[0] > w[1]), "thread {t}: {mine:?}");
    }
    common::assert_exactly_once(seen, 2 * per_thread);
    // Nested guards of the same handle work too.
    let inner = handle.pin();
    stack.push_guarded(9, &inner);
    assert_eq!(stack.pop_guarded(&guard), Some(9));
}

fn cross_thread<R: Reclaim>() {
    let n = scaled(2_000, 10);
    let stack = LockFreeStack::<String, R>::new();
    // Sequentially: pushed on one thread, popped on another.
    thread::scope(|s| {
        s.spawn(|| (0..n).for_each(|i| stack.push(i.to_string())));
    });
    let popped = thread::scope(|s| {
        s.spawn(|| core::iter::from_fn(|| stack.pop()).collect::<Vec<_>>())
            .join()
            .unwrap()
    });
    let want: Vec<String> = (0..n).rev().map(|i| i.to_string()).collect();
    assert_eq!(popped, want);
    // Concurrently: a producer and a consumer, which stops at the first empty pop after the
    // producer is done (so a lost value fails the test instead of hanging it).
    let produced = AtomicBool::new(false);
    let got = thread::scope(|s| {
        s.spawn(|| {
            (0..n).for_each(|i| stack.push(i.to_string()));
            // Release: pairs with the consumer's Acquire load; every push comes before.
            produced.store(true, Ordering::Release);
        });
        let consumer = s.spawn(|| {
            let mut got = Vec::with_capacity(n);
            loop {
                // Acquire: pairs with the producer's Release store. Loaded before the pop,
                // so an empty pop after it means every value has been taken.
                let done = produced.load(Ordering::Acquire);
                match stack.pop() {
                    Some(v) => got.push(v.parse::<u64>().unwrap()),
                    None if done => break got,
                    None => thread::yield_now(),
                }
            }
        });
        consumer.join().unwrap()
    });
    common::assert_exactly_once(got, n as u64);
    assert!(stack.is_empty());
}

fn heap_payloads<R: Reclaim>() {
    let n = scaled(100, 8);
    let tracker = Tracker::new(2 * n);
    {
        let boxes = LockFreeStack::<Box<common::Payload<'_>>, R>::new();
        let strings = LockFreeStack::<String, R>::new();
        for i in 0..n {
            boxes.push(Box::new(tracker.payload()));
            strings.push(format!("value {i}"));
        }
        // Half popped and dropped by the caller, half left for the stack's `Drop`.
        for i in (n / 2..n).rev() {
            assert_eq!(boxes.pop().unwrap().check(), i as u64);
            assert_eq!(strings.pop().unwrap(), format!("value {i}"));
        }
        assert_eq!(tracker.dropped(), n - n / 2);
        boxes.flush();
        tracker.assert_no_double_drop();
        assert_eq!(
            tracker.dropped(),
            n - n / 2,
            "reclaiming a node dropped its value"
        );
    }
    for _ in 0..n {
        drop(tracker.payload());
    }
    tracker.assert_all_dropped_once();
}

fn zero_sized<R: Reclaim>() {
    std::thread_local! {
        /// Drops of `Zst` on this thread (the test drops every one on its own thread).
        static DROPS: Cell<usize> = const { Cell::new(0) };
    }
    struct Zst;
    impl Drop for Zst {
        fn drop(&mut self) {
            DROPS.with(|d| d.set(d.get() + 1));
        }
    }
    let n = scaled(300, 10);
    let units = LockFreeStack::<(), R>::new();
    for _ in 0..n {
        units.push(());
    }
    assert_eq!(units.len(), n);
    assert_eq!(core::iter::from_fn(|| units.pop()).count(), n);
    assert!(units.is_empty());
    let stack = LockFreeStack::<Zst, R>::new();
    for _ in 0..n {
        stack.push(Zst);
    }
    let popped: Vec<Zst> = (0..n / 2).map(|_| stack.pop().unwrap()).collect();
    assert_eq!(stack.len(), n - n / 2);
    stack.flush();
    assert_eq!(
        DROPS.with(Cell::get),
        0,
        "reclaiming a node dropped its value"
    );
    drop(popped);
    assert_eq!(DROPS.with(Cell::get), n / 2);
    drop(stack);
    assert_eq!(DROPS.with(Cell::get), n, "drops do not balance");
}

fn flush_reclaims<R: Reclaim>() {
    let n = scaled(40, 6);
    let tracker = Tracker::new(n);
    let stack = LockFreeStack::<common::Payload<'_>, R>::new();
    // Marked allocations are the payload nodes; this thread alone allocates and frees them.
    let baseline = thread_marked();
    for _ in 0..n {
        stack.push(tracker.payload());
    }
    assert_eq!(thread_marked() - baseline, n as isize, "one node per value");
    for i in (0..n as u64).rev() {
        assert_eq!(stack.pop().unwrap().check(), i);
    }
    assert_eq!(tracker.dropped(), n);
    stack.flush();
    assert_eq!(
        thread_marked() - baseline,
        0,
        "popped nodes are still allocated after a flush with no guard active"
    );
    tracker.assert_all_dropped_once();
    drop(stack);
    assert_eq!(thread_marked() - baseline, 0);
}

fn settings<R: Reclaim>() {
    let tuned = Elimination::new()
        .slots(8)
        .spin_budget(5)
        .trigger_after_failures(3);
    let stack = LockFreeStack::<u8, R>::with_elimination(tuned);
    assert_eq!(stack.elimination(), tuned);
    assert_eq!(stack.elimination().slot_count(), 8);
    assert_eq!(stack.elimination().spin_budget_value(), 5);
    assert_eq!(stack.elimination().trigger(), 3);
    assert_eq!(
        LockFreeStack::<u8, R>::default().elimination(),
        Elimination::new()
    );
    let off = LockFreeStack::<u8, R>::with_elimination(Elimination::disabled());
    assert!(!off.elimination().is_enabled());
    off.push(3);
    assert_eq!(off.pop(), Some(3));
}
