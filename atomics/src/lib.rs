#![doc = include_str!("../README.md")]
#![no_std]
#![doc(test(
    no_crate_inject,
    attr(deny(warnings), allow(dead_code, unused_variables))
))]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]
// Miri always runs on nightly, and on x86-64 without a compile-time `cmpxchg16b` the double-width
// CAS model needs core's (unstable) generic atomic compare-exchange: `dwcas/x86_64.rs`. Stable
// builds never see these attributes.
#![cfg_attr(
    all(
        miri,
        not(ccol_loom),
        target_arch = "x86_64",
        target_pointer_width = "64",
        not(target_feature = "cmpxchg16b")
    ),
    feature(core_intrinsics),
    allow(internal_features)
)]
// Likewise, Miri on AArch64 uses core's (unstable) `AtomicU128`: `dwcas/native.rs`.
#![cfg_attr(
    all(
        miri,
        not(ccol_loom),
        target_arch = "aarch64",
        target_pointer_width = "64"
    ),
    feature(integer_atomics)
)]

// `alloc` is used only for `sync::Arc`, which needs pointer-width CAS (see `sync.rs`).
#[cfg(all(feature = "alloc", not(ccol_loom), target_has_atomic = "ptr"))]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

#[doc(hidden)]
pub mod sync;

pub mod dwcas;
#[cfg(any(target_has_atomic = "ptr", feature = "portable-atomic", ccol_loom))]
#[cfg_attr(
    docsrs,
    doc(cfg(any(target_has_atomic = "ptr", feature = "portable-atomic")))
)]
pub mod tagged;

#[cfg(any(
    ccol_loom,
    all(target_arch = "x86_64", target_pointer_width = "64"),
    all(target_arch = "aarch64", target_pointer_width = "64"),
    all(target_pointer_width = "32", target_has_atomic = "64"),
))]
pub use dwcas::AtomicDoubleWord;
pub use dwcas::{DWCAS_ALWAYS_LOCK_FREE, DoubleWord, DwcasUnsupported, dwcas_is_lock_free};
#[cfg(any(target_has_atomic = "ptr", feature = "portable-atomic", ccol_loom))]
pub use tagged::{AtomicTaggedPtr, TaggedPtr};
