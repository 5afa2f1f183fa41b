//! LSCQ: the unbounded queue as a Michael–Scott list of SCQD segments (Nikolaev, DISC 2019,
//! Section 5.3 and Figure 10; ALGORITHMS.md §1.5).
//!
//! - Push: to the `tail` segment (helping `tail` along when its `next` is set). When the
//!   segment is full — or already finalized — the pusher finalizes its queue ring
//!   ([`Ring::finalize`](crate::ring)), allocates a new segment pre-loaded with the value and
//!   CASes it into `next`; the CAS winner's value is in, a loser takes its value back out of
//!   its unpublished segment and retries.
//! - Pop: from the `head` segment. When it is empty and `next` is set, the segment is closed
//!   (finalized by whoever set `next`), but an index may still sit behind an exhausted
//!   threshold: the popper **resets the threshold and tries once more**, and only then moves
//!   `head` to `next` — after helping `tail` past the segment, so that a segment is never
//!   retired while `tail` still points to it — and the winner of that CAS retires it.
//! - Nothing is lost at the hand-over: a push whose FAA came before the finalization either
//!   completes at a position some popper owns (that popper returns it, from the retired
//!   segment it still protects), or finds its slot invalidated by the final scan and retries
//!   in a later segment. A dropped segment drops whatever values are left in it.
//!
//! Segments are reclaimed through the scheme `R` of the queue's own domain: a thread may
//! still be inside a segment after `head` has left it.

use ccol_arch::CachePadded;
use ccol_reclaim::{Atomic, Domain, Guard, Owned, Reclaim, Shared};

use crate::{
    PopError,
    bounded::Storage,
    stats::{Stats, stat},
    sync::atomic::Ordering,
};

/// A protected pointer to a segment.
type SegmentPtr<'g, T, R> = Shared<'g, Segment<T, R>, R>;

/// The tag of the last segment's null `next` link once the queue is closed.
const CLOSED: usize = 1;

/// One segment: a bounded SCQD queue whose queue ring can be finalized, and the link to the
/// next segment.
pub(crate) struct Segment<T, R: Reclaim> {
    next: Atomic<Segment<T, R>, R>,
    storage: Storage<T>,
}

impl<T, R: Reclaim> Segment<T, R> {
    /// A segment for `capacity` values holding `first` (not yet shared).
    fn with_first(first: T, capacity: usize, stats: &Stats) -> Self {
        let segment = Self {
            next: Atomic::null(),
            storage: Storage::new(capacity, true),
        };
        let pushed = segment.storage.core::<true>(stats).push(first);
        debug_assert!(pushed.is_ok(), "a fresh segment has room and is open");
        if pushed.is_err() {
            unreachable!("a fresh segment has room and is open");
        }
        segment
    }
}

/// The unbounded queue's list of segments.
pub(crate) struct Lscq<T, R: Reclaim> {
    head: CachePadded<Atomic<Segment<T, R>, R>>,
    tail: CachePadded<Atomic<Segment<T, R>, R>>,
    segment_capacity: usize,
    /// Counters of the segments' own pushes and pops (segment-level "full" and "empty"
    /// events are internal, so they are kept apart from `stats`).
    pub(crate) segment_stats: Stats,
    #[cfg_attr(
        not(feature = "stats"),
        allow(dead_code, reason = "counters exist only with the feature")
    )]
    pub(crate) stats: Stats,
}

impl<T, R: Reclaim> Lscq<T, R> {
    /// An empty queue whose segments hold `segment_capacity` values, allocating the first
    /// segment in `domain`.
    ///
    /// # Panics
    ///
    /// If `domain` has a participant limit and it is reached (a short-lived registration
    /// copies the first segment's link into `tail`).
    pub(crate) fn new(segment_capacity: usize, domain: &Domain<R>) -> Self {
        let first = Segment {
            next: Atomic::null(),
            storage: Storage::new(segment_capacity, true),
        };
        let handle = domain
            .register()
            .expect("registering with the queue's own domain");
        let guard = handle.pin();
        let first = Owned::new(first, domain).into_shared(&guard);
        let head = Atomic::null();
        let tail = Atomic::null();
        // Relaxed: the queue is not shared yet; publishing it to other threads (moving it
        // into an `Arc`, spawning) orders these stores.
        head.store(first, Ordering::Relaxed);
        tail.store(first, Ordering::Relaxed);
        Self {
            head: CachePadded::new(head),
            tail: CachePadded::new(tail),
            segment_capacity,
            segment_stats: Stats::new(),
            stats: Stats::new(),
        }
    }

    /// The capacity of each segment.
    pub(crate) fn segment_capacity(&self) -> usize {
        self.segment_capacity
    }

    /// The segment `tail` points to once its `next` link is null (possibly marked
    /// [`CLOSED`]), helping `tail` along past linked segments (Michael–Scott).
    fn last_segment<'g>(
        &self,
        guard: &'g Guard<'_, R>,
    ) -> (SegmentPtr<'g, T, R>, &'g Segment<T, R>) {
        loop {
            let tail = self.tail.load(guard);
            // SAFETY: `tail` is never null (it starts at the first segment and only moves to
            // non-null `next` links) and the guard protects the segment it points to.
            let segment = unsafe { tail.deref() };
            let next = segment.next.load(guard);
            if next.is_null() {
                return (tail, segment);
            }
            // Release: publishes nothing new (the segment was published by the `next` CAS);
            // AcqRel keeps the RMW chain simple.
            let _ = self.tail.compare_exchange(
                tail,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
                guard,
            );
        }
    }

    /// Appends `value`, or hands it back once the queue is closed. Lock-free; linearizes at
    /// the segment's queue-ring CAS, at the CAS that links a new segment holding it, or
    /// (closed) where the last segment's link was found closed.
    pub(crate) fn push(&self, mut value: T, guard: &Guard<'_, R>) -> Result<(), T> {
        loop {
            let (tail, segment) = self.last_segment(guard);
            let core = segment.storage.core::<true>(&self.segment_stats);
            match core.push(value) {
                Ok(()) => {
                    stat!(self.stats.pushes.increment());
                    return Ok(());
                }
                Err(back) => value = back.into_inner(),
            }
            // Full or finalized: close it (if nobody has) and append a segment holding the
            // value — unless another pusher already did (building a segment is not cheap), or
            // the queue is closed (`close` marks the last link after finalizing its segment).
            if core.queued.finalize() {
                stat!(self.stats.ring_finalizations.increment());
            }
            let next = segment.next.load(guard);
            if next.tag() & CLOSED != 0 {
                return Err(value);
            }
            if !next.is_null() {
                continue;
            }
            let fresh = Owned::new(
                Segment::with_first(value, self.segment_capacity, &self.segment_stats),
                guard.domain(),
            )
            .into_shared(guard);
            // SeqCst: Release publishes the new segment (its rings and the value written into
            // it) to whoever loads `next`, and SeqCst is the event count's order for the write
            // that makes the queue non-empty (`crate::event`); Acquire on failure: the
            // winner's segment is then read (through `tail`) by the next iteration.
            match segment.next.compare_exchange(
                Shared::null(),
                fresh,
                Ordering::SeqCst,
                Ordering::Acquire,
                guard,
            ) {
                Ok(_) => {
                    stat!(
                        self.stats.pushes.increment();
                        self.stats.ring_allocations.increment();
                    );
                    // AcqRel: as the helping CAS above. Failure: someone helped already.
                    let _ = self.tail.compare_exchange(
                        tail,
                        fresh,
                        Ordering::AcqRel,
                        Ordering::Relaxed,
                        guard,
                    );
                    return Ok(());
                }
                Err(lost) => {
                    // SAFETY: `fresh` was never published (the CAS failed), so this thread
                    // still owns it.
                    let segment = unsafe { lost.new.into_owned() }.into_inner();
                    let back = segment.storage.core::<true>(&self.segment_stats).pop();
                    // The pre-loaded value is the only one in the unpublished segment.
                    let Some(back) = back else {
                        unreachable!("an unpublished segment keeps its first value");
                    };
                    value = back;
                }
            }
        }
    }

    /// Removes the oldest value, or returns `None` when the queue is empty (or closed and
    /// drained). Lock-free; see [`try_pop`](Self::try_pop).
    #[inline]
    pub(crate) fn pop(&self, guard: &Guard<'_, R>) -> Option<T> {
        self.try_pop(guard).ok()
    }

    /// Removes the oldest value. Lock-free; linearizes at a segment's queue-ring OR, or
    /// (`Empty`) where the head segment was empty with no successor, or (`Closed`) where the
    /// last segment, its link closed, was found drained ([`Scqd::try_pop`]).
    ///
    /// [`Scqd::try_pop`]: crate::scqd::Scqd::try_pop
    pub(crate) fn try_pop(&self, guard: &Guard<'_, R>) -> Result<T, PopError> {
        loop {
            let head = self.head.load(guard);
            // SAFETY: `head` is never null and the guard protects its segment.
            let segment = unsafe { head.deref() };
            if let Some(value) = segment.storage.core::<true>(&self.segment_stats).pop() {
                stat!(self.stats.pops.increment());
                return Ok(value);
            }
            if let Some(answer) = self.pop_past_empty_segment(head, guard) {
                return answer;
            }
        }
    }

    /// The rest of [`try_pop`](Self::try_pop) once the head segment `head` looked empty: the
    /// answer, or `None` to start over from the (new) head segment. Out of line, so that the
    /// hot path above inlines one segment pop and no more (inlining this one's second pop
    /// as well cost a one-thread push/pop pair about 9 ns in spilled registers: unbounded
    /// `pairs`, one thread, 32 -> 38 Mops/s).
    #[cold]
    #[inline(never)]
    fn pop_past_empty_segment(
        &self,
        head: SegmentPtr<'_, T, R>,
        guard: &Guard<'_, R>,
    ) -> Option<Result<T, PopError>> {
        // SAFETY: `head` is never null and the guard protects its segment.
        let segment = unsafe { head.deref() };
        let core = segment.storage.core::<true>(&self.segment_stats);
        let next = segment.next.load(guard);
        if next.is_null() {
            if next.tag() & CLOSED == 0 {
                stat!(self.stats.empty_pops.increment());
                return Some(Err(PopError::Empty));
            }
            // The last segment of a closed queue: its ring was finalized before the link
            // was marked, so draining it settles every push still in flight there.
            let popped = core.try_pop();
            stat!(if popped.is_ok() {
                self.stats.pops.increment();
            });
            return Some(popped);
        }
        // The segment is finalized (whoever set `next` did it first), but an index may
        // wait behind an exhausted threshold: scan once more with a fresh one.
        core.queued.reset_threshold();
        if let Some(value) = core.pop() {
            stat!(self.stats.pops.increment());
            return Some(Ok(value));
        }
        // Never retire a segment `tail` still points to: move `tail` on first.
        if self.tail.load(guard) == head {
            // AcqRel: as `push`'s helping CAS.
            let _ = self.tail.compare_exchange(
                head,
                next,
                Ordering::AcqRel,
                Ordering::Relaxed,
                guard,
            );
        }
        // AcqRel: Acquire orders this thread after the pushes into `next` it will read;
        // Release makes the unlink visible before the retirement below.
        if self
            .head
            .compare_exchange(head, next, Ordering::AcqRel, Ordering::Relaxed, guard)
            .is_ok()
        {
            // The CAS unlinked `head` from the queue (neither `head` nor `tail`
            // points to it, and no segment links back), this thread won it, so it retires
            // the segment exactly once; values still in it are dropped with it on any
            // thread, which `LockFreeQueue`'s `T: Send` bound allows.
            // SAFETY: as just said.
            unsafe { guard.retire(head) };
        }
        None
    }

    /// Closes the queue: finalizes the last segment's ring, then marks its (null) link
    /// [`CLOSED`], so no push can append after it. Returns whether this call closed it.
    /// Lock-free: a retry means a push appended a segment meanwhile. Linearizes at the
    /// successful marking CAS (pushes that land before it, even in a segment appended after
    /// the finalization, come before the close).
    pub(crate) fn close(&self, guard: &Guard<'_, R>) -> bool {
        loop {
            let (_, segment) = self.last_segment(guard);
            if segment.next.load(guard).tag() & CLOSED != 0 {
                return false;
            }
            if segment
                .storage
                .core::<true>(&self.segment_stats)
                .queued
                .finalize()
            {
                stat!(self.stats.ring_finalizations.increment());
            }
            // Only a null, unmarked link is replaced: a pusher that saw the finalization
            // before this mark either appends first (this CAS fails and the close moves on to
            // its segment) or finds the mark when its own CAS fails. SeqCst: the event
            // count's order (`crate::event`); Acquire on failure: the appended segment is read
            // by the next round.
            if segment
                .next
                .compare_exchange(
                    Shared::null(),
                    Shared::null().with_tag(CLOSED),
                    Ordering::SeqCst,
                    Ordering::Acquire,
                    guard,
                )
                .is_ok()
            {
                return true;
            }
        }
    }

    /// Whether the queue was closed: the last segment's link carries [`CLOSED`]. O(segments
    /// behind `tail`), normally one.
    pub(crate) fn is_closed(&self, guard: &Guard<'_, R>) -> bool {
        let mut current = self.tail.load(guard);
        // SAFETY: as in `len`: the guard protects every segment reached from `tail`.
        while let Some(segment) = unsafe { current.as_ref() } {
            let next = segment.next.load(guard);
            if next.is_null() {
                return next.tag() & CLOSED != 0;
            }
            current = next;
        }
        unreachable!("`tail` is never null")
    }

    /// Values in the queue, approximately: the sum of the segments' lengths from `head` to
    /// `tail` (O(segments)).
    pub(crate) fn len(&self, guard: &Guard<'_, R>) -> usize {
        let mut total = 0usize;
        let mut current = self.head.load(guard);
        // Every segment reached from `head` through `next` links is protected by the guard.
        // SAFETY: as just said.
        while let Some(segment) = unsafe { current.as_ref() } {
            total = total.saturating_add(segment.storage.core::<true>(&self.segment_stats).len());
            current = segment.next.load(guard);
        }
        total
    }

    /// The ring counters of the linked segments, summed: (queue rings, free rings).
    #[cfg(feature = "stats")]
    pub(crate) fn ring_stats(&self, guard: &Guard<'_, R>) -> crate::stats::RingTotals {
        let mut totals = crate::stats::RingTotals::default();
        let mut current = self.head.load(guard);
        // SAFETY: as in `len`, the guard protects every linked segment.
        while let Some(segment) = unsafe { current.as_ref() } {
            let (queued, free) = segment.storage.ring_stats();
            totals.add(queued, free);
            current = segment.next.load(guard);
        }
        totals
    }

    /// Frees every linked segment and the values in them. Only for `Drop` (exclusive). If a
    /// value's destructor panics, the remaining segments are still freed while the panic
    /// unwinds (a second panic aborts, as in `Vec`).
    pub(crate) fn free_segments(&mut self) {
        /// Frees the rest of the chain if dropping one segment unwinds.
        struct Resume<T, R: Reclaim>(Atomic<Segment<T, R>, R>);
        impl<T, R: Reclaim> Drop for Resume<T, R> {
            fn drop(&mut self) {
                free_chain(core::mem::replace(&mut self.0, Atomic::null()));
            }
        }
        /// Frees the segments linked from `link`.
        fn free_chain<T, R: Reclaim>(mut link: Atomic<Segment<T, R>, R>) {
            // With exclusive access no other thread reaches the links or the segments; each
            // linked segment is owned by the chain alone (`tail` was cleared, retired
            // segments are unlinked), and each link is taken once.
            // SAFETY: as just said.
            while let Some(owned) = unsafe { link.try_into_owned() } {
                let mut segment = owned.into_inner();
                let mut rest = Resume(core::mem::replace(&mut segment.next, Atomic::null()));
                drop(segment); // drops the values left in it; may unwind
                // Not unwinding: take the rest back (`rest` now drops with a null link).
                link = core::mem::replace(&mut rest.0, Atomic::null());
            }
        }
        // `tail` aliases a linked segment: forget it, and free through `head`'s chain.
        *self.tail = Atomic::null();
        free_chain(core::mem::replace(&mut *self.head, Atomic::null()));
    }
}
