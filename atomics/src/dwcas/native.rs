//! Targets whose standard atomic integers are already two words wide: a forwarding wrapper.
//!
//! - **AArch64 (64-bit pointers):** `portable_atomic::AtomicU128`. Why a dependency rather
//!   than our own asm: on AArch64, portable-atomic's 128-bit atomics are always lock-free — an
//!   `LDXP`/`STXP` loop on Armv8.0, `CASP` with FEAT_LSE, `LDP`/`STP` for loads and stores with
//!   FEAT_LSE2, chosen at run time where the OS reports the features. Getting the single-copy
//!   atomicity of `LDXP` right (a pair read is atomic only if the following `STXP` succeeds,
//!   so even a failed compare must store) and the run-time LSE dispatch is exactly the subtle
//!   code worth sharing. The cost is that portable-atomic is a non-optional dependency on
//!   AArch64 (it stays optional elsewhere); the crate is on the family's list of approved
//!   dependencies. The `const` assertion below turns a future change in its guarantee into a
//!   compile error instead of a silent lock.
//!
//!   Under Miri the type is core's `AtomicU128` instead (nightly-only, enabled in `lib.rs`
//!   only for this cfg; Miri always runs on nightly): Miri cannot run portable-atomic's inline
//!   asm, and portable-atomic 1.15 offers no lock-free `AtomicU128` under Miri on current
//!   nightlies (its Miri path needs the pre-1.89 atomic intrinsics), so the crate would not
//!   build there. Miri then checks this wrapper and the caller's orderings, not
//!   portable-atomic's code.
//! - **32-bit pointers with native 64-bit atomics:** the sync facade's `AtomicU64`. Two 32-bit
//!   words fit one `u64`, and the target's 64-bit atomics are native (x86 `cmpxchg8b`, Armv7-A
//!   `ldrexd`/`strexd`; RV32 has none, so the cfg excludes it), so every operation is the
//!   facade's, with its progress guarantee. With the `portable-atomic` feature the facade
//!   re-exports `AtomicU64` only where `target_has_atomic = "64"`, so this never sits on a
//!   lock either.

cfg_if::cfg_if! {
    if #[cfg(all(target_pointer_width = "64", miri))] {
        use core::sync::atomic::AtomicU128 as AtomicWide;
    } else if #[cfg(target_pointer_width = "64")] {
        use portable_atomic::AtomicU128 as AtomicWide;

        const _: () = assert!(
            AtomicWide::is_always_lock_free(),
            "portable_atomic::AtomicU128 must be lock-free on AArch64 for ccol_atomics::dwcas"
        );
    } else {
        use crate::sync::atomic::AtomicU64 as AtomicWide;
    }
}

use crate::{dwcas::DoubleWord, sync::atomic::Ordering};

/// The value as one integer two words wide ([`DoubleWord::pack`]).
#[repr(transparent)]
pub(super) struct Inner {
    value: AtomicWide,
}

impl Inner {
    #[inline]
    pub(super) const fn new(value: DoubleWord) -> Self {
        Self {
            value: AtomicWide::new(value.pack()),
        }
    }

    #[inline]
    pub(super) fn into_inner(self) -> DoubleWord {
        DoubleWord::unpack(self.value.into_inner())
    }

    #[inline]
    pub(super) fn load(&self, order: Ordering) -> DoubleWord {
        // Ordering: the caller's; a plain forwarding wrapper.
        DoubleWord::unpack(self.value.load(order))
    }

    #[inline]
    pub(super) fn store(&self, value: DoubleWord, order: Ordering) {
        // Ordering: the caller's; a plain forwarding wrapper.
        self.value.store(value.pack(), order);
    }

    #[inline]
    pub(super) fn swap(&self, value: DoubleWord, order: Ordering) -> DoubleWord {
        // Ordering: the caller's; a plain forwarding wrapper.
        DoubleWord::unpack(self.value.swap(value.pack(), order))
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
            .compare_exchange(current.pack(), new.pack(), success, failure)
            .map(DoubleWord::unpack)
            .map_err(DoubleWord::unpack)
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
            .compare_exchange_weak(current.pack(), new.pack(), success, failure)
            .map(DoubleWord::unpack)
            .map_err(DoubleWord::unpack)
    }
}
