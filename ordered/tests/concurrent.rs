//! Comparators are shared by every thread that uses a collection: four threads calling one
//! comparator of each kind at the same time (through `&C`, as a shared collection does) get
//! exactly the answers a single thread gets, key for key.

mod common;

use core::cmp::Ordering;
use std::thread;

use ccol_ordered::{Comparator, CompareBorrowed, Natural, Reverse, TotalOrd, by_key, from_fn};
use common::scaled;

const THREADS: usize = 4;

/// Deterministic pseudo-random `u64`s (xorshift64*), so every run and every thread sees the
/// same keys.
fn keys(count: usize, mut state: u64) -> Vec<u64> {
    (0..count)
        .map(|_| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D)
        })
        .collect()
}

/// Every ordered pair of `keys` compared by `answer`, in a fixed order.
fn answers<K>(keys: &[K], answer: impl Fn(&K, &K) -> Ordering) -> Vec<Ordering> {
    keys.iter()
        .flat_map(|a| keys.iter().map(move |b| (a, b)))
        .map(|(a, b)| answer(a, b))
        .collect()
}

/// Runs `answer` over all pairs on this thread, then on [`THREADS`] threads at once, and
/// checks that every thread got the single-thread answers.
fn same_answers_on_every_thread<K: Sync>(keys: &[K], answer: impl Fn(&K, &K) -> Ordering + Sync) {
    let expected = answers(keys, &answer);
    let got: Vec<Vec<Ordering>> = thread::scope(|s| {
        let handles: Vec<_> = (0..THREADS)
            .map(|_| s.spawn(|| answers(keys, &answer)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (thread, answers) in got.iter().enumerate() {
        assert!(answers == &expected, "thread {thread} disagreed");
    }
    // The answers are the orders they claim, not just consistent between threads.
    assert!(expected.iter().any(|o| o.is_lt()) || keys.len() < 2);
}

#[test]
fn concurrent_natural_reverse_and_closure_comparators_agree_with_one_thread() {
    let n = scaled(48, 6);
    let ints = keys(n, 0x9E37_79B9_7F4A_7C15);
    let natural = Natural;
    let reverse = Reverse::new(Natural);
    let low_bits = from_fn(|a: &u64, b: &u64| (a & 0xFF, a).cmp(&(b & 0xFF, b)));
    same_answers_on_every_thread(&ints, |a, b| natural.compare(a, b));
    same_answers_on_every_thread(&ints, |a, b| reverse.compare(a, b));
    same_answers_on_every_thread(&ints, |a, b| low_bits.compare(a, b));
    // Spot-check against the definitions, so agreement is with the right answers.
    let (a, b) = (&ints[0], &ints[1]);
    assert_eq!(natural.compare(a, b), a.cmp(b));
    assert_eq!(reverse.compare(a, b), b.cmp(a));
    assert_eq!(low_bits.compare(a, b), (a & 0xFF, a).cmp(&(b & 0xFF, b)));
}

#[test]
fn concurrent_borrowed_key_and_float_comparators_agree_with_one_thread() {
    let n = scaled(32, 5);
    let strings: Vec<String> = keys(n, 7)
        .iter()
        .map(|k| format!("{:x}", k % 4096))
        .collect();
    let reverse = Reverse::new(Natural);
    same_answers_on_every_thread(&strings, |a, b| reverse.compare_borrowed(a, b.as_str()));

    let by_digits = by_key(|s: &String| s.bytes().filter(u8::is_ascii_digit).count());
    let derived: Vec<usize> = strings.iter().map(|s| by_digits.extract(s)).collect();
    same_answers_on_every_thread(&derived, |a, b| by_digits.compare_extracted(a, b));

    let floats: Vec<TotalOrd<f64>> = keys(n, 11)
        .into_iter()
        .map(|bits| TotalOrd(f64::from_bits(bits)))
        .collect();
    same_answers_on_every_thread(&floats, |a, b| Natural.compare(a, b));
    assert_eq!(
        Natural.compare(&floats[0], &floats[1]),
        floats[0].0.total_cmp(&floats[1].0)
    );
}
