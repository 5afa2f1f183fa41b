#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! Oversubscribed stress of `SkipListMap` (8 threads on a 2-core machine; 3 under Miri), for
//! both schemes, with drop-counted keys and values whose canaries catch reads of freed
//! entries.
//!
//! - **Disjoint keys, exact answers.** Writers each own a residue class of a small key space
//!   and run inserts, removals, replacements, gets and navigation on it; a class nobody owns
//!   holds *stable* entries, present throughout. A writer's own keys change only under its
//!   hand, so every `get` of them is exact, and a navigation answer may not skip one of its
//!   present keys or a stable one. Meanwhile readers iterate forward, backward, over random
//!   ranges (both bound kinds) and from both ends at once: keys strictly increasing
//!   (decreasing backward, the two ends never crossing), never outside the range, every
//!   stable key in range yielded, every value belonging to its key. At the end the contents
//!   are exactly the union of the writers' models.
//! - **Shared keys, conservation.** Then every writer works on all keys at once (pops
//!   included) while the readers go on. Each value written is unique, so afterwards every
//!   value that was successfully written appears exactly once among those handed back as
//!   replaced or removed and those still present, and a present value is the last one its
//!   writer wrote to that key.
//! - **A stalled reader.** One thread holds a `PinnedMap` and blocks while two writers
//!   churn entries. Under IBR the unreclaimed entries stay under a bound set by the entries
//!   the reader can see and the scheme's thresholds (`ccol_reclaim`'s `ibr.rs` and
//!   `tests/stall.rs` derive `T + F` per writer pinning per operation; this test allows
//!   `2T + 2F`, T = `retire_threshold`, F =
//!   `epoch_frequency`), far below the entries retired; under DEBRA they may grow. After the
//!   reader leaves, a flush frees everything.

#[path = "common/tracked.rs"]
mod tracked;

extern crate alloc;

use alloc::collections::{BTreeMap, BTreeSet};
use core::ops::Bound;
use std::{sync::mpsc, thread};

use ccol_atomics::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use ccol_ordered::{Natural, SkipListMap};
use ccol_reclaim::Reclaim;
use tracked::{Rng, Tracked, Tracker, for_each_scheme, join_all, join_all_then, scaled};

type Map<'t, R> = SkipListMap<Tracked<'t>, Tracked<'t>, Natural, R>;

/// Writers and readers: 8 threads natively, 3 under Miri.
const WRITERS: u64 = if cfg!(miri) { 2 } else { 6 };
const READERS: u64 = if cfg!(miri) { 1 } else { 2 };
/// Keys `0..KEYS`; key `k` belongs to writer `k % (WRITERS + 1)`, the last class is stable.
const KEYS: u64 = scaled(96, 12) as u64;
const CLASSES: u64 = WRITERS + 1;
/// Operations per writer and phase (fewer under the sanitizers, which run 5 to 20 times
/// slower).
const OPS: usize = if cfg!(ccol_sanitize) {
    2_000
} else {
    scaled(6_000, 15)
};

/// A value written to `key` by `writer`, its `seq`-th write: unique, and it names its key.
const fn encode(key: u64, writer: u64, seq: u64) -> u64 {
    (key << 40) | (writer << 32) | seq
}
const fn key_of(value: u64) -> u64 {
    value >> 40
}
const fn writer_of(value: u64) -> u64 {
    (value >> 32) & 0xFF
}
fn is_stable(key: u64) -> bool {
    key % CLASSES == WRITERS
}

for_each_scheme!(
    concurrent_threads_keep_answers_exact_and_iterators_ordered => stress,
    concurrent_writers_under_a_stalled_reader_leave_bounded_garbage => stalled_reader,
);

/// What a writer did in the shared phase: its last successful write per key, every value
/// it wrote successfully, and every value handed back to it as replaced or removed.
#[derive(Default)]
struct Log {
    last: BTreeMap<u64, u64>,
    written: Vec<u64>,
    taken: Vec<u64>,
}

/// Both phases, with the readers running throughout.
fn stress<R: Reclaim>() {
    let tracker = Tracker::new(4 * (WRITERS as usize * OPS * 2 + KEYS as usize) + 64);
    let mut map: Map<'_, R> = SkipListMap::new();
    for key in (0..KEYS).filter(|&k| is_stable(k)) {
        map.insert(tracker.make(key), tracker.make(encode(key, WRITERS, 0)));
    }
    // Phase one, then phase two, each with its own readers: stable entries stay put only in
    // phase one (phase two pops them), so only its readers may demand them.
    let models = with_readers(&map, true, |w| own_keys(&map, &tracker, w));
    assert_eq!(
        map.check_structure(),
        Ok(stable_count() + models.iter().map(BTreeMap::len).sum::<usize>())
    );
    let logs = with_readers(&map, false, |w| shared_keys(&map, &tracker, w));
    let len = map.check_structure().expect("structure after the stress");
    let present: BTreeMap<u64, u64> = map
        .pin()
        .iter()
        .map(|(k, v)| (k.value(), v.value()))
        .collect();
    assert_eq!(present.len(), len);
    // What the map held when phase two began (the stable entries and the writers' models),
    // and what phase two wrote: each such value was later handed back once or is present.
    let mut written: Vec<u64> = (0..KEYS)
        .filter(|&k| is_stable(k))
        .map(|k| encode(k, WRITERS, 0))
        .chain(models.iter().flat_map(|model| model.values().copied()))
        .chain(logs.iter().flat_map(|log| log.written.iter().copied()))
        .collect();
    written.sort_unstable();
    let mut accounted: Vec<u64> = logs
        .iter()
        .flat_map(|log| log.taken.iter().copied())
        .chain(present.values().copied())
        .collect();
    accounted.sort_unstable();
    assert!(
        accounted == written,
        "values written ({}) and values handed back or present ({}) differ",
        written.len(),
        accounted.len()
    );
    for (&key, &value) in &present {
        assert_eq!(key_of(value), key, "key {key} holds another key's value");
        let writer = writer_of(value);
        let phase_two = writer < WRITERS && value & 0xFFFF_FFFF > OPS as u64;
        if phase_two {
            // The writer's own later write would have replaced it.
            assert_eq!(
                logs[writer as usize].last.get(&key),
                Some(&value),
                "stale value for {key}"
            );
        } else {
            // Any successful write in phase two would have replaced it (or found the key
            // absent, after it was removed for good).
            assert!(
                logs.iter().all(|log| !log.last.contains_key(&key)),
                "key {key} kept its phase-one value {value:#x} through a write"
            );
        }
    }
    map.flush();
    assert_eq!(tracker.live(), 2 * len, "entries alive beyond the map's");
    drop(map);
    tracker.assert_all_dropped_once();
}

/// Phase one of writer `w`: random operations on its own keys, each answer exact against
/// its model; returns the model, which must then match the map.
fn own_keys<'t, R: Reclaim>(map: &Map<'t, R>, tracker: &'t Tracker, w: u64) -> BTreeMap<u64, u64> {
    let mut model = BTreeMap::new();
    let mut rng = Rng::new(w + 100);
    let stable: BTreeSet<u64> = (0..KEYS).filter(|&k| is_stable(k)).collect();
    for seq in 1..=OPS as u64 {
        let key = rng.below(KEYS / CLASSES) * CLASSES + w;
        let value = encode(key, w, seq);
        let pin = map.pin();
        match rng.below(8) {
            0 | 1 => {
                let old = pin
                    .insert(tracker.make(key), tracker.make(value))
                    .map(|(_, v)| v.value());
                assert_eq!(old, model.insert(key, value));
            }
            2 => {
                let old = map.remove(&key).map(|e| e.value().value());
                assert_eq!(old, model.remove(&key));
            }
            3 => {
                let old = pin
                    .replace(tracker.make(key), tracker.make(value))
                    .map(|(_, v)| v.value())
                    .ok();
                assert_eq!(old, model.get(&key).copied());
                if old.is_some() {
                    model.insert(key, value);
                }
            }
            4 => {
                let got = map.get_or_insert_with(tracker.make(key), |_| tracker.make(value));
                assert_eq!(got.value().value(), *model.entry(key).or_insert(value));
            }
            5 => assert_eq!(pin.get(&key).map(Tracked::value), model.get(&key).copied()),
            _ => {
                // Navigation from a probe anywhere: the answer may be any key, but it may not
                // jump over one of this writer's present keys or a stable key.
                let probe = rng.below(KEYS + 2);
                let (found, skipped) = if rng.one_in(2) {
                    let found = pin.ceiling(&probe).map(|(k, v)| (k.value(), v.value()));
                    let end = found.map_or(u64::MAX, |(k, _)| k);
                    (found, (probe, end))
                } else {
                    let found = pin.lower(&probe).map(|(k, v)| (k.value(), v.value()));
                    let start = found.map_or(0, |(k, _)| k + 1);
                    (found, (start, probe))
                };
                if let Some((k, v)) = found {
                    assert_eq!(key_of(v), k);
                    if k % CLASSES == w {
                        assert_eq!(model.get(&k), Some(&v), "navigation found a stale entry");
                    }
                }
                let (from, to) = skipped;
                let jumped = model
                    .range(from..to)
                    .next()
                    .map(|(k, _)| *k)
                    .or_else(|| stable.range(from..to).next().copied());
                let within = |k: u64| found.is_some_and(|(f, _)| f == k);
                assert!(
                    jumped.is_none_or(within),
                    "navigation from {probe} jumped over {jumped:?} to {found:?}"
                );
            }
        }
    }
    // Still only this writer's hands on these keys: the map holds exactly the model.
    let pin = map.pin();
    for key in (0..KEYS).filter(|k| k % CLASSES == w) {
        assert_eq!(pin.get(&key).map(Tracked::value), model.get(&key).copied());
    }
    model
}

/// Phase two of writer `w`: every key, every operation, pops included; logs what it wrote
/// and what it was handed back.
fn shared_keys<'t, R: Reclaim>(map: &Map<'t, R>, tracker: &'t Tracker, w: u64) -> Log {
    let mut log = Log::default();
    let mut rng = Rng::new(w + 200);
    for seq in (OPS as u64 + 1)..=(2 * OPS as u64) {
        let key = rng.below(KEYS);
        let value = encode(key, w, seq);
        let pin = map.pin();
        let mut wrote = false;
        match rng.below(9) {
            0 | 1 => {
                if let Some((_, old)) = pin.insert(tracker.make(key), tracker.make(value)) {
                    log.taken.push(old.value());
                }
                wrote = true;
            }
            2 => {
                if let Some(old) = map.remove(&key) {
                    log.taken.push(old.value().value());
                }
            }
            3 => {
                if let Ok(old) = map.replace(tracker.make(key), tracker.make(value)) {
                    log.taken.push(old.value().value());
                    wrote = true;
                }
            }
            4 => {
                let current = pin.get(&key).map(Tracked::value).unwrap_or(0);
                let expected = tracker.make(current);
                if let Ok((_, old)) =
                    pin.compare_and_replace(tracker.make(key), &expected, tracker.make(value))
                {
                    log.taken.push(old.value());
                    wrote = true;
                }
            }
            5 => {
                wrote = pin
                    .try_insert(tracker.make(key), tracker.make(value))
                    .is_ok();
            }
            6 => {
                let got = pin.get_or_insert_with(tracker.make(key), |_| tracker.make(value));
                wrote = got.1.value() == value;
            }
            7 => {
                if let Some((_, old)) = pin.pop_first() {
                    log.taken.push(old.value());
                }
            }
            _ => {
                if let Some(old) = map.pop_last() {
                    log.taken.push(old.value().value());
                }
            }
        }
        if wrote {
            log.written.push(value);
            log.last.insert(key, value);
        }
    }
    log
}

/// Runs `writer(w)` on [`WRITERS`] threads while [`READERS`] threads iterate, until the
/// writers are done; returns what the writers returned. `stable`: the readers check that
/// every stable entry in range is yielded.
fn with_readers<R: Reclaim, T: Send>(
    map: &Map<'_, R>,
    stable: bool,
    writer: impl Fn(u64) -> T + Sync,
) -> Vec<T> {
    let stop = AtomicBool::new(false);
    thread::scope(|s| {
        let readers: Vec<_> = (0..READERS)
            .map(|r| {
                let stop = &stop;
                s.spawn(move || read_until(map, stop, stable, r))
            })
            .collect();
        let writer = &writer;
        let writers = (0..WRITERS).map(|w| s.spawn(move || writer(w))).collect();
        let results = join_all_then(writers, || {
            // Relaxed: the readers only poll it; their join orders everything after.
            stop.store(true, Relaxed);
        });
        join_all(readers);
        results
    })
}

fn stable_count() -> usize {
    (0..KEYS).filter(|&k| is_stable(k)).count()
}

/// A reader's loop: iterations of every kind until `stop`, each checked.
fn read_until<R: Reclaim>(map: &Map<'_, R>, stop: &AtomicBool, stable: bool, r: u64) {
    let mut rng = Rng::new(r + 300);
    // Relaxed: polled; the writers' join is what orders the end.
    while !stop.load(Relaxed) {
        let (lo, hi) = (rng.below(KEYS + 2), rng.below(KEYS + 2));
        let start =
            [Bound::Included(lo), Bound::Excluded(lo), Bound::Unbounded][rng.below(3) as usize];
        let end =
            [Bound::Included(hi), Bound::Excluded(hi), Bound::Unbounded][rng.below(3) as usize];
        let in_range = |k: u64| {
            let above = match start {
                Bound::Included(s) => k >= s,
                Bound::Excluded(s) => k > s,
                Bound::Unbounded => true,
            };
            let below = match end {
                Bound::Included(e) => k <= e,
                Bound::Excluded(e) => k < e,
                Bound::Unbounded => true,
            };
            above && below
        };
        let pin = map.pin();
        let pair = |(k, v): (&Tracked<'_>, &Tracked<'_>)| (k.value(), v.value());
        let (mut front, mut back) = (Vec::new(), Vec::new());
        let mode = rng.below(5);
        match mode {
            0 => front.extend(pin.range((start, end)).map(pair)),
            1 => back.extend(pin.range((start, end)).rev().map(pair)),
            2 => front.extend(map.range((start, end)).map(|e| pair(e.pair()))),
            3 => back.extend(map.range((start, end)).rev().map(|e| pair(e.pair()))),
            _ => {
                let mut both = pin.range((start, end));
                loop {
                    let forward = rng.one_in(2);
                    let next = if forward {
                        both.next()
                    } else {
                        both.next_back()
                    };
                    match next.map(pair) {
                        Some(p) if forward => front.push(p),
                        Some(p) => back.push(p),
                        None => break,
                    }
                }
            }
        }
        let keys = |list: &[(u64, u64)]| list.iter().map(|&(k, _)| k).collect::<Vec<_>>();
        let (front_keys, back_keys) = (keys(&front), keys(&back));
        assert!(
            front_keys.windows(2).all(|w| w[0] < w[1]),
            "forward keys not increasing: {front_keys:?}"
        );
        assert!(
            back_keys.windows(2).all(|w| w[0] > w[1]),
            "backward keys not decreasing: {back_keys:?}"
        );
        if let (Some(f), Some(b)) = (front_keys.last(), back_keys.last()) {
            assert!(f < b, "the ends crossed: front at {f}, back at {b}");
        }
        for &(k, v) in front.iter().chain(&back) {
            assert!(in_range(k), "key {k} outside {start:?}..{end:?}");
            assert_eq!(key_of(v), k, "key {k} yielded another key's value");
        }
        // Stable entries are present throughout: a full pass must yield them.
        let both_ends_done = front.len() + back.len();
        let seen: BTreeSet<u64> = front_keys.iter().chain(&back_keys).copied().collect();
        assert_eq!(seen.len(), both_ends_done);
        for key in (0..KEYS).filter(|&k| stable && is_stable(k) && in_range(k)) {
            assert!(
                seen.contains(&key),
                "stable key {key} missing from {start:?}..{end:?} (mode {mode}): front {front_keys:?}, back {back_keys:?}"
            );
        }
    }
}

/// IBR's bound on unreclaimed entries with one stalled reader, `writers` writers and `keys`
/// keys, for the domain thresholds `(T, F)`.
///
/// - Per pinned participant that stalls (the reader; a writer descheduled inside an
///   operation): the entries alive when it last raised its reservation, which it keeps from
///   being freed when the others remove them: at most `keys`.
/// - Per writer: the entries born in a stalled participant's epoch before retirements move the
///   epoch on (F), `2T + 2F` for one writer (twice the `T + F` that `ccol_reclaim`'s
///   `tests/stall.rs` derives, for a writer still pinned when its scan falls due),
///   one more batch of T for a scan that meets another writer's reservation, and one entry in
///   flight.
/// - With more than one writer the per-writer part is quadrupled: a writer descheduled inside
///   an operation also covers the garbage still pending when it pinned, and one descheduled
///   while freeing a batch holds that batch (each about one more bound's worth); the rest is
///   headroom for the scheduler of a loaded 2-core machine.
///
/// Seen on that machine: one writer peaks at 168 natively (bound 321); two writers at about
/// 450 typically and up to 1,060 (bound 2,376), and at 70 to 112 under ThreadSanitizer, whose
/// thresholds are 2 (bound 168). Each writer makes 25,000 operations (8,000 under the
/// sanitizers), about half of which retire an entry: a scheme that keeps everything for a
/// stalled reader (DEBRA) holds them all.
const fn ibr_bound(keys: usize, writers: usize, (t, f): (usize, usize)) -> usize {
    let slack = if writers > 1 { 4 } else { 1 };
    writers * keys + slack * writers * (f + (2 * t + 2 * f) + t + 1)
}

/// The thresholds a default domain uses (64 and 32, both shrunk to 2 under Miri and the
/// sanitizers).
const THRESHOLDS: (usize, usize) = if cfg!(any(miri, ccol_sanitize)) {
    (2, 2)
} else {
    (64, 32)
};

/// A reader pins, reads an entry and blocks while one, then two writers insert and remove
/// many entries (each removal and replacement retires one); the unreclaimed entries are
/// sampled after every operation. Under IBR they stay under [`ibr_bound`]; under both
/// schemes the reader's entry stays readable and a flush after it leaves frees everything.
fn stalled_reader<R: Reclaim>() {
    stalled_reader_with::<R>(1);
    stalled_reader_with::<R>(2);
}

/// One stalled-reader run with `writers` writers (1 or 2: writer `w` owns the keys of parity
/// `w`).
fn stalled_reader_with<R: Reclaim>(writers: usize) {
    let keys: u64 = scaled(32, 6) as u64;
    // Not `scaled`: few threads (no qemu-user concern on aarch64), and the bound must stay far
    // below the retirements for the check to mean something.
    let ops = if cfg!(ccol_sanitize) {
        8_000
    } else if cfg!(miri) {
        50
    } else {
        25_000
    };
    let tracker = Tracker::new(4 * (writers * ops + keys as usize) + 16);
    let mut map: Map<'_, R> = SkipListMap::new();
    for key in 0..keys {
        map.insert(tracker.make(key), tracker.make(key));
    }
    map.flush();
    let peak = AtomicUsize::new(0);
    let (pinned_tx, pinned_rx) = mpsc::channel();
    let (leave_tx, leave_rx) = mpsc::channel::<()>();
    thread::scope(|s| {
        let reader = {
            let map = &map;
            s.spawn(move || {
                let pin = map.pin();
                let value = pin.get(&0).expect("prefilled");
                let seen = value.value();
                pinned_tx.send(()).unwrap();
                leave_rx.recv().unwrap();
                // Removed long ago, but still protected by the pin.
                assert_eq!(value.value(), seen, "the stalled reader's entry was freed");
            })
        };
        pinned_rx.recv().unwrap();
        let handles = (0..writers as u64)
            .map(|w| {
                let (map, tracker, peak) = (&map, &tracker, &peak);
                s.spawn(move || {
                    let mut rng = Rng::new(w + 400);
                    for i in 0..ops as u64 {
                        // Writer `w` owns the keys of its parity, so each removal finds work.
                        let key = rng.below(keys / 2) * 2 + w;
                        if i % 2 == 0 {
                            map.insert(tracker.make(key), tracker.make(i));
                        } else {
                            map.remove(&key);
                        }
                        let entries_alive = tracker.live() / 2;
                        let pending = entries_alive.saturating_sub(map.len());
                        // Relaxed: a statistic, read after the join.
                        peak.fetch_max(pending, Relaxed);
                    }
                })
            })
            .collect();
        join_all_then(handles, || leave_tx.send(()).unwrap());
        join_all(vec![reader]);
    });
    // Relaxed: the joins ordered every update.
    let peak = peak.load(Relaxed);
    if R::BOUNDED_UNDER_STALL {
        let bound = ibr_bound(keys as usize, writers, THRESHOLDS);
        // Under Miri the thresholds are 2 but the runs are short: the bound is checked, its
        // meaning (far below the retirements) only natively and under the sanitizers.
        assert!(
            cfg!(miri) || bound < writers * ops / 4,
            "the bound {bound} says nothing"
        );
        assert!(
            peak <= bound,
            "{peak} unreclaimed entries under a stalled reader (bound {bound})"
        );
    }
    map.flush();
    let len = map.check_structure().expect("structure after the churn");
    assert_eq!(
        tracker.live(),
        2 * len,
        "garbage left after the reader left (peak {peak})"
    );
    drop(map);
    tracker.assert_all_dropped_once();
}
