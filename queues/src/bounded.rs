//! [`BoundedQueue`]: the SCQD queue in storage allocated once, capacity chosen at run time;
//! its [`Storage`] is also the segment of the unbounded queue.

use alloc::{boxed::Box, vec};
use core::{fmt, mem::MaybeUninit};

#[cfg(feature = "std")]
use ccol_arch::CachePadded;
#[cfg(feature = "std")]
use core::time::Duration;

#[cfg(feature = "std")]
use crate::event::Signals;
use crate::{
    PopError, PushError,
    ring::{EMPTY_SLOT, Ring, RingHeader, full_slot_value, remap},
    scqd::{Cell, Scqd, initial_data_index},
    stats::Stats,
    sync::{atomic::AtomicUsize, cell::UnsafeCell},
};

/// A bounded lock-free multi-producer multi-consumer FIFO queue (Nikolaev's SCQ, DISC 2019),
/// with no memory reclamation: the bounded form of [`LockFreeQueue`](crate::LockFreeQueue),
/// usable on its own where no reclamation scheme is wanted.
///
/// It is two SCQ index rings plus a data array
/// (SCQD), allocated once at construction and never again — `capacity` cells of `T` plus
/// `4 * capacity.next_power_of_two()` words of ring slots and six cache lines of counters.
/// Pushes and pops only move indices between the rings with fetch-and-add and single-word
/// compare-and-swap, so the queue works wherever word-sized atomics do (no double-width CAS),
/// needs no memory reclamation, and its footprint is fixed.
///
/// # Progress
///
/// [`push`](Self::push), [`pop`](Self::pop), [`try_pop`](Self::try_pop) and
/// [`close`](Self::close) are lock-free; no thread ever waits for another's step (a dequeuer
/// re-reads a slot a bounded number of times at most). [`len`](Self::len),
/// [`is_empty`](Self::is_empty), [`is_full`](Self::is_full), [`is_closed`](Self::is_closed)
/// and [`capacity`](Self::capacity) are wait-free; the first three are approximate while
/// operations are in flight.
///
/// Under `std` the blocking forms ([`push_blocking`](Self::push_blocking),
/// [`pop_blocking`](Self::pop_blocking) and their timeout variants) park the thread; they
/// are not lock-free. While a thread is parked, a push or pop that may let it through (and
/// `close`) takes a short lock to wake it — the one way the non-blocking forms can wait on
/// another thread, and only when blocking forms are in use. Otherwise the non-blocking forms
/// pay one load of a counter for them.
///
/// # Closing
///
/// [`close`](Self::close) ends the queue for pushers: every later push fails with
/// [`PushError::Closed`], pops drain what is left, and [`try_pop`](Self::try_pop) then
/// reports [`PopError::Closed`]. A push in flight at the close either lands — and is drained
/// — or fails: the drain claims its position first, so `Closed` never strands a value.
///
/// # Linearizability
///
/// Every push and pop takes effect atomically at a single step: a successful push at the CAS
/// that stores its index in the queue ring, a successful pop at the atomic OR that consumes
/// it, a failed pop at a moment when the queue was empty. Values come out in the order their
/// pushes took effect. A failed push is the one relaxation: it happens when every cell is
/// held — by a queued value, or by a push or pop still in flight (see [capacity under
/// concurrency](Self#capacity-under-concurrency)) — which can be with fewer than `capacity`
/// values in the queue.
///
/// # Capacity under concurrency
///
/// A value counts against the capacity from the moment its push takes a free cell until its
/// pop has moved it out and returned the cell, so a push can report full while a pop that
/// already returned is still giving its cell back; at no moment are more than `capacity`
/// values in the queue.
///
/// There is no `force_push` (push, displacing the oldest value when full): in SCQD the
/// displacing pop and the push are two steps on two rings, so a concurrent push can take the
/// cell the pop freed; the call would then have to displace again — taking several values
/// it cannot all hand back — or wait, and neither is a lock-free, atomic operation.
///
/// # Example
///
/// ```
/// use std::{sync::Arc, thread};
///
/// use ccol_queues::{BoundedQueue, PushError};
///
/// let queue = Arc::new(BoundedQueue::new(100));
/// let producer = {
///     let queue = Arc::clone(&queue);
///     thread::spawn(move || {
///         for i in 0..100 {
///             queue.push(i).unwrap();
///         }
///     })
/// };
/// producer.join().unwrap();
/// assert_eq!(queue.push(100), Err(PushError::Full(100)));
/// assert_eq!((0..100).map(|_| queue.pop().unwrap()).sum::<i32>(), 4950);
/// assert_eq!(queue.pop(), None);
/// ```
pub struct BoundedQueue<T> {
    inner: Box<Inner<T>>,
    stats: Stats,
}

/// What a bounded queue allocates once: its storage and, under `std`, its event counts.
struct Inner<T> {
    storage: Storage<T>,
    /// Where the blocking forms park (a line of its own: the non-blocking forms read it on
    /// every push and pop, and it is written only when a thread blocks).
    #[cfg(feature = "std")]
    signals: CachePadded<Signals>,
}

/// The rings' counters and slots and the data cells of one bounded queue (or of one segment
/// of an unbounded queue). Dropping it drops the values still in it.
pub(crate) struct Storage<T> {
    queued_header: RingHeader,
    free_header: RingHeader,
    queued: Box<[AtomicUsize]>,
    free: Box<[AtomicUsize]>,
    data: Box<[Cell<T>]>,
    /// A segment of an unbounded queue (its queue ring is viewed as finalizable).
    finalizable: bool,
}

impl<T> Storage<T> {
    /// Empty storage for `capacity` values (`1..=MAX_CAPACITY`, checked by the callers);
    /// `finalizable` for a segment of an unbounded queue.
    pub(crate) fn new(capacity: usize, finalizable: bool) -> Self {
        let half = capacity.next_power_of_two();
        let slots = 2 * half;
        let mut free = vec![EMPTY_SLOT; slots];
        for position in 0..capacity {
            free[remap(position, slots)] =
                full_slot_value(initial_data_index::<T>(position, capacity), slots);
        }
        let atomics = |words: vec::Vec<usize>| words.into_iter().map(AtomicUsize::new).collect();
        Self {
            queued_header: RingHeader::empty(half),
            free_header: RingHeader::filled(capacity, half),
            queued: atomics(vec![EMPTY_SLOT; slots]),
            free: atomics(free),
            data: (0..capacity)
                .map(|_| UnsafeCell::new(MaybeUninit::uninit()))
                .collect(),
            finalizable,
        }
    }

    /// The capacity.
    pub(crate) fn capacity(&self) -> usize {
        self.data.len()
    }

    /// The queue over this storage, counting into `stats`.
    #[inline]
    pub(crate) fn core<'a, const FINALIZABLE: bool>(
        &'a self,
        stats: &'a Stats,
    ) -> Scqd<'a, T, FINALIZABLE> {
        debug_assert_eq!(self.finalizable, FINALIZABLE);
        Scqd {
            queued: Ring {
                header: &self.queued_header,
                slots: &self.queued,
            },
            free: Ring {
                header: &self.free_header,
                slots: &self.free,
            },
            data: &self.data,
            stats,
        }
    }

    /// The ring counters of the `stats` feature: (queue ring, free ring).
    #[cfg(feature = "stats")]
    pub(crate) fn ring_stats(&self) -> (&crate::stats::RingStats, &crate::stats::RingStats) {
        (&self.queued_header.stats, &self.free_header.stats)
    }
}

impl<T> Drop for Storage<T> {
    fn drop(&mut self) {
        // A segment's `tail` may carry the finalization bit, which only the finalizable view
        // masks; a bounded queue's `tail` uses the whole word (`ring` module docs).
        let stats = Stats::new();
        if self.finalizable {
            self.core::<true>(&stats).drop_remaining();
        } else {
            self.core::<false>(&stats).drop_remaining();
        }
    }
}

// SAFETY: as for `StaticQueue`: values move between threads through the queue (`T: Send`),
// no reference to a value is ever shared, and cell accesses are ordered by ring hand-overs.
unsafe impl<T: Send> Sync for BoundedQueue<T> {}
// SAFETY: sending the queue sends the values it owns.
unsafe impl<T: Send> Send for BoundedQueue<T> {}

impl<T> BoundedQueue<T> {
    /// The largest capacity [`new`](Self::new) accepts.
    pub const MAX_CAPACITY: usize = 1 << (usize::BITS - 4);

    /// A queue holding at most `capacity` values (exactly that many; the rings are sized to
    /// the next power of two internally).
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 or above [`MAX_CAPACITY`](Self::MAX_CAPACITY).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        assert!(
            capacity > 0 && capacity <= Self::MAX_CAPACITY,
            "capacity must be in 1..=MAX_CAPACITY, got {capacity}"
        );
        Self {
            inner: Box::new(Inner {
                storage: Storage::new(capacity, false),
                #[cfg(feature = "std")]
                signals: CachePadded::new(Signals::new()),
            }),
            stats: Stats::new(),
        }
    }

    /// Spends the queue ring's threshold, as concurrent dequeuers racing enqueuers in flight
    /// can (loom models only, which need that state before their threads start; not API).
    #[cfg(ccol_loom)]
    #[doc(hidden)]
    pub fn spend_threshold_for_models(&self) {
        self.core().queued.exhaust_threshold();
    }

    #[inline]
    fn core(&self) -> Scqd<'_, T, false> {
        self.inner.storage.core(&self.stats)
    }

    /// The event counts of the blocking forms.
    #[cfg(feature = "std")]
    #[inline(always)]
    fn signals(&self) -> Option<&Signals> {
        Some(&self.inner.signals)
    }

    crate::scqd::bounded_queue_methods!();

    /// A snapshot of the queue's counters (feature `stats`; loom builds report zeros).
    #[cfg(feature = "stats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
    #[must_use]
    pub fn stats(&self) -> crate::QueueStats {
        let (queued, free) = self.inner.storage.ring_stats();
        self.stats.snapshot(queued, free)
    }

    /// The capacity given to [`new`](Self::new).
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.inner.storage.capacity()
    }
}

/// The blocking forms (feature `std`). They are not lock-free: they park the calling thread
/// (`std::thread::park`) until a pop, push or [`close`](Self::close) may let it through —
/// through an event count the non-blocking forms touch only as one load of a counter, unless
/// a thread is parked, when the push or pop that may let it through takes a short lock to
/// wake it. No sleep-polling: a parked thread runs again only when woken or at its deadline.
#[cfg(feature = "std")]
impl<T> BoundedQueue<T> {
    /// Appends `value`, parking while the queue is full.
    ///
    /// # Errors
    ///
    /// [`PushError::Closed`] with `value` if the queue is (or gets) closed first.
    pub fn push_blocking(&self, value: T) -> Result<(), PushError<T>> {
        crate::event::push_until(&self.inner.signals.not_full, None, value, |v| self.push(v))
    }

    /// Appends `value`, parking at most `timeout` while the queue is full.
    ///
    /// # Errors
    ///
    /// [`PushError::Full`] with `value` if the queue was still full when the time ran out;
    /// [`PushError::Closed`] with `value` if it is (or gets) closed first.
    pub fn push_timeout(&self, value: T, timeout: Duration) -> Result<(), PushError<T>> {
        let deadline = crate::event::deadline_after(timeout);
        crate::event::push_until(&self.inner.signals.not_full, deadline, value, |v| {
            self.push(v)
        })
    }

    /// Removes the value at the front, parking while the queue is empty.
    ///
    /// # Errors
    ///
    /// [`PopError::Closed`] once the queue is closed and drained (never `Empty`).
    pub fn pop_blocking(&self) -> Result<T, PopError> {
        crate::event::pop_until(&self.inner.signals.not_empty, None, || self.try_pop())
    }

    /// Removes the value at the front, parking at most `timeout` while the queue is empty.
    ///
    /// # Errors
    ///
    /// [`PopError::Empty`] if the queue was still empty when the time ran out;
    /// [`PopError::Closed`] once it is closed and drained.
    pub fn pop_timeout(&self, timeout: Duration) -> Result<T, PopError> {
        let deadline = crate::event::deadline_after(timeout);
        crate::event::pop_until(&self.inner.signals.not_empty, deadline, || self.try_pop())
    }
}

crate::queue::forward_queue! {
    impl [T] for BoundedQueue<T> { capacity: |queue| Some(queue.capacity()) }
}

impl<T> fmt::Debug for BoundedQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedQueue")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(ccol_loom)))]
mod tests {
    use super::*;

    /// A push that lost the race with the finalization (it took a cell, then its FAA on the
    /// queue ring's `tail` saw the bit) leaves `tail` one past the last value; `len` must still
    /// be exact once nothing is in flight.
    #[test]
    fn len_is_exact_after_a_push_bounced_off_a_finalized_ring() {
        let storage = Storage::<u32>::new(2, true);
        let stats = Stats::new();
        let core = storage.core::<true>(&stats);
        assert_eq!(core.push(1), Ok(()));
        assert!(core.queued.finalize());
        assert_eq!(
            core.push(2),
            Err(PushError::Closed(2)),
            "the finalized ring refuses the push"
        );
        assert_eq!(core.len(), 1);
        assert_eq!(core.pop(), Some(1));
        assert_eq!(core.len(), 0);
        assert_eq!(core.pop(), None);
    }

    /// A push stopped after claiming its position, before writing its slot, while the queue
    /// is closed: a `pop` after the close must settle it (claim the position, so the push is
    /// refused) rather than report the queue drained and let the value land afterwards.
    #[test]
    fn a_pop_after_close_settles_a_push_in_flight() {
        let queue = BoundedQueue::<u32>::new(2);
        let core = queue.core();
        let index = core.free.dequeue_claiming().expect("a free cell");
        core.data[index].with_mut(|cell| {
            // The cell's index came from the free ring: this test owns the cell.
            // SAFETY: as just said.
            unsafe { (*cell).write(5) };
        });
        let position = core.queued.claim_position();
        assert!(!core.queued.is_finalized(), "the push checks: still open");
        assert!(queue.close());
        assert_eq!(queue.pop(), None, "closed, and the push in flight settled");
        assert!(
            !core.queued.enqueue_at(index, position),
            "the late push is refused, not stranded behind a `None`"
        );
        // What `Scqd::push` does when refused: take the value back, return the cell.
        let value = core.data[index].with(|cell| {
            // SAFETY: the cell still belongs to this test, which wrote it above.
            unsafe { (*cell).assume_init_read() }
        });
        assert!(core.free.enqueue(index));
        assert_eq!(value, 5);
        assert_eq!(queue.try_pop(), Err(PopError::Closed));
        assert_eq!(queue.len(), 0);
    }

    /// A value behind a spent threshold (late decrements of concurrent dequeuers after the
    /// push's reset) is invisible to `pop` until the next push; once the queue is closed no
    /// push comes, so `try_pop` must scan past the threshold and drain it before reporting
    /// `Closed`.
    #[test]
    fn a_closed_queue_drains_values_behind_a_spent_threshold() {
        fn scenario<const FINALIZABLE: bool>() {
            let storage = Storage::<u32>::new(4, FINALIZABLE);
            let stats = Stats::new();
            let core = storage.core::<FINALIZABLE>(&stats);
            core.push(7).unwrap();
            core.push(8).unwrap();
            core.queued.exhaust_threshold();
            assert_eq!(core.pop(), None, "hidden behind the threshold");
            assert_eq!(core.try_pop(), Err(PopError::Empty), "open: empty for now");
            assert!(core.queued.finalize());
            let popped = [core.try_pop(), core.try_pop(), core.try_pop()];
            assert_eq!(popped, [Ok(7), Ok(8), Err(PopError::Closed)]);
            assert_eq!(core.push(9), Err(PushError::Closed(9)));
        }
        scenario::<false>();
        scenario::<true>();
    }

    /// Positions claimed by pushes that have not written them yet (stopped after their FAA)
    /// make a pop claim on, one position after another, until the threshold runs out (the
    /// paper's bound on failed attempts); the pops after it return at the threshold check
    /// without claiming, and a push restores the threshold and its value is found past the
    /// abandoned positions.
    #[cfg(feature = "stats")]
    #[test]
    fn pops_stop_claiming_positions_once_the_threshold_runs_out() {
        // Capacity 1: half 1, two slots, threshold t = 2 + 128 - 1 after a push.
        let threshold = u64::try_from(crate::ring::threshold(1)).unwrap();
        assert_eq!(
            threshold,
            u64::try_from(2 + crate::ring::CONCURRENT_DEQUEUERS - 1).unwrap()
        );
        let queue = BoundedQueue::<u32>::new(1);
        queue.push(7).unwrap();
        assert_eq!(queue.pop(), Some(7), "the threshold is full again");
        let core = queue.core();
        for _ in 0..threshold + 5 {
            core.queued.claim_position();
        }
        assert_eq!(queue.pop(), None);
        let stats = queue.stats();
        assert_eq!(stats.threshold_exhaustions, 1);
        assert_eq!(
            stats.retries,
            threshold + 1,
            "one claim per unit of threshold"
        );
        for _ in 0..5 {
            assert_eq!(queue.pop(), None);
        }
        assert_eq!(queue.stats().retries, threshold + 1, "no more claims");
        queue.push(8).unwrap();
        assert_eq!(queue.pop(), Some(8), "a push restores the threshold");
    }
}
