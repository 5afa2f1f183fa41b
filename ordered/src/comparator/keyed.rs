//! [`Keyed`]: a key stored with its derived sort key, which makes a [`KeyComparator`] the
//! comparator of a collection: it compares the stored derived keys and never extracts again.

use core::{cmp::Ordering, fmt};

use super::{Comparator, CompareBorrowed, KeyComparator, KeyExtractor};

/// A key and the sort key derived from it once, at construction: what a collection ordered by
/// a [`KeyComparator`] stores as its key.
///
/// Build one with [`KeyComparator::keyed`], which runs the extractor exactly once. A
/// `KeyComparator<E, C>` is then a [`Comparator`] of `Keyed<K, E::Key>` (it compares the
/// stored derived keys with `C`) and a [`CompareBorrowed`] for two kinds of probe: a derived
/// key (`order.extract(&probe)`, one extraction per lookup) and a whole `Keyed`. So the
/// protocol of the [module documentation](super#key-extraction) holds by construction: every
/// key is extracted once when it is inserted, each probe once per lookup, and no comparison
/// calls the extractor.
///
/// Memory: the derived key next to the key in every entry.
///
/// # Examples
///
/// A map of user names ordered case-insensitively, the lower-cased form computed once per
/// name (not once per comparison, which is tens of times per operation):
///
/// ```
/// use ccol_ordered::{SkipListMap, by_key};
/// use ccol_reclaim::Ibr;
///
/// let lower_case = by_key(|name: &String| name.to_lowercase());
/// let map = SkipListMap::<_, u32, _, Ibr>::with_comparator(lower_case);
/// let order = map.comparator();
/// map.insert(order.keyed("Grace".to_owned()), 1906);
/// map.insert(order.keyed("ada".to_owned()), 1815);
///
/// // Lookups extract their probe once.
/// let grace = map.get(&order.extract(&"GRACE".to_owned())).expect("present");
/// assert_eq!((grace.key().key().as_str(), *grace.value()), ("Grace", 1906));
///
/// // Iteration in the derived order, with the original keys.
/// let names: Vec<String> = map.iter().map(|entry| entry.key().key().clone()).collect();
/// assert_eq!(names, ["ada", "Grace"]);
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Keyed<K, SK> {
    key: K,
    derived: SK,
}

impl<K, SK> Keyed<K, SK> {
    /// The key.
    #[inline]
    pub const fn key(&self) -> &K {
        &self.key
    }

    /// The derived sort key, as extracted at construction.
    #[inline]
    pub const fn derived(&self) -> &SK {
        &self.derived
    }

    /// The key, dropping the derived key.
    #[inline]
    pub fn into_key(self) -> K {
        self.key
    }

    /// The key and the derived key.
    #[inline]
    pub fn into_parts(self) -> (K, SK) {
        (self.key, self.derived)
    }
}

impl<K: fmt::Debug, SK: fmt::Debug> fmt::Debug for Keyed<K, SK> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyed")
            .field("key", &self.key)
            .field("derived", &self.derived)
            .finish()
    }
}

impl<E, C> KeyComparator<E, C> {
    /// `key` with its derived sort key, extracted now (once): the form to insert into a
    /// collection ordered by this comparator.
    ///
    /// ```
    /// use ccol_ordered::by_key;
    ///
    /// let order = by_key(|word: &&str| word.len());
    /// let kiwi = order.keyed("kiwi");
    /// assert_eq!((*kiwi.key(), *kiwi.derived()), ("kiwi", 4));
    /// ```
    #[inline]
    pub fn keyed<K>(&self, key: K) -> Keyed<K, E::Key>
    where
        E: KeyExtractor<K>,
    {
        let derived = self.extract(&key);
        Keyed { key, derived }
    }
}

/// Compares the stored derived keys; never extracts.
impl<K, SK, E, C> Comparator<Keyed<K, SK>> for KeyComparator<E, C>
where
    E: KeyExtractor<K, Key = SK>,
    C: Comparator<SK>,
{
    #[inline]
    fn compare(&self, a: &Keyed<K, SK>, b: &Keyed<K, SK>) -> Ordering {
        self.compare_extracted(&a.derived, &b.derived)
    }
}

/// Lookups by a derived key (`order.extract(&probe)`).
impl<K, SK, E, C> CompareBorrowed<Keyed<K, SK>, SK> for KeyComparator<E, C>
where
    E: KeyExtractor<K, Key = SK>,
    C: Comparator<SK>,
{
    #[inline]
    fn compare_borrowed(&self, key: &Keyed<K, SK>, probe: &SK) -> Ordering {
        self.compare_extracted(&key.derived, probe)
    }
}

/// Lookups by a whole `Keyed` (already extracted).
impl<K, SK, E, C> CompareBorrowed<Keyed<K, SK>, Keyed<K, SK>> for KeyComparator<E, C>
where
    E: KeyExtractor<K, Key = SK>,
    C: Comparator<SK>,
{
    #[inline]
    fn compare_borrowed(&self, key: &Keyed<K, SK>, probe: &Keyed<K, SK>) -> Ordering {
        self.compare_extracted(&key.derived, &probe.derived)
    }
}

#[cfg(test)]
mod tests {
    use core::cell::Cell;

    use super::*;
    use crate::by_key;

    #[test]
    fn keyed_extracts_once_and_comparisons_never_extract() {
        let calls = Cell::new(0);
        let order = by_key(|n: &u32| {
            calls.set(calls.get() + 1);
            n % 10
        });
        let keys: [Keyed<u32, u32>; 3] = [order.keyed(19), order.keyed(21), order.keyed(35)];
        assert_eq!(calls.get(), 3);
        assert_eq!(order.compare(&keys[0], &keys[1]), Ordering::Greater);
        assert_eq!(order.compare(&keys[1], &keys[2]), Ordering::Less);
        assert_eq!(order.compare_borrowed(&keys[2], &5), Ordering::Equal);
        assert_eq!(order.compare_borrowed(&keys[0], &keys[0]), Ordering::Equal);
        assert_eq!(calls.get(), 3, "a comparison ran the extractor");
    }
}
