//! [`BoundedQueue`]: the SCQD queue in storage allocated once, capacity chosen at run time;
//! its [`Storage`] is also the segment of the unbounded queue.

use alloc::{boxed::Box, vec};
use core::{fmt, mem::MaybeUninit};

use crate::{
    PushError,
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
/// [`push`](Self::push) and [`pop`](Self::pop) are lock-free; no thread ever waits for
/// another's step (a dequeuer re-reads a slot a bounded number of times at most).
/// [`len`](Self::len), [`is_empty`](Self::is_empty), [`is_full`](Self::is_full) and
/// [`capacity`](Self::capacity) are wait-free; the first three are approximate while
/// operations are in flight.
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
    storage: Box<Storage<T>>,
    stats: Stats,
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
            storage: Box::new(Storage::new(capacity, false)),
            stats: Stats::new(),
        }
    }

    #[inline]
    fn core(&self) -> Scqd<'_, T, false> {
        self.storage.core(&self.stats)
    }

    /// Appends `value` at the back (lock-free).
    ///
    /// # Errors
    ///
    /// [`PushError::Full`] with `value` when the queue holds `capacity` values (see
    /// [capacity under concurrency](Self#capacity-under-concurrency)).
    #[inline]
    pub fn push(&self, value: T) -> Result<(), PushError<T>> {
        self.core().push(value).map_err(PushError::Full)
    }

    /// Removes the value at the front, or returns `None` if the queue is empty (lock-free).
    #[inline]
    pub fn pop(&self) -> Option<T> {
        self.core().pop()
    }

    /// The number of values in the queue: exact when no push or pop is in flight, otherwise
    /// approximate (wait-free).
    #[must_use]
    pub fn len(&self) -> usize {
        self.core().len()
    }

    /// Whether the queue looks empty ([`len`](Self::len) is 0; wait-free).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A snapshot of the queue's counters (feature `stats`; loom builds report zeros).
    #[cfg(feature = "stats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
    #[must_use]
    pub fn stats(&self) -> crate::QueueStats {
        let (queued, free) = self.storage.ring_stats();
        self.stats.snapshot(queued, free)
    }

    /// Whether the queue looks full (no free cell; wait-free).
    #[must_use]
    pub fn is_full(&self) -> bool {
        self.core().free.len() == 0
    }

    /// The capacity given to [`new`](Self::new).
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.storage.capacity()
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
        assert_eq!(core.push(2), Err(2), "the finalized ring refuses the push");
        assert_eq!(core.len(), 1);
        assert_eq!(core.pop(), Some(1));
        assert_eq!(core.len(), 0);
        assert_eq!(core.pop(), None);
    }
}
