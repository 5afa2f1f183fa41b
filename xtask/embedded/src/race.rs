//! Main against the SysTick handler, on one cache-padded counter and on a table of tagged
//! pointers.
//!
//! **Counter.** Main increments it with a load + `compare_exchange_weak` loop, backing off
//! with [`ccol::Backoff`] after each failure, while every SysTick does a `fetch_add`. A tick
//! between main's load and its CAS makes the CAS fail (on Armv7-M the exception return also
//! clears the exclusive monitor, a spurious failure for `STREX`), so the retry path runs for
//! real. On top of the chance hits, [`FORCED`] of main's increments wait for a tick between
//! their load and their CAS, so the retry path provably runs on every target. Afterwards
//! `counter == main increments + ticks`.
//!
//! **Slots.** [`SLOTS`] `AtomicTaggedPtr`s each point at an entry of a static table, tag 0.
//! Main and the handler walk the slots in the same order and try to claim each with
//! `fetch_or_tag(CLAIMED)`: whoever sees the tag clear owns the slot. The handler tries one
//! slot per tick. Main keeps at most one slot ahead of it: it tries the slot the handler will
//! try next after a random number of increments averaging one tick period (measured as it
//! goes), so whether main or the next tick gets there first depends on the emulated timing
//! (instruction counts under `-icount`), and the winners interleave. Every slot must end
//! claimed exactly once with its pointer intact, and the two claim counts must add up to
//! [`SLOTS`].

use core::ptr;

use ccol::{
    Backoff, CachePadded,
    atomics::{AtomicTaggedPtr, TaggedPtr},
};
use ccol_atomics::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

use crate::Checks;

/// Number of slots main and the handler race for.
pub(crate) const SLOTS: usize = 64;
/// The race goes on until at least this many ticks happened (and main tried every slot).
const MIN_TICKS: usize = 20;
/// Main gives up (and the run fails) after this many increments without enough ticks.
const MAX_INCREMENTS: usize = 20_000_000;
/// Increments that wait for a tick between their load and their CAS (each must retry).
const FORCED: usize = 8;
/// Increments between two forced conflicts.
const FORCE_EVERY: usize = 1024;
/// The tag bit that marks a claimed slot.
const CLAIMED: usize = 0b1;
/// [`OWNER`] values.
const MAIN: u8 = 1;
const HANDLER: u8 = 2;

/// The slot targets: 4-byte aligned, so `TaggedPtr<Item>` has two tag bits on every target.
#[repr(align(4))]
struct Item(u32);

/// Item `i` holds `i`; never written, so shared reads through the slots are sound.
static ITEMS: [Item; SLOTS] = {
    let mut items = [const { Item(0) }; SLOTS];
    let mut i = 0;
    while i < SLOTS {
        #[allow(clippy::cast_possible_truncation, reason = "i < SLOTS = 64")]
        let value = i as u32;
        items[i] = Item(value);
        i += 1;
    }
    items
};

/// Incremented by both sides; padded as a real shared counter would be.
static COUNTER: CachePadded<AtomicUsize> = CachePadded::new(AtomicUsize::new(0));
/// SysTick handler runs.
static TICKS: AtomicUsize = AtomicUsize::new(0);
/// Set by main once it has measured the tick period: from then on the handler claims too.
static START: AtomicBool = AtomicBool::new(false);
/// Next slot the handler tries: written only by the handler; main reads it to pace itself.
static HANDLER_CURSOR: AtomicUsize = AtomicUsize::new(0);
/// Slots the handler won.
static HANDLER_CLAIMS: AtomicUsize = AtomicUsize::new(0);
/// Winners that found [`OWNER`] already set: a slot claimed twice.
static DOUBLE_CLAIMS: AtomicUsize = AtomicUsize::new(0);
/// The slots: null until [`prepare`], then `&ITEMS[i]` with tag 0, then tag [`CLAIMED`].
static TABLE: [AtomicTaggedPtr<Item>; SLOTS] = [const { AtomicTaggedPtr::null() }; SLOTS];
/// Who won each slot: 0 (nobody yet), [`MAIN`] or [`HANDLER`].
static OWNER: [AtomicU8; SLOTS] = [const { AtomicU8::new(0) }; SLOTS];

/// Points every slot at its item, tag 0. Runs before SysTick is enabled.
pub(crate) fn prepare() {
    for (slot, item) in TABLE.iter().zip(&ITEMS) {
        // Release: pairs with the AcqRel `fetch_or_tag` of `claim`, which therefore sees the
        // pointer (on one core program order already ensures it; the ordering states intent).
        slot.store(
            TaggedPtr::new(ptr::from_ref(item).cast_mut(), 0),
            Ordering::Release,
        );
    }
}

/// Tries to claim slot `index` for `who`; `true` if this call won it.
fn claim(index: usize, who: u8) -> bool {
    // AcqRel: the acquire half pairs with `prepare`'s Release store; the release half orders
    // the claim before the winner's `OWNER` write for anyone who later reads the tag.
    let previous = TABLE[index].fetch_or_tag(CLAIMED, Ordering::AcqRel);
    if previous.tag() & CLAIMED != 0 {
        return false;
    }
    // Relaxed: only a slot's winner writes its owner, and `finish` reads it with interrupts
    // masked after both sides are done; no other data hangs off this value.
    if OWNER[index].swap(who, Ordering::Relaxed) != 0 {
        // Relaxed: a plain event count, read by `finish` like the owners.
        DOUBLE_CLAIMS.fetch_add(1, Ordering::Relaxed);
    }
    true
}

/// The SysTick handler's part while this race runs (dispatched by `main.rs`).
pub(crate) fn on_tick() {
    // Relaxed (all four): counts only; main reads them in `finish` with interrupts masked,
    // after every handler run has returned, and no other data is published through them.
    COUNTER.fetch_add(1, Ordering::Relaxed);
    TICKS.fetch_add(1, Ordering::Relaxed);
    // Relaxed: the flag only starts the claiming; the slots carry their own ordering.
    if !START.load(Ordering::Relaxed) {
        return;
    }
    let index = HANDLER_CURSOR.load(Ordering::Relaxed);
    if index < SLOTS {
        HANDLER_CURSOR.store(index + 1, Ordering::Relaxed);
        if claim(index, HANDLER) {
            HANDLER_CLAIMS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Main's side of the race and the final snapshot of the shared state.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// Successful CAS increments by main.
    pub(crate) main_increments: usize,
    /// Failed CAS attempts by main.
    pub(crate) cas_retries: usize,
    /// Forced conflicts whose CAS did fail at least once, as it must.
    pub(crate) forced_retried: usize,
    /// Slots main won.
    pub(crate) main_claims: usize,
    /// The counter at the end.
    pub(crate) counter: usize,
    /// SysTick runs.
    pub(crate) ticks: usize,
    /// Slots the handler won.
    pub(crate) isr_claims: usize,
}

/// One CAS increment; returns the number of failed attempts. With `wait_for_tick`, waits
/// between the load and the first CAS until a tick has run (bounded), so that CAS must fail.
fn increment(wait_for_tick: bool) -> usize {
    let mut backoff = Backoff::new();
    let mut retries = 0;
    // Relaxed (this load and the one in the wait): counts only (see the SysTick handler).
    let ticks_before = TICKS.load(Ordering::Relaxed);
    // Relaxed: the counter publishes no data (see the SysTick handler).
    let mut current = COUNTER.load(Ordering::Relaxed);
    if wait_for_tick {
        let mut spins = 0_u32;
        while TICKS.load(Ordering::Relaxed) == ticks_before && spins < 50_000_000 {
            cortex_m::asm::nop();
            spins += 1;
        }
    }
    loop {
        // Widen the window between the load and the CAS so that ticks land in it.
        for _ in 0..8 {
            cortex_m::asm::nop();
        }
        // Relaxed: as for the load above.
        match COUNTER.compare_exchange_weak(
            current,
            current + 1,
            Ordering::Relaxed,
            Ordering::Relaxed,
        ) {
            Ok(_) => return retries,
            Err(actual) => {
                current = actual;
                retries += 1;
                backoff.spin();
            }
        }
    }
}

/// Main's side of the race (module docs): runs until it has tried every slot and SysTick has
/// fired [`MIN_TICKS`] times, or [`MAX_INCREMENTS`] increments passed.
pub(crate) fn run() -> Outcome {
    let mut outcome = Outcome::default();
    // Relaxed (every `TICKS` and `HANDLER_CURSOR` load here): they only pace main; who wins a
    // slot is decided by the slot's own read-modify-write.
    let ticks = || TICKS.load(Ordering::Relaxed);
    let mut rng = Xorshift::new(0x2545_f491);
    let (mut last_tick, mut since_tick, mut period) = (ticks(), 0_usize, 0_usize);
    let mut cursor = 0;
    let mut wait: Option<usize> = None;
    let mut forced = 0;
    while outcome.main_increments < MAX_INCREMENTS {
        let force = forced < FORCED && outcome.main_increments % FORCE_EVERY == FORCE_EVERY - 1;
        let retries = increment(force);
        if force {
            forced += 1;
            outcome.forced_retried += usize::from(retries > 0);
        }
        outcome.cas_retries += retries;
        outcome.main_increments += 1;
        since_tick += 1;
        let now = ticks();
        if now != last_tick {
            // A running estimate of the tick period, in increments.
            period = if period == 0 {
                since_tick
            } else {
                (3 * period + since_tick) / 4
            };
            (last_tick, since_tick) = (now, 0);
            // Relaxed: the handler only needs to see the flag eventually.
            START.store(true, Ordering::Relaxed);
        }
        if period == 0 {
            continue;
        }
        let handler_next = HANDLER_CURSOR.load(Ordering::Relaxed);
        // Slots the handler has tried already: main tries them too, and loses them.
        while cursor < SLOTS && cursor < handler_next {
            outcome.main_claims += usize::from(claim(cursor, MAIN));
            cursor += 1;
            wait = None;
        }
        // The slot the handler tries at the next tick: main tries it after a random delay.
        if cursor < SLOTS && cursor == handler_next {
            let left = wait.get_or_insert_with(|| rng.below(2 * period));
            if *left == 0 {
                outcome.main_claims += usize::from(claim(cursor, MAIN));
                cursor += 1;
                wait = None;
            } else {
                *left -= 1;
            }
        }
        if cursor == SLOTS && now >= MIN_TICKS && forced == FORCED {
            break;
        }
    }
    outcome
}

/// Marsaglia's xorshift32: jitter for main's claim times (and choices in [`crate::stack_race`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Xorshift(u32);

impl Xorshift {
    /// A generator from a nonzero `seed`.
    pub(crate) const fn new(seed: u32) -> Self {
        Self(seed)
    }

    /// A value in `0..bound` (slightly biased; fine for jitter).
    pub(crate) fn below(&mut self, bound: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0 as usize % bound
    }
}

/// Snapshots the shared counts with interrupts masked (call after disabling SysTick), so a
/// late tick cannot land between the reads.
pub(crate) fn finish(mut outcome: Outcome) -> Outcome {
    cortex_m::interrupt::free(|_| {
        // Relaxed (all three): interrupts are masked and every handler run has returned;
        // single-core program order makes its writes visible here.
        outcome.counter = COUNTER.load(Ordering::Relaxed);
        outcome.ticks = TICKS.load(Ordering::Relaxed);
        outcome.isr_claims = HANDLER_CLAIMS.load(Ordering::Relaxed);
    });
    outcome
}

/// The invariants of the race.
pub(crate) fn check(outcome: &Outcome, checks: &mut Checks) {
    checks.check(
        outcome.ticks >= MIN_TICKS,
        "SysTick fired at least MIN_TICKS times",
    );
    checks.check(
        outcome.forced_retried == FORCED,
        "every increment with a tick between its load and CAS retried",
    );
    checks.check(
        outcome.counter == outcome.main_increments + outcome.ticks,
        "counter == main increments + ticks",
    );
    checks.check(
        outcome.main_claims + outcome.isr_claims == SLOTS,
        "main claims + handler claims == SLOTS",
    );
    // Relaxed: as in `finish`; the race is over.
    checks.check(
        DOUBLE_CLAIMS.load(Ordering::Relaxed) == 0,
        "no slot was won twice",
    );
    let (mut by_main, mut by_handler) = (0, 0);
    for (index, (slot, item)) in TABLE.iter().zip(&ITEMS).enumerate() {
        // Acquire: pairs with the claims' AcqRel; the race is over, so this is the final value.
        let value = slot.load(Ordering::Acquire);
        checks.check(value.tag() == CLAIMED, "every slot ends claimed");
        checks.check(ptr::eq(value.ptr(), item), "claiming keeps the pointer");
        // SAFETY: the pointer is `&ITEMS[index]` (checked just above), a static that is never
        // written, so a shared reference to it is valid for as long as we like.
        let target = unsafe { value.as_ref() };
        checks.check(
            target.is_some_and(|t| t.0 as usize == index),
            "the pointer still reads its item",
        );
        // Relaxed: as in `finish`.
        match OWNER[index].load(Ordering::Relaxed) {
            MAIN => by_main += 1,
            HANDLER => by_handler += 1,
            _ => checks.check(false, "every slot has an owner"),
        }
    }
    checks.check(
        by_main == outcome.main_claims && by_handler == outcome.isr_claims,
        "owners match each side's claim count",
    );
}
