//! Comparators: how the ordered collections order their keys.
//!
//! A [`Comparator<K>`] is a three-way comparison of two keys, held by a collection for its
//! whole life. The collections are generic over it, with [`Natural`] (the key's own [`Ord`])
//! as the default, so ordering by something other than `Ord` costs no wrapper type around
//! each key and no dynamic dispatch.
//!
//! | comparator | orders by | zero-sized | borrowed probes |
//! |---|---|---|---|
//! | [`Natural`] | `K: Ord` | yes | any `Q` with `K: Borrow<Q>` |
//! | [`Reverse<C>`] | `C`, reversed | when `C` is | whatever `C` allows |
//! | [`FnComparator<F>`] ([`from_fn`]) | a closure `Fn(&K, &K) -> Ordering` | when `F` is | `K` only |
//! | [`KeyComparator<E, C>`] ([`by_key`]) | `C` over a key extracted once per key, stored in a [`Keyed`] | when `E` and `C` are | the extracted key, a `Keyed` |
//! | `&C` | `C` (a comparator the caller keeps) | no | whatever `C` allows |
//! | `Counting<C>` (feature `stats`) | `C`, counting the calls | no | whatever `C` allows |
//!
//! [`TotalOrd`] is a key wrapper, not a comparator: it gives `f32` and `f64` the IEEE 754
//! total order, so float keys work with [`Natural`].
//!
//! # The laws
//!
//! A comparator must be a total order on the keys a collection sees, for as long as the
//! collection holds it. For all keys `a`, `b` and `c`:
//!
//! - **reflexive**: `compare(a, a) == Equal`;
//! - **antisymmetric**: `compare(a, b) == compare(b, a).reverse()` (so `Equal` is symmetric);
//! - **transitive**: `a ≤ b` and `b ≤ c` imply `a ≤ c`, and `a < b ≤ c` implies `a < c` (so
//!   `Equal` is transitive too: it partitions keys into classes the collection treats as one
//!   key);
//! - **deterministic**: the same two keys give the same answer on every call, from every
//!   thread, until the collection is dropped. A comparator must not depend on state that
//!   changes meanwhile, and keys must not change their order while stored (interior
//!   mutability in a key is the usual way to break this).
//!
//! These are the laws of [`Ord`], so [`Natural`] is lawful exactly when the key's `Ord` is.
//!
//! # Violations are logic errors
//!
//! The collections treat a comparator that breaks the laws, or panics, as a logic error in
//! the caller, the same promise std's `BTreeMap` makes for a misbehaving `Ord`: operations
//! may then give wrong answers (miss a key that is present, keep two keys the order calls
//! equal, iterate out of order) or fail to terminate (a skip list's backward iteration finds
//! each next key by a search, and an intransitive order can send it around a cycle of keys
//! forever; std lists non-termination among the possible effects too), but never cause
//! undefined behaviour, a leak, or a value dropped twice or not at all. A panic unwinds out of the operation that called the
//! comparator and leaves the collection structurally valid. Each collection's tests check
//! this with comparators that panic on their k-th call and comparators that answer at random,
//! under Miri as well.
//!
//! # Key extraction
//!
//! [`KeyExtractor`] derives a sort key `SK` from a key `K`; [`KeyComparator`] pairs an
//! extractor with a [`Comparator<SK>`](Comparator) for the derived keys, and [`by_key`] builds
//! one with the natural order. The derived key is computed **once per key**, not once per
//! comparison, which is what makes an expensive extractor (a parse, a normalization) affordable
//! when an operation makes tens of comparisons. A collection that accepts a `KeyComparator`
//! follows this protocol:
//!
//! 1. on insertion of `key`: `let sk = order.extract(&key);` once, and the collection stores
//!    `sk` next to `key` for as long as it holds the key;
//! 2. on a lookup of `probe`: `let sp = order.extract(&probe);` once per operation;
//! 3. every comparison, during insertion and lookup alike, is
//!    `order.compare_extracted(&stored_sk, &sp)` on stored or probe-derived keys; a stored key
//!    is never extracted again.
//!
//! [`Keyed`] is that stored pair, and `KeyComparator<E, C>` is a [`Comparator`] of
//! `Keyed<K, E::Key>`: a collection keyed by `Keyed` values follows the protocol by
//! construction (insert `order.keyed(key)`, look up `&order.extract(&probe)`).
//!
//! The memory cost is the derived key in each entry; the time cost, one extraction per
//! insertion and per lookup. For one-off sorting of a slice, std's `sort_by_cached_key`
//! already extracts once per element.
//!
//! # Threads, progress and memory
//!
//! [`Comparator`] does not require `Send` or `Sync`: a comparator that stays on one thread may
//! keep a `Cell`. A collection shared between threads calls `compare` through `&C` from many
//! threads at once, so it requires `C: Sync` (and `C: Send` to move); every type here is
//! `Send`/`Sync` exactly when what it wraps is.
//!
//! The collections' progress guarantees (lock-free, wait-free) assume a comparator that
//! returns in bounded time without waiting for other threads. Every comparator here does, as
//! long as what it wraps does: [`Natural`] costs what `K::cmp` costs, [`FnComparator`] and
//! [`KeyComparator`] what their closures cost, [`Reverse`] and `&C` nothing more, and
//! `Counting` one atomic increment. A comparator that takes a lock makes each operation that
//! calls it blocking. No comparator here allocates; each is the size of the state it wraps.
//!
//! # Design choices
//!
//! - **One method.** The trait has `compare` and nothing else: a default `lt`/`le` that an
//!   implementation could override would be a second source of truth that may disagree with
//!   `compare`. Callers write `compare(a, b).is_lt()` ([`Ordering::is_lt`] and friends).
//! - **Closures through a named wrapper.** `Comparator<K>` is not implemented for every
//!   `F: Fn(&K, &K) -> Ordering`: that blanket impl would overlap the impl for `&C` (a
//!   reference to a closure is a closure too), and a wrapper with a constructor,
//!   [`from_fn`], reads as clearly at the call site.
//! - **Borrowed lookups are a second trait.** [`CompareBorrowed<K, Q>`] compares a stored key
//!   with a probe of another type (a `String` key with a `&str` probe). `std`'s `Borrow`
//!   contract makes this sound for [`Natural`]; a closure only sees two `K`s, so
//!   [`FnComparator`] implements it for `Q = K` alone. Collections take their lookups as
//!   `get<Q: ?Sized>(&self, probe: &Q) where C: CompareBorrowed<K, Q>`, one method for both.
//! - **Extracted keys are stored, not recomputed.** [`KeyComparator`] is deliberately not a
//!   `Comparator<K>`: comparing two keys through it would run the extractor twice per
//!   comparison, which is exactly what a collection avoids by extracting once at insertion
//!   and keeping the result next to the key (see [Key extraction](#key-extraction)). It is a
//!   `Comparator<Keyed<K, SK>>` instead: the stored pair carries the derived key.
//!
//! The comparator kinds and their laws come from the predecessor design (the "comparator"
//! tier of phdye/concurrent-collections), translated to traits; the laws are those of Rust's
//! [`Ord`] and of Java's `java.util.Comparator` contract.

use core::{borrow::Borrow, cmp::Ordering};

mod closure;
// The condition of `cfg_if_counting!`, spelled out: rustfmt does not reach a module declared
// inside a macro call.
#[cfg(all(
    feature = "stats",
    any(target_has_atomic = "ptr", feature = "portable-atomic")
))]
mod counting;
mod key;
mod keyed;
mod total;

cfg_if_counting! {
    pub use counting::Counting;
}

pub use closure::{FnComparator, from_fn};
pub use key::{KeyComparator, KeyExtractor, by_key};
pub use keyed::Keyed;
pub use total::TotalOrd;

/// A total order on keys of type `K`: how an ordered collection sorts and finds its keys.
///
/// Implementations must obey the laws in the [module documentation](self) (reflexive,
/// antisymmetric, transitive, deterministic for the collection's lifetime). Breaking them is
/// a logic error: wrong answers from the collection, never undefined behaviour or leaks.
///
/// The trait is dyn-compatible, and implemented for `&C` so a caller can keep the comparator
/// (for instance a `Counting` one, feature `stats`) and lend it to a collection.
///
/// # Examples
///
/// A comparator of its own type: strings by length, then alphabetically (a total order, since
/// the tie-break is one).
///
/// ```
/// use core::cmp::Ordering;
///
/// use ccol_ordered::Comparator;
///
/// struct ShortestFirst;
///
/// impl Comparator<str> for ShortestFirst {
///     fn compare(&self, a: &str, b: &str) -> Ordering {
///         a.len().cmp(&b.len()).then_with(|| a.cmp(b))
///     }
/// }
///
/// let mut words = ["pear", "fig", "apple", "kiwi"];
/// words.sort_by(|a, b| ShortestFirst.compare(a, b));
/// assert_eq!(words, ["fig", "kiwi", "pear", "apple"]);
///
/// // Through a reference, and as a trait object.
/// let by_ref: &dyn Comparator<str> = &ShortestFirst;
/// assert!(by_ref.compare("fig", "kiwi").is_lt());
/// ```
pub trait Comparator<K: ?Sized> {
    /// Compares `a` with `b`: [`Ordering::Less`] when `a` sorts before `b`,
    /// [`Ordering::Equal`] when the collection must treat them as the same key,
    /// [`Ordering::Greater`] when `a` sorts after `b`.
    fn compare(&self, a: &K, b: &K) -> Ordering;
}

/// A comparator that can also compare a stored key `K` with a probe of another type `Q`:
/// what lets `map.get("x")` find a `String` key without building a `String`.
///
/// Law, on top of [`Comparator`]'s: a probe orders like every key it is a borrowed form of.
/// For all keys `k` and `j` with `j.borrow() == probe`,
/// `compare_borrowed(k, probe) == compare(k, j)`. For [`Natural`] this is `std`'s [`Borrow`]
/// contract (`Ord` of the borrowed form agrees with `Ord` of the owner).
///
/// Implemented by [`Natural`] for every `Q` with `K: Borrow<Q>`, by the wrappers ([`Reverse`],
/// `&C`, `Counting`) for whatever their inner comparator allows, and by [`FnComparator`] for
/// `Q = K` only: a closure compares two `K`s and nothing else.
///
/// # Examples
///
/// ```
/// use core::cmp::Ordering;
///
/// use ccol_ordered::{CompareBorrowed, Natural, Reverse};
///
/// let stored = String::from("kiwi");
/// assert_eq!(Natural.compare_borrowed(&stored, "fig"), Ordering::Greater);
/// assert_eq!(Reverse::new(Natural).compare_borrowed(&stored, "fig"), Ordering::Less);
/// assert_eq!(Natural.compare_borrowed(&stored, "kiwi"), Ordering::Equal);
/// ```
pub trait CompareBorrowed<K: ?Sized, Q: ?Sized>: Comparator<K> {
    /// Compares the stored `key` with `probe`: [`Ordering::Less`] when `key` sorts before
    /// every key `probe` is a borrowed form of, and so on, as [`Comparator::compare`] would.
    fn compare_borrowed(&self, key: &K, probe: &Q) -> Ordering;
}

impl<K: ?Sized, C: Comparator<K> + ?Sized> Comparator<K> for &C {
    #[inline]
    fn compare(&self, a: &K, b: &K) -> Ordering {
        (**self).compare(a, b)
    }
}

impl<K: ?Sized, Q: ?Sized, C: CompareBorrowed<K, Q> + ?Sized> CompareBorrowed<K, Q> for &C {
    #[inline]
    fn compare_borrowed(&self, key: &K, probe: &Q) -> Ordering {
        (**self).compare_borrowed(key, probe)
    }
}

/// The key's own order: [`Ord::cmp`]. The default comparator of every ordered collection.
///
/// Zero-sized, `Copy`, and a constant (`Natural` itself), so it costs nothing to store and
/// can sit in a `static`. Lookups may use any borrowed form of the key (see
/// [`CompareBorrowed`]). Lawful exactly when `K`'s `Ord` is; floats have no `Ord`: wrap them
/// in [`TotalOrd`].
///
/// # Examples
///
/// ```
/// use core::cmp::Ordering;
///
/// use ccol_ordered::{Comparator, Natural};
///
/// const ORDER: Natural = Natural;
/// assert_eq!(ORDER.compare(&1, &2), Ordering::Less);
/// assert_eq!(ORDER.compare("b", "a"), Ordering::Greater);
/// assert_eq!(size_of::<Natural>(), 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Natural;

impl<K: Ord + ?Sized> Comparator<K> for Natural {
    #[inline]
    fn compare(&self, a: &K, b: &K) -> Ordering {
        a.cmp(b)
    }
}

impl<K, Q> CompareBorrowed<K, Q> for Natural
where
    K: Ord + Borrow<Q> + ?Sized,
    Q: Ord + ?Sized,
{
    #[inline]
    fn compare_borrowed(&self, key: &K, probe: &Q) -> Ordering {
        key.borrow().cmp(probe)
    }
}

/// Another comparator's order, reversed: `Reverse::new(c).compare(a, b)` is
/// `c.compare(a, b).reverse()`.
///
/// Lawful exactly when `C` is. The default `C` is [`Natural`], so `Reverse` alone
/// (`Reverse::default()`, or the constant `Reverse::new(Natural)`) is descending `Ord`, and
/// zero-sized. Not to be confused with [`core::cmp::Reverse`], which wraps a value, not a
/// comparator.
///
/// # Examples
///
/// ```
/// use ccol_ordered::{Comparator, Natural, Reverse, from_fn};
///
/// const DESCENDING: Reverse = Reverse::new(Natural);
/// let mut values = [3, 1, 2];
/// values.sort_by(|a, b| DESCENDING.compare(a, b));
/// assert_eq!(values, [3, 2, 1]);
///
/// // Any comparator reverses, closures included.
/// let by_last_digit = from_fn(|a: &u32, b: &u32| (a % 10).cmp(&(b % 10)));
/// assert!(Reverse::new(by_last_digit).compare(&19, &21).is_lt());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Reverse<C = Natural> {
    /// The comparator whose answers are reversed.
    inner: C,
}

impl<C> Reverse<C> {
    /// The order of `inner`, reversed.
    ///
    /// ```
    /// use ccol_ordered::{Comparator, Natural, Reverse};
    ///
    /// assert!(Reverse::new(Natural).compare(&2, &1).is_lt());
    /// ```
    #[inline]
    pub const fn new(inner: C) -> Self {
        Self { inner }
    }

    /// The comparator being reversed.
    ///
    /// ```
    /// use ccol_ordered::{Natural, Reverse};
    ///
    /// assert_eq!(Reverse::new(Natural).inner(), &Natural);
    /// ```
    #[inline]
    pub const fn inner(&self) -> &C {
        &self.inner
    }

    /// Unwraps the comparator being reversed.
    ///
    /// ```
    /// use ccol_ordered::{Natural, Reverse};
    ///
    /// assert_eq!(Reverse::new(Natural).into_inner(), Natural);
    /// ```
    #[inline]
    pub fn into_inner(self) -> C {
        self.inner
    }
}

impl<K: ?Sized, C: Comparator<K>> Comparator<K> for Reverse<C> {
    #[inline]
    fn compare(&self, a: &K, b: &K) -> Ordering {
        self.inner.compare(a, b).reverse()
    }
}

impl<K: ?Sized, Q: ?Sized, C: CompareBorrowed<K, Q>> CompareBorrowed<K, Q> for Reverse<C> {
    #[inline]
    fn compare_borrowed(&self, key: &K, probe: &Q) -> Ordering {
        self.inner.compare_borrowed(key, probe).reverse()
    }
}
