#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! Regressions found by review, each a memory-safety bug that a plain run does not show:
//! they are decisive under Miri (a read of freed memory is reported there), and the
//! structure check catches the second one natively too.
//!
//! - Under IBR a traversal must not follow a removed node's frozen link: it may lead to a node
//!   born after the reader's reservation and already freed (IBR protects what is reachable).
//! - A comparator that breaks its laws (safe code) must not get a removed node retired while
//!   it is still linked: retirement checks the node's link flags, not the comparator.

use core::cmp::Ordering;

use ccol_ordered::{Comparator, CompareBorrowed, SkipListMap};
use ccol_reclaim::{Debra, Ibr};

/// A forward step of an iterator whose last entry was removed, under IBR, after the entry
/// that followed it was born late, removed and freed.
#[test]
fn ibr_iterator_does_not_step_through_a_removed_entry_into_freed_memory() {
    let map: SkipListMap<u64, String, _, Ibr> = SkipListMap::new();
    let reader = map.register().unwrap();
    let writer = map.register().unwrap();
    map.pinned(writer.pin()).insert(1, "one".to_owned());
    let pin = map.pinned(reader.pin());
    let mut iter = pin.iter();
    assert_eq!(iter.next().map(|(k, _)| *k), Some(1));
    // Other work moves the epoch past the reader's reservation.
    for i in 0..200u64 {
        let w = map.pinned(writer.pin());
        w.insert(1_000 + i, String::new());
        w.remove(&(1_000 + i));
    }
    {
        let w = map.pinned(writer.pin());
        w.insert(2, "two".repeat(10));
        w.remove(&1);
        w.remove(&2);
    }
    writer.flush();
    // Entry 2 is gone; 1 000.. were removed: nothing is left after 1.
    assert_eq!(iter.next().map(|(k, v)| (*k, v.len())), None);
}

/// The same situation for a lookup: a `get` that meets the removed entry must not follow its
/// frozen link under IBR.
#[test]
fn ibr_get_does_not_step_through_a_removed_entry_into_freed_memory() {
    let map: SkipListMap<u64, String, _, Ibr> = SkipListMap::new();
    let reader = map.register().unwrap();
    let writer = map.register().unwrap();
    map.pinned(writer.pin()).insert(1, "one".to_owned());
    let pin = map.pinned(reader.pin());
    assert!(pin.get(&1).is_some());
    for i in 0..200u64 {
        let w = map.pinned(writer.pin());
        w.insert(1_000 + i, String::new());
        w.remove(&(1_000 + i));
    }
    {
        let w = map.pinned(writer.pin());
        w.insert(3, "three".repeat(10));
        w.remove(&1);
        w.insert(2, "two".repeat(10));
        w.remove(&3);
    }
    writer.flush();
    assert_eq!(pin.get(&2).map(String::len), Some(30));
    assert_eq!(pin.get(&3), None);
}

thread_local! {
    static LIE: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

/// Answers `Greater` for every pair of stored keys while lying (probes compare honestly).
struct Liar;

impl Comparator<u64> for Liar {
    fn compare(&self, a: &u64, b: &u64) -> Ordering {
        if LIE.with(core::cell::Cell::get) {
            Ordering::Greater
        } else {
            a.cmp(b)
        }
    }
}

impl CompareBorrowed<u64, u64> for Liar {
    fn compare_borrowed(&self, key: &u64, probe: &u64) -> Ordering {
        key.cmp(probe)
    }
}

fn lying_comparator_cannot_get_a_linked_node_freed<R: ccol_reclaim::Reclaim>() {
    let mut map: SkipListMap<u64, String, _, R> = SkipListMap::with_comparator(Liar);
    for k in 1..=8 {
        map.insert(k, k.to_string().repeat(8));
    }
    LIE.with(|lie| lie.set(true));
    for k in [8, 2, 5] {
        assert!(map.remove(&k).is_some());
    }
    LIE.with(|lie| lie.set(false));
    for _ in 0..4 {
        map.flush();
    }
    let pin = map.pin();
    let keys: Vec<u64> = pin.iter().map(|(k, _)| *k).collect();
    assert_eq!(keys, [1, 3, 4, 6, 7]);
    assert_eq!(pin.get(&2), None);
    drop(pin);
    assert_eq!(map.check_structure(), Ok(5));
}

#[test]
fn lying_comparator_cannot_get_a_linked_node_freed_ibr() {
    lying_comparator_cannot_get_a_linked_node_freed::<Ibr>();
}

#[test]
fn lying_comparator_cannot_get_a_linked_node_freed_debra() {
    lying_comparator_cannot_get_a_linked_node_freed::<Debra>();
}
