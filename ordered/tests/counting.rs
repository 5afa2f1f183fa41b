#![cfg(all(
    feature = "stats",
    any(target_has_atomic = "ptr", feature = "portable-atomic")
))]
//! `Counting` (feature `stats`) counts exactly: one per `compare` and per `compare_borrowed`,
//! through references and wrappers, a panicking call included; as many as an independent
//! count of the same sort; `reset` hands back the count; and no increment is lost when four
//! threads compare at once.

mod common;

use core::{cell::Cell, cmp::Ordering, panic::AssertUnwindSafe};
use std::{panic, thread};

use ccol_ordered::{Comparator, CompareBorrowed, Counting, Natural, Reverse, from_fn};
use common::{any_i64, config, scaled, up_to};
use proptest::{collection::vec, prelude::*};

#[test]
fn every_call_counts_once_through_every_path() {
    let counting = Counting::new(Natural);
    assert_eq!(counting.count(), 0);
    assert_eq!(counting.compare(&1, &2), Ordering::Less);
    assert_eq!(counting.count(), 1);
    assert_eq!(
        counting.compare_borrowed(&String::from("b"), "a"),
        Ordering::Greater
    );
    assert_eq!(counting.count(), 2);
    // Lent by reference, and wrapped: each call still counts once.
    let lent = &counting;
    assert_eq!(lent.compare(&3, &3), Ordering::Equal);
    assert_eq!(Reverse::new(lent).compare(&1, &2), Ordering::Greater);
    assert_eq!(
        Reverse::new(lent).compare_borrowed(&String::new(), ""),
        Ordering::Equal
    );
    assert_eq!(counting.count(), 5);
    assert_eq!(counting.reset(), 5);
    assert_eq!(counting.count(), 0);
    assert_eq!(counting.reset(), 0);
    // A counting comparator inside a reversal counts as well.
    let reversed = Reverse::new(Counting::new(Natural));
    assert_eq!(reversed.compare(&1, &2), Ordering::Greater);
    assert_eq!(reversed.inner().count(), 1);
}

#[test]
fn a_call_that_panics_is_counted() {
    let calls = Cell::new(0_usize);
    let counting = Counting::new(from_fn(|a: &u32, b: &u32| {
        calls.set(calls.get() + 1);
        assert!(calls.get() != 3, "the third comparison panics");
        a.cmp(b)
    }));
    let results: Vec<bool> = (0..4)
        .map(|i| panic::catch_unwind(AssertUnwindSafe(|| counting.compare(&i, &2))).is_ok())
        .collect();
    assert_eq!(results, [true, true, false, true]);
    assert_eq!(counting.count(), 4);
}

#[test]
fn debug_default_and_into_inner_keep_the_count_and_the_comparator() {
    let counting: Counting<Reverse> = Counting::default();
    counting.compare(&1, &2);
    counting.compare(&2, &1);
    assert_eq!(
        format!("{counting:?}"),
        "Counting { inner: Reverse { inner: Natural }, count: 2 }"
    );
    assert_eq!(counting.inner(), &Reverse::new(Natural));
    assert_eq!(counting.into_inner(), Reverse::new(Natural));
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn the_count_of_a_sort_is_the_number_of_comparisons_it_made(
        values in vec(any_i64(), up_to(64, 12)),
    ) {
        // The same deterministic sort of the same input, counted independently by a closure.
        let calls = Cell::new(0_usize);
        let mut reference = values.clone();
        reference.sort_by(|a, b| {
            calls.set(calls.get() + 1);
            a.cmp(b)
        });
        let counting = Counting::new(Natural);
        let mut sorted = values;
        sorted.sort_by(|a, b| counting.compare(a, b));
        prop_assert_eq!(&sorted, &reference);
        prop_assert_eq!(counting.count(), calls.get());
    }
}

#[test]
fn concurrent_comparisons_from_four_threads_are_all_counted() {
    const THREADS: usize = 4;
    let per_thread = scaled(20_000, 50);
    let counting = Counting::new(Reverse::new(Natural));
    thread::scope(|s| {
        for t in 0..THREADS {
            let counting = &counting;
            s.spawn(move || {
                for i in 0..per_thread {
                    // Half through `compare`, half through `compare_borrowed`.
                    let answer = if i % 2 == 0 {
                        counting.compare(&i, &t)
                    } else {
                        counting.compare_borrowed(&i, &t)
                    };
                    assert_eq!(answer, t.cmp(&i));
                }
            });
        }
    });
    // The scope joined every thread, which orders their increments before this read.
    assert_eq!(counting.count(), THREADS * per_thread);
    assert_eq!(counting.reset(), THREADS * per_thread);
}
