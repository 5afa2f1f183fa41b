//! [`Debra`]: distributed epoch-based reclamation.
//!
//! Trevor Brown, *Reclaiming Memory for Lock-Free Data Structures: There has to be a Better
//! Way*, PODC 2015 (DEBRA; reference: setbench `common/recordmgr/reclaimer_debra.h`).
//! Written for this crate from the paper; the deviations are listed below.
//!
//! # Protocol
//!
//! - The global epoch advances in steps of 2; an announcement is `epoch` while the
//!   participant is inside a guard and `epoch | 1` (quiescent) otherwise.
//! - **Outermost pin** ("leave quiescent state"): read the epoch; if it changed since this
//!   participant last looked, **rotate** its three limbo bags, freeing the one that becomes
//!   current; announce the epoch; `fence(SeqCst)`; **validate**: read the epoch again and
//!   start over if it moved; then, if the participant has garbage waiting, check **one**
//!   other participant's announcement. When every participant has been seen quiescent or in
//!   the current epoch, CAS the epoch forward. Amortized O(1) per pin.
//! - **Unpin**: announce quiescent.
//! - **Retire**: push into the current bag. No scanning.
//!
//! An object is freed once its retirer has **observed three new epochs** after retiring it
//! (one rotation per observation, however far the epoch moved). Counting observations, not
//! epoch steps, matters: an announcement can be stale (a participant reads the epoch, is
//! delayed while still quiescent, the epoch moves on, then it announces the old value).
//!
//! Validated announcements. Between reading the epoch and announcing it a participant still
//! looks quiescent, so the epoch may move on and the announcement be stale. The re-read after
//! the announcement's fence closes that window: if it still returns `a`, any checker that
//! later advances from `a + 2` reads the announcement after its own fence, which follows
//! ours in the SeqCst order (otherwise our re-read would have seen `a + 2`), so it sees `a`
//! and refuses. Hence, while a participant stays pinned after announcing `a`, the epoch stays
//! at most `a + 2`.
//!
//! Why freeing is safe. Let `R` be a reader that still holds object `X` and announced `a`.
//! While `R` stays pinned the epoch cannot pass `a + 2` (an advance needs every participant
//! quiescent or in the current epoch). The retirer's first observation after unlinking `X`,
//! `g1`, satisfies `g1 >= a`: an observation that rotates is made after a SeqCst fence
//! (the fast path only compares), `R` read `X` before the unlink, so `R`'s fence precedes
//! that fence in the SeqCst order (C++20 [atomics.order] p4.4), and both epoch loads are
//! SeqCst, so the later one cannot read an older value (p4.1). The third
//! observation is at least `g1 + 4 >= a + 4 > a + 2`, so `R` has left by then. Garbage of a
//! released participant is stamped by its adopter with an epoch read (SeqCst, after a fence)
//! after the adoption, which by the same argument is at least `a`, and freed at
//! `stamp + 6 > a + 2`.
//!
//! **Not bounded under a stall**: one participant stalled inside a guard stops every epoch
//! advance of its domain, so garbage grows without limit until it leaves (the tests show the
//! growth and the recovery). Choose [`Ibr`](crate::Ibr) where that matters; DEBRA+
//! neutralization is planned as a separate scheme.
//!
//! # Orderings (ALGORITHMS.md §0.4)
//!
//! - Announcements are Release stores and are read with Acquire loads: a checker that sees a
//!   participant quiescent or in the new epoch also sees every unlink that participant did
//!   before. The epoch's loads in `pin`/`flush` and its CAS are SeqCst: the safety argument
//!   above places them in the SeqCst order (on x86 a SeqCst load is a plain load).
//! - `fence(SeqCst)` after announcing, before any protected load: StoreLoad. Its partner is
//!   the fence a checker executes after announcing itself, before it reads announcements
//!   (checks run after the checker's own pin fence, and `flush` fences before its checks).
//!
//! # Deviations from the reference
//!
//! - Only participants with garbage waiting spend pins on checking others: an idle reader's
//!   pin touches no other participant's cache line.
//! - The announcement is validated by re-reading the epoch (one more load per pin); the
//!   reference relies on the epoch not advancing past a participant it has not seen.
//! - Bags are growable vectors, not 256-pointer blocks; garbage of released participants is
//!   stamped by its adopter (with a fresh epoch) and freed once the epoch is three steps past.

use crate::reclaim::{Kind, NoHeader, Reclaim};

/// Distributed epoch-based reclamation (feature `debra`): the cheapest read side (one store,
/// one fence per outermost pin, plain protected loads) and no per-node header, but a reader
/// stalled inside a guard blocks all reclamation in its domain (unbounded garbage).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Debra;

impl crate::reclaim::sealed::Sealed for Debra {}

impl Reclaim for Debra {
    type Header = NoHeader;
    const NAME: &'static str = "debra";
    const BOUNDED_UNDER_STALL: bool = false;
    const KIND: Kind = Kind::Debra;
}

pub(crate) mod imp {
    use core::{mem, ptr};

    use crate::{
        domain::Core,
        local::Local,
        reclaim::{INACTIVE, MAX_EPOCH},
        registry::Slot,
        retired::{FreeBatch, Retired, free_batch},
        stats::stat,
        sync::atomic::{Ordering, fence},
    };

    /// Quiescent flag of an announcement.
    const QUIESCENT: u64 = 1;
    /// One epoch step.
    const STEP: u64 = 2;
    /// Limbo bags per participant.
    const BAGS: usize = 3;

    /// Outermost pin: rotate if the epoch moved, announce, fence, check one participant.
    ///
    /// # Safety
    ///
    /// The caller owns `slot`.
    #[inline]
    pub(crate) unsafe fn pin(core: &Core, slot: &Slot) {
        // SAFETY: the caller owns `slot`; the closure runs no user code.
        let epoch_moved = unsafe {
            slot.with_local(|local| {
                local.pins += 1;
                if local.pins != 1 {
                    return false;
                }
                // SeqCst: joins the SeqCst order with the fences, so the epoch a reader
                // announces is never later than one a retirer observes after unlinking what
                // the reader holds (module docs, "Why freeing is safe").
                let epoch = core.epoch.load(Ordering::SeqCst);
                if epoch != local.epoch {
                    return true;
                }
                !announce(core, slot, local, epoch)
            })
        };
        if epoch_moved {
            // SAFETY: forwarded (the caller owns `slot`).
            unsafe { pin_new_epoch(core, slot) };
        }
    }

    /// The rest of an outermost pin that observed a new epoch: rotate (collecting what is
    /// now safe to free), announce, and free after the local state is released (destructors
    /// may pin again). Out of line so the fast path inlines.
    ///
    /// # Safety
    ///
    /// The caller owns `slot`, whose pin count was just raised to 1.
    #[cold]
    #[inline(never)]
    unsafe fn pin_new_epoch(core: &Core, slot: &Slot) {
        // SAFETY: the caller owns `slot`; the closure runs no user code.
        let batch = unsafe {
            slot.with_local(|local| {
                let mut batch = FreeBatch::with_buffer(mem::take(&mut local.spare));
                loop {
                    // SeqCst fence before an observation that rotates: orders every unlink
                    // this participant did before it after the fence of any reader that could
                    // still hold the object (module docs, "Why freeing is safe").
                    fence(Ordering::SeqCst);
                    // SeqCst: as in `pin`.
                    let epoch = core.epoch.load(Ordering::SeqCst);
                    if epoch != local.epoch {
                        observe(core, slot, local, epoch, &mut batch);
                    }
                    // Repeats only when other participants advanced the epoch meanwhile.
                    if announce(core, slot, local, epoch) {
                        break batch;
                    }
                }
            })
        };
        // A destructor that panics in `free_batch` unwinds out of `Guard::pin` before the
        // guard exists: undo this pin then, or the participant would stay announced (and
        // block every epoch advance) forever.
        let undo = UndoPin(slot);
        free_batch(slot, Some(batch));
        mem::forget(undo);
    }

    /// Ends the pin `pin_new_epoch` started, if a destructor unwinds through it.
    struct UndoPin<'a>(&'a Slot);

    impl Drop for UndoPin<'_> {
        fn drop(&mut self) {
            // SAFETY: `pin_new_epoch`'s caller owns the slot and is pinned once.
            let _due = unsafe { unpin(self.0) };
        }
    }

    /// Announces `epoch` (not quiescent), fences, and validates the announcement: returns
    /// `false` if the epoch moved since it was read (the caller observes the new epoch and
    /// announces again). Once validated, takes one step of the incremental check if this
    /// participant has garbage waiting.
    #[inline(always)]
    fn announce(core: &Core, slot: &Slot, local: &mut Local, epoch: u64) -> bool {
        // Release: pairs with the Acquire loads of checkers (`is_current`).
        slot.shared.first.store(epoch, Ordering::Release);
        // SeqCst fence: StoreLoad between the announcement and the loads that follow (the
        // validation below and every protected load); pairs with the checkers' fences.
        fence(Ordering::SeqCst);
        // SeqCst: the validation. If the epoch still reads `epoch` after our fence, no
        // checker can have counted us quiescent for an advance past `epoch + STEP` (module
        // docs, "Validated announcements").
        if core.epoch.load(Ordering::SeqCst) != epoch {
            return false;
        }
        if local.has_garbage() {
            check_one(core, slot, local, epoch);
        }
        true
    }

    /// Ends one pin; the outermost announces quiescence.
    ///
    /// # Safety
    ///
    /// The caller owns `slot` and is pinned.
    #[inline]
    pub(crate) unsafe fn unpin(slot: &Slot) -> bool {
        // SAFETY: the caller owns `slot`; the closure touches crate state only.
        unsafe {
            slot.with_local(|local| {
                local.pins -= 1;
                if local.pins == 0 {
                    // Release: pairs with the checkers' Acquire loads: everything read in
                    // the guard happens before an advance that counts this participant.
                    slot.shared
                        .first
                        .store(local.epoch | QUIESCENT, Ordering::Release);
                }
            });
        }
        // DEBRA frees when a pin observes a new epoch, never at unpin.
        false
    }

    /// Protected load: a plain load; the epoch protects everything read inside the guard.
    ///
    /// # Safety
    ///
    /// The caller is pinned (nothing to check here).
    #[inline(always)]
    pub(crate) unsafe fn protect(
        _core: &Core,
        _slot: &Slot,
        mut load: impl FnMut() -> *mut (),
    ) -> *mut () {
        load()
    }

    /// Nothing to do: everything this participant touches inside its guard is protected by its
    /// announcement.
    ///
    /// # Safety
    ///
    /// None beyond being called inside a guard.
    #[inline(always)]
    pub(crate) unsafe fn cover(_slot: &Slot, _birth: u64) {}

    /// Pushes into the current limbo bag.
    ///
    /// # Safety
    ///
    /// The caller owns `slot` and is pinned; `entry` satisfies `Guard::retire`'s contract.
    #[inline]
    pub(crate) unsafe fn retire(_core: &Core, slot: &Slot, entry: Retired) -> Option<FreeBatch> {
        // SAFETY: the caller owns `slot`; the closure pushes one entry.
        unsafe { slot.with_local(|local| local.bags[local.current].push(entry)) };
        None
    }

    /// Tries hard to advance the epoch (full checks) and, if not pinned, rotates after each
    /// step: with no participant inside a guard, everything retired before is freed.
    ///
    /// # Safety
    ///
    /// The caller owns `slot`.
    /// `_explicit` (a flush a caller asked for, not one an unpin made due) changes nothing
    /// here; IBR uses it.
    pub(crate) unsafe fn flush(core: &Core, slot: &Slot, _explicit: bool) -> Option<FreeBatch> {
        // SAFETY: the caller owns `slot`; the closure runs no user code.
        unsafe {
            slot.with_local(|local| {
                let pinned = local.pins != 0;
                let mut batch = FreeBatch::with_buffer(mem::take(&mut local.spare));
                // One round more than the three rotations an entry needs.
                for _ in 0..=BAGS {
                    // SeqCst fence: before an observation that may rotate (as in
                    // `pin_new_epoch`).
                    fence(Ordering::SeqCst);
                    // SeqCst: as in `pin`.
                    let epoch = core.epoch.load(Ordering::SeqCst);
                    if !pinned && epoch != local.epoch {
                        observe(core, slot, local, epoch, &mut batch);
                    }
                    // SeqCst fence between loading the epoch and reading announcements: a
                    // participant whose validated announcement of `epoch - STEP` preceded
                    // the advance to `epoch` is then seen (module docs, "Validated
                    // announcements"), so this flush never advances twice past it.
                    fence(Ordering::SeqCst);
                    if core.registry.slots().all(|other| is_current(other, epoch)) {
                        try_advance(core, epoch);
                    }
                }
                if !pinned {
                    // SeqCst fence: as in `pin_new_epoch`.
                    fence(Ordering::SeqCst);
                    // SeqCst: as in `pin`.
                    let epoch = core.epoch.load(Ordering::SeqCst);
                    if epoch != local.epoch {
                        observe(core, slot, local, epoch, &mut batch);
                    }
                } else {
                    free_expired(core, local, &mut batch);
                }
                Some(batch)
            })
        }
    }

    /// Moves the limbo bags to `stamped` (unstamped: whoever frees them stamps them with a
    /// fresh epoch first, see `free_expired`), then announces quiescence; the garbage stays
    /// for adoption.
    ///
    /// # Safety
    ///
    /// The caller owns `slot` and no guard of it is in use.
    pub(crate) unsafe fn prepare_release(slot: &Slot) -> bool {
        // SAFETY: the caller owns `slot`; the closure runs no user code.
        unsafe {
            slot.with_local(|local| {
                local.pins = 0;
                for bag in &mut local.bags {
                    local.stamped.append(bag);
                }
                local.checked = 0;
                // Release: as in `unpin`.
                slot.shared
                    .first
                    .store(local.epoch | QUIESCENT, Ordering::Release);
                local.pending() != 0
            })
        }
    }

    /// The participant saw the epoch change to `epoch`: rotate once (however many steps the
    /// epoch moved: a participant's announcement can be stale, so only the number of
    /// *observations* bounds an object's age, module docs), freeing the bag that becomes
    /// current, and free expired adopted garbage.
    fn observe(core: &Core, slot: &Slot, local: &mut Local, epoch: u64, batch: &mut FreeBatch) {
        local.current = (local.current + 1) % BAGS;
        for entry in local.bags[local.current].drain(..) {
            batch.push(entry);
        }
        local.epoch = epoch;
        local.checked = 0;
        core.registry.adopt_abandoned(slot, local, true);
        free_expired(core, local, batch);
        stat!({
            crate::stats::bump(&slot.stats.scans, 1);
            crate::stats::record_peak(core);
        });
    }

    /// Stamps released garbage that has no stamp yet with the current epoch, and moves the
    /// entries whose stamp is three steps behind it into `batch`.
    ///
    /// The stamp is read after this participant claimed the garbage (the claim's Acquire
    /// follows the releaser's unlinks) and after a SeqCst fence, so it is at least the epoch
    /// announced by any reader that can still hold the object; such a reader keeps the epoch
    /// below `stamp + 2 * STEP` while it stays pinned.
    fn free_expired(core: &Core, local: &mut Local, batch: &mut FreeBatch) {
        if local.stamped.is_empty() {
            return;
        }
        // SeqCst fence, then a SeqCst load: the stamp's place in the SeqCst order (above).
        fence(Ordering::SeqCst);
        let now = core.epoch.load(Ordering::SeqCst);
        let mut index = 0;
        while index < local.stamped.len() {
            let entry = &mut local.stamped[index];
            if entry.stamp == INACTIVE {
                entry.stamp = now;
            }
            if entry.stamp.saturating_add(BAGS as u64 * STEP) <= now {
                batch.push(local.stamped.swap_remove(index));
            } else {
                index += 1;
            }
        }
    }

    /// One step of the incremental check; advances the epoch after a full pass. Out of line:
    /// only participants with garbage waiting run it.
    #[inline(never)]
    fn check_one(core: &Core, slot: &Slot, local: &mut Local, epoch: u64) {
        match core.registry.slot_at(local.checked) {
            Some(other) => {
                if ptr::eq(other, slot) || is_current(other, epoch) {
                    local.checked += 1;
                }
            }
            None => {
                try_advance(core, epoch);
                local.checked = 0;
            }
        }
    }

    /// Whether `slot`'s participant does not hold the epoch back: quiescent, or announced in
    /// `epoch`.
    fn is_current(slot: &Slot, epoch: u64) -> bool {
        // Acquire: pairs with the Release announcement stores (`pin`, `unpin`).
        let announced = slot.shared.first.load(Ordering::Acquire);
        announced & QUIESCENT != 0 || announced == epoch
    }

    /// `epoch → epoch + STEP` (a failed CAS means another participant advanced it).
    fn try_advance(core: &Core, epoch: u64) {
        if epoch >= MAX_EPOCH {
            return;
        }
        // SeqCst: the epoch's modifications join the SeqCst order its loads are in (and
        // AcqRel's chain: the announcements this checker Acquired happen before every
        // participant that loads the new epoch). Relaxed on failure: nothing to order.
        let _advanced = core
            .epoch
            .compare_exchange(epoch, epoch + STEP, Ordering::SeqCst, Ordering::Relaxed)
            .is_ok();
        stat!(if _advanced {
            // Relaxed: statistics.
            core.stats.epoch_advances.fetch_add(1, Ordering::Relaxed);
        });
    }
}
