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

cfg_if_counting! {
    // The family's one sync facade (STYLE.md G4); only `Counting` uses atomics so far.
    use ccol_atomics::sync;

    pub use comparator::Counting;
}

pub mod comparator;

pub use comparator::{
    Comparator, CompareBorrowed, FnComparator, KeyComparator, KeyExtractor, Natural, Reverse,
    TotalOrd, by_key, from_fn,
};
