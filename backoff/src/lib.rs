//! Truncated exponential backoff for the ccol family.
#![no_std]
#![warn(missing_docs)]

#[cfg(feature = "std")]
extern crate std;
