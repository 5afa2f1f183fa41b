//! Run-time detection on AArch64 (`std` only): `std::arch::is_aarch64_feature_detected!`.
//!
//! The standard library reads `AT_HWCAP` on Linux and Android, `sysctl` on Apple platforms and
//! `IsProcessorFeaturePresent` on Windows, and reports a feature as absent wherever it cannot
//! tell. Both `"lse"` and `"lse2"` are stable detection names since Rust 1.60.

use super::{CpuFeature, CpuFeatures};

/// Asks the executing CPU (uncached here; the caller caches).
pub(super) fn detect() -> CpuFeatures {
    let mut set = CpuFeatures::NONE;
    if std::arch::is_aarch64_feature_detected!("lse") {
        set = set.with(CpuFeature::Lse);
    }
    if std::arch::is_aarch64_feature_detected!("lse2") {
        set = set.with(CpuFeature::Lse2);
    }
    set
}
