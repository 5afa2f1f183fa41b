//! Counters behind the `stats` feature, and the [`stat!`] macro that compiles them out.
//!
//! Per-participant counters live in the participant's slot and are written only by its owner
//! (a Relaxed load and store, no read-modify-write); domain-wide ones are touched only on
//! rare events (an epoch advance, a scan) or, for allocations, once per node. Every counter is
//! Relaxed: they are statistics, not synchronization, and a [`Stats`] snapshot is not atomic.

/// Runs its statements only with the `stats` feature; without it they are not compiled.
macro_rules! stat {
    ($($body:tt)*) => {
        #[cfg(feature = "stats")]
        {
            $($body)*
        }
    };
}
pub(crate) use stat;

#[cfg(feature = "stats")]
pub(crate) use imp::{DomainStats, SlotStats};

/// A snapshot of a domain's counters (`stats` feature).
///
/// Counts since the domain was created; `pending` and `participants` are current values.
/// The snapshot is assembled from Relaxed loads of independent counters while other threads
/// run, so its fields may disagree by a few in-flight operations.
#[cfg(feature = "stats")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Nodes allocated through the domain (`Owned::new`).
    pub allocated: u64,
    /// Objects and closures retired.
    pub retired: u64,
    /// Retired objects and closures freed.
    pub reclaimed: u64,
    /// `retired - reclaimed`: garbage waiting for reclamation now.
    pub pending: u64,
    /// The largest `pending` seen, sampled at every scan (IBR) or epoch change (DEBRA) —
    /// the moments just before garbage is freed, when it is at its highest.
    pub peak_pending: u64,
    /// The domain's current epoch.
    pub epoch: u64,
    /// Successful epoch advances.
    pub epoch_advances: u64,
    /// Reclamation passes: IBR scans of the reservations, DEBRA limbo-bag rotations.
    pub scans: u64,
    /// Garbage entries adopted from released participants.
    pub adopted: u64,
    /// IBR: sticky reservations revoked, each of a participant outside any guard that kept
    /// garbage back (the `ibr` module docs, "Revocation"; a scan that revokes runs one heavy
    /// fence whatever the number).
    pub revocations: u64,
    /// Participants registered right now (explicit handles and thread-local ones).
    pub participants: usize,
    /// Slots in the registry (claimed or free).
    pub registry_slots: usize,
}

#[cfg(feature = "stats")]
mod imp {
    use crate::sync::atomic::{AtomicU64, Ordering};

    /// Counters of one participant, written by its owner only.
    #[derive(Default)]
    pub(crate) struct SlotStats {
        pub(crate) retired: AtomicU64,
        pub(crate) reclaimed: AtomicU64,
        pub(crate) scans: AtomicU64,
        pub(crate) adopted: AtomicU64,
    }

    /// Adds `n` to an owner-written counter: a load and a store, no locked instruction.
    #[inline]
    pub(crate) fn bump(counter: &AtomicU64, n: u64) {
        // Relaxed: statistics; only the owner writes, readers tolerate staleness.
        counter.store(
            counter.load(Ordering::Relaxed).wrapping_add(n),
            Ordering::Relaxed,
        );
    }

    /// Samples the domain's pending garbage (retired minus reclaimed, over every slot) into
    /// the peak. Called just before a scan or rotation frees, when pending is highest.
    pub(crate) fn record_peak(core: &crate::domain::Core) {
        // Sums, not per-slot differences: adopted garbage is retired in one slot and
        // reclaimed in another.
        let (mut retired, mut reclaimed) = (0u64, 0u64);
        for slot in core.registry.slots() {
            // Relaxed: statistics.
            retired += slot.stats.retired.load(Ordering::Relaxed);
            // Relaxed: statistics.
            reclaimed += slot.stats.reclaimed.load(Ordering::Relaxed);
        }
        let pending = retired.saturating_sub(reclaimed);
        // Relaxed: statistics.
        core.stats
            .peak_pending
            .fetch_max(pending, Ordering::Relaxed);
    }

    /// Domain-wide counters.
    #[derive(Default)]
    pub(crate) struct DomainStats {
        pub(crate) allocated: AtomicU64,
        pub(crate) epoch_advances: AtomicU64,
        pub(crate) peak_pending: AtomicU64,
        pub(crate) revocations: AtomicU64,
    }
}

#[cfg(feature = "stats")]
pub(crate) use imp::{bump, record_peak};
