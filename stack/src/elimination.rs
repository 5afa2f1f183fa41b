//! The elimination array: exchange slots where a push that lost a CAS on the top can hand its
//! node straight to a pop that lost one too, so neither touches the top again.
//!
//! Hendler, Shavit and Yerushalmi, "A Scalable Lock-free Stack Algorithm" (SPAA 2004), with
//! the stamped exchanger slots of Herlihy and Shavit, *The Art of Multiprocessor
//! Programming*, §11.4, specialised to a stack: only pushes wait in a slot (an *offer*); pops
//! take offers. A slot never holds a waiting pop, so a transfer is always one CAS by the
//! taker and no thread ever waits for another thread's next step (every wait below is a
//! bounded spin followed by a withdraw that cannot fail to decide).
//!
//! # Slot protocol
//!
//! A slot is a `word` (`stamp << 2 | state`, states `EMPTY`, `CLAIMED`, `OFFER`) and a `node`
//! pointer. The stamp grows by one each time an offer ends, so a word value `OFFER(s)` exists
//! once in the slot's history: a stale CAS can never match a later offer (the ABA problem of
//! reused exchanger records, ALGORITHMS.md §4.4). Stamps have 62 bits and never wrap.
//!
//! - **offer** (push): CAS `EMPTY(s)` → `CLAIMED(s)` (the slot is now the pusher's alone),
//!   store `node`, store `OFFER(s)` (Release). Spin up to the budget while the word still
//!   reads `OFFER(s)`; if it changes, a pop took the node. Otherwise withdraw with CAS
//!   `OFFER(s)` → `EMPTY(s + 1)`: success gives the node back, failure means a pop took it
//!   meanwhile.
//! - **take** (pop): read `OFFER(s)` (Acquire), read `node`, CAS `OFFER(s)` → `EMPTY(s + 1)`.
//!   Only the winner of that CAS owns the node; the pusher's withdraw and other pops fail.
//!
//! Linearization: a successful take is the linearization point of both operations, the push
//! immediately followed by the pop; both are pending at that moment (the push returns only
//! after seeing its offer gone), and the pair leaves the stack unchanged.
//!
//! # Adaptivity
//!
//! Each thread (under `std`; without it, each stack) keeps a *range*: it uses slots
//! `0..range`. A timeout halves the range, a collision (the slot held another push's offer, or
//! another thread won the claim or the take) doubles it, up to the configured slot count, as
//! HSY prescribe. Timeouts at range 1 build up a streak; a long streak means there is no
//! partner traffic (push-only or pop-only phases), and the next operations skip the array for
//! a while, backing off in time instead.

use core::ptr::NonNull;

use ccol_arch::CachePadded;

use crate::{
    config::Elimination,
    stats::{Stats, stat},
    sync::{
        atomic::{AtomicPtr, AtomicU64, Ordering},
        hint,
    },
};

const EMPTY: u64 = 0;
const CLAIMED: u64 = 1;
const OFFER: u64 = 2;
const STATE_MASK: u64 = 0b11;
const STAMP_ONE: u64 = 1 << 2;

/// The `EMPTY` word that ends an offer whose word was `word`: next stamp, state `EMPTY`.
const fn ended(word: u64) -> u64 {
    (word & !STATE_MASK).wrapping_add(STAMP_ONE)
}

/// Timeouts in a row at range 1 after which the array is skipped for a while.
const SKIP_AFTER_TIMEOUTS: u32 = 8;
/// Operations that skip the array once the streak above is reached.
const SKIP_OPERATIONS: u32 = 64;

/// One exchange slot (see the module docs for the protocol).
struct Slot {
    word: AtomicU64,
    node: AtomicPtr<()>,
}

/// What a visit to the array achieved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outcome<T> {
    /// Exchanged: for a push, its node was taken; for a pop, the node it took.
    Hit(T),
    /// No partner within the spin budget (a push got its node back).
    Timeout,
    /// The slot was busy with a same-kind operation or another thread won it.
    Collision,
    /// The array was not visited (off, or skipped after a streak of timeouts).
    Skipped,
}

/// The per-thread adaptive state: range, random state and timeout streak.
#[derive(Clone, Copy, Debug)]
struct Local {
    range: u32,
    rng: u32,
    streak: u32,
    skip: u32,
}

impl Local {
    const fn unpack(bits: u64) -> Self {
        // Byte 0: range, bytes 1: streak, byte 2: skip, high half: rng. Truncations intended.
        Self {
            range: (bits & 0xff) as u32,
            streak: ((bits >> 8) & 0xff) as u32,
            skip: ((bits >> 16) & 0xff) as u32,
            rng: (bits >> 32) as u32,
        }
    }

    const fn pack(self) -> u64 {
        (self.range as u64 & 0xff)
            | ((self.streak as u64 & 0xff) << 8)
            | ((self.skip as u64 & 0xff) << 16)
            | ((self.rng as u64) << 32)
    }

    /// A slot index in `0..range` (xorshift32; `rng` is never 0 once seeded).
    fn next_slot(&mut self) -> usize {
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        (x % self.range.max(1)) as usize
    }
}

/// The array of exchange slots and its settings.
pub(crate) struct EliminationArray {
    slots: alloc::boxed::Box<[CachePadded<Slot>]>,
    config: Elimination,
    /// Without `std`: the adaptive state, shared by the stack's threads (racy updates only
    /// lose adaptation steps). With `std`: the last range any thread chose, for `stats`.
    /// Padded: it is written while `slots` and `config` are read on every visit.
    shared: CachePadded<AtomicU64>,
}

#[cfg(all(feature = "std", not(ccol_loom)))]
crate::sync::thread_local! {
    /// The calling thread's adaptive state (packed [`Local`]; 0 = not yet seeded). One per
    /// thread, shared by every stack the thread uses, like HSY's per-thread range.
    static LOCAL: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
}

// loom's `thread_local!` takes no `const` initializer.
#[cfg(all(feature = "std", ccol_loom))]
crate::sync::thread_local! {
    static LOCAL: core::cell::Cell<u64> = core::cell::Cell::new(0);
}

impl EliminationArray {
    pub(crate) fn new(config: Elimination) -> Self {
        let count = if config.is_enabled() {
            config.slot_count() as usize
        } else {
            0
        };
        let slots = (0..count)
            .map(|_| {
                CachePadded::new(Slot {
                    word: AtomicU64::new(EMPTY),
                    node: AtomicPtr::new(core::ptr::null_mut()),
                })
            })
            .collect();
        Self {
            slots,
            config,
            shared: CachePadded::new(AtomicU64::new(
                Local {
                    range: 1,
                    rng: 0x9e37_79b9,
                    streak: 0,
                    skip: 0,
                }
                .pack(),
            )),
        }
    }

    pub(crate) fn config(&self) -> Elimination {
        self.config
    }

    /// Whether an operation that failed its CAS `failures` times should visit the array.
    #[inline]
    pub(crate) fn should_visit(&self, failures: u32) -> bool {
        self.config.is_enabled() && failures >= self.config.trigger()
    }

    /// The range most recently chosen (for `stats`).
    #[cfg(feature = "stats")]
    pub(crate) fn current_range(&self) -> u32 {
        // Relaxed: a statistic.
        Local::unpack(self.shared.load(Ordering::Relaxed)).range
    }

    /// Push side: offers `node` and waits for a pop to take it.
    ///
    /// `Hit(())` means a pop now owns the node; with any other outcome it stays the caller's.
    pub(crate) fn offer(&self, node: NonNull<()>, stats: &Stats) -> Outcome<()> {
        let budget = self.config.spin_budget_value();
        self.visit(stats, |slot| offer_in(slot, node, budget))
    }

    /// Pop side: takes an offered node if one shows up within the spin budget (`Hit`).
    pub(crate) fn take(&self, stats: &Stats) -> Outcome<NonNull<()>> {
        let budget = self.config.spin_budget_value();
        self.visit(stats, |slot| take_in(slot, budget))
    }

    /// Pop side, before touching the top: takes an offer waiting in slot 0 (where pushes
    /// offer while their range is 1), without waiting. One load of a line that stays shared
    /// while nobody offers; a pop that finds an offer completes without contending on the
    /// top, which is how elimination pays off with few threads (a pop rarely fails its CAS
    /// at the moment a push is waiting).
    #[inline]
    pub(crate) fn take_waiting(&self, stats: &Stats) -> Option<NonNull<()>> {
        let _ = stats;
        let slot = self.slots.first()?;
        // Acquire: pairs with the pusher's Release store of the `OFFER` word (`offer_in`),
        // so `take_offer` sees the node pointer and the node's contents.
        let word = slot.word.load(Ordering::Acquire);
        if word & STATE_MASK != OFFER {
            return None;
        }
        stat!(stats => elimination_attempts);
        let taken = take_offer(slot, word);
        if taken.is_some() {
            stat!(stats => elimination_hits);
        } else {
            stat!(stats => elimination_collisions);
        }
        taken
    }

    /// Runs one visit in a slot chosen from the thread's range and adapts the range.
    fn visit<T>(&self, stats: &Stats, run: impl FnOnce(&Slot) -> Outcome<T>) -> Outcome<T> {
        let _ = stats;
        let mut local = self.load_local();
        if local.skip > 0 {
            local.skip -= 1;
            self.store_local(local);
            return Outcome::Skipped;
        }
        let slot = &self.slots[local.next_slot()];
        stat!(stats => elimination_attempts);
        let outcome = run(slot);
        match outcome {
            Outcome::Hit(_) => {
                stat!(stats => elimination_hits);
                local.streak = 0;
            }
            Outcome::Timeout => {
                stat!(stats => elimination_timeouts);
                if local.range > 1 {
                    local.range /= 2;
                } else {
                    local.streak += 1;
                    if local.streak >= SKIP_AFTER_TIMEOUTS {
                        local.streak = 0;
                        local.skip = SKIP_OPERATIONS;
                    }
                }
            }
            Outcome::Collision => {
                stat!(stats => elimination_collisions);
                local.streak = 0;
                local.range = (local.range * 2).min(self.config.slot_count());
            }
            Outcome::Skipped => {}
        }
        self.store_local(local);
        outcome
    }

    #[cfg(feature = "std")]
    fn load_local(&self) -> Local {
        let bits = LOCAL.with(core::cell::Cell::get);
        if bits == 0 {
            // First visit of this thread: seed the generator from the address of its
            // thread-local slot (distinct per live thread), never 0.
            // Under loom, a fixed seed: executions must replay identically.
            let seed = if cfg!(ccol_loom) {
                1
            } else {
                LOCAL.with(|cell| core::ptr::from_ref(cell).addr()) as u64
            };
            let mixed = (seed ^ (seed >> 29)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
            let rng = ((mixed >> 32) as u32) | 1;
            return Local {
                range: 1,
                rng,
                streak: 0,
                skip: 0,
            };
        }
        let mut local = Local::unpack(bits);
        // The range may come from a stack with more slots.
        local.range = local.range.clamp(1, self.config.slot_count());
        local
    }

    #[cfg(feature = "std")]
    fn store_local(&self, local: Local) {
        let previous = LOCAL.with(|cell| cell.replace(local.pack()));
        // Only `stats` reads the shared word under std; write it only when the range
        // changes, so visits do not keep pulling its line away from other threads.
        if cfg!(feature = "stats") && Local::unpack(previous).range != local.range {
            // Relaxed: a statistic.
            self.shared.store(local.pack(), Ordering::Relaxed);
        }
    }

    #[cfg(not(feature = "std"))]
    fn load_local(&self) -> Local {
        // Relaxed: a heuristic; a lost or stale update only costs adaptation steps.
        let mut local = Local::unpack(self.shared.load(Ordering::Relaxed));
        // Threads share this state, so vary the slot by the caller's stack address too.
        let here = 0u8;
        // `| 1` keeps the generator out of its fixed point 0 (`next_slot`).
        local.rng = (local.rng ^ core::ptr::from_ref(&here).addr() as u32) | 1;
        local.range = local.range.clamp(1, self.config.slot_count());
        local
    }

    #[cfg(not(feature = "std"))]
    fn store_local(&self, local: Local) {
        // Relaxed: as in `load_local`.
        self.shared.store(local.pack(), Ordering::Relaxed);
    }
}

/// The push side of one visit: claim, publish, wait, withdraw (module docs).
fn offer_in(slot: &Slot, node: NonNull<()>, budget: u32) -> Outcome<()> {
    // Relaxed: only a hint; the claim CAS below decides.
    let word = slot.word.load(Ordering::Relaxed);
    if word & STATE_MASK != EMPTY {
        return Outcome::Collision;
    }
    // Acquire: pairs with the Release of the take or withdraw CAS that ended the previous
    // offer, so that offer's reads of `node` happen before the store below overwrites it.
    if slot
        .word
        .compare_exchange(word, word | CLAIMED, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        return Outcome::Collision;
    }
    // Relaxed: published by the Release store of the `OFFER` word right after.
    slot.node.store(node.as_ptr(), Ordering::Relaxed);
    let offered = (word & !STATE_MASK) | OFFER;
    // Release: pairs with the taker's Acquire load of this word, making `node` and the
    // node's contents (written before the offer) visible to it.
    slot.word.store(offered, Ordering::Release);
    for _ in 0..budget {
        // Relaxed: a change means a take succeeded; the pusher reads nothing the taker wrote.
        if slot.word.load(Ordering::Relaxed) != offered {
            return Outcome::Hit(());
        }
        hint::spin_loop();
    }
    // Relaxed: a successful withdraw gives back a node only this thread wrote; the next
    // claimer's Acquire still synchronizes with the Release store of `offered` above, which
    // heads the release sequence this RMW continues.
    match slot.word.compare_exchange(
        offered,
        ended(offered),
        Ordering::Relaxed,
        Ordering::Relaxed,
    ) {
        Ok(_) => Outcome::Timeout,
        Err(_) => Outcome::Hit(()),
    }
}

/// The pop side of one visit: wait for an offer and take it (module docs).
fn take_in(slot: &Slot, budget: u32) -> Outcome<NonNull<()>> {
    for _ in 0..budget {
        // Acquire: pairs with the pusher's Release store of the `OFFER` word, so `node` and
        // the node's contents are visible in `take_offer`.
        let word = slot.word.load(Ordering::Acquire);
        if word & STATE_MASK == OFFER {
            return take_offer(slot, word).map_or(Outcome::Collision, Outcome::Hit);
        }
        hint::spin_loop();
    }
    Outcome::Timeout
}

/// Takes the offer whose word `word` (state `OFFER`) was read with Acquire: `None` if
/// another thread ended it first.
fn take_offer(slot: &Slot, word: u64) -> Option<NonNull<()>> {
    // Relaxed: ordered by the caller's Acquire load of `word`; the CAS below validates that
    // the offer (and so this pointer) is still the current one.
    let node = slot.node.load(Ordering::Relaxed);
    // AcqRel: Release pairs with the next claimer's Acquire (our read of `node` happens
    // before its overwrite); Acquire is already had from the caller's load but keeps the
    // ownership transfer self-contained.
    slot.word
        .compare_exchange(word, ended(word), Ordering::AcqRel, Ordering::Relaxed)
        .ok()
        // `node` came from the pusher's `NonNull`, so this is always `Some`.
        .and_then(|_| NonNull::new(node))
}

#[cfg(test)]
mod tests {
    use super::{EMPTY, Local, OFFER, STAMP_ONE, ended};

    #[test]
    fn ended_moves_to_the_next_stamp() {
        let offered = (5 * STAMP_ONE) | OFFER;
        assert_eq!(ended(offered), (6 * STAMP_ONE) | EMPTY);
    }

    #[test]
    fn local_state_round_trips() {
        let l = Local {
            range: 17,
            rng: 0xdead_beef,
            streak: 3,
            skip: 64,
        };
        let back = Local::unpack(l.pack());
        assert_eq!(
            (back.range, back.rng, back.streak, back.skip),
            (17, 0xdead_beef, 3, 64)
        );
    }

    #[test]
    fn slots_stay_in_range() {
        let mut l = Local {
            range: 4,
            rng: 12345,
            streak: 0,
            skip: 0,
        };
        for _ in 0..1000 {
            assert!(l.next_slot() < 4);
        }
    }
}
