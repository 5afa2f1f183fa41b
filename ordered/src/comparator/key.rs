//! Key extraction: [`KeyExtractor`], [`KeyComparator`] and [`by_key`]. The protocol a
//! collection follows (extract once per key and per probe, store, compare stored derived
//! keys) is documented publicly in the parent module, section "Key extraction".

use core::{cmp::Ordering, fmt};

use super::{Comparator, Natural};

/// Derives the sort key of a key: the first half of a [`KeyComparator`].
///
/// Implemented for every closure or function `Fn(&K) -> SK`. The derived key is owned (it
/// cannot borrow from `key`): the collection stores it next to the key.
///
/// Law: `extract` is deterministic. Extracting the same key again gives a derived key the
/// comparator calls `Equal` to the first one, for as long as the collection lives; the
/// collection extracts a stored key once, at insertion, and each probe once per lookup, and
/// finds a key only if the two agree. Breaking this is a logic error (wrong answers, never
/// undefined behaviour).
///
/// # Examples
///
/// ```
/// use ccol_ordered::KeyExtractor;
///
/// // A named extractor: the domain of an e-mail address, lower-cased.
/// struct Domain;
///
/// impl KeyExtractor<str> for Domain {
///     type Key = String;
///
///     fn extract(&self, address: &str) -> String {
///         let domain = address.rsplit_once('@').map_or("", |(_, domain)| domain);
///         domain.to_ascii_lowercase()
///     }
/// }
///
/// assert_eq!(Domain.extract("ada@Example.org"), "example.org");
///
/// // Closures are extractors.
/// let length = |s: &str| s.len();
/// assert_eq!(length.extract("kiwi"), 4);
/// ```
pub trait KeyExtractor<K: ?Sized> {
    /// The derived key, stored next to each key by the collection.
    type Key;

    /// Derives the sort key of `key`.
    fn extract(&self, key: &K) -> Self::Key;
}

impl<K, SK, F> KeyExtractor<K> for F
where
    K: ?Sized,
    F: Fn(&K) -> SK,
{
    type Key = SK;

    #[inline]
    fn extract(&self, key: &K) -> SK {
        self(key)
    }
}

/// Orders keys by a derived key: an extractor `E` ([`KeyExtractor`]) and a comparator `C` for
/// what it derives ([`Natural`] unless given).
///
/// Collections extract once per key and once per probe and compare the stored results (the
/// [module documentation](super#key-extraction) gives the protocol). **Two keys whose derived keys compare
/// `Equal` are one key to the collection**: ordering names by length makes `"fig"` and
/// `"yam"` the same key. Add a tie-break to the derived key (`(name.len(), name.clone())`)
/// when that is not what you want.
///
/// Lawful when `C` is a total order on the derived keys and `E` is deterministic. The size of
/// `E` and `C` (zero for a non-capturing closure and [`Natural`]); `Send`, `Sync`, `Clone` and
/// `Copy` when both are; no allocation beyond what the extractor itself does.
///
/// # Examples
///
/// The protocol a collection follows, on a sorted `Vec` of `(derived key, key)` pairs:
///
/// ```
/// use ccol_ordered::by_key;
///
/// let order = by_key(|word: &String| word.len());
/// let mut entries: Vec<(usize, String)> = Vec::new();
/// for word in ["kiwi", "fig", "banana"] {
///     let word = word.to_owned();
///     let derived = order.extract(&word); // once, at insertion
///     let at = entries.partition_point(|(stored, _)| order.compare_extracted(stored, &derived).is_lt());
///     entries.insert(at, (derived, word));
/// }
/// let words: Vec<&str> = entries.iter().map(|(_, word)| word.as_str()).collect();
/// assert_eq!(words, ["fig", "kiwi", "banana"]);
///
/// // A lookup extracts its probe once and compares stored derived keys only.
/// let probe = order.extract(&"pear".to_owned());
/// let found = entries.binary_search_by(|(stored, _)| order.compare_extracted(stored, &probe));
/// assert_eq!(found.map(|at| entries[at].1.as_str()), Ok("kiwi")); // same length: same key
/// ```
///
/// Descending by derived key:
///
/// ```
/// use ccol_ordered::{KeyComparator, Natural, Reverse};
///
/// let order = KeyComparator::new(|pair: &(u8, char)| pair.0, Reverse::new(Natural));
/// let (a, b) = (order.extract(&(1, 'a')), order.extract(&(2, 'b')));
/// assert!(order.compare_extracted(&a, &b).is_gt());
/// ```
#[derive(Clone, Copy, Default)]
pub struct KeyComparator<E, C = Natural> {
    /// Derives each key's sort key, once per key.
    extractor: E,
    /// Orders the derived keys.
    comparator: C,
}

/// Orders keys by what `extractor` derives from them, in the derived keys' natural order:
/// `KeyComparator::new(extractor, Natural)`.
///
/// Annotate the closure's parameter type (`|key: &K|`): nothing else tells the compiler what
/// `K` is.
///
/// ```
/// use ccol_ordered::by_key;
///
/// let by_age = by_key(|person: &(&str, u32)| person.1);
/// let ada = by_age.extract(&("Ada", 36));
/// let alan = by_age.extract(&("Alan", 41));
/// assert!(by_age.compare_extracted(&ada, &alan).is_lt());
/// ```
#[inline]
pub const fn by_key<E>(extractor: E) -> KeyComparator<E> {
    KeyComparator::new(extractor, Natural)
}

impl<E, C> KeyComparator<E, C> {
    /// Orders keys by what `extractor` derives from them, compared with `comparator`.
    ///
    /// ```
    /// use ccol_ordered::{KeyComparator, from_fn};
    ///
    /// // Derived keys compared by a closure: last digit first.
    /// let order = KeyComparator::new(
    ///     |s: &str| s.parse::<u32>().unwrap_or(0),
    ///     from_fn(|a: &u32, b: &u32| (a % 10, a).cmp(&(b % 10, b))),
    /// );
    /// let (a, b) = (order.extract("19"), order.extract("21"));
    /// assert!(order.compare_extracted(&a, &b).is_gt());
    /// ```
    #[inline]
    pub const fn new(extractor: E, comparator: C) -> Self {
        Self {
            extractor,
            comparator,
        }
    }

    /// Derives the sort key of `key`: what a collection calls once per inserted key and once
    /// per probe, and stores next to the key.
    ///
    /// ```
    /// use ccol_ordered::by_key;
    ///
    /// assert_eq!(by_key(|s: &str| s.len()).extract("kiwi"), 4);
    /// ```
    #[inline]
    pub fn extract<K: ?Sized>(&self, key: &K) -> E::Key
    where
        E: KeyExtractor<K>,
    {
        self.extractor.extract(key)
    }

    /// Compares two derived keys (stored, or extracted from a probe) with the comparator.
    /// Never calls the extractor.
    ///
    /// ```
    /// use core::cmp::Ordering;
    ///
    /// use ccol_ordered::by_key;
    ///
    /// let order = by_key(|s: &str| s.len());
    /// assert_eq!(order.compare_extracted(&3, &4), Ordering::Less);
    /// ```
    #[inline]
    pub fn compare_extracted<SK: ?Sized>(&self, a: &SK, b: &SK) -> Ordering
    where
        C: Comparator<SK>,
    {
        self.comparator.compare(a, b)
    }

    /// The extractor.
    ///
    /// ```
    /// use ccol_ordered::{KeyExtractor, by_key};
    ///
    /// let order = by_key(|s: &str| s.len());
    /// assert_eq!(order.extractor().extract("fig"), 3);
    /// ```
    #[inline]
    pub const fn extractor(&self) -> &E {
        &self.extractor
    }

    /// The comparator of the derived keys.
    ///
    /// ```
    /// use ccol_ordered::{Natural, by_key};
    ///
    /// assert_eq!(by_key(|s: &str| s.len()).comparator(), &Natural);
    /// ```
    #[inline]
    pub const fn comparator(&self) -> &C {
        &self.comparator
    }

    /// Splits into the extractor and the comparator.
    ///
    /// ```
    /// use ccol_ordered::{Natural, by_key};
    ///
    /// let (extract, comparator) = by_key(|s: &str| s.len()).into_parts();
    /// assert_eq!((extract("fig"), comparator), (3, Natural));
    /// ```
    #[inline]
    pub fn into_parts(self) -> (E, C) {
        (self.extractor, self.comparator)
    }
}

/// Prints the comparator of the derived keys; the extractor is usually a closure, which has
/// no `Debug`.
impl<E, C: fmt::Debug> fmt::Debug for KeyComparator<E, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyComparator")
            .field("comparator", &self.comparator)
            .finish_non_exhaustive()
    }
}
