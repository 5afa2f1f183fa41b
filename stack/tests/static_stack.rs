#![cfg(not(ccol_loom))]
//! `StaticStack`'s API: use as a `static`, capacities 0 and 1, "full" handing the value back,
//! nodes reused far beyond `N` operations, `Drop` dropping what is left, `MAX_CAPACITY`,
//! `len`, `Debug` and `Default`. Needs no crate features.

mod common;

use std::thread;

use ccol_stack::StaticStack;
use common::{Tracker, scaled};

#[test]
fn a_static_is_shared_between_threads() {
    static SHARED: StaticStack<u32, 64> = StaticStack::new();
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
    // Each thread's values come out in the reverse of its push order.
    for t in 0..4 {
        let mine: Vec<u32> = seen.iter().copied().filter(|v| v / 100 == t).collect();
        assert!(mine.windows(2).all(|w| w[0] > w[1]), "thread {t}: {mine:?}");
    }
    seen.sort_unstable();
    let want: Vec<u32> = (0..4)
        .flat_map(|t| (0..per_thread).map(move |i| t * 100 + i))
        .collect();
    assert_eq!(seen, want);
    assert!(SHARED.is_empty());
}

#[test]
fn lifo_order_and_exact_len() {
    let stack = StaticStack::<u16, 8>::new();
    assert_eq!(stack.capacity(), 8);
    assert!(stack.is_empty());
    assert_eq!(stack.len(), 0);
    for v in 0..5 {
        stack.push(v).unwrap();
        assert_eq!(stack.len(), usize::from(v) + 1);
    }
    assert_eq!(stack.pop(), Some(4));
    assert_eq!(stack.pop(), Some(3));
    stack.push(10).unwrap();
    assert_eq!(stack.len(), 4);
    let rest: Vec<u16> = core::iter::from_fn(|| stack.pop()).collect();
    assert_eq!(rest, [10, 2, 1, 0]);
    assert!(stack.is_empty());
    assert_eq!(stack.pop(), None);
}

#[test]
fn capacity_zero_refuses_every_push() {
    let stack = StaticStack::<String, 0>::new();
    assert_eq!(stack.capacity(), 0);
    assert_eq!(stack.push("a".to_owned()), Err("a".to_owned()));
    assert_eq!(stack.pop(), None);
    assert!(stack.is_empty());
    assert_eq!(stack.len(), 0);
}

#[test]
fn capacity_one_holds_one_value() {
    let tracker = Tracker::new(4);
    let stack = StaticStack::<common::Payload<'_>, 1>::new();
    assert!(stack.push(tracker.payload()).is_ok());
    let back = stack.push(tracker.payload()).unwrap_err();
    assert_eq!(
        back.check(),
        1,
        "full must hand back the value it was given"
    );
    assert_eq!(tracker.dropped(), 0);
    assert_eq!(stack.len(), 1);
    assert_eq!(stack.pop().map(|p| p.check()), Some(0));
    assert!(stack.push(back).is_ok());
    assert_eq!(stack.pop().map(|p| p.check()), Some(1));
    assert_eq!(stack.pop().map(|p| p.check()), None);
    tracker.assert_all_dropped_once();
}

#[test]
fn full_returns_the_value_and_keeps_the_contents() {
    let stack = StaticStack::<String, 3>::new();
    for s in ["a", "b", "c"] {
        stack.push(s.to_owned()).unwrap();
    }
    for _ in 0..3 {
        assert_eq!(stack.push("late".to_owned()), Err("late".to_owned()));
    }
    assert_eq!(stack.len(), 3);
    assert_eq!(stack.pop().as_deref(), Some("c"));
    stack.push("d".to_owned()).unwrap();
    assert_eq!(stack.push("e".to_owned()), Err("e".to_owned()));
    let rest: Vec<String> = core::iter::from_fn(|| stack.pop()).collect();
    assert_eq!(rest, ["d", "b", "a"]);
}

#[test]
fn freed_nodes_are_reused_far_beyond_n_operations() {
    let rounds = scaled(20_000, 200);
    let stack = StaticStack::<usize, 3>::new();
    // Fill and drain in varying depths, so nodes return to the free list in varying orders.
    for round in 0..rounds {
        let depth = 1 + round % 3;
        for k in 0..depth {
            stack.push(round * 4 + k).unwrap();
        }
        if depth == 3 {
            assert_eq!(stack.push(usize::MAX), Err(usize::MAX));
        }
        for k in (0..depth).rev() {
            assert_eq!(stack.pop(), Some(round * 4 + k));
        }
        assert!(stack.is_empty());
    }
    // Interleaved: keep one value at the bottom the whole time.
    stack.push(7).unwrap();
    for round in 0..rounds {
        stack.push(round).unwrap();
        stack.push(round + 1).unwrap();
        assert_eq!(stack.pop(), Some(round + 1));
        assert_eq!(stack.pop(), Some(round));
    }
    assert_eq!(stack.pop(), Some(7));
    assert_eq!(stack.pop(), None);
}

#[test]
fn drop_drops_the_remaining_values_once() {
    let tracker = Tracker::new(64);
    {
        let stack = StaticStack::<common::Payload<'_>, 16>::new();
        for _ in 0..10 {
            stack.push(tracker.payload()).unwrap();
        }
        for want in (6..10).rev() {
            assert_eq!(stack.pop().map(|p| p.check()), Some(want));
        }
        assert_eq!(tracker.dropped(), 4);
        // Reuse some freed nodes before the drop.
        stack.push(tracker.payload()).unwrap();
        stack.push(tracker.payload()).unwrap();
        assert_eq!(stack.len(), 8);
    }
    tracker.assert_all_dropped_once();
    // An empty stack (and one never used) drops nothing.
    drop(StaticStack::<common::Payload<'_>, 4>::new());
    assert_eq!(tracker.dropped(), tracker.created());
}

#[test]
fn max_capacity_is_set_by_the_index_width() {
    let max = StaticStack::<u8, 1>::MAX_CAPACITY;
    // The same for every element type and capacity.
    assert_eq!(StaticStack::<String, 0>::MAX_CAPACITY, max);
    assert_eq!(StaticStack::<[u64; 4], 1000>::MAX_CAPACITY, max);
    // Compared as u64: 2^32 - 2 does not fit a 32-bit usize literal expression.
    let max = u64::try_from(max).expect("usize fits u64");
    if cfg!(target_has_atomic = "64") {
        assert_eq!(
            max,
            (1u64 << 32) - 2,
            "32-bit index on targets with 64-bit atomics"
        );
    } else {
        assert_eq!(
            max,
            (1u64 << 16) - 2,
            "16-bit index on targets with only 32-bit atomics"
        );
    }
}

#[test]
fn a_large_pool_fills_exactly_to_capacity() {
    const N: usize = 1024;
    let stack = Box::new(StaticStack::<u32, N>::new());
    let limit = scaled(N, 64);
    for v in 0..limit as u32 {
        stack.push(v).unwrap();
    }
    if limit == N {
        assert_eq!(stack.push(u32::MAX), Err(u32::MAX));
    }
    assert_eq!(stack.len(), limit);
    assert_eq!(stack.pop(), Some(limit as u32 - 1));
}

#[test]
fn debug_and_default() {
    let stack: StaticStack<u8, 5> = StaticStack::default();
    stack.push(1).unwrap();
    stack.push(2).unwrap();
    let text = format!("{stack:?}");
    assert!(text.starts_with("StaticStack"), "{text}");
    assert!(text.contains("capacity: 5"), "{text}");
    assert!(text.contains("len: 2"), "{text}");
}

#[test]
fn zero_sized_values() {
    let stack = StaticStack::<(), 4>::new();
    for _ in 0..4 {
        stack.push(()).unwrap();
    }
    assert_eq!(stack.push(()), Err(()));
    assert_eq!(stack.len(), 4);
    assert_eq!(core::iter::from_fn(|| stack.pop()).count(), 4);
}

#[test]
fn moving_a_stack_moves_its_values() {
    let stack = StaticStack::<String, 4>::new();
    stack.push("kept".to_owned()).unwrap();
    let moved = thread::spawn(move || {
        stack.push("more".to_owned()).unwrap();
        stack
    })
    .join()
    .unwrap();
    assert_eq!(moved.pop().as_deref(), Some("more"));
    assert_eq!(moved.pop().as_deref(), Some("kept"));
}
