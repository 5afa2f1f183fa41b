//! Atomics for the ccol family.
//!
//! - [`sync`]: the family's one sync facade (core, portable-atomic, or loom under
//!   `--cfg ccol_loom`); family-internal, outside semver.
#![no_std]
#![doc(test(
    no_crate_inject,
    attr(deny(warnings), allow(dead_code, unused_variables))
))]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(all(feature = "alloc", not(ccol_loom)))]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[doc(hidden)]
pub mod sync;
