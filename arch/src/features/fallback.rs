//! Run-time detection on architectures without any feature of interest: nothing to ask, so
//! the compile-time set is the answer.

use super::CpuFeatures;

/// The compile-time set (no [`CpuFeature`](super::CpuFeature) applies to this architecture).
pub(super) fn detect() -> CpuFeatures {
    CpuFeatures::COMPILE_TIME
}
