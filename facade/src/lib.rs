#![doc = include_str!("../README.md")]
//!
//! # Contents
//!
//! Today the facade re-exports the tier-0 crates; every later tier adds its modules here
//! (DESIGN.md §1):
//!
//! - [`arch`]: target and CPU feature detection, [`CachePadded`], [`Config`] with `CCOL_*`
//!   environment overrides (from `ccol-arch`).
//! - [`atomics`]: tagged pointers with strict provenance and a double-width CAS that is
//!   lock-free or absent (from `ccol-atomics`).
//! - [`backoff`]: truncated exponential backoff (from `ccol-backoff`).
#![no_std]
#![doc(test(
    no_crate_inject,
    attr(deny(warnings), allow(dead_code, unused_variables))
))]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

/// Target and CPU feature detection, cache-line padding and configuration.
///
/// Everything in `ccol-arch`; see its crate documentation.
pub mod arch {
    #[doc(inline)]
    pub use ccol_arch::*;
}

/// Tagged pointers and double-width compare-and-swap.
///
/// The public part of `ccol-atomics`. Its `sync` facade is family-internal and not
/// re-exported.
pub mod atomics {
    #[doc(inline)]
    pub use ccol_atomics::dwcas::{
        self, DWCAS_ALWAYS_LOCK_FREE, DoubleWord, DwcasUnsupported, dwcas_is_lock_free,
    };

    /// The double-width atomic exists only where it can be lock-free (see [`dwcas`]).
    #[cfg(any(
        all(target_arch = "x86_64", target_pointer_width = "64"),
        all(target_arch = "aarch64", target_pointer_width = "64"),
        all(target_pointer_width = "32", target_has_atomic = "64"),
    ))]
    #[doc(inline)]
    pub use ccol_atomics::AtomicDoubleWord;

    #[cfg(any(target_has_atomic = "ptr", feature = "portable-atomic"))]
    #[doc(inline)]
    pub use ccol_atomics::tagged::{self, AtomicTaggedPtr, TaggedPtr};
}

/// Truncated exponential backoff.
///
/// Everything in `ccol-backoff`; see its crate documentation.
pub mod backoff {
    #[doc(inline)]
    pub use ccol_backoff::*;
}

#[doc(no_inline)]
pub use ccol_arch::{CachePadded, config::Config};
#[doc(no_inline)]
pub use ccol_backoff::Backoff;
