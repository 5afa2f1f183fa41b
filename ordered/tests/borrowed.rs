//! Lookups by borrowed forms (`CompareBorrowed`): a probe orders like every key it is a
//! borrowed form of (`String` keys and `&str` probes, `Vec<u8>` and `[u8]`, `Box<str>` and
//! `str`), for `Natural`, `Reverse`, references and closure comparators (`K` probes only);
//! and a lookup helper shaped like a collection's `get<Q>` finds exactly the keys present.

mod common;

use core::cmp::Ordering;

use ccol_ordered::{Comparator, CompareBorrowed, Natural, Reverse, from_fn};
use common::{any_string, config, up_to};
use proptest::{collection::vec, prelude::*};

/// What a collection's `get<Q: ?Sized>(&self, probe: &Q) where C: CompareBorrowed<K, Q>`
/// does, on a slice kept sorted by `order`: the position of the key equal to `probe`.
fn find<K, Q: ?Sized, C: CompareBorrowed<K, Q>>(keys: &[K], order: &C, probe: &Q) -> Option<usize> {
    keys.binary_search_by(|key| order.compare_borrowed(key, probe))
        .ok()
}

/// `keys` sorted by `order` without duplicates: the contents of a set ordered by `order`.
fn set_of<K: Clone, C: Comparator<K>>(keys: &[K], order: &C) -> Vec<K> {
    let mut set = keys.to_vec();
    set.sort_by(|a, b| order.compare(a, b));
    set.dedup_by(|a, b| order.compare(a, b).is_eq());
    set
}

/// Compares through a generic `C`, so a reference argument uses the impl for `&C` (a method
/// call on a reference would resolve to the referent's impl).
fn through<K: ?Sized, Q: ?Sized, C: CompareBorrowed<K, Q>>(
    order: C,
    key: &K,
    probe: &Q,
) -> Ordering {
    order.compare_borrowed(key, probe)
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn a_str_probe_orders_like_its_string(k in any_string(), j in any_string()) {
        let natural = Natural.compare(&k, &j);
        prop_assert_eq!(Natural.compare_borrowed(&k, j.as_str()), natural);
        prop_assert_eq!(Reverse::new(Natural).compare_borrowed(&k, j.as_str()), natural.reverse());
        prop_assert_eq!(Reverse::new(Reverse::new(Natural)).compare_borrowed(&k, j.as_str()), natural);
        // Through references, and with the owned type as its own borrowed form.
        let reverse = Reverse::new(Natural);
        let lent: &Reverse = &reverse;
        prop_assert_eq!(through(lent, &k, j.as_str()), natural.reverse());
        prop_assert_eq!(Natural.compare_borrowed(&k, &j), natural);
        // Other owner/borrowed pairs of the same text.
        let (kb, jb) = (k.clone().into_bytes(), j.clone().into_bytes());
        prop_assert_eq!(Natural.compare_borrowed(&kb, jb.as_slice()), natural);
        let boxed: Box<str> = k.clone().into_boxed_str();
        prop_assert_eq!(Natural.compare_borrowed(&boxed, j.as_str()), natural);
    }

    #[test]
    fn closure_comparators_take_probes_of_the_key_type(k in any_string(), j in any_string()) {
        let by_len = from_fn(|a: &String, b: &String| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        prop_assert_eq!(by_len.compare_borrowed(&k, &j), by_len.compare(&k, &j));
        prop_assert_eq!(
            Reverse::new(by_len).compare_borrowed(&k, &j),
            by_len.compare(&k, &j).reverse()
        );
    }

    #[test]
    fn str_lookups_find_exactly_the_string_keys_present(
        keys in vec(any_string(), up_to(24, 6)),
        probes in vec(any_string(), up_to(8, 3)),
    ) {
        let ascending = set_of(&keys, &Natural);
        let descending = set_of(&keys, &Reverse::new(Natural));
        for probe in keys.iter().chain(&probes) {
            let present = keys.contains(probe);
            let up = find(&ascending, &Natural, probe.as_str());
            let down = find(&descending, &Reverse::new(Natural), probe.as_str());
            prop_assert_eq!(up.is_some(), present);
            prop_assert_eq!(down.is_some(), present);
            if let (Some(up), Some(down)) = (up, down) {
                prop_assert_eq!(&ascending[up], probe);
                prop_assert_eq!(&descending[down], probe);
                prop_assert_eq!(up + down + 1, ascending.len());
            }
        }
    }
}

#[test]
fn a_map_of_strings_answers_get_with_a_str() {
    let keys: Vec<String> = ["pear", "fig", "apple", "kiwi"].map(String::from).into();
    let map = set_of(&keys, &Reverse::new(Natural));
    assert_eq!(map, ["pear", "kiwi", "fig", "apple"]);
    assert_eq!(find(&map, &Reverse::new(Natural), "fig"), Some(2));
    assert_eq!(find(&map, &Reverse::new(Natural), "plum"), None);
    assert_eq!(find(&map, &Reverse::new(Natural), ""), None);
    assert_eq!(
        Natural.compare_borrowed(&String::from("b"), "a"),
        Ordering::Greater
    );
}
