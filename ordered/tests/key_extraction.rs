//! Key extraction happens once per key: a minimal sorted container that follows the protocol
//! of `KeyComparator` (extract at insertion and store, extract each probe once, compare stored
//! derived keys only) calls the extractor exactly once per insertion and once per lookup,
//! however many comparisons the operations make, and answers like a `BTreeMap` keyed by the
//! derived key. The skip lists will repeat this count on the real collections.

mod common;

extern crate alloc;

use alloc::collections::BTreeMap;
use core::{cell::Cell, cmp::Ordering};

use ccol_ordered::{Comparator, KeyComparator, KeyExtractor, Natural, Reverse, by_key, from_fn};
use common::{any_string, config, up_to};
use proptest::{collection::vec, prelude::*};

/// A sorted vector of `(derived key, key)` entries ordered by a `KeyComparator`: the protocol a
/// collection follows, without the concurrency.
struct SortedEntries<K, E: KeyExtractor<K>, C> {
    order: KeyComparator<E, C>,
    entries: Vec<(E::Key, K)>,
}

impl<K, E: KeyExtractor<K>, C: Comparator<E::Key>> SortedEntries<K, E, C> {
    fn new(order: KeyComparator<E, C>) -> Self {
        Self {
            order,
            entries: Vec::new(),
        }
    }

    /// Where `derived` is, or would go.
    fn search(&self, derived: &E::Key) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|(stored, _)| self.order.compare_extracted(stored, derived))
    }

    /// Inserts `key` unless a key with an equal derived key is present; extracts once.
    fn insert(&mut self, key: K) -> bool {
        let derived = self.order.extract(&key);
        match self.search(&derived) {
            Ok(_) => false,
            Err(at) => {
                self.entries.insert(at, (derived, key));
                true
            }
        }
    }

    /// The stored key whose derived key equals `probe`'s; extracts once.
    fn get(&self, probe: &K) -> Option<&K> {
        let derived = self.order.extract(probe);
        self.search(&derived).ok().map(|at| &self.entries[at].1)
    }
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn the_extractor_runs_once_per_insertion_and_per_lookup(
        inserts in vec(any_string(), up_to(48, 8)),
        lookups in vec(any_string(), up_to(16, 4)),
    ) {
        let extractions = Cell::new(0_usize);
        let comparisons = Cell::new(0_usize);
        let order = KeyComparator::new(
            |key: &String| {
                extractions.set(extractions.get() + 1);
                key.chars().count()
            },
            from_fn(|a: &usize, b: &usize| {
                comparisons.set(comparisons.get() + 1);
                a.cmp(b)
            }),
        );
        let mut entries = SortedEntries::new(order);
        let mut model = BTreeMap::new();
        for key in &inserts {
            let before = extractions.get();
            let inserted = entries.insert(key.clone());
            prop_assert_eq!(extractions.get(), before + 1, "one extraction per insertion");
            let derived = key.chars().count();
            prop_assert_eq!(inserted, !model.contains_key(&derived));
            model.entry(derived).or_insert_with(|| key.clone());
        }
        for probe in inserts.iter().chain(&lookups) {
            let before = extractions.get();
            let found = entries.get(probe);
            prop_assert_eq!(extractions.get(), before + 1, "one extraction per lookup");
            prop_assert_eq!(found, model.get(&probe.chars().count()));
        }
        prop_assert_eq!(extractions.get(), 2 * inserts.len() + lookups.len());
        // The comparisons ran on stored derived keys: with more than two entries they
        // outnumber the extractions, which did not grow with them.
        if model.len() > 2 {
            prop_assert!(comparisons.get() > extractions.get());
        }
    }
}

#[test]
fn extract_and_compare_extracted_call_what_they_name_and_nothing_else() {
    let extractions = Cell::new(0_usize);
    let order = by_key(|key: &(u8, &str)| {
        extractions.set(extractions.get() + 1);
        key.0
    });
    let (a, b) = (order.extract(&(2, "b")), order.extract(&(1, "a")));
    assert_eq!(extractions.get(), 2);
    for _ in 0..10 {
        assert_eq!(order.compare_extracted(&a, &b), Ordering::Greater);
    }
    assert_eq!(
        extractions.get(),
        2,
        "comparing derived keys extracted again"
    );
}

/// A named extractor and a reversed comparator: longest first, ties are one key.
#[test]
fn a_named_extractor_with_a_reversed_comparator_orders_descending() {
    struct CharCount;

    impl KeyExtractor<String> for CharCount {
        type Key = usize;

        fn extract(&self, key: &String) -> usize {
            key.chars().count()
        }
    }

    let mut entries = SortedEntries::new(KeyComparator::new(CharCount, Reverse::new(Natural)));
    for word in ["fig", "banana", "kiwi", "yam", "\u{e9}t\u{e9}"] {
        entries.insert(word.to_owned());
    }
    let words: Vec<&str> = entries.entries.iter().map(|(_, w)| w.as_str()).collect();
    // "yam" and "été" have as many characters as "fig", which was first: one key.
    assert_eq!(words, ["banana", "kiwi", "fig"]);
    assert_eq!(
        entries.get(&"\u{e9}t\u{e9}".to_owned()).map(String::as_str),
        Some("fig")
    );
    assert_eq!(
        entries.get(&"plum".to_owned()).map(String::as_str),
        Some("kiwi")
    );
    assert_eq!(entries.get(&String::new()), None);
}
