//! [`Counting`]: a comparator wrapper that counts its comparisons (feature `stats`).
//!
//! For diagnostics: how many comparisons an operation, a workload or a comparator choice
//! costs (the predecessor design's comparator profiler, reduced to the one number that needs
//! no clock). Not for production hot paths: every comparison writes the one shared counter,
//! so threads comparing at the same time bounce its cache line between cores, which is
//! exactly the shared write on read paths the family's collections avoid (DESIGN.md
//! contract 9). The collections' own `stats` counters are per thread for that reason.

use core::{cmp::Ordering, fmt};

use super::{Comparator, CompareBorrowed};
use crate::sync::atomic::{self, AtomicUsize};

/// Wraps a comparator and counts the calls to it: every [`Comparator::compare`] and
/// [`CompareBorrowed::compare_borrowed`] adds one, including a call whose inner comparator
/// panics (it is counted before it runs).
///
/// Answers exactly as the inner comparator does, so it is lawful when that one is. The count
/// is one `AtomicUsize`, incremented with a `Relaxed` read-modify-write: exact once the threads
/// that compared have been joined (the join orders their increments before the read), and
/// never lost under concurrency, but a read during concurrent comparisons sees some recent
/// value. It wraps around after `usize::MAX` comparisons.
///
/// To count one operation's comparisons, lend the collection a reference (`&Counting<C>` is a
/// comparator), [`reset`](Self::reset) before the operation and read [`count`](Self::count)
/// after it; with other threads comparing at the same time the count mixes their
/// comparisons in.
///
/// Size: `C` plus one word; no allocation; `Send`/`Sync` when `C` is. A diagnostic wrapper,
/// not for production hot paths: every comparison writes the one shared counter, so threads
/// comparing at the same time bounce its cache line between cores — the shared write on read
/// paths the family's collections otherwise avoid (their own `stats` counters are per
/// thread).
///
/// # Examples
///
/// ```
/// use ccol_ordered::{Comparator, Counting, Natural};
///
/// let counting = Counting::new(Natural);
/// let mut values = [5, 3, 9, 1, 7];
/// values.sort_by(|a, b| counting.compare(a, b));
/// assert_eq!(values, [1, 3, 5, 7, 9]);
/// assert!(counting.count() >= 4); // at least n - 1 comparisons to sort n values
///
/// // Comparisons per operation: reset, run, read.
/// counting.reset();
/// let found = values.iter().position(|value| counting.compare(value, &7).is_eq());
/// assert_eq!(found, Some(3));
/// assert_eq!(counting.count(), 4); // a linear search stops at the match
/// ```
pub struct Counting<C> {
    /// The comparator that gives the answers.
    inner: C,
    /// Calls so far, since construction or the last `reset`; wraps around.
    count: AtomicUsize,
}

impl<C> Counting<C> {
    ccol_atomics::const_fn! {
        /// Wraps `inner`, with the count at zero. `const`, so a counting comparator can sit in a
        /// `static` and be lent to collections as `&'static`.
        ///
        /// ```
        /// use ccol_ordered::{Comparator, Counting, Natural};
        ///
        /// static ORDER: Counting<Natural> = Counting::new(Natural);
        /// assert!(ORDER.compare(&1, &2).is_lt());
        /// assert_eq!(ORDER.count(), 1);
        /// ```
        #[inline]
        pub const fn new(inner: C) -> Self {
            Self {
                inner,
                count: AtomicUsize::new(0),
            }
        }
    }

    /// The number of comparisons since construction or the last [`reset`](Self::reset).
    ///
    /// Exact once the threads that compared have been joined; while they run, some recent
    /// value.
    ///
    /// ```
    /// use ccol_ordered::{Comparator, Counting, Natural};
    ///
    /// let counting = Counting::new(Natural);
    /// counting.compare(&1, &2);
    /// counting.compare(&2, &1);
    /// assert_eq!(counting.count(), 2);
    /// ```
    #[inline]
    pub fn count(&self) -> usize {
        // Relaxed: the count orders no other memory; a caller that needs it exact has joined
        // the comparing threads, and the join is the synchronization.
        self.count.load(atomic::Ordering::Relaxed)
    }

    /// Sets the count back to zero and returns what it was. A comparison racing with the
    /// reset is counted either before it or after it, never lost or counted twice.
    ///
    /// ```
    /// use ccol_ordered::{Comparator, Counting, Natural};
    ///
    /// let counting = Counting::new(Natural);
    /// counting.compare(&1, &2);
    /// assert_eq!(counting.reset(), 1);
    /// assert_eq!(counting.count(), 0);
    /// ```
    #[inline]
    pub fn reset(&self) -> usize {
        // Relaxed: one read-modify-write of the counter alone; the swap is atomic with respect
        // to concurrent increments, which is all "never lost" needs.
        self.count.swap(0, atomic::Ordering::Relaxed)
    }

    /// The wrapped comparator.
    ///
    /// ```
    /// use ccol_ordered::{Counting, Natural};
    ///
    /// assert_eq!(Counting::new(Natural).inner(), &Natural);
    /// ```
    #[inline]
    pub const fn inner(&self) -> &C {
        &self.inner
    }

    /// Unwraps the comparator, dropping the count.
    ///
    /// ```
    /// use ccol_ordered::{Counting, Natural};
    ///
    /// assert_eq!(Counting::new(Natural).into_inner(), Natural);
    /// ```
    #[inline]
    pub fn into_inner(self) -> C {
        self.inner
    }

    /// Counts one call.
    #[inline]
    fn tick(&self) {
        // Relaxed: a statistic; increments from all threads land (read-modify-writes of one
        // location never lose each other), and nothing else is ordered by them.
        self.count.fetch_add(1, atomic::Ordering::Relaxed);
    }
}

impl<K: ?Sized, C: Comparator<K>> Comparator<K> for Counting<C> {
    #[inline]
    fn compare(&self, a: &K, b: &K) -> Ordering {
        self.tick();
        self.inner.compare(a, b)
    }
}

impl<K: ?Sized, Q: ?Sized, C: CompareBorrowed<K, Q>> CompareBorrowed<K, Q> for Counting<C> {
    #[inline]
    fn compare_borrowed(&self, key: &K, probe: &Q) -> Ordering {
        self.tick();
        self.inner.compare_borrowed(key, probe)
    }
}

/// A fresh count around `C::default()`.
impl<C: Default> Default for Counting<C> {
    fn default() -> Self {
        Self::new(C::default())
    }
}

impl<C: fmt::Debug> fmt::Debug for Counting<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Counting")
            .field("inner", &self.inner)
            .field("count", &self.count())
            .finish()
    }
}
