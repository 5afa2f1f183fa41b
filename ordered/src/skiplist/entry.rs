//! `std` convenience forms of [`SkipListMap`]: each call pins the calling thread's
//! participant in the map's domain, and answers naming an entry return an [`Entry`] that keeps
//! that pin until it is dropped.

use core::{
    fmt,
    ops::{RangeBounds, RangeFull},
};

use ccol_reclaim::{Guard, Reclaim};

use super::{
    cursor::RangeCursor,
    list::NodeRef,
    map::SkipListMap,
    node::Node,
    ops::{Given, Inserted, OnPresent, Toward, With},
    pinned::PinnedMap,
};
use crate::comparator::{CompareBorrowed, Comparator};

/// An entry of a [`SkipListMap`] (present, or just removed or replaced), readable while this
/// value lives: it holds a pin of the map's domain, so the entry cannot be freed meanwhile.
/// Drop it promptly (a held pin delays reclamation, see [`PinnedMap`]).
pub struct Entry<'m, K, V, R: Reclaim> {
    node: *const Node<K, V>,
    /// Keeps `node` allocated.
    _guard: Guard<'m, R>,
}

impl<'m, K, V, R: Reclaim> Entry<'m, K, V, R> {
    /// Wraps a node (its value pointer) protected by `guard`, or by a guard of the same
    /// participant that `guard` is nested in (a participant stays protected while any of its
    /// guards lives).
    ///
    /// # Safety
    ///
    /// `node` is live and protected while `guard` lives.
    pub(crate) unsafe fn from_raw(node: *const Node<K, V>, guard: Guard<'m, R>) -> Self {
        Self { node, _guard: guard }
    }

    /// The key.
    #[must_use]
    pub fn key(&self) -> &K {
        // SAFETY: protected by the held guard (`new`'s contract).
        unsafe { &(*self.node).key }
    }

    /// The value.
    #[must_use]
    pub fn value(&self) -> &V {
        // SAFETY: as in `key`.
        unsafe { &(*self.node).value }
    }

    /// The key and value.
    #[must_use]
    pub fn pair(&self) -> (&K, &V) {
        (self.key(), self.value())
    }
}

impl<K: fmt::Debug, V: fmt::Debug, R: Reclaim> fmt::Debug for Entry<'_, K, V, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Entry").field(self.key()).field(self.value()).finish()
    }
}

impl<K, V, C, R: Reclaim> SkipListMap<K, V, C, R> {
    /// The map pinned by the calling thread's participant: many operations under one pin,
    /// answering plain references (see [`PinnedMap`]).
    #[must_use]
    pub fn pin(&self) -> PinnedMap<'_, K, V, C, R> {
        PinnedMap::new(self, self.list.domain.pin())
    }

    /// Frees the calling thread's retired entries that no guard can still see (a hint; the
    /// scheme also does it on its own schedule).
    pub fn flush(&self) {
        self.list.domain.flush();
    }
}

/// Runs `op` under a fresh pin and wraps the node it returns in an [`Entry`] keeping that pin.
fn with_entry<'m, K, V, C, R: Reclaim>(
    map: &'m SkipListMap<K, V, C, R>,
    op: impl for<'g> FnOnce(&'g Guard<'m, R>) -> Option<NodeRef<'g, K, V, R>>,
) -> Option<Entry<'m, K, V, R>> {
    let guard = map.list.domain.pin();
    let node = op(&guard)?.as_raw();
    // SAFETY: `node` was returned under `guard`, which the entry keeps.
    Some(unsafe { Entry::from_raw(node, guard) })
}

impl<K: Send, V: Send, C: Comparator<K>, R: Reclaim> SkipListMap<K, V, C, R> {
    /// The entry of `key` (lock-free).
    pub fn get<Q: ?Sized>(&self, key: &Q) -> Option<Entry<'_, K, V, R>>
    where
        C: CompareBorrowed<K, Q>,
    {
        let list = &self.list;
        with_entry(self, |g| list.get_by(&|k| list.comparator.compare_borrowed(k, key), g))
    }

    /// Whether `key` is present (lock-free).
    pub fn contains_key<Q: ?Sized>(&self, key: &Q) -> bool
    where
        C: CompareBorrowed<K, Q>,
    {
        self.pin().contains_key(key)
    }

    /// Inserts `key → value`, replacing a present entry in one atomic step; returns the
    /// replaced entry. Lock-free.
    pub fn insert(&self, key: K, value: V) -> Option<Entry<'_, K, V, R>> {
        with_entry(self, |g| match self.list.insert_with(key, Given(value), OnPresent::Replace, g) {
            Inserted::Linked { replaced, .. } => replaced,
            Inserted::Kept { .. } => unreachable!("Replace never keeps"),
        })
    }

    /// Inserts `key → value` only if `key` is absent: `Ok` with the new entry, or `Err` with
    /// the present entry and the pair handed back. Lock-free.
    ///
    /// # Errors
    ///
    /// The present entry, the key and the value, when `key` is present.
    #[allow(clippy::type_complexity, reason = "the entry and the rejected pair")]
    pub fn try_insert(&self, key: K, value: V) -> Result<Entry<'_, K, V, R>, (Entry<'_, K, V, R>, K, V)> {
        let guard = self.list.domain.pin();
        let (node, rejected) = match self.list.insert_with(key, Given(value), OnPresent::Keep, &guard) {
            Inserted::Linked { new, .. } => (new.as_raw(), None),
            Inserted::Kept { existing, key, value } => {
                (existing.as_raw(), Some((key, value.unwrap_or_else(|Given(value)| value))))
            }
        };
        // SAFETY: `node` was returned under `guard`, which the entry keeps.
        let entry = unsafe { Entry::from_raw(node, guard) };
        match rejected {
            None => Ok(entry),
            Some((key, value)) => Err((entry, key, value)),
        }
    }

    /// The entry of `key`, inserting `value` first if `key` is absent. Lock-free.
    pub fn get_or_insert(&self, key: K, value: V) -> Entry<'_, K, V, R> {
        with_entry(self, |g| Some(Self::kept_or_new(self.list.insert_with(key, Given(value), OnPresent::Keep, g))))
            .expect("an entry is always returned")
    }

    /// The entry of `key`, inserting `make(&key)` first if `key` is absent. `make` runs at
    /// most once, and only after a look found the key absent; if a concurrent insert of the
    /// same key wins after that, `make`'s value is dropped and the winner's entry returned.
    /// Lock-free.
    pub fn get_or_insert_with(&self, key: K, make: impl FnOnce(&K) -> V) -> Entry<'_, K, V, R> {
        with_entry(self, |g| Some(Self::kept_or_new(self.list.insert_with(key, With(make), OnPresent::Keep, g))))
            .expect("an entry is always returned")
    }

    fn kept_or_new<'g, F>(inserted: Inserted<'g, K, V, R, F>) -> NodeRef<'g, K, V, R> {
        match inserted {
            Inserted::Linked { new, .. } => new,
            Inserted::Kept { existing, .. } => existing,
        }
    }

    /// Replaces the entry of `key` if present (one atomic step), returning the replaced
    /// entry. Lock-free.
    ///
    /// # Errors
    ///
    /// The pair, handed back, when `key` is absent.
    pub fn replace(&self, key: K, value: V) -> Result<Entry<'_, K, V, R>, (K, V)> {
        let guard = self.list.domain.pin();
        let node = self.list.replace_if(key, value, |_| true, &guard)?.as_raw();
        // SAFETY: returned under `guard`, which the entry keeps.
        Ok(unsafe { Entry::from_raw(node, guard) })
    }

    /// Replaces the entry of `key` if its value equals `expected` (one atomic step: exactly
    /// one of several racing callers with the same `expected` wins), returning the replaced
    /// entry. Lock-free.
    ///
    /// # Errors
    ///
    /// The pair, handed back, when `key` is absent or holds another value.
    pub fn compare_and_replace(&self, key: K, expected: &V, value: V) -> Result<Entry<'_, K, V, R>, (K, V)>
    where
        V: PartialEq,
    {
        let guard = self.list.domain.pin();
        let node = self.list.replace_if(key, value, |current| current == expected, &guard)?.as_raw();
        // SAFETY: returned under `guard`, which the entry keeps.
        Ok(unsafe { Entry::from_raw(node, guard) })
    }

    /// Removes `key`, returning the removed entry. Lock-free.
    pub fn remove<Q: ?Sized>(&self, key: &Q) -> Option<Entry<'_, K, V, R>>
    where
        C: CompareBorrowed<K, Q>,
    {
        let list = &self.list;
        with_entry(self, |g| list.remove_by(&|k| list.comparator.compare_borrowed(k, key), g))
    }

    /// The entry with the least key. Lock-free.
    pub fn first(&self) -> Option<Entry<'_, K, V, R>> {
        with_entry(self, |g| self.list.first(g))
    }

    /// The entry with the greatest key. Lock-free.
    pub fn last(&self) -> Option<Entry<'_, K, V, R>> {
        with_entry(self, |g| self.list.last(g))
    }

    /// Removes and returns an entry that was the least at a moment during the call: exactly
    /// one caller gets each entry. Lock-free. Not linearizable against a concurrent insert of
    /// a smaller key (the type's docs, "Atomicity").
    pub fn pop_first(&self) -> Option<Entry<'_, K, V, R>> {
        with_entry(self, |g| self.list.pop_first(g))
    }

    /// Removes and returns the entry with the greatest key, linearizable: the removal takes
    /// effect while nothing follows the entry. Lock-free.
    pub fn pop_last(&self) -> Option<Entry<'_, K, V, R>> {
        with_entry(self, |g| self.list.pop_last(g))
    }

    fn navigate<Q: ?Sized>(&self, key: &Q, toward: Toward) -> Option<Entry<'_, K, V, R>>
    where
        C: CompareBorrowed<K, Q>,
    {
        let list = &self.list;
        with_entry(self, |g| list.navigate_by(&|k| list.comparator.compare_borrowed(k, key), toward, g))
    }

    /// The entry with the greatest key `<` `key`. Lock-free.
    pub fn lower<Q: ?Sized>(&self, key: &Q) -> Option<Entry<'_, K, V, R>>
    where
        C: CompareBorrowed<K, Q>,
    {
        self.navigate(key, Toward::Lower)
    }

    /// The entry with the greatest key `<=` `key`. Lock-free.
    pub fn floor<Q: ?Sized>(&self, key: &Q) -> Option<Entry<'_, K, V, R>>
    where
        C: CompareBorrowed<K, Q>,
    {
        self.navigate(key, Toward::Floor)
    }

    /// The entry with the least key `>=` `key`. Lock-free.
    pub fn ceiling<Q: ?Sized>(&self, key: &Q) -> Option<Entry<'_, K, V, R>>
    where
        C: CompareBorrowed<K, Q>,
    {
        self.navigate(key, Toward::Ceiling)
    }

    /// The entry with the least key `>` `key`. Lock-free.
    pub fn higher<Q: ?Sized>(&self, key: &Q) -> Option<Entry<'_, K, V, R>>
    where
        C: CompareBorrowed<K, Q>,
    {
        self.navigate(key, Toward::Higher)
    }

    /// The entries with keys in `range`, ascending, or descending with `.rev()`; both ends
    /// may be used. Weakly consistent: every entry yielded was present during the iteration,
    /// every entry present throughout it is yielded, keys are strictly monotonic from each
    /// end and never yielded twice. The iterator holds a pin (removed entries stay allocated
    /// while it lives); each [`Entry`] holds its own.
    pub fn range<Q: ?Sized, B: RangeBounds<Q>>(&self, range: B) -> Range<'_, K, V, C, R, Q, B>
    where
        C: CompareBorrowed<K, Q>,
    {
        Range {
            map: self,
            guard: self.list.domain.pin(),
            cursor: RangeCursor::new(range),
        }
    }

    /// Every entry, ascending (or descending with `.rev()`); see [`range`](Self::range).
    pub fn iter(&self) -> Range<'_, K, V, C, R, K, RangeFull>
    where
        C: CompareBorrowed<K, K>,
    {
        self.range(..)
    }

    /// Removes every entry present when the call starts, one at a time: not atomic (entries
    /// inserted meanwhile may stay; readers may see a partly cleared map). Lock-free per entry.
    pub fn clear(&self) {
        self.clear_with(&self.list.domain.pin());
    }
}

/// Iterator over a [`SkipListMap`]'s entries in a key range ([`SkipListMap::range`],
/// [`SkipListMap::iter`]).
pub struct Range<'m, K, V, C, R: Reclaim, Q: ?Sized, B> {
    map: &'m SkipListMap<K, V, C, R>,
    /// Protects the cursor's nodes for the iterator's whole life.
    guard: Guard<'m, R>,
    cursor: RangeCursor<K, V, Q, B>,
}

impl<'m, K: Send, V: Send, C, R: Reclaim, Q: ?Sized, B> Iterator for Range<'m, K, V, C, R, Q, B>
where
    C: Comparator<K> + CompareBorrowed<K, Q>,
    B: RangeBounds<Q>,
{
    type Item = Entry<'m, K, V, R>;

    // Inline: an `Entry` returned through memory from an outlined call costs a store-forwarding
    // stall per element (measured: IBR `scan100-1k` 3.75 → 2.8 Mops/s when the pin inside grew
    // and the compiler stopped inlining this on its own).
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        // SAFETY: every call passes the iterator's one guard, active since it was made.
        let node = unsafe { self.cursor.next(&self.map.list, &self.guard) }?.as_raw();
        // SAFETY: a nested pin of the same participant keeps `node` protected after the
        // iterator's guard ends.
        Some(unsafe { Entry::from_raw(node, self.map.list.domain.pin()) })
    }
}

impl<K: Send, V: Send, C, R: Reclaim, Q: ?Sized, B> DoubleEndedIterator for Range<'_, K, V, C, R, Q, B>
where
    C: Comparator<K> + CompareBorrowed<K, Q>,
    B: RangeBounds<Q>,
{
    // Inline: as `next`.
    #[inline]
    fn next_back(&mut self) -> Option<Self::Item> {
        // SAFETY: as in `next`.
        let node = unsafe { self.cursor.next_back(&self.map.list, &self.guard) }?.as_raw();
        // SAFETY: as in `next`.
        Some(unsafe { Entry::from_raw(node, self.map.list.domain.pin()) })
    }
}

impl<K, V, C, R: Reclaim, Q: ?Sized, B> fmt::Debug for Range<'_, K, V, C, R, Q, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Range").finish_non_exhaustive()
    }
}
