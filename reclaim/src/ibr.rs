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
//!   participant's outermost guard drops, unpinned (its own reservation no longer counts, so
//!   it does not keep the batch for one more scan), or in place at twice the threshold if the
//!   participant is still pinned then (a long guard), or on `flush`.
//! - The epoch advances by one every `epoch_frequency` retirements of a participant.
//!
//! # Sticky reservations
//!
//! Where an asymmetric fence pair exists (`src/barrier.rs`: Linux with `std`, via
//! membarrier(2)), the outermost unpin leaves the reservation published and only clears the
//! slot's `active` flag; the next outermost pin, if the epoch still equals the published
//! `lower`, re-enters that reservation without publishing or fencing: it sets `active` (a
//! plain store), runs the light fence (a compiler fence) and checks that `upper` still holds
//! the value it published. A Treiber stack's push and pop thus pay no fence of their own (one
//! per epoch advance instead of one per operation: 58 → 83 Mops/s for a single thread's
//! push/pop pairs on the family's benchmark host). Re-entering is sound because the
//! reservation was made visible by the fence of the pin that published it, which precedes
//! every later protected load of its owner just as the current pin's own fence would; the
//! "Why" arguments below only need *a* fence after the publication of the reservation in
//! force and before the loads.
//!
//! The price is that a participant between guards still publishes its last reservation, which
//! keeps what it could have seen then, like a reader stalled at that point: bounded (the
//! paragraph after the protocol), but not freed while the participant stays idle. Hence
//! revocation.
//!
//! # Revocation
//!
//! A scan that keeps entries behind the sticky reservation of a participant outside every
//! guard revokes it: at least `retire_threshold` kept entries for the scans that unpins and
//! long guards make due, any for an explicit `flush` (so a flush brings memory back whatever
//! other threads do, as before). For each such participant (`active` false, the reservation
//! covers a kept entry) the scanner marks `upper` with `REVOKING` (bit 63) by CAS,
//! then runs one heavy fence for all of them, then reads each `active` again:
//!
//! - still false: the owner is outside every guard, and its next check will see the mark
//!   (the pairing below); CAS the mark to `INACTIVE` (revoked). Its next pin publishes anew.
//! - true: the owner may have passed its check before the mark and be reading under the
//!   reservation; CAS the mark back to the plain `upper` (undone).
//!
//! Then, if it marked a reservation or found one changed since its scan (an owner that moved
//! on, or released its slot meanwhile), it scans again. The pairing is the store-buffering
//! pattern with a light fence on one side and the heavy fence on the other: either the
//! owner's `active` store precedes the heavy fence's barrier in the owner's thread, and the
//! re-read sees it, or the owner's check follows that barrier and sees the mark (which the
//! CAS made visible before the heavy fence began). Scanners treat a marked reservation as
//! published, so the reservation protects until the revoker decides. An owner that republishes (a new epoch, a raise) overwrites the
//! mark; the revoker's final CAS then fails and changes nothing. Only the scanner that marked a
//! reservation resolves the mark: a scanner that merely saw it cannot know whether its own
//! heavy fence came after the mark.
//!
//! Without a heavy fence (no `std`, other systems, a kernel without membarrier), or in a
//! domain built from a `Config` with `sticky_reservations` off (for code that must not
//! interrupt other threads of the process, or a host whose interrupts are slow), reservations
//! are cleared at every outermost unpin, as the reference does. The choice is per domain,
//! never per participant: a revoker reads `active`, which eager participants never set. Under Miri and loom both
//! fences are `fence(SeqCst)`, so the tools run this protocol on the real code (the
//! asymmetric pairing itself is the kernel's guarantee; `specs/formal/ibr_sticky.pml` models
//! it as a store buffer the heavy fence drains).
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
//! - Pin (publishing): SeqCst load of the epoch (`L`), Relaxed store of `active` (sticky
//!   only), Release stores of `lower` and `upper`, then `fence(SeqCst)`: the StoreLoad
//!   barrier between publishing and reading links. The Release on `upper` also lets a revoker
//!   whose mark CAS reads it see `active`.
//! - Pin (re-entering): SeqCst load of the epoch, Relaxed store of `active`, light fence,
//!   Acquire load of `upper` (the check; it keeps the protected loads after it).
//! - Unpin: Release store of `active = false` (sticky), else of `upper = INACTIVE`.
//! - Raise: Relaxed store of `upper`, `fence(SeqCst)`, re-read the link.
//! - Scan: `fence(SeqCst)`, SeqCst load of the epoch (the stamp `R`), Acquire loads of every
//!   reservation (pairing with the Release stores of unpin, publication and revocation).
//! - Revoke: Relaxed mark CAS, heavy fence, Acquire load of `active` (pairing with the
//!   owner's Release at unpin: its reads happen before the frees), Release CAS to `INACTIVE`
//!   (passing them on to scanners that read it).
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
/// Under `std` on Linux an outermost guard needs no fence while the epoch stays the same
/// (sticky reservations, module docs); a participant outside every guard then keeps what it
/// could see at its last guard until a scan that this keeps from freeing revokes it (a
/// membarrier(2) call: microseconds, only when garbage is actually held back). Everywhere
/// else, and in domains built with `Config::with_sticky_reservations(false)`, each outermost
/// guard publishes its reservation with one fence and clears it on drop.
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
        barrier,
        domain::Core,
        local::{Local, Seen},
        reclaim::{INACTIVE, MAX_EPOCH},
        registry::Slot,
        retired::{FreeBatch, Retired},
        stats::stat,
        sync::atomic::{Ordering, fence},
    };

    /// Bit 63 of a published `upper`: a scanner is revoking the reservation (module docs,
    /// "Revocation"). Epochs stay below it ([`MAX_EPOCH`]).
    pub(crate) const REVOKING: u64 = 1 << 63;

    /// Outermost pin: re-enter the sticky reservation if it still covers the current epoch,
    /// otherwise publish `[e, e]`.
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
                    if !(local.sticky && local.lower == epoch && resume(slot, local.epoch)) {
                        publish(core, slot, local, epoch);
                    }
                }
            });
        }
    }

    /// Whether `core`'s participants leave their reservations published between guards: only
    /// then may a scanner revoke one (an eager participant never announces its guards in
    /// `active`, so revoking it could free what it reads).
    #[inline]
    fn sticky_domain(core: &Core) -> bool {
        core.sticky_reservations && barrier::available()
    }

    /// Re-enters the sticky reservation whose upper bound is `upper`: announces the guard,
    /// then checks that no scanner has marked or revoked the reservation since it was
    /// published (module docs, "Sticky reservations").
    #[inline(always)]
    fn resume(slot: &Slot, upper: u64) -> bool {
        // Relaxed: ordered before the check below by the light fence, which pairs with the
        // heavy fence a revoker runs between its mark and its read of this flag.
        slot.shared.active.store(true, Ordering::Relaxed);
        barrier::light();
        // Acquire: keeps the protected loads that follow after this check. Unchanged means
        // no mark: a marked or revoked bound differs from every published one.
        slot.shared.second.load(Ordering::Acquire) == upper
    }

    /// Publishes `[epoch, epoch]` and fences: the outermost pin's slow path.
    #[inline(never)]
    fn publish(core: &Core, slot: &Slot, local: &mut Local, epoch: u64) {
        let sticky = sticky_domain(core);
        if sticky {
            // Relaxed: made visible by the Release store of `upper` below (a revoker whose
            // mark CAS reads that store sees the flag) and by the fence.
            slot.shared.active.store(true, Ordering::Relaxed);
        }
        // Release: pairs with the Acquire load of `lower` in `scan`. A scanner that pairs a
        // stale `upper` of the previous pin with this `lower` then still sees everything the
        // previous pin read happen before its frees.
        slot.shared.first.store(epoch, Ordering::Release);
        // Release: pairs with a revoker's mark CAS (see `active` above); otherwise as `lower`.
        slot.shared.second.store(epoch, Ordering::Release);
        // SeqCst fence: StoreLoad between publishing the reservation and the protected loads
        // that follow; pairs with the fence in `scan`.
        fence(Ordering::SeqCst);
        local.epoch = epoch;
        local.lower = epoch;
        local.sticky = sticky;
    }

    /// Ends one pin; the outermost leaves the reservation published (sticky) or clears it,
    /// and returns whether a scan is due (the caller then scans through [`flush`],
    /// unpinned, unless it is unwinding).
    ///
    /// Scanning here, unpinned, rather than inside the retirement that made the scan due:
    /// the participant's own reservation no longer counts (a scan skips the scanner's own
    /// slot while it is unpinned), so it does not keep every entry stamped in this scan
    /// alive until the next one (each entry is examined once, not twice, and half as much
    /// garbage waits). While the thread unwinds the caller skips the scan (a panicking
    /// destructor would abort); it then waits for the next unpin.
    ///
    /// # Safety
    ///
    /// The caller owns `slot` and is pinned.
    #[inline]
    pub(crate) unsafe fn unpin(slot: &Slot) -> bool {
        // SAFETY: the caller owns `slot`; the closure touches crate state only.
        let (last, due, sticky) = unsafe {
            slot.with_local(|local| {
                local.pins -= 1;
                (local.pins == 0, local.scan_due, local.sticky)
            })
        };
        if last {
            if sticky {
                // Release: pairs with the Acquire load of this flag in `revoke_idle`: what
                // this participant read under the guard happens before a revoker's frees.
                slot.shared.active.store(false, Ordering::Release);
            } else {
                clear_reservation(slot);
            }
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
                    Some(scan_revoking(core, slot, local, core.retire_threshold))
                }
            })
        }
    }

    /// Scans now (adopting released participants' garbage first).
    ///
    /// # Safety
    ///
    /// The caller owns `slot`.
    /// `explicit`: a [`Domain::flush`](crate::Domain::flush) (or a guard's), which revokes
    /// idle sticky reservations that keep anything; otherwise the scan an unpin made due,
    /// which revokes only when they keep a whole threshold's worth.
    pub(crate) unsafe fn flush(core: &Core, slot: &Slot, explicit: bool) -> Option<FreeBatch> {
        // SAFETY: as in `retire`.
        unsafe {
            slot.with_local(|local| {
                local.since_scan = 0;
                local.scan_due = false;
                let revoke_at = if explicit { 1 } else { core.retire_threshold };
                Some(scan_revoking(core, slot, local, revoke_at))
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
        // Release: as in `unpin` (the slot's next owner starts unpinned).
        slot.shared.active.store(false, Ordering::Release);
        // SAFETY: the caller owns `slot`.
        unsafe {
            slot.with_local(|local| {
                local.pins = 0;
                local.sticky = false;
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

    /// [`scan`], then, if idle sticky reservations of other participants keep at least
    /// `revoke_at` entries and revoking them is possible, revokes them and frees what they
    /// kept (module docs, "Revocation").
    fn scan_revoking(core: &Core, slot: &Slot, local: &mut Local, revoke_at: usize) -> FreeBatch {
        let mut batch = scan(core, slot, local);
        if local.bags[0].len() >= revoke_at && sticky_domain(core) && revoke_idle(core, slot, local) {
            let freed = scan(core, slot, local);
            batch.append(freed);
        }
        batch
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
        // Unpinned, the scanner's own sticky reservation protects nothing of its own.
        let skip_own = local.pins == 0;
        for (index, other) in core.registry.slots().enumerate() {
            if skip_own && core::ptr::eq(other, slot) {
                continue;
            }
            if let Some(seen) = read_reservation(index, other) {
                local.reservations.push(seen);
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
            if covered(reservations, entry) {
                if kept != index {
                    batch.swap(kept, index);
                }
                kept += 1;
            }
        }
        local.bags[0].extend(batch.drain(..kept));
        FreeBatch::of(batch)
    }

    /// The reservation `other` (at registry index `index`) publishes, if any, a marked one
    /// included (its owner may still be inside a guard until the revoker has decided).
    #[inline]
    fn read_reservation(index: usize, other: &Slot) -> Option<Seen> {
        // Acquire: pairs with the Release store in `clear_reservation`, with a revoker's
        // Release CAS to INACTIVE (which carries the owner's unpin), and with the Release
        // store of `upper` in `publish`.
        let word = other.shared.second.load(Ordering::Acquire);
        if word == INACTIVE {
            return None;
        }
        // Acquire: pairs with the Release store of `lower` in `publish` (see there). Beyond
        // that, if the pin that stored it precedes this scan's fence in the SeqCst order,
        // the fence makes its stores visible here; otherwise that reader cannot reach what
        // this scan frees (its later loads see the unlinks), whatever we read.
        let lower = other.shared.first.load(Ordering::Acquire);
        let upper = word & !REVOKING;
        (lower <= upper).then_some(Seen {
            lower,
            upper,
            slot: index,
            word,
        })
    }

    /// Whether a reservation intersects the entry's `[birth, stamp]`.
    #[inline]
    fn covers(seen: &Seen, entry: &Retired) -> bool {
        seen.lower <= entry.stamp && entry.birth <= seen.upper
    }

    /// Whether any of `reservations` covers the entry.
    #[inline]
    fn covered(reservations: &[Seen], entry: &Retired) -> bool {
        reservations.iter().any(|seen| covers(seen, entry))
    }

    /// Revokes the sticky reservations of participants outside any guard that keep one of
    /// this participant's pending entries (module docs, "Revocation"). Visits only the slots
    /// the scan before read a reservation from (no other can keep anything), and every
    /// pending entry is stamped (that scan did it). Returns whether a second scan can free
    /// more: a reservation was marked (and then revoked, or undone), or one changed since the
    /// scan (its owner moved on, or released it at thread exit).
    #[cold]
    #[inline(never)]
    fn revoke_idle(core: &Core, slot: &Slot, local: &mut Local) -> bool {
        local.revoking.clear();
        let mut changed = false;
        let mut slots = core.registry.slots().enumerate();
        for seen in &local.reservations {
            // Slots come in registry order, as the scan pushed them.
            let Some((_, other)) = slots.find(|&(index, _)| index == seen.slot) else {
                break;
            };
            if core::ptr::eq(other, slot) {
                continue;
            }
            // Relaxed: compared with what the scan read; only the mark CAS below acts on it.
            if other.shared.second.load(Ordering::Relaxed) != seen.word {
                changed = true;
                continue;
            }
            // Another revoker's mark (only it resolves it), or an owner inside a guard
            // (Relaxed: a hint; the decision is the re-read after the heavy fence).
            if seen.word & REVOKING != 0 || other.shared.active.load(Ordering::Relaxed) {
                continue;
            }
            if !local.bags[0].iter().any(|entry| covers(seen, entry)) {
                continue;
            }
            // Relaxed: the heavy fence below orders the mark before the re-read of `active`,
            // and the owner's check reads the mark with Acquire (the pair in the module docs).
            let marked = other
                .shared
                .second
                .compare_exchange(seen.word, seen.word | REVOKING, Ordering::Relaxed, Ordering::Relaxed)
                .is_ok();
            if marked {
                local.revoking.push((seen.slot, seen.word));
            } else {
                changed = true;
            }
        }
        if local.revoking.is_empty() {
            return changed;
        }
        barrier::heavy();
        let mut marks = local.revoking.iter().peekable();
        for (index, other) in core.registry.slots().enumerate() {
            let Some(&&(marked_index, upper)) = marks.peek() else {
                break;
            };
            if index != marked_index {
                continue;
            }
            marks.next();
            // Acquire: pairs with the owner's Release store of `false` at its outermost
            // unpin: what it read under its guards happens before the frees that follow.
            let target = if other.shared.active.load(Ordering::Acquire) {
                // Inside a guard, possibly under the unmarked reservation: undo.
                upper
            } else {
                // Outside: its next pin finds the mark, or INACTIVE, and publishes afresh.
                INACTIVE
            };
            // Release: a scanner that reads INACTIVE with Acquire gets the owner's reads
            // through this CAS. A failure means the owner published a new bound over the
            // mark (it is pinned, or was since): nothing to undo, nothing revoked.
            let resolved = other.shared.second.compare_exchange(
                upper | REVOKING,
                target,
                Ordering::Release,
                Ordering::Relaxed,
            );
            if resolved.is_ok() && target == INACTIVE {
                stat!(
                    // Relaxed: statistics.
                    core.stats.revocations.fetch_add(1, Ordering::Relaxed);
                );
            }
        }
        true
    }

    /// Counts a scan and samples the domain's pending garbage for the peak (`stats`).
    #[cfg(feature = "stats")]
    fn record_scan(core: &Core, slot: &Slot) {
        crate::stats::bump(&slot.stats.scans, 1);
        crate::stats::record_peak(core);
    }
}
