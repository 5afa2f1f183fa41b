//! The state a participant keeps for itself: nesting depth, cached epochs, retire lists.
//!
//! Only the participant that owns the slot touches it (or, once the slot is released, a
//! thread that claims it, which synchronizes through the slot's state word: `registry.rs`).

use alloc::vec::Vec;

use crate::{blocks::BlockCache, retired::Retired};

/// IBR: a reservation a scan read, with where and as what (a revocation compares the slot's
/// word with it).
#[derive(Clone, Copy, Debug)]
#[cfg_attr(
    not(feature = "ibr"),
    allow(dead_code, reason = "IBR's, which is not compiled in")
)]
pub(crate) struct Seen {
    /// The reservation's lower bound.
    pub(crate) lower: u64,
    /// Its upper bound, without the revocation mark.
    pub(crate) upper: u64,
    /// The slot's index in registry order.
    pub(crate) slot: usize,
    /// The `upper` word as read, mark included.
    pub(crate) word: u64,
}

/// Owner-local state of one registry slot.
#[cfg_attr(
    not(all(feature = "ibr", feature = "debra")),
    allow(dead_code, reason = "fields of the scheme that is not compiled in")
)]
pub(crate) struct Local {
    /// Number of live guards of this participant (nested guards share one reservation).
    pub(crate) pins: usize,
    /// IBR: the upper bound currently published. DEBRA: the global epoch last observed.
    pub(crate) epoch: u64,
    /// IBR: the lower bound currently published.
    pub(crate) lower: u64,
    /// IBR: the reservation stays published between guards (`ibr.rs`, "Sticky
    /// reservations"); set when it is published with a heavy fence available.
    pub(crate) sticky: bool,
    /// IBR: `bags[0]` holds every retired entry. DEBRA: the three limbo bags, indexed by
    /// `current` (the bag of the epoch in `epoch`), then the previous two.
    pub(crate) bags: [Vec<Retired>; 3],
    /// DEBRA: index of the current limbo bag.
    pub(crate) current: usize,
    /// DEBRA: adopted garbage from released slots, each entry stamped with the epoch it was
    /// retired in; freed once the global epoch is three steps past its stamp.
    pub(crate) stamped: Vec<Retired>,
    /// Retirements since the last epoch-advance attempt.
    pub(crate) since_advance: usize,
    /// Retirements since the last scan.
    pub(crate) since_scan: usize,
    /// IBR: `retire_threshold` retirements since the last scan; the outermost unpin scans.
    pub(crate) scan_due: bool,
    /// DEBRA: how many slots have been seen quiescent or current in the epoch in `epoch`.
    pub(crate) checked: usize,
    /// IBR: the reservations read by the last scan (kept to reuse the allocation).
    pub(crate) reservations: Vec<Seen>,
    /// IBR: the reservations a revocation marked, as (registry index, upper bound) (kept to
    /// reuse the allocation).
    pub(crate) revoking: Vec<(usize, u64)>,
    /// A spare buffer for free batches (kept to reuse the allocation).
    pub(crate) spare: Vec<Retired>,
    /// Blocks of freed nodes, reused by `Owned::with_guard` (`blocks.rs`).
    pub(crate) blocks: BlockCache,
}

impl Local {
    /// A fresh state: unpinned, nothing retired.
    pub(crate) const fn new() -> Self {
        Self {
            pins: 0,
            epoch: 0,
            lower: 0,
            sticky: false,
            bags: [Vec::new(), Vec::new(), Vec::new()],
            current: 0,
            stamped: Vec::new(),
            since_advance: 0,
            since_scan: 0,
            scan_due: false,
            checked: 0,
            reservations: Vec::new(),
            revoking: Vec::new(),
            spare: Vec::new(),
            blocks: BlockCache::new(),
        }
    }

    /// Whether any retired entry is waiting (cheaper than `pending() != 0` on hot paths).
    #[cfg(feature = "debra")]
    #[inline(always)]
    pub(crate) fn has_garbage(&self) -> bool {
        !(self.bags[0].is_empty()
            && self.bags[1].is_empty()
            && self.bags[2].is_empty()
            && self.stamped.is_empty())
    }

    /// Retired entries not yet freed.
    pub(crate) fn pending(&self) -> usize {
        self.bags.iter().map(Vec::len).sum::<usize>() + self.stamped.len()
    }

    /// Moves every pending entry of `other` into this state: IBR entries (which carry their
    /// own epochs) into `bags[0]`, DEBRA entries into `stamped` (the caller stamped them).
    pub(crate) fn adopt_from(&mut self, other: &mut Local, into_stamped: bool) {
        let target = if into_stamped {
            &mut self.stamped
        } else {
            &mut self.bags[0]
        };
        for bag in &mut other.bags {
            target.append(bag);
        }
        target.append(&mut other.stamped);
    }
}
