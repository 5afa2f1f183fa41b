//! The two handler levels of the stack race: SysTick above PendSV.

use core::cell::RefCell;

use ccol_atomics::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use cortex_m::{
    interrupt::{self, Mutex},
    peripheral::{SCB, scb::SystemHandler},
};
use cortex_m_rt::exception;

use super::{
    IDLE, MAIN_OP, MAIN_PAUSE_BUDGET, PENDSV, PENDSV_OP, POP, SINCE_MAIN, STOP, SYSTICK, Side,
    TICKS, Tally,
};
use crate::race::Xorshift;

/// SysTick pends PendSV again this many ticks after the last time, at the soonest.
const PENDSV_EVERY: usize = 4;
/// PendSV works until this many more ticks have run: about half of main's time.
const PENDSV_TICKS: usize = 2;
/// PendSV's operations per run, at most (if SysTick died).
const MAX_PENDSV_OPS: usize = 100_000;

/// The tick that last pended PendSV (SysTick's own).
static LAST_PEND: AtomicUsize = AtomicUsize::new(0);
/// SysTick's state; main reads it with interrupts masked.
static SYSTICK_STATE: Mutex<RefCell<Isr>> = Mutex::new(RefCell::new(Isr::new(SYSTICK, None)));
/// PendSV's state: PendSV works on a copy and writes it back with interrupts masked.
static PENDSV_STATE: Mutex<RefCell<Isr>> =
    Mutex::new(RefCell::new(Isr::new(PENDSV, Some(&PENDSV_OP))));

/// A handler's side of the race.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Isr {
    side: Side,
    rng: Xorshift,
    /// Runs while the race went on.
    pub(crate) runs: usize,
    /// Runs that did nothing because main had been kept waiting too long.
    pub(crate) throttled: usize,
    /// Runs that did stack operations while main was inside a push, a pop.
    pub(crate) in_main: [usize; 2],
    /// Runs that did stack operations while PendSV was inside a push, a pop (SysTick only).
    pub(crate) in_pendsv: [usize; 2],
    /// Runs that did stack operations while both main and PendSV were inside one.
    pub(crate) nested: usize,
    /// Stopped: it holds no value and does nothing more.
    pub(crate) done: bool,
}

impl Isr {
    const fn new(context: u32, flag: Option<&'static AtomicU8>) -> Self {
        Self {
            side: Side::new(context, flag),
            rng: Xorshift::new(0x6d2b_79f5 + context),
            runs: 0,
            throttled: 0,
            in_main: [0; 2],
            in_pendsv: [0; 2],
            nested: 0,
            done: false,
        }
    }

    /// What the handler's pushes and pops did.
    pub(crate) fn tally(&self) -> &Tally {
        &self.side.tally
    }

    /// Starts a run: `false` if the handler is done, has just stopped, or must let main on.
    fn start(&mut self) -> bool {
        if self.done {
            return false;
        }
        self.runs += 1;
        // Relaxed: a flag between main and the handlers on one core (see `super::flagged`).
        if STOP.load(Ordering::Relaxed) {
            self.done = !self.side.held || self.side.push();
            return false;
        }
        if !may_work() {
            self.throttled += 1;
            return false;
        }
        true
    }

    /// One push or pop.
    fn op(&mut self, push: bool) {
        if push {
            self.side.push();
        } else {
            self.side.pop();
        }
        // Relaxed: a count that only paces the handlers; a read-modify-write because
        // SysTick may add to it between PendSV's load and store.
        SINCE_MAIN.fetch_add(1, Ordering::Relaxed);
    }

    /// Records what the interrupted contexts were doing, `main_op` and `pendsv_op` as loaded
    /// on entry (call only after a run that did stack operations).
    fn landed(&mut self, main_op: u8, pendsv_op: u8) {
        for (op, counts) in [
            (main_op, &mut self.in_main),
            (pendsv_op, &mut self.in_pendsv),
        ] {
            if op != IDLE {
                counts[usize::from(op == POP)] += 1;
            }
        }
        self.nested += usize::from(main_op != IDLE && pendsv_op != IDLE);
    }

    /// SysTick's run: 0–3 pushes and 0–3 pops, interleaved.
    fn tick(&mut self, main_op: u8, pendsv_op: u8) {
        if !self.start() {
            return;
        }
        let roll = self.rng.below(16);
        let (pushes, pops) = (roll % 4, roll / 4);
        for i in 0..pushes.max(pops) {
            if i < pushes {
                self.op(true);
            }
            if i < pops {
                self.op(false);
            }
        }
        if pushes + pops > 0 {
            self.landed(main_op, pendsv_op);
        }
    }

    /// PendSV's run: pushes or pops until [`PENDSV_TICKS`] ticks have gone by.
    fn burst(&mut self, main_op: u8) {
        if !self.start() {
            return;
        }
        // Relaxed (both loads): a clock only; SysTick's writes on this core are in order.
        let until = TICKS.load(Ordering::Relaxed) + PENDSV_TICKS;
        let mut ops = 0;
        while TICKS.load(Ordering::Relaxed) < until && ops < MAX_PENDSV_OPS && may_work() {
            let push = self.rng.below(2) == 0;
            self.op(push);
            ops += 1;
        }
        if ops > 0 {
            self.landed(main_op, IDLE);
        }
    }
}

/// Whether main has waited less than [`MAIN_PAUSE_BUDGET`] handler operations.
fn may_work() -> bool {
    // Relaxed: see `Isr::op`.
    SINCE_MAIN.load(Ordering::Relaxed) < MAIN_PAUSE_BUDGET
}

/// The SysTick handler's part while the stack race runs (dispatched by `main.rs`).
pub(crate) fn on_tick() {
    // Relaxed (all): flags and a clock on one core (see `super::flagged`); the stack
    // operations carry their own ordering.
    let main_op = MAIN_OP.load(Ordering::Relaxed);
    let pendsv_op = PENDSV_OP.load(Ordering::Relaxed);
    let ticks = TICKS.fetch_add(1, Ordering::Relaxed) + 1;
    interrupt::free(|cs| {
        SYSTICK_STATE
            .borrow(cs)
            .borrow_mut()
            .tick(main_op, pendsv_op);
    });
    // Relaxed (both): only this handler touches `LAST_PEND`.
    if main_op != IDLE && ticks >= LAST_PEND.load(Ordering::Relaxed) + PENDSV_EVERY {
        LAST_PEND.store(ticks, Ordering::Relaxed);
        SCB::set_pendsv();
    }
}

#[exception]
fn PendSV() {
    // Relaxed: as in `on_tick`.
    let main_op = MAIN_OP.load(Ordering::Relaxed);
    // Work on a copy with interrupts enabled, so SysTick preempts the operations: only this
    // handler writes its state, and main reads it only between runs.
    let mut state = interrupt::free(|cs| *PENDSV_STATE.borrow(cs).borrow());
    state.burst(main_op);
    interrupt::free(|cs| *PENDSV_STATE.borrow(cs).borrow_mut() = state);
}

/// Copies of PendSV's and SysTick's states (interrupts masked while copying).
pub(crate) fn handlers() -> [Isr; 2] {
    interrupt::free(|cs| {
        [
            *PENDSV_STATE.borrow(cs).borrow(),
            *SYSTICK_STATE.borrow(cs).borrow(),
        ]
    })
}

/// Puts PendSV below SysTick (numerically higher is lower priority; Armv6-M keeps the top
/// two bits, so these values work on every Cortex-M).
pub(crate) fn prepare(scb: &mut SCB) {
    // SAFETY: the firmware has no priority-based critical sections (BASEPRI): its critical
    // sections mask every interrupt with PRIMASK, which priorities do not affect.
    unsafe { scb.set_priority(SystemHandler::PendSV, 0xc0) };
    // SAFETY: as above.
    unsafe { scb.set_priority(SystemHandler::SysTick, 0x40) };
}
