#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! `SkipListMap` under misbehaving user code: a comparator that panics, a value-making closure
//! that panics, and comparators that break the order laws. The comparator docs promise that a
//! broken comparator gives wrong answers, never undefined behaviour or leaks; a panic must
//! also leave a map that works.
//!
//! - **A comparator that panics on its k-th call**, for every k up to the number of calls the
//!   operation makes, in every operation that compares (insert new and over a present key,
//!   `try_insert`, `get_or_insert(_with)`, `replace`, `compare_and_replace` hit and miss,
//!   `remove`, `pop_first`, `pop_last`, ranges both ways, navigation, `clear`). After each
//!   panic: the structure checks; the contents are those before the operation or after it;
//!   `clear` plus `flush` leaves nothing alive (an entry unlinked but never retired, or a
//!   replacement whose inserter never finished, shows up here); dropping the map drops every
//!   key and value exactly once. Every failing (operation, k) is listed.
//! - **A value-making closure that panics** in `get_or_insert_with`: the key is dropped, the
//!   map is unchanged.
//! - **Panics under concurrency**: four threads whose comparator panics on every p-th call,
//!   each operation in `catch_unwind`; then the same checks.
//! - **Lawless comparators** (random answers; a non-transitive rock-paper-scissors order)
//!   driving random operations, alone and on three threads: any answer is allowed, but no
//!   crash, no use after free (the keys' canaries and Miri check reads) and no leak.

#[path = "common/tracked.rs"]
mod tracked;

extern crate alloc;

use alloc::collections::BTreeMap;
use core::{cmp::Ordering, panic::AssertUnwindSafe};
use std::{panic, sync::Once, thread};

use ccol_atomics::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use ccol_ordered::{Comparator, CompareBorrowed, SkipListMap};
use ccol_reclaim::Reclaim;
use tracked::{Rng, Tracked, Tracker, for_each_scheme, join_all, scaled};

/// The payload of every planted panic (the quiet hook recognizes it).
struct Planted;

/// Silences planted panics (thousands of them) while keeping the default report for real
/// failures.
fn quiet_planted_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<Planted>() {
                default(info);
            }
        }));
    });
}

/// Natural order on [`Tracked`] keys that panics on a chosen call: the call numbered `fuse`
/// (counting from the map's creation), and every `period`-th call when `period` is non-zero.
/// Zero disarms either trigger. Shared by all threads of a map, so the counts are atomics
/// (Relaxed: a call count orders nothing).
#[derive(Debug, Default)]
struct Bomb {
    calls: AtomicUsize,
    fuse: AtomicUsize,
    period: AtomicUsize,
}

impl Bomb {
    /// The `k`-th call from now panics (`k ≥ 1`; `usize::MAX`: none).
    fn arm(&self, k: usize) {
        // Relaxed: see the type docs.
        self.fuse
            .store(self.calls.load(Relaxed).saturating_add(k), Relaxed);
    }

    /// Calls so far.
    fn calls(&self) -> usize {
        // Relaxed: see the type docs.
        self.calls.load(Relaxed)
    }

    /// Every `period`-th call panics.
    fn every(&self, period: usize) {
        // Relaxed: see the type docs.
        self.period.store(period, Relaxed);
    }

    fn disarm(&self) {
        // Relaxed: see the type docs.
        self.fuse.store(0, Relaxed);
        // Relaxed: see the type docs.
        self.period.store(0, Relaxed);
    }

    fn tick(&self) {
        // Relaxed: see the type docs.
        let call = self.calls.fetch_add(1, Relaxed) + 1;
        // Relaxed: see the type docs.
        let (fuse, period) = (self.fuse.load(Relaxed), self.period.load(Relaxed));
        if call == fuse || (period != 0 && call % period == 0) {
            panic::panic_any(Planted);
        }
    }
}

impl<'t> Comparator<Tracked<'t>> for Bomb {
    fn compare(&self, a: &Tracked<'t>, b: &Tracked<'t>) -> Ordering {
        self.tick();
        a.cmp(b)
    }
}

impl<'t> CompareBorrowed<Tracked<'t>, Tracked<'t>> for Bomb {
    fn compare_borrowed(&self, key: &Tracked<'t>, probe: &Tracked<'t>) -> Ordering {
        self.compare(key, probe)
    }
}

impl<'t> CompareBorrowed<Tracked<'t>, u64> for Bomb {
    fn compare_borrowed(&self, key: &Tracked<'t>, probe: &u64) -> Ordering {
        self.tick();
        key.value().cmp(probe)
    }
}

type BombMap<'t, R> = SkipListMap<Tracked<'t>, Tracked<'t>, Bomb, R>;

/// Entries before each single-operation case: keys `0, 2, …`, so odd keys are absent.
const ENTRIES: u64 = scaled(24, 5) as u64;
/// A present key near the middle, and an absent one next to it.
const PRESENT: u64 = ENTRIES / 2 * 2;
const ABSENT: u64 = PRESENT + 1;
/// Cap on k (no operation on these sizes compares this often).
const MAX_K: usize = 400;

/// The operations the single-operation cases run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    InsertNew,
    InsertOver,
    TryInsertNew,
    TryInsertPresent,
    GetOrInsertWithNew,
    GetOrInsertWithPresent,
    GetOrInsertPresent,
    Replace,
    ReplaceAbsent,
    CompareAndReplaceHit,
    CompareAndReplaceMiss,
    Remove,
    RemoveAbsent,
    PopFirst,
    PopLast,
    Range,
    RangeRev,
    Navigate,
    Clear,
}

const OPS: [Op; 19] = [
    Op::InsertNew,
    Op::InsertOver,
    Op::TryInsertNew,
    Op::TryInsertPresent,
    Op::GetOrInsertWithNew,
    Op::GetOrInsertWithPresent,
    Op::GetOrInsertPresent,
    Op::Replace,
    Op::ReplaceAbsent,
    Op::CompareAndReplaceHit,
    Op::CompareAndReplaceMiss,
    Op::Remove,
    Op::RemoveAbsent,
    Op::PopFirst,
    Op::PopLast,
    Op::Range,
    Op::RangeRev,
    Op::Navigate,
    Op::Clear,
];

/// The value a prefilled key holds, and the one an operation writes.
const fn old_value(key: u64) -> u64 {
    key * 10
}
const NEW_VALUE: u64 = 7777;

/// Runs `op` on `map` (half of the forms through a pin, half through the `std` API).
fn apply<'t, R: Reclaim>(map: &BombMap<'t, R>, tracker: &'t Tracker, op: Op) {
    let pin = map.pin();
    let t = |v| tracker.make(v);
    match op {
        Op::InsertNew => {
            let _ = pin.insert(t(ABSENT), t(NEW_VALUE));
        }
        Op::InsertOver => {
            let _ = map.insert(t(PRESENT), t(NEW_VALUE));
        }
        Op::TryInsertNew => {
            let _ = pin.try_insert(t(ABSENT), t(NEW_VALUE)).is_ok();
        }
        Op::TryInsertPresent => {
            let _ = map.try_insert(t(PRESENT), t(NEW_VALUE));
        }
        Op::GetOrInsertWithNew => {
            let _ = pin.get_or_insert_with(t(ABSENT), |_| t(NEW_VALUE));
        }
        Op::GetOrInsertWithPresent => {
            let _ = map.get_or_insert_with(t(PRESENT), |_| t(NEW_VALUE));
        }
        Op::GetOrInsertPresent => {
            let _ = pin.get_or_insert(t(PRESENT), t(NEW_VALUE));
        }
        Op::Replace => {
            let _ = map.replace(t(PRESENT), t(NEW_VALUE));
        }
        Op::ReplaceAbsent => {
            let _ = pin.replace(t(ABSENT), t(NEW_VALUE)).is_ok();
        }
        Op::CompareAndReplaceHit => {
            let expected = t(old_value(PRESENT));
            let _ = pin.compare_and_replace(t(PRESENT), &expected, t(NEW_VALUE));
        }
        Op::CompareAndReplaceMiss => {
            let expected = t(1);
            let _ = map.compare_and_replace(t(PRESENT), &expected, t(NEW_VALUE));
        }
        Op::Remove => {
            let _ = pin.remove(&PRESENT).is_some();
        }
        Op::RemoveAbsent => {
            let _ = map.remove(&t(ABSENT));
        }
        Op::PopFirst => {
            let _ = pin.pop_first().is_some();
        }
        Op::PopLast => {
            let _ = map.pop_last();
        }
        Op::Range => {
            let keys: Vec<u64> = map.range(2..=PRESENT).map(|e| e.key().value()).collect();
            assert!(keys.windows(2).all(|w| w[0] < w[1]));
        }
        Op::RangeRev => {
            let keys: Vec<u64> = pin.range(3..).rev().map(|(k, _)| k.value()).collect();
            assert!(keys.windows(2).all(|w| w[0] > w[1]));
        }
        Op::Navigate => {
            let got = [pin.floor(&ABSENT), pin.higher(&PRESENT), pin.lower(&1)];
            assert!(
                got.iter()
                    .flatten()
                    .all(|(k, v)| v.value() == old_value(k.value()))
            );
        }
        Op::Clear => map.clear(),
    }
}

/// The contents `op` leads to from `before` when it completes.
fn after(before: &BTreeMap<u64, u64>, op: Op) -> BTreeMap<u64, u64> {
    let mut model = before.clone();
    match op {
        Op::InsertNew | Op::TryInsertNew | Op::GetOrInsertWithNew => {
            model.insert(ABSENT, NEW_VALUE);
        }
        Op::InsertOver | Op::Replace | Op::CompareAndReplaceHit => {
            model.insert(PRESENT, NEW_VALUE);
        }
        Op::Remove => {
            let _ = model.remove(&PRESENT);
        }
        Op::PopFirst => {
            let _ = model.pop_first();
        }
        Op::PopLast => {
            let _ = model.pop_last();
        }
        Op::Clear => model.clear(),
        _ => {}
    }
    model
}

/// The map's contents, read with the comparator disarmed.
fn contents<R: Reclaim>(map: &BombMap<'_, R>) -> BTreeMap<u64, u64> {
    let pin = map.pin();
    pin.iter().map(|(k, v)| (k.value(), v.value())).collect()
}

/// One case: a fresh map of [`ENTRIES`] entries, `op` with the comparator armed to panic on
/// its `k`-th call. Returns whether it panicked, and every problem found afterwards.
fn case<R: Reclaim>(op: Op, k: usize) -> Outcome {
    let tracker = Tracker::new(4 * ENTRIES as usize + 16);
    let mut map: BombMap<'_, R> = SkipListMap::with_comparator(Bomb::default());
    for key in (0..ENTRIES).map(|i| 2 * i) {
        map.insert(tracker.make(key), tracker.make(old_value(key)));
    }
    let before = contents(&map);
    let start = map.comparator().calls();
    map.comparator().arm(k);
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| apply(&map, &tracker, op)));
    map.comparator().disarm();
    let calls = map.comparator().calls() - start;
    let panicked = match outcome {
        Ok(()) => false,
        Err(payload) if payload.is::<Planted>() => true,
        Err(payload) => panic::resume_unwind(payload),
    };
    let mut problems = Vec::new();
    let now = contents(&map);
    let done = after(&before, op);
    let acceptable = if !panicked {
        now == done
    } else if op == Op::Clear {
        // `clear` pops from the front: a panic leaves a suffix of the entries.
        now.keys().eq(before.keys().skip(before.len() - now.len()))
    } else {
        now == before || now == done
    };
    if !acceptable {
        problems.push(format!("contents {now:?} are neither before nor after"));
    }
    match map.check_structure() {
        Ok(len) if len == now.len() => {}
        Ok(len) => problems.push(format!("structure holds {len}, iteration {}", now.len())),
        Err(broken) => problems.push(format!("structure: {broken}")),
    }
    map.clear();
    map.flush();
    if tracker.live() != 0 {
        problems.push(format!(
            "{} objects alive after clear + flush (leaked nodes)",
            tracker.live()
        ));
    }
    drop(map);
    if let Err(problem) = tracker.all_dropped_once() {
        problems.push(format!("after dropping the map: {problem}"));
    }
    Outcome {
        panicked,
        problems,
        calls,
    }
}

/// What one [`case`] saw.
struct Outcome {
    /// The planted panic happened.
    panicked: bool,
    /// Everything found wrong afterwards.
    problems: Vec<String>,
    /// Comparator calls the operation made (up to the panic).
    calls: usize,
}

/// Every operation, with k from 1 until the operation completes without reaching its k-th
/// comparison twice in a row (the count depends on the random tower heights).
///
/// Under Miri, where a case costs about half a second: each scheme takes every other
/// operation (IBR the even ones, DEBRA the odd ones), with k the first, a middle and the last
/// of the comparisons an unarmed run of the operation makes.
fn comparator_panics<R: Reclaim>() {
    quiet_planted_panics();
    let mut report = Vec::new();
    let ibr = R::NAME == "ibr";
    for (index, op) in OPS.into_iter().enumerate() {
        let mut run = |k| {
            let outcome = case::<R>(op, k);
            report.extend(
                outcome
                    .problems
                    .iter()
                    .map(|p| format!("{op:?}, k = {k}: {p}")),
            );
            outcome
        };
        let mut panics = 0;
        if cfg!(miri) {
            if (index % 2 == 0) != ibr {
                continue;
            }
            let calls = run(usize::MAX).calls;
            for k in [1, calls.div_ceil(2), calls] {
                panics += usize::from(run(k.max(1)).panicked);
            }
        } else {
            let (mut k, mut quiet) = (1, 0);
            while quiet < 2 {
                assert!(k <= MAX_K, "{op:?} still panicking at k = {MAX_K}");
                if run(k).panicked {
                    (quiet, panics) = (0, panics + 1);
                } else {
                    quiet += 1;
                }
                k += 1;
            }
        }
        assert!(panics > 0, "{op:?} never called the comparator");
    }
    assert!(
        report.is_empty(),
        "{} failing cases:\n{}",
        report.len(),
        report.join("\n")
    );
}

/// The closure of `get_or_insert_with` panics: the key given is dropped, the map unchanged.
fn make_panics<R: Reclaim>() {
    quiet_planted_panics();
    let tracker = Tracker::new(64);
    let mut map: BombMap<'_, R> = SkipListMap::with_comparator(Bomb::default());
    for key in [1, 3, 5] {
        map.insert(tracker.make(key), tracker.make(key));
    }
    fn explode<'t>(_: &Tracked<'t>) -> Tracked<'t> {
        panic::panic_any(Planted)
    }
    for key in [0, 2, 4, 6] {
        let by_pin = panic::catch_unwind(AssertUnwindSafe(|| {
            map.pin()
                .get_or_insert_with(tracker.make(key), explode)
                .1
                .value()
        }));
        assert!(by_pin.is_err_and(|p| p.is::<Planted>()));
        let by_map = panic::catch_unwind(AssertUnwindSafe(|| {
            map.get_or_insert_with(tracker.make(key), explode)
                .key()
                .value()
        }));
        assert!(by_map.is_err_and(|p| p.is::<Planted>()));
        assert_eq!(tracker.live(), 6, "the key given was not dropped");
    }
    // A present key never calls the closure.
    assert_eq!(
        map.get_or_insert_with(tracker.make(3), explode)
            .value()
            .value(),
        3
    );
    assert_eq!(map.check_structure(), Ok(3));
    assert_eq!(contents(&map), BTreeMap::from([(1, 1), (3, 3), (5, 5)]));
    drop(map);
    tracker.assert_all_dropped_once();
}

for_each_scheme!(
    a_comparator_panic_in_any_operation_leaves_a_sound_map => comparator_panics,
    a_panicking_make_closure_leaves_the_map_unchanged => make_panics,
    concurrent_comparator_panics_leave_a_sound_map => concurrent_panics,
    random_comparator_answers_never_crash_or_leak => random_sequential,
    non_transitive_comparator_never_crashes_or_leaks => non_transitive_sequential,
    concurrent_lawless_comparators_never_crash_or_leak => lawless_concurrent,
);

/// One random operation, any comparator; answers are not checked (a lawless comparator
/// makes any answer possible), but every key and value read must be alive.
fn random_step<'t, C, R>(
    map: &SkipListMap<Tracked<'t>, Tracked<'t>, C, R>,
    tracker: &'t Tracker,
    rng: &mut Rng,
) where
    C: Comparator<Tracked<'t>>
        + CompareBorrowed<Tracked<'t>, Tracked<'t>>
        + CompareBorrowed<Tracked<'t>, u64>,
    R: Reclaim,
{
    let (k, v) = (rng.below(16), rng.below(1000));
    let t = |v| tracker.make(v);
    let pin = map.pin();
    let live = |(k, v): (&Tracked<'_>, &Tracked<'_>)| k.value() + v.value();
    match rng.below(12) {
        0 | 1 => {
            let _ = pin.insert(t(k), t(v)).map(live);
        }
        2 => {
            let _ = map.try_insert(t(k), t(v));
        }
        3 => {
            let _ = live(pin.get_or_insert_with(t(k), |_| t(v)));
        }
        4 => {
            let _ = map.replace(t(k), t(v));
        }
        5 => {
            let _ = pin.compare_and_replace(t(k), &t(v % 4), t(v)).map(live);
        }
        6 | 7 => {
            let _ = pin.remove(&k).map(live);
        }
        8 => {
            let _ = pin.pop_first().map(live);
        }
        9 => {
            let _ = map.pop_last();
        }
        10 => {
            // Bounded: under a non-transitive order, each backward step searches for a key
            // below the last one yielded, and those searches can go round a cycle forever.
            let bound = 64;
            let _ = pin.range(k..).map(live).sum::<u64>()
                + pin.iter().rev().take(bound).map(live).sum::<u64>();
        }
        _ => {
            let _ = [pin.get(&k), pin.floor(&k).map(|(_, v)| v)].map(|v| v.map(Tracked::value));
        }
    }
}

/// `period`-th-call panics on [`THREADS`] threads; then the checks of [`case`].
fn concurrent_panics<R: Reclaim>() {
    quiet_planted_panics();
    const THREADS: usize = 4;
    let ops = scaled(3_000, 20);
    let tracker = Tracker::new(THREADS * ops * 4);
    let mut map: BombMap<'_, R> = SkipListMap::with_comparator(Bomb::default());
    map.comparator().every(scaled(97, 13));
    thread::scope(|s| {
        let handles = (0..THREADS as u64)
            .map(|t| {
                let (map, tracker) = (&map, &tracker);
                s.spawn(move || {
                    let mut rng = Rng::new(t + 11);
                    for _ in 0..ops {
                        let step = panic::catch_unwind(AssertUnwindSafe(|| {
                            random_step(map, tracker, &mut rng)
                        }));
                        if let Err(payload) = step {
                            if !payload.is::<Planted>() {
                                panic::resume_unwind(payload);
                            }
                        }
                    }
                })
            })
            .collect();
        join_all(handles);
    });
    map.comparator().disarm();
    let len = map.check_structure().expect("structure after the panics");
    assert_eq!(contents(&map).len(), len);
    map.clear();
    map.flush();
    assert_eq!(
        tracker.live(),
        0,
        "objects alive after clear + flush (leaked nodes)"
    );
    drop(map);
    tracker.assert_all_dropped_once();
}

/// Answers from a shared random stream: no law holds.
#[derive(Debug)]
struct Random(AtomicU64);

impl<'t> Comparator<Tracked<'t>> for Random {
    fn compare(&self, a: &Tracked<'t>, b: &Tracked<'t>) -> Ordering {
        // Read both keys: a key freed while reachable fails its canary check here.
        let salt = a.value() ^ b.value().rotate_left(17);
        // Relaxed: a random stream; lost updates only repeat answers.
        let draw = Rng::new(self.0.fetch_add(1, Relaxed) ^ salt).next();
        [Ordering::Less, Ordering::Equal, Ordering::Greater][(draw % 3) as usize]
    }
}

impl<'t> CompareBorrowed<Tracked<'t>, Tracked<'t>> for Random {
    fn compare_borrowed(&self, key: &Tracked<'t>, probe: &Tracked<'t>) -> Ordering {
        self.compare(key, probe)
    }
}

impl<'t> CompareBorrowed<Tracked<'t>, u64> for Random {
    fn compare_borrowed(&self, key: &Tracked<'t>, probe: &u64) -> Ordering {
        // Relaxed: as above.
        let draw = Rng::new(self.0.fetch_add(1, Relaxed) ^ key.value() ^ probe).next();
        [Ordering::Less, Ordering::Equal, Ordering::Greater][(draw % 3) as usize]
    }
}

/// Rock-paper-scissors on `value % 3` (0 < 1 < 2 < 0), natural order within a class:
/// deterministic and antisymmetric, but not transitive.
#[derive(Debug)]
struct Cyclic;

impl<'t> Comparator<Tracked<'t>> for Cyclic {
    fn compare(&self, a: &Tracked<'t>, b: &Tracked<'t>) -> Ordering {
        CompareBorrowed::<Tracked<'t>, u64>::compare_borrowed(self, a, &b.value())
    }
}

impl<'t> CompareBorrowed<Tracked<'t>, Tracked<'t>> for Cyclic {
    fn compare_borrowed(&self, key: &Tracked<'t>, probe: &Tracked<'t>) -> Ordering {
        self.compare(key, probe)
    }
}

impl<'t> CompareBorrowed<Tracked<'t>, u64> for Cyclic {
    fn compare_borrowed(&self, key: &Tracked<'t>, probe: &u64) -> Ordering {
        let (a, b) = (key.value(), *probe);
        match (a % 3, b % 3) {
            (x, y) if x == y => a.cmp(&b),
            (x, y) if (x + 1) % 3 == y => Ordering::Less,
            _ => Ordering::Greater,
        }
    }
}

/// Random operations under `comparator`, then `clear`, `flush` and the map's drop: every
/// key and value dropped exactly once.
fn lawless_sequential<C, R>(comparator: C)
where
    C: for<'t> Comparator<Tracked<'t>>
        + for<'t> CompareBorrowed<Tracked<'t>, Tracked<'t>>
        + for<'t> CompareBorrowed<Tracked<'t>, u64>,
    R: Reclaim,
{
    let ops = scaled(4_000, 40);
    let tracker = Tracker::new(ops * 4);
    let map: SkipListMap<Tracked<'_>, Tracked<'_>, C, R> = SkipListMap::with_comparator(comparator);
    let mut rng = Rng::new(99);
    for i in 0..ops {
        random_step(&map, &tracker, &mut rng);
        if i % 64 == 0 {
            map.flush();
        }
    }
    map.clear();
    map.flush();
    tracker.assert_no_double_drop();
    drop(map);
    tracker.assert_all_dropped_once();
}

fn random_sequential<R: Reclaim>() {
    lawless_sequential::<_, R>(Random(AtomicU64::new(1)));
}

fn non_transitive_sequential<R: Reclaim>() {
    lawless_sequential::<_, R>(Cyclic);
}

/// Three threads of random operations, one map with random answers and one with the
/// non-transitive order.
fn lawless_concurrent<R: Reclaim>() {
    fn run<C, R>(comparator: C)
    where
        C: Sync
            + for<'t> Comparator<Tracked<'t>>
            + for<'t> CompareBorrowed<Tracked<'t>, Tracked<'t>>
            + for<'t> CompareBorrowed<Tracked<'t>, u64>,
        R: Reclaim,
    {
        let ops = scaled(2_000, 15);
        let tracker = Tracker::new(3 * ops * 4);
        let map: SkipListMap<Tracked<'_>, Tracked<'_>, C, R> =
            SkipListMap::with_comparator(comparator);
        thread::scope(|s| {
            let handles = (0..3)
                .map(|t| {
                    let (map, tracker) = (&map, &tracker);
                    s.spawn(move || {
                        let mut rng = Rng::new(t + 5);
                        for _ in 0..ops {
                            random_step(map, tracker, &mut rng);
                        }
                    })
                })
                .collect();
            join_all(handles);
        });
        map.clear();
        map.flush();
        tracker.assert_no_double_drop();
        drop(map);
        tracker.assert_all_dropped_once();
    }
    run::<_, R>(Random(AtomicU64::new(7)));
    run::<_, R>(Cyclic);
}
