//! Counters of the `stats` feature and their snapshot, [`StackStats`].
//!
//! Without the feature, [`Stats`] is empty and `stat!` expands to nothing, so the hot paths
//! carry no counter code at all. With it, every counter is a `Relaxed` increment of a shared
//! word: that costs cache-line traffic between threads, so measure throughput without it.

#[cfg(feature = "stats")]
use crate::sync::atomic::{AtomicU64, Ordering};

/// Increments one counter of a [`Stats`] (`stat!(stats_expr => field)`), or nothing without
/// the `stats` feature (and under loom, where counters would only grow the state space).
macro_rules! stat {
    ($stats:expr => $field:ident) => {
        #[cfg(all(feature = "stats", not(ccol_loom)))]
        {
            $stats.$field.increment();
        }
    };
}
pub(crate) use stat;

/// One `Relaxed` counter.
#[cfg(feature = "stats")]
#[derive(Debug, Default)]
pub(crate) struct Counter(AtomicU64);

#[cfg(feature = "stats")]
impl Counter {
    #[inline]
    #[cfg_attr(ccol_loom, allow(dead_code, reason = "counters are off under loom"))]
    pub(crate) fn increment(&self) {
        // Relaxed: a statistic; nothing is ordered by it.
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        // Relaxed: as above.
        self.0.load(Ordering::Relaxed)
    }
}

/// The counters of one stack (empty without the `stats` feature).
#[derive(Debug, Default)]
pub(crate) struct Stats {
    #[cfg(feature = "stats")]
    pub(crate) pushes: Counter,
    #[cfg(feature = "stats")]
    pub(crate) pops: Counter,
    #[cfg(feature = "stats")]
    pub(crate) empty_pops: Counter,
    #[cfg(feature = "stats")]
    pub(crate) push_cas_failures: Counter,
    #[cfg(feature = "stats")]
    pub(crate) pop_cas_failures: Counter,
    #[cfg(feature = "stats")]
    pub(crate) elimination_attempts: Counter,
    #[cfg(feature = "stats")]
    pub(crate) elimination_hits: Counter,
    #[cfg(feature = "stats")]
    pub(crate) elimination_timeouts: Counter,
    #[cfg(feature = "stats")]
    pub(crate) elimination_collisions: Counter,
}

#[cfg(feature = "stats")]
impl Stats {
    pub(crate) fn snapshot(&self, elimination_range: u32) -> StackStats {
        StackStats {
            pushes: self.pushes.get(),
            pops: self.pops.get(),
            empty_pops: self.empty_pops.get(),
            push_cas_failures: self.push_cas_failures.get(),
            pop_cas_failures: self.pop_cas_failures.get(),
            elimination_attempts: self.elimination_attempts.get(),
            elimination_hits: self.elimination_hits.get(),
            elimination_timeouts: self.elimination_timeouts.get(),
            elimination_collisions: self.elimination_collisions.get(),
            elimination_range,
        }
    }
}

/// A snapshot of a stack's counters (feature `stats`), from
/// [`LockFreeStack::stats`](crate::LockFreeStack::stats).
///
/// Counters are read one by one while other threads may keep counting, so they need not add
/// up exactly mid-run; they do once the stack is quiescent. An eliminated pair counts one
/// push, one pop and one hit (the hit is counted on both sides' attempts: each side that
/// visits the array counts an attempt, and the pusher and the popper each count their hit).
#[cfg(feature = "stats")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct StackStats {
    /// Completed pushes (through the top or eliminated).
    pub pushes: u64,
    /// Pops that returned a value (through the top or eliminated).
    pub pops: u64,
    /// Pops that found the stack empty.
    pub empty_pops: u64,
    /// Failed compare-and-swap attempts on the top by pushes.
    pub push_cas_failures: u64,
    /// Failed compare-and-swap attempts on the top by pops.
    pub pop_cas_failures: u64,
    /// Visits to the elimination array (pushes and pops).
    pub elimination_attempts: u64,
    /// Visits that exchanged a value (a pair counts two: one per side).
    pub elimination_hits: u64,
    /// Visits that found no partner within the spin budget.
    pub elimination_timeouts: u64,
    /// Visits that met a same-kind operation or lost a race for the slot.
    pub elimination_collisions: u64,
    /// The elimination range most recently chosen by a visiting thread (1 when elimination is
    /// off or unused).
    pub elimination_range: u32,
}

#[cfg(feature = "stats")]
impl StackStats {
    /// Hits per visit, in `0.0..=1.0` (0 when the array was never visited). HSY report
    /// elimination as working above about 0.3.
    #[must_use]
    pub fn hit_rate(&self) -> f64 {
        if self.elimination_attempts == 0 {
            0.0
        } else {
            // Counts stay far below 2^52, where the conversions are exact.
            #[allow(clippy::cast_precision_loss, reason = "exact below 2^52")]
            let rate = self.elimination_hits as f64 / self.elimination_attempts as f64;
            rate
        }
    }
}
