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
    pub(crate) free: Ring<'a, false>,
    pub(crate) data: &'a [Cell<T>],
    #[cfg_attr(
        not(feature = "stats"),
        allow(dead_code, reason = "counters exist only with the feature")
    )]
    pub(crate) stats: &'a Stats,
}

impl<T, const FINALIZABLE: bool> Scqd<'_, T, FINALIZABLE> {
    /// Pushes `value`, or hands it back when all `capacity` cells are taken or the queue
    /// ring was finalized. Lock-free; linearizes at the `queued` slot CAS (success) or at the
    /// point where `free` was empty (full) or at the FAA that saw the finalization.
    #[inline]
    pub(crate) fn push(&self, value: T) -> Result<(), T> {
        let Some(index) = self.free.dequeue() else {
            stat!(self.stats.full_rejections.increment());
            return Err(value);
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
            return Err(value);
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
        Some(value)
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
