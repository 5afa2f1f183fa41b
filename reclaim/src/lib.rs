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

/// Applies the crate's one availability condition (a scheme feature, which implies an
/// allocator, and 64-bit atomics) to every item it wraps, so the condition is written once.
macro_rules! cfg_if_schemes {
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

pub mod guide;

// Everything below needs a scheme, an allocator (retire lists, registry segments, nodes) and
// 64-bit atomics (epochs that never wrap in practice: `reclaim::INACTIVE`). Targets without
// 64-bit atomics (thumbv7em, riscv32) get the crate docs only.
cfg_if_schemes! {
    extern crate alloc;
    use ccol_atomics::sync;

    #[cfg(feature = "ibr")]
    mod barrier;
    mod blocks;
    mod local;
    mod registry;
    mod retired;
    mod stats;

    pub mod allocation;
    pub mod domain;
    pub mod guard;
    pub mod pointers;
    pub mod reclaim;
    pub mod tailed;

    #[cfg(feature = "std")]
    mod thread_local;

    #[cfg(feature = "ibr")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ibr")))]
    pub mod ibr;
    #[cfg(feature = "debra")]
    #[cfg_attr(docsrs, doc(cfg(feature = "debra")))]
    pub mod debra;

    pub use domain::{Domain, RegistryFull};
    pub use guard::{Guard, Handle};
    pub use pointers::{Atomic, CompareExchangeError, Owned, Pointer, Shared};
    pub use reclaim::Reclaim;
    #[cfg(feature = "stats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
    pub use stats::Stats;
    #[cfg(feature = "ibr")]
    #[cfg_attr(docsrs, doc(cfg(feature = "ibr")))]
    pub use ibr::Ibr;
    #[cfg(feature = "debra")]
    #[cfg_attr(docsrs, doc(cfg(feature = "debra")))]
    pub use debra::Debra;
}
