//! [`Ibr`]: 2GE interval-based reclamation, bounded garbage under stalled readers.
//!
//! Wen, Izraelevitz, Cai, Beadle and Scott, *Interval-Based Memory Reclamation*, PPoPP 2018,
//! the "2GEIBR" variant (reference tracker: urcs-sync/Interval-Based-Reclamation,
//! `RangeTrackerNew.hpp`). Written for this crate from the paper; the deviations are listed
//! below.
//!
//! # Protocol
//!
//! - Every node records its **birth epoch** when it is allocated ([`Owned::new`]).
//! - A pinned participant publishes a **reservation** `[lower, upper]`: at the outermost pin
//!   both are the current epoch; every protected load reads the link, then the epoch, and if
//!   the epoch moved past `upper`, raises `upper` and reads the link again. So `upper` always
//!   covers the birth of every node the participant holds, and `lower` is no later than the
//!   epoch in which it could first have seen any of them.
//! - A retired object gets a **stamp**: an epoch at least as late as the one current when it
//!   was unlinked. The stamp is taken lazily, by the next scan, after a SeqCst fence (one
//!   fence per scan instead of one per retirement; a later stamp only delays freeing).
//! - A **scan** frees every entry whose `[birth, stamp]` intersects no published reservation.
//!   The `retire_threshold`-th retirement since the last scan makes one due; it runs when the
//!   participant's outermost guard drops, after its reservation is cleared (so the retirer's
//!   own reservation does not keep the batch for one more scan), or in place at twice the
//!   threshold if the participant is still pinned then (a long guard), or on `flush`.
//! - The epoch advances by one every `epoch_frequency` retirements of a participant.
//!
//! A reader stalled with reservation `[L, U]` keeps only objects born at or before `U`; once
//! the epoch passes `U`, which takes at most `epoch_frequency` retirements of any participant,
//! everything allocated afterwards is reclaimable again. With one writer that pins per
//! retirement, pending garbage peaks at `retire_threshold + epoch_frequency` (the objects
//! the stalled reader can hold, plus one batch not yet scanned), independent of the number
//! of retirements: 96 at the defaults (64 and 32), the bound `tests/stall.rs` asserts and
//! reaches. A participant that stays pinned across many retirements scans at twice the
//! threshold, and its own reservation keeps what it retired under that guard.
//!
//! # Orderings (ALGORITHMS.md §0.4)
//!
//! - Pin: SeqCst load of the epoch (`L`), stores of `lower` (Release) and `upper` (Relaxed),
//!   then `fence(SeqCst)`: the StoreLoad barrier between publishing and reading links.
//! - Unpin: Release store of `upper` only (a scan skips a slot whose `upper` is inactive).
//! - Raise: Relaxed store of `upper`, `fence(SeqCst)`, re-read the link.
//! - Scan: `fence(SeqCst)`, SeqCst load of the epoch (the stamp `R`), Acquire loads of every
//!   reservation (pairing with the Release stores of unpin).
//!
//! Why `L <= R` for any reader that still holds an unlinked object: the reader's link load
//! read a value older than the unlink, so its fence precedes the scanner's fence in the
//! SeqCst order (C++20 [atomics.order] p4.4 with the unlink happening before the scanner's
//! fence); its SeqCst epoch load precedes its fence and the scanner's SeqCst epoch load
//! follows its own, so `R` cannot read an older epoch than `L` (p4.1). Why `birth <= upper`:
//! the reader Acquired the node's publication, which follows the allocator's epoch read, so
//! its own later epoch load returns at least the birth (read-read coherence).
//!
//! # Deviations from the reference
//!
//! - Lazy stamping at scan time, as above (the reference reads the epoch at each retire).
//! - Scans run at the outermost unpin (the reference scans inside `retire`).
//! - The epoch advances on retirements, not allocations: allocation ([`Owned::new`]) needs
//!   only a domain, not a participant, and a structure that never retires produces no garbage
//!   to bound.
//! - Deferred closures have birth 0, so they wait for every reservation overlapping their
//!   stamp (epoch-based semantics).

#[cfg(doc)]
use crate::Owned;
use crate::reclaim::{BirthEpoch, Kind, Reclaim};

/// 2GE interval-based reclamation (feature `ibr`): a reader stalled inside a guard pins only
/// the objects born before its reservation, so garbage stays bounded.
///
/// Cost: an 8-byte birth epoch per node, an epoch load per protected load (a retry only when
/// the epoch moved), and a scan of all reservations every `retire_threshold` retirements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ibr;

impl crate::reclaim::sealed::Sealed for Ibr {}

impl Reclaim for Ibr {
    type Header = BirthEpoch;
    const NAME: &'static str = "ibr";
    const BOUNDED_UNDER_STALL: bool = true;
    const KIND: Kind = Kind::Ibr;
}

pub(crate) mod imp {
    use core::mem;

    use crate::{
        domain::Core,
        local::Local,
        reclaim::{INACTIVE, MAX_EPOCH},
        registry::Slot,
        retired::{FreeBatch, Retired},
        stats::stat,
        sync::atomic::{Ordering, fence},
    };

    /// Outermost pin: publish `[e, e]`.
    ///
    /// # Safety
    ///
    /// The caller owns `slot`.
    #[inline]
    pub(crate) unsafe fn pin(core: &Core, slot: &Slot) {
        // SAFETY: the caller owns `slot`; the closure touches only crate state.
        unsafe {
            slot.with_local(|local| {
                local.pins += 1;
                if local.pins == 1 {
                    // SeqCst: this load (`L`) must be ordered in the SeqCst total order with
                    // the scanner's stamp load (module docs, "Why L <= R").
                    let epoch = core.epoch.load(Ordering::SeqCst);
                    // Release: pairs with the Acquire load of `lower` in `scan`. A scanner
                    // that pairs a stale `upper` of the previous pin with this `lower` then
                    // still sees everything the previous pin read happen before its frees.
                    slot.shared.first.store(epoch, Ordering::Release);
                    // Relaxed: as above.
                    slot.shared.second.store(epoch, Ordering::Relaxed);
                    // SeqCst fence: StoreLoad between publishing the reservation and the
                    // protected loads that follow; pairs with the fence in `scan`.
                    fence(Ordering::SeqCst);
                    local.epoch = epoch;
                }
            });
        }
    }

    /// Ends one pin; the outermost clears the reservation and returns whether a scan is due
    /// (the caller then scans through [`flush`], unpinned, unless it is unwinding).
    ///
    /// Scanning here, unpinned, rather than inside the retirement that made the scan due:
    /// the participant's own reservation is gone, so it no longer keeps every entry stamped
    /// in this scan alive until the next one (each entry is examined once, not twice, and
    /// half as much garbage waits). While the thread unwinds the caller skips the scan (a
    /// panicking destructor would abort); it then waits for the next unpin.
    ///
    /// # Safety
    ///
    /// The caller owns `slot` and is pinned.
    #[inline]
    pub(crate) unsafe fn unpin(slot: &Slot) -> bool {
        // SAFETY: the caller owns `slot`; the closure touches crate state only.
        let (last, due) = unsafe {
            slot.with_local(|local| {
                local.pins -= 1;
                (local.pins == 0, local.scan_due)
            })
        };
        if last {
            clear_reservation(slot);
        }
        last && due
    }

    /// Ends the reservation. Only `upper` is cleared: a scan skips a slot whose `upper` is
    /// inactive without reading `lower`, and the next pin overwrites `lower` before `upper`
    /// (a scanner that reads the new `upper` with a stale, smaller `lower` only keeps more).
    #[inline]
    fn clear_reservation(slot: &Slot) {
        // Release: pairs with the Acquire load of `upper` in `scan`: everything this
        // participant read under the guard happens before a scanner that sees the cleared
        // reservation frees.
        slot.shared.second.store(INACTIVE, Ordering::Release);
    }

    /// The 2GE protected load: returns a value of `load` read while the reservation's upper
    /// bound was at least the epoch read after it.
    ///
    /// # Safety
    ///
    /// The caller owns `slot` and is pinned.
    #[inline(always)]
    pub(crate) unsafe fn protect(
        core: &Core,
        slot: &Slot,
        mut load: impl FnMut() -> *mut (),
    ) -> *mut () {
        // SAFETY: the caller owns `slot`; `load` is crate code (an atomic load).
        unsafe {
            slot.with_local(|local| {
                loop {
                    let ptr = load();
                    // Acquire: read after the link's Acquire load, so by coherence at least
                    // the epoch the node was born in (module docs, "Why birth <= upper").
                    let epoch = core.epoch.load(Ordering::Acquire);
                    if epoch <= local.epoch {
                        return ptr;
                    }
                    // Relaxed: published by the fence below.
                    slot.shared.second.store(epoch, Ordering::Relaxed);
                    // SeqCst fence: StoreLoad before re-reading the link; pairs with the
                    // fence in `scan`.
                    fence(Ordering::SeqCst);
                    local.epoch = epoch;
                }
            })
        }
    }

    /// Raises the reservation to cover an object born in `birth` that this participant got
    /// without a protected load: a node it is about to publish (`Owned` stored by swap or
    /// CAS, or turned into a `Shared`) or one it just unlinked (the result of a swap). Called
    /// before the node is published, or before it can be retired, so a scan that could free
    /// it sees the raised bound (the fence below pairs with the scan's).
    ///
    /// # Safety
    ///
    /// The caller owns `slot` and is pinned.
    #[inline]
    pub(crate) unsafe fn cover(slot: &Slot, birth: u64) {
        // SAFETY: the caller owns `slot`; the closure touches crate state only.
        unsafe {
            slot.with_local(|local| {
                if birth > local.epoch {
                    // Relaxed: published by the fence below.
                    slot.shared.second.store(birth, Ordering::Relaxed);
                    // SeqCst fence: as in `protect`'s raise.
                    fence(Ordering::SeqCst);
                    local.epoch = birth;
                }
            });
        }
    }

    /// Records a retirement; advances the epoch and scans at their thresholds.
    ///
    /// # Safety
    ///
    /// The caller owns `slot` and is pinned; `entry` satisfies `Guard::retire`'s contract.
    #[inline]
    pub(crate) unsafe fn retire(core: &Core, slot: &Slot, entry: Retired) -> Option<FreeBatch> {
        // SAFETY: the caller owns `slot`; the closure runs no user code (destructors run
        // later, from the returned batch).
        unsafe {
            slot.with_local(|local| {
                local.bags[0].push(entry);
                local.since_advance += 1;
                if local.since_advance >= core.epoch_frequency {
                    local.since_advance = 0;
                    advance(core);
                }
                local.since_scan += 1;
                if local.since_scan < core.retire_threshold {
                    None
                } else if local.since_scan < 2 * core.retire_threshold {
                    // Due: the outermost unpin scans (see `unpin`).
                    local.scan_due = true;
                    None
                } else {
                    // Still pinned a threshold later (a long guard): scan now, so garbage
                    // stays bounded by the threshold whatever the guard's length.
                    local.since_scan = 0;
                    local.scan_due = false;
                    Some(scan(core, slot, local))
                }
            })
        }
    }

    /// Scans now (adopting released participants' garbage first).
    ///
    /// # Safety
    ///
    /// The caller owns `slot`.
    pub(crate) unsafe fn flush(core: &Core, slot: &Slot) -> Option<FreeBatch> {
        // SAFETY: as in `retire`.
        unsafe {
            slot.with_local(|local| {
                local.since_scan = 0;
                local.scan_due = false;
                Some(scan(core, slot, local))
            })
        }
    }

    /// Clears the reservation; the garbage stays for adoption (entries carry their epochs).
    ///
    /// # Safety
    ///
    /// The caller owns `slot` and no guard of it is in use.
    pub(crate) unsafe fn prepare_release(slot: &Slot) -> bool {
        clear_reservation(slot);
        // SAFETY: the caller owns `slot`.
        unsafe {
            slot.with_local(|local| {
                local.pins = 0;
                local.since_advance = 0;
                local.since_scan = 0;
                local.scan_due = false;
                local.pending() != 0
            })
        }
    }

    /// Moves the epoch one step forward (a failed CAS means another participant did).
    fn advance(core: &Core) {
        // Relaxed: only the CAS below decides.
        let epoch = core.epoch.load(Ordering::Relaxed);
        if epoch < MAX_EPOCH {
            // SeqCst: the epoch's modifications join the SeqCst order its loads are in
            // (pin and scan); Relaxed on failure: nothing to order.
            let _advanced = core
                .epoch
                .compare_exchange(epoch, epoch + 1, Ordering::SeqCst, Ordering::Relaxed)
                .is_ok();
            stat!(if _advanced {
                // Relaxed: statistics.
                core.stats.epoch_advances.fetch_add(1, Ordering::Relaxed);
            });
        }
    }

    /// Adopts abandoned garbage, stamps unstamped entries, reads every reservation and moves
    /// the entries no reservation covers into a batch to free.
    #[inline(never)]
    fn scan(core: &Core, slot: &Slot, local: &mut Local) -> FreeBatch {
        core.registry.adopt_abandoned(slot, local, false);
        // SeqCst fence: the Dekker partner of the fences in `pin` and `protect`: either a
        // reader's fence comes first and its reservation is visible below, or ours does and
        // the reader's later link loads see every unlink that happened before this scan
        // (including those of adopted entries, ordered by the adoption's claim above).
        fence(Ordering::SeqCst);
        // SeqCst: the stamp `R` (module docs, "Why L <= R").
        let stamp = core.epoch.load(Ordering::SeqCst);
        local.reservations.clear();
        for other in core.registry.slots() {
            // Acquire: pairs with the Release store in `clear_reservation`.
            let upper = other.shared.second.load(Ordering::Acquire);
            if upper == INACTIVE {
                continue;
            }
            // Acquire: pairs with the Release store of `lower` in `pin` (see there). Beyond
            // that, if the pin that stored it precedes this scan's fence in the SeqCst order,
            // the fence makes its stores visible here; otherwise that reader cannot reach
            // what this scan frees (its later loads see the unlinks), whatever we read.
            let lower = other.shared.first.load(Ordering::Acquire);
            if lower <= upper {
                local.reservations.push((lower, upper));
            }
        }
        stat!(record_scan(core, slot));
        // The whole list becomes the batch (the spare buffer becomes the list); the entries
        // a reservation still covers are moved back. A scan at unpin usually keeps none, so
        // the common case moves nothing.
        let mut batch = mem::replace(&mut local.bags[0], mem::take(&mut local.spare));
        if local.reservations.is_empty() {
            // No participant is pinned (a single thread scanning at its unpin): everything
            // goes, and no entry needs a stamp.
            return FreeBatch::of(batch);
        }
        let reservations = &local.reservations;
        let mut kept = 0;
        for index in 0..batch.len() {
            let entry = &mut batch[index];
            if entry.stamp == INACTIVE {
                entry.stamp = stamp;
            }
            let protected = reservations
                .iter()
                .any(|&(lower, upper)| lower <= entry.stamp && entry.birth <= upper);
            if protected {
                if kept != index {
                    batch.swap(kept, index);
                }
                kept += 1;
            }
        }
        local.bags[0].extend(batch.drain(..kept));
        FreeBatch::of(batch)
    }

    /// Counts a scan and samples the domain's pending garbage for the peak (`stats`).
    #[cfg(feature = "stats")]
    fn record_scan(core: &Core, slot: &Slot) {
        crate::stats::bump(&slot.stats.scans, 1);
        crate::stats::record_peak(core);
    }
}
