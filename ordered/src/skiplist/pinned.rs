//! [`PinnedMap`]: a map borrowed under one guard, whose answers are plain references valid
//! while the pin lasts. It is the guard-explicit API (it works without `std`, from a
//! [`Handle`](ccol_reclaim::Handle)'s guard) and the fast path under `std` (one pin for many
//! operations).

use core::{fmt, ops::RangeBounds};

use ccol_reclaim::{Guard, Reclaim};

use super::{
    cursor::RangeCursor,
    list::NodeRef,
    map::SkipListMap,
    ops::{Given, Inserted, OnPresent, Toward, With},
};
use crate::comparator::{CompareBorrowed, Comparator};

/// A [`SkipListMap`] pinned under one guard: every method is the map's operation of the same
/// name, answering with references valid as long as this value lives.
///
/// Made by [`SkipListMap::pin`] (std) or [`SkipListMap::pinned`] (any guard of the map's
/// domain). Keep pins short: while one lives, entries removed from the map stay allocated
/// (under DEBRA, every entry removed anywhere in the map meanwhile; under IBR, a bounded
/// number).
pub struct PinnedMap<'m, K, V, C, R: Reclaim> {
    map: &'m SkipListMap<K, V, C, R>,
    guard: Guard<'m, R>,
}

/// The answer of [`PinnedMap::try_insert`] when the key is present: the existing entry, and
/// the key and value that were not inserted.
pub struct Occupied<'a, K, V> {
    /// The key of the entry already present.
    pub key: &'a K,
    /// Its value.
    pub value: &'a V,
    /// The key given to `try_insert`, handed back.
    pub rejected_key: K,
    /// The value given to `try_insert`, handed back.
    pub rejected_value: V,
}

impl<K: fmt::Debug, V: fmt::Debug> fmt::Debug for Occupied<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Occupied")
            .field("key", self.key)
            .field("value", self.value)
            .finish_non_exhaustive()
    }
}

/// A node's key and value for `'a`.
///
/// # Safety
///
/// `node` is live and protected for `'a`.
#[inline]
unsafe fn pair<'a, K, V, R: Reclaim>(node: NodeRef<'_, K, V, R>) -> (&'a K, &'a V) {
    // SAFETY: forwarded.
    let entry = unsafe { &*node.as_raw() };
    (&entry.key, &entry.value)
}

impl<'m, K, V, C, R: Reclaim> PinnedMap<'m, K, V, C, R> {
    pub(crate) fn new(map: &'m SkipListMap<K, V, C, R>, guard: Guard<'m, R>) -> Self {
        Self { map, guard }
    }

    /// The guard this pin holds.
    #[must_use]
    pub fn guard(&self) -> &Guard<'m, R> {
        &self.guard
    }

    /// The map.
    #[must_use]
    pub fn map(&self) -> &'m SkipListMap<K, V, C, R> {
        self.map
    }
}

impl<K: Send, V: Send, C: Comparator<K>, R: Reclaim> PinnedMap<'_, K, V, C, R> {
    /// The value of `key` (lock-free).
    pub fn get<Q: ?Sized>(&self, key: &Q) -> Option<&V>
    where
        C: CompareBorrowed<K, Q>,
    {
        self.get_key_value(key).map(|(_, v)| v)
    }

    /// The stored key and value of `key` (lock-free).
    pub fn get_key_value<Q: ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        C: CompareBorrowed<K, Q>,
    {
        let list = &self.map.list;
        let node = list.get_by(&|k| list.comparator.compare_borrowed(k, key), &self.guard)?;
        // SAFETY: live under the pin's guard.
        Some(unsafe { pair(node) })
    }

    /// Whether `key` is present (lock-free).
    pub fn contains_key<Q: ?Sized>(&self, key: &Q) -> bool
    where
        C: CompareBorrowed<K, Q>,
    {
        self.get_key_value(key).is_some()
    }

    /// Inserts `key → value`, replacing a present entry; returns the replaced entry (still
    /// readable through this pin). Lock-free.
    pub fn insert(&self, key: K, value: V) -> Option<(&K, &V)> {
        match self.map.list.insert_with(key, Given(value), OnPresent::Replace, &self.guard) {
            // SAFETY: protected by the pin's guard.
            Inserted::Linked { replaced, .. } => replaced.map(|node| unsafe { pair(node) }),
            Inserted::Kept { .. } => unreachable!("Replace never keeps"),
        }
    }

    /// Inserts `key → value` only if `key` is absent. `Ok` is the inserted entry; `Err`
    /// holds the present entry and hands the pair back. Lock-free.
    ///
    /// # Errors
    ///
    /// [`Occupied`] when the key is present.
    pub fn try_insert(&self, key: K, value: V) -> Result<(&K, &V), Occupied<'_, K, V>> {
        match self.map.list.insert_with(key, Given(value), OnPresent::Keep, &self.guard) {
            // SAFETY: protected by the pin's guard.
            Inserted::Linked { new, .. } => Ok(unsafe { pair(new) }),
            Inserted::Kept { existing, key, value } => {
                // SAFETY: as above.
                let (k, v) = unsafe { pair(existing) };
                Err(Occupied {
                    key: k,
                    value: v,
                    rejected_key: key,
                    rejected_value: value.unwrap_or_else(|Given(value)| value),
                })
            }
        }
    }
}

impl<'m, K: Send, V: Send, C: Comparator<K>, R: Reclaim> PinnedMap<'m, K, V, C, R> {
    /// The value of `key`, inserting `value` first if `key` is absent (lock-free).
    pub fn get_or_insert(&self, key: K, value: V) -> (&K, &V) {
        match self.map.list.insert_with(key, Given(value), OnPresent::Keep, &self.guard) {
            // SAFETY: protected by the pin's guard.
            Inserted::Linked { new, .. } => unsafe { pair(new) },
            // SAFETY: as above.
            Inserted::Kept { existing, .. } => unsafe { pair(existing) },
        }
    }

    /// The value of `key`, inserting `make(&key)` first if `key` is absent. `make` runs at
    /// most once, and only after a look found the key absent; if a concurrent insert of the
    /// same key wins the race after that, the value `make` returned is dropped and the
    /// winner's entry is returned. Lock-free.
    pub fn get_or_insert_with(&self, key: K, make: impl FnOnce(&K) -> V) -> (&K, &V) {
        match self.map.list.insert_with(key, With(make), OnPresent::Keep, &self.guard) {
            // SAFETY: protected by the pin's guard.
            Inserted::Linked { new, .. } => unsafe { pair(new) },
            // SAFETY: as above.
            Inserted::Kept { existing, .. } => unsafe { pair(existing) },
        }
    }

    /// Replaces the entry of `key` if present, returning the replaced entry; absent, hands the
    /// pair back. Lock-free.
    ///
    /// # Errors
    ///
    /// The pair, when `key` is absent.
    pub fn replace(&self, key: K, value: V) -> Result<(&K, &V), (K, V)> {
        let node = self.map.list.replace_if(key, value, |_| true, &self.guard)?;
        // SAFETY: protected by the pin's guard.
        Ok(unsafe { pair(node) })
    }

    /// Replaces the entry of `key` if its value equals `expected`, in one atomic step;
    /// returns the replaced entry, or hands the pair back if the key is absent or holds
    /// another value. Lock-free.
    ///
    /// # Errors
    ///
    /// The pair, when `key` is absent or its value is not `expected`.
    pub fn compare_and_replace(&self, key: K, expected: &V, value: V) -> Result<(&K, &V), (K, V)>
    where
        V: PartialEq,
    {
        let node = self
            .map
            .list
            .replace_if(key, value, |current| current == expected, &self.guard)?;
        // SAFETY: protected by the pin's guard.
        Ok(unsafe { pair(node) })
    }

    /// Removes `key`, returning the removed entry (readable through this pin). Lock-free.
    pub fn remove<Q: ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        C: CompareBorrowed<K, Q>,
    {
        let list = &self.map.list;
        let node = list.remove_by(&|k| list.comparator.compare_borrowed(k, key), &self.guard)?;
        // SAFETY: protected by the pin's guard.
        Some(unsafe { pair(node) })
    }

    /// The entry with the least key (lock-free).
    pub fn first(&self) -> Option<(&K, &V)> {
        // SAFETY: protected by the pin's guard.
        self.map.list.first(&self.guard).map(|node| unsafe { pair(node) })
    }

    /// The entry with the greatest key (lock-free).
    pub fn last(&self) -> Option<(&K, &V)> {
        // SAFETY: protected by the pin's guard.
        self.map.list.last(&self.guard).map(|node| unsafe { pair(node) })
    }

    /// Removes and returns the entry with the least key (lock-free; see
    /// [`SkipListMap::pop_first`] for its guarantee).
    pub fn pop_first(&self) -> Option<(&K, &V)> {
        // SAFETY: protected by the pin's guard.
        self.map.list.pop_first(&self.guard).map(|node| unsafe { pair(node) })
    }

    /// Removes and returns the entry with the greatest key (lock-free, linearizable).
    pub fn pop_last(&self) -> Option<(&K, &V)> {
        // SAFETY: protected by the pin's guard.
        self.map.list.pop_last(&self.guard).map(|node| unsafe { pair(node) })
    }

    fn navigate<Q: ?Sized>(&self, key: &Q, toward: Toward) -> Option<(&K, &V)>
    where
        C: CompareBorrowed<K, Q>,
    {
        let list = &self.map.list;
        let node = list.navigate_by(&|k| list.comparator.compare_borrowed(k, key), toward, &self.guard)?;
        // SAFETY: protected by the pin's guard.
        Some(unsafe { pair(node) })
    }

    /// The entry with the greatest key `<` `key` (lock-free).
    pub fn lower<Q: ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        C: CompareBorrowed<K, Q>,
    {
        self.navigate(key, Toward::Lower)
    }

    /// The entry with the greatest key `<=` `key` (lock-free).
    pub fn floor<Q: ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        C: CompareBorrowed<K, Q>,
    {
        self.navigate(key, Toward::Floor)
    }

    /// The entry with the least key `>=` `key` (lock-free).
    pub fn ceiling<Q: ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        C: CompareBorrowed<K, Q>,
    {
        self.navigate(key, Toward::Ceiling)
    }

    /// The entry with the least key `>` `key` (lock-free).
    pub fn higher<Q: ?Sized>(&self, key: &Q) -> Option<(&K, &V)>
    where
        C: CompareBorrowed<K, Q>,
    {
        self.navigate(key, Toward::Higher)
    }

    /// The greatest key `<` `key`.
    pub fn lower_key<Q: ?Sized>(&self, key: &Q) -> Option<&K>
    where
        C: CompareBorrowed<K, Q>,
    {
        self.lower(key).map(|(k, _)| k)
    }

    /// The greatest key `<=` `key`.
    pub fn floor_key<Q: ?Sized>(&self, key: &Q) -> Option<&K>
    where
        C: CompareBorrowed<K, Q>,
    {
        self.floor(key).map(|(k, _)| k)
    }

    /// The least key `>=` `key`.
    pub fn ceiling_key<Q: ?Sized>(&self, key: &Q) -> Option<&K>
    where
        C: CompareBorrowed<K, Q>,
    {
        self.ceiling(key).map(|(k, _)| k)
    }

    /// The least key `>` `key`.
    pub fn higher_key<Q: ?Sized>(&self, key: &Q) -> Option<&K>
    where
        C: CompareBorrowed<K, Q>,
    {
        self.higher(key).map(|(k, _)| k)
    }

    /// The entries with keys in `range`, ascending (or descending with `.rev()`), weakly
    /// consistent (see [`SkipListMap::range`]).
    pub fn range<Q: ?Sized, B: RangeBounds<Q>>(&self, range: B) -> PinnedRange<'_, 'm, K, V, C, R, Q, B>
    where
        C: CompareBorrowed<K, Q>,
    {
        PinnedRange {
            pin: self,
            cursor: RangeCursor::new(range),
        }
    }

    /// Every entry, ascending (or descending with `.rev()`), weakly consistent.
    pub fn iter(&self) -> PinnedRange<'_, 'm, K, V, C, R, K, core::ops::RangeFull>
    where
        C: CompareBorrowed<K, K>,
    {
        self.range(..)
    }
}

/// Iterator over a [`PinnedMap`]'s entries in a key range (from [`PinnedMap::range`] and
/// [`PinnedMap::iter`]).
pub struct PinnedRange<'p, 'm, K, V, C, R: Reclaim, Q: ?Sized, B> {
    pin: &'p PinnedMap<'m, K, V, C, R>,
    cursor: RangeCursor<K, V, Q, B>,
}

impl<'p, K: Send, V: Send, C, R: Reclaim, Q: ?Sized, B> Iterator for PinnedRange<'p, '_, K, V, C, R, Q, B>
where
    C: Comparator<K> + CompareBorrowed<K, Q>,
    B: RangeBounds<Q>,
{
    type Item = (&'p K, &'p V);

    fn next(&mut self) -> Option<Self::Item> {
        // SAFETY: every call passes the pin's one guard, active since the cursor began.
        let node = unsafe { self.cursor.next(&self.pin.map.list, &self.pin.guard) }?;
        // SAFETY: protected by the pin's guard for `'p`.
        Some(unsafe { pair(node) })
    }
}

impl<K: Send, V: Send, C, R: Reclaim, Q: ?Sized, B> DoubleEndedIterator for PinnedRange<'_, '_, K, V, C, R, Q, B>
where
    C: Comparator<K> + CompareBorrowed<K, Q>,
    B: RangeBounds<Q>,
{
    fn next_back(&mut self) -> Option<Self::Item> {
        // SAFETY: as in `next`.
        let node = unsafe { self.cursor.next_back(&self.pin.map.list, &self.pin.guard) }?;
        // SAFETY: as in `next`.
        Some(unsafe { pair(node) })
    }
}

impl<K, V, C, R: Reclaim, Q: ?Sized, B> fmt::Debug for PinnedRange<'_, '_, K, V, C, R, Q, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinnedRange").finish_non_exhaustive()
    }
}

impl<K, V, C, R: Reclaim> fmt::Debug for PinnedMap<'_, K, V, C, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinnedMap").finish_non_exhaustive()
    }
}
