#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! `SkipListMap`'s memory contract, counted: every key and value made by a test is dropped
//! exactly once (never twice, never leaked), whichever operation took it in or handed it
//! back — `insert` over a present key (the replaced entry), `try_insert` (the rejected pair
//! comes back to the caller), `get_or_insert(_with)` (the given or made value is dropped when
//! the key is present or a racing insert wins), `replace` and `compare_and_replace` (the pair
//! comes back on a miss), `remove`, `pop_first`, `pop_last`, `clear`, `extend` — and dropping
//! the map frees what is still present and what is still pending reclamation.
//!
//! The sequential runs also check every answer against a `BTreeMap` model, and after each
//! `flush` (no guard held) that nothing but the present entries is alive: a node unlinked
//! and never retired shows up there, before the map's drop. The concurrent run (four
//! threads on a small key space, so `get_or_insert_with` races and replacements collide)
//! checks the same balance after joining. Every test runs for both schemes.

#[path = "common/tracked.rs"]
mod tracked;

extern crate alloc;

use alloc::collections::BTreeMap;
use std::thread;

use ccol_arch::config::Config;
use ccol_atomics::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use ccol_ordered::{Natural, Occupied, SkipListMap};
use ccol_reclaim::Reclaim;
use tracked::{Rng, Tracked, Tracker, for_each_scheme, join_all, scaled};

/// The map under test: tracked keys and values, natural order.
type Map<'t, R> = SkipListMap<Tracked<'t>, Tracked<'t>, Natural, R>;

/// Operations of a sequential run.
const OPS: usize = scaled(6_000, 40);
/// Operations per thread of the concurrent run.
const THREAD_OPS: usize = scaled(5_000, 15);
const THREADS: usize = 4;
/// Keys `0..KEYS`: small, so operations meet present keys half the time.
const KEYS: u64 = 24;
/// At most this many objects per operation (key, value, expected or probe, made value).
const PER_OP: usize = 4;

for_each_scheme!(
    mixed_operations_drop_every_key_and_value_once => mixed_sequential,
    dropping_the_map_frees_present_and_pending_entries => drop_with_pending,
    clear_extend_and_collect_drop_every_pair_once => clear_extend_collect,
    concurrent_mixed_operations_drop_every_key_and_value_once => mixed_concurrent,
);

/// What the model says an operation should have answered (`None`: unchecked, concurrent).
type Model = Option<BTreeMap<u64, u64>>;

/// Checks `got` against the model's answer when there is a model.
#[track_caller]
fn expect<T: PartialEq + core::fmt::Debug>(model_answer: Option<T>, got: T) {
    if let Some(want) = model_answer {
        assert_eq!(got, want);
    }
}

/// One random operation on `map`, through the pinned API or the `std` one (entries holding
/// their own pin), checked against `model` when given. Every object it makes is either moved
/// into the map or dropped here; nothing it returns outlives the call.
#[allow(clippy::too_many_lines, reason = "one arm per operation")]
fn step<'t, R: Reclaim>(map: &Map<'t, R>, tracker: &'t Tracker, rng: &mut Rng, model: &mut Model) {
    let k = rng.below(KEYS);
    let v = rng.next() >> 8;
    let key = || tracker.make(k);
    let current = model.as_ref().map(|m| m.get(&k).copied());
    let pin = map.pin();
    match rng.below(20) {
        0 => {
            let old = pin
                .insert(key(), tracker.make(v))
                .map(|(_, old)| old.value());
            expect(current, old);
            if let Some(m) = model {
                m.insert(k, v);
            }
        }
        1 => {
            let old = map
                .insert(key(), tracker.make(v))
                .map(|e| e.value().value());
            expect(current, old);
            if let Some(m) = model {
                m.insert(k, v);
            }
        }
        2 => match pin.try_insert(key(), tracker.make(v)) {
            Ok((new_key, value)) => {
                assert_eq!((new_key.value(), value.value()), (k, v));
                expect(current, None);
                if let Some(m) = model {
                    m.insert(k, v);
                }
            }
            Err(Occupied {
                key: present,
                value,
                rejected_key,
                rejected_value,
            }) => {
                assert_eq!((present.value(), rejected_key.value()), (k, k));
                assert_eq!(rejected_value.value(), v);
                expect(current, Some(value.value()));
                // The caller drops the pair handed back (counted by the tracker).
                drop((rejected_key, rejected_value));
            }
        },
        3 => match map.try_insert(key(), tracker.make(v)) {
            Ok(entry) => {
                assert_eq!(entry.value().value(), v);
                expect(current, None);
                if let Some(m) = model {
                    m.insert(k, v);
                }
            }
            Err((entry, rejected_key, rejected_value)) => {
                assert_eq!((entry.key().value(), rejected_key.value()), (k, k));
                assert_eq!(rejected_value.value(), v);
                expect(current, Some(entry.value().value()));
            }
        },
        4 | 5 => {
            // `make` runs at most once, only when the key looked absent; its value is
            // dropped by the map if a racing insert wins.
            let made = AtomicUsize::new(0);
            let make = |probe: &Tracked<'t>| {
                assert_eq!(probe.value(), k);
                // Relaxed: a local count.
                made.fetch_add(1, Relaxed);
                tracker.make(v)
            };
            let got = if rng.one_in(2) {
                pin.get_or_insert_with(key(), make).1.value()
            } else {
                map.get_or_insert_with(key(), make).value().value()
            };
            // Relaxed: read on the thread that wrote it.
            let made = made.load(Relaxed);
            assert!(made <= 1, "make ran {made} times");
            if let Some(m) = model {
                assert_eq!(made, usize::from(current == Some(None)));
                assert_eq!(got, *m.entry(k).or_insert(v));
            }
        }
        6 => {
            let got = map.get_or_insert(key(), tracker.make(v)).value().value();
            if let Some(m) = model {
                assert_eq!(got, *m.entry(k).or_insert(v));
            }
        }
        7 | 8 => {
            let answer = if rng.one_in(2) {
                pin.replace(key(), tracker.make(v))
                    .map(|(_, old)| old.value())
            } else {
                map.replace(key(), tracker.make(v))
                    .map(|e| e.value().value())
            };
            let old = answer.map_err(|(rk, rv)| assert_eq!((rk.value(), rv.value()), (k, v)));
            expect(current.map(|c| c.ok_or(())), old);
            if let (Some(m), Ok(_)) = (model.as_mut(), old) {
                m.insert(k, v);
            }
        }
        9 | 10 => {
            // Expect the present value half the time (a hit), another one otherwise.
            let present = pin.get(&k).map(Tracked::value);
            let guess = match present {
                Some(p) if rng.one_in(2) => p,
                _ => rng.next() >> 8,
            };
            let expected = tracker.make(guess);
            let answer = if rng.one_in(2) {
                pin.compare_and_replace(key(), &expected, tracker.make(v))
                    .map(|(_, old)| old.value())
            } else {
                map.compare_and_replace(key(), &expected, tracker.make(v))
                    .map(|e| e.value().value())
            };
            let old = answer.map_err(|(rk, rv)| assert_eq!((rk.value(), rv.value()), (k, v)));
            if let Some(m) = model {
                let hit = m.get(&k) == Some(&guess);
                assert_eq!(old, if hit { Ok(guess) } else { Err(()) });
                if hit {
                    m.insert(k, v);
                }
            }
        }
        11 | 12 => {
            // Probe by the plain value, or by a tracked key (made and dropped here).
            let old = match rng.below(3) {
                0 => pin.remove(&k).map(|(_, old)| old.value()),
                1 => map.remove(&k).map(|e| e.value().value()),
                _ => map.remove(&key()).map(|e| e.value().value()),
            };
            expect(current, old);
            if let Some(m) = model {
                m.remove(&k);
            }
        }
        13 | 14 => {
            let got = if rng.one_in(2) {
                pin.pop_first().map(|(k, v)| (k.value(), v.value()))
            } else {
                map.pop_first()
                    .map(|e| (e.key().value(), e.value().value()))
            };
            expect(model.as_mut().map(BTreeMap::pop_first), got);
        }
        15 | 16 => {
            let got = if rng.one_in(2) {
                pin.pop_last().map(|(k, v)| (k.value(), v.value()))
            } else {
                map.pop_last().map(|e| (e.key().value(), e.value().value()))
            };
            expect(model.as_mut().map(BTreeMap::pop_last), got);
        }
        17 => {
            // Reads: they hand out references into entries, whose canaries must be live.
            let got = pin.get(&k).map(Tracked::value);
            expect(current, got);
            let floor = map.floor(&k).map(|e| e.key().value());
            assert!(floor.is_none_or(|f| f <= k));
            let keys: Vec<u64> = pin.range(k..).map(|(key, _)| key.value()).collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]) && keys.iter().all(|&x| x >= k));
        }
        18 if rng.one_in(40) => {
            map.clear();
            if let Some(m) = model {
                m.clear();
            }
        }
        _ => {
            // A flush with no guard held frees every retired entry: what is left alive is
            // exactly the present entries' keys and values.
            drop(pin);
            map.flush();
            if let Some(m) = model {
                assert_eq!(map.len(), m.len());
                assert_eq!(
                    tracker.live(),
                    2 * m.len(),
                    "entries alive beyond the map's"
                );
            }
        }
    }
}

/// A sequential run of random operations against the model; the map is dropped with
/// entries present and garbage pending.
fn mixed_sequential<R: Reclaim>() {
    let tracker = Tracker::new(OPS * PER_OP);
    let mut model: Model = Some(BTreeMap::new());
    let mut map: Map<'_, R> = SkipListMap::new();
    let mut rng = Rng::new(0x5EED);
    for i in 0..OPS {
        step(&map, &tracker, &mut rng, &mut model);
        tracker.assert_no_double_drop();
        if i % 256 == 0 {
            let len = model.as_ref().map(BTreeMap::len);
            assert_eq!(
                map.check_structure().ok(),
                len,
                "structure after {i} operations"
            );
        }
    }
    let model = model.expect("sequential");
    assert_eq!(map.check_structure(), Ok(model.len()));
    let contents: Vec<(u64, u64)> = map
        .pin()
        .iter()
        .map(|(k, v)| (k.value(), v.value()))
        .collect();
    assert_eq!(contents, model.into_iter().collect::<Vec<_>>());
    drop(map);
    tracker.assert_all_dropped_once();
}

/// Replacements and removals with no flush, the last ones while a pin still holds them
/// (so they cannot have been freed yet), then the map's drop frees everything.
fn drop_with_pending<R: Reclaim>() {
    let rounds = scaled(400, 12);
    let tracker = Tracker::new(rounds * 8);
    let map: Map<'_, R> = SkipListMap::new();
    for i in 0..rounds as u64 {
        map.insert(tracker.make(i % 32), tracker.make(i));
        if i % 3 == 0 {
            map.remove(&(i % 7));
        }
    }
    {
        let pin = map.pin();
        for i in 0..8u64 {
            pin.insert(tracker.make(i), tracker.make(1000 + i));
            pin.remove(&(i + 8));
        }
        assert!(pin.get(&3).is_some_and(|v| v.value() == 1003));
        // Replaced and removed entries are still readable through the pin.
        assert!(tracker.live() > 2 * map.len());
    }
    tracker.assert_no_double_drop();
    drop(map);
    tracker.assert_all_dropped_once();
}

/// `with_config` builds the map's domain from the given `Config`: with IBR thresholds of 1,
/// removed entries are freed as the removals go on; with the defaults (64 retirements per
/// scan, 32 per epoch advance) a few removals free nothing. (DEBRA has no thresholds: it
/// frees as its epoch advances.)
#[test]
fn a_configured_retire_threshold_reaches_the_map_domain() {
    type R = ccol_reclaim::Ibr;
    const ENTRIES: u64 = 8;
    fn removals<'t>(map: &Map<'t, R>, tracker: &'t Tracker) -> usize {
        for i in 0..ENTRIES {
            map.insert(tracker.make(i), tracker.make(i));
        }
        for i in 0..ENTRIES {
            assert!(map.remove(&i).is_some());
        }
        tracker.live()
    }
    let eager = Config::DEFAULT
        .with_retire_threshold(1)
        .and_then(|config| config.with_epoch_frequency(1))
        .expect("in range");
    let tracker = Tracker::new(4 * ENTRIES as usize);
    let configured: Map<'_, R> = SkipListMap::with_config(&eager);
    let default: Map<'_, R> = SkipListMap::new();
    let left_configured = removals(&configured, &tracker);
    assert!(
        left_configured < 2 * ENTRIES as usize,
        "thresholds of 1 freed no removed entry ({left_configured} objects alive)"
    );
    let left_default = removals(&default, &tracker) - left_configured;
    // Miri and the sanitizers shrink every domain's thresholds to 2 (`reclaim/src/domain.rs`).
    if !cfg!(any(miri, ccol_sanitize)) {
        assert_eq!(
            left_default,
            2 * ENTRIES as usize,
            "the default thresholds freed entries after {ENTRIES} removals"
        );
    }
    drop((configured, default));
    tracker.assert_all_dropped_once();
}

/// `clear` (then a flush leaves nothing alive), `extend` with duplicate keys (each
/// duplicate replaces the entry before it), `collect`, `Debug`.
fn clear_extend_collect<R: Reclaim>() {
    let n = scaled(300, 12) as u64;
    let tracker = Tracker::new(n as usize * 8);
    let mut map: Map<'_, R> = SkipListMap::new();
    map.extend((0..n).map(|i| (tracker.make(i % (n / 3)), tracker.make(i))));
    assert_eq!(map.check_structure(), Ok((n / 3) as usize));
    map.flush();
    assert_eq!(tracker.live(), 2 * map.len());
    map.clear();
    assert!(map.is_empty());
    map.flush();
    assert_eq!(
        tracker.live(),
        0,
        "cleared entries still alive after a flush"
    );
    let collected: Map<'_, R> = (0..n)
        .map(|i| (tracker.make(i % 5), tracker.make(i)))
        .collect();
    assert_eq!(
        format!("{collected:?}").matches('#').count(),
        10,
        "five keys and five values"
    );
    drop(collected);
    map.insert(tracker.make(1), tracker.make(2));
    drop(map);
    tracker.assert_all_dropped_once();
}

/// [`THREADS`] threads of random operations on one small key space; after they are joined
/// a flush leaves exactly the present entries alive, the structure checks, and the map's
/// drop balances every count.
fn mixed_concurrent<R: Reclaim>() {
    let tracker = Tracker::new(THREADS * THREAD_OPS * PER_OP + 16);
    let mut map: Map<'_, R> = SkipListMap::new();
    thread::scope(|s| {
        let handles = (0..THREADS as u64)
            .map(|t| {
                let (map, tracker) = (&map, &tracker);
                s.spawn(move || {
                    let mut rng = Rng::new(t + 1);
                    let mut model = None;
                    for _ in 0..THREAD_OPS {
                        step(map, tracker, &mut rng, &mut model);
                    }
                })
            })
            .collect();
        join_all(handles);
    });
    tracker.assert_no_double_drop();
    let len = map.check_structure().expect("structure after the threads");
    map.flush();
    assert_eq!(tracker.live(), 2 * len, "entries alive beyond the map's");
    drop(map);
    tracker.assert_all_dropped_once();
}
