#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! Linearizability of `SkipListMap`, checked by the ccol-specs checker on histories recorded
//! from real threads, and the exactly-one-winner guarantees of its conditional updates.
//!
//! - **Point operations** (`insert`, `get`, `remove`, `contains_key`) and **conditional
//!   ones** (`try_insert`, `get_or_insert(_with)`, `compare_and_replace`): the ccol-specs
//!   suites, checked per key (P-compositionality), so the histories can be long.
//! - **Ordered operations** (`first`, `last`, `pop_last`, `floor`, `ceiling`, `lower`,
//!   `higher`, with the point operations): checked as a whole object on a small key space,
//!   **without `pop_first`**. `SkipListMap::pop_first` is documented as weaker than
//!   linearizable (it removes an entry that was the least at some moment of the call; a smaller
//!   key inserted meanwhile and seen by a third thread before the removal takes effect makes
//!   the history non-linearizable), so it has its own tests: linearizable when no smaller key
//!   can arrive (one thread inserts ascending keys), exactly-once while other threads insert,
//!   replace and remove, and an ignored test that hunts for the anomaly and confirms it with
//!   the checker (`common/pop_witness.rs`). The same hunt from the back must find nothing:
//!   `pop_last` is linearizable. A reversed map drives the model's `pop_first` through its own
//!   `pop_last` and leaves out the model's `pop_last` instead.
//! - **Races for one key**: threads racing `try_insert` (and `get_or_insert_with`) on an
//!   absent key, and `compare_and_replace` from the same expected value, have exactly one
//!   winner per round, and every loser sees the winner's entry or gets its pair back.
//!
//! Sizes: natively the whole file takes well under a minute in a debug build; under Miri
//! every test runs a few short rounds.

mod common;
#[path = "common/pop_witness.rs"]
mod pop_witness;
#[path = "common/skiplist.rs"]
mod skiplist;

use std::sync::Barrier;

use ccol_atomics::sync::atomic::{AtomicU64, Ordering};
use ccol_ordered::{Natural, Reverse, SkipListMap};
use ccol_reclaim::{Debra, Ibr, Reclaim};
use ccol_specs::{
    Checker, SplitMix64,
    conformance::{
        Config, ConformanceError, MapUnderTest, OrderedMapUnderTest, OrderedOps,
        check_conditional_map_linearizable, check_map_linearizable,
        check_ordered_map_linearizable_with,
    },
    model::{MapModel, MapOp, MapRet},
    run_concurrent,
};
use common::scaled;
use pop_witness::{End, hunt};
use skiplist::{Adapter, Api, Keys};

/// Rounds of a randomized suite: [`scaled`], and a quarter of `normal` (never below `miri`)
/// under the sanitizers (`cargo xtask san`), where every access and the history checks are
/// instrumented: the suite took 120 s under ThreadSanitizer with every round. The plain test
/// run keeps them all.
const fn rounds(normal: usize, miri: usize) -> usize {
    if cfg!(ccol_sanitize) {
        let quarter = normal / 4;
        if quarter > miri { quarter } else { miri }
    } else {
        scaled(normal, miri)
    }
}

/// Runs a suite and prints its report on failure.
#[track_caller]
fn pass(result: Result<(), ConformanceError>) {
    if let Err(err) = result {
        panic!("{err}");
    }
}

fn make<C, R>(comparator: C, api: Api, keys: Keys) -> impl Fn(usize) -> Adapter<C, R>
where
    C: Copy,
    R: Reclaim,
{
    move |_hint| Adapter::new(comparator, api, keys)
}

// ---------------------------------------------------------------------------------------------
// The ccol-specs suites

/// Per-key checks stay cheap however long the history, so the point and conditional suites
/// run 4 threads × 40 operations on 6 keys (each key's sub-history has about 27 operations,
/// enough for several overlapping updates of one key).
fn per_key(seed: u64) -> Config {
    Config {
        threads: scaled(4, 3),
        ops_per_thread: scaled(40, 5),
        keys: scaled(6, 2) as u64,
        rounds: rounds(800, 3) as u32,
        seed,
        ..Config::default()
    }
}

/// Whole-object checks: 4 threads × 12 operations on 5 keys (3 × 4 on 3 under Miri), many
/// rounds. Each history takes milliseconds to check.
fn whole(seed: u64) -> Config {
    Config {
        threads: scaled(4, 3),
        ops_per_thread: scaled(12, 4),
        keys: scaled(5, 3) as u64,
        rounds: rounds(2500, 4) as u32,
        seed,
        ..Config::default()
    }
}

#[test]
fn ibr_point_ops_pinned() {
    pass(check_map_linearizable(
        &per_key(1),
        make::<_, Ibr>(Natural, Api::Pinned, Keys::Same),
    ));
}

#[test]
fn debra_point_ops_entry() {
    pass(check_map_linearizable(
        &per_key(2),
        make::<_, Debra>(Natural, Api::Entry, Keys::Same),
    ));
}

#[test]
fn ibr_conditional_ops_entry() {
    pass(check_conditional_map_linearizable(
        &per_key(3),
        make::<_, Ibr>(Natural, Api::Entry, Keys::Same),
    ));
}

#[test]
fn debra_conditional_ops_pinned() {
    pass(check_conditional_map_linearizable(
        &per_key(4),
        make::<_, Debra>(Natural, Api::Pinned, Keys::Same),
    ));
}

#[test]
fn ibr_ordered_ops_pinned() {
    pass(check_ordered_map_linearizable_with(
        &whole(5),
        OrderedOps::WITHOUT_POP_FIRST,
        make::<_, Ibr>(Natural, Api::Pinned, Keys::Same),
    ));
}

#[test]
fn debra_ordered_ops_entry() {
    pass(check_ordered_map_linearizable_with(
        &whole(6),
        OrderedOps::WITHOUT_POP_FIRST,
        make::<_, Debra>(Natural, Api::Entry, Keys::Same),
    ));
}

/// Keys stored as `u64::MAX - k` under `Reverse(Natural)`: the model's `pop_last` is the
/// map's `pop_last`.
#[test]
fn ibr_ordered_ops_reverse_flipped_keys() {
    pass(check_ordered_map_linearizable_with(
        &whole(7),
        OrderedOps::WITHOUT_POP_FIRST,
        make::<_, Ibr>(Reverse::new(Natural), Api::Entry, Keys::Flipped),
    ));
}

/// Keys stored as they are under `Reverse(Natural)`: every direction swaps, so the model's
/// `pop_first` is the map's (linearizable) `pop_last`, and the model's `pop_last`, which
/// would be the map's `pop_first`, is left out.
#[test]
fn debra_ordered_ops_reverse_mirrored_directions() {
    pass(check_ordered_map_linearizable_with(
        &whole(8),
        OrderedOps::WITHOUT_POP_LAST,
        make::<_, Debra>(Reverse::new(Natural), Api::Pinned, Keys::Mirrored),
    ));
}

// ---------------------------------------------------------------------------------------------
// pop_first

type Op = MapOp<u64, u64>;
type Ret = MapRet<u64, u64>;

/// Runs an operation of the ordered model on an adapter (the subset the workloads below
/// generate).
fn exec<T: OrderedMapUnderTest>(map: &T, op: &Op) -> Ret {
    match *op {
        MapOp::Insert(k, v) => MapRet::Value(map.insert(k, v)),
        MapOp::Get(k) => MapRet::Value(map.get(k)),
        MapOp::Remove(k) => MapRet::Value(map.remove(k)),
        MapOp::ContainsKey(k) => MapRet::Bool(map.contains_key(k)),
        MapOp::First => MapRet::Entry(map.first()),
        MapOp::PopFirst => MapRet::Entry(map.pop_first()),
        MapOp::PopLast => MapRet::Entry(map.pop_last()),
        MapOp::Floor(k) => MapRet::Entry(map.floor(k)),
        MapOp::Ceiling(k) => MapRet::Entry(map.ceiling(k)),
        ref other => unreachable!("not generated here: {other:?}"),
    }
}

/// With one thread inserting keys above every key ever inserted, no smaller key can arrive
/// during a `pop_first`, and the weaker guarantee is linearizability again: thread 0 inserts
/// ascending keys while the others pop from both ends, remove and read, checked as a whole
/// object (the model's `pop_first` is exact).
fn pop_first_with_ascending_inserts<R: Reclaim>(api: Api, seed: u64) {
    let (threads, ops) = (scaled(4, 3), scaled(12, 4));
    let prefill = 4;
    for round in 0..rounds(1200, 3) as u64 {
        let map = Adapter::<_, R>::new(Natural, api, Keys::Same);
        for k in 0..prefill {
            map.insert(k, k);
        }
        let initial = MapModel::from_entries((0..prefill).map(|k| (k, k)));
        let next_key = AtomicU64::new(prefill);
        let top = prefill + ops as u64;
        let generate = |t: usize, rng: &mut SplitMix64| -> Op {
            if t == 0 {
                // Relaxed: only thread 0 uses the counter.
                return MapOp::Insert(next_key.fetch_add(1, Ordering::Relaxed), rng.below(8));
            }
            let k = rng.below(top);
            match rng.below(10) {
                0..=3 => MapOp::PopFirst,
                4 => MapOp::PopLast,
                5 => MapOp::First,
                6 => MapOp::Remove(k),
                7 => MapOp::ContainsKey(k),
                8 => MapOp::Floor(k),
                _ => MapOp::Ceiling(k),
            }
        };
        let history = run_concurrent::<MapModel<u64, u64>, _, _>(
            threads,
            ops,
            seed + round,
            generate,
            |_, op| exec(&map, op),
        );
        if let Err(err) = Checker::new().check(&history, &initial) {
            panic!("round {round}: {err}\nhistory:\n{history}");
        }
    }
}

#[test]
fn ibr_pop_first_is_linearizable_without_smaller_inserts() {
    pop_first_with_ascending_inserts::<Ibr>(Api::Pinned, 100);
}

#[test]
fn debra_pop_first_is_linearizable_without_smaller_inserts() {
    pop_first_with_ascending_inserts::<Debra>(Api::Entry, 200);
}

/// A value unique to (thread, sequence number): every entry is distinguishable, so a loss or
/// a duplicate shows.
fn unique(thread: u64, seq: u64) -> u64 {
    (thread << 32) | seq
}

/// Where each entry (by its unique value) ended up.
#[derive(Default)]
struct Outcomes {
    /// Returned by `pop_first`.
    popped: Vec<(u64, u64)>,
    /// Returned by `remove`, `pop_last`, or as the entry an `insert` replaced.
    taken: Vec<(u64, u64)>,
}

/// `pop_first`'s guarantee under contention: entries are popped **exactly once**. Two threads
/// pop from the front (one through each API) for as long as two others insert keys of a
/// small range (smaller ones too, and replacing present ones) and a fifth removes keys and
/// pops from the back. Every entry ever inserted must end up exactly once among the popped,
/// removed, replaced and remaining ones, with its own key: a double pop, a lost entry or a
/// phantom one fails.
fn pop_first_exactly_once<R: Reclaim>() {
    let ops = scaled(3000, 16) as u64;
    let keys = scaled(48, 6) as u64;
    let mut total_popped = 0;
    for round in 0..scaled(12, 1) as u64 {
        let mut map: SkipListMap<u64, u64, _, R> = SkipListMap::new();
        let mut inserted: Vec<(u64, u64)> = (0..keys).map(|k| (k, unique(9, k))).collect();
        for &(k, v) in &inserted {
            map.insert(k, v);
        }
        let start = Barrier::new(5);
        // The writers (threads 2 to 4) that have not finished yet.
        let writing = AtomicU64::new(3);
        let outcomes: Vec<(Outcomes, Vec<(u64, u64)>)> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..5u64)
                .map(|t| {
                    let (map, start, writing) = (&map, &start, &writing);
                    s.spawn(move || {
                        let mut rng = SplitMix64::for_stream(round, t);
                        let (mut out, mut mine) = (Outcomes::default(), Vec::new());
                        let pair = |(k, v): (&u64, &u64)| (*k, *v);
                        start.wait();
                        // At least one pop each, then until the writers are done (a popper
                        // scheduled late would otherwise pop nothing and test nothing).
                        // Relaxed: a stop signal; the results are read after the joins.
                        let mut first = true;
                        while t < 2 && (first || writing.load(Ordering::Relaxed) > 0) {
                            first = false;
                            if t == 0 {
                                out.popped.extend(map.pin().pop_first().map(pair));
                            } else {
                                out.popped.extend(map.pop_first().map(|e| pair(e.pair())));
                            }
                        }
                        for seq in (0..ops).take_while(|_| t >= 2) {
                            let k = rng.below(keys);
                            if t < 4 {
                                let v = unique(t, seq);
                                mine.push((k, v));
                                out.taken.extend(map.pin().insert(k, v).map(pair));
                            } else if seq % 2 == 0 {
                                out.taken.extend(map.remove(&k).map(|e| pair(e.pair())));
                            } else {
                                out.taken.extend(map.pin().pop_last().map(pair));
                            }
                        }
                        if t >= 2 {
                            // Relaxed: as above.
                            writing.fetch_sub(1, Ordering::Relaxed);
                        }
                        (out, mine)
                    })
                })
                .collect();
            workers
                .into_iter()
                .map(|w| w.join().expect("worker panicked"))
                .collect()
        });
        let remaining: Vec<(u64, u64)> = map.pin().iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(map.check_structure(), Ok(remaining.len()), "round {round}");
        let mut ended: Vec<(u64, u64)> = remaining;
        let mut popped = 0;
        for (out, mine) in outcomes {
            popped += out.popped.len();
            ended.extend(out.popped);
            ended.extend(out.taken);
            inserted.extend(mine);
        }
        total_popped += popped;
        ended.sort_unstable();
        inserted.sort_unstable();
        if ended != inserted {
            let twice: Vec<_> = ended
                .windows(2)
                .filter(|w| w[0] == w[1])
                .map(|w| w[0])
                .collect();
            let lost: Vec<_> = inserted
                .iter()
                .filter(|e| ended.binary_search(e).is_err())
                .collect();
            let phantom: Vec<_> = ended
                .iter()
                .filter(|e| inserted.binary_search(e).is_err())
                .collect();
            panic!(
                "round {round}: returned twice {twice:?}, lost {lost:?}, never inserted {phantom:?}"
            );
        }
    }
    assert!(total_popped > 0, "no round popped anything");
}

#[test]
fn ibr_pop_first_takes_each_entry_exactly_once() {
    pop_first_exactly_once::<Ibr>();
}

#[test]
fn debra_pop_first_takes_each_entry_exactly_once() {
    pop_first_exactly_once::<Debra>();
}

/// `pop_first`'s documented weakness, demonstrated (see [`hunt`]). Ignored: finding a witness
/// depends on the OS descheduling a thread at the right moment (typically within a few
/// seconds on a loaded machine), so it cannot be a reliable test.
#[test]
#[ignore = "hunts for a scheduling accident; run with --ignored to see pop_first's documented anomaly"]
fn pop_first_anomaly_witness() {
    let history = hunt(End::Front, 100_000, 30).expect("no witness in 30 attempts");
    println!("a non-linearizable pop_first history (the checker rejects it):\n{history}");
}

/// The same hunt from the back finds nothing: `pop_last` removes its entry while nothing
/// follows it, so no witness can exist. (With `pop_last` weakened to `pop_first`'s scheme,
/// the hunt finds witnesses within a few runs on this project's machine.) Natively only: it
/// relies on OS preemption.
#[test]
#[cfg_attr(miri, ignore = "relies on OS preemption of a long-running thread")]
fn pop_last_shows_no_anomaly() {
    if let Some(history) = hunt(End::Back, 20_000, 4) {
        panic!("a non-linearizable pop_last history (the checker rejects it):\n{history}");
    }
}

// ---------------------------------------------------------------------------------------------
// Races for one key

/// Racing threads per round (3 under Miri).
fn racers() -> usize {
    scaled(4, 3)
}

/// Rounds of each race (6 under Miri, a quarter under the sanitizers).
fn race_rounds() -> u64 {
    rounds(3000, 6) as u64
}

/// Runs `f(t)` on `racers()` threads released together by a barrier; results in thread order.
fn race<T: Send>(f: impl Fn(u64) -> T + Sync) -> Vec<T> {
    let start = Barrier::new(racers());
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..racers() as u64)
            .map(|t| {
                let (f, start) = (&f, &start);
                s.spawn(move || {
                    start.wait();
                    f(t)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("racer panicked"))
            .collect()
    })
}

/// The one racer that won (`won[t]`), after checking that exactly one did.
#[track_caller]
fn the_winner(round: u64, won: &[bool]) -> u64 {
    let winners: Vec<u64> = (0..)
        .zip(won)
        .filter(|(_, w)| **w)
        .map(|(t, _)| t)
        .collect();
    assert_eq!(winners.len(), 1, "round {round}: winners {winners:?}");
    winners[0]
}

/// `try_insert` of an absent key by every racer (even threads through `PinnedMap`, odd ones
/// through the `Entry` form): exactly one inserts; every other one is refused with the
/// winner's entry and gets its own pair back. The key is removed after each round (returning
/// the winner's value), and the rounds cycle over three keys, so races also meet the removed
/// nodes of earlier rounds.
fn try_insert_race<R: Reclaim>() {
    let mut map: SkipListMap<u64, u64, _, R> = SkipListMap::new();
    for round in 0..race_rounds() {
        let key = round % 3;
        let results = race(|t| {
            let value = unique(t, round);
            if t % 2 == 0 {
                match map.pin().try_insert(key, value) {
                    Ok(inserted) => {
                        assert_eq!(inserted, (&key, &value));
                        Ok(())
                    }
                    Err(occupied) => {
                        assert_eq!(
                            (occupied.rejected_key, occupied.rejected_value),
                            (key, value)
                        );
                        Err((*occupied.key, *occupied.value))
                    }
                }
            } else {
                match map.try_insert(key, value) {
                    Ok(inserted) => {
                        assert_eq!(inserted.pair(), (&key, &value));
                        Ok(())
                    }
                    Err((occupant, back_key, back_value)) => {
                        assert_eq!((back_key, back_value), (key, value));
                        Err((*occupant.key(), *occupant.value()))
                    }
                }
            }
        });
        let won: Vec<bool> = results.iter().map(Result::is_ok).collect();
        let won = unique(the_winner(round, &won), round);
        for refused in results.iter().filter_map(|r| r.err()) {
            assert_eq!(
                refused,
                (key, won),
                "round {round}: a loser saw another entry"
            );
        }
        assert_eq!(
            map.remove(&key).map(|e| *e.value()),
            Some(won),
            "round {round}"
        );
    }
    assert_eq!(map.check_structure(), Ok(0));
}

#[test]
fn ibr_racing_try_inserts_have_one_winner() {
    try_insert_race::<Ibr>();
}

#[test]
fn debra_racing_try_inserts_have_one_winner() {
    try_insert_race::<Debra>();
}

/// `get_or_insert_with` of an absent key by every racer: all of them return the same value,
/// and it is the value made by exactly one of them (whose closure ran).
fn get_or_insert_with_race<R: Reclaim>() {
    let map: SkipListMap<u64, u64, _, R> = SkipListMap::new();
    for round in 0..race_rounds() {
        let key = round % 3;
        let results = race(|t| {
            let made = core::cell::Cell::new(false);
            let got = *map
                .get_or_insert_with(key, |_| {
                    made.set(true);
                    unique(t, round)
                })
                .value();
            (got, made.get())
        });
        let got = results[0].0;
        assert!(
            results.iter().all(|r| r.0 == got),
            "round {round}: {results:?}"
        );
        let makers: Vec<u64> = (0..)
            .zip(&results)
            .filter(|(t, r)| r.1 && r.0 == unique(*t, round))
            .map(|(t, _)| t)
            .collect();
        assert_eq!(makers.len(), 1, "round {round}: {results:?}");
        assert_eq!(map.remove(&key).map(|e| *e.value()), Some(got));
    }
}

#[test]
fn ibr_racing_get_or_insert_with_agree() {
    get_or_insert_with_race::<Ibr>();
}

#[test]
fn debra_racing_get_or_insert_with_agree() {
    get_or_insert_with_race::<Debra>();
}

/// `compare_and_replace(key, &expected, new_t)` by every racer from the same expected value,
/// each with its own new value: exactly one replaces (returning the entry it replaced, with
/// the expected value); every other one gets its pair back. Chained on one key: each round
/// expects the previous winner's value, so the key's entry is replaced over and over.
fn compare_and_replace_race<R: Reclaim>() {
    const KEY: u64 = 7;
    let mut map: SkipListMap<u64, u64, _, R> = SkipListMap::new();
    map.insert(KEY, 0);
    let mut expected = 0;
    for round in 0..race_rounds() {
        let results = race(|t| {
            let new = unique(t + 1, round);
            let result = if t % 2 == 0 {
                map.pin()
                    .compare_and_replace(KEY, &expected, new)
                    .map(|(k, v)| (*k, *v))
            } else {
                map.compare_and_replace(KEY, &expected, new)
                    .map(|e| (*e.key(), *e.value()))
            };
            // The replaced entry holds the expected value; a refused pair comes back whole.
            match result {
                Ok(replaced) => assert_eq!(replaced, (KEY, expected)),
                Err(back) => assert_eq!(back, (KEY, new)),
            }
            result.is_ok()
        });
        expected = unique(the_winner(round, &results) + 1, round);
        assert_eq!(
            map.get(&KEY).map(|e| *e.value()),
            Some(expected),
            "round {round}"
        );
    }
    assert_eq!(map.check_structure(), Ok(1));
}

#[test]
fn ibr_racing_compare_and_replace_have_one_winner() {
    compare_and_replace_race::<Ibr>();
}

#[test]
fn debra_racing_compare_and_replace_have_one_winner() {
    compare_and_replace_race::<Debra>();
}
