//! The participant registry of a domain: slots claimed by compare-and-swap, in segments that
//! are appended (never removed) until the domain is dropped.
//!
//! A slot is either `FREE` or `OWNED`. Claiming is a CAS `FREE → OWNED` (Acquire: the claimer
//! sees everything the previous owner wrote to the slot's local state); releasing is a store
//! `OWNED → FREE` (Release). Every access to a slot's [`Local`] happens between the two, so the
//! local state is never shared. A released slot keeps its garbage and is marked *abandoned*;
//! flushes adopt such garbage by claiming the slot for a moment, and a thread that registers on
//! it inherits it (ALGORITHMS.md §0.5: no thread-local storage without std, so identity is a
//! claimed slot).
//!
//! Segments grow geometrically (4, 4, 8, 16, ...) up to the domain's participant limit; a
//! segment is linked at the end of the list by one CAS (a grower that loses discards its
//! unpublished segment and searches again) and stays until the registry is dropped, so
//! `&Slot` lives as long as `&Registry`.

use alloc::boxed::Box;
use core::ptr;

use ccol_arch::CachePadded;

use crate::{
    local::Local,
    reclaim::INACTIVE,
    stats::stat,
    sync::{
        atomic::{AtomicBool, AtomicPtr, AtomicU8, AtomicU64, AtomicUsize, Ordering},
        cell::UnsafeCell,
    },
};

const FREE: u8 = 0;
const OWNED: u8 = 1;

/// First segment size; later segments double the registry.
const FIRST_SEGMENT: usize = 4;

/// What other participants read: ownership and the published reservation or announcement.
#[cfg_attr(
    not(all(feature = "ibr", feature = "debra")),
    allow(dead_code, reason = "fields of the scheme that is not compiled in")
)]
pub(crate) struct SlotShared {
    /// `FREE` or `OWNED`.
    state: AtomicU8,
    /// Set while the slot is `FREE` and still holds garbage of its last owner.
    abandoned: AtomicBool,
    /// IBR: lower bound of the reservation. DEBRA: the announcement (`epoch`, or
    /// `epoch | 1` when quiescent). [`INACTIVE`] (odd, so also "quiescent") when unused.
    pub(crate) first: AtomicU64,
    /// IBR: upper bound of the reservation ([`INACTIVE`] when none is published), with
    /// `REVOKING` set while a scanner revokes it (`ibr.rs`). DEBRA: unused.
    pub(crate) second: AtomicU64,
    /// IBR with sticky reservations: whether the owner is inside a guard (written by the
    /// owner only, at the outermost pin and unpin). DEBRA: unused.
    pub(crate) active: AtomicBool,
}

/// One participant's place in the registry.
pub(crate) struct Slot {
    /// Read by every scanner: on its own cache line, away from the owner's bookkeeping.
    pub(crate) shared: CachePadded<SlotShared>,
    /// Owner-only state; see the module docs for the ownership protocol.
    local: UnsafeCell<Local>,
    /// Per-participant counters (`stats` feature), written by the owner only.
    #[cfg(feature = "stats")]
    pub(crate) stats: crate::stats::SlotStats,
}

// SAFETY: `local` is accessed only by the slot's current owner (claim/release protocol in the
// module docs, with Acquire/Release on the state word ordering successive owners); every other
// field is atomic. The retired objects reachable from `local` may be dropped on any thread by
// `Guard::retire`'s contract.
unsafe impl Sync for Slot {}
// SAFETY: as above; moving a slot moves only pointers to objects that may be dropped anywhere.
unsafe impl Send for Slot {}

impl Slot {
    fn new(owned: bool) -> Self {
        Self {
            shared: CachePadded::new(SlotShared {
                state: AtomicU8::new(if owned { OWNED } else { FREE }),
                abandoned: AtomicBool::new(false),
                first: AtomicU64::new(INACTIVE),
                second: AtomicU64::new(INACTIVE),
                active: AtomicBool::new(false),
            }),
            local: UnsafeCell::new(Local::new()),
            #[cfg(feature = "stats")]
            stats: crate::stats::SlotStats::default(),
        }
    }

    /// Runs `f` on the owner-local state.
    ///
    /// # Safety
    ///
    /// The caller owns the slot (claimed it and has not released it), and `f` does not call
    /// back into code that accesses this slot's local state (no user code: destructors run
    /// outside, see `retired::FreeBatch`).
    #[inline(always)]
    pub(crate) unsafe fn with_local<T>(&self, f: impl FnOnce(&mut Local) -> T) -> T {
        self.local.with_mut(|local| {
            // SAFETY: ownership makes the access exclusive, and `f` does not re-enter
            // (this function's contract), so no other reference to the state exists.
            f(unsafe { &mut *local })
        })
    }

    /// Whether the slot is owned by a participant right now (a snapshot).
    #[cfg(feature = "stats")]
    #[inline]
    pub(crate) fn is_owned(&self) -> bool {
        // Acquire: pairs with the Release store in `release`, so a scanner that sees FREE
        // also sees the reservation cleared before it.
        self.shared.state.load(Ordering::Acquire) == OWNED
    }

    /// Tries `FREE → OWNED`.
    fn try_claim(&self) -> bool {
        // Relaxed pre-check: avoids a failing RMW on slots that are obviously taken.
        self.shared.state.load(Ordering::Relaxed) == FREE
            // Acquire: pairs with the previous owner's Release in `release`, so its writes to
            // the local state (retire lists) are visible to the new owner.
            && self
                .shared
                .state
                .compare_exchange(FREE, OWNED, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
    }
}

/// A block of slots, linked to the next block.
pub(crate) struct Segment {
    slots: Box<[Slot]>,
    /// Registry index of `slots[0]`.
    start: usize,
    next: AtomicPtr<Segment>,
    /// Used in the first segment only (it never moves, unlike the domain that owns the
    /// registry, so a thread-local participant released at thread exit can reach it):
    /// released slots that still hold garbage, a hint for flushes.
    abandoned: AtomicUsize,
}

/// The registry: an append-only list of segments.
pub(crate) struct Registry {
    head: AtomicPtr<Segment>,
    /// Upper bound on the number of slots: `register` fails with `RegistryFull` beyond it.
    max: usize,
}

impl Registry {
    ccol_atomics::const_fn! {
        /// An empty registry that will hold at most `max` participants.
        pub(crate) const fn new(max: usize) -> Self {
            Self {
                head: AtomicPtr::new(ptr::null_mut()),
                max,
            }
        }
    }

    /// Maximum number of participants.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// Every slot, in registry order (slots appended concurrently may or may not be seen).
    pub(crate) fn slots(&self) -> impl Iterator<Item = &Slot> {
        // Acquire: pairs with the AcqRel CAS that linked the segment, so its slots are
        // initialized when seen.
        let mut segment = self.head.load(Ordering::Acquire);
        core::iter::from_fn(move || {
            // SAFETY: segments are freed only by `Drop for Registry`, which `&self` excludes.
            let current = unsafe { segment.as_ref() }?;
            // Acquire: as above, for the next link.
            segment = current.next.load(Ordering::Acquire);
            Some(current.slots.iter())
        })
        .flatten()
    }

    /// The slot at `index` in registry order, if the registry has that many: O(number of
    /// segments), which grows logarithmically.
    #[cfg(feature = "debra")]
    pub(crate) fn slot_at(&self, mut index: usize) -> Option<&Slot> {
        // Acquire: as in `slots`.
        let mut segment = self.head.load(Ordering::Acquire);
        loop {
            // SAFETY: as in `slots`.
            let current = unsafe { segment.as_ref() }?;
            if let Some(slot) = current.slots.get(index) {
                return Some(slot);
            }
            index -= current.slots.len();
            // Acquire: as in `slots`.
            segment = current.next.load(Ordering::Acquire);
        }
    }

    /// Claims a free slot, growing the registry if every slot is taken.
    pub(crate) fn claim(&self) -> Option<&Slot> {
        loop {
            let mut searched = 0;
            let found = self
                .slots()
                .inspect(|_| searched += 1)
                .find(|slot| slot.try_claim());
            if let Some(slot) = found {
                // The new owner inherits the garbage: it is no longer abandoned.
                self.take_abandoned(slot);
                return Some(slot);
            }
            if let Some(slot) = self.grow(searched)? {
                return Some(slot);
            }
        }
    }

    /// Appends a segment whose first slot is owned by the caller, after a search that saw
    /// `searched` slots found none free. `None`: the registry holds `max` slots, all of which
    /// the search saw taken; `Some(None)`: another thread appended slots the search did not
    /// see (or won the race to append), search again.
    ///
    /// The segment is linked by one CAS on the tail's `next`, and its size is decided from
    /// the segments already linked, so the limit is never exceeded and a registration never
    /// reports `RegistryFull` while slots are being added: lock-free, since a failed CAS means
    /// another registration made progress.
    fn grow(&self, searched: usize) -> Option<Option<&Slot>> {
        let mut link = &self.head;
        let mut end = 0;
        loop {
            // Acquire: as in `slots`.
            let segment = link.load(Ordering::Acquire);
            // SAFETY: segments are freed only by `Drop for Registry`, which `&self` excludes.
            let Some(segment) = (unsafe { segment.as_ref() }) else {
                break;
            };
            end = segment.start + segment.slots.len();
            link = &segment.next;
        }
        if end > searched {
            return Some(None);
        }
        let size = end.max(FIRST_SEGMENT).min(self.max - end);
        if size == 0 {
            return None;
        }
        let slots: Box<[Slot]> = (0..size).map(|index| Slot::new(index == 0)).collect();
        let segment = Box::into_raw(Box::new(Segment {
            slots,
            start: end,
            next: AtomicPtr::new(ptr::null_mut()),
            abandoned: AtomicUsize::new(0),
        }));
        // AcqRel on success: Release publishes the initialized segment to `slots()`'s Acquire
        // loads. Relaxed on failure: the segment that won is read by the next search.
        match link.compare_exchange(
            ptr::null_mut(),
            segment,
            Ordering::AcqRel,
            Ordering::Relaxed,
        ) {
            // SAFETY: just linked; lives until the registry is dropped.
            Ok(_) => Some(Some(unsafe { &(*segment).slots[0] })),
            Err(_) => {
                // SAFETY: `segment` came from `Box::into_raw` above and was never published.
                drop(unsafe { Box::from_raw(segment) });
                Some(None)
            }
        }
    }

    /// The first segment, once a participant has registered.
    pub(crate) fn first_segment(&self) -> Option<&Segment> {
        // Acquire: pairs with the AcqRel CAS in `grow` that linked it.
        // SAFETY: segments live until the registry is dropped, which `&self` excludes.
        unsafe { self.head.load(Ordering::Acquire).as_ref() }
    }

    /// Whether some released slot may still hold garbage.
    #[inline]
    fn has_abandoned(&self) -> bool {
        // Relaxed: a hint; a stale zero only delays adoption to a later flush.
        self.first_segment()
            .is_some_and(|first| first.abandoned.load(Ordering::Relaxed) != 0)
    }

    /// Clears `slot`'s abandoned mark (the caller owns the slot); whether it was set.
    fn take_abandoned(&self, slot: &Slot) -> bool {
        let was = slot.shared.abandoned.swap(false, Ordering::Relaxed);
        if was {
            if let Some(first) = self.first_segment() {
                // Relaxed: a hint counter; the garbage itself is ordered by the claim.
                first.abandoned.fetch_sub(1, Ordering::Relaxed);
            }
        }
        was
    }

    /// Moves the garbage of every abandoned slot into `local` (the caller owns `slot`, whose
    /// local state `local` is): IBR entries into its list, DEBRA entries (`into_stamped`)
    /// among the adopted ones that get a fresh stamp. Each abandoned slot is claimed for the
    /// moment of the move.
    pub(crate) fn adopt_abandoned(
        &self,
        #[allow(unused_variables, reason = "used by `stats`")] slot: &Slot,
        local: &mut Local,
        into_stamped: bool,
    ) {
        if !self.has_abandoned() {
            return;
        }
        let Some(first) = self.first_segment() else {
            return;
        };
        for other in self.slots() {
            // Relaxed pre-check: the claim below orders the garbage itself.
            if !other.shared.abandoned.load(Ordering::Relaxed) || !other.try_claim() {
                continue;
            }
            if self.take_abandoned(other) {
                let _before = local.pending();
                // SAFETY: claimed just above; the closure only moves entries.
                unsafe { other.with_local(|abandoned| local.adopt_from(abandoned, into_stamped)) };
                stat!(crate::stats::bump(
                    &slot.stats.adopted,
                    (local.pending() - _before) as u64
                ));
            }
            release(first, other, false);
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        // Relaxed: `&mut self` excludes every other access (loom's atomics have no `get_mut`).
        let mut segment = self.head.load(Ordering::Relaxed);
        while !segment.is_null() {
            // SAFETY: every segment was created by `Box::into_raw` in `grow` and is linked
            // exactly once; `&mut self` means nobody else can reach it any more.
            let boxed = unsafe { Box::from_raw(segment) };
            // Relaxed: as above.
            segment = boxed.next.load(Ordering::Relaxed);
        }
    }
}

/// Gives up ownership of `slot`; `has_garbage` marks it abandoned for adoption. `first` is the
/// registry's first segment (a free function, not a method: thread-exit releases reach the
/// registry only through its segments, since the domain may have moved).
///
/// The caller owns `slot` and has already cleared its published reservation or announcement.
pub(crate) fn release(first: &Segment, slot: &Slot, has_garbage: bool) {
    if has_garbage {
        slot.shared.abandoned.store(true, Ordering::Relaxed);
        // Relaxed: a hint counter (see `Registry::claim`).
        first.abandoned.fetch_add(1, Ordering::Relaxed);
    }
    // Release: pairs with the Acquire of the next `try_claim` (local state hand-over) and of
    // `is_owned` (cleared reservation before FREE).
    slot.shared.state.store(FREE, Ordering::Release);
}
