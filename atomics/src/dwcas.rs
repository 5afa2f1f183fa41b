//! Double-width compare-and-swap (DWCAS): atomics on two adjacent `usize` words that are
//! **lock-free or do not exist**.
//!
//! wCQ, LCRQ and SCQ2 (see the family's algorithm notes) compare-and-swap a pair of words at
//! once. Their progress guarantees hold only if that CAS is a lock-free hardware operation, so
//! [`AtomicDoubleWord`] never falls back to a lock behind the caller's back:
//!
//! - **compile time:** the type exists only on targets where it can be lock-free, and
//!   [`DWCAS_ALWAYS_LOCK_FREE`] is `true` where no run-time check is needed (then the
//!   `const fn` `AtomicDoubleWord::new` exists too);
//! - **run time:** [`dwcas_is_lock_free`] asks the CPU (cached by `ccol_arch`), and
//!   [`AtomicDoubleWord::try_new`] refuses with [`DwcasUnsupported`] when it says no. Every
//!   existing instance therefore runs on a CPU that has the instruction.
//!
//! ```
//! use ccol_atomics::dwcas;
//!
//! // Compile time: e.g. in a crate that needs DWCAS on every supported CPU,
//! // `const _: () = assert!(dwcas::DWCAS_ALWAYS_LOCK_FREE);`
//! if dwcas::DWCAS_ALWAYS_LOCK_FREE {
//!     assert!(dwcas::dwcas_is_lock_free());
//! }
//! # #[cfg(any(
//! #     target_arch = "x86_64",
//! #     target_arch = "aarch64",
//! #     all(target_pointer_width = "32", target_has_atomic = "64"),
//! # ))]
//! # {
//! use ccol_atomics::{AtomicDoubleWord, DoubleWord, sync::atomic::Ordering};
//!
//! // Run time: construct or fall back (an SCQ instead of wCQ, say).
//! match AtomicDoubleWord::try_new(DoubleWord::new(0, 0)) {
//!     Ok(pair) => {
//!         let old = pair.compare_exchange(
//!             DoubleWord::new(0, 0),
//!             DoubleWord::new(1, 2),
//!             Ordering::AcqRel,
//!             Ordering::Acquire,
//!         );
//!         assert_eq!(old, Ok(DoubleWord::new(0, 0)));
//!         assert_eq!(pair.load(Ordering::Acquire), DoubleWord::new(1, 2));
//!     }
//!     Err(unsupported) => eprintln!("falling back: {unsupported}"),
//! }
//! # }
//! ```
//!
//! # Implementations
//!
//! | target | operations | `DWCAS_ALWAYS_LOCK_FREE` |
//! |---|---|---|
//! | x86-64 with `target_feature = "cmpxchg16b"` (`-C target-cpu=x86-64-v2` or newer) | `core::arch::x86_64::cmpxchg16b`, inlined | `true` |
//! | x86-64 baseline (x86-64-v1) | inline-asm `lock cmpxchg16b` after the run-time check (`ccol_arch::has_cmpxchg16b`, std only; without std the check answers from `cfg(target_feature)` alone) | `false` |
//! | AArch64 (64-bit pointers) | `portable_atomic::AtomicU128`: `LDXP`/`STXP` loop (Armv8.0), `CASP` with FEAT_LSE, `LDP`/`STP` loads and stores with FEAT_LSE2 (detected at run time where the OS allows); asserted lock-free at compile time | `true` |
//! | 32-bit pointers with native 64-bit atomics (x86 `cmpxchg8b`, Armv7-A `ldrexd`/`strexd`, ...) | the sync facade's `AtomicU64` | `true` |
//! | every other target (Armv7-M, RV32 without A, s390x, POWER, ...) | the type does not exist | `false` |
//!
//! Costs and caveats, honestly:
//!
//! - **x86-64 loads write.** A 128-bit load is a `lock cmpxchg16b` of a guessed value, which
//!   takes the cache line exclusive and writes it back even when the comparison fails, so a
//!   "load" of a hot slot contends like a store, and the memory must be writable (it always is:
//!   the type contains an `UnsafeCell`). CPUs with AVX guarantee atomic aligned 16-byte
//!   `VMOVDQA` loads (Intel SDM vol. 3A §9.1.1; AMD APM vol. 2 §7.3.2), but only Intel's and
//!   AMD's manuals say so, and `ccol_arch` does not report the vendor yet: this version uses
//!   `lock cmpxchg16b` on every x86-64 CPU.
//! - **AArch64 without LSE** runs the CAS as an `LDXP`/`STXP` loop (so do 32-bit Arm targets,
//!   with `LDREXD`/`STREXD`): lock-free (a store-exclusive fails because of a conflicting
//!   access, or spuriously on an interrupt or eviction, never because a thread stalls) but not
//!   wait-free, which weakens the bound of a wait-free algorithm on such CPUs. With LSE, `CASP`
//!   is one instruction.
//! - `store`, `swap` and `fetch_update` are CAS loops on x86-64 (and `fetch_update`
//!   everywhere): lock-free, not wait-free.
//! - **No mixed-size access.** Rust's memory model makes a racing atomic *write* of a different
//!   size undefined behaviour (the family's algorithm notes, §0.3), so the type offers no
//!   word-sized view of `lo` or `hi`: every access is to both words. An algorithm that wants
//!   a `fetch_add` on one half must express it as a double-width CAS loop.
//!
//! # Verification backends
//!
//! - **loom** (`--cfg ccol_loom`): loom has no 128-bit atomics, so the type is a
//!   `loom::sync::Mutex<DoubleWord>`. This is the *only* lock-based form, it exists only under
//!   that cfg, and it models the algorithm's logic, not hardware atomicity: every operation
//!   behaves as if `SeqCst`, so loom cannot find a too-weak ordering on a DWCAS itself (Miri
//!   can). Under loom, `DWCAS_ALWAYS_LOCK_FREE` and `dwcas_is_lock_free()` report `true` so the
//!   code under test takes its DWCAS path.
//! - **Miri** cannot run inline asm. On x86-64 with a compile-time `cmpxchg16b` it checks the
//!   real code path (`core::arch::x86_64::cmpxchg16b` is an ordinary atomic intrinsic to
//!   Miri); without it, each compare-exchange is core's generic atomic compare-exchange on
//!   `u128`, a nightly-only API enabled only under `cfg(miri)` (Miri always runs on nightly),
//!   with the caller's orderings, so weak-memory effects are still explored, and
//!   `dwcas_is_lock_free()` reports `true` (Miri's CPU detection reports no features). The
//!   32-bit backend runs under Miri unchanged (`--target i686-unknown-linux-gnu`); on AArch64
//!   Miri runs the same wrapper over core's nightly-only `AtomicU128` instead of
//!   portable-atomic's asm (`dwcas/native.rs` says why). Pass the same `-C target-feature`
//!   in `RUSTDOCFLAGS` as in `RUSTFLAGS`, or doctests compiled without the feature call the
//!   library's compile-time path and Miri rightly reports a missing target feature.
//! - **Sanitizers** do not see inline asm: build sanitizer runs with
//!   `-C target-feature=+cmpxchg16b` so every access is a compiler-visible atomic.

use core::fmt;

/// Two adjacent machine words, the value of an [`AtomicDoubleWord`].
///
/// `lo` and `hi` are just names: the atomic type never exposes its memory layout, and no
/// operation reads or writes one half alone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DoubleWord {
    /// The first word (the low 64 bits of the 128-bit value on x86-64).
    pub lo: usize,
    /// The second word.
    pub hi: usize,
}

impl DoubleWord {
    /// A pair of words.
    #[inline]
    #[must_use]
    pub const fn new(lo: usize, hi: usize) -> Self {
        Self { lo, hi }
    }
}

impl From<(usize, usize)> for DoubleWord {
    fn from((lo, hi): (usize, usize)) -> Self {
        Self { lo, hi }
    }
}

impl From<DoubleWord> for (usize, usize) {
    fn from(value: DoubleWord) -> Self {
        (value.lo, value.hi)
    }
}

/// Whether [`AtomicDoubleWord`] is lock-free on every CPU of the compilation target, known at
/// compile time (see the [module docs](self) for the table). When `true`,
/// `AtomicDoubleWord::new` exists and [`dwcas_is_lock_free`] always returns `true`.
pub const DWCAS_ALWAYS_LOCK_FREE: bool = cfg!(any(
    ccol_loom,
    all(
        target_arch = "x86_64",
        target_pointer_width = "64",
        target_feature = "cmpxchg16b"
    ),
    all(target_arch = "aarch64", target_pointer_width = "64"),
    all(target_pointer_width = "32", target_has_atomic = "64"),
));

/// Whether [`AtomicDoubleWord`] is lock-free on the executing CPU, i.e. whether
/// [`AtomicDoubleWord::try_new`] succeeds.
///
/// `true` whenever [`DWCAS_ALWAYS_LOCK_FREE`] is. On x86-64 without a compile-time
/// `cmpxchg16b` it asks `ccol_arch::has_cmpxchg16b()`, which runs `CPUID` once and caches the
/// answer under `std` and answers from `cfg(target_feature)` without it. `false` on targets
/// where the type does not exist.
#[inline]
#[must_use]
pub fn dwcas_is_lock_free() -> bool {
    cfg_if::cfg_if! {
        if #[cfg(ccol_loom)] {
            true
        } else if #[cfg(all(target_arch = "x86_64", target_pointer_width = "64"))] {
            // Under Miri the instruction is modelled (`x86_64.rs`), whatever the CPU reports.
            DWCAS_ALWAYS_LOCK_FREE || cfg!(miri) || ccol_arch::has_cmpxchg16b()
        } else {
            DWCAS_ALWAYS_LOCK_FREE
        }
    }
}

/// The error of [`AtomicDoubleWord::try_new`]: the executing CPU has no lock-free double-width
/// CAS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DwcasUnsupported {
    _private: (),
}

impl fmt::Display for DwcasUnsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("double-width compare-and-swap is not lock-free on this CPU")?;
        if cfg!(target_arch = "x86_64") {
            f.write_str(
                " (it needs CMPXCHG16B; without std, build with -C target-feature=+cmpxchg16b)",
            )?;
        }
        Ok(())
    }
}

impl core::error::Error for DwcasUnsupported {}

/// Declares items that exist only where [`AtomicDoubleWord`] does.
macro_rules! cfg_has_dwcas {
    ($($item:item)*) => {$(
        #[cfg(any(
            ccol_loom,
            all(target_arch = "x86_64", target_pointer_width = "64"),
            all(target_arch = "aarch64", target_pointer_width = "64"),
            all(target_pointer_width = "32", target_has_atomic = "64"),
        ))]
        $item
    )*};
}

cfg_if::cfg_if! {
    if #[cfg(ccol_loom)] {
        mod loom;
        use self::loom as imp;
    } else if #[cfg(all(target_arch = "x86_64", target_pointer_width = "64"))] {
        mod x86_64;
        use self::x86_64 as imp;
    } else if #[cfg(any(
        all(target_arch = "aarch64", target_pointer_width = "64"),
        all(target_pointer_width = "32", target_has_atomic = "64"),
    ))] {
        mod native;
        use self::native as imp;
    }
}

/// Packing a [`DoubleWord`] into one integer two words wide, for the backends that operate on
/// such an integer (all but loom's): `lo` in the low half, `hi` in the high half.
#[cfg(all(
    not(ccol_loom),
    any(
        all(target_arch = "x86_64", target_pointer_width = "64"),
        all(target_arch = "aarch64", target_pointer_width = "64"),
        all(target_pointer_width = "32", target_has_atomic = "64"),
    )
))]
mod wide {
    use super::DoubleWord;

    /// An unsigned integer exactly two `usize` wide.
    #[cfg(target_pointer_width = "64")]
    pub(super) type Wide = u128;
    /// An unsigned integer exactly two `usize` wide.
    #[cfg(target_pointer_width = "32")]
    pub(super) type Wide = u64;

    impl DoubleWord {
        #[inline]
        pub(super) const fn pack(self) -> Wide {
            (self.lo as Wide) | ((self.hi as Wide) << usize::BITS)
        }

        #[inline]
        pub(super) const fn unpack(value: Wide) -> Self {
            // Truncation intended: each half is one word.
            Self {
                lo: value as usize,
                hi: (value >> usize::BITS) as usize,
            }
        }
    }
}

cfg_has_dwcas! {
    use crate::sync::atomic::Ordering;

    /// A [`DoubleWord`] with lock-free atomic operations on both words at once.
    ///
    /// Size and alignment are both `2 * size_of::<usize>()` (16 bytes on 64-bit targets, 8 on
    /// 32-bit ones), outside loom. Exists only on the targets of the [module docs](self) table.
    ///
    /// **Progress:** `load`, `compare_exchange` and `compare_exchange_weak` are one hardware
    /// atomic operation (an LL/SC loop on AArch64 without LSE and on 32-bit Arm: lock-free,
    /// not wait-free); `store` and `swap` are CAS loops on x86-64 (lock-free); `fetch_update` is
    /// a CAS loop everywhere (lock-free). Never a lock, except in the loom model.
    ///
    /// # Invariant
    ///
    /// Every instance was created by [`try_new`](Self::try_new) after [`dwcas_is_lock_free`]
    /// returned `true`, or by `new`, which exists only where
    /// [`DWCAS_ALWAYS_LOCK_FREE`] is `true`. So the executing CPU has the instruction each
    /// operation uses, which is what the run-time-dispatched x86-64 implementation relies on.
    ///
    /// There is no word-sized access to `lo` or `hi` (mixed-size atomics, module docs).
    #[cfg_attr(
        docsrs,
        doc(cfg(any(
            all(target_arch = "x86_64", target_pointer_width = "64"),
            all(target_arch = "aarch64", target_pointer_width = "64"),
            all(target_pointer_width = "32", target_has_atomic = "64"),
        )))
    )]
    #[repr(transparent)]
    pub struct AtomicDoubleWord {
        inner: imp::Inner,
    }

    impl AtomicDoubleWord {
        /// Creates the atomic if the executing CPU has a lock-free double-width CAS, else
        /// returns [`DwcasUnsupported`].
        ///
        /// # Errors
        ///
        /// [`DwcasUnsupported`] when [`dwcas_is_lock_free`] is `false` (on x86-64: no
        /// `CMPXCHG16B`).
        #[inline]
        pub fn try_new(value: DoubleWord) -> Result<Self, DwcasUnsupported> {
            if dwcas_is_lock_free() {
                // The check above establishes the type invariant.
                Ok(Self { inner: imp::Inner::new(value) })
            } else {
                Err(DwcasUnsupported { _private: () })
            }
        }

        /// Loads both words.
        ///
        /// On x86-64 this is a `lock cmpxchg16b` that writes the cache line (module docs).
        ///
        /// # Panics
        ///
        /// If `order` is `Release` or `AcqRel`.
        #[inline]
        #[track_caller]
        pub fn load(&self, order: Ordering) -> DoubleWord {
            check_load_ordering(order);
            self.inner.load(order)
        }

        /// Stores both words (a CAS loop on x86-64: lock-free).
        ///
        /// # Panics
        ///
        /// If `order` is `Acquire` or `AcqRel`.
        #[inline]
        #[track_caller]
        pub fn store(&self, value: DoubleWord, order: Ordering) {
            check_store_ordering(order);
            self.inner.store(value, order);
        }

        /// Stores `value` and returns the previous value (a CAS loop on x86-64: lock-free).
        #[inline]
        pub fn swap(&self, value: DoubleWord, order: Ordering) -> DoubleWord {
            self.inner.swap(value, order)
        }

        /// Stores `new` if the current value equals `current` (both words).
        ///
        /// Returns `Ok(current)` on success, `Err(actual)` with the value found otherwise;
        /// orderings as for `AtomicUsize::compare_exchange`.
        ///
        /// # Panics
        ///
        /// If `failure` is `Release` or `AcqRel`.
        #[inline]
        #[track_caller]
        pub fn compare_exchange(
            &self,
            current: DoubleWord,
            new: DoubleWord,
            success: Ordering,
            failure: Ordering,
        ) -> Result<DoubleWord, DoubleWord> {
            check_failure_ordering(failure);
            self.inner.compare_exchange(current, new, success, failure)
        }

        /// Like [`compare_exchange`](Self::compare_exchange), but may fail spuriously (on
        /// LL/SC targets: AArch64 without LSE, 32-bit Arm); use it in a retry loop.
        ///
        /// # Panics
        ///
        /// If `failure` is `Release` or `AcqRel`.
        #[inline]
        #[track_caller]
        pub fn compare_exchange_weak(
            &self,
            current: DoubleWord,
            new: DoubleWord,
            success: Ordering,
            failure: Ordering,
        ) -> Result<DoubleWord, DoubleWord> {
            check_failure_ordering(failure);
            self.inner.compare_exchange_weak(current, new, success, failure)
        }

        /// Applies `f` until it returns `None` or a CAS installs its result; returns
        /// `Ok(previous)` or `Err(last value seen)`, like `AtomicUsize::fetch_update`.
        ///
        /// `f` may run several times under contention. Lock-free: a CAS loop.
        ///
        /// # Errors
        ///
        /// `Err(value)` with the last value read when `f` returned `None`.
        ///
        /// # Panics
        ///
        /// If `fetch_order` is `Release` or `AcqRel`.
        #[inline]
        #[track_caller]
        pub fn fetch_update<F>(
            &self,
            set_order: Ordering,
            fetch_order: Ordering,
            mut f: F,
        ) -> Result<DoubleWord, DoubleWord>
        where
            F: FnMut(DoubleWord) -> Option<DoubleWord>,
        {
            let mut previous = self.load(fetch_order);
            while let Some(next) = f(previous) {
                // Ordering: `set_order` on success and `fetch_order` on failure, the caller's
                // choices, as for `AtomicUsize::fetch_update`.
                match self.compare_exchange_weak(previous, next, set_order, fetch_order) {
                    Ok(value) => return Ok(value),
                    Err(actual) => previous = actual,
                }
            }
            Err(previous)
        }

        /// Unwraps the value; ownership proves no other access is outstanding.
        #[inline]
        pub fn into_inner(self) -> DoubleWord {
            self.inner.into_inner()
        }
    }

    impl fmt::Debug for AtomicDoubleWord {
        /// Prints a `Relaxed` load (which writes the line on x86-64, module docs).
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            // Relaxed: a diagnostic snapshot that publishes nothing.
            f.debug_tuple("AtomicDoubleWord").field(&self.load(Ordering::Relaxed)).finish()
        }
    }
}

#[cfg(all(
    not(ccol_loom),
    any(
        all(
            target_arch = "x86_64",
            target_pointer_width = "64",
            target_feature = "cmpxchg16b"
        ),
        all(target_arch = "aarch64", target_pointer_width = "64"),
        all(target_pointer_width = "32", target_has_atomic = "64"),
    )
))]
impl AtomicDoubleWord {
    /// Creates the atomic; exists only where [`DWCAS_ALWAYS_LOCK_FREE`] is `true`, so it can be
    /// used in a `static`.
    #[inline]
    #[must_use]
    pub const fn new(value: DoubleWord) -> Self {
        Self {
            inner: imp::Inner::new(value),
        }
    }
}

#[cfg(ccol_loom)]
impl AtomicDoubleWord {
    /// Creates the loom model (not `const`: loom's constructors are not).
    #[must_use]
    pub fn new(value: DoubleWord) -> Self {
        Self {
            inner: imp::Inner::new(value),
        }
    }
}

cfg_has_dwcas! {
    /// Panics like `AtomicUsize::load` on a store-only ordering, on every backend.
    #[inline]
    #[track_caller]
    fn check_load_ordering(order: Ordering) {
        match order {
            Ordering::Release => panic!("there is no such thing as a release load"),
            Ordering::AcqRel => panic!("there is no such thing as an acquire-release load"),
            _ => {}
        }
    }

    /// Panics like `AtomicUsize::store` on a load-only ordering, on every backend.
    #[inline]
    #[track_caller]
    fn check_store_ordering(order: Ordering) {
        match order {
            Ordering::Acquire => panic!("there is no such thing as an acquire store"),
            Ordering::AcqRel => panic!("there is no such thing as an acquire-release store"),
            _ => {}
        }
    }

    /// Panics like `AtomicUsize::compare_exchange` on a failure ordering that would store.
    #[inline]
    #[track_caller]
    fn check_failure_ordering(order: Ordering) {
        match order {
            Ordering::Release => panic!("there is no such thing as a release failure ordering"),
            Ordering::AcqRel => {
                panic!("there is no such thing as an acquire-release failure ordering")
            }
            _ => {}
        }
    }
}

#[cfg(test)]
#[allow(
    clippy::std_instead_of_alloc,
    reason = "unit tests link std (lib.rs) but not necessarily alloc"
)]
mod tests {
    use std::string::ToString;

    use super::DwcasUnsupported;

    #[test]
    fn unsupported_explains_itself() {
        let message = DwcasUnsupported { _private: () }.to_string();
        assert!(message.starts_with("double-width compare-and-swap is not lock-free"));
        assert_eq!(message.contains("CMPXCHG16B"), cfg!(target_arch = "x86_64"));
        let error: &dyn core::error::Error = &DwcasUnsupported { _private: () };
        assert!(error.source().is_none());
    }
}
