#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! Sequential behaviour of `SkipListMap` against `BTreeMap`, on fixed scenarios and on a
//! pseudo-random operation sequence (the proptest conformance suite covers more).

extern crate alloc;

use alloc::collections::BTreeMap;

use ccol_ordered::SkipListMap;
use ccol_reclaim::{Debra, Ibr, Reclaim};

fn scenario<R: Reclaim>() {
    let map: SkipListMap<u64, u64, _, R> = SkipListMap::new();
    let mut model = BTreeMap::new();
    let mut state = 0x1234_5678_9abc_def1_u64;
    let rounds = if cfg!(miri) { 600 } else { 20_000 };
    for _ in 0..rounds {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let key = state % if cfg!(miri) { 64 } else { 512 };
        let pin = map.pin();
        match (state >> 32) % 8 {
            0 | 1 => assert_eq!(
                pin.insert(key, state).map(|(_, v)| *v),
                model.insert(key, state)
            ),
            2 => assert_eq!(pin.remove(&key).map(|(_, v)| *v), model.remove(&key)),
            3 => assert_eq!(pin.get(&key).copied(), model.get(&key).copied()),
            4 => assert_eq!(
                pin.floor(&key).map(|(k, v)| (*k, *v)),
                model.range(..=key).next_back().map(|(k, v)| (*k, *v))
            ),
            5 => assert_eq!(
                pin.higher(&key).map(|(k, v)| (*k, *v)),
                model.range(key + 1..).next().map(|(k, v)| (*k, *v))
            ),
            6 => assert_eq!(pin.pop_first().map(|(k, v)| (*k, *v)), model.pop_first()),
            _ => assert_eq!(pin.pop_last().map(|(k, v)| (*k, *v)), model.pop_last()),
        }
        assert_eq!(map.len(), model.len());
    }
    let pin = map.pin();
    let ours: Vec<(u64, u64)> = pin.iter().map(|(k, v)| (*k, *v)).collect();
    let theirs: Vec<(u64, u64)> = model.iter().map(|(k, v)| (*k, *v)).collect();
    assert_eq!(ours, theirs);
    let ours_rev: Vec<u64> = pin.iter().rev().map(|(k, _)| *k).collect();
    let theirs_rev: Vec<u64> = model.keys().rev().copied().collect();
    assert_eq!(ours_rev, theirs_rev);
    let ours_range: Vec<u64> = pin.range(100..200).map(|(k, _)| *k).collect();
    let theirs_range: Vec<u64> = model.range(100..200).map(|(k, _)| *k).collect();
    assert_eq!(ours_range, theirs_range);
}

#[test]
fn random_operations_match_btreemap_ibr() {
    scenario::<Ibr>();
}

#[test]
fn random_operations_match_btreemap_debra() {
    scenario::<Debra>();
}

#[test]
fn concurrent_inserts_and_removes_leave_a_consistent_map() {
    let map: SkipListMap<u64, u64, _, Ibr> = SkipListMap::new();
    std::thread::scope(|s| {
        for t in 0..4u64 {
            let map = &map;
            s.spawn(move || {
                // Under Miri (every seed of the gate's many-seeds pass) fewer operations on
                // fewer keys: the threads' keys meet sooner, and the map stays small.
                let (ops, keys) = if cfg!(miri) {
                    (40, 64)
                } else {
                    (5_000u64, 1000)
                };
                for i in 0..ops {
                    let key = (i * 7 + t) % keys;
                    if i % 3 == 0 {
                        map.remove(&key);
                    } else {
                        map.insert(key, t);
                    }
                }
            });
        }
    });
    let pin = map.pin();
    let keys: Vec<u64> = pin.iter().map(|(k, _)| *k).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(keys.len(), map.len());
    drop(pin);
    let mut map = map;
    assert_eq!(map.check_structure(), Ok(keys.len()));
}
