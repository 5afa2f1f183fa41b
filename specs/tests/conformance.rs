//! The conformance suites accept simple lock-based structures and catch deliberately broken
//! ones, both sequential bugs (sequential suites) and races (linearizability suites).

extern crate alloc;

use alloc::collections::{BTreeMap, VecDeque};
use core::ops::Bound::{Excluded, Unbounded};
use std::{
    collections::HashMap,
    sync::Mutex,
    thread::{self, ThreadId},
};

use ccol_specs::conformance::{
    self, ConditionalMapUnderTest, Config, ConformanceError, FailureKind, MapUnderTest,
    OrderedMapUnderTest, QueueUnderTest, StackUnderTest,
};

fn config() -> Config {
    Config::default()
}

/// For the tests that must catch a sequential bug: under Miri the default four cases are too
/// few to be sure to hit it, so run more (short) ones over fewer keys.
fn catching_config() -> Config {
    if cfg!(miri) {
        Config {
            cases: 48,
            max_ops: 16,
            keys: 3,
            ..config()
        }
    } else {
        config()
    }
}

/// Requires a failure of the given kind and returns its report.
fn caught(result: Result<(), ConformanceError>, kind: FailureKind) -> String {
    match result {
        Ok(()) => panic!("the suite did not catch the broken implementation"),
        Err(e) => {
            assert_eq!(e.kind(), kind, "{e}");
            e.to_string()
        }
    }
}

// ---- correct, lock-based implementations ----

/// A FIFO queue behind a mutex, optionally bounded.
struct LockedQueue {
    items: Mutex<VecDeque<u64>>,
    capacity: Option<usize>,
}

impl LockedQueue {
    fn new(capacity: Option<usize>) -> Self {
        Self {
            items: Mutex::new(VecDeque::new()),
            capacity,
        }
    }
}

impl QueueUnderTest for LockedQueue {
    fn push(&self, value: u64) -> Result<(), u64> {
        let mut items = self.items.lock().unwrap();
        if self.capacity.is_some_and(|c| items.len() >= c) {
            return Err(value);
        }
        items.push_back(value);
        Ok(())
    }

    fn pop(&self) -> Option<u64> {
        self.items.lock().unwrap().pop_front()
    }

    fn capacity(&self) -> Option<usize> {
        self.capacity
    }
}

/// A LIFO stack behind a mutex, optionally bounded.
struct LockedStack {
    items: Mutex<Vec<u64>>,
    capacity: Option<usize>,
}

impl StackUnderTest for LockedStack {
    fn push(&self, value: u64) -> Result<(), u64> {
        let mut items = self.items.lock().unwrap();
        if self.capacity.is_some_and(|c| items.len() >= c) {
            return Err(value);
        }
        items.push(value);
        Ok(())
    }

    fn pop(&self) -> Option<u64> {
        self.items.lock().unwrap().pop()
    }

    fn capacity(&self) -> Option<usize> {
        self.capacity
    }
}

/// An ordered map behind a mutex, with every optional operation.
#[derive(Default)]
struct LockedMap(Mutex<BTreeMap<u64, u64>>);

impl MapUnderTest for LockedMap {
    fn insert(&self, key: u64, value: u64) -> Option<u64> {
        self.0.lock().unwrap().insert(key, value)
    }
    fn get(&self, key: u64) -> Option<u64> {
        self.0.lock().unwrap().get(&key).copied()
    }
    fn remove(&self, key: u64) -> Option<u64> {
        self.0.lock().unwrap().remove(&key)
    }
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
}

fn entry((k, v): (&u64, &u64)) -> (u64, u64) {
    (*k, *v)
}

impl OrderedMapUnderTest for LockedMap {
    fn first(&self) -> Option<(u64, u64)> {
        self.0.lock().unwrap().first_key_value().map(entry)
    }
    fn last(&self) -> Option<(u64, u64)> {
        self.0.lock().unwrap().last_key_value().map(entry)
    }
    fn pop_first(&self) -> Option<(u64, u64)> {
        self.0.lock().unwrap().pop_first()
    }
    fn pop_last(&self) -> Option<(u64, u64)> {
        self.0.lock().unwrap().pop_last()
    }
    fn floor(&self, key: u64) -> Option<(u64, u64)> {
        self.0.lock().unwrap().range(..=key).next_back().map(entry)
    }
    fn ceiling(&self, key: u64) -> Option<(u64, u64)> {
        self.0.lock().unwrap().range(key..).next().map(entry)
    }
    fn lower(&self, key: u64) -> Option<(u64, u64)> {
        self.0.lock().unwrap().range(..key).next_back().map(entry)
    }
    fn higher(&self, key: u64) -> Option<(u64, u64)> {
        self.0
            .lock()
            .unwrap()
            .range((Excluded(key), Unbounded))
            .next()
            .map(entry)
    }
}

impl ConditionalMapUnderTest for LockedMap {
    fn try_insert(&self, key: u64, value: u64) -> Option<u64> {
        let mut map = self.0.lock().unwrap();
        match map.get(&key) {
            Some(old) => Some(*old),
            None => {
                map.insert(key, value);
                None
            }
        }
    }
    fn get_or_insert(&self, key: u64, value: u64) -> u64 {
        *self.0.lock().unwrap().entry(key).or_insert(value)
    }
    fn compare_and_replace(&self, key: u64, expected: u64, new: u64) -> bool {
        match self.0.lock().unwrap().get_mut(&key) {
            Some(v) if *v == expected => {
                *v = new;
                true
            }
            _ => false,
        }
    }
}

#[test]
fn locked_queues_pass() {
    let c = config();
    conformance::check_queue_conformance(&c, |_| LockedQueue::new(None)).unwrap();
    conformance::check_queue_conformance(&c, |cap| LockedQueue::new(Some(cap))).unwrap();
    conformance::check_queue_linearizable(&c, |_| LockedQueue::new(None)).unwrap();
    conformance::check_queue_linearizable(&c, |cap| LockedQueue::new(Some(cap))).unwrap();
}

#[test]
fn locked_stacks_pass() {
    let c = config();
    let make = |bounded: bool| {
        move |cap| LockedStack {
            items: Mutex::new(Vec::new()),
            capacity: bounded.then_some(cap),
        }
    };
    for bounded in [false, true] {
        conformance::check_stack_conformance(&c, make(bounded)).unwrap();
        conformance::check_stack_linearizable(&c, make(bounded)).unwrap();
    }
}

#[test]
fn locked_map_passes_every_map_suite() {
    let c = config();
    let make = |_| LockedMap::default();
    conformance::check_map_conformance(&c, make).unwrap();
    conformance::check_map_linearizable(&c, make).unwrap();
    conformance::check_ordered_map_conformance(&c, make).unwrap();
    conformance::check_conditional_map_conformance(&c, make).unwrap();
    conformance::check_conditional_map_linearizable(&c, make).unwrap();
    // Whole-object checking: keep it small.
    let small = Config {
        keys: 4,
        threads: 3,
        ..config()
    };
    conformance::check_ordered_map_linearizable(&small, make).unwrap();
}

// ---- sequential bugs ----

/// Pops the newest item: a stack posing as a queue.
struct LifoQueue(Mutex<Vec<u64>>);

impl QueueUnderTest for LifoQueue {
    fn push(&self, value: u64) -> Result<(), u64> {
        self.0.lock().unwrap().push(value);
        Ok(())
    }
    fn pop(&self) -> Option<u64> {
        self.0.lock().unwrap().pop()
    }
}

#[test]
fn queue_suite_catches_lifo_order() {
    let report = caught(
        conformance::check_queue_conformance(&catching_config(), |_| {
            LifoQueue(Mutex::new(Vec::new()))
        }),
        FailureKind::Sequential,
    );
    assert!(
        report.contains("minimal failing case") && report.contains("Pop"),
        "{report}"
    );
}

#[test]
fn queue_suite_catches_ignored_capacity() {
    // Claims its capacity but never reports Full.
    let report = caught(
        conformance::check_queue_conformance(&catching_config(), |cap| {
            ClaimsCapacity(LockedQueue::new(None), Some(cap))
        }),
        FailureKind::Sequential,
    );
    assert!(report.contains("Full"), "{report}");
}

/// A queue that reports a capacity it does not enforce.
struct ClaimsCapacity(LockedQueue, Option<usize>);

impl QueueUnderTest for ClaimsCapacity {
    fn push(&self, value: u64) -> Result<(), u64> {
        self.0.push(value)
    }
    fn pop(&self) -> Option<u64> {
        self.0.pop()
    }
    fn capacity(&self) -> Option<usize> {
        self.1
    }
}

/// Pops the oldest item: a queue posing as a stack.
struct FifoStack(Mutex<VecDeque<u64>>);

impl StackUnderTest for FifoStack {
    fn push(&self, value: u64) -> Result<(), u64> {
        self.0.lock().unwrap().push_back(value);
        Ok(())
    }
    fn pop(&self) -> Option<u64> {
        self.0.lock().unwrap().pop_front()
    }
}

#[test]
fn stack_suite_catches_fifo_order() {
    caught(
        conformance::check_stack_conformance(&catching_config(), |_| {
            FifoStack(Mutex::new(VecDeque::new()))
        }),
        FailureKind::Sequential,
    );
}

/// A map whose `remove` reports the value but does not remove it.
#[derive(Default)]
struct StickyMap(LockedMap);

impl MapUnderTest for StickyMap {
    fn insert(&self, key: u64, value: u64) -> Option<u64> {
        self.0.insert(key, value)
    }
    fn get(&self, key: u64) -> Option<u64> {
        self.0.get(key)
    }
    fn remove(&self, key: u64) -> Option<u64> {
        self.0.get(key)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

#[test]
fn map_suite_catches_a_remove_that_does_nothing() {
    caught(
        conformance::check_map_conformance(&catching_config(), |_| StickyMap::default()),
        FailureKind::Sequential,
    );
}

/// A map whose `floor` answers `ceiling`, and whose CAS ignores the expected value.
#[derive(Default)]
struct SloppyMap(LockedMap);

impl MapUnderTest for SloppyMap {
    fn insert(&self, key: u64, value: u64) -> Option<u64> {
        self.0.insert(key, value)
    }
    fn get(&self, key: u64) -> Option<u64> {
        self.0.get(key)
    }
    fn remove(&self, key: u64) -> Option<u64> {
        self.0.remove(key)
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

impl OrderedMapUnderTest for SloppyMap {
    fn first(&self) -> Option<(u64, u64)> {
        self.0.first()
    }
    fn last(&self) -> Option<(u64, u64)> {
        self.0.last()
    }
    fn pop_first(&self) -> Option<(u64, u64)> {
        self.0.pop_first()
    }
    fn pop_last(&self) -> Option<(u64, u64)> {
        self.0.pop_last()
    }
    fn floor(&self, key: u64) -> Option<(u64, u64)> {
        self.0.ceiling(key)
    }
    fn ceiling(&self, key: u64) -> Option<(u64, u64)> {
        self.0.ceiling(key)
    }
    fn lower(&self, key: u64) -> Option<(u64, u64)> {
        self.0.lower(key)
    }
    fn higher(&self, key: u64) -> Option<(u64, u64)> {
        self.0.higher(key)
    }
}

impl ConditionalMapUnderTest for SloppyMap {
    fn try_insert(&self, key: u64, value: u64) -> Option<u64> {
        self.0.try_insert(key, value)
    }
    fn get_or_insert(&self, key: u64, value: u64) -> u64 {
        self.0.get_or_insert(key, value)
    }
    fn compare_and_replace(&self, key: u64, _expected: u64, new: u64) -> bool {
        self.0
            .0
            .lock()
            .unwrap()
            .get_mut(&key)
            .map(|v| *v = new)
            .is_some()
    }
}

#[test]
fn ordered_and_conditional_suites_catch_wrong_answers() {
    let make = |_| SloppyMap::default();
    let report = caught(
        conformance::check_ordered_map_conformance(&catching_config(), make),
        FailureKind::Sequential,
    );
    assert!(report.contains("Floor"), "{report}");
    let report = caught(
        conformance::check_conditional_map_conformance(&catching_config(), make),
        FailureKind::Sequential,
    );
    assert!(report.contains("CompareAndReplace"), "{report}");
    // The plain map suite does not use the broken operations.
    conformance::check_map_conformance(&config(), make).unwrap();
}

// ---- races: correct sequentially, not linearizable ----

/// `pop` peeks and removes in two critical sections: two racing pops can return one value.
#[derive(Default)]
struct RacyPopQueue(Mutex<VecDeque<u64>>);

impl QueueUnderTest for RacyPopQueue {
    fn push(&self, value: u64) -> Result<(), u64> {
        self.0.lock().unwrap().push_back(value);
        Ok(())
    }
    fn pop(&self) -> Option<u64> {
        let front = self.0.lock().unwrap().front().copied();
        thread::yield_now();
        self.0.lock().unwrap().pop_front();
        front
    }
}

/// Reads from a per-thread copy that only the thread's own writes update: every thread sees
/// only itself.
#[derive(Default)]
struct StaleCacheMap {
    shared: LockedMap,
    caches: Mutex<HashMap<ThreadId, BTreeMap<u64, u64>>>,
}

impl StaleCacheMap {
    fn cached<R>(&self, f: impl FnOnce(&mut BTreeMap<u64, u64>) -> R) -> R {
        f(self
            .caches
            .lock()
            .unwrap()
            .entry(thread::current().id())
            .or_default())
    }
}

impl MapUnderTest for StaleCacheMap {
    fn insert(&self, key: u64, value: u64) -> Option<u64> {
        self.shared.insert(key, value);
        self.cached(|c| c.insert(key, value))
    }
    fn get(&self, key: u64) -> Option<u64> {
        self.cached(|c| c.get(&key).copied())
    }
    fn remove(&self, key: u64) -> Option<u64> {
        self.shared.remove(key);
        self.cached(|c| c.remove(&key))
    }
    fn len(&self) -> usize {
        self.cached(|c| c.len())
    }
}

/// Runs `suite` with fresh seeds until it reports a violation (races need a lucky schedule;
/// each attempt runs `rounds` histories).
fn race_caught(suite: impl Fn(&Config) -> Result<(), ConformanceError>) -> String {
    let attempts = if cfg!(miri) { 8 } else { 20 };
    for attempt in 0..attempts {
        let c = Config {
            seed: attempt * 1000,
            ..config()
        };
        if let Err(e) = suite(&c) {
            assert_eq!(e.kind(), FailureKind::NotLinearizable, "{e}");
            return e.to_string();
        }
    }
    panic!("no violation in {attempts} attempts");
}

#[test]
fn linearizability_suites_catch_races_the_sequential_suites_miss() {
    conformance::check_queue_conformance(&config(), |_| RacyPopQueue::default()).unwrap();
    let report =
        race_caught(|c| conformance::check_queue_linearizable(c, |_| RacyPopQueue::default()));
    assert!(report.contains("not linearizable"), "{report}");

    conformance::check_map_conformance(&config(), |_| StaleCacheMap::default()).unwrap();
    let report =
        race_caught(|c| conformance::check_map_linearizable(c, |_| StaleCacheMap::default()));
    assert!(report.contains("sub-history of key"), "{report}");
}
