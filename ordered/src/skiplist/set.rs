//! [`SkipListSet`]: the ordered set on the same lock-free skip list as [`SkipListMap`] (an
//! entry is a key and a zero-sized value, so a `u64` set's node is `8 + 8·height` bytes).

use core::{
    fmt,
    ops::{RangeBounds, RangeFull},
};

use ccol_arch::config::Config;
use ccol_reclaim::{Domain, Guard, Handle, Reclaim, RegistryFull};

use super::{
    map::SkipListMap,
    pinned::{PinnedMap, PinnedRange},
};
use crate::comparator::{CompareBorrowed, Comparator, Natural};

/// A concurrent ordered set: [`SkipListMap`]'s skip list with no values. Same progress,
/// memory and atomicity guarantees (read them there): every operation is lock-free;
/// `insert`, `remove`, `take`, `contains`, navigation and `pop_last` are linearizable,
/// [`pop_first`](PinnedSet::pop_first) removes exactly one element that was the least at a
/// moment during the call; iteration is weakly consistent. Answers naming an element are
/// references valid while a pin lives ([`PinnedSet`]; under `std`, [`SetEntry`] holds its
/// own pin).
///
/// ```
/// use ccol_ordered::SkipListSet;
/// use ccol_reclaim::Ibr;
///
/// let set: SkipListSet<u32, _, Ibr> = SkipListSet::new();
/// assert!(set.insert(3));
/// assert!(set.insert(1));
/// assert!(!set.insert(3));
/// let pin = set.pin();
/// assert_eq!(pin.floor(&2), Some(&1));
/// assert_eq!(pin.iter().copied().collect::<Vec<_>>(), [1, 3]);
/// assert_eq!(pin.pop_last(), Some(&3));
/// ```
pub struct SkipListSet<T, C, R: Reclaim> {
    map: SkipListMap<T, (), C, R>,
}

impl<T, R: Reclaim> SkipListSet<T, Natural, R> {
    /// An empty set ordered by `T`'s `Ord`, with its own reclamation domain.
    #[must_use]
    pub fn new() -> Self {
        Self::with_comparator(Natural)
    }

    /// An empty set ordered by `T`'s `Ord`, with the reclamation settings of `config` (see
    /// [`SkipListMap::with_config`]).
    #[must_use]
    pub fn with_config(config: &Config) -> Self {
        Self::with_comparator_and_config(Natural, config)
    }
}

impl<T, R: Reclaim> Default for SkipListSet<T, Natural, R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, C, R: Reclaim> SkipListSet<T, C, R> {
    /// An empty set ordered by `comparator`.
    #[must_use]
    pub fn with_comparator(comparator: C) -> Self {
        Self::with_comparator_and_config(comparator, &Config::DEFAULT)
    }

    /// An empty set ordered by `comparator`, with the reclamation settings of `config` (see
    /// [`SkipListMap::with_config`]).
    #[must_use]
    pub fn with_comparator_and_config(comparator: C, config: &Config) -> Self {
        Self {
            map: SkipListMap::with_comparator_and_config(comparator, config),
        }
    }

    /// The comparator.
    #[must_use]
    pub fn comparator(&self) -> &C {
        self.map.comparator()
    }

    /// The set's reclamation domain.
    #[must_use]
    pub fn domain(&self) -> &Domain<R> {
        self.map.domain()
    }

    /// Registers the calling thread with the set's domain (no_std use).
    ///
    /// # Errors
    ///
    /// As [`SkipListMap::register`].
    pub fn register(&self) -> Result<Handle<'_, R>, RegistryFull> {
        self.map.register()
    }

    /// The set under `guard`: the guard-explicit API.
    ///
    /// # Panics
    ///
    /// If `guard` belongs to another domain than the set's.
    #[track_caller]
    pub fn pinned<'s>(&'s self, guard: Guard<'s, R>) -> PinnedSet<'s, T, C, R> {
        PinnedSet {
            map: self.map.pinned(guard),
        }
    }

    /// The number of elements (a counter: exact when nothing runs; see
    /// [`SkipListMap::len`]).
    #[must_use]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether the set is empty (from [`len`](Self::len)).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The set's counters (`stats` feature); see [`SkipListMap::stats`].
    #[cfg(feature = "stats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
    #[must_use]
    pub fn stats(&self) -> super::SkipListStats {
        self.map.stats()
    }
}

impl<T, C: Comparator<T>, R: Reclaim> SkipListSet<T, C, R> {
    /// Checks the structure (tests; exclusive access). Returns the number of elements.
    ///
    /// # Errors
    ///
    /// A description of the first broken invariant.
    #[doc(hidden)]
    pub fn check_structure(&mut self) -> Result<usize, alloc::string::String> {
        self.map.check_structure()
    }
}

/// A [`SkipListSet`] pinned under one guard: answers are references valid while it lives.
pub struct PinnedSet<'s, T, C, R: Reclaim> {
    map: PinnedMap<'s, T, (), C, R>,
}

impl<'s, T, C, R: Reclaim> PinnedSet<'s, T, C, R> {
    /// The guard this pin holds.
    #[must_use]
    pub fn guard(&self) -> &Guard<'s, R> {
        self.map.guard()
    }
}

impl<'s, T: Send, C: Comparator<T>, R: Reclaim> PinnedSet<'s, T, C, R> {
    /// Adds `value`; `false` (and `value` dropped) if an equal element is present.
    pub fn insert(&self, value: T) -> bool {
        self.map.try_insert(value, ()).is_ok()
    }

    /// Adds `value`, or hands it back with the equal element present.
    ///
    /// # Errors
    ///
    /// The present element and `value`, when an equal element is present.
    pub fn try_insert(&self, value: T) -> Result<&T, (&T, T)> {
        match self.map.try_insert(value, ()) {
            Ok((inserted, ())) => Ok(inserted),
            Err(occupied) => Err((occupied.key, occupied.rejected_key)),
        }
    }

    /// Removes the element equal to `value`; whether one was present.
    pub fn remove<Q: ?Sized>(&self, value: &Q) -> bool
    where
        C: CompareBorrowed<T, Q>,
    {
        self.map.remove(value).is_some()
    }

    /// Removes and returns the element equal to `value` (readable while the pin lives).
    pub fn take<Q: ?Sized>(&self, value: &Q) -> Option<&T>
    where
        C: CompareBorrowed<T, Q>,
    {
        self.map.remove(value).map(|(k, ())| k)
    }

    /// Whether an element equal to `value` is present.
    pub fn contains<Q: ?Sized>(&self, value: &Q) -> bool
    where
        C: CompareBorrowed<T, Q>,
    {
        self.map.contains_key(value)
    }

    /// The stored element equal to `value`.
    pub fn get<Q: ?Sized>(&self, value: &Q) -> Option<&T>
    where
        C: CompareBorrowed<T, Q>,
    {
        self.map.get_key_value(value).map(|(k, ())| k)
    }

    /// The least element.
    pub fn first(&self) -> Option<&T> {
        self.map.first().map(|(k, ())| k)
    }

    /// The greatest element.
    pub fn last(&self) -> Option<&T> {
        self.map.last().map(|(k, ())| k)
    }

    /// Removes and returns an element that was the least at a moment during the call
    /// (exactly one caller gets each element).
    pub fn pop_first(&self) -> Option<&T> {
        self.map.pop_first().map(|(k, ())| k)
    }

    /// Removes and returns the greatest element (linearizable).
    pub fn pop_last(&self) -> Option<&T> {
        self.map.pop_last().map(|(k, ())| k)
    }

    /// The greatest element `<` `value`.
    pub fn lower<Q: ?Sized>(&self, value: &Q) -> Option<&T>
    where
        C: CompareBorrowed<T, Q>,
    {
        self.map.lower_key(value)
    }

    /// The greatest element `<=` `value`.
    pub fn floor<Q: ?Sized>(&self, value: &Q) -> Option<&T>
    where
        C: CompareBorrowed<T, Q>,
    {
        self.map.floor_key(value)
    }

    /// The least element `>=` `value`.
    pub fn ceiling<Q: ?Sized>(&self, value: &Q) -> Option<&T>
    where
        C: CompareBorrowed<T, Q>,
    {
        self.map.ceiling_key(value)
    }

    /// The least element `>` `value`.
    pub fn higher<Q: ?Sized>(&self, value: &Q) -> Option<&T>
    where
        C: CompareBorrowed<T, Q>,
    {
        self.map.higher_key(value)
    }

    /// The elements in `range`, ascending (or descending with `.rev()`), weakly consistent
    /// (see [`SkipListMap::range`]).
    pub fn range<Q: ?Sized, B: RangeBounds<Q>>(&self, range: B) -> SetRange<'_, 's, T, C, R, Q, B>
    where
        C: CompareBorrowed<T, Q>,
    {
        SetRange {
            inner: self.map.range(range),
        }
    }

    /// Every element, ascending (or descending with `.rev()`), weakly consistent.
    pub fn iter(&self) -> SetRange<'_, 's, T, C, R, T, RangeFull>
    where
        C: CompareBorrowed<T, T>,
    {
        self.range(..)
    }
}

/// Iterator over a [`PinnedSet`]'s elements in a range.
pub struct SetRange<'p, 's, T, C, R: Reclaim, Q: ?Sized, B> {
    inner: PinnedRange<'p, 's, T, (), C, R, Q, B>,
}

impl<'p, T: Send, C, R: Reclaim, Q: ?Sized, B> Iterator for SetRange<'p, '_, T, C, R, Q, B>
where
    C: Comparator<T> + CompareBorrowed<T, Q>,
    B: RangeBounds<Q>,
{
    type Item = &'p T;

    fn next(&mut self) -> Option<&'p T> {
        self.inner.next().map(|(k, ())| k)
    }
}

impl<T: Send, C, R: Reclaim, Q: ?Sized, B> DoubleEndedIterator for SetRange<'_, '_, T, C, R, Q, B>
where
    C: Comparator<T> + CompareBorrowed<T, Q>,
    B: RangeBounds<Q>,
{
    fn next_back(&mut self) -> Option<Self::Item> {
        self.inner.next_back().map(|(k, ())| k)
    }
}

impl<T, C, R: Reclaim, Q: ?Sized, B> fmt::Debug for SetRange<'_, '_, T, C, R, Q, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetRange").finish_non_exhaustive()
    }
}

impl<T, C, R: Reclaim> fmt::Debug for PinnedSet<'_, T, C, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PinnedSet").finish_non_exhaustive()
    }
}

impl<T: Send, C: Comparator<T>, R: Reclaim> Extend<T> for SkipListSet<T, C, R> {
    /// Adds every element (duplicates are dropped; not atomic as a whole).
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        self.map.extend(iter.into_iter().map(|value| (value, ())));
    }
}

impl<T: Send, R: Reclaim> FromIterator<T> for SkipListSet<T, Natural, R>
where
    Natural: Comparator<T>,
{
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut set = Self::new();
        set.extend(iter);
        set
    }
}

impl<T, C, R> fmt::Debug for SkipListSet<T, C, R>
where
    T: Send + fmt::Debug,
    C: Comparator<T> + CompareBorrowed<T, T>,
    R: Reclaim,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let handle = self.register().map_err(|_| fmt::Error)?;
        let pin = self.pinned(handle.pin());
        f.debug_set().entries(pin.iter()).finish()
    }
}

#[cfg(feature = "std")]
mod convenience {
    use core::{fmt, ops::Deref, ops::RangeBounds};

    use ccol_reclaim::Reclaim;

    use super::{PinnedSet, SkipListSet};
    use crate::{
        comparator::{CompareBorrowed, Comparator},
        skiplist::entry::{Entry, Range},
    };

    /// An element of a [`SkipListSet`] (present, or just removed), readable while this value
    /// lives: it holds a pin of the set's domain. Dereferences to the element.
    pub struct SetEntry<'s, T, R: Reclaim>(Entry<'s, T, (), R>);

    impl<T, R: Reclaim> SetEntry<'_, T, R> {
        /// The element.
        #[must_use]
        pub fn get(&self) -> &T {
            self.0.key()
        }
    }

    impl<T, R: Reclaim> Deref for SetEntry<'_, T, R> {
        type Target = T;

        fn deref(&self) -> &T {
            self.get()
        }
    }

    impl<T: fmt::Debug, R: Reclaim> fmt::Debug for SetEntry<'_, T, R> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_tuple("SetEntry").field(self.get()).finish()
        }
    }

    impl<T, C, R: Reclaim> SkipListSet<T, C, R> {
        /// The set pinned by the calling thread's participant (many operations, one pin).
        #[must_use]
        pub fn pin(&self) -> PinnedSet<'_, T, C, R> {
            PinnedSet { map: self.map.pin() }
        }

        /// Frees the calling thread's retired elements no guard can still see (a hint).
        pub fn flush(&self) {
            self.map.flush();
        }
    }

    impl<T: Send, C: Comparator<T>, R: Reclaim> SkipListSet<T, C, R> {
        /// Adds `value`; `false` (and `value` dropped) if an equal element is present.
        /// Lock-free.
        pub fn insert(&self, value: T) -> bool {
            self.pin().insert(value)
        }

        /// Removes the element equal to `value`; whether one was present. Lock-free.
        pub fn remove<Q: ?Sized>(&self, value: &Q) -> bool
        where
            C: CompareBorrowed<T, Q>,
        {
            self.pin().remove(value)
        }

        /// Removes and returns the element equal to `value`. Lock-free.
        pub fn take<Q: ?Sized>(&self, value: &Q) -> Option<SetEntry<'_, T, R>>
        where
            C: CompareBorrowed<T, Q>,
        {
            self.map.remove(value).map(SetEntry)
        }

        /// Whether an element equal to `value` is present. Lock-free.
        pub fn contains<Q: ?Sized>(&self, value: &Q) -> bool
        where
            C: CompareBorrowed<T, Q>,
        {
            self.pin().contains(value)
        }

        /// The least element. Lock-free.
        pub fn first(&self) -> Option<SetEntry<'_, T, R>> {
            self.map.first().map(SetEntry)
        }

        /// The greatest element. Lock-free.
        pub fn last(&self) -> Option<SetEntry<'_, T, R>> {
            self.map.last().map(SetEntry)
        }

        /// Removes and returns an element that was the least at a moment during the call.
        pub fn pop_first(&self) -> Option<SetEntry<'_, T, R>> {
            self.map.pop_first().map(SetEntry)
        }

        /// Removes and returns the greatest element (linearizable). Lock-free.
        pub fn pop_last(&self) -> Option<SetEntry<'_, T, R>> {
            self.map.pop_last().map(SetEntry)
        }

        /// The greatest element `<` `value`.
        pub fn lower<Q: ?Sized>(&self, value: &Q) -> Option<SetEntry<'_, T, R>>
        where
            C: CompareBorrowed<T, Q>,
        {
            self.map.lower(value).map(SetEntry)
        }

        /// The greatest element `<=` `value`.
        pub fn floor<Q: ?Sized>(&self, value: &Q) -> Option<SetEntry<'_, T, R>>
        where
            C: CompareBorrowed<T, Q>,
        {
            self.map.floor(value).map(SetEntry)
        }

        /// The least element `>=` `value`.
        pub fn ceiling<Q: ?Sized>(&self, value: &Q) -> Option<SetEntry<'_, T, R>>
        where
            C: CompareBorrowed<T, Q>,
        {
            self.map.ceiling(value).map(SetEntry)
        }

        /// The least element `>` `value`.
        pub fn higher<Q: ?Sized>(&self, value: &Q) -> Option<SetEntry<'_, T, R>>
        where
            C: CompareBorrowed<T, Q>,
        {
            self.map.higher(value).map(SetEntry)
        }

        /// The elements in `range`, weakly consistent (see [`SkipListMap::range`](crate::SkipListMap::range)).
        pub fn range<Q: ?Sized, B: RangeBounds<Q>>(&self, range: B) -> SetEntries<'_, T, C, R, Q, B>
        where
            C: CompareBorrowed<T, Q>,
        {
            SetEntries(self.map.range(range))
        }

        /// Every element, weakly consistent.
        pub fn iter(&self) -> SetEntries<'_, T, C, R, T, core::ops::RangeFull>
        where
            C: CompareBorrowed<T, T>,
        {
            self.range(..)
        }

        /// Removes every element present when the call starts, one at a time (not atomic).
        pub fn clear(&self) {
            self.map.clear();
        }
    }

    /// Iterator over a [`SkipListSet`]'s elements ([`SkipListSet::range`], [`SkipListSet::iter`]).
    pub struct SetEntries<'s, T, C, R: Reclaim, Q: ?Sized, B>(Range<'s, T, (), C, R, Q, B>);

    impl<'s, T: Send, C, R: Reclaim, Q: ?Sized, B> Iterator for SetEntries<'s, T, C, R, Q, B>
    where
        C: Comparator<T> + CompareBorrowed<T, Q>,
        B: RangeBounds<Q>,
    {
        type Item = SetEntry<'s, T, R>;

        // Inline: as the map's `Range::next` (an entry returned through memory stalls).
        #[inline]
        fn next(&mut self) -> Option<Self::Item> {
            self.0.next().map(SetEntry)
        }
    }

    impl<T: Send, C, R: Reclaim, Q: ?Sized, B> DoubleEndedIterator for SetEntries<'_, T, C, R, Q, B>
    where
        C: Comparator<T> + CompareBorrowed<T, Q>,
        B: RangeBounds<Q>,
    {
        // Inline: as `next`.
        #[inline]
        fn next_back(&mut self) -> Option<Self::Item> {
            self.0.next_back().map(SetEntry)
        }
    }

    impl<T, C, R: Reclaim, Q: ?Sized, B> fmt::Debug for SetEntries<'_, T, C, R, Q, B> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SetEntries").finish_non_exhaustive()
        }
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use convenience::{SetEntries, SetEntry};
