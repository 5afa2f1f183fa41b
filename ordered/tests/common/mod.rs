//! Helpers shared by the integration tests: the comparator laws as checks on a few keys,
//! proptest configurations scaled for Miri, and value strategies that include the edge cases
//! (extremes, NaNs of both signs, signed zeros, empty and non-ASCII strings).
#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test crate uses a subset of the helpers"
)]

use core::cmp::Ordering;

use ccol_ordered::Comparator;
use proptest::{collection::vec, prelude::*, test_runner::Config};

mod scaled;
pub use scaled::scaled;

/// A proptest configuration with `cases` cases natively and a handful under Miri, no
/// failure-persistence files (Miri isolates the file system; CI has no use for them).
pub fn config(cases: usize) -> Config {
    Config {
        cases: scaled(cases, 4) as u32,
        failure_persistence: None,
        max_shrink_iters: scaled(4096, 16) as u32,
        ..Config::default()
    }
}

/// Checks every law on the keys `a`, `b`, `c` (all orders of them): reflexivity,
/// antisymmetry, transitivity of `≤` and `<` and `=`, and determinism (a second call gives the
/// same answer).
pub fn check_laws<K: ?Sized, C: Comparator<K>>(
    order: &C,
    a: &K,
    b: &K,
    c: &K,
) -> Result<(), TestCaseError> {
    let keys = [a, b, c];
    for x in keys {
        prop_assert_eq!(order.compare(x, x), Ordering::Equal, "not reflexive");
        for y in keys {
            let xy = order.compare(x, y);
            prop_assert_eq!(xy, order.compare(y, x).reverse(), "not antisymmetric");
            prop_assert_eq!(xy, order.compare(x, y), "not deterministic");
            for z in keys {
                let (yz, xz) = (order.compare(y, z), order.compare(x, z));
                if xy.is_le() && yz.is_le() {
                    prop_assert!(xz.is_le(), "≤ not transitive");
                }
                if xy.is_lt() && yz.is_le() || xy.is_le() && yz.is_lt() {
                    prop_assert!(xz.is_lt(), "< not transitive");
                }
                if xy.is_eq() && yz.is_eq() {
                    prop_assert!(xz.is_eq(), "= not transitive");
                }
            }
        }
    }
    Ok(())
}

/// Sorts `values` with `order` through `sort_by` and checks the result: a permutation of the
/// input (same multiset, by `order`), with no adjacent pair out of order, and every pair of
/// positions `i < j` ordered `≤` (not just neighbours: a lawless comparator can pass the
/// adjacent check).
pub fn check_sort<K: Clone, C: Comparator<K>>(
    order: &C,
    values: &[K],
) -> Result<Vec<K>, TestCaseError> {
    let mut sorted = values.to_vec();
    sorted.sort_by(|x, y| order.compare(x, y));
    prop_assert_eq!(sorted.len(), values.len());
    for (i, x) in sorted.iter().enumerate() {
        for y in &sorted[i + 1..] {
            prop_assert!(
                order.compare(x, y).is_le(),
                "sort_by left a pair out of order"
            );
        }
    }
    // Each input value occurs as often in the output as in the input (by `order`'s equality,
    // which for the lawful orders tested here is equality of values).
    for x in values {
        let count = |list: &[K]| list.iter().filter(|y| order.compare(x, y).is_eq()).count();
        prop_assert_eq!(count(values), count(&sorted));
    }
    Ok(sorted)
}

/// `f64`s that reach every class: any bit pattern (NaNs of both signs and many payloads,
/// subnormals, infinities), plus the named edge values often enough to pair up.
pub fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => any::<u64>().prop_map(f64::from_bits),
        1 => prop::sample::select(vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN.abs(),
            -f64::NAN.abs(),
        ]),
    ]
}

/// `i64`s with the extremes and small values over-represented.
pub fn any_i64() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => any::<i64>(),
        1 => -3_i64..=3,
        1 => prop::sample::select(vec![i64::MIN, i64::MIN + 1, i64::MAX - 1, i64::MAX]),
    ]
}

/// Short strings, empty and non-ASCII included: mostly from a small alphabet (so equal
/// strings and shared prefixes are common), sometimes of any characters. Built from `char`s
/// rather than a regex: generating from a regex is slow under Miri.
pub fn any_string() -> impl Strategy<Value = String> {
    const ALPHABET: &[char] = &['a', 'b', 'A', 'B', '\u{e9}', '\u{1F600}'];
    prop_oneof![
        3 => vec(prop::sample::select(ALPHABET), 0..=4).prop_map(String::from_iter),
        1 => vec(any::<char>(), 0..=scaled(12, 3)).prop_map(String::from_iter),
    ]
}

/// The size range of a generated collection: up to `normal` elements natively, `miri` under
/// Miri.
pub const fn up_to(normal: usize, miri: usize) -> core::ops::Range<usize> {
    0..scaled(normal, miri) + 1
}
