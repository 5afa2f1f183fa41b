//! Closure comparators: [`FnComparator`] and its constructor [`from_fn`].
//!
//! A named wrapper rather than an impl of [`Comparator`] for every closure: such a blanket
//! impl would overlap the one for `&C` (a reference to a closure is itself a closure), and
//! `from_fn(|a, b| ...)` says at the call site what the closure is for.

use core::{cmp::Ordering, fmt};

use super::{Comparator, CompareBorrowed};

/// A comparator made from a closure (or function) `Fn(&K, &K) -> Ordering`.
///
/// The closure must obey the [laws](super#the-laws): it is called from every thread that uses
/// the collection, possibly at the same time, and must give the same answer for the same two
/// keys each time. Breaking them is a logic error (wrong answers, never undefined behaviour).
///
/// A closure compares two `K`s and nothing else, so lookups by a borrowed form (a `&str`
/// probe for `String` keys) are not available: `FnComparator` implements
/// [`CompareBorrowed<K, Q>`](CompareBorrowed) for `Q = K` only. Write a comparator type of
/// your own, implementing both traits, when borrowed probes matter.
///
/// The size of the closure's captures (zero for a closure that captures nothing, or a
/// function item); `Send`, `Sync`, `Clone` and `Copy` when the closure is; no allocation.
/// `Debug` prints the wrapper only (closures have no `Debug`).
///
/// # Examples
///
/// ```
/// use core::cmp::Ordering;
///
/// use ccol_ordered::{Comparator, from_fn};
///
/// // Case-insensitive ASCII order with a case-sensitive tie-break: still a total order.
/// fn folded(s: &str) -> impl Iterator<Item = u8> + '_ {
///     s.bytes().map(|c| c.to_ascii_lowercase())
/// }
///
/// let order = from_fn(|a: &str, b: &str| folded(a).cmp(folded(b)).then_with(|| a.cmp(b)));
/// assert_eq!(order.compare("apple", "Banana"), Ordering::Less);
/// assert_eq!(order.compare("Apple", "apple"), Ordering::Less);
/// assert_eq!(order.compare("apple", "apple"), Ordering::Equal);
/// ```
#[derive(Clone, Copy, Default)]
pub struct FnComparator<F> {
    /// The closure: `compare(a, b)` is `compare_fn(a, b)`.
    compare_fn: F,
}

/// Wraps `compare_fn` as a [`Comparator`]: the same as [`FnComparator::new`], checking at the
/// call that it has the right signature.
///
/// Annotate the closure's parameter types (`|a: &K, b: &K|`): nothing else tells the
/// compiler what `K` is.
///
/// ```
/// use ccol_ordered::{Comparator, from_fn};
///
/// // Even numbers first, each group ascending.
/// let evens_first = from_fn(|a: &i64, b: &i64| (a % 2 != 0, a).cmp(&(b % 2 != 0, b)));
/// let mut values = [5, 2, 3, 8, 1];
/// values.sort_by(|a, b| evens_first.compare(a, b));
/// assert_eq!(values, [2, 8, 1, 3, 5]);
///
/// // A function works too.
/// let by_ord = from_fn(u8::cmp);
/// assert!(by_ord.compare(&1, &2).is_lt());
/// ```
#[inline]
pub const fn from_fn<K, F>(compare_fn: F) -> FnComparator<F>
where
    K: ?Sized,
    F: Fn(&K, &K) -> Ordering,
{
    FnComparator::new(compare_fn)
}

impl<F> FnComparator<F> {
    /// Wraps `compare_fn`; it becomes a [`Comparator<K>`] for every `K` it accepts.
    ///
    /// ```
    /// use ccol_ordered::{Comparator, FnComparator};
    ///
    /// let descending = FnComparator::new(|a: &u32, b: &u32| b.cmp(a));
    /// assert!(descending.compare(&2, &1).is_lt());
    /// ```
    #[inline]
    pub const fn new(compare_fn: F) -> Self {
        Self { compare_fn }
    }

    /// The wrapped closure.
    ///
    /// ```
    /// use core::cmp::Ordering;
    ///
    /// use ccol_ordered::from_fn;
    ///
    /// let order = from_fn(|a: &u8, b: &u8| a.cmp(b));
    /// assert_eq!((order.as_fn())(&1, &1), Ordering::Equal);
    /// ```
    #[inline]
    pub const fn as_fn(&self) -> &F {
        &self.compare_fn
    }

    /// Unwraps the closure.
    ///
    /// ```
    /// use core::cmp::Ordering;
    ///
    /// use ccol_ordered::from_fn;
    ///
    /// let compare = from_fn(|a: &u8, b: &u8| a.cmp(b)).into_fn();
    /// assert_eq!(compare(&2, &1), Ordering::Greater);
    /// ```
    #[inline]
    pub fn into_fn(self) -> F {
        self.compare_fn
    }
}

impl<K, F> Comparator<K> for FnComparator<F>
where
    K: ?Sized,
    F: Fn(&K, &K) -> Ordering,
{
    #[inline]
    fn compare(&self, a: &K, b: &K) -> Ordering {
        (self.compare_fn)(a, b)
    }
}

/// Probes of the key type itself: the closure sees two `K`s, and nothing says how another
/// type relates to them.
impl<K, F> CompareBorrowed<K, K> for FnComparator<F>
where
    K: ?Sized,
    F: Fn(&K, &K) -> Ordering,
{
    #[inline]
    fn compare_borrowed(&self, key: &K, probe: &K) -> Ordering {
        (self.compare_fn)(key, probe)
    }
}

impl<F> fmt::Debug for FnComparator<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnComparator").finish_non_exhaustive()
    }
}
