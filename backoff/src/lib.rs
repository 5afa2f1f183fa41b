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

mod backoff;
mod policy;

pub use crate::{
    backoff::{Backoff, BackoffError},
    policy::{BackoffPolicy, BackoffStep, SpinHint},
};
