//! 32-bit pointers with native 64-bit atomics: the sync facade's `AtomicU64`.
//!
//! Two 32-bit words fit one `u64`, and the target's 64-bit atomics are native (x86
//! `cmpxchg8b`, Armv7-A `ldrexd`/`strexd`, RV32 has none so it is excluded by the cfg), so
//! every operation is the facade's, with its progress guarantee. With the `portable-atomic`
//! feature the facade re-exports `AtomicU64` only where `target_has_atomic = "64"`, so this
//! module never sits on a lock either.

use crate::{
    dwcas::DoubleWord,
    sync::atomic::{AtomicU64, Ordering},
};

/// The value as a `u64`: `lo` in the low 32 bits, `hi` in the high ones.
#[repr(transparent)]
pub(super) struct Inner {
    value: AtomicU64,
}

#[inline]
const fn pack(value: DoubleWord) -> u64 {
    (value.lo as u64) | ((value.hi as u64) << 32)
}

#[inline]
const fn unpack(value: u64) -> DoubleWord {
    // Truncation intended: each half is one 32-bit word.
    DoubleWord {
        lo: value as u32 as usize,
        hi: (value >> 32) as u32 as usize,
    }
}

impl Inner {
    #[inline]
    pub(super) const fn new(value: DoubleWord) -> Self {
        Self {
            value: AtomicU64::new(pack(value)),
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
