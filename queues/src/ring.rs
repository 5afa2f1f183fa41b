//! The SCQ index ring (Nikolaev, "A Scalable, Portable, and Memory-Efficient Lock-Free FIFO
//! Queue", DISC 2019, Figure 8; reference code `rusnikola/lfqueue`, `lfring_cas1.h`): a ring of
//! `2n` one-word slots that holds up to `n` indices in `0..n`, built on fetch-and-add.
//!
//! This is the family's building block for value queues ([`crate::StaticQueue`],
//! [`crate::LockFreeQueue`]): it moves indices, never values.
//!
//! # Layout
//!
//! `half` (`n` in the paper) is a power of two, the slot count is `2 * half`. A slot word is
//! `cycle | safe | index`:
//!
//! - bits `0..=log2(half)` (mask `slots - 1`): the index, all ones (`⊥`) when the slot is empty
//!   (indices are `< half`, so an index is never all ones);
//! - bit value `slots`: `safe`;
//! - the bits above: the cycle, the number of times the ring wrapped at that slot. Position
//!   `p` (a `head` or `tail` value) has cycle `p / slots`; [`Ring::cycle_of`] puts it in the slot
//!   layout as `(p << 1) | (2 * slots - 1)` (the low bits all ones, so comparing a slot's cycle
//!   means OR-ing the same ones into the slot word).
//!
//! All cycle and position comparisons are signed differences of wrapping words
//! ([`before`]), so the counters may wrap. Cycle words drop the top bit of the position
//! (`p << 1`), so two positions compare correctly while they are less than `2^(W - 2)` apart
//! (`W` the word size). On 64-bit targets that is never a limit. On 32-bit targets it is
//! 2^30 positions: a thread stalled *between claiming a position and settling its slot*
//! while 2^30 further operations run on the same ring (a minute at tens of millions of
//! operations per second: a suspended process, a starved low-priority task) can, when it
//! resumes, mis-order its slot's cycle — losing a value and its cell, or panicking on an
//! out-of-range index (never undefined behaviour). Interrupt handlers preempting a main
//! loop are far from this. The paper assumes 64-bit counters; the unbounded queue needs
//! 64-bit pointers anyway.
//!
//! # Invariants (the paper's Section 4, restated for this code)
//!
//! 1. `head`, `tail` and every slot's cycle only grow (modulo wrapping).
//! 2. Each position is claimed by exactly one enqueuer (`tail` FAA) and one dequeuer (`head`
//!    FAA); the index an enqueuer stores at position `p` can only be consumed by the dequeuer
//!    that claimed `p` (it matches the cycle exactly).
//! 3. At most `half` indices are in the ring, so at least `half` slots are free: an enqueuer
//!    whose slot was invalidated or made unsafe finds a usable one within a bounded number of
//!    FAAs — the ring has no "full" path. **Callers never enqueue more than `half` distinct
//!    indices** (the value queues enforce it with the free-index ring).
//! 4. `threshold` counts the failed dequeue attempts left before the ring is certainly empty:
//!    every enqueue that finds it changed resets it to [`threshold`]`(half)`. A negative
//!    threshold makes dequeue return empty without touching `head`. The paper's value,
//!    `3 * half - 1`, is `2 * half` head increments to reach the last enqueued index plus
//!    `half - 1` decrements by *other* dequeuers that failed before that enqueue and decrement
//!    after its reset: it assumes at most `half` concurrent dequeuers. The SPIN model in
//!    `specs/formal/scq*.pml` found the counterexample when there are more (six dequeuers
//!    parked before their decrement, `half = 2`: an enqueue sees the threshold unchanged, the
//!    six late decrements exhaust it, and the next dequeue reports empty with an index
//!    present — until some later enqueue). So here the second term is
//!    `max(half, CONCURRENT_DEQUEUERS) - 1`: the guarantee holds for up to
//!    [`CONCURRENT_DEQUEUERS`] threads inside one ring's dequeue at once (or `half`, if
//!    larger), at the cost of more failed attempts on a small ring before it reports empty
//!    cheaply. Below the paper's value the model fails with two dequeuers
//!    (`scq_threshold_bad.pml`).
//! 5. A dequeuer that fails leaves `tail >= head` (catch-up), so positions behind `head` are
//!    never handed to enqueuers.
//!
//! # Finalization (LSCQ segments, closed queues)
//!
//! A ring can be *finalized* (closed to enqueuers) by [`Ring::finalize`]: no enqueue whose
//! FAA on `tail` comes after the finalization takes effect. Two forms:
//!
//! - A segment of an unbounded queue is a `Ring<'_, true>`: finalizing sets the top bit of
//!   `tail` ([`FINALIZED`]), and every enqueuer checks that bit in the value **its own**
//!   fetch-and-add returned (ALGORITHMS.md §1.5). These rings mask the bit out of `tail`
//!   wherever positions are compared, and the catch-up CAS keeps it. Their counters have one
//!   bit less (2^63 positions on 64-bit targets, which is why the unbounded queue needs
//!   64-bit pointers).
//! - A bounded queue's ring is a `Ring<'_, false>` and uses the whole word for positions (a
//!   32-bit target would overflow into a reserved bit after 2^31 operations): finalizing
//!   sets a `closed` flag on `tail`'s cache line, and every enqueuer reads the flag right
//!   after its FAA. The FAA, the flag store and that load are all `SeqCst`, so in their
//!   single total order an FAA after the store is followed by a load that sees it — the same
//!   guarantee as the bit, for one load per enqueue from the line the FAA just wrote (a
//!   plain load on x86-64, a load-acquire on AArch64; targets whose `SeqCst` loads carry a
//!   fence, such as ARMv7 or RISC-V, pay that fence too). The free-cell ring of a bounded
//!   queue is never finalized (`Ring<'_, false, false>`) and skips that load.
//!
//! An enqueuer whose FAA came *before* the finalization may still be about to write its
//! slot. A dequeuer of a finalized ring ([`Ring::dequeue_finalized`]) therefore claims
//! positions up to `tail` regardless of the threshold and settles every slot it claims (so
//! such a late enqueuer fails and sees the finalization on its next FAA); the ring is
//! *drained* ([`Ring::is_drained`]) once `head` has passed the `tail` read after the
//! finalization.
//!
//! # Cache remapping
//!
//! Consecutive positions go to slots `granule` apart, where a granule is the number of slot
//! words in 128 bytes (two 64-byte lines, against the adjacent-line prefetcher): the position's
//! low bits are rotated. Rings smaller than one granule keep the identity map (the reference
//! code's shift would be negative there). The map is a bijection (unit-tested).
//!
//! # Departure from the reference code
//!
//! The reference dequeuer re-reads an empty slot up to 10 000 times before invalidating it,
//! to give an enqueuer that already claimed the position time to write. Here the re-reads are
//! bounded by [`DEQUEUE_PATIENCE`] and happen only while `tail` shows that an enqueuer has
//! claimed the position (otherwise nobody is coming, and waiting only delays the empty
//! answer). Either way the wait is bounded, so dequeue stays lock-free.
//!
//! A dequeuer of a value queue's ring first looks whether the ring is empty
//! ([`Ring::dequeue`], [`Ring::looks_empty`]) and answers empty without claiming a position,
//! where the reference claims one and then settles it; the free-cell ring claims at once
//! ([`Ring::dequeue_claiming`]). A consumed slot is marked with an OR whose result is not
//! used (as the reference; [`consumed_index`]).

#[cfg(feature = "stats")]
use crate::stats::RingStats;
use crate::{
    stats::stat,
    sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering},
};
use ccol_arch::CachePadded;

/// Bytes between the slots of consecutive positions (two 64-byte lines).
const REMAP_BYTES: usize = 128;

/// `log2` of the number of slot words in [`REMAP_BYTES`]: 4 on 64-bit targets, 5 on 32-bit.
const REMAP_SHIFT: u32 = (REMAP_BYTES / core::mem::size_of::<usize>()).trailing_zeros();

/// Re-reads of an empty slot a dequeuer makes, while its position's enqueuer is known to be
/// in flight, before it invalidates the slot (module docs).
pub(crate) const DEQUEUE_PATIENCE: u32 = 64;

/// Reads of the head slot, with a pause between, before an empty-looking ring's `tail` is
/// read ([`Ring::looks_empty`]): one pause (about 40 cycles to 140 on recent x86 cores).
const EMPTY_LOOKS: u32 = 2;

/// The index a dequeuer consumes from a slot word `entry` it loaded with this position's
/// cycle, before OR-ing ⊥ into the slot.
///
/// Between that load and the OR the slot's index bits cannot change: no enqueuer writes an
/// occupied slot, and a dequeuer of a later cycle that finds it occupied only clears its safe
/// bit. So the OR's result is not needed (as in the reference code), which lets it compile to
/// one `lock or` on x86-64 instead of a load-CAS loop that retries whenever that dequeuer
/// touches the slot in between (a result-returning `fetch_or` has no x86 instruction).
#[inline(always)]
const fn consumed_index(entry: usize, slots: usize) -> usize {
    entry & (slots - 1)
}

/// `a` comes strictly before `b` on the wrapping counter line.
#[inline]
#[allow(
    clippy::cast_possible_wrap,
    reason = "the signed reinterpretation of the wrapping difference is the comparison"
)]
pub(crate) const fn before(a: usize, b: usize) -> bool {
    (a.wrapping_sub(b) as isize) < 0
}

/// `head`, `threshold` and `tail` of one ring, each on its own cache line.
#[derive(Debug)]
pub(crate) struct RingHeader {
    head: CachePadded<AtomicUsize>,
    threshold: CachePadded<Threshold>,
    tail: CachePadded<Tail>,
    /// Counters of the `stats` feature (a field only with the feature).
    #[cfg(feature = "stats")]
    pub(crate) stats: CachePadded<RingStats>,
}

/// `tail` and, on its line (which an enqueuer's FAA has just brought in, so the read after
/// it is a cache hit), the closed flag of a bounded ring (module docs, "Finalization").
#[derive(Debug)]
struct Tail {
    counter: AtomicUsize,
    closed: AtomicBool,
}

/// The threshold and, on the same line (read with it), the value enqueues restore.
#[derive(Debug)]
struct Threshold {
    value: AtomicIsize,
    full: isize,
}

impl RingHeader {
    /// The header of an empty ring.
    #[cfg(not(ccol_loom))]
    pub(crate) const fn empty(half: usize) -> Self {
        Self::with(0, -1, half)
    }

    /// The header of a ring pre-filled with `count` indices (`count <= half`) by
    /// [`full_slot_value`], whose half size is `half`.
    #[cfg(not(ccol_loom))]
    pub(crate) const fn filled(count: usize, half: usize) -> Self {
        Self::with(count, if count == 0 { -1 } else { threshold(half) }, half)
    }

    /// The header of an empty ring (loom's atomics have no `const` constructors).
    #[cfg(ccol_loom)]
    pub(crate) fn empty(half: usize) -> Self {
        Self::with(0, -1, half)
    }

    /// The header of a pre-filled ring (see the non-loom form).
    #[cfg(ccol_loom)]
    pub(crate) fn filled(count: usize, half: usize) -> Self {
        Self::with(count, if count == 0 { -1 } else { threshold(half) }, half)
    }

    #[cfg(not(ccol_loom))]
    const fn with(tail: usize, value: isize, half: usize) -> Self {
        Self {
            head: CachePadded::new(AtomicUsize::new(0)),
            threshold: CachePadded::new(Threshold {
                value: AtomicIsize::new(value),
                full: threshold(half),
            }),
            tail: CachePadded::new(Tail {
                counter: AtomicUsize::new(tail),
                closed: AtomicBool::new(false),
            }),
            #[cfg(feature = "stats")]
            stats: CachePadded::new(RingStats::new()),
        }
    }

    #[cfg(ccol_loom)]
    fn with(tail: usize, value: isize, half: usize) -> Self {
        Self {
            head: CachePadded::new(AtomicUsize::new(0)),
            threshold: CachePadded::new(Threshold {
                value: AtomicIsize::new(value),
                full: threshold(half),
            }),
            tail: CachePadded::new(Tail {
                counter: AtomicUsize::new(tail),
                closed: AtomicBool::new(false),
            }),
            #[cfg(feature = "stats")]
            stats: CachePadded::new(RingStats::new()),
        }
    }
}

/// How many threads may be inside one ring's dequeue at once with empty answers staying
/// linearizable, for rings of fewer than this many indices (module docs, invariant 4).
pub(crate) const CONCURRENT_DEQUEUERS: usize = 128;

/// The threshold every enqueue restores: `2 * half + max(half, CONCURRENT_DEQUEUERS) - 1`
/// (module docs, invariant 4; the paper's `3 * half - 1` from `half = 128` up).
#[allow(
    clippy::cast_possible_wrap,
    reason = "half is at most usize::MAX / 4 (the slot array must fit in memory)"
)]
pub(crate) const fn threshold(half: usize) -> isize {
    let others = if half > CONCURRENT_DEQUEUERS {
        half
    } else {
        CONCURRENT_DEQUEUERS
    };
    (2 * half + others - 1) as isize
}

/// The initial word of a slot no index has used: cycle −1 (older than every position), safe,
/// `⊥`.
pub(crate) const EMPTY_SLOT: usize = usize::MAX;

/// The initial word, for a ring with `slots` slots, of the slot that position `position`
/// (`< slots`, cycle 0) maps to in a pre-filled ring, holding `index`: exactly what an enqueue
/// at that position would have stored.
pub(crate) const fn full_slot_value(index: usize, slots: usize) -> usize {
    slots | index
}

/// The slot of position `position` in a ring of `slots` slots (module docs, "Cache
/// remapping").
#[inline]
pub(crate) const fn remap(position: usize, slots: usize) -> usize {
    rotate_low_bits(position, slots, REMAP_SHIFT)
}

/// Rotates the low `log2(size)` bits of `value` left by `shift` bits (identity when `size`
/// is below `2^shift`): consecutive values land `2^shift` apart.
#[inline]
pub(crate) const fn rotate_low_bits(value: usize, size: usize, shift: u32) -> usize {
    let bits = size.trailing_zeros();
    // Branch-free: below the granule, `left = bits` shifts every bit out of the mask and
    // `right = 0` keeps `low`, which is the identity.
    let left = if shift < bits { shift } else { bits };
    let right = bits - left;
    let low = value & (size - 1);
    (low >> right) | ((low << left) & (size - 1))
}

/// The bit of a finalizable ring's `tail` that closes it to enqueuers (module docs).
pub(crate) const FINALIZED: usize = 1 << (usize::BITS - 1);

/// One ring: its header and its `2 * half` slots (a power of two, at least 2);
/// `FINALIZABLE` rings reserve the top bit of `tail`, other rings are finalized by the
/// `closed` flag — unless `CLOSABLE` is false (a free-cell ring, never finalized, whose
/// enqueuers skip the flag's load; module docs, "Finalization").
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ring<'a, const FINALIZABLE: bool, const CLOSABLE: bool = true> {
    pub(crate) header: &'a RingHeader,
    pub(crate) slots: &'a [AtomicUsize],
}

impl<const FINALIZABLE: bool, const CLOSABLE: bool> Ring<'_, FINALIZABLE, CLOSABLE> {
    /// `tail` without the finalization bit (all of it for a bounded ring).
    #[inline]
    const fn position(tail: usize) -> usize {
        if FINALIZABLE { tail & !FINALIZED } else { tail }
    }

    /// Closes the ring to enqueuers: every enqueue whose `tail` FAA comes after this fails
    /// (module docs). Returns whether this call was the one that closed it.
    pub(crate) fn finalize(self) -> bool {
        debug_assert!(
            FINALIZABLE || CLOSABLE,
            "a free-cell ring is never finalized"
        );
        if FINALIZABLE {
            // SeqCst: an RMW in `tail`'s modification order, so every FAA ordered after it
            // sees the bit; SeqCst like the enqueuers' FAAs (see `enqueue`).
            self.header
                .tail
                .counter
                .fetch_or(FINALIZED, Ordering::SeqCst)
                & FINALIZED
                == 0
        } else {
            // SeqCst: in the single order with the enqueuers' SeqCst FAA-then-flag-load, so an
            // enqueuer whose FAA comes after this store in that order sees the flag (module
            // docs, "Finalization").
            !self.header.tail.closed.swap(true, Ordering::SeqCst)
        }
    }

    /// Whether the ring was finalized (closed to enqueuers).
    #[inline]
    pub(crate) fn is_finalized(self) -> bool {
        if FINALIZABLE {
            // SeqCst: as `finalize` (a load in the same single order).
            self.header.tail.counter.load(Ordering::SeqCst) & FINALIZED != 0
        } else {
            // SeqCst: as `finalize`.
            self.header.tail.closed.load(Ordering::SeqCst)
        }
    }

    /// Whether the ring is finalized and every position below `tail` has been claimed by a
    /// dequeuer: no index can be enqueued any more and none is left unclaimed (a claimed one
    /// is being returned by the dequeuer that claimed it).
    pub(crate) fn is_drained(self) -> bool {
        // The finalization first, then `tail`: every FAA on `tail` after this load (in the
        // single SeqCst order) sees the bit or the flag, so the positions it adds hold no
        // index. SeqCst: as `finalize`. Acquire on `head`: pairs with the dequeuers' FAAs.
        if !self.is_finalized() {
            return false;
        }
        // Under loom, the fence-to-fence form (see `refuses`).
        #[cfg(ccol_loom)]
        crate::sync::atomic::fence(Ordering::SeqCst);
        let tail = self.header.tail.counter.load(Ordering::SeqCst);
        !before(
            self.header.head.load(Ordering::Acquire),
            Self::position(tail),
        )
    }

    /// Whether an enqueuer that claimed position `tail` (the word its FAA returned) must
    /// give up because the ring was finalized before that FAA.
    #[inline(always)]
    fn refuses(self, tail: usize) -> bool {
        if FINALIZABLE {
            tail & FINALIZED != 0
        } else if CLOSABLE {
            // loom does not model SeqCst accesses (tokio-rs/loom#180): under loom the
            // fence-to-fence form of the same argument (with `is_drained`'s fence).
            #[cfg(ccol_loom)]
            crate::sync::atomic::fence(Ordering::SeqCst);
            // SeqCst: read after the enqueuer's SeqCst FAA, in the single order with
            // `finalize`'s store (module docs, "Finalization"). The line is the one the FAA
            // just wrote: a cache hit.
            self.header.tail.closed.load(Ordering::SeqCst)
        } else {
            false
        }
    }

    /// Dequeues from a finalized ring until it is drained: claims positions regardless of
    /// the threshold (nothing can be enqueued any more, so none of them can be lost to a
    /// late enqueue), and returns `None` only once [`is_drained`](Self::is_drained).
    /// Lock-free: every round claims a position, and `tail` grows after the finalization
    /// only by pushes that failed (and completed) or by catch-up to `head`.
    pub(crate) fn dequeue_finalized(self) -> Option<usize> {
        debug_assert!(self.is_finalized());
        loop {
            if self.is_drained() {
                return None;
            }
            if let Some(index) = self.dequeue_unthrottled() {
                return Some(index);
            }
        }
    }

    /// Restores the threshold so that one more dequeue scans up to `tail` (LSCQ: done on a
    /// finalized ring before the queue's head leaves it, so that an index enqueued while the
    /// threshold was exhausted is not skipped; ALGORITHMS.md §1.5).
    pub(crate) fn reset_threshold(self) {
        // SeqCst: see `enqueue`'s threshold store.
        self.header
            .threshold
            .value
            .store(self.header.threshold.full, Ordering::SeqCst);
    }

    /// The first step of an enqueue alone: claims a position (tests stop an enqueuer there).
    #[cfg(all(test, feature = "alloc", not(ccol_loom)))]
    pub(crate) fn claim_position(self) -> usize {
        // SeqCst: as `enqueue`'s FAA.
        self.header.tail.counter.fetch_add(1, Ordering::SeqCst)
    }

    /// The rest of an enqueue whose position `tail` came from
    /// [`claim_position`](Self::claim_position) (and whose check for the finalization after
    /// that claim found none).
    #[cfg(all(test, feature = "alloc", not(ccol_loom)))]
    pub(crate) fn enqueue_at(self, index: usize, tail: usize) -> bool {
        self.enqueue_slow(index, tail)
    }

    /// Spends the threshold (-1), as late decrements of concurrent dequeuers can after an
    /// enqueue's reset (tests and loom models build that state directly: one thread alone
    /// cannot reach it, since its pops of an empty ring look before claiming).
    #[cfg(any(all(test, feature = "alloc", not(ccol_loom)), ccol_loom))]
    pub(crate) fn exhaust_threshold(self) {
        // SeqCst: as every threshold access.
        self.header.threshold.value.store(-1, Ordering::SeqCst);
    }

    /// Half the slot count: the most indices the ring may hold.
    #[inline]
    fn half(self) -> usize {
        self.slots.len() / 2
    }

    /// Position `p`'s cycle in the slot layout (module docs).
    #[inline]
    fn cycle_of(self, position: usize) -> usize {
        (position << 1) | (2 * self.slots.len() - 1)
    }

    /// Enqueues `index` (`< half`; the caller guarantees at most `half` indices are in the
    /// ring). Lock-free; linearizes at the slot CAS. Returns `false`, without enqueuing, only
    /// for a finalized ring.
    ///
    /// The common case — the claimed slot is free, safe and of an older cycle, and the CAS
    /// wins — is inlined into the caller; everything else continues in
    /// [`enqueue_slow`](Self::enqueue_slow) with the same position.
    #[must_use]
    #[inline(always)]
    pub(crate) fn enqueue(self, index: usize) -> bool {
        debug_assert!(index < self.half());
        let low = 2 * self.slots.len() - 1;
        // SeqCst: Acquire pairs with the catch-up CAS of a dequeuer that moved `tail` (and
        // with earlier FAAs). SeqCst, like the slot CAS below, so that a blocked waiter's
        // fence-then-retry sees this whole enqueue whenever the enqueuer's later check for
        // waiters missed the waiter (the event count's argument, `crate::event`). Same code
        // as AcqRel on x86-64 and AArch64.
        let tail = self.header.tail.counter.fetch_add(1, Ordering::SeqCst);
        if self.refuses(tail) {
            return false;
        }
        let cycle = self.cycle_of(tail);
        let slot = &self.slots[remap(tail, self.slots.len())];
        // Acquire: pairs with the Release of the dequeuer's OR/CAS that last wrote the slot,
        // so this enqueue's write comes after that dequeue in the slot's order.
        let entry = slot.load(Ordering::Acquire);
        if entry == entry | low && before(entry, cycle) {
            // Free (⊥), safe, older: the slot is this position's. Release: publishes what
            // the caller wrote for `index` (the value queues' data cell) to the dequeuer whose
            // Acquire load reads this word; SeqCst for the event count (see the FAA above).
            // Acquire on failure: see `enqueue_slow`.
            let new = (cycle ^ (self.slots.len() - 1)) | index;
            if slot
                .compare_exchange(entry, new, Ordering::SeqCst, Ordering::Acquire)
                .is_ok()
            {
                self.restore_threshold();
                return true;
            }
        }
        self.enqueue_slow(index, tail)
    }

    /// The rest of [`enqueue`](Self::enqueue): re-examines the slot of position `tail`, then
    /// claims new positions until a slot takes the index.
    #[cold]
    #[inline(never)]
    fn enqueue_slow(self, index: usize, mut tail: usize) -> bool {
        let slots = self.slots.len();
        let low = 2 * slots - 1;
        loop {
            let cycle = self.cycle_of(tail);
            let slot = &self.slots[remap(tail, slots)];
            // Acquire: as in `enqueue`.
            let mut entry = slot.load(Ordering::Acquire);
            loop {
                let entry_cycle = entry | low;
                let usable = before(entry_cycle, cycle)
                    && (entry == entry_cycle
                        || (entry == entry_cycle ^ slots
                            // Acquire: pairs with the dequeuers' `head` FAAs; an unsafe slot
                            // may be reused only while no dequeuer has passed this position.
                            && !before(tail, self.header.head.load(Ordering::Acquire))));
                if !usable {
                    break;
                }
                // SeqCst/Acquire: as in `enqueue` (the failure value is re-examined like the
                // first load).
                match slot.compare_exchange_weak(
                    entry,
                    (cycle ^ (slots - 1)) | index,
                    Ordering::SeqCst,
                    Ordering::Acquire,
                ) {
                    Ok(_) => {
                        self.restore_threshold();
                        return true;
                    }
                    Err(current) => entry = current,
                }
            }
            stat!(self.header.stats.retries.increment());
            // SeqCst: as in `enqueue`.
            tail = self.header.tail.counter.fetch_add(1, Ordering::SeqCst);
            if self.refuses(tail) {
                return false;
            }
        }
    }

    /// After a successful enqueue: puts the threshold back to its full value if dequeuers
    /// used some of it (a load first, so the shared line is not written on every enqueue).
    #[inline(always)]
    fn restore_threshold(self) {
        let full = self.header.threshold.full;
        // SeqCst (load and store), as the reference: the threshold's argument is over a
        // single total order of these accesses and the dequeuers' decrements.
        if self.header.threshold.value.load(Ordering::SeqCst) != full {
            self.header.threshold.value.store(full, Ordering::SeqCst);
        }
    }

    /// Dequeues an index, or `None` when the ring is empty; for rings that consumers poll
    /// (a value queue's ring of queued indices). Lock-free; linearizes at the slot OR on
    /// success, and on failure at a point where the ring was empty: the threshold check, the
    /// look before claiming ([`looks_empty`](Self::looks_empty)), or the catch-up check after
    /// claiming (the paper's Lemma 5).
    ///
    /// The common case — the claimed slot holds this position's index — is inlined into the
    /// caller; everything else continues in [`dequeue_slow`](Self::dequeue_slow).
    #[inline(always)]
    pub(crate) fn dequeue(self) -> Option<usize> {
        // SeqCst: see `restore_threshold`.
        if self.header.threshold.value.load(Ordering::SeqCst) < 0 || self.looks_empty() {
            return None;
        }
        self.dequeue_unthrottled()
    }

    /// [`dequeue`](Self::dequeue) without the look before claiming, as the reference: for a
    /// value queue's ring of free cells, which its producers take from and which is empty
    /// only while the queue is full. There the look is two more dependent loads before the
    /// FAA on every push and saves nothing until the queue fills (measured: unbounded
    /// `pairs`, one thread, 36 → 31 Mops/s with the look).
    #[inline(always)]
    pub(crate) fn dequeue_claiming(self) -> Option<usize> {
        // SeqCst: see `restore_threshold`.
        if self.header.threshold.value.load(Ordering::SeqCst) < 0 {
            return None;
        }
        self.dequeue_unthrottled()
    }

    /// Whether the ring is empty as far as a dequeuer can tell without claiming a position:
    /// `tail`, read after `head`, is not past it. Every position an enqueuer has claimed is
    /// then claimed by a dequeuer already in flight, which will take its index (or make its
    /// enqueuer retry at a later position), so the ring held nothing unclaimed at the `tail`
    /// load, where an empty answer linearizes. This is the condition on which the reference's
    /// dequeuer answers empty after its FAA (`tail <= head + 1`), checked before the FAA
    /// instead, as Correia and Ramalhete's FAAArrayQueue checks its indices before claiming.
    ///
    /// Why: the reference's dequeuer of an empty ring claims a position, invalidates its
    /// slot, moves `tail` up by catch-up and spends the threshold — four read-modify-writes
    /// on lines the enqueuers write, for every poll of an empty queue, and the enqueuer whose
    /// slot was invalidated claims again. A consumer polling a queue that its producer keeps
    /// nearly empty (the common producer–consumer pipeline) then slows the producer to a
    /// crawl (`prodcons` at 2 threads: 6 Mops/s).
    ///
    /// Before reading `tail` it reads the slot of `head` and, if that slot does not yet hold
    /// `head`'s cycle, pauses once ([`EMPTY_LOOKS`]) and reads it again: a value arriving at
    /// the head is seen there, in the line its dequeuer reads anyway, and the poll touches
    /// `tail` — the line every enqueue's FAA needs exclusively — at a fraction of the rate.
    /// (Reading `tail` at once on every poll still held the producer to 4 M values/s against
    /// 28 M with the pause, measured with one producer and one polling consumer.) A slot that
    /// holds the cycle answers "not empty" without `tail`: the value was enqueued, and the
    /// claim that follows finds it or a later one.
    #[inline(always)]
    fn looks_empty(self) -> bool {
        let slots = self.slots.len();
        // Acquire (all three): pair with the FAAs on `head` and `tail` (and the catch-up CAS
        // on `tail`) and with the enqueuers' slot CAS. `head` first: it only grows, so at the
        // `tail` load it is still at least the value read.
        let head = self.header.head.load(Ordering::Acquire);
        let slot = &self.slots[remap(head, slots)];
        let cycle = self.cycle_of(head);
        for look in 0..EMPTY_LOOKS {
            if slot.load(Ordering::Acquire) | (2 * slots - 1) == cycle {
                return false;
            }
            if look + 1 < EMPTY_LOOKS {
                core::hint::spin_loop();
            }
        }
        let tail = Self::position(self.header.tail.counter.load(Ordering::Acquire));
        !before(head, tail)
    }

    /// [`dequeue`](Self::dequeue) without its first threshold check (the reference's
    /// `nonempty` form): claims at least one position.
    #[inline(always)]
    fn dequeue_unthrottled(self) -> Option<usize> {
        let slots = self.slots.len();
        // AcqRel: as `enqueue`'s `tail` FAA; its Acquire side orders this dequeuer after the
        // dequeuers that claimed earlier positions.
        let head = self.header.head.fetch_add(1, Ordering::AcqRel);
        let slot = &self.slots[remap(head, slots)];
        // Acquire: pairs with the enqueuer's Release CAS (the index and what it guards).
        let entry = slot.load(Ordering::Acquire);
        if entry | (2 * slots - 1) == self.cycle_of(head) {
            // This position's enqueuer stored its index here; only this dequeuer may consume
            // it. OR-ing in ⊥ cannot fail (wait-free consume). AcqRel: the Release side
            // orders the caller's later use of the index (reading the data cell) before the
            // slot can be reused by the next cycle's enqueuer.
            slot.fetch_or(slots - 1, Ordering::AcqRel);
            return Some(consumed_index(entry, slots));
        }
        self.dequeue_slow(head, entry)
    }

    /// The rest of [`dequeue`](Self::dequeue): settles the slot of position `head` (whose
    /// word was `entry`), then decides between empty and another position.
    #[cold]
    #[inline(never)]
    fn dequeue_slow(self, mut head: usize, mut entry: usize) -> Option<usize> {
        let slots = self.slots.len();
        let low = 2 * slots - 1;
        loop {
            let cycle = self.cycle_of(head);
            let slot = &self.slots[remap(head, slots)];
            let mut patience = DEQUEUE_PATIENCE;
            loop {
                let entry_cycle = entry | low;
                if entry_cycle == cycle {
                    // AcqRel: as in `dequeue`.
                    slot.fetch_or(slots - 1, Ordering::AcqRel);
                    return Some(consumed_index(entry, slots));
                }
                if !before(entry_cycle, cycle) {
                    break; // already a later cycle: nothing to do at this slot
                }
                let replacement = if (entry | slots) != entry_cycle {
                    // An older index still waits for its own dequeuer: mark the slot unsafe
                    // so no enqueuer of a later cycle uses it before that dequeuer passes.
                    let unsafe_entry = entry & !slots;
                    if unsafe_entry == entry {
                        break;
                    }
                    unsafe_entry
                } else {
                    // Empty and older: this position's enqueuer has not written yet. Wait
                    // briefly if it has claimed the position, then take the slot into this
                    // cycle (keeping the safe bit) so that enqueuer must retry elsewhere.
                    if patience > 0 && self.enqueuer_in_flight(head) {
                        patience -= 1;
                        core::hint::spin_loop();
                        // Acquire: as the first load of the slot.
                        entry = slot.load(Ordering::Acquire);
                        continue;
                    }
                    cycle ^ (!entry & slots)
                };
                // AcqRel/Acquire: as the enqueuer's slot CAS (one total order per slot).
                match slot.compare_exchange_weak(
                    entry,
                    replacement,
                    Ordering::AcqRel,
                    Ordering::Acquire,
                ) {
                    Ok(_) => break,
                    Err(current) => entry = current,
                }
            }
            stat!(self.header.stats.retries.increment());
            // Acquire: pairs with the enqueuers' `tail` FAAs.
            let tail = self.header.tail.counter.load(Ordering::Acquire);
            if !before(head.wrapping_add(1), Self::position(tail)) {
                self.catch_up(tail, head.wrapping_add(1));
                // SeqCst: see `restore_threshold`.
                self.header.threshold.value.fetch_sub(1, Ordering::SeqCst);
                return None;
            }
            // SeqCst: see `restore_threshold`.
            if self.header.threshold.value.fetch_sub(1, Ordering::SeqCst) <= 0 {
                stat!(self.header.stats.threshold_exhaustions.increment());
                return None;
            }
            // AcqRel: as in `dequeue`.
            head = self.header.head.fetch_add(1, Ordering::AcqRel);
            // Acquire: as in `dequeue`.
            entry = self.slots[remap(head, slots)].load(Ordering::Acquire);
        }
    }

    /// Whether an enqueuer has claimed position `head` and may still write it, judging from
    /// `tail` — and the ring is not finalized (a finalized ring's late enqueuers fail anyway,
    /// and its `tail` also counts positions of pushes that saw the finalization).
    #[inline]
    fn enqueuer_in_flight(self, head: usize) -> bool {
        // Acquire: pairs with the enqueuer's `tail` FAA.
        let tail = self.header.tail.counter.load(Ordering::Acquire);
        if FINALIZABLE {
            tail & FINALIZED == 0 && before(head, tail)
        } else {
            before(head, tail) && !(CLOSABLE && self.is_finalized())
        }
    }

    /// Moves `tail` (the raw word, finalization bit included) up to `head` when dequeuers
    /// overtook it, so no enqueuer claims a position its dequeuer has already abandoned
    /// (invariant 5). The finalization bit is kept: clearing it would reopen a finalized
    /// ring to enqueuers.
    fn catch_up(self, mut tail: usize, mut head: usize) {
        let keep = !Self::position(usize::MAX); // FINALIZED, or 0 for a bounded ring
        // AcqRel/Acquire: ordered with the FAAs on `tail` and `head` (same locations).
        while let Err(current) = self.header.tail.counter.compare_exchange_weak(
            tail,
            head | (tail & keep),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            tail = current;
            // Acquire: as in `dequeue`.
            head = self.header.head.load(Ordering::Acquire);
            if !before(Self::position(tail), head) {
                break;
            }
        }
    }

    /// Indices in the ring, approximately: `tail - head` clamped to `0..=half`. Wait-free;
    /// exact when no operation is in flight.
    pub(crate) fn len(self) -> usize {
        // Acquire loads: a snapshot of two counters that move independently, documented as
        // approximate; the orderings only keep it coherent with this thread's own operations.
        let head = self.header.head.load(Ordering::Acquire);
        let tail = Self::position(self.header.tail.counter.load(Ordering::Acquire));
        if before(head, tail) {
            tail.wrapping_sub(head).min(self.half())
        } else {
            0
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remap_is_a_bijection_that_spreads_consecutive_positions() {
        for slots in [2usize, 4, 8, 16, 32, 64, 256, 4096] {
            let mut seen = alloc::vec![false; slots];
            for position in 0..slots {
                let slot = remap(position, slots);
                assert!(!seen[slot], "slot {slot} hit twice for {slots} slots");
                seen[slot] = true;
            }
            let granule = 1usize << REMAP_SHIFT;
            if slots > granule {
                assert_eq!(
                    remap(1, slots),
                    granule,
                    "consecutive positions one granule apart"
                );
                assert_eq!(
                    remap(slots + 1, slots),
                    remap(1, slots),
                    "period is the slot count"
                );
            } else {
                assert!((0..slots).all(|p| remap(p, slots) == p));
            }
        }
    }

    #[test]
    fn before_is_wrap_safe() {
        assert!(before(1, 2));
        assert!(!before(2, 2));
        assert!(before(usize::MAX, 0));
        assert!(!before(0, usize::MAX));
        assert!(before(usize::MAX - 3, 5));
    }

    #[test]
    fn slot_words_decode_as_the_layout_says() {
        let slots = 8;
        let low = 2 * slots - 1;
        // Position 3 (cycle 0) and position 11 (cycle 1) of an 8-slot ring.
        let word = full_slot_value(5, slots);
        assert_eq!(
            word | low,
            (3usize << 1) | low,
            "cycle 0 matches position 3"
        );
        assert_ne!(word | low, (11usize << 1) | low);
        assert_eq!(word & (slots - 1), 5);
        assert_eq!(word & slots, slots, "safe");
        assert!(
            before(EMPTY_SLOT | low, low),
            "an unused slot is older than cycle 0"
        );
    }
}
