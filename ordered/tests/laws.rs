//! The comparator laws (reflexive, antisymmetric, transitive, deterministic) as property
//! tests for every comparator kind over random `i64`, `f64` and `String` keys, and their
//! agreement with what std sorts: `Natural` is `Ord`, `Reverse` its inverse, a closure
//! comparator its closure, `by_key` the order of the extracted keys, `TotalOrd` the IEEE
//! total order (`f64::total_cmp`) with `Eq` and `Hash` consistent with it.

mod common;

use core::{cmp::Ordering, hash::BuildHasher};
use std::hash::RandomState;

use ccol_ordered::{
    Comparator, FnComparator, KeyComparator, KeyExtractor, Natural, Reverse, TotalOrd, by_key,
    from_fn,
};
use common::{any_f64, any_i64, any_string, check_laws, check_sort, config, up_to};
use proptest::{collection::vec, prelude::*};

/// Test-only adapter: compares two keys through a `KeyComparator` by extracting both, so the
/// generic law and sort checks apply to the order it induces on keys. (The crate offers no
/// such comparator on purpose: collections extract once per key, `tests/key_extraction.rs`.)
struct Extracting<'a, E, C>(&'a KeyComparator<E, C>);

impl<K: ?Sized, E, C> Comparator<K> for Extracting<'_, E, C>
where
    E: KeyExtractor<K>,
    C: Comparator<E::Key>,
{
    fn compare(&self, a: &K, b: &K) -> Ordering {
        self.0
            .compare_extracted(&self.0.extract(a), &self.0.extract(b))
    }
}

/// A lawful closure order on `i64`: by magnitude, negative before positive at equal magnitude.
fn by_magnitude() -> FnComparator<impl Fn(&i64, &i64) -> Ordering + Copy> {
    from_fn(|a: &i64, b: &i64| (a.unsigned_abs(), *a).cmp(&(b.unsigned_abs(), *b)))
}

/// The bits of `f32`s: any pattern, with NaNs of both signs and signed zeros often enough to
/// meet (a random pattern is a NaN once in 256).
fn any_f32_bits() -> impl Strategy<Value = u32> {
    prop_oneof![
        3 => any::<u32>(),
        1 => prop::sample::select(vec![
            0x0000_0000, // +0.0
            0x8000_0000, // -0.0
            0x7FC0_0000, // quiet NaN
            0xFFC0_0000, // negative quiet NaN
            0x7F80_0001, // signalling NaN
            0x7F80_0000, // +inf
            0xFF80_0000, // -inf
        ]),
    ]
}

/// Compares through a generic `C`, so a reference argument uses the impl for `&C` (a method
/// call on a reference would resolve to the referent's impl).
fn through<K: ?Sized, C: Comparator<K>>(order: C, a: &K, b: &K) -> Ordering {
    order.compare(a, b)
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn natural_obeys_the_laws_on_i64_and_sorts_like_ord(
        (a, b, c) in (any_i64(), any_i64(), any_i64()),
        values in vec(any_i64(), up_to(32, 8)),
    ) {
        check_laws(&Natural, &a, &b, &c)?;
        prop_assert_eq!(Natural.compare(&a, &b), a.cmp(&b));
        let mut expected = values.clone();
        expected.sort();
        prop_assert_eq!(check_sort(&Natural, &values)?, expected);
    }

    #[test]
    fn natural_obeys_the_laws_on_strings_sized_and_unsized(
        (a, b, c) in (any_string(), any_string(), any_string()),
        values in vec(any_string(), up_to(16, 6)),
    ) {
        check_laws(&Natural, &a, &b, &c)?;
        check_laws::<str, _>(&Natural, &a, &b, &c)?;
        prop_assert_eq!(Natural.compare(a.as_str(), b.as_str()), a.cmp(&b));
        let mut expected = values.clone();
        expected.sort();
        prop_assert_eq!(check_sort(&Natural, &values)?, expected);
    }

    #[test]
    fn reverse_is_the_inverse_of_natural(
        (a, b, c) in (any_i64(), any_i64(), any_i64()),
        (s, t) in (any_string(), any_string()),
        values in vec(any_i64(), up_to(32, 8)),
    ) {
        let reverse = Reverse::new(Natural);
        check_laws(&reverse, &a, &b, &c)?;
        prop_assert_eq!(reverse.compare(&a, &b), Natural.compare(&a, &b).reverse());
        prop_assert_eq!(reverse.compare(&a, &b), Natural.compare(&b, &a));
        prop_assert_eq!(reverse.compare(&s, &t), s.cmp(&t).reverse());
        // Reversing twice is the original order.
        prop_assert_eq!(Reverse::new(reverse).compare(&a, &b), a.cmp(&b));
        let mut expected = values.clone();
        expected.sort_by(|x, y| y.cmp(x));
        prop_assert_eq!(check_sort(&reverse, &values)?, expected);
    }

    #[test]
    fn closure_comparators_obey_the_laws_and_sort_like_their_closure(
        (a, b, c) in (any_i64(), any_i64(), any_i64()),
        values in vec(any_i64(), up_to(32, 8)),
        (s, t, u) in (any_string(), any_string(), any_string()),
    ) {
        let magnitude = by_magnitude();
        check_laws(&magnitude, &a, &b, &c)?;
        let mut expected = values.clone();
        expected.sort_by_key(|x| (x.unsigned_abs(), *x));
        prop_assert_eq!(check_sort(&magnitude, &values)?, expected);
        // A reversed closure is the closure's inverse.
        prop_assert_eq!(
            Reverse::new(magnitude).compare(&a, &b),
            magnitude.compare(&b, &a)
        );
        // A closure over unsized keys: characters counted, then code points.
        let chars = from_fn(|x: &str, y: &str| {
            x.chars().count().cmp(&y.chars().count()).then_with(|| x.cmp(y))
        });
        check_laws::<str, _>(&chars, &s, &t, &u)?;
        // `Ord::cmp` as a function is `Natural`.
        prop_assert_eq!(from_fn(i64::cmp).compare(&a, &b), Natural.compare(&a, &b));
    }

    #[test]
    fn by_key_orders_keys_like_their_extracted_keys(
        (a, b, c) in (any_string(), any_string(), any_string()),
        values in vec(any_string(), up_to(16, 6)),
    ) {
        let by_chars = by_key(|s: &String| s.chars().count());
        let induced = Extracting(&by_chars);
        check_laws(&induced, &a, &b, &c)?;
        prop_assert_eq!(
            induced.compare(&a, &b),
            a.chars().count().cmp(&b.chars().count())
        );
        // Both sorts are stable and use the same key order, so the outputs are identical.
        let mut expected = values.clone();
        expected.sort_by_cached_key(|s| s.chars().count());
        prop_assert_eq!(check_sort(&induced, &values)?, expected);

        // With a reversed comparator of the extracted keys: the inverse order.
        let descending = KeyComparator::new(|s: &String| s.chars().count(), Reverse::new(Natural));
        let reversed = Extracting(&descending);
        check_laws(&reversed, &a, &b, &c)?;
        prop_assert_eq!(reversed.compare(&a, &b), induced.compare(&b, &a));
    }

    #[test]
    fn total_ord_obeys_the_laws_on_every_f64_and_sorts_like_total_cmp(
        (a, b, c) in (any_f64(), any_f64(), any_f64()),
        values in vec(any_f64(), up_to(32, 8)),
    ) {
        let (ta, tb, tc) = (TotalOrd(a), TotalOrd(b), TotalOrd(c));
        check_laws(&Natural, &ta, &tb, &tc)?;
        check_laws(&Reverse::new(Natural), &ta, &tb, &tc)?;
        prop_assert_eq!(ta.cmp(&tb), a.total_cmp(&b));
        // Eq, Ord and Hash agree: equal exactly when the bits are, and equal keys hash alike.
        prop_assert_eq!(ta == tb, ta.cmp(&tb).is_eq());
        prop_assert_eq!(ta == tb, a.to_bits() == b.to_bits());
        let hasher = RandomState::new();
        if ta == tb {
            prop_assert_eq!(hasher.hash_one(ta), hasher.hash_one(tb));
        }
        // Ordinary numbers keep their usual order (zeros aside: -0.0 < +0.0 here).
        if !(a.is_nan() || b.is_nan() || (a == 0.0 && b == 0.0)) {
            prop_assert_eq!(Some(ta.cmp(&tb)), a.partial_cmp(&b));
        }
        let wrapped: Vec<TotalOrd<f64>> = values.iter().copied().map(TotalOrd).collect();
        let mut expected = values.clone();
        expected.sort_by(f64::total_cmp);
        let sorted = check_sort(&Natural, &wrapped)?;
        prop_assert_eq!(
            sorted.iter().map(|x| x.0.to_bits()).collect::<Vec<_>>(),
            expected.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn total_ord_obeys_the_laws_on_every_f32(bits in [any_f32_bits(), any_f32_bits(), any_f32_bits()]) {
        let [a, b, c] = bits.map(|x| TotalOrd(f32::from_bits(x)));
        check_laws(&Natural, &a, &b, &c)?;
        prop_assert_eq!(a.cmp(&b), a.0.total_cmp(&b.0));
        prop_assert_eq!(a == b, bits[0] == bits[1]);
        prop_assert!(a == a, "Eq is not reflexive (NaN)");
    }

    #[test]
    fn references_and_trait_objects_answer_like_the_comparator(
        (a, b) in (any_i64(), any_i64()),
    ) {
        let magnitude = by_magnitude();
        let dynamic: &dyn Comparator<i64> = &magnitude;
        let lent = &magnitude;
        prop_assert_eq!(through(lent, &a, &b), magnitude.compare(&a, &b));
        prop_assert_eq!(dynamic.compare(&a, &b), magnitude.compare(&a, &b));
        prop_assert_eq!(Reverse::new(dynamic).compare(&a, &b), magnitude.compare(&b, &a));
    }
}

/// The fixed points of the float order, spelled out (the property tests reach them by
/// chance only): both NaN signs at the ends, signed zeros apart, infinities inside the NaNs.
#[test]
fn total_ord_places_nans_zeros_and_infinities() {
    let nan = f64::NAN.abs();
    let mut values = [
        1.5,
        nan,
        -0.0,
        f64::INFINITY,
        -nan,
        0.0,
        f64::NEG_INFINITY,
        -1.5,
    ]
    .map(TotalOrd);
    values.sort();
    let bits = values.map(|TotalOrd(x)| x.to_bits());
    let expected = [
        -nan,
        f64::NEG_INFINITY,
        -1.5,
        -0.0,
        0.0,
        1.5,
        f64::INFINITY,
        nan,
    ]
    .map(f64::to_bits);
    assert_eq!(bits, expected);
    assert_eq!(TotalOrd(nan), TotalOrd(nan));
    assert_ne!(TotalOrd(nan), TotalOrd(-nan));
    assert_ne!(TotalOrd(0.0_f64), TotalOrd(-0.0));
    assert_eq!(TotalOrd::from(2.0_f32), TotalOrd(2.0));
}

/// The law checks themselves catch lawless comparators (so the property tests above can fail):
/// a cyclic order (not transitive), one that calls everything smaller (not antisymmetric, not
/// reflexive), and one that ignores its arguments' order on ties (not antisymmetric).
#[test]
fn the_law_checks_reject_lawless_comparators() {
    // Rock (0) < paper (1) < scissors (2) < rock.
    let cyclic = from_fn(|a: &u8, b: &u8| match (b + 3 - a) % 3 {
        0 => Ordering::Equal,
        1 => Ordering::Less,
        _ => Ordering::Greater,
    });
    assert!(check_laws(&cyclic, &0, &1, &2).is_err());
    let always_less = from_fn(|_: &u8, _: &u8| Ordering::Less);
    assert!(check_laws(&always_less, &0, &0, &0).is_err());
    let first_wins = from_fn(|a: &(u8, u8), b: &(u8, u8)| match a.0.cmp(&b.0) {
        Ordering::Equal if a.1 != b.1 => Ordering::Less,
        other => other,
    });
    assert!(check_laws(&first_wins, &(1, 0), &(1, 1), &(2, 0)).is_err());
    // And the lawful ones pass the same keys.
    assert!(check_laws(&Natural, &0_u8, &1, &2).is_ok());
    assert!(check_laws(&Natural, &(1_u8, 0_u8), &(1, 1), &(2, 0)).is_ok());
}
