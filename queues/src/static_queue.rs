//! [`StaticQueue`]: the bounded SCQD queue in fixed storage, no allocator.

use core::{fmt, mem::MaybeUninit};

use crate::{
    PopError, PushError,
    ring::{EMPTY_SLOT, Ring, RingHeader, full_slot_value, remap},
    scqd::{Cell, Scqd, initial_data_index},
    stats::Stats,
    sync::{atomic::AtomicUsize, cell::UnsafeCell},
};

/// A bounded multi-producer multi-consumer FIFO queue of at most `N` values in fixed storage:
/// no allocator, `const`-constructible (it can be a `static`), usable between threads and
/// between a main loop and an interrupt handler.
///
/// `N` must be a power of two (a compile-time error otherwise). The algorithm is Nikolaev's
/// SCQ (DISC 2019) in its SCQD form: two index rings of `2N` words each and `N` data cells,
/// so the queue occupies `N * size_of::<T>() + 4 * N * size_of::<usize>()` bytes plus six cache
/// lines of counters — nothing more, whatever the traffic (no allocation, no reclamation).
///
/// # Progress
///
/// [`push`](Self::push) and [`pop`](Self::pop) are lock-free: each is a few fetch-and-adds and
/// compare-and-swaps on the rings, and no thread ever waits for another thread's step (a
/// dequeuer re-reads a slot a bounded number of times at most). That also makes them safe to
/// call from an interrupt handler that preempts a push or pop of the main loop. So are
/// [`try_pop`](Self::try_pop) and [`close`](Self::close) (later pushes fail with
/// [`PushError::Closed`]; pops drain what is left, then `try_pop` reports
/// [`PopError::Closed`]; a push in flight at the close lands or fails, never strands). [`len`],
/// [`is_empty`] and [`is_full`] are wait-free and approximate under concurrency. There are no
/// blocking forms: parking needs `std` ([`BoundedQueue`](crate::BoundedQueue) has them).
///
/// # Capacity under concurrency
///
/// A value counts against the capacity from the moment its push takes a free cell until its
/// pop has moved it out and returned the cell, so a push can report full while a pop that
/// already returned is still giving its cell back; at any moment at most `N` values are in
/// the queue.
///
/// # Example
///
/// ```
/// use ccol_queues::{PushError, StaticQueue};
///
/// static EVENTS: StaticQueue<u32, 4> = StaticQueue::new();
///
/// for event in 1..=4 {
///     EVENTS.push(event).unwrap();
/// }
/// assert_eq!(EVENTS.push(5), Err(PushError::Full(5)));
/// assert_eq!(EVENTS.pop(), Some(1));
/// assert_eq!(EVENTS.len(), 3);
/// ```
///
/// [`len`]: Self::len
/// [`is_empty`]: Self::is_empty
/// [`is_full`]: Self::is_full
pub struct StaticQueue<T, const N: usize> {
    queued_header: RingHeader,
    free_header: RingHeader,
    /// `2N` slots, as two arrays of `N` (stable Rust has no `[_; 2 * N]`).
    queued: [[AtomicUsize; N]; 2],
    free: [[AtomicUsize; N]; 2],
    data: [Cell<T>; N],
    stats: Stats,
}

// SAFETY: values move between threads through the queue (push on one, pop on another), so
// `T: Send` is required and sufficient; the queue never hands out references to values, so
// no `Sync` bound on `T` is needed. Every shared cell access is ordered by ring hand-overs
// (`scqd` module docs).
unsafe impl<T: Send, const N: usize> Sync for StaticQueue<T, N> {}
// SAFETY: sending the queue sends the values it owns, hence `T: Send`.
unsafe impl<T: Send, const N: usize> Send for StaticQueue<T, N> {}

impl<T, const N: usize> StaticQueue<T, N> {
    const VALID: () = assert!(
        N.is_power_of_two() && N <= usize::MAX / 8,
        "StaticQueue: N must be a power of two"
    );

    /// An empty queue (a `const fn`, so it can initialize a `static`).
    #[cfg(not(ccol_loom))]
    #[must_use]
    pub const fn new() -> Self {
        let () = Self::VALID;
        let mut free = [const { [const { AtomicUsize::new(EMPTY_SLOT) }; N] }; 2];
        let mut position = 0;
        while position < N {
            let slot = remap(position, 2 * N);
            let word = full_slot_value(initial_data_index::<T>(position, N), 2 * N);
            free[slot / N][slot % N] = AtomicUsize::new(word);
            position += 1;
        }
        Self {
            queued_header: RingHeader::empty(N),
            free_header: RingHeader::filled(N, N),
            queued: [const { [const { AtomicUsize::new(EMPTY_SLOT) }; N] }; 2],
            free,
            data: [const { UnsafeCell::new(MaybeUninit::uninit()) }; N],
            stats: Stats::new(),
        }
    }

    /// An empty queue (loom's atomics have no `const` constructors).
    #[cfg(ccol_loom)]
    #[must_use]
    pub fn new() -> Self {
        let () = Self::VALID;
        let free_word = |slot: usize| {
            (0..N)
                .find(|&position| remap(position, 2 * N) == slot)
                .map_or(EMPTY_SLOT, |position| {
                    full_slot_value(initial_data_index::<T>(position, N), 2 * N)
                })
        };
        Self {
            queued_header: RingHeader::empty(N),
            free_header: RingHeader::filled(N, N),
            queued: core::array::from_fn(|_| {
                core::array::from_fn(|_| AtomicUsize::new(EMPTY_SLOT))
            }),
            free: core::array::from_fn(|half| {
                core::array::from_fn(|i| AtomicUsize::new(free_word(half * N + i)))
            }),
            data: core::array::from_fn(|_| UnsafeCell::new(MaybeUninit::uninit())),
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
        Scqd {
            queued: Ring {
                header: &self.queued_header,
                slots: self.queued.as_flattened(),
            },
            free: Ring {
                header: &self.free_header,
                slots: self.free.as_flattened(),
            },
            data: &self.data,
            stats: &self.stats,
        }
    }

    /// No blocking forms: nothing to notify.
    #[cfg(feature = "std")]
    #[allow(
        clippy::unused_self,
        reason = "the shared method set asks every bounded queue for its signals"
    )]
    #[inline(always)]
    fn signals(&self) -> Option<&crate::event::Signals> {
        None
    }

    crate::scqd::bounded_queue_methods!();

    /// A snapshot of the queue's counters (feature `stats`; loom builds report zeros).
    #[cfg(feature = "stats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
    #[must_use]
    pub fn stats(&self) -> crate::QueueStats {
        self.stats
            .snapshot(&self.queued_header.stats, &self.free_header.stats)
    }

    /// The capacity, `N`.
    #[must_use]
    pub const fn capacity(&self) -> usize {
        N
    }
}

crate::queue::forward_queue! {
    impl [T, const N: usize] for StaticQueue<T, N> { capacity: |queue| Some(queue.capacity()) }
}

impl<T, const N: usize> Default for StaticQueue<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> Drop for StaticQueue<T, N> {
    fn drop(&mut self) {
        self.core().drop_remaining();
    }
}

impl<T, const N: usize> fmt::Debug for StaticQueue<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticQueue")
            .field("len", &self.len())
            .field("capacity", &N)
            .field("closed", &self.is_closed())
            .finish_non_exhaustive()
    }
}
