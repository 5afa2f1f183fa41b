//! Auto traits, standard traits, sizes and trait coverage of the public types
//! (compile-time assertions): the comparators are zero-sized or the size of what they wrap,
//! `Send`/`Sync` exactly when what they wrap is, the trait is dyn-compatible, closure
//! comparators take no borrowed probes of another type, and `KeyComparator` is deliberately
//! not a comparator of whole keys.
#![allow(dead_code, reason = "types used only in assertions")]

extern crate alloc;

use alloc::rc::Rc;
use core::{cell::Cell, cmp::Ordering, fmt::Debug, hash::Hash};

use ccol_ordered::{
    Comparator, CompareBorrowed, FnComparator, KeyComparator, KeyExtractor, Natural, Reverse,
    TotalOrd,
};
use static_assertions::{assert_impl_all, assert_not_impl_any, const_assert_eq};

type FnPtr = fn(&u64, &u64) -> Ordering;
type StringFn = fn(&String, &String) -> Ordering;
type Len = fn(&String) -> usize;

assert_impl_all!(Natural: Send, Sync, Copy, Default, Debug, Eq, Hash, Unpin);
assert_impl_all!(Reverse: Send, Sync, Copy, Default, Debug, Eq, Hash);
assert_impl_all!(FnComparator<FnPtr>: Send, Sync, Copy, Debug, Comparator<u64>);
assert_impl_all!(KeyComparator<Len>: Send, Sync, Copy, Debug);
assert_impl_all!(TotalOrd<f64>: Send, Sync, Copy, Debug, Default, Ord, Hash, From<f64>);
assert_impl_all!(TotalOrd<f32>: Ord, Hash, From<f32>);

// The wrappers are `Send`/`Sync` exactly when what they wrap is.
assert_not_impl_any!(FnComparator<Rc<u8>>: Send, Sync);
assert_impl_all!(FnComparator<Cell<u8>>: Send);
assert_not_impl_any!(FnComparator<Cell<u8>>: Sync);
assert_not_impl_any!(Reverse<Rc<u8>>: Send, Sync);
assert_not_impl_any!(KeyComparator<Rc<u8>>: Send, Sync);
assert_not_impl_any!(KeyComparator<Len, Rc<u8>>: Send, Sync);

// What costs nothing costs nothing; the rest is exactly what it wraps.
const_assert_eq!(size_of::<Natural>(), 0);
const_assert_eq!(size_of::<Reverse>(), 0);
const_assert_eq!(size_of::<Reverse<Reverse>>(), 0);
const_assert_eq!(size_of::<FnComparator<FnPtr>>(), size_of::<usize>());
const_assert_eq!(size_of::<KeyComparator<Len>>(), size_of::<usize>());
const_assert_eq!(size_of::<TotalOrd<f64>>(), 8);
const_assert_eq!(size_of::<TotalOrd<f32>>(), 4);

// Natural and Reverse compare unsized keys and borrowed probes.
assert_impl_all!(Natural: Comparator<str>, Comparator<[u8]>, Comparator<TotalOrd<f64>>);
assert_impl_all!(Natural: CompareBorrowed<String, str>, CompareBorrowed<Vec<u8>, [u8]>);
assert_impl_all!(Reverse: CompareBorrowed<String, str>, CompareBorrowed<String, String>);
assert_impl_all!(&'static Reverse: CompareBorrowed<String, str>);
// Floats have no `Ord`; `TotalOrd` is the way in.
assert_not_impl_any!(Natural: Comparator<f64>, Comparator<f32>);

// A closure compares two keys of its type and nothing else.
assert_impl_all!(FnComparator<StringFn>: Comparator<String>, CompareBorrowed<String, String>);
assert_not_impl_any!(FnComparator<StringFn>: CompareBorrowed<String, str>, Comparator<str>);

// Extraction happens once per key in a collection, never per comparison of two keys.
assert_not_impl_any!(KeyComparator<Len>: Comparator<String>);
assert_impl_all!(Len: KeyExtractor<String>);

// The trait is dyn-compatible, and a reference to a comparator is one.
assert_impl_all!(&'static dyn Comparator<u64>: Comparator<u64>);
assert_impl_all!(Reverse<&'static dyn Comparator<str>>: Comparator<str>);

#[cfg(all(
    feature = "stats",
    any(target_has_atomic = "ptr", feature = "portable-atomic")
))]
mod counting {
    use core::{cell::Cell, fmt::Debug};

    use ccol_ordered::{Comparator, CompareBorrowed, Counting, Natural};
    use static_assertions::{assert_impl_all, assert_not_impl_any, const_assert_eq};

    assert_impl_all!(Counting<Natural>: Send, Sync, Debug, Default, Comparator<u64>);
    assert_impl_all!(Counting<Natural>: CompareBorrowed<String, str>);
    // The count is atomic; the wrapped comparator decides the rest.
    assert_impl_all!(Counting<Cell<u8>>: Send);
    assert_not_impl_any!(Counting<Cell<u8>>: Sync);
    // Cloning would have to choose between sharing and copying the count: neither is offered.
    assert_not_impl_any!(Counting<Natural>: Clone, Copy);
    const_assert_eq!(size_of::<Counting<Natural>>(), size_of::<usize>());
}
