#![doc = include_str!("../README.md")]
#![no_std]
#![doc(test(
    no_crate_inject,
    attr(deny(warnings), allow(dead_code, unused_variables))
))]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(any(feature = "std", test))]
extern crate std;

use ccol_atomics::sync;

/// Applies `LockFreeStack`'s availability condition (an allocator, a reclamation scheme and
/// 64-bit atomics, as ccol-reclaim requires) to every item it wraps.
macro_rules! cfg_if_reclaimed {
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

// The static stack needs compare-and-swap of 32 or 64 bits: native, or from portable-atomic.
#[cfg(any(
    target_has_atomic = "64",
    target_has_atomic = "32",
    feature = "portable-atomic"
))]
mod static_stack;
#[cfg(any(
    target_has_atomic = "64",
    target_has_atomic = "32",
    feature = "portable-atomic"
))]
pub use static_stack::StaticStack;

cfg_if_reclaimed! {
    extern crate alloc;

    mod config;
    mod elimination;
    mod into_iter;
    mod stats;
    mod treiber;

    pub use config::Elimination;
    pub use into_iter::IntoIter;
    #[cfg(feature = "stats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
    pub use stats::StackStats;
    pub use treiber::LockFreeStack;
}
