//! Main, PendSV and SysTick on one `static` [`ccol::StaticStack`].
//!
//! **Layout.** On every Cortex-M target the stack's head words must be `u32`s split into a
//! 16-bit node index and a 16-bit ABA tag (no 64-bit atomics there): [`check_layout`] checks
//! `MAX_CAPACITY` and the size of the stack. [`check_sequential`] then checks LIFO order, the
//! full and empty answers and the value a full push hands back, with SysTick still off.
//!
//! **Race.** Three contexts push values of their own (value `v` belongs to context `v % 3`,
//! each counting up by three) and pop whatever is on top, on a stack of [`CAPACITY`] nodes:
//! - main alternates between filling (3 of 4 operations push) until one of its pushes finds
//!   the stack full, and draining (3 of 4 pop) until one of its pops finds it empty;
//! - SysTick, at the higher priority, pushes 0–3 values and pops 0–3 every tick, and pends
//!   PendSV at the first tick that finds main inside an operation, a few ticks after the
//!   last time ([`handlers`]);
//! - PendSV, at the lower priority, pushes or pops (even odds) until two more ticks have
//!   run, so SysTick preempts it in the middle of its operations while it has itself
//!   preempted main in the middle of one.
//!
//! That third level is what gives the ABA tag work to do. With one handler that nothing
//! preempts, the tag never matters: pops move the top node to the free list and pushes move
//! it back, so the order of the nodes (free list reversed, then stack) only changes through a
//! node main holds between its two steps, never while main sits between a load and its
//! compare-and-swap, and a head showing the same index again has the same successor. A
//! handler that holds a node while a higher one runs breaks that symmetry. On Armv7-M the
//! window that matters is one instruction wide (between the load of `next` and the LDREX),
//! which QEMU reaches only with `-icount` (see `.cargo/config.toml`).
//!
//! The handlers stop working once they have done [`MAIN_PAUSE_BUDGET`] operations since main
//! last completed one, so main is never held inside an operation for anywhere near the
//! 65 536 head updates that would bring a 16-bit tag round (the stack's documented bound).
//!
//! **Accounting.** A push that finds the stack full keeps its value and pushes that same
//! value next time, so each context's values enter the stack in order, none skipped. Each
//! value enters the [`LEDGER`] before its first push attempt and leaves it when popped: a pop
//! of a value not in the ledger saw a duplicate (or a value nobody pushed), and the ledger
//! overflows if values go missing (a correct stack never has more than [`LEDGER_SLOTS`]
//! values outstanding). At the end main stops both handlers (each first pushes a value it
//! still holds), pushes its own held value, drains the stack and checks that the ledger is
//! empty, that push and pop counts and value sums agree, and that all [`CAPACITY`] nodes can
//! be pushed again (none leaked).
//!
//! **Coverage**, all required to be nonzero: every context saw the stack full and empty and
//! popped values of the others; SysTick ran stack operations while main was inside a push,
//! inside a pop, while PendSV was inside a push and inside a pop, and while both were inside
//! one; PendSV ran while main was inside one (main and PendSV raise [`MAIN_OP`] and
//! [`PENDSV_OP`] around each call). The run goes on until that holds and the head word has
//! taken at least [`MIN_HEAD_OPS`] successful compare-and-swaps (so its 16-bit tag wraps at
//! least twice), or until [`MAX_TICKS`] or [`MAX_ITERATIONS`].

mod handlers;

use core::{cell::RefCell, fmt};

use ccol::StaticStack;
use ccol_atomics::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering, compiler_fence};
use cortex_m::interrupt::{self, Mutex};
use handlers::{Isr, handlers};
pub(crate) use handlers::{on_tick, prepare};

use crate::{Checks, race::Xorshift};

/// Nodes in the stack: small, so that both full and empty come up all the time.
pub(crate) const CAPACITY: usize = 8;
/// Successful pushes and pops (one compare-and-swap on the head each) to run at least: two
/// wraps of a 16-bit tag.
const MIN_HEAD_OPS: usize = 2 << 16;
/// SysTick period in core cycles during this race: shorter than the first race's, so that
/// the handlers' operations meet main's in more places.
pub(crate) const SYSTICK_RELOAD: u32 = 1_000;
/// SysTick runs to see at least.
const MIN_TICKS: usize = 20_000;
/// The race gives up after this many ticks (and fails its coverage checks).
const MAX_TICKS: usize = 5 * MIN_TICKS;
/// Or after this many of main's operations.
const MAX_ITERATIONS: usize = 50_000_000;
/// Main checks whether the run is done every this many operations.
const CHECK_EVERY: usize = 512;
/// Handler operations after which the handlers wait for main to complete one of its own.
const MAIN_PAUSE_BUDGET: usize = 1_024;
/// Ticks main waits for the handlers to stop, at most.
const MAX_STOP_TICKS: usize = 100;
/// Main's loop iterations while waiting for the handlers to stop, at most (if SysTick died).
const MAX_WAIT: usize = 1_000_000;

/// The contexts (a value's context is `value % 3`).
const MAIN: u32 = 0;
const PENDSV: u32 = 1;
const SYSTICK: u32 = 2;
const CONTEXTS: u32 = 3;

/// [`MAIN_OP`] and [`PENDSV_OP`] values.
const IDLE: u8 = 0;
const PUSH: u8 = 1;
const POP: u8 = 2;

/// Values a correct stack can have outstanding at once: one per node, and per context one
/// held for a retry (or being pushed) and one popped but not yet accounted for.
const LEDGER_SLOTS: usize = CAPACITY + 2 * CONTEXTS as usize;

/// The stack all three share.
static STACK: StaticStack<u32, CAPACITY> = StaticStack::new();
/// The values pushed (or about to be) and not yet popped.
static LEDGER: Mutex<RefCell<Ledger>> = Mutex::new(RefCell::new(Ledger::new()));
/// What main is doing on the stack right now: [`IDLE`], [`PUSH`] or [`POP`].
static MAIN_OP: AtomicU8 = AtomicU8::new(IDLE);
/// What PendSV is doing on the stack right now.
static PENDSV_OP: AtomicU8 = AtomicU8::new(IDLE);
/// Set by main to end the race: each handler pushes the value it holds, then stops.
static STOP: AtomicBool = AtomicBool::new(false);
/// SysTick runs during this race (PendSV times itself with it).
static TICKS: AtomicUsize = AtomicUsize::new(0);
/// Handler operations since main last completed one of its own.
static SINCE_MAIN: AtomicUsize = AtomicUsize::new(0);

/// A set of at most [`LEDGER_SLOTS`] values, in no order.
#[derive(Debug)]
struct Ledger {
    values: [u32; LEDGER_SLOTS],
    len: usize,
}

impl Ledger {
    const fn new() -> Self {
        Self {
            values: [0; LEDGER_SLOTS],
            len: 0,
        }
    }

    /// Adds `value`; `false` if the ledger is full.
    fn insert(&mut self, value: u32) -> bool {
        let Some(slot) = self.values.get_mut(self.len) else {
            return false;
        };
        *slot = value;
        self.len += 1;
        true
    }

    /// Removes `value`; `false` if it is not there.
    fn remove(&mut self, value: u32) -> bool {
        let Some(at) = self.values[..self.len].iter().position(|&v| v == value) else {
            return false;
        };
        self.len -= 1;
        self.values[at] = self.values[self.len];
        true
    }
}

/// Runs `f` on the ledger with interrupts masked (bookkeeping outside the stack's
/// operations, so it does not change how they interleave).
fn ledger<R>(f: impl FnOnce(&mut Ledger) -> R) -> R {
    interrupt::free(|cs| f(&mut LEDGER.borrow(cs).borrow_mut()))
}

/// What one context did.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Tally {
    /// Successful pushes.
    pub(crate) pushes: usize,
    /// Successful pops.
    pub(crate) pops: usize,
    /// Pushes that found the stack full.
    pub(crate) full: usize,
    /// Pops that found the stack empty.
    pub(crate) empty: usize,
    /// Popped values another context had pushed.
    pub(crate) popped_other: usize,
    /// Sum of the values pushed.
    pushed_sum: u64,
    /// Sum of the values popped.
    popped_sum: u64,
    /// Popped values not in the ledger: duplicates, or values nobody pushed.
    unknown_pops: usize,
    /// Values that found the ledger full: more outstanding than possible, so some were lost.
    overflows: usize,
    /// Full pushes that handed back a value other than the one given.
    wrong_returns: usize,
}

/// One context: its tally, its next value, and the flag it raises around operations.
#[derive(Debug, Clone, Copy)]
struct Side {
    tally: Tally,
    /// [`MAIN`], [`PENDSV`] or [`SYSTICK`].
    context: u32,
    /// The next value to push (the last one's plus three).
    next: u32,
    /// `next` is in the ledger and a push of it found the stack full: push it again.
    held: bool,
    /// Set to [`PUSH`] or [`POP`] during each operation, if the context has one.
    flag: Option<&'static AtomicU8>,
}

impl Side {
    const fn new(context: u32, flag: Option<&'static AtomicU8>) -> Self {
        Self {
            tally: Tally {
                pushes: 0,
                pops: 0,
                full: 0,
                empty: 0,
                popped_other: 0,
                pushed_sum: 0,
                popped_sum: 0,
                unknown_pops: 0,
                overflows: 0,
                wrong_returns: 0,
            },
            context,
            next: context,
            held: false,
            flag,
        }
    }

    /// Pushes the next value (or the held one again); `true` if it went in.
    fn push(&mut self) -> bool {
        let value = self.next;
        if !self.held {
            self.tally.overflows += usize::from(!ledger(|l| l.insert(value)));
            self.held = true;
        }
        match flagged(self.flag, PUSH, || STACK.push(value)) {
            Ok(()) => {
                self.tally.pushes += 1;
                self.tally.pushed_sum += u64::from(value);
                self.next += CONTEXTS;
                self.held = false;
                true
            }
            Err(back) => {
                self.tally.full += 1;
                self.tally.wrong_returns += usize::from(back != value);
                false
            }
        }
    }

    /// Pops one value and accounts for it; `false` if the stack was empty.
    fn pop(&mut self) -> bool {
        let Some(value) = flagged(self.flag, POP, || STACK.pop()) else {
            self.tally.empty += 1;
            return false;
        };
        self.tally.pops += 1;
        self.tally.popped_sum += u64::from(value);
        self.tally.popped_other += usize::from(value % CONTEXTS != self.context);
        self.tally.unknown_pops += usize::from(!ledger(|l| l.remove(value)));
        true
    }
}

/// Runs `op` with `flag` (if any) set to `what` during the call.
fn flagged<R>(flag: Option<&AtomicU8>, what: u8, op: impl FnOnce() -> R) -> R {
    let Some(flag) = flag else {
        return op();
    };
    // Relaxed (both stores): only higher-priority handlers read the flag, on this core; the
    // compiler fences keep the stores on their side of the operation, which is all a handler
    // interrupting this code needs to see them in program order.
    flag.store(what, Ordering::Relaxed);
    // SeqCst compiler fence: no memory access of `op` moves above the flag store (there is
    // no other thread whose order it could join).
    compiler_fence(Ordering::SeqCst);
    let result = op();
    // SeqCst compiler fence: and none moves below the flag's reset.
    compiler_fence(Ordering::SeqCst);
    flag.store(IDLE, Ordering::Relaxed);
    result
}

/// The race's results.
#[derive(Debug)]
pub(crate) struct Outcome {
    /// Main's side at the end, drain included.
    main: Tally,
    /// Main's side when the race stopped (its full and empty counts are the race's).
    main_race: Tally,
    /// PendSV at the end.
    pendsv: Isr,
    /// SysTick at the end.
    systick: Isr,
    /// Values left in the stack when the race stopped, popped by main afterwards.
    drained: usize,
    /// Main's switches between filling and draining.
    phases: usize,
    /// Main's loop iterations.
    iterations: usize,
    /// Both handlers stopped when asked.
    stopped: bool,
    /// Main still held a value it could not push after the handlers stopped.
    main_held: bool,
}

/// Successful compare-and-swaps on the stack's head: one per push and per pop.
fn head_ops(tallies: [&Tally; 3]) -> usize {
    tallies.iter().map(|t| t.pushes + t.pops).sum()
}

impl Outcome {
    fn tallies(&self) -> [&Tally; 3] {
        [&self.main, self.pendsv.tally(), self.systick.tally()]
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [main, pendsv, systick] = self.tallies();
        let race = &self.main_race;
        let head = head_ops(self.tallies());
        write!(
            f,
            "StaticStack<u32, {CAPACITY}> (16-bit index+tag), main/PendSV/SysTick: \
             pushed {}/{}/{} = popped {}/{}/{} + drain {}; full {}/{}/{}; empty {}/{}/{}; \
             popped others' {}/{}/{}; main ops {} in {} phases; PendSV runs {} ({} in a main op); \
             ticks {} (in main push/pop {}/{}, in PendSV push/pop {}/{}, in both {}); \
             throttled {}/{}; head CAS {} ({} tag wraps)",
            main.pushes,
            pendsv.pushes,
            systick.pushes,
            main.pops - self.drained,
            pendsv.pops,
            systick.pops,
            self.drained,
            race.full,
            pendsv.full,
            systick.full,
            race.empty,
            pendsv.empty,
            systick.empty,
            race.popped_other,
            pendsv.popped_other,
            systick.popped_other,
            self.iterations,
            self.phases,
            self.pendsv.runs,
            self.pendsv.in_main[0] + self.pendsv.in_main[1],
            self.systick.runs,
            self.systick.in_main[0],
            self.systick.in_main[1],
            self.systick.in_pendsv[0],
            self.systick.in_pendsv[1],
            self.systick.nested,
            self.pendsv.throttled,
            self.systick.throttled,
            head,
            head >> 16
        )
    }
}

/// Whether the race has done all it must (module docs), or ran out of ticks.
fn enough(main: &Tally) -> bool {
    let [pendsv, systick] = handlers();
    let tallies = [main, pendsv.tally(), systick.tally()];
    let coverage = tallies
        .iter()
        .flat_map(|t| [t.full, t.empty, t.popped_other])
        .chain(systick.in_main)
        .chain(systick.in_pendsv)
        .chain([systick.nested, pendsv.in_main[0] + pendsv.in_main[1]]);
    systick.runs >= MAX_TICKS
        || (head_ops(tallies) >= MIN_HEAD_OPS
            && systick.runs >= MIN_TICKS
            && coverage.into_iter().all(|count| count > 0))
}

/// Main's side of the race (module docs); call with SysTick running this race, after
/// [`prepare`].
pub(crate) fn run() -> Outcome {
    let mut main = Side::new(MAIN, Some(&MAIN_OP));
    let mut rng = Xorshift::new(0x9e37_79b9);
    let (mut filling, mut phases, mut iterations) = (true, 0, 0);
    while iterations < MAX_ITERATIONS {
        iterations += 1;
        let roll = rng.below(4);
        let push = if filling { roll != 0 } else { roll == 0 };
        if push {
            if !main.push() && filling {
                (filling, phases) = (false, phases + 1);
            }
        } else if !main.pop() && !filling {
            (filling, phases) = (true, phases + 1);
        }
        // Relaxed: paces the handlers only (see `handlers::may_work`).
        SINCE_MAIN.store(0, Ordering::Relaxed);
        if iterations % CHECK_EVERY == 0 && enough(&main.tally) {
            break;
        }
    }
    let main_race = main.tally;

    // Relaxed: the handlers only need to see it at some later run.
    STOP.store(true, Ordering::Relaxed);
    // Make room until both handlers have pushed what they hold and stopped.
    // Relaxed: a clock only (see `on_tick`).
    let stop_tick = TICKS.load(Ordering::Relaxed);
    let mut waits = 0;
    let stopped = loop {
        let [pendsv, systick] = handlers();
        let done = pendsv.done && systick.done;
        // Relaxed: as above.
        let ticks = TICKS.load(Ordering::Relaxed);
        if done || ticks > stop_tick + MAX_STOP_TICKS || waits == MAX_WAIT {
            break done;
        }
        main.pop();
        waits += 1;
    };
    // Then push main's held value, if any (a pop makes room: the handlers are done).
    for _ in 0..2 {
        if !main.held || main.push() {
            break;
        }
        main.pop();
    }
    // Drain: at most CAPACITY values can be left (more means the stack links a cycle).
    let pops_before = main.tally.pops;
    for _ in 0..=CAPACITY {
        if !main.pop() {
            break;
        }
    }
    let [pendsv, systick] = handlers();
    Outcome {
        main: main.tally,
        main_race,
        pendsv,
        systick,
        drained: main.tally.pops - pops_before,
        phases,
        iterations,
        stopped,
        main_held: main.held,
    }
}

/// The head words are a `u32` split 16 + 16 on this target (no 64-bit atomics).
pub(crate) fn check_layout(checks: &mut Checks) {
    checks.check(
        !cfg!(target_has_atomic = "64"),
        "Cortex-M has no 64-bit atomics",
    );
    checks.check(
        StaticStack::<u32, CAPACITY>::MAX_CAPACITY == (1 << 16) - 2,
        "StaticStack uses 16-bit indices (MAX_CAPACITY 65 534)",
    );
    checks.check(
        size_of::<StaticStack<u32, CAPACITY>>() == 3 * 4 + CAPACITY * (4 + 4),
        "StaticStack<u32, 8> is three u32 words and eight (u32 next, u32 value) nodes",
    );
}

/// LIFO order, full and empty on the shared stack, before the race (SysTick off).
pub(crate) fn check_sequential(checks: &mut Checks) {
    checks.check(
        STACK.capacity() == CAPACITY && STACK.is_empty(),
        "the stack starts empty with capacity CAPACITY",
    );
    checks.check(STACK.pop().is_none(), "pop on the new stack is None");
    // Twice: the first round takes never-used nodes, the second reuses them from the free list.
    for round in 0..2_u32 {
        let base = 1000 * (round + 1);
        let mut pushed = 0;
        for offset in 0..CAPACITY as u32 {
            pushed += usize::from(STACK.push(base + offset).is_ok());
        }
        checks.check(pushed == CAPACITY, "CAPACITY pushes fit");
        checks.check(STACK.len() == CAPACITY, "len is CAPACITY when full");
        checks.check(
            STACK.push(7) == Err(7),
            "a push on the full stack hands its value back",
        );
        let mut lifo = true;
        for offset in (0..CAPACITY as u32).rev() {
            lifo &= STACK.pop() == Some(base + offset);
        }
        checks.check(lifo, "pops return the values last-in first-out");
        checks.check(
            STACK.pop().is_none() && STACK.is_empty(),
            "the stack is empty again",
        );
    }
}

/// The invariants of the race (module docs).
pub(crate) fn check(outcome: &Outcome, checks: &mut Checks) {
    let tallies = outcome.tallies();
    let total = |count: fn(&Tally) -> usize| tallies.iter().map(|t| count(t)).sum::<usize>();
    let sum = |count: fn(&Tally) -> u64| tallies.iter().map(|t| count(t)).sum::<u64>();
    checks.check(outcome.stopped, "both handlers stopped when asked");
    checks.check(
        !outcome.main_held,
        "main pushed its held value once the handlers stopped",
    );
    checks.check(
        total(|t| t.unknown_pops) == 0,
        "no value was popped twice or popped without being pushed",
    );
    checks.check(
        total(|t| t.overflows) == 0,
        "never more values outstanding than nodes and contexts can hold (none lost)",
    );
    checks.check(
        total(|t| t.wrong_returns) == 0,
        "a full push hands back the value it was given",
    );
    checks.check(
        ledger(|l| l.len) == 0,
        "every pushed value was popped (none lost)",
    );
    checks.check(
        total(|t| t.pushes) == total(|t| t.pops),
        "pushes == pops after the drain",
    );
    checks.check(
        sum(|t| t.pushed_sum) == sum(|t| t.popped_sum),
        "the popped values add up to the pushed ones",
    );
    checks.check(
        outcome.drained <= CAPACITY && STACK.is_empty(),
        "the drain pops at most CAPACITY values and leaves the stack empty",
    );
    let mut refill = 0;
    for value in 0..CAPACITY as u32 {
        refill += usize::from(STACK.push(value).is_ok());
    }
    checks.check(
        refill == CAPACITY && STACK.push(0).is_err(),
        "after the race exactly CAPACITY values fit again (no node leaked)",
    );
    for _ in 0..=CAPACITY {
        STACK.pop();
    }

    let (race, pendsv, systick) = (&outcome.main_race, &outcome.pendsv, &outcome.systick);
    checks.check(
        head_ops(tallies) >= MIN_HEAD_OPS,
        "the head's 16-bit tag wrapped at least twice",
    );
    checks.check(
        systick.runs >= MIN_TICKS,
        "SysTick ran at least MIN_TICKS times",
    );
    let during = [race, pendsv.tally(), systick.tally()];
    checks.check(
        during.iter().all(|t| t.full > 0 && t.empty > 0),
        "main, PendSV and SysTick each found the stack full and empty",
    );
    checks.check(
        during.iter().all(|t| t.popped_other > 0),
        "each context popped values another pushed",
    );
    checks.check(
        systick.in_main.iter().all(|&n| n > 0),
        "SysTick ran stack operations inside main's push and inside main's pop",
    );
    checks.check(
        systick.in_pendsv.iter().all(|&n| n > 0) && systick.nested > 0,
        "SysTick ran stack operations inside PendSV's push and pop, and inside both levels",
    );
    checks.check(
        pendsv.in_main.iter().sum::<usize>() > 0,
        "PendSV ran stack operations inside a main operation",
    );
}
