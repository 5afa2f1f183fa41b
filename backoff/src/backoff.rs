//! [`Backoff`]: truncated exponential backoff (spin → yield → park advice) in three bytes.
//!
//! The scheme is the classic one for contended CAS loops (Anderson, *The Performance of Spin
//! Lock Alternatives for Shared-Memory Multiprocessors*, IEEE TPDS 1990; Herlihy & Shavit, *The
//! Art of Multiprocessor Programming*, §7.4): wait twice as long after each failure, up to a
//! cap, so that contending threads spread out instead of colliding again. The split into
//! `spin` (retry a CAS: never leave the CPU) and `snooze` (wait for someone else: yield once
//! spinning stops paying off) follows crossbeam-utils' `Backoff`; the explicit
//! [`BackoffStep::ParkNow`] result and the run-time limits are ours.

use core::fmt;

use crate::{BackoffStep, sync};

/// Truncated exponential backoff with run-time limits.
///
/// State is one step counter plus the two limits, three bytes, `Copy`; keep one per thread
/// and per wait (it is not meant to be shared).
///
/// - [`spin`](Self::spin) executes [`current_spins`](Self::current_spins) pause hints —
///   `1, 2, 4, …, 2^spin_limit`, then `2^spin_limit` forever — for CAS-failure retries.
/// - [`snooze`](Self::snooze) spins the same way while the step is at most `spin_limit`,
///   then yields the thread (`std::thread::yield_now`) until the step passes `yield_limit`,
///   and from then on returns [`BackoffStep::ParkNow`]. Without the `std` feature there is no
///   yield stage: snooze keeps spinning `2^spin_limit` hints and reports `ParkNow` at the same
///   step.
/// - [`reset`](Self::reset) starts over at one hint.
///
/// **Progress:** every call is wait-free: at most `2^spin_limit ≤ 2^31` pause hints or one
/// `yield_now`. Under loom (`--cfg ccol_loom`) each call executes a single hint, which loom
/// treats as a yield, to keep the model's state space small; `current_spins` still reports the
/// logical count.
///
/// ```
/// use ccol_backoff::Backoff;
///
/// let mut backoff = Backoff::with_limits(3, 5)?;
/// let mut counts = Vec::new();
/// for _ in 0..6 {
///     counts.push(backoff.current_spins());
///     backoff.spin();
/// }
/// assert_eq!(counts, [1, 2, 4, 8, 8, 8]);
/// backoff.reset();
/// assert_eq!(backoff.current_spins(), 1);
/// # Ok::<(), ccol_backoff::BackoffError>(())
/// ```
///
/// # Invariant
///
/// `spin_limit <= yield_limit <= MAX_LIMIT` and `step <= yield_limit + 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Backoff {
    /// Calls since the last reset, saturating at `yield_limit + 1` (the completed state);
    /// `spin` alone saturates it at `spin_limit + 1`.
    step: u8,
    /// Steps `0..=spin_limit` spin `2^step` hints; later steps spin `2^spin_limit`.
    spin_limit: u8,
    /// Steps `spin_limit + 1..=yield_limit` of `snooze` yield; past it, `ParkNow`.
    yield_limit: u8,
}

/// Largest accepted `spin_limit` and `yield_limit`: `2^31` hints still fit a `u32`.
const MAX_LIMIT: u32 = 31;

impl Backoff {
    /// Largest accepted limit (31): `2^31` pause hints, seconds to minutes of spinning (a
    /// `PAUSE` takes from about 10 to about 140 cycles on x86-64), far past useful.
    pub const MAX_LIMIT: u32 = MAX_LIMIT;

    /// Default spin limit: 6 (at most 64 hints per call).
    pub const DEFAULT_SPIN_LIMIT: u32 = 6;

    /// Default yield limit: 10 (four yields after seven spin steps, then `ParkNow`).
    pub const DEFAULT_YIELD_LIMIT: u32 = 10;

    /// Backoff with the default limits ([`DEFAULT_SPIN_LIMIT`](Self::DEFAULT_SPIN_LIMIT),
    /// [`DEFAULT_YIELD_LIMIT`](Self::DEFAULT_YIELD_LIMIT)).
    #[inline]
    #[must_use]
    pub const fn new() -> Self {
        Self {
            step: 0,
            spin_limit: Self::DEFAULT_SPIN_LIMIT as u8,
            yield_limit: Self::DEFAULT_YIELD_LIMIT as u8,
        }
    }

    /// Backoff with the given limits, checked.
    ///
    /// # Errors
    ///
    /// [`BackoffError`] unless `spin_limit <= yield_limit <= 31`
    /// ([`MAX_LIMIT`](Self::MAX_LIMIT)).
    #[inline]
    pub const fn with_limits(spin_limit: u32, yield_limit: u32) -> Result<Self, BackoffError> {
        if spin_limit > MAX_LIMIT {
            Err(BackoffError::SpinLimitTooLarge { spin_limit })
        } else if yield_limit > MAX_LIMIT {
            Err(BackoffError::YieldLimitTooLarge { yield_limit })
        } else if spin_limit > yield_limit {
            Err(BackoffError::SpinAboveYield {
                spin_limit,
                yield_limit,
            })
        } else {
            // Both limits are at most 31, so they fit a `u8`.
            Ok(Self {
                step: 0,
                spin_limit: spin_limit as u8,
                yield_limit: yield_limit as u8,
            })
        }
    }

    /// Backoff with the limits of a [`ccol_arch::config::Config`]
    /// (`backoff_spin_limit`, `backoff_yield_limit`, which that type keeps within the same
    /// bounds as [`with_limits`](Self::with_limits)); with `std`, `Config::global()` reads them
    /// from the `CCOL_BACKOFF_*` environment variables.
    #[must_use]
    pub const fn from_config(config: &ccol_arch::config::Config) -> Self {
        match Self::with_limits(config.backoff_spin_limit(), config.backoff_yield_limit()) {
            Ok(backoff) => backoff,
            // Unreachable while `Config` keeps its documented invariant; the defaults are the
            // safe answer if it ever changes.
            Err(_) => Self::new(),
        }
    }

    /// The spin limit: the largest step that still doubles the spin count.
    #[inline]
    #[must_use]
    pub const fn spin_limit(&self) -> u32 {
        self.spin_limit as u32
    }

    /// The yield limit: the last step before [`snooze`](Self::snooze) returns `ParkNow`.
    #[inline]
    #[must_use]
    pub const fn yield_limit(&self) -> u32 {
        self.yield_limit as u32
    }

    /// How many pause hints the next [`spin`](Self::spin) (or spinning
    /// [`snooze`](Self::snooze)) executes: `2^min(step, spin_limit)`.
    #[inline]
    #[must_use]
    pub const fn current_spins(&self) -> u32 {
        let exponent = if self.step < self.spin_limit {
            self.step
        } else {
            self.spin_limit
        };
        // `exponent <= spin_limit <= 31`: no overflow.
        1 << exponent
    }

    /// Whether waiting is over: the next [`snooze`](Self::snooze) returns
    /// [`BackoffStep::ParkNow`].
    #[inline]
    #[must_use]
    pub const fn is_completed(&self) -> bool {
        self.step > self.yield_limit
    }

    /// Starts over: the next call spins one hint.
    #[inline]
    pub fn reset(&mut self) {
        self.step = 0;
    }

    /// Backs off after a failed CAS: executes [`current_spins`](Self::current_spins) pause
    /// hints, then doubles the count for next time unless it is at the cap. Never yields.
    #[inline]
    pub fn spin(&mut self) {
        spin_hints(self.current_spins());
        if self.step <= self.spin_limit {
            self.step += 1;
        }
    }

    /// Waits for another thread: spins while the step is at most `spin_limit`, then yields
    /// (std) up to `yield_limit`, then returns [`BackoffStep::ParkNow`] on every call (still
    /// yielding, or spinning without std, once per call).
    #[inline]
    pub fn snooze(&mut self) -> BackoffStep {
        let result = if self.step <= self.spin_limit {
            spin_hints(self.current_spins());
            BackoffStep::Spun
        } else {
            let waited = wait_past_spinning(self.current_spins());
            if self.is_completed() {
                BackoffStep::ParkNow
            } else {
                waited
            }
        };
        if self.step <= self.yield_limit {
            self.step += 1;
        }
        result
    }
}

impl Default for Backoff {
    /// [`Backoff::new`].
    fn default() -> Self {
        Self::new()
    }
}

/// Executes `count` pause hints (one under loom, where each hint is a scheduler yield).
#[inline]
fn spin_hints(count: u32) {
    let count = if cfg!(ccol_loom) { 1 } else { count };
    for _ in 0..count {
        sync::hint::spin_loop();
    }
}

/// The wait past the spin stage: a yield under std; without std, spinning at the cap.
#[inline]
fn wait_past_spinning(cap: u32) -> BackoffStep {
    #[cfg(feature = "std")]
    {
        let _ = cap;
        sync::thread::yield_now();
        BackoffStep::Yielded
    }
    #[cfg(not(feature = "std"))]
    {
        spin_hints(cap);
        BackoffStep::Spun
    }
}

/// The error of [`Backoff::with_limits`]: limits outside `spin_limit <= yield_limit <= 31`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BackoffError {
    /// `spin_limit` exceeds [`Backoff::MAX_LIMIT`].
    SpinLimitTooLarge {
        /// The rejected value.
        spin_limit: u32,
    },
    /// `yield_limit` exceeds [`Backoff::MAX_LIMIT`].
    YieldLimitTooLarge {
        /// The rejected value.
        yield_limit: u32,
    },
    /// `spin_limit` exceeds `yield_limit`.
    SpinAboveYield {
        /// The rejected spin limit.
        spin_limit: u32,
        /// The yield limit it exceeds.
        yield_limit: u32,
    },
}

impl fmt::Display for BackoffError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::SpinLimitTooLarge { spin_limit } => {
                write!(f, "backoff spin limit {spin_limit} exceeds {MAX_LIMIT}")
            }
            Self::YieldLimitTooLarge { yield_limit } => {
                write!(f, "backoff yield limit {yield_limit} exceeds {MAX_LIMIT}")
            }
            Self::SpinAboveYield {
                spin_limit,
                yield_limit,
            } => write!(
                f,
                "backoff spin limit {spin_limit} exceeds the yield limit {yield_limit}"
            ),
        }
    }
}

impl core::error::Error for BackoffError {}

#[cfg(test)]
mod tests {
    use super::Backoff;

    /// The largest limits: the step and the spin count reach their extremes without
    /// overflow. Set through the private field, since spinning 2^31 hints takes seconds.
    #[test]
    fn largest_limits_do_not_overflow() {
        let mut backoff = Backoff::with_limits(31, 31).unwrap();
        backoff.step = 31;
        assert_eq!(backoff.current_spins(), 1 << 31);
        backoff.step = 32;
        assert_eq!(
            backoff.current_spins(),
            1 << 31,
            "capped past the spin limit"
        );
        assert!(backoff.is_completed());
    }

    #[test]
    fn step_saturates_at_the_completed_state() {
        let mut backoff = Backoff::with_limits(0, 2).unwrap();
        for _ in 0..10 {
            let _ = backoff.snooze();
            assert!(backoff.step <= backoff.yield_limit + 1);
        }
        assert_eq!(backoff.step, 3);
        let mut spinner = Backoff::with_limits(2, 5).unwrap();
        for _ in 0..10 {
            spinner.spin();
        }
        assert_eq!(
            spinner.step, 3,
            "spin stops counting one past the spin limit"
        );
    }
}
