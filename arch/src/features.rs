//! CPU features the family cares about: compile-time everywhere, run-time under `std`.
//!
//! The set is deliberately small. It lists what changes which algorithm or instruction the
//! ccol crates may use:
//!
//! | feature | arch | what it enables |
//! |---|---|---|
//! | `cmpxchg16b` | x86-64 | 128-bit compare-and-swap (double-width CAS: LCRQ, wCQ, tagged pointers) |
//! | `avx`, `avx2` | x86, x86-64 | informational (bug reports, benchmarks); no algorithm depends on them |
//! | `lse` | AArch64 | Armv8.1 single-instruction atomics (`CAS`, `CASP`, `LDADD`, `SWP`) instead of LL/SC loops |
//! | `lse2` | AArch64 | Armv8.4 single-copy atomicity of aligned 128-bit `LDP`/`STP` |
//!
//! The detection rules are documented on [`CpuFeatures`].

use core::fmt;

use crate::Arch;

#[cfg(feature = "std")]
#[cfg_attr(
    any(target_arch = "x86_64", target_arch = "x86"),
    path = "features/x86.rs"
)]
#[cfg_attr(target_arch = "aarch64", path = "features/aarch64.rs")]
#[cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "x86", target_arch = "aarch64")),
    path = "features/fallback.rs"
)]
mod imp;

/// One CPU feature that [`CpuFeatures`] can report.
///
/// `#[non_exhaustive]`: new features may be added in minor releases.
///
/// # Progress
///
/// Plain data; every method is wait-free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CpuFeature {
    /// x86-64 `CMPXCHG16B` (CPUID.01H:ECX.CX16\[bit 13\]): 128-bit compare-and-swap. Missing only
    /// on the earliest AMD64 CPUs; part of the x86-64-v2 baseline.
    Cmpxchg16b,
    /// x86 AVX (256-bit vectors).
    Avx,
    /// x86 AVX2 (256-bit integer vectors).
    Avx2,
    /// AArch64 FEAT_LSE (Armv8.1 Large System Extensions): `CAS`, `CASP`, `LDADD`, `SWP`, ...
    Lse,
    /// AArch64 FEAT_LSE2 (Armv8.4): aligned 128-bit `LDP`/`STP` are single-copy atomic.
    Lse2,
}

impl CpuFeature {
    /// Every feature, in declaration order.
    pub const ALL: [CpuFeature; 5] = [
        CpuFeature::Cmpxchg16b,
        CpuFeature::Avx,
        CpuFeature::Avx2,
        CpuFeature::Lse,
        CpuFeature::Lse2,
    ];

    /// The name used by `target_feature` and by the standard library's detection macros.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            CpuFeature::Cmpxchg16b => "cmpxchg16b",
            CpuFeature::Avx => "avx",
            CpuFeature::Avx2 => "avx2",
            CpuFeature::Lse => "lse",
            CpuFeature::Lse2 => "lse2",
        }
    }

    /// Whether the feature exists on `arch` at all. [`CpuFeatures`] never reports a feature
    /// for an architecture it does not apply to.
    #[must_use]
    pub const fn applies_to(self, arch: Arch) -> bool {
        match self {
            CpuFeature::Cmpxchg16b => matches!(arch, Arch::X86_64),
            CpuFeature::Avx | CpuFeature::Avx2 => matches!(arch, Arch::X86_64 | Arch::X86),
            CpuFeature::Lse | CpuFeature::Lse2 => matches!(arch, Arch::AArch64),
        }
    }

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for CpuFeature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A set of [`CpuFeature`]s.
///
/// Invariant: contains only features that [apply to](CpuFeature::applies_to)
/// [`Arch::CURRENT`], so for example [`lse`](Self::lse) is `false` on x86-64. Sets can be
/// shrunk ([`without`](Self::without)) but not grown from outside the crate, so a set always
/// claims at most what the compile-time or run-time detection found.
///
/// # Compile time and run time
///
/// [`CpuFeatures::COMPILE_TIME`] comes from `cfg(target_feature)` and is what every CPU that
/// runs the binary must have. [`CpuFeatures::detect`] adds what the executing CPU reports, once
/// per process (cached in a `std::sync::OnceLock`), through `std::is_x86_feature_detected!` and
/// `std::arch::is_aarch64_feature_detected!` (both stable since Rust 1.60 for every name used
/// here, `"lse2"` included). The run-time set is always a superset of the compile-time set.
/// Without `std`, or on other architectures, [`CpuFeatures::detect`] returns the compile-time
/// set: unknown means "least capable".
///
/// `lse2` at compile time: `target_feature = "lse2"` is still unstable in rustc (1.95), so on a
/// stable compiler `COMPILE_TIME` never contains `lse2`, even when building for a CPU that has
/// it; only the run-time detection can report it.
///
/// Under Miri, the standard library's detection reports only compile-time features, so
/// `detect()` equals `COMPILE_TIME` there.
///
/// # Progress
///
/// Plain `Copy` data: every query is `const` and wait-free. [`detect`](Self::detect) is
/// blocking only on its first call in the process (one thread runs the detection, concurrent
/// first callers wait for it); afterwards it is a wait-free load.
///
/// # Examples
///
/// ```
/// use ccol_arch::{CpuFeature, CpuFeatures};
///
/// let detected = CpuFeatures::detect();
/// assert!(detected.contains(CpuFeatures::COMPILE_TIME));
/// if detected.has(CpuFeature::Cmpxchg16b) {
///     assert!(detected.double_width_cas());
/// }
/// println!("cpu features: {detected}");
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CpuFeatures {
    /// One bit per [`CpuFeature`], at position `feature as u8`.
    bits: u8,
}

impl CpuFeatures {
    /// The empty set (the least capable CPU).
    pub const NONE: CpuFeatures = CpuFeatures { bits: 0 };

    /// The features enabled at compile time (`cfg(target_feature)`): guaranteed on every CPU
    /// that may run this binary.
    pub const COMPILE_TIME: CpuFeatures = compile_time();

    /// Whether [`detect`](Self::detect) asks the executing CPU (`std` on x86, x86-64 and
    /// AArch64). When `false`, `detect()` returns [`COMPILE_TIME`](Self::COMPILE_TIME).
    pub const DETECTED_AT_RUN_TIME: bool = cfg!(all(
        feature = "std",
        any(
            target_arch = "x86_64",
            target_arch = "x86",
            target_arch = "aarch64"
        )
    ));

    /// The features of the executing CPU, detected on the first call and cached for the life
    /// of the process; a superset of [`COMPILE_TIME`](Self::COMPILE_TIME).
    ///
    /// Without `std`, or where [`DETECTED_AT_RUN_TIME`](Self::DETECTED_AT_RUN_TIME) is
    /// `false`, this is `COMPILE_TIME`.
    #[must_use]
    pub fn detect() -> CpuFeatures {
        #[cfg(feature = "std")]
        {
            static DETECTED: std::sync::OnceLock<CpuFeatures> = std::sync::OnceLock::new();
            *DETECTED.get_or_init(|| imp::detect().union(CpuFeatures::COMPILE_TIME))
        }
        #[cfg(not(feature = "std"))]
        {
            CpuFeatures::COMPILE_TIME
        }
    }

    /// Whether `feature` is in the set.
    #[must_use]
    pub const fn has(self, feature: CpuFeature) -> bool {
        self.bits & feature.bit() != 0
    }

    /// Whether every feature of `other` is in `self` (`self ⊇ other`).
    #[must_use]
    pub const fn contains(self, other: CpuFeatures) -> bool {
        self.bits & other.bits == other.bits
    }

    /// Whether the set is empty.
    #[must_use]
    pub const fn is_empty(self) -> bool {
        self.bits == 0
    }

    /// The set without `feature` (for tests that exercise fallback paths).
    #[must_use]
    pub const fn without(self, feature: CpuFeature) -> CpuFeatures {
        CpuFeatures {
            bits: self.bits & !feature.bit(),
        }
    }

    /// The features in the set, in [`CpuFeature::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = CpuFeature> {
        CpuFeature::ALL.into_iter().filter(move |f| self.has(*f))
    }

    /// x86-64 `CMPXCHG16B`; always `false` off x86-64.
    #[must_use]
    pub const fn cmpxchg16b(self) -> bool {
        self.has(CpuFeature::Cmpxchg16b)
    }

    /// x86 AVX; always `false` off x86 and x86-64.
    #[must_use]
    pub const fn avx(self) -> bool {
        self.has(CpuFeature::Avx)
    }

    /// x86 AVX2; always `false` off x86 and x86-64.
    #[must_use]
    pub const fn avx2(self) -> bool {
        self.has(CpuFeature::Avx2)
    }

    /// AArch64 FEAT_LSE; always `false` off AArch64.
    #[must_use]
    pub const fn lse(self) -> bool {
        self.has(CpuFeature::Lse)
    }

    /// AArch64 FEAT_LSE2; always `false` off AArch64 (and never set at compile time on a
    /// stable compiler, see [`CpuFeatures`]).
    #[must_use]
    pub const fn lse2(self) -> bool {
        self.has(CpuFeature::Lse2)
    }

    /// Whether a lock-free compare-and-swap on two adjacent `usize` words (double-width CAS,
    /// DWCAS) is available natively, as an instruction sequence ccol-atomics can emit:
    ///
    /// - 64-bit x86-64: iff the set has [`cmpxchg16b`](Self::cmpxchg16b);
    /// - 64-bit AArch64: always — `LDXP`/`STXP` loops are Armv8.0 baseline (`CASP` with LSE);
    /// - targets with 32-bit pointers (x86, 32-bit Arm, RV32, the x32 and ILP32 ABIs, ...):
    ///   iff the target has native 64-bit atomics (`cfg(target_has_atomic = "64")`, e.g.
    ///   `CMPXCHG8B` on x86, `LDREXD`/`STREXD` on Armv6K+ A/R-profile; not Armv7-M);
    /// - targets with 16-bit pointers: iff `cfg(target_has_atomic = "32")`;
    /// - every other 64-bit architecture: `false`. Some have such an instruction (s390x
    ///   `CDSG`, POWER8 `lqarx`/`stqcx.`), but the family does not use it yet, so saying `false`
    ///   keeps algorithms that need DWCAS off those targets instead of on a lock-based fallback.
    #[must_use]
    pub const fn double_width_cas(self) -> bool {
        if cfg!(target_pointer_width = "16") {
            cfg!(target_has_atomic = "32")
        } else if cfg!(target_pointer_width = "32") {
            cfg!(target_has_atomic = "64")
        } else if cfg!(target_arch = "x86_64") {
            self.cmpxchg16b()
        } else {
            cfg!(target_arch = "aarch64")
        }
    }

    /// Adds the features of `other` (crate-private: a set only grows through detection).
    #[cfg(any(feature = "std", test))]
    pub(crate) const fn union(self, other: CpuFeatures) -> CpuFeatures {
        CpuFeatures {
            bits: self.bits | other.bits,
        }
    }

    /// Adds `feature` if it [applies to](CpuFeature::applies_to) the current architecture.
    pub(crate) const fn with(self, feature: CpuFeature) -> CpuFeatures {
        if feature.applies_to(Arch::CURRENT) {
            CpuFeatures {
                bits: self.bits | feature.bit(),
            }
        } else {
            self
        }
    }
}

impl Default for CpuFeatures {
    /// The empty set, [`CpuFeatures::NONE`].
    fn default() -> Self {
        CpuFeatures::NONE
    }
}

impl fmt::Debug for CpuFeatures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("CpuFeatures");
        for feature in CpuFeature::ALL {
            s.field(feature.name(), &self.has(feature));
        }
        s.finish()
    }
}

impl fmt::Display for CpuFeatures {
    /// The names of the features, separated by spaces, or `none`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (i, feature) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            f.write_str(feature.name())?;
        }
        Ok(())
    }
}

/// The features of the executing CPU: [`CpuFeatures::detect`].
#[must_use]
#[inline]
pub fn cpu_features() -> CpuFeatures {
    CpuFeatures::detect()
}

/// Whether the executing CPU has x86-64 `CMPXCHG16B`; `false` off x86-64.
#[must_use]
#[inline]
pub fn has_cmpxchg16b() -> bool {
    cpu_features().cmpxchg16b()
}

/// Whether the executing CPU has x86 AVX; `false` off x86 and x86-64.
#[must_use]
#[inline]
pub fn has_avx() -> bool {
    cpu_features().avx()
}

/// Whether the executing CPU has x86 AVX2; `false` off x86 and x86-64.
#[must_use]
#[inline]
pub fn has_avx2() -> bool {
    cpu_features().avx2()
}

/// Whether the executing CPU has AArch64 FEAT_LSE; `false` off AArch64.
#[must_use]
#[inline]
pub fn has_lse() -> bool {
    cpu_features().lse()
}

/// Whether the executing CPU has AArch64 FEAT_LSE2; `false` off AArch64.
#[must_use]
#[inline]
pub fn has_lse2() -> bool {
    cpu_features().lse2()
}

/// Whether the executing CPU has native double-width CAS:
/// [`CpuFeatures::double_width_cas`] of [`cpu_features()`].
#[must_use]
#[inline]
pub fn has_double_width_cas() -> bool {
    cpu_features().double_width_cas()
}

/// `cfg(target_feature)` as a [`CpuFeatures`].
const fn compile_time() -> CpuFeatures {
    let mut set = CpuFeatures::NONE;
    if cfg!(all(target_arch = "x86_64", target_feature = "cmpxchg16b")) {
        set = set.with(CpuFeature::Cmpxchg16b);
    }
    if cfg!(all(
        any(target_arch = "x86_64", target_arch = "x86"),
        target_feature = "avx"
    )) {
        set = set.with(CpuFeature::Avx);
    }
    if cfg!(all(
        any(target_arch = "x86_64", target_arch = "x86"),
        target_feature = "avx2"
    )) {
        set = set.with(CpuFeature::Avx2);
    }
    if cfg!(all(target_arch = "aarch64", target_feature = "lse")) {
        set = set.with(CpuFeature::Lse);
    }
    if cfg!(all(target_arch = "aarch64", target_feature = "lse2")) {
        set = set.with(CpuFeature::Lse2);
    }
    set
}

#[cfg(test)]
mod tests {
    use super::{CpuFeature, CpuFeatures};
    use crate::Arch;

    #[test]
    fn with_ignores_features_of_other_arches() {
        let mut all = CpuFeatures::NONE;
        for f in CpuFeature::ALL {
            all = all.with(f);
        }
        for f in CpuFeature::ALL {
            assert_eq!(all.has(f), f.applies_to(Arch::CURRENT), "{f}");
        }
    }

    #[test]
    fn double_width_cas_follows_cmpxchg16b_on_x86_64() {
        let full = CpuFeatures::NONE.with(CpuFeature::Cmpxchg16b);
        let without = full.without(CpuFeature::Cmpxchg16b);
        if cfg!(all(target_arch = "x86_64", target_pointer_width = "64")) {
            assert!(full.double_width_cas());
            assert!(!without.double_width_cas());
        } else {
            // Off x86-64 the answer does not depend on the set at all.
            assert_eq!(full.double_width_cas(), without.double_width_cas());
        }
        if cfg!(all(target_arch = "aarch64", target_pointer_width = "64")) {
            assert!(CpuFeatures::NONE.double_width_cas());
        }
    }

    #[test]
    fn set_algebra() {
        let lse = CpuFeatures::NONE
            .with(CpuFeature::Lse)
            .with(CpuFeature::Avx);
        assert!(lse.contains(CpuFeatures::NONE));
        assert!(lse.contains(lse));
        assert!(!CpuFeatures::NONE.contains(lse) || lse.is_empty());
        assert_eq!(lse.union(CpuFeatures::NONE), lse);
        let mut stripped = lse;
        for f in CpuFeature::ALL {
            stripped = stripped.without(f);
        }
        assert!(stripped.is_empty());
        assert_eq!(stripped, CpuFeatures::default());
    }

    /// `ALL` (which drives `iter`, `Display` and `Debug`) lists every feature in declaration
    /// order; a feature added after `Lse2` must move this check to the new last variant.
    #[test]
    fn all_is_complete_and_in_declaration_order() {
        for (i, feature) in CpuFeature::ALL.iter().enumerate() {
            assert_eq!(*feature as usize, i, "{feature}");
        }
        assert_eq!(CpuFeature::ALL.len(), CpuFeature::Lse2 as usize + 1);
    }

    #[test]
    fn bits_are_distinct() {
        for (i, a) in CpuFeature::ALL.iter().enumerate() {
            for b in &CpuFeature::ALL[i + 1..] {
                assert_eq!(a.bit() & b.bit(), 0);
            }
        }
    }
}
