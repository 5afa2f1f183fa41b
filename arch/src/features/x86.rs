//! Run-time detection on x86 and x86-64 (`std` only): `std::is_x86_feature_detected!`.
//!
//! The standard library runs `CPUID` once and caches the answer; it also honours
//! `cfg(target_feature)`, so every compile-time feature is reported.

use super::{CpuFeature, CpuFeatures};

/// Asks the executing CPU (uncached here; the caller caches).
pub(super) fn detect() -> CpuFeatures {
    let mut set = CpuFeatures::NONE;
    // CMPXCHG16B exists only in 64-bit mode.
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("cmpxchg16b") {
        set = set.with(CpuFeature::Cmpxchg16b);
    }
    if std::is_x86_feature_detected!("avx") {
        set = set.with(CpuFeature::Avx);
    }
    if std::is_x86_feature_detected!("avx2") {
        set = set.with(CpuFeature::Avx2);
    }
    set
}
