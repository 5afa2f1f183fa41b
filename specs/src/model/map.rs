//! The ordered map model, on `BTreeMap`.

use std::collections::BTreeMap;

use super::{Element, Model, Partitioned};

/// A sequential ordered map: the specification of the family's ordered maps (skip list, BST).
///
/// The operation set is a superset of what the maps implement; a suite generates only the
/// operations its structure supports.
///
/// # Example
///
/// ```
/// use ccol_specs::model::{MapModel, MapOp, MapRet, Model};
///
/// let mut m = MapModel::<u8, u32>::new();
/// assert_eq!(m.apply(&MapOp::Insert(3, 30)), MapRet::Value(None));
/// assert_eq!(m.apply(&MapOp::Insert(3, 31)), MapRet::Value(Some(30)));
/// assert_eq!(m.apply(&MapOp::Floor(5)), MapRet::Entry(Some((3, 31))));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct MapModel<K, V> {
    map: BTreeMap<K, V>,
}

impl<K: Element, V: Element> MapModel<K, V> {
    /// An empty map.
    #[must_use]
    pub fn new() -> Self {
        Self {
            map: BTreeMap::new(),
        }
    }

    /// A map holding `entries` (later duplicates win).
    #[must_use]
    pub fn from_entries(entries: impl IntoIterator<Item = (K, V)>) -> Self {
        Self {
            map: entries.into_iter().collect(),
        }
    }

    /// The current contents.
    #[must_use]
    pub fn as_map(&self) -> &BTreeMap<K, V> {
        &self.map
    }
}

/// An operation on a [`MapModel`]. Each variant names the [`MapRet`] variant it returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MapOp<K, V> {
    /// Inserts or replaces; returns [`MapRet::Value`] with the previous value.
    Insert(K, V),
    /// Inserts only if the key is absent (`put_if_absent`); returns [`MapRet::Value`] with the
    /// value that was already there (`None` means the insert happened).
    TryInsert(K, V),
    /// Returns [`MapRet::Value`] with the value now associated with the key: the existing one,
    /// or the given one after inserting it (always `Some`).
    GetOrInsert(K, V),
    /// If the key is present with a value equal to `expected`, replaces it with `new`. Returns
    /// [`MapRet::Bool`]: whether the replacement happened.
    CompareAndReplace {
        /// The key.
        key: K,
        /// The value the key must hold.
        expected: V,
        /// The replacement.
        new: V,
    },
    /// Returns [`MapRet::Value`] with the value.
    Get(K),
    /// Returns [`MapRet::Bool`]: whether the key is present.
    ContainsKey(K),
    /// Removes the key; returns [`MapRet::Value`] with the removed value.
    Remove(K),
    /// Returns [`MapRet::Entry`] with the smallest entry.
    First,
    /// Returns [`MapRet::Entry`] with the largest entry.
    Last,
    /// Removes and returns ([`MapRet::Entry`]) the smallest entry.
    PopFirst,
    /// Removes and returns ([`MapRet::Entry`]) the largest entry.
    PopLast,
    /// Returns [`MapRet::Entry`] with the greatest entry whose key is `<=` the given key.
    Floor(K),
    /// Returns [`MapRet::Entry`] with the least entry whose key is `>=` the given key
    /// (`lower_bound`).
    Ceiling(K),
    /// Returns [`MapRet::Entry`] with the greatest entry whose key is `<` the given key.
    Lower(K),
    /// Returns [`MapRet::Entry`] with the least entry whose key is `>` the given key
    /// (`upper_bound`).
    Higher(K),
    /// Returns [`MapRet::Len`] with the number of entries.
    Len,
}

/// What a [`MapOp`] returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MapRet<K, V> {
    /// A value, or its absence.
    Value(Option<V>),
    /// A yes/no answer.
    Bool(bool),
    /// An entry, or its absence.
    Entry(Option<(K, V)>),
    /// A count.
    Len(usize),
}

fn entry<K: Clone, V: Clone>(e: Option<(&K, &V)>) -> Option<(K, V)> {
    e.map(|(k, v)| (k.clone(), v.clone()))
}

impl<K: Element, V: Element> Model for MapModel<K, V> {
    type Op = MapOp<K, V>;
    type Ret = MapRet<K, V>;

    fn apply(&mut self, op: &MapOp<K, V>) -> MapRet<K, V> {
        use std::ops::Bound::{Excluded, Included, Unbounded};
        let m = &mut self.map;
        match op {
            MapOp::Insert(k, v) => MapRet::Value(m.insert(k.clone(), v.clone())),
            MapOp::TryInsert(k, v) => match m.get(k) {
                Some(old) => MapRet::Value(Some(old.clone())),
                None => {
                    m.insert(k.clone(), v.clone());
                    MapRet::Value(None)
                }
            },
            MapOp::GetOrInsert(k, v) => MapRet::Value(Some(
                m.entry(k.clone()).or_insert_with(|| v.clone()).clone(),
            )),
            MapOp::CompareAndReplace { key, expected, new } => match m.get_mut(key) {
                Some(cur) if cur == expected => {
                    *cur = new.clone();
                    MapRet::Bool(true)
                }
                _ => MapRet::Bool(false),
            },
            MapOp::Get(k) => MapRet::Value(m.get(k).cloned()),
            MapOp::ContainsKey(k) => MapRet::Bool(m.contains_key(k)),
            MapOp::Remove(k) => MapRet::Value(m.remove(k)),
            MapOp::First => MapRet::Entry(entry(m.first_key_value())),
            MapOp::Last => MapRet::Entry(entry(m.last_key_value())),
            MapOp::PopFirst => MapRet::Entry(m.pop_first()),
            MapOp::PopLast => MapRet::Entry(m.pop_last()),
            MapOp::Floor(k) => MapRet::Entry(entry(m.range((Unbounded, Included(k))).next_back())),
            MapOp::Ceiling(k) => MapRet::Entry(entry(m.range((Included(k), Unbounded)).next())),
            MapOp::Lower(k) => MapRet::Entry(entry(m.range((Unbounded, Excluded(k))).next_back())),
            MapOp::Higher(k) => MapRet::Entry(entry(m.range((Excluded(k), Unbounded)).next())),
            MapOp::Len => MapRet::Len(m.len()),
        }
    }
}

impl<K: Element, V: Element> Partitioned for MapModel<K, V> {
    type Key = K;

    fn partition(op: &MapOp<K, V>) -> Option<K> {
        match op {
            MapOp::Insert(k, _)
            | MapOp::TryInsert(k, _)
            | MapOp::GetOrInsert(k, _)
            | MapOp::CompareAndReplace { key: k, .. }
            | MapOp::Get(k)
            | MapOp::ContainsKey(k)
            | MapOp::Remove(k) => Some(k.clone()),
            MapOp::First
            | MapOp::Last
            | MapOp::PopFirst
            | MapOp::PopLast
            | MapOp::Floor(_)
            | MapOp::Ceiling(_)
            | MapOp::Lower(_)
            | MapOp::Higher(_)
            | MapOp::Len => None,
        }
    }

    fn project(&self, key: &K) -> Self {
        Self {
            map: self
                .map
                .get_key_value(key)
                .map(|(k, v)| (k.clone(), v.clone()))
                .into_iter()
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigation_matches_definitions() {
        let mut m = MapModel::from_entries([(10u8, 1u8), (20, 2), (30, 3)]);
        assert_eq!(m.apply(&MapOp::Floor(25)), MapRet::Entry(Some((20, 2))));
        assert_eq!(m.apply(&MapOp::Floor(20)), MapRet::Entry(Some((20, 2))));
        assert_eq!(m.apply(&MapOp::Floor(5)), MapRet::Entry(None));
        assert_eq!(m.apply(&MapOp::Ceiling(25)), MapRet::Entry(Some((30, 3))));
        assert_eq!(m.apply(&MapOp::Ceiling(30)), MapRet::Entry(Some((30, 3))));
        assert_eq!(m.apply(&MapOp::Ceiling(31)), MapRet::Entry(None));
        assert_eq!(m.apply(&MapOp::Lower(20)), MapRet::Entry(Some((10, 1))));
        assert_eq!(m.apply(&MapOp::Higher(20)), MapRet::Entry(Some((30, 3))));
        assert_eq!(m.apply(&MapOp::PopFirst), MapRet::Entry(Some((10, 1))));
        assert_eq!(m.apply(&MapOp::PopLast), MapRet::Entry(Some((30, 3))));
        assert_eq!(m.apply(&MapOp::First), MapRet::Entry(Some((20, 2))));
        assert_eq!(m.apply(&MapOp::Last), MapRet::Entry(Some((20, 2))));
        assert_eq!(m.apply(&MapOp::Len), MapRet::Len(1));
    }

    #[test]
    fn conditional_ops() {
        let mut m = MapModel::<u8, u8>::new();
        assert_eq!(m.apply(&MapOp::TryInsert(1, 5)), MapRet::Value(None));
        assert_eq!(m.apply(&MapOp::TryInsert(1, 6)), MapRet::Value(Some(5)));
        assert_eq!(m.apply(&MapOp::GetOrInsert(1, 7)), MapRet::Value(Some(5)));
        assert_eq!(m.apply(&MapOp::GetOrInsert(2, 7)), MapRet::Value(Some(7)));
        let cas = |expected, new| MapOp::CompareAndReplace {
            key: 1,
            expected,
            new,
        };
        assert_eq!(m.apply(&cas(6, 8)), MapRet::Bool(false));
        assert_eq!(m.apply(&cas(5, 8)), MapRet::Bool(true));
        assert_eq!(m.apply(&MapOp::Get(1)), MapRet::Value(Some(8)));
        assert_eq!(m.apply(&MapOp::Remove(1)), MapRet::Value(Some(8)));
        assert_eq!(m.apply(&MapOp::ContainsKey(1)), MapRet::Bool(false));
        let missing = MapOp::CompareAndReplace {
            key: 9,
            expected: 0,
            new: 1,
        };
        assert_eq!(m.apply(&missing), MapRet::Bool(false));
    }

    #[test]
    fn projection_keeps_one_key() {
        let m = MapModel::from_entries([(1u8, 1u8), (2, 2)]);
        assert_eq!(m.project(&2).as_map().len(), 1);
        assert_eq!(m.project(&3).as_map().len(), 0);
        assert_eq!(MapModel::<u8, u8>::partition(&MapOp::Len), None);
        assert_eq!(MapModel::<u8, u8>::partition(&MapOp::Remove(4)), Some(4));
    }
}
