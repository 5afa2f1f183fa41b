//! Counters of the `stats` feature and their snapshot, [`QueueStats`].
//!
//! Without the feature, [`Stats`] and [`RingStats`] are empty and `stat!` expands to nothing,
//! so the hot paths carry no counter code at all. With it, every counter is a `Relaxed`
//! increment of a shared word (and the peak length a `fetch_max` after every push): that
//! costs cache-line traffic between threads, so measure throughput without it.
//!
//! Counters are `usize` so that [`StaticQueue`](crate::StaticQueue) keeps its `const`
//! constructor on targets without 64-bit atomics; on 32-bit targets they wrap after 2^32
//! events.

#[cfg(feature = "stats")]
use crate::sync::atomic::{AtomicUsize, Ordering};

/// Runs `$body` (a counter update) only with the `stats` feature, and never under loom,
/// where counters would only grow the state space.
macro_rules! stat {
    ($($body:tt)*) => {
        #[cfg(all(feature = "stats", not(ccol_loom)))]
        {
            $($body)*
        }
    };
}
pub(crate) use stat;

/// One `Relaxed` counter.
#[cfg(feature = "stats")]
#[derive(Debug)]
pub(crate) struct Counter(AtomicUsize);

#[cfg(feature = "stats")]
impl Counter {
    #[cfg(not(ccol_loom))]
    const fn new() -> Self {
        Self(AtomicUsize::new(0))
    }

    #[cfg(ccol_loom)]
    fn new() -> Self {
        Self(AtomicUsize::new(0))
    }

    #[inline]
    #[cfg_attr(ccol_loom, allow(dead_code, reason = "counters are off under loom"))]
    pub(crate) fn increment(&self) {
        // Relaxed: a statistic; nothing is ordered by it.
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    #[inline]
    #[cfg_attr(ccol_loom, allow(dead_code, reason = "counters are off under loom"))]
    pub(crate) fn raise_to(&self, value: usize) {
        // Relaxed: as above.
        self.0.fetch_max(value, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        // Relaxed: as above.
        self.0.load(Ordering::Relaxed) as u64
    }
}

/// Declares a counter struct with a `const` (non-loom) or plain (loom) `new`.
macro_rules! counters {
    ($(#[$meta:meta])* $name:ident { $($field:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug)]
        pub(crate) struct $name {
            $(
                #[cfg(feature = "stats")]
                pub(crate) $field: Counter,
            )*
        }

        #[cfg_attr(
            not(feature = "stats"),
            allow(dead_code, reason = "without the feature only the queue's empty struct is built")
        )]
        impl $name {
            #[cfg(not(ccol_loom))]
            pub(crate) const fn new() -> Self {
                Self { $( #[cfg(feature = "stats")] $field: Counter::new(), )* }
            }

            #[cfg(ccol_loom)]
            pub(crate) fn new() -> Self {
                Self { $( #[cfg(feature = "stats")] $field: Counter::new(), )* }
            }
        }
    };
}

#[cfg(feature = "stats")]
counters! {
    /// The counters of one index ring (only with the `stats` feature).
    RingStats { retries, threshold_exhaustions }
}

counters! {
    /// The counters of one queue (empty without the `stats` feature).
    #[cfg_attr(
        not(all(
        feature = "alloc",
        target_has_atomic = "64",
        target_pointer_width = "64",
        any(feature = "ibr", feature = "debra")
    )),
        allow(dead_code, reason = "the segment counters exist for the unbounded queue")
    )]
    Stats {
        pushes,
        pops,
        full_rejections,
        empty_pops,
        peak_len,
        ring_allocations,
        ring_finalizations,
    }
}

#[cfg(feature = "stats")]
impl Stats {
    /// The snapshot, with the ring counters of the queue's two rings.
    pub(crate) fn snapshot(&self, queued: &RingStats, free: &RingStats) -> QueueStats {
        QueueStats {
            pushes: self.pushes.get(),
            pops: self.pops.get(),
            full_rejections: self.full_rejections.get(),
            empty_pops: self.empty_pops.get(),
            threshold_exhaustions: queued.threshold_exhaustions.get(),
            retries: queued.retries.get() + free.retries.get(),
            peak_len: self.peak_len.get(),
            ring_allocations: 0,
            ring_finalizations: 0,
        }
    }

    /// The snapshot of an unbounded queue: its own counters, the segments' peak length and
    /// the ring counters of the segments still linked.
    #[cfg(all(
        feature = "alloc",
        target_has_atomic = "64",
        target_pointer_width = "64",
        any(feature = "ibr", feature = "debra")
    ))]
    pub(crate) fn snapshot_unbounded(&self, segments: &Self, rings: &RingTotals) -> QueueStats {
        QueueStats {
            pushes: self.pushes.get(),
            pops: self.pops.get(),
            full_rejections: 0,
            empty_pops: self.empty_pops.get(),
            threshold_exhaustions: rings.threshold_exhaustions,
            retries: rings.retries,
            peak_len: segments.peak_len.get(),
            ring_allocations: self.ring_allocations.get(),
            ring_finalizations: self.ring_finalizations.get(),
        }
    }
}

// The unbounded queue's ring totals, with its availability condition.
#[cfg(feature = "stats")]
cfg_if_reclaimed! {
    /// Ring counters summed over the segments of an unbounded queue.
    #[derive(Debug, Default)]
    pub(crate) struct RingTotals {
        threshold_exhaustions: u64,
        retries: u64,
    }

    impl RingTotals {
        /// Adds one segment's (queue ring, free ring) counters.
        pub(crate) fn add(&mut self, queued: &RingStats, free: &RingStats) {
            self.threshold_exhaustions += queued.threshold_exhaustions.get();
            self.retries += queued.retries.get() + free.retries.get();
        }
    }
}

/// A snapshot of one queue's counters (feature `stats`).
///
/// Each field is read separately with `Relaxed` loads, so under concurrency the fields may
/// come from slightly different moments.
#[cfg(feature = "stats")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct QueueStats {
    /// Successful pushes.
    pub pushes: u64,
    /// Successful pops.
    pub pops: u64,
    /// Pushes that found the queue full and handed the value back.
    pub full_rejections: u64,
    /// Pops that found the queue empty.
    pub empty_pops: u64,
    /// Empty pops that gave up because the queue ring's threshold ran out (the paper's
    /// bound on failed attempts after the last enqueue), rather than at the fast empty check
    /// or the catch-up test. For an unbounded queue, over the segments still linked.
    pub threshold_exhaustions: u64,
    /// Ring positions claimed in vain (an enqueuer's slot was taken or unsafe, a dequeuer's
    /// slot held nothing for it), both rings: the cost of contention. For an unbounded queue,
    /// summed over the segments still linked.
    pub retries: u64,
    /// The largest length a push has observed right after it took effect (for an unbounded
    /// queue: the largest length of one segment).
    pub peak_len: u64,
    /// Segments allocated after the first (unbounded queues; 0 for bounded ones).
    pub ring_allocations: u64,
    /// Segments finalized, closed to pushes because they were full (unbounded queues).
    pub ring_finalizations: u64,
}

#[cfg(all(test, feature = "stats", not(ccol_loom)))]
mod tests {
    use crate::{BoundedQueue, StaticQueue};

    #[test]
    fn counters_follow_the_operations() {
        let queue: StaticQueue<u32, 4> = StaticQueue::new();
        assert_eq!(queue.pop(), None);
        for i in 0..4 {
            queue.push(i).unwrap();
        }
        assert!(queue.push(4).is_err());
        assert_eq!(queue.pop(), Some(0));
        let stats = queue.stats();
        assert_eq!(
            (
                stats.pushes,
                stats.pops,
                stats.full_rejections,
                stats.empty_pops
            ),
            (4, 1, 1, 1)
        );
        assert_eq!(stats.peak_len, 4);
        // The full push claimed one free-ring position in vain (and caught `tail` up); the
        // first empty pop returned at the negative threshold without claiming any.
        assert_eq!(stats.retries, 1);
    }

    #[test]
    fn empty_pops_of_an_empty_queue_claim_no_position() {
        // Every pop finds `tail` not past `head` before claiming (the look before claiming),
        // so none claims a position in vain and the threshold is never spent: after a push
        // and its pop, as many empty pops as the threshold allows (and more) leave `retries`
        // at zero. (The claims that do run the threshold out are tested in `bounded`.)
        let threshold = u64::try_from(crate::ring::threshold(1)).unwrap();
        let queue = BoundedQueue::new(1);
        queue.push(7).unwrap();
        assert_eq!(queue.pop(), Some(7));
        for _ in 0..threshold + 10 {
            assert_eq!(queue.pop(), None);
        }
        let stats = queue.stats();
        assert_eq!(stats.empty_pops, threshold + 10);
        assert_eq!((stats.retries, stats.threshold_exhaustions), (0, 0));
        queue.push(8).unwrap();
        assert_eq!(queue.pop(), Some(8));
    }
}
