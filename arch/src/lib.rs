//! Target and CPU feature detection for the ccol family.
#![no_std]
#![warn(missing_docs)]

#[cfg(feature = "std")]
extern crate std;
