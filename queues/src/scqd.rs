//! SCQD: a bounded queue of values on two SCQ index rings and a data array (Nikolaev, DISC
//! 2019, Section 5; reference code `rusnikola/lfqueue`, `benchmark/scqd`).
//!
//! `free` starts holding every data index, `queued` starts empty. A push takes an index from
//! `free`, writes the value into that data cell and enqueues the index on `queued`; a pop
//! dequeues an index from `queued`, moves the value out and gives the index back to `free`.
//! Each ring holds at most `capacity <= half` indices, the ring contract (`ring` module docs,
//! invariant 3). "Full" is `free` being empty; "empty" is `queued` being empty.
//!
//! Ownership of a data cell follows its index: whoever holds the index (taken from a ring and
//! not yet given to the other) owns the cell. Index hand-overs are ring operations, whose
//! Release (slot CAS or OR) and Acquire (slot load) order the cell's write before its read and
//! its read before the next write.
//!
//! Both [`StaticQueue`](crate::StaticQueue) and the heap-allocated bounded
//! [`LockFreeQueue`](crate::LockFreeQueue) are views of this core over their own storage.

use core::mem::MaybeUninit;

use crate::{
    PopError, PushError,
    ring::{Ring, rotate_low_bits},
    stats::{Stats, stat},
    sync::cell::UnsafeCell,
};

/// A data cell: initialized exactly while its index is in `queued` or held by a push that
/// wrote it / a pop that has not yet read it.
pub(crate) type Cell<T> = UnsafeCell<MaybeUninit<T>>;

/// A borrowed view of one bounded queue's storage; `FINALIZABLE` for the rings of an
/// unbounded queue, whose queue ring can be closed to pushes.
pub(crate) struct Scqd<'a, T, const FINALIZABLE: bool> {
    pub(crate) queued: Ring<'a, FINALIZABLE>,
    pub(crate) free: Ring<'a, false, false>,
    pub(crate) data: &'a [Cell<T>],
    #[cfg_attr(
        not(feature = "stats"),
        allow(dead_code, reason = "counters exist only with the feature")
    )]
    pub(crate) stats: &'a Stats,
}

impl<T, const FINALIZABLE: bool> Scqd<'_, T, FINALIZABLE> {
    /// Pushes `value`, or hands it back: `Full` when all `capacity` cells are taken (and
    /// the queue ring is open), `Closed` when the queue ring was finalized. Lock-free;
    /// linearizes at the `queued` slot CAS (success), at the point where `free` was empty
    /// (full), or at the FAA that saw the finalization.
    #[inline]
    pub(crate) fn push(&self, value: T) -> Result<(), PushError<T>> {
        let Some(index) = self.free.dequeue_claiming() else {
            if self.queued.is_finalized() {
                return Err(PushError::Closed(value));
            }
            stat!(self.stats.full_rejections.increment());
            return Err(PushError::Full(value));
        };
        self.data[index].with_mut(|cell| {
            // `index` came from `free`, so this call owns the cell (module docs):
            // no other thread reads or writes it until `queued.enqueue` publishes it. The cell
            // holds no value (its last pop moved it out), so nothing is overwritten.
            // SAFETY: as just said.
            unsafe { (*cell).write(value) };
        });
        if !self.queued.enqueue(index) {
            // Finalized (unbounded queues only): take the value back, return the cell.
            let value = self.data[index].with(|cell| {
                // SAFETY: this call still owns the cell (the index never reached `queued`)
                // and wrote the value just above.
                unsafe { (*cell).assume_init_read() }
            });
            let returned = self.free.enqueue(index);
            debug_assert!(returned, "the free ring is never finalized");
            return Err(PushError::Closed(value));
        }
        stat!(
            self.stats.pushes.increment();
            self.stats.peak_len.raise_to(self.len());
        );
        Ok(())
    }

    /// Pops the oldest value, or `None` when the queue is empty. Lock-free; linearizes at the
    /// `queued` slot OR (success) or where `queued` was empty.
    #[inline]
    pub(crate) fn pop(&self) -> Option<T> {
        #[allow(
            clippy::question_mark,
            reason = "the empty path counts an empty pop with the `stats` feature"
        )]
        let Some(index) = self.queued.dequeue() else {
            stat!(self.stats.empty_pops.increment());
            return None;
        };
        Some(self.take(index))
    }

    /// Like [`pop`](Self::pop), but tells an empty queue from a finalized and drained one.
    /// Lock-free. On a finalized queue ring it claims positions past an exhausted threshold
    /// until it finds a value or the ring is drained ([`Ring::dequeue_finalized`]), so a push
    /// still in flight from before the finalization either lands where this pop finds it or
    /// fails with `Closed`: `Closed` is never reported while a pushed value is unclaimed.
    #[inline]
    pub(crate) fn try_pop(&self) -> Result<T, PopError> {
        match self.pop() {
            Some(value) => Ok(value),
            None => self.try_pop_empty(),
        }
    }

    /// [`try_pop`](Self::try_pop) after `pop` found the queue ring empty (or its threshold
    /// spent).
    #[cold]
    #[inline(never)]
    fn try_pop_empty(&self) -> Result<T, PopError> {
        if !self.queued.is_finalized() {
            return Err(PopError::Empty);
        }
        match self.queued.dequeue_finalized() {
            Some(index) => Ok(self.take(index)),
            None => Err(PopError::Closed),
        }
    }

    /// Moves the value out of the cell of `index` (just dequeued from `queued`) and gives the
    /// index back to `free`.
    #[inline]
    fn take(&self, index: usize) -> T {
        let value = self.data[index].with(|cell| {
            // `index` came from `queued`, so this call owns the cell and the push that
            // enqueued it wrote a value first (its Release CAS on the `queued` slot pairs with
            // `dequeue`'s Acquire load). The value is moved out exactly once: the index goes
            // back to `free` only after this read.
            // SAFETY: as just said.
            unsafe { (*cell).assume_init_read() }
        });
        let returned = self.free.enqueue(index);
        debug_assert!(returned, "the free ring is never finalized");
        stat!(self.stats.pops.increment());
        value
    }

    /// Values in the queue, approximately (wait-free; exact when nothing is in flight).
    ///
    /// Two bounds, the smaller wins: the indices in `queued`, and the cells not in `free`.
    /// The first alone overcounts a finalized queue ring for good: a push whose FAA saw the
    /// finalization moved `tail` without enqueuing anything (and took its cell back).
    pub(crate) fn len(&self) -> usize {
        let taken = self.data.len().saturating_sub(self.free.len());
        self.queued.len().min(taken)
    }

    /// Drops every value still queued. Only for `Drop` (exclusive access). If a value's
    /// destructor panics, the rest are still dropped while the panic unwinds (a second panic
    /// aborts, as in `Vec`).
    pub(crate) fn drop_remaining(&self) {
        // A finalized ring may hold indices behind an exhausted threshold.
        self.queued.reset_threshold();
        /// Finishes the drain if dropping one value unwinds.
        struct Resume<'s, 'a, T, const F: bool>(&'s Scqd<'a, T, F>);
        impl<T, const F: bool> Drop for Resume<'_, '_, T, F> {
            fn drop(&mut self) {
                self.0.drop_remaining();
            }
        }
        while let Some(value) = self.pop() {
            let resume = Resume(self);
            drop(value);
            core::mem::forget(resume);
        }
    }
}

/// The data index the free ring hands out at its `i`-th position initially, for `capacity`
/// cells of `T`: when the capacity is a power of two, consecutive pushes get cells 128 bytes
/// apart (fewer false-sharing conflicts between a pusher and a popper working on neighbours),
/// otherwise the identity.
pub(crate) const fn initial_data_index<T>(i: usize, capacity: usize) -> usize {
    let size = core::mem::size_of::<T>();
    if !capacity.is_power_of_two() || size == 0 || size >= 128 {
        return i;
    }
    rotate_low_bits(i, capacity, (128 / size).trailing_zeros())
}

/// The non-blocking methods shared by [`StaticQueue`](crate::StaticQueue) and
/// [`BoundedQueue`](crate::BoundedQueue), expanded inside their `impl` blocks. The type
/// provides `core(&self) -> Scqd<'_, T, false>` and, under `std`,
/// `signals(&self) -> Option<&Signals>` (the event counts its blocking forms park on, if it
/// has any).
macro_rules! bounded_queue_methods {
    () => {
        /// Appends `value` at the back (lock-free).
        ///
        /// # Errors
        ///
        /// [`PushError::Full`] with `value` when the queue holds its capacity of values (see
        /// [capacity under concurrency](Self#capacity-under-concurrency));
        /// [`PushError::Closed`] with `value` once the queue was [closed](Self::close).
        #[inline]
        pub fn push(&self, value: T) -> Result<(), PushError<T>> {
            let pushed = self.core().push(value);
            #[cfg(feature = "std")]
            if pushed.is_ok() {
                if let Some(signals) = self.signals() {
                    signals.not_empty.notify_one();
                }
            }
            pushed
        }

        /// Removes the value at the front, or returns `None` if the queue is empty
        /// (lock-free). On a closed queue `None` means drained (it settles pushes still in
        /// flight first, as [`try_pop`] does, which also tells the two cases apart).
        ///
        /// [`try_pop`]: Self::try_pop
        #[inline]
        pub fn pop(&self) -> Option<T> {
            self.try_pop().ok()
        }

        /// Removes the value at the front (lock-free).
        ///
        /// # Errors
        ///
        /// [`PopError::Empty`] if the queue is empty and open; [`PopError::Closed`] if it
        /// was closed and every value pushed before has been taken. On a closed queue this
        /// claims the positions of pushes still in flight, which then fail with
        /// [`PushError::Closed`]: `Closed` never leaves a pushed value behind.
        #[inline]
        pub fn try_pop(&self) -> Result<T, PopError> {
            let popped = self.core().try_pop();
            #[cfg(feature = "std")]
            if popped.is_ok() {
                if let Some(signals) = self.signals() {
                    signals.not_full.notify_one();
                }
            }
            popped
        }

        /// Closes the queue: every later push fails with [`PushError::Closed`], pops drain
        /// what is left and then report [`PopError::Closed`] (from [`try_pop`]), and every
        /// thread parked in a blocking form wakes. Returns whether this call closed it (a
        /// queue is closed once, for good). Lock-free; with blocking forms it takes their
        /// locks briefly to wake the waiters.
        ///
        /// [`try_pop`]: Self::try_pop
        pub fn close(&self) -> bool {
            let first = self.core().queued.finalize();
            #[cfg(feature = "std")]
            if let Some(signals) = self.signals() {
                signals.notify_closed();
            }
            first
        }

        /// Whether the queue was [closed](Self::close) (wait-free).
        #[must_use]
        pub fn is_closed(&self) -> bool {
            self.core().queued.is_finalized()
        }

        /// The number of values in the queue: exact when no push or pop is in flight,
        /// otherwise a value between the counts before and after the operations in flight
        /// (wait-free).
        #[must_use]
        pub fn len(&self) -> usize {
            self.core().len()
        }

        /// Whether the queue looks empty ([`len`](Self::len) is 0; wait-free).
        #[must_use]
        pub fn is_empty(&self) -> bool {
            self.len() == 0
        }

        /// Whether the queue looks full (no free cell; wait-free).
        #[must_use]
        pub fn is_full(&self) -> bool {
            self.core().free.len() == 0
        }
    };
}
pub(crate) use bounded_queue_methods;
