#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! `SkipListMap` ordered by a `KeyComparator` over `Keyed` keys: the derived key is extracted
//! once per insertion and once per lookup, never during comparisons (ccol-ordered's
//! "Key extraction" protocol), and the map behaves like a `BTreeMap` keyed by the derived key.

#[path = "common/tracked.rs"]
mod tracked;

extern crate alloc;

use alloc::collections::BTreeMap;

use ccol_atomics::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use ccol_ordered::{KeyComparator, Keyed, SkipListMap, by_key};
use ccol_reclaim::Reclaim;

/// Counts the extractor's calls (a test-local counter: one map per test).
struct Extractions(AtomicUsize);

impl Extractions {
    fn count(&self) -> usize {
        self.0.load(Relaxed)
    }
}

/// Keys are `(name, id)` pairs ordered by the lower-cased name alone: ids are not part of the
/// order, so two names that differ only in case are one key.
fn extract_and_count(calls: &Extractions) -> impl Fn(&(String, u32)) -> String + '_ {
    move |key: &(String, u32)| {
        calls.0.fetch_add(1, Relaxed);
        key.0.to_lowercase()
    }
}

fn name(i: u32) -> String {
    // Upper and lower case alternate, so case-only duplicates occur.
    let base = format!("user{:03}", i % 97);
    if i % 2 == 0 {
        base.to_uppercase()
    } else {
        base
    }
}

fn matches_btreemap_and_extracts_once<R: Reclaim>() {
    let calls = Extractions(AtomicUsize::new(0));
    let map: SkipListMap<Keyed<(String, u32), String>, u32, _, R> =
        SkipListMap::with_comparator(by_key(extract_and_count(&calls)));
    let order: &KeyComparator<_> = map.comparator();
    let mut model: BTreeMap<String, (String, u32)> = BTreeMap::new();
    let rounds = if cfg!(miri) { 60 } else { 600 };
    let mut extractions = 0;
    for i in 0..rounds {
        let key = (name(i), i);
        let derived = key.0.to_lowercase();
        let previous = map.insert(order.keyed(key.clone()), i);
        extractions += 1;
        // An insert over a present key replaces the whole entry, key included: the model
        // stores the key as its value to do the same.
        let expected = model.insert(derived.clone(), key.clone()).map(|(_, id)| id);
        assert_eq!(previous.map(|e| *e.value()), expected);
        if i % 3 == 0 {
            let probe = (name(i + 1), 0);
            let found = map
                .get(&order.extract(&probe))
                .map(|e| e.key().key().clone());
            extractions += 1;
            let expected = model.get(&probe.0.to_lowercase()).cloned();
            assert_eq!(found, expected);
        }
        if i % 7 == 0 {
            let removed = map.remove(&order.extract(&key)).map(|e| *e.value());
            extractions += 1;
            assert_eq!(removed, model.remove(&derived).map(|(_, id)| id));
        }
        assert_eq!(calls.count(), extractions, "a comparison ran the extractor");
    }
    let keys: Vec<(String, u32)> = map.iter().map(|e| e.key().key().clone()).collect();
    let expected: Vec<(String, u32)> = model.values().cloned().collect();
    assert_eq!(keys, expected);
    let derived: Vec<String> = map.iter().map(|e| e.key().derived().clone()).collect();
    assert_eq!(derived, model.keys().cloned().collect::<Vec<_>>());
    assert_eq!(calls.count(), extractions, "iteration ran the extractor");
}

tracked::for_each_scheme! {
    keyed_map_matches_btreemap_and_extracts_once => matches_btreemap_and_extracts_once,
}
