//! [`SkipListMap`]: the ordered map on the lock-free skip list.

use core::{fmt, ptr};

use ccol_arch::config::Config;
use ccol_reclaim::{Domain, Guard, Handle, Reclaim, RegistryFull};

use super::{list::SkipList, pinned::PinnedMap};
use crate::comparator::{CompareBorrowed, Comparator, Natural};

/// A concurrent ordered map: a lock-free skip list (Fraser's) whose removed entries are
/// reclaimed through the scheme `R` ([`Ibr`](ccol_reclaim::Ibr) or
/// [`Debra`](ccol_reclaim::Debra)), ordered by the comparator `C` ([`Natural`] for `Ord`).
///
/// # Entries are immutable; answers are guard-bound
///
/// An entry's value is never written in place: [`insert`](PinnedMap::insert) over a present
/// key, [`replace`](PinnedMap::replace) and
/// [`compare_and_replace`](PinnedMap::compare_and_replace) put a new entry in the old one's
/// place in one atomic step. A removed or replaced entry may still be read by threads that
/// found it earlier, so it cannot be moved out to the caller: every answer that names an entry
/// is a **reference valid while a guard lives** — `(&K, &V)` from a [`PinnedMap`] (one pin for
/// many operations, and the no_std API), or an [`Entry`](super::Entry) that holds its own pin
/// (the `std` convenience methods on the map). Clone what you need to keep. No `'static`
/// bounds: the map owns its reclamation [`Domain`], so entries never outlive it.
///
/// # Progress and memory
///
/// - Every operation is **lock-free** (a thread retries only because another one's CAS
///   succeeded); none is wait-free. Reads never write, except navigation and `first`/`last`,
///   which unlink removed nodes they meet (helping).
/// - One allocation per entry: key, value and a tower of 1–24 links (`16 + 8·h` bytes for
///   `u64 → u64`, h = 1 for half the entries, 2 on average, plus IBR's 8-byte header): with
///   glibc's malloc, 42.7 B per entry under DEBRA and 53.3 under IBR, measured on a million
///   entries (`cargo xtask bench memory`; an IBR node of height 1 already takes a 48-byte
///   chunk, so IBR cannot go below 48 on glibc). Removed and replaced entries are freed by
///   the scheme once no guard can see them; under IBR a stalled thread keeps a bounded number
///   of them, under DEBRA all of those removed since it pinned. Dropping the map frees
///   everything.
///
/// # Atomicity
///
/// `get`, `contains_key`, `insert`, `try_insert`, `get_or_insert(_with)`, `replace`,
/// `compare_and_replace`, `remove`, `pop_last`, `first`, `last` and the navigation methods
/// are linearizable (the module [`list`](super::list) names each linearization point).
/// [`pop_first`](Self::pop_first) removes exactly one entry that was the least at a moment
/// during the call; a smaller key inserted concurrently may have been in the map when the
/// removal took effect. [`len`](Self::len) is a counter, exact only when nothing runs;
/// iteration is weakly consistent; [`clear`](Self::clear) is not atomic.
///
/// # Example
///
/// ```
/// use ccol_ordered::SkipListMap;
/// use ccol_reclaim::Ibr;
///
/// let map: SkipListMap<u32, &str, _, Ibr> = SkipListMap::new();
/// std::thread::scope(|s| {
///     s.spawn(|| {
///         map.insert(2, "two");
///     });
///     s.spawn(|| {
///         map.insert(1, "one");
///     });
/// });
/// let pin = map.pin();
/// assert_eq!(pin.get(&1), Some(&"one"));
/// assert_eq!(pin.ceiling(&2).map(|(k, _)| *k), Some(2));
/// assert_eq!(pin.iter().map(|(k, _)| *k).collect::<Vec<_>>(), [1, 2]);
/// ```
pub struct SkipListMap<K, V, C, R: Reclaim> {
    pub(crate) list: SkipList<K, V, C, R>,
}

impl<K, V, R: Reclaim> SkipListMap<K, V, Natural, R> {
    /// An empty map ordered by `K`'s `Ord`, with its own reclamation domain.
    #[must_use]
    pub fn new() -> Self {
        Self::with_comparator(Natural)
    }

    /// An empty map ordered by `K`'s `Ord` whose domain takes the reclamation settings of
    /// `config` (under IBR `retire_threshold`, `epoch_frequency` and `sticky_reservations`;
    /// DEBRA has none). The map copies them: later changes to `config` do not reach it.
    ///
    /// ```
    /// use ccol_arch::config::Config;
    /// use ccol_ordered::SkipListMap;
    /// use ccol_reclaim::Ibr;
    ///
    /// // Scan after every 8 removals: less garbage waits, each removal pays more.
    /// let config = Config::DEFAULT.with_retire_threshold(8).expect("in range");
    /// let map: SkipListMap<u32, u32, _, Ibr> = SkipListMap::with_config(&config);
    /// map.insert(1, 10);
    /// assert_eq!(map.remove(&1).map(|e| *e.value()), Some(10));
    /// ```
    #[must_use]
    pub fn with_config(config: &Config) -> Self {
        Self::with_comparator_and_config(Natural, config)
    }
}

impl<K, V, R: Reclaim> Default for SkipListMap<K, V, Natural, R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<K, V, C, R: Reclaim> SkipListMap<K, V, C, R> {
    /// An empty map ordered by `comparator`.
    ///
    /// ```
    /// use ccol_ordered::{Natural, Reverse, SkipListMap};
    /// use ccol_reclaim::Debra;
    ///
    /// let map: SkipListMap<u8, (), _, Debra> = SkipListMap::with_comparator(Reverse::new(Natural));
    /// for k in [1, 3, 2] {
    ///     map.insert(k, ());
    /// }
    /// assert_eq!(map.first().map(|e| *e.key()), Some(3));
    /// ```
    #[must_use]
    pub fn with_comparator(comparator: C) -> Self {
        Self::with_comparator_and_config(comparator, &Config::DEFAULT)
    }

    /// An empty map ordered by `comparator`, with the reclamation settings of `config` (see
    /// [`with_config`](SkipListMap::with_config)).
    #[must_use]
    pub fn with_comparator_and_config(comparator: C, config: &Config) -> Self {
        Self {
            list: SkipList::new(comparator, config),
        }
    }

    /// The comparator.
    #[must_use]
    pub fn comparator(&self) -> &C {
        &self.list.comparator
    }

    /// The map's reclamation domain (guards given to [`pinned`](Self::pinned) come from it).
    #[must_use]
    pub fn domain(&self) -> &Domain<R> {
        &self.list.domain
    }

    /// Registers the calling thread with the map's domain (no_std: one handle per thread,
    /// pinned around each batch of operations with [`pinned`](Self::pinned)).
    ///
    /// # Errors
    ///
    /// [`RegistryFull`] never for the map's own (growable) domain, unless allocation fails.
    pub fn register(&self) -> Result<Handle<'_, R>, RegistryFull> {
        self.list.domain.register()
    }

    /// The map under `guard`: the guard-explicit API.
    ///
    /// # Panics
    ///
    /// If `guard` belongs to another domain than the map's.
    ///
    /// ```
    /// use ccol_ordered::SkipListMap;
    /// use ccol_reclaim::Ibr;
    ///
    /// let map: SkipListMap<u64, u64, _, Ibr> = SkipListMap::new();
    /// let handle = map.register().unwrap();
    /// let pin = map.pinned(handle.pin());
    /// assert_eq!(pin.insert(7, 70), None);
    /// assert_eq!(pin.insert(7, 71), Some((&7, &70)));
    /// assert_eq!(pin.get(&7), Some(&71));
    /// ```
    #[track_caller]
    pub fn pinned<'m>(&'m self, guard: Guard<'m, R>) -> PinnedMap<'m, K, V, C, R> {
        assert!(
            ptr::eq(guard.domain(), &self.list.domain),
            "the guard belongs to another domain than this map's"
        );
        PinnedMap::new(self, guard)
    }

    /// The number of entries: a counter updated right after each insert's and removal's
    /// linearization point, so exact whenever no operation is running, and possibly off by the
    /// number of operations in flight otherwise (never negative). O(1), wait-free.
    #[must_use]
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether the map has no entry (from [`len`](Self::len): exact when nothing runs).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The map's counters (`stats` feature): level histogram, CAS failures, retries, helping
    /// unlinks, nodes traversed.
    #[cfg(feature = "stats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
    #[must_use]
    pub fn stats(&self) -> super::SkipListStats {
        self.list.stats.snapshot()
    }
}

impl<K, V, C: Comparator<K>, R: Reclaim> SkipListMap<K, V, C, R> {
    /// Checks the skip list's structural invariants (for the crate's tests; exclusive access,
    /// so nothing runs concurrently). Returns the number of entries.
    ///
    /// # Errors
    ///
    /// A description of the first broken invariant.
    #[doc(hidden)]
    pub fn check_structure(&mut self) -> Result<usize, alloc::string::String> {
        self.list.check()
    }
}

impl<K: Send, V: Send, C: Comparator<K>, R: Reclaim> SkipListMap<K, V, C, R> {
    /// Removes every entry present when the call starts, one at a time (not atomic: entries
    /// inserted meanwhile may stay, readers may see a partly cleared map). Lock-free per entry.
    /// With `&mut self`, prefer dropping the map or [`take`](core::mem::take)-ing it.
    pub fn clear_with(&self, guard: &Guard<'_, R>) {
        while self.list.pop_first(guard).is_some() {}
    }
}

impl<K, V, C, R: Reclaim> Drop for SkipListMap<K, V, C, R> {
    fn drop(&mut self) {
        // SAFETY: `&mut self`: no operation runs and no guard of the map's domain can outlive
        // the borrow that made it; retired nodes are unlinked and freed by the domain's drop.
        unsafe { self.list.free_all() };
    }
}

impl<K: Send, V: Send, C: Comparator<K>, R: Reclaim> Extend<(K, V)> for SkipListMap<K, V, C, R> {
    /// Inserts every pair (insert-or-replace; not atomic as a whole).
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        let handle = self.register().expect("the map's own domain grows");
        for (key, value) in iter {
            self.pinned(handle.pin()).insert(key, value);
        }
    }
}

impl<K: Send, V: Send, R: Reclaim> FromIterator<(K, V)> for SkipListMap<K, V, Natural, R>
where
    Natural: Comparator<K>,
{
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut map = Self::new();
        map.extend(iter);
        map
    }
}

impl<K, V, C, R> fmt::Debug for SkipListMap<K, V, C, R>
where
    K: Send + fmt::Debug,
    V: Send + fmt::Debug,
    C: Comparator<K> + CompareBorrowed<K, K>,
    R: Reclaim,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let handle = self.register().map_err(|_| fmt::Error)?;
        let pin = self.pinned(handle.pin());
        f.debug_map().entries(pin.iter()).finish()
    }
}
