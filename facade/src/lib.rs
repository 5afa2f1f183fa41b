//! ccol: concurrent collections.
#![no_std]
#![warn(missing_docs)]
