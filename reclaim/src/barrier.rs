//! Asymmetric fences: a [`light`] fence on the hot path that costs nothing at run time, paired
//! with a [`heavy`] fence, run rarely, that makes every other thread of the process execute a
//! full barrier before it returns. Together they order like two `SeqCst` fences.
//!
//! IBR's sticky reservations (`ibr.rs`) rest on them: a participant re-entering a guard under
//! the reservation it left published announces itself with a plain store and checks that the
//! reservation was not revoked, with only a [`light`] fence between the store and the load; a
//! scanner that revokes an idle participant's reservation marks it, runs [`heavy`], and then
//! reads the announcement. Either the participant's check sees the mark, or the scanner sees
//! the announcement (the store-buffering pattern, with the heavy side paying for both).
//!
//! Backends:
//!
//! - **Linux with `std`** (not Miri, not loom): the `membarrier` system call,
//!   `MEMBARRIER_CMD_PRIVATE_EXPEDITED`, after a one-time
//!   `MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED` (Linux 4.14). The kernel interrupts every CPU
//!   running a thread of this process and has it execute a full memory barrier; a thread that
//!   is not running passes through the scheduler, which is a full barrier too (membarrier(2),
//!   and `kernel/sched/membarrier.c`). [`light`] is a compiler fence: it keeps the compiler
//!   from moving the announcement past the check; the CPU may still reorder them, which is what
//!   the interrupt-time barrier settles. The same pairing is seize's `fast-barrier` feature and
//!   folly's `asymmetricLightBarrier`/`asymmetricHeavyBarrier`.
//! - **Miri and loom** (`cfg(miri)`, `cfg(ccol_loom)`): both sides are `fence(SeqCst)`, which
//!   orders at least as strongly, so the tools check everything else of the protocol
//!   (the marks, the re-check, the Release/Acquire pairs) on the real code.
//! - **Everything else** (no `std`, other systems, or a kernel that refuses the registration):
//!   [`available`] is false and IBR keeps clearing its reservation at every outermost unpin.
//!
//! Cost, measured on the 2-vCPU host the family's benchmarks run on: 0.1 µs for a heavy fence
//! with no other thread of the process running, 13 µs with one running on the other CPU (the
//! interrupt round trip of a virtual machine). Hence the scanner runs it only when idle
//! reservations hold garbage back (`ibr.rs`, "Revocation").

#[cfg(any(miri, ccol_loom))]
mod imp {
    use crate::sync::atomic::{Ordering, fence};

    /// Sticky reservations are on (both fences are real fences here).
    #[inline(always)]
    pub(crate) fn available() -> bool {
        true
    }

    /// `fence(SeqCst)` (see the module docs).
    #[inline(always)]
    pub(crate) fn light() {
        // SeqCst fence: stands for the light half of the asymmetric pair; pairs with `heavy`.
        fence(Ordering::SeqCst);
    }

    /// `fence(SeqCst)` (see the module docs).
    #[inline]
    pub(crate) fn heavy() {
        // SeqCst fence: stands for the heavy half of the asymmetric pair; pairs with `light`.
        fence(Ordering::SeqCst);
    }
}

#[cfg(all(feature = "std", target_os = "linux", not(miri), not(ccol_loom)))]
mod imp {
    use crate::sync::atomic::{AtomicU8, Ordering, compiler_fence};

    /// membarrier(2) commands (`include/uapi/linux/membarrier.h`).
    const MEMBARRIER_CMD_PRIVATE_EXPEDITED: libc::c_int = 1 << 3;
    const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: libc::c_int = 1 << 4;

    const UNKNOWN: u8 = 0;
    const READY: u8 = 1;
    const UNAVAILABLE: u8 = 2;

    /// Whether this process registered for private expedited membarrier.
    static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);

    /// One membarrier(2) call.
    fn membarrier(command: libc::c_int) -> bool {
        // SAFETY: membarrier takes two integer arguments and a CPU id (unused without the
        // CPU flag), touches no memory of ours, and reports failure through its return value.
        unsafe { libc::syscall(libc::SYS_membarrier, command, 0 as libc::c_uint, 0 as libc::c_int) == 0 }
    }

    /// Whether the heavy fence works in this process; the first call registers (a few racing
    /// first calls all register, which the kernel accepts).
    #[inline]
    pub(crate) fn available() -> bool {
        // Relaxed: the state is a cache of what the kernel answers; a thread that reads a
        // stale UNKNOWN registers again, and READY is written only after the kernel accepted
        // the registration of this process, which holds for every thread.
        match STATE.load(Ordering::Relaxed) {
            READY => true,
            UNAVAILABLE => false,
            _ => register(),
        }
    }

    #[cold]
    fn register() -> bool {
        let ready = membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED)
            && membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED);
        // Relaxed: as in `available`.
        STATE.store(if ready { READY } else { UNAVAILABLE }, Ordering::Relaxed);
        ready
    }

    /// A compiler fence (see the module docs).
    #[inline(always)]
    pub(crate) fn light() {
        compiler_fence(Ordering::SeqCst);
    }

    /// membarrier(2), private expedited. Called only after [`available`] returned true, so
    /// the registration is done; should the call fail anyway, a real fence would not make the
    /// pairing sound, so the process aborts rather than free memory a reader may hold.
    #[inline]
    pub(crate) fn heavy() {
        if !membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) {
            std::process::abort();
        }
    }
}

#[cfg(not(any(miri, ccol_loom, all(feature = "std", target_os = "linux"))))]
mod imp {
    /// No heavy fence here: reservations are cleared at every outermost unpin.
    #[inline(always)]
    pub(crate) fn available() -> bool {
        false
    }

    /// Never called when [`available`] is false.
    #[inline(always)]
    pub(crate) fn light() {
        unreachable!("sticky reservations are off without a heavy fence");
    }

    /// Never called when [`available`] is false.
    #[inline(always)]
    pub(crate) fn heavy() {
        unreachable!("sticky reservations are off without a heavy fence");
    }
}

pub(crate) use imp::{available, heavy, light};
