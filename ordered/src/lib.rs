#![doc = include_str!("../README.md")]
#![no_std]
#![doc(test(
    no_crate_inject,
    attr(deny(warnings), allow(dead_code, unused_variables))
))]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
// The comparators need no unsafe code; the skip lists will opt in module by module (with an
// `allow` and SAFETY comments), so this is `deny`, not `forbid`.
#![deny(unsafe_code)]

/// Applies `Counting`'s availability condition to every item it wraps: the `stats` feature
/// and pointer-sized atomic read-modify-write (native, or from `portable-atomic`).
macro_rules! cfg_if_counting {
    ($($item:item)*) => {
        $(
            #[cfg(all(
                feature = "stats",
                any(target_has_atomic = "ptr", feature = "portable-atomic")
            ))]
            #[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
            $item
        )*
    };
}

/// Applies the skip lists' availability condition to every item it wraps: ccol-reclaim's
/// (an allocator, a scheme, 64-bit atomics for its epochs).
macro_rules! cfg_if_skiplist {
    ($($item:item)*) => {
        $(
            #[cfg(all(
                feature = "alloc",
                target_has_atomic = "64",
                any(feature = "ibr", feature = "debra")
            ))]
            #[cfg_attr(
                docsrs,
                doc(cfg(all(any(feature = "ibr", feature = "debra"), target_has_atomic = "64")))
            )]
            $item
        )*
    };
}

// The family's one sync facade (STYLE.md G4): `Counting` and the skip lists use atomics.
#[cfg(any(
    all(
        feature = "stats",
        any(target_has_atomic = "ptr", feature = "portable-atomic")
    ),
    all(
        feature = "alloc",
        target_has_atomic = "64",
        any(feature = "ibr", feature = "debra")
    )
))]
use ccol_atomics::sync;

cfg_if_counting! {
    pub use comparator::Counting;
}

pub mod comparator;

cfg_if_skiplist! {
    extern crate alloc;
    #[cfg(feature = "std")]
    extern crate std;

    #[allow(unsafe_code, reason = "lock-free links and tailed nodes; every block has a SAFETY comment")]
    pub mod skiplist;

    pub use skiplist::{
        Occupied, PinnedMap, PinnedRange, PinnedSet, SetRange, SkipListMap, SkipListSet,
    };
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub use skiplist::{Entry, Range, SetEntries, SetEntry};
    #[cfg(feature = "stats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
    pub use skiplist::SkipListStats;
}

pub use comparator::{
    Comparator, CompareBorrowed, FnComparator, KeyComparator, KeyExtractor, Keyed, Natural,
    Reverse, TotalOrd, by_key, from_fn,
};
