//! The `SkipListMap` adapter of the ccol-specs map suites (`MapUnderTest`,
//! `OrderedMapUnderTest`, `ConditionalMapUnderTest`), through either API of the map and under
//! any comparator whose order the adapter can translate into the model's natural order.
//!
//! The model is a `BTreeMap<u64, u64>` in natural order. A map under another order passes the
//! suites only if the adapter translates model keys and directions exactly (see [`Keys`]), so
//! a translation that is off (or a map that ignores its comparator somewhere) fails them.
//!
//! Every answer that names an entry is checked on the way: the key returned by `get`,
//! `remove`, `insert`'s replaced entry, `try_insert`'s occupant and so on must be the key asked
//! for, and a refused `try_insert` or `compare_and_replace` must hand back exactly the pair it
//! was given. A mismatch panics, which fails the suite (sequential suites catch the panic and
//! shrink the case; concurrent ones propagate it).
#![allow(
    dead_code,
    unreachable_pub,
    reason = "each test crate uses a subset of the helpers"
)]

use ccol_ordered::{Comparator, CompareBorrowed, SkipListMap};
use ccol_reclaim::Reclaim;
use ccol_specs::conformance::{ConditionalMapUnderTest, MapUnderTest, OrderedMapUnderTest};

/// Which of the map's two APIs the adapter calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Api {
    /// `map.pin()` per operation, then the `PinnedMap` method (answers are references).
    Pinned,
    /// The `std` convenience methods on the map itself (answers are `Entry` values that hold
    /// their own pin).
    Entry,
}

/// How model keys are stored, and how the model's directions map onto the map's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    /// Key `k` is stored as `k`; directions are the same. Right for `Natural`.
    Same,
    /// Key `k` is stored as `u64::MAX - k`. Under `Reverse(Natural)` the stored keys then sort
    /// exactly as the model's keys do (`a < b` iff `MAX - a > MAX - b`), so every direction maps
    /// to itself: `first` is `first`, `floor(k)` is `floor(MAX - k)`. Exercises the extreme
    /// keys as a side effect.
    Flipped,
    /// Key `k` is stored as `k`, and the map's order is the reverse of the model's: every
    /// direction swaps. The model's `first` is the map's `last`, `pop_first` is `pop_last`,
    /// `floor(k)` (greatest `<= k` naturally) is `ceiling(k)` (least `>= k` in the reversed
    /// order, the same entry), `lower` is `higher`. Right for `Reverse(Natural)`.
    Mirrored,
}

/// A navigation or extreme operation, in model terms before [`Adapter::nav`] translates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nav {
    First,
    Last,
    PopFirst,
    PopLast,
    Floor(u64),
    Ceiling(u64),
    Lower(u64),
    Higher(u64),
}

impl Nav {
    /// The same question asked of the reversed order.
    fn mirrored(self) -> Self {
        match self {
            Self::First => Self::Last,
            Self::Last => Self::First,
            Self::PopFirst => Self::PopLast,
            Self::PopLast => Self::PopFirst,
            Self::Floor(k) => Self::Ceiling(k),
            Self::Ceiling(k) => Self::Floor(k),
            Self::Lower(k) => Self::Higher(k),
            Self::Higher(k) => Self::Lower(k),
        }
    }

    /// The same question with its probe key mapped by `f`.
    fn map_key(self, f: impl Fn(u64) -> u64) -> Self {
        match self {
            Self::Floor(k) => Self::Floor(f(k)),
            Self::Ceiling(k) => Self::Ceiling(f(k)),
            Self::Lower(k) => Self::Lower(f(k)),
            Self::Higher(k) => Self::Higher(f(k)),
            other => other,
        }
    }
}

/// A `SkipListMap<u64, u64, C, R>` seen through the model's eyes.
pub struct Adapter<C, R: Reclaim> {
    /// The map under test.
    pub map: SkipListMap<u64, u64, C, R>,
    api: Api,
    keys: Keys,
}

impl<C, R: Reclaim> Adapter<C, R> {
    /// An empty map ordered by `comparator`, driven through `api`, keys translated by `keys`.
    pub fn new(comparator: C, api: Api, keys: Keys) -> Self {
        Self {
            map: SkipListMap::with_comparator(comparator),
            api,
            keys,
        }
    }

    /// The stored form of model key `k` (an involution, so it also maps back).
    pub fn stored(&self, k: u64) -> u64 {
        match self.keys {
            Keys::Flipped => u64::MAX - k,
            Keys::Same | Keys::Mirrored => k,
        }
    }
}

/// Checks that an answer names `key` and returns its value.
#[track_caller]
fn value_of(key: u64, pair: Option<(&u64, &u64)>) -> Option<u64> {
    pair.map(|(k, v)| {
        assert_eq!(*k, key, "an answer for key {key} names key {k}");
        *v
    })
}

impl<C, R> Adapter<C, R>
where
    C: Comparator<u64> + CompareBorrowed<u64, u64>,
    R: Reclaim,
{
    /// Runs a navigation or extreme operation given in model terms; the answer is in model
    /// terms too.
    pub fn nav(&self, nav: Nav) -> Option<(u64, u64)> {
        let nav = match self.keys {
            Keys::Mirrored => nav.mirrored(),
            Keys::Same | Keys::Flipped => nav,
        };
        let nav = nav.map_key(|k| self.stored(k));
        let found = match self.api {
            Api::Pinned => {
                let pin = self.map.pin();
                let pair = match nav {
                    Nav::First => pin.first(),
                    Nav::Last => pin.last(),
                    Nav::PopFirst => pin.pop_first(),
                    Nav::PopLast => pin.pop_last(),
                    Nav::Floor(k) => pin.floor(&k),
                    Nav::Ceiling(k) => pin.ceiling(&k),
                    Nav::Lower(k) => pin.lower(&k),
                    Nav::Higher(k) => pin.higher(&k),
                };
                pair.map(|(k, v)| (*k, *v))
            }
            Api::Entry => {
                let entry = match nav {
                    Nav::First => self.map.first(),
                    Nav::Last => self.map.last(),
                    Nav::PopFirst => self.map.pop_first(),
                    Nav::PopLast => self.map.pop_last(),
                    Nav::Floor(k) => self.map.floor(&k),
                    Nav::Ceiling(k) => self.map.ceiling(&k),
                    Nav::Lower(k) => self.map.lower(&k),
                    Nav::Higher(k) => self.map.higher(&k),
                };
                entry.map(|e| (*e.key(), *e.value()))
            }
        };
        found.map(|(k, v)| (self.stored(k), v))
    }
}

impl<C, R> MapUnderTest for Adapter<C, R>
where
    C: Comparator<u64> + CompareBorrowed<u64, u64>,
    R: Reclaim,
{
    fn insert(&self, key: u64, value: u64) -> Option<u64> {
        let key = self.stored(key);
        match self.api {
            Api::Pinned => value_of(key, self.map.pin().insert(key, value)),
            Api::Entry => value_of(key, self.map.insert(key, value).as_ref().map(|e| e.pair())),
        }
    }

    fn get(&self, key: u64) -> Option<u64> {
        let key = self.stored(key);
        match self.api {
            // `get_key_value` is `get` plus the key, so the key gets checked.
            Api::Pinned => value_of(key, self.map.pin().get_key_value(&key)),
            Api::Entry => value_of(key, self.map.get(&key).as_ref().map(|e| e.pair())),
        }
    }

    fn remove(&self, key: u64) -> Option<u64> {
        let key = self.stored(key);
        match self.api {
            Api::Pinned => value_of(key, self.map.pin().remove(&key)),
            Api::Entry => value_of(key, self.map.remove(&key).as_ref().map(|e| e.pair())),
        }
    }

    fn contains_key(&self, key: u64) -> bool {
        let key = self.stored(key);
        match self.api {
            Api::Pinned => self.map.pin().contains_key(&key),
            Api::Entry => self.map.contains_key(&key),
        }
    }

    fn len(&self) -> usize {
        let len = self.map.len();
        assert_eq!(self.map.is_empty(), len == 0, "is_empty disagrees with len");
        len
    }
}

impl<C, R> OrderedMapUnderTest for Adapter<C, R>
where
    C: Comparator<u64> + CompareBorrowed<u64, u64>,
    R: Reclaim,
{
    fn first(&self) -> Option<(u64, u64)> {
        self.nav(Nav::First)
    }

    fn last(&self) -> Option<(u64, u64)> {
        self.nav(Nav::Last)
    }

    fn pop_first(&self) -> Option<(u64, u64)> {
        self.nav(Nav::PopFirst)
    }

    fn pop_last(&self) -> Option<(u64, u64)> {
        self.nav(Nav::PopLast)
    }

    fn floor(&self, key: u64) -> Option<(u64, u64)> {
        self.nav(Nav::Floor(key))
    }

    fn ceiling(&self, key: u64) -> Option<(u64, u64)> {
        self.nav(Nav::Ceiling(key))
    }

    fn lower(&self, key: u64) -> Option<(u64, u64)> {
        self.nav(Nav::Lower(key))
    }

    fn higher(&self, key: u64) -> Option<(u64, u64)> {
        self.nav(Nav::Higher(key))
    }
}

impl<C, R> ConditionalMapUnderTest for Adapter<C, R>
where
    C: Comparator<u64> + CompareBorrowed<u64, u64>,
    R: Reclaim,
{
    fn try_insert(&self, key: u64, value: u64) -> Option<u64> {
        let key = self.stored(key);
        match self.api {
            Api::Pinned => match self.map.pin().try_insert(key, value) {
                Ok(inserted) => {
                    assert_eq!(inserted, (&key, &value), "try_insert's new entry differs");
                    None
                }
                Err(occupied) => {
                    assert_eq!(
                        (occupied.rejected_key, occupied.rejected_value),
                        (key, value),
                        "try_insert handed back another pair"
                    );
                    value_of(key, Some((occupied.key, occupied.value)))
                }
            },
            Api::Entry => match self.map.try_insert(key, value) {
                Ok(inserted) => {
                    assert_eq!(
                        inserted.pair(),
                        (&key, &value),
                        "try_insert's new entry differs"
                    );
                    None
                }
                Err((occupant, rejected_key, rejected_value)) => {
                    assert_eq!(
                        (rejected_key, rejected_value),
                        (key, value),
                        "another pair back"
                    );
                    value_of(key, Some(occupant.pair()))
                }
            },
        }
    }

    /// Even keys take `get_or_insert`, odd keys `get_or_insert_with` (whose closure must run
    /// at most once, and only with the key asked for), so both forms of both APIs run.
    fn get_or_insert(&self, key: u64, value: u64) -> u64 {
        let key = self.stored(key);
        let calls = core::cell::Cell::new(0);
        let make = |k: &u64| {
            assert_eq!(*k, key, "get_or_insert_with made a value for another key");
            calls.set(calls.get() + 1);
            value
        };
        let got = match (self.api, key % 2 == 0) {
            (Api::Pinned, true) => value_of(key, Some(self.map.pin().get_or_insert(key, value))),
            (Api::Pinned, false) => {
                value_of(key, Some(self.map.pin().get_or_insert_with(key, make)))
            }
            (Api::Entry, true) => value_of(key, Some(self.map.get_or_insert(key, value).pair())),
            (Api::Entry, false) => {
                value_of(key, Some(self.map.get_or_insert_with(key, make).pair()))
            }
        };
        assert!(calls.get() <= 1, "get_or_insert_with ran its closure twice");
        got.expect("value_of(Some) is Some")
    }

    fn compare_and_replace(&self, key: u64, expected: u64, new: u64) -> bool {
        let key = self.stored(key);
        let result = match self.api {
            Api::Pinned => self
                .map
                .pin()
                .compare_and_replace(key, &expected, new)
                .map(|(k, v)| (*k, *v)),
            Api::Entry => self
                .map
                .compare_and_replace(key, &expected, new)
                .map(|e| (*e.key(), *e.value())),
        };
        match result {
            Ok(replaced) => {
                assert_eq!(
                    replaced,
                    (key, expected),
                    "compare_and_replace replaced another entry"
                );
                true
            }
            Err(back) => {
                assert_eq!(
                    back,
                    (key, new),
                    "compare_and_replace handed back another pair"
                );
                false
            }
        }
    }
}
