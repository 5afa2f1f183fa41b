//! The [`BackoffPolicy`] trait, the [`BackoffStep`] a wait reports, and the zero-sized
//! [`SpinHint`] policy.
//!
//! Structures that retry (CAS loops) or wait (for a slot, a flag, a helper) take a
//! `B: BackoffPolicy` so the caller picks the cost: [`Backoff`](crate::Backoff) (3 bytes,
//! truncated exponential, spin → yield → park advice) or [`SpinHint`] (zero-sized, one pause
//! hint per call, never advises parking). The trait is sealed, so methods can be added
//! without breaking anyone; the two policies cover spinning with and without growth.

use crate::sync;

mod sealed {
    /// Seals [`BackoffPolicy`](super::BackoffPolicy).
    pub trait Sealed {}
}

/// What a call to [`BackoffPolicy::snooze`] did, and whether to keep waiting this way.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BackoffStep {
    /// Spun on the pause hint; retry the condition.
    Spun,
    /// Yielded the time slice to the OS scheduler (std only); retry the condition.
    Yielded,
    /// The waiting budget is used up: block on a real primitive now (park, a condvar, an
    /// interrupt) if there is one. The call still waited once — it yielded under std, spun at
    /// the cap without — so a caller with nothing to block on may simply keep snoozing.
    ParkNow,
}

/// A backoff policy: how a thread waits between attempts.
///
/// Sealed; implemented by [`Backoff`](crate::Backoff) and [`SpinHint`].
pub trait BackoffPolicy: sealed::Sealed {
    /// Backs off after a failed compare-and-swap on a contended location: spins only, never
    /// yields or blocks (the other thread made progress, so retry soon).
    fn spin(&mut self);

    /// Waits for *another* thread to make progress (a flag to be set, a slot to be filled).
    /// Returns what it did; [`BackoffStep::ParkNow`] once the policy advises blocking.
    fn snooze(&mut self) -> BackoffStep;

    /// Whether the next [`snooze`](Self::snooze) returns [`BackoffStep::ParkNow`].
    fn is_completed(&self) -> bool;

    /// Starts over, after the awaited progress happened (or a CAS succeeded).
    fn reset(&mut self);
}

/// The zero-sized policy: every `spin` and `snooze` is exactly one pause hint
/// (`core::hint::spin_loop`; a yield under loom).
///
/// It never grows, never yields and never advises parking, so it suits waits that are known to
/// be short, or code without a scheduler. Wait-free: each call is one instruction.
///
/// ```
/// use ccol_backoff::{BackoffPolicy, BackoffStep, SpinHint};
///
/// assert_eq!(core::mem::size_of::<SpinHint>(), 0);
/// let mut policy = SpinHint;
/// assert_eq!(policy.snooze(), BackoffStep::Spun);
/// assert!(!policy.is_completed());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SpinHint;

impl sealed::Sealed for SpinHint {}

impl BackoffPolicy for SpinHint {
    #[inline]
    fn spin(&mut self) {
        sync::hint::spin_loop();
    }

    #[inline]
    fn snooze(&mut self) -> BackoffStep {
        sync::hint::spin_loop();
        BackoffStep::Spun
    }

    #[inline]
    fn is_completed(&self) -> bool {
        false
    }

    #[inline]
    fn reset(&mut self) {}
}

impl sealed::Sealed for crate::Backoff {}

impl BackoffPolicy for crate::Backoff {
    #[inline]
    fn spin(&mut self) {
        crate::Backoff::spin(self);
    }

    #[inline]
    fn snooze(&mut self) -> BackoffStep {
        crate::Backoff::snooze(self)
    }

    #[inline]
    fn is_completed(&self) -> bool {
        crate::Backoff::is_completed(self)
    }

    #[inline]
    fn reset(&mut self) {
        crate::Backoff::reset(self);
    }
}
