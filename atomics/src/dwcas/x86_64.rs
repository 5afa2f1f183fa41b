//! x86-64: `lock cmpxchg16b` on a 16-byte aligned `u128`.
//!
//! `CMPXCHG16B` compares `RDX:RAX` with the 16 bytes at its operand and, if equal, stores
//! `RCX:RBX`; either way `RDX:RAX` ends up holding the value that was in memory. With the
//! `lock` prefix it is one atomic read-modify-write and a full barrier (Intel SDM vol. 2A,
//! "CMPXCHG8B/CMPXCHG16B"; vol. 3A §9.2.3), so it satisfies every Rust ordering.
//!
//! Three ways to emit it, chosen at compile time:
//!
//! 1. `target_feature = "cmpxchg16b"`: `core::arch::x86_64::cmpxchg16b`, which the compiler
//!    inlines and Miri understands. Preferred.
//! 2. Otherwise, outside Miri: inline asm, executed only on instances whose creation checked
//!    `ccol_arch::has_cmpxchg16b()` (the `AtomicDoubleWord` invariant). The intrinsic cannot
//!    serve here: called from code compiled without the feature, rustc 1.95 lowers the generic
//!    128-bit compare-exchange inside it to a `__atomic_compare_exchange_16` libcall, which
//!    fails to link (and libatomic's version would take a lock on CPUs without the
//!    instruction). `RBX` is reserved by LLVM, so the asm swaps the low word of `new` into it
//!    and restores it afterwards.
//! 3. Under Miri without the feature: core's generic atomic compare-exchange on `u128`
//!    (nightly-only, enabled in `lib.rs` only for this cfg), a model of the instruction with
//!    the caller's orderings. Miri always runs on nightly, so stable builds never compile it.
//!
//! Every access to the value after construction is one of these compare-exchanges: `load` is
//! a compare-exchange of a guess with itself, `store` and `swap` are CAS loops. So all racing
//! accesses are 16-byte atomics of the same kind, as Rust's model requires.

use core::panic::RefUnwindSafe;

use crate::{
    dwcas::DoubleWord,
    sync::{atomic::Ordering, cell::UnsafeCell},
};

/// The value as a `u128`: `lo` in the low 64 bits (the lower address), `hi` in the high ones.
///
/// Invariant: after construction the contents are accessed only by [`cmpxchg16b`] (shared) or
/// through ownership (`into_inner`).
#[repr(C, align(16))]
pub(super) struct Inner {
    value: UnsafeCell<u128>,
}

// SAFETY: shared access to `value` is only through `cmpxchg16b`, an atomic read-modify-write of
// all 16 bytes (type invariant), so concurrent use from several threads is race-free.
unsafe impl Sync for Inner {}

// Shared access is atomic, so a panic cannot leave a torn value behind (as for core's atomics).
impl RefUnwindSafe for Inner {}

impl Inner {
    #[inline]
    pub(super) const fn new(value: DoubleWord) -> Self {
        Self {
            value: UnsafeCell::new(value.pack()),
        }
    }

    #[inline]
    pub(super) fn into_inner(self) -> DoubleWord {
        DoubleWord::unpack(self.value.into_inner())
    }

    #[inline]
    pub(super) fn load(&self, order: Ordering) -> DoubleWord {
        // Ordering: the caller's (never Release/AcqRel, checked by the caller) on both paths: a
        // successful compare-exchange writes back the value it read, a failed one only reads.
        DoubleWord::unpack(self.cas(0, 0, order, order))
    }

    #[inline]
    pub(super) fn compare_exchange(
        &self,
        current: DoubleWord,
        new: DoubleWord,
        success: Ordering,
        failure: Ordering,
    ) -> Result<DoubleWord, DoubleWord> {
        let expected = current.pack();
        // Ordering: the caller's.
        let previous = self.cas(expected, new.pack(), success, failure);
        if previous == expected {
            Ok(current)
        } else {
            Err(DoubleWord::unpack(previous))
        }
    }

    /// `CMPXCHG16B` never fails spuriously, so the weak form is the strong one.
    #[inline]
    pub(super) fn compare_exchange_weak(
        &self,
        current: DoubleWord,
        new: DoubleWord,
        success: Ordering,
        failure: Ordering,
    ) -> Result<DoubleWord, DoubleWord> {
        self.compare_exchange(current, new, success, failure)
    }

    #[inline]
    pub(super) fn swap(&self, value: DoubleWord, order: Ordering) -> DoubleWord {
        let new = value.pack();
        // A guess: a wrong one costs one failed CAS, which returns the current value; reading
        // it first would cost the same locked instruction.
        let mut expected = 0;
        loop {
            // Ordering: `order` on success (the caller's). Relaxed on failure: the value read
            // only seeds the next attempt.
            let previous = self.cas(expected, new, order, Ordering::Relaxed);
            if previous == expected {
                return DoubleWord::unpack(previous);
            }
            expected = previous;
        }
    }

    #[inline]
    pub(super) fn store(&self, value: DoubleWord, order: Ordering) {
        // Ordering: the caller's (never Acquire/AcqRel, checked by the caller).
        self.swap(value, order);
    }

    /// One `CMPXCHG16B`: returns the value that was in memory; stored `new` iff it equals `old`.
    #[inline]
    fn cas(&self, old: u128, new: u128, success: Ordering, failure: Ordering) -> u128 {
        let dst = self.value.with_mut(|ptr| ptr);
        // `dst` points into `self`, so it is valid for reads and writes while `&self` lives,
        // and 16-byte aligned (`repr(align(16))` on `Inner`, `value` at offset 0). All shared
        // accesses are this atomic instruction (type invariant), so nothing races with it
        // non-atomically. The CPU has `CMPXCHG16B`: `Inner` is only created by
        // `AtomicDoubleWord::new` (compile-time feature) or `try_new` (after the run-time check),
        // the `AtomicDoubleWord` invariant. `failure` is never Release/AcqRel (callers check).
        // SAFETY: the function's requirements are exactly the facts just listed.
        unsafe { cmpxchg16b(dst, old, new, success, failure) }
    }
}

/// Compile-time `cmpxchg16b`: the core intrinsic, inlined.
///
/// # Safety
///
/// `dst` is valid for reads and writes, 16-byte aligned, and accessed only atomically;
/// `failure` is not `Release` or `AcqRel`.
#[cfg(target_feature = "cmpxchg16b")]
#[inline(always)]
unsafe fn cmpxchg16b(
    dst: *mut u128,
    old: u128,
    new: u128,
    success: Ordering,
    failure: Ordering,
) -> u128 {
    // SAFETY: the caller upholds the pointer and ordering requirements (this function's
    // contract); the instruction exists because the target feature is enabled at compile time.
    unsafe { core::arch::x86_64::cmpxchg16b(dst, old, new, success, failure) }
}

/// Miri model of `cmpxchg16b` without the compile-time feature (module docs, item 3).
///
/// # Safety
///
/// As the other versions of this function.
#[cfg(all(not(target_feature = "cmpxchg16b"), miri))]
#[inline]
unsafe fn cmpxchg16b(
    dst: *mut u128,
    old: u128,
    new: u128,
    success: Ordering,
    failure: Ordering,
) -> u128 {
    // SAFETY: `dst` is valid, aligned and only accessed atomically (the caller's contract).
    let result =
        unsafe { core::sync::atomic::atomic_compare_exchange(dst, old, new, success, failure) };
    match result {
        Ok(previous) | Err(previous) => previous,
    }
}

/// Run-time-dispatched `lock cmpxchg16b` in inline asm (module docs, item 2).
///
/// The asm block has no `nomem`/`readonly` option, so the compiler treats it as reading and
/// writing any memory: no access is moved across it, which gives every ordering its compiler
/// half; `lock cmpxchg16b` is a full barrier for the hardware half. So the orderings are
/// ignored.
///
/// # Safety
///
/// `dst` is valid for reads and writes, 16-byte aligned, and accessed only atomically, and the
/// executing CPU has `CMPXCHG16B`.
#[cfg(all(not(target_feature = "cmpxchg16b"), not(miri)))]
#[inline]
unsafe fn cmpxchg16b(
    dst: *mut u128,
    old: u128,
    new: u128,
    _success: Ordering,
    _failure: Ordering,
) -> u128 {
    let previous_lo: u64;
    let previous_hi: u64;
    // The asm restores RBX (reserved by LLVM) before it ends, touches only the declared
    // registers and flags, and uses no stack. `dst` sits in an explicit register: as a `reg`
    // operand LLVM may allocate it to RBX itself (it did, in release builds), and the `xchg`
    // would then overwrite the address before `cmpxchg16b` uses it.
    // SAFETY: the caller guarantees a valid, aligned, atomically accessed `dst` and a CPU with
    // the instruction; the asm keeps the register contract described above.
    unsafe {
        core::arch::asm!(
            "xchg {rbx_tmp}, rbx",
            "lock cmpxchg16b xmmword ptr [rdi]",
            "mov rbx, {rbx_tmp}",
            in("rdi") dst,
            // Truncation intended: the low and high words of the 128-bit values. RBX is fine
            // for this operand: the `xchg` is then a no-op and RBX already holds the low word.
            rbx_tmp = inout(reg) new as u64 => _,
            inout("rax") old as u64 => previous_lo,
            inout("rdx") (old >> 64) as u64 => previous_hi,
            in("rcx") (new >> 64) as u64,
            options(nostack),
        );
    }
    u128::from(previous_lo) | (u128::from(previous_hi) << 64)
}
