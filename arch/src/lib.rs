#![doc = include_str!("../README.md")]
//!
//! # Contents
//!
//! - [`Arch`]: the target architecture, from `cfg(target_arch)`.
//! - [`CpuFeatures`], [`cpu_features`] and the `has_*` functions: x86-64 `CMPXCHG16B`/AVX/AVX2
//!   and AArch64 LSE/LSE2, known at compile time everywhere and detected once at run time
//!   under `std`; [`CpuFeatures::double_width_cas`] for 2×`usize` compare-and-swap.
//! - [`CACHE_LINE_SIZE`] and [`CachePadded`]: padding against false sharing.
//! - [`config`]: [`Config`](config::Config), the family's tunables, with `CCOL_*` environment
//!   overrides (a pure no_std parser; the process environment and `Config::global`
//!   under `std`).
//! - [`BuildInfo`]: version, target, features and configuration for bug reports.
#![no_std]
#![doc(test(
    no_crate_inject,
    attr(deny(warnings), allow(dead_code, unused_variables))
))]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

mod arch;
mod build_info;
mod cache;
pub mod config;
mod features;

pub use crate::{
    arch::Arch,
    build_info::BuildInfo,
    cache::{CACHE_LINE_SIZE, CachePadded},
    features::{
        CpuFeature, CpuFeatures, cpu_features, has_avx, has_avx2, has_cmpxchg16b,
        has_double_width_cas, has_lse, has_lse2,
    },
};
