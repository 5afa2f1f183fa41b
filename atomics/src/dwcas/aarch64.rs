//! AArch64 (64-bit pointers): `portable_atomic::AtomicU128`.
//!
//! Why a dependency rather than our own asm: on AArch64, portable-atomic's 128-bit atomics are
//! always lock-free — an `LDXP`/`STXP` loop on Armv8.0, `CASP` with FEAT_LSE, `LDP`/`STP` for
//! loads and stores with FEAT_LSE2, chosen at run time where the OS reports the features — and
//! Miri runs them. Getting the single-copy atomicity of `LDXP` right (a pair read is atomic
//! only if the following `STXP` succeeds, so even a failed compare must store) and the run-time
//! LSE dispatch is exactly the subtle code worth sharing. The cost is that portable-atomic is a
//! non-optional dependency on AArch64 (it stays optional elsewhere); the crate is on the
//! family's list of approved dependencies. The `const` assertion below turns a future change
//! in its guarantee into a compile error instead of a silent lock.
//!
//! Under Miri the type is core's `AtomicU128` instead (nightly-only, enabled in `lib.rs` only
//! for this cfg; Miri always runs on nightly): Miri cannot run portable-atomic's inline asm,
//! and portable-atomic 1.15 offers no lock-free `AtomicU128` under Miri on current nightlies
//! (its Miri path needs the pre-1.89 atomic intrinsics), so the crate would not build there.
//! Miri then checks this wrapper and the caller's orderings, not portable-atomic's code.

#[cfg(miri)]
use core::sync::atomic::AtomicU128;

#[cfg(not(miri))]
use portable_atomic::AtomicU128;

use crate::{dwcas::DoubleWord, sync::atomic::Ordering};

#[cfg(not(miri))]
const _: () = assert!(
    AtomicU128::is_always_lock_free(),
    "portable_atomic::AtomicU128 must be lock-free on AArch64 for ccol_atomics::dwcas"
);

/// The value as a `u128`: `lo` in the low 64 bits, `hi` in the high ones.
#[repr(transparent)]
pub(super) struct Inner {
    value: AtomicU128,
}

#[inline]
const fn pack(value: DoubleWord) -> u128 {
    (value.lo as u128) | ((value.hi as u128) << 64)
}

#[inline]
const fn unpack(value: u128) -> DoubleWord {
    // Truncation intended: each half is one 64-bit word.
    DoubleWord {
        lo: value as usize,
        hi: (value >> 64) as usize,
    }
}

impl Inner {
    #[inline]
    pub(super) const fn new(value: DoubleWord) -> Self {
        Self {
            value: AtomicU128::new(pack(value)),
        }
    }

    #[inline]
    pub(super) fn into_inner(self) -> DoubleWord {
        unpack(self.value.into_inner())
    }

    #[inline]
    pub(super) fn load(&self, order: Ordering) -> DoubleWord {
        // Ordering: the caller's; a plain forwarding wrapper.
        unpack(self.value.load(order))
    }

    #[inline]
    pub(super) fn store(&self, value: DoubleWord, order: Ordering) {
        // Ordering: the caller's; a plain forwarding wrapper.
        self.value.store(pack(value), order);
    }

    #[inline]
    pub(super) fn swap(&self, value: DoubleWord, order: Ordering) -> DoubleWord {
        // Ordering: the caller's; a plain forwarding wrapper.
        unpack(self.value.swap(pack(value), order))
    }

    #[inline]
    pub(super) fn compare_exchange(
        &self,
        current: DoubleWord,
        new: DoubleWord,
        success: Ordering,
        failure: Ordering,
    ) -> Result<DoubleWord, DoubleWord> {
        // Ordering: the caller's; a plain forwarding wrapper.
        self.value
            .compare_exchange(pack(current), pack(new), success, failure)
            .map(unpack)
            .map_err(unpack)
    }

    #[inline]
    pub(super) fn compare_exchange_weak(
        &self,
        current: DoubleWord,
        new: DoubleWord,
        success: Ordering,
        failure: Ordering,
    ) -> Result<DoubleWord, DoubleWord> {
        // Ordering: the caller's; a plain forwarding wrapper.
        self.value
            .compare_exchange_weak(pack(current), pack(new), success, failure)
            .map(unpack)
            .map_err(unpack)
    }
}
