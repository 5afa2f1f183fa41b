#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! Sequential conformance of `SkipListMap` against the ccol-specs map model (`MapModel`, a
//! natural-order `BTreeMap`), and of its range iterators against `BTreeMap::range`.
//!
//! - **The ccol-specs suites** (`check_map_conformance`, `check_ordered_map_conformance`,
//!   `check_conditional_map_conformance`: proptest sequences of up to 64 operations, shrunk to
//!   a minimal failing one), for both schemes, through both APIs (`PinnedMap` references and
//!   `Entry` values; see `common/skiplist.rs`), under `Natural` and under
//!   `Reverse(Natural)`. The reversed map is checked twice over: with keys stored as
//!   `u64::MAX - k` (the orders then agree and every direction maps to itself) and with keys
//!   stored as they are (every direction swaps: `first` is `last`, `floor` is `ceiling`). A
//!   map that ignored its comparator anywhere, or navigated the wrong way, fails one of them;
//!   two negative tests show that the ordered suite rejects a mistranslated order.
//! - **Ranges**: proptest maps of up to 40 keys (with the extreme keys over-represented) and
//!   every kind of bound (`a..b`, `a..=b`, `..b`, `..=b`, `a..`, `..`, and
//!   `(Bound, Bound)` pairs with excluded starts), empty and inverted ranges included,
//!   consumed by a random interleaving of `next` and `next_back` past exhaustion, against
//!   `BTreeMap::range` (an empty iterator where that would panic). Both `PinnedMap::range`
//!   and `SkipListMap::range`, natural and reversed.
//! - **Iteration interleaved with updates** (on the same thread): both iterators stay weakly
//!   consistent (every entry yielded is live with its current value, keys strictly monotonic
//!   from each end, ends never crossing, every key present throughout yielded) while the
//!   steps remove and replace the keys the ends stand on and their next neighbours: the
//!   cursor's hard cases (a frozen link leading to another removed node, a replacement with
//!   the same key as the last one yielded).
//!
//! Under Miri every proptest runs 4 cases (2 per sequential suite), and the two negative tests
//! are skipped.

extern crate alloc;

mod common;
#[path = "common/skiplist.rs"]
mod skiplist;

use alloc::collections::BTreeMap;
use core::{
    cmp::Reverse as Rev,
    ops::{Bound, RangeBounds},
};

use ccol_ordered::{Comparator, CompareBorrowed, Natural, Reverse, SkipListMap};
use ccol_reclaim::{Debra, Ibr, Reclaim};
use ccol_specs::conformance::{
    Config, ConformanceError, FailureKind, check_conditional_map_conformance,
    check_map_conformance, check_ordered_map_conformance,
};
use common::{config, scaled};
use proptest::{collection::vec, prelude::*};
use skiplist::{Adapter, Api, Keys};

/// Runs a suite and prints its report on failure.
#[track_caller]
fn pass(result: Result<(), ConformanceError>) {
    if let Err(err) = result {
        panic!("{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// The ccol-specs suites

/// The three sequential suites on fresh maps: once on the default key space (6 keys, so
/// sequences of 64 operations replace, remove and re-insert the same keys over and over) and
/// once on 64 keys (sparse maps: navigation crosses gaps, `first` and `last` move far). Under
/// Miri, two cases of each dense suite and one sparse ordered case.
fn suites<C, R>(comparator: C, api: Api, keys: Keys)
where
    C: Comparator<u64> + CompareBorrowed<u64, u64> + Copy,
    R: Reclaim,
{
    let make = |_hint| Adapter::<C, R>::new(comparator, api, keys);
    let dense = Config {
        cases: scaled(128, 2) as u32,
        ..Config::default()
    };
    pass(check_map_conformance(&dense, make));
    pass(check_ordered_map_conformance(&dense, make));
    pass(check_conditional_map_conformance(&dense, make));
    let sparse = Config {
        keys: 64,
        cases: scaled(64, 1) as u32,
        ..Config::default()
    };
    pass(check_ordered_map_conformance(&sparse, make));
    if !cfg!(miri) {
        pass(check_conditional_map_conformance(&sparse, make));
    }
}

#[test]
fn ibr_pinned_natural() {
    suites::<_, Ibr>(Natural, Api::Pinned, Keys::Same);
}

#[test]
fn ibr_entry_natural() {
    suites::<_, Ibr>(Natural, Api::Entry, Keys::Same);
}

#[test]
fn debra_pinned_natural() {
    suites::<_, Debra>(Natural, Api::Pinned, Keys::Same);
}

#[test]
fn debra_entry_natural() {
    suites::<_, Debra>(Natural, Api::Entry, Keys::Same);
}

#[test]
fn ibr_pinned_reverse_flipped_keys() {
    suites::<_, Ibr>(Reverse::new(Natural), Api::Pinned, Keys::Flipped);
}

#[test]
fn debra_entry_reverse_flipped_keys() {
    suites::<_, Debra>(Reverse::new(Natural), Api::Entry, Keys::Flipped);
}

#[test]
fn ibr_entry_reverse_mirrored_directions() {
    suites::<_, Ibr>(Reverse::new(Natural), Api::Entry, Keys::Mirrored);
}

#[test]
fn debra_pinned_reverse_mirrored_directions() {
    suites::<_, Debra>(Reverse::new(Natural), Api::Pinned, Keys::Mirrored);
}

/// Expects the ordered suite to reject the adapter (a sequential failure), returning its
/// report.
fn rejected<C>(comparator: C, keys: Keys) -> String
where
    C: Comparator<u64> + CompareBorrowed<u64, u64> + Copy,
{
    let make = |_hint| Adapter::<C, Ibr>::new(comparator, Api::Pinned, keys);
    // The point operations do not depend on the order: the point suite passes.
    pass(check_map_conformance(&Config::default(), make));
    let err = check_ordered_map_conformance(&Config::default(), make)
        .expect_err("the ordered suite accepted a mistranslated order");
    assert_eq!(err.kind(), FailureKind::Sequential, "{err}");
    err.to_string()
}

/// The ordered suite catches a map whose directions are the reverse of the model's: a
/// natural map driven as if reversed (`first` answered by `last`, `floor` by `ceiling`, ...).
/// Not under Miri: it tests the suite, with enough cases to be sure to catch it.
#[test]
#[cfg_attr(
    miri,
    ignore = "tests the suite, not the map; needs more cases than Miri affords"
)]
fn the_ordered_suite_rejects_swapped_directions() {
    let report = rejected(Natural, Keys::Mirrored);
    assert!(report.contains("minimal failing case"), "{report}");
}

/// ... and a reversed map driven as if natural.
#[test]
#[cfg_attr(
    miri,
    ignore = "tests the suite, not the map; needs more cases than Miri affords"
)]
fn the_ordered_suite_rejects_an_ignored_comparator() {
    let report = rejected(Reverse::new(Natural), Keys::Same);
    assert!(report.contains("minimal failing case"), "{report}");
}

// ---------------------------------------------------------------------------------------------
// Ranges

/// Keys of the range tests: mostly a small dense domain (so bounds hit present and absent
/// keys alike), sometimes the extremes (so `a..=u64::MAX`, `..0` and friends occur).
fn key() -> impl Strategy<Value = u64> {
    prop_oneof![
        6 => 0..40_u64,
        1 => prop::sample::select(vec![0, 1, u64::MAX - 1, u64::MAX]),
    ]
}

fn bound() -> impl Strategy<Value = Bound<u64>> {
    prop_oneof![
        2 => key().prop_map(Bound::Included),
        2 => key().prop_map(Bound::Excluded),
        1 => Just(Bound::Unbounded),
    ]
}

/// Whether `BTreeMap::range` accepts the bounds (it panics on a start after the end, and on a
/// start equal to the end when both are excluded); the skip list's answer for the others is an
/// empty iterator.
fn accepted<K: Ord>(start: Bound<&K>, end: Bound<&K>) -> bool {
    match (start, end) {
        (Bound::Excluded(s), Bound::Excluded(e)) => s < e,
        (Bound::Included(s) | Bound::Excluded(s), Bound::Included(e) | Bound::Excluded(e)) => {
            s <= e
        }
        _ => true,
    }
}

/// Evaluates `$body` with `$r` bound to the range `$bounds` (a pair of bounds) in the most
/// specific syntax that expresses it (`a..b`, `a..=b`, `..b`, `..=b`, `a..`, `..`), or as the
/// pair of bounds when no range syntax does (an excluded start). Each syntax is a different
/// `RangeBounds` type, hence a macro rather than a closure.
macro_rules! with_range {
    ($bounds:expr, |$r:ident| $body:expr) => {{
        use core::ops::Bound::{Excluded as X, Included as I, Unbounded as U};
        match $bounds {
            (I(a), X(b)) => {
                let $r = a..b;
                $body
            }
            (I(a), I(b)) => {
                let $r = a..=b;
                $body
            }
            (U, X(b)) => {
                let $r = ..b;
                $body
            }
            (U, I(b)) => {
                let $r = ..=b;
                $body
            }
            (I(a), U) => {
                let $r = a..;
                $body
            }
            (U, U) => {
                let $r = ..;
                $body
            }
            (start, end) => {
                let $r = (start, end);
                $body
            }
        }
    }};
}

/// Drives `ours` and `theirs` by the same steps (`true`: `next`, `false`: `next_back`),
/// comparing every answer. The step sequences outlast every generated map, so both ends run
/// dry, and must stay dry.
fn same_steps<A, B>(mut ours: A, mut theirs: B, steps: &[bool]) -> Result<(), TestCaseError>
where
    A: DoubleEndedIterator<Item = (u64, u64)>,
    B: DoubleEndedIterator<Item = (u64, u64)>,
{
    for (i, &front) in steps.iter().enumerate() {
        let (got, want) = if front {
            (ours.next(), theirs.next())
        } else {
            (ours.next_back(), theirs.next_back())
        };
        let side = if front { "next" } else { "next_back" };
        prop_assert_eq!(got, want, "step {} ({})", i, side);
    }
    Ok(())
}

/// Translates keys from the map to the model, and back.
type Translation<M> = (fn(u64) -> M, fn(&M) -> u64);

/// The skip list's two range iterators against the model's, for `bounds` (in stored keys).
/// `to_model` and `from_model` translate keys between the map and the model, whose natural
/// order is the map comparator's order.
fn check_range<C, R, M>(
    map: &SkipListMap<u64, u64, C, R>,
    model: &BTreeMap<M, u64>,
    (to_model, from_model): Translation<M>,
    bounds: (Bound<u64>, Bound<u64>),
    steps: &[bool],
) -> Result<(), TestCaseError>
where
    C: Comparator<u64> + CompareBorrowed<u64, u64>,
    R: Reclaim,
    M: Ord,
{
    let (start, end) = (bounds.0.map(to_model), bounds.1.map(to_model));
    let theirs = || -> Box<dyn DoubleEndedIterator<Item = (u64, u64)> + '_> {
        if accepted(start.as_ref(), end.as_ref()) {
            Box::new(
                model
                    .range((start.as_ref(), end.as_ref()))
                    .map(move |(k, v)| (from_model(k), *v)),
            )
        } else {
            Box::new(core::iter::empty())
        }
    };
    let pin = map.pin();
    with_range!(bounds, |r| same_steps(
        pin.range(r).map(|(k, v)| (*k, *v)),
        theirs(),
        steps
    ))?;
    with_range!(bounds, |r| same_steps(
        map.range(r).map(|e| (*e.key(), *e.value())),
        theirs(),
        steps
    ))?;
    Ok(())
}

/// Step sequences long enough to exhaust any generated map from both ends: only `next`
/// (`range(..)`), only `next_back` (`.rev()`), a run from one end then the other, or random.
fn steps() -> impl Strategy<Value = Vec<bool>> {
    let n = scaled(44, 12);
    prop_oneof![
        1 => Just(vec![true; n]),
        1 => Just(vec![false; n]),
        1 => (0..n, any::<bool>())
            .prop_map(move |(k, first)| (0..n).map(|i| (i < k) == first).collect()),
        3 => vec(any::<bool>(), n),
    ]
}

/// Up to 40 entries (8 under Miri); values are insertion indices, so a replaced key shows.
fn entries() -> impl Strategy<Value = Vec<u64>> {
    vec(key(), common::up_to(40, 8))
}

fn natural<R: Reclaim>(
    entries: &[u64],
    bounds: (Bound<u64>, Bound<u64>),
    steps: &[bool],
) -> Result<(), TestCaseError> {
    let map: SkipListMap<u64, u64, _, R> = SkipListMap::new();
    let mut model = BTreeMap::new();
    for (i, &k) in (0..).zip(entries) {
        map.pin().insert(k, i);
        model.insert(k, i);
    }
    check_range(&map, &model, (|k| k, |k| *k), bounds, steps)
}

/// A map under `Reverse(Natural)` against a `BTreeMap` of `std::cmp::Reverse` keys: the same
/// order, so `a..b` means keys from `a` down to just above `b`.
fn reversed<R: Reclaim>(
    entries: &[u64],
    bounds: (Bound<u64>, Bound<u64>),
    steps: &[bool],
) -> Result<(), TestCaseError> {
    let map: SkipListMap<u64, u64, _, R> = SkipListMap::with_comparator(Reverse::new(Natural));
    let mut model = BTreeMap::new();
    for (i, &k) in (0..).zip(entries) {
        map.pin().insert(k, i);
        model.insert(Rev(k), i);
    }
    check_range(&map, &model, (Rev, |k| k.0), bounds, steps)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn ranges_match_btreemap_ibr(
        entries in entries(),
        bounds in (bound(), bound()),
        steps in steps(),
    ) {
        natural::<Ibr>(&entries, bounds, &steps)?;
    }

    #[test]
    fn ranges_match_btreemap_debra(
        entries in entries(),
        bounds in (bound(), bound()),
        steps in steps(),
    ) {
        natural::<Debra>(&entries, bounds, &steps)?;
    }

    #[test]
    fn reversed_ranges_match_btreemap_of_reversed_keys(
        entries in entries(),
        bounds in (bound(), bound()),
        steps in steps(),
    ) {
        reversed::<Ibr>(&entries, bounds, &steps)?;
    }
}

// ---------------------------------------------------------------------------------------------
// Iteration interleaved with updates

/// A step of an iteration interleaved with updates of the same map (on the same thread).
#[derive(Clone, Copy, Debug)]
enum Step {
    Next,
    Back,
    /// Inserts (or replaces) a key.
    Insert(u64),
    /// Removes a key.
    Remove(u64),
    /// Updates the key an end stands on, or its neighbour on the side not yet yielded: the
    /// cases that test a cursor (a removed last node whose frozen link leads to another removed
    /// node, a replaced last node whose replacement has the same key, ...).
    Near(Side, Neighbour, Update),
}

/// Which end of the iteration a [`Step::Near`] is about.
#[derive(Clone, Copy, Debug)]
enum Side {
    Front,
    Back,
}

/// The key a [`Step::Near`] updates: the last one the end yielded, or the next one it would.
#[derive(Clone, Copy, Debug)]
enum Neighbour {
    Last,
    Next,
}

#[derive(Clone, Copy, Debug)]
enum Update {
    Remove,
    Replace,
}

fn step() -> impl Strategy<Value = Step> {
    let side = prop_oneof![Just(Side::Front), Just(Side::Back)];
    let neighbour = prop_oneof![Just(Neighbour::Last), Just(Neighbour::Next)];
    let update = prop_oneof![Just(Update::Remove), Just(Update::Replace)];
    prop_oneof![
        4 => Just(Step::Next),
        4 => Just(Step::Back),
        1 => (0..40_u64).prop_map(Step::Insert),
        1 => (0..40_u64).prop_map(Step::Remove),
        3 => (side, neighbour, update).prop_map(|(s, n, u)| Step::Near(s, n, u)),
    ]
}

/// The key a [`Step::Near`] means, in the map as it is now (`None`: there is none).
fn near(ends: &Ends, model: &BTreeMap<u64, u64>, side: Side, neighbour: Neighbour) -> Option<u64> {
    let last = match side {
        Side::Front => ends.front,
        Side::Back => ends.back,
    };
    match (side, neighbour, last) {
        (_, Neighbour::Last, last) => last,
        (Side::Front, Neighbour::Next, None) => model.keys().next().copied(),
        (Side::Front, Neighbour::Next, Some(k)) => model
            .range((Bound::Excluded(k), Bound::Unbounded))
            .next()
            .map(|(k, _)| *k),
        (Side::Back, Neighbour::Next, None) => model.keys().next_back().copied(),
        (Side::Back, Neighbour::Next, Some(k)) => model.range(..k).next_back().map(|(k, _)| *k),
    }
}

/// What the two ends of an iteration yielded so far, checked as they go: every entry is in
/// the range and in the map with that value at the moment it is yielded (updates are
/// sequential here, so "live during the iteration" means "live now"), keys strictly increase
/// from the front and decrease from the back, and the ends never cross.
struct Ends {
    bounds: (Bound<u64>, Bound<u64>),
    front: Option<u64>,
    back: Option<u64>,
    yielded: Vec<u64>,
}

impl Ends {
    fn saw(
        &mut self,
        model: &BTreeMap<u64, u64>,
        front: bool,
        entry: Option<(u64, u64)>,
    ) -> Result<(), TestCaseError> {
        let Some((k, v)) = entry else {
            return Ok(());
        };
        prop_assert!(self.bounds.contains(&k), "{} is out of range", k);
        prop_assert_eq!(model.get(&k), Some(&v), "yielded {} -> {}, not live", k, v);
        prop_assert!(
            self.front.is_none_or(|f| f < k),
            "{} after front {:?}",
            k,
            self.front
        );
        prop_assert!(
            self.back.is_none_or(|b| k < b),
            "{} after back {:?}",
            k,
            self.back
        );
        *(if front {
            &mut self.front
        } else {
            &mut self.back
        }) = Some(k);
        self.yielded.push(k);
        Ok(())
    }
}

/// Weak consistency of both range iterators while the map changes between steps: besides
/// what [`Ends`] checks, every key in range that was present when the iterator was made and
/// never removed (replacements allowed: the key stays) is yielded once both ends are drained.
fn weakly_consistent<R: Reclaim>(
    entries: &[u64],
    bounds: (Bound<u64>, Bound<u64>),
    steps: &[Step],
) -> Result<(), TestCaseError> {
    for api in [Api::Pinned, Api::Entry] {
        let map: SkipListMap<u64, u64, _, R> = SkipListMap::new();
        let mut model = BTreeMap::new();
        let mut values = 0..;
        for &k in entries {
            let v = values.next().expect("unbounded");
            map.pin().insert(k, v);
            model.insert(k, v);
        }
        let mut stable: Vec<u64> = model
            .keys()
            .copied()
            .filter(|k| bounds.contains(k))
            .collect();
        let pin = map.pin();
        let mut iter: Box<dyn DoubleEndedIterator<Item = (u64, u64)> + '_> = match api {
            Api::Pinned => with_range!(bounds, |r| Box::new(pin.range(r).map(|(k, v)| (*k, *v)))),
            Api::Entry => {
                with_range!(bounds, |r| Box::new(
                    map.range(r).map(|e| (*e.key(), *e.value()))
                ))
            }
        };
        let mut ends = Ends {
            bounds,
            front: None,
            back: None,
            yielded: Vec::new(),
        };
        for &step in steps {
            match step {
                Step::Next => ends.saw(&model, true, iter.next())?,
                Step::Back => ends.saw(&model, false, iter.next_back())?,
                Step::Insert(k) => {
                    let v = values.next().expect("unbounded");
                    prop_assert_eq!(pin.insert(k, v).map(|(_, v)| *v), model.insert(k, v));
                }
                Step::Remove(k) => {
                    prop_assert_eq!(pin.remove(&k).map(|(_, v)| *v), model.remove(&k));
                    stable.retain(|&s| s != k);
                }
                Step::Near(side, neighbour, update) => {
                    let Some(k) = near(&ends, &model, side, neighbour) else {
                        continue;
                    };
                    match update {
                        Update::Remove => {
                            prop_assert_eq!(pin.remove(&k).map(|(_, v)| *v), model.remove(&k));
                            stable.retain(|&s| s != k);
                        }
                        Update::Replace => {
                            let v = values.next().expect("unbounded");
                            prop_assert_eq!(pin.insert(k, v).map(|(_, v)| *v), model.insert(k, v));
                        }
                    }
                }
            }
        }
        for entry in iter.by_ref() {
            ends.saw(&model, true, Some(entry))?;
        }
        prop_assert_eq!(
            iter.next_back(),
            None,
            "the back goes on after the front ran dry"
        );
        for k in stable {
            prop_assert!(
                ends.yielded.contains(&k),
                "{:?}: {} was live throughout, never yielded",
                api,
                k
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn iteration_under_updates_is_weakly_consistent_ibr(
        entries in entries(),
        bounds in (bound(), bound()),
        steps in vec(step(), common::up_to(60, 12)),
    ) {
        weakly_consistent::<Ibr>(&entries, bounds, &steps)?;
    }

    #[test]
    fn iteration_under_updates_is_weakly_consistent_debra(
        entries in entries(),
        bounds in (bound(), bound()),
        steps in vec(step(), common::up_to(60, 12)),
    ) {
        weakly_consistent::<Debra>(&entries, bounds, &steps)?;
    }
}
