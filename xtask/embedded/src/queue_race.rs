//! Main and SysTick passing numbered values through one `static` [`ccol_queues::StaticQueue`]
//! (the facade's `ccol::StaticQueue`, taken from the crate itself without default features).
//!
//! **Sequential.** [`check_sequential`] fills and empties the queue with SysTick off, starting
//! once at each of the rings' positions: [`CAPACITY`] values fit, one more is handed back
//! as [`PushError::Full`] with the very value offered, and the values come out first-in
//! first-out.
//!
//! **Race.** Two runs on the same queue, one per direction:
//! - *SysTick → main*: the handler is the producer. Each tick it offers 0–3 values of the
//!   sequence `0, 1, 2, …` ([`TOTAL`] of them); main pops.
//! - *main → SysTick*: main is the producer and the handler pops 0–3 values a tick.
//!
//! A push that finds the queue full counts as a rejection and keeps its value; the producer
//! offers that same value again at its next turn (the next tick for the handler), so the
//! sequence enters the queue with no value skipped or repeated. With one producer and one
//! consumer a correct queue must therefore deliver exactly `0, 1, …, TOTAL - 1` in that order:
//! the consumer compares every value with the one it expects, so a lost value, a duplicate or
//! a reordering each shows up as a mismatch, and the count received must be `TOTAL`.
//!
//! Main alternates between an *eager* phase (an operation after every other, back to back)
//! and a *paced* phase (one operation per tick, after a random delay). The pace is below the
//! handler's average of 1.5 operations a tick, so in the first direction the queue fills up
//! while main is paced (SysTick's pushes are rejected) and runs empty while main is eager;
//! in the second, main's eager pushes fill it and the handler's pops empty it while main is
//! paced. Main switches to paced when its eager operation fails (empty, full) and back when
//! the handler's fails. The random delays move main's operations around the tick, so ticks
//! land inside main's pops and pushes: main raises [`MAIN_BUSY`] around each call, and the
//! handler counts the runs that did queue operations inside one.
//!
//! **Required**, per direction: all [`TOTAL`] values offered and received, in order; no push
//! rejected for any reason but full, and every rejection handing back the value offered; the
//! producer rejected at least once and the consumer finding the queue empty at least once;
//! at least one tick that did queue operations inside one of main's; the queue empty at the
//! end. After both, exactly [`CAPACITY`] values fit again (no cell leaked).

use core::{cell::RefCell, fmt};

use ccol_atomics::sync::atomic::{AtomicBool, AtomicUsize, Ordering, compiler_fence};
use ccol_queues::{PushError, StaticQueue};
use cortex_m::interrupt::{self, Mutex};

use crate::{Checks, race::Xorshift};

/// Cells in the queue: small, so that full and empty both come up all the time.
pub(crate) const CAPACITY: usize = 8;
/// Values passed in each direction.
const TOTAL: u32 = 8_192;
/// SysTick period in core cycles during this race (as the stack race's).
pub(crate) const SYSTICK_RELOAD: u32 = 1_000;
/// A direction gives up after this many ticks (the handler averages 1.5 operations a tick,
/// so a correct run needs fewer than `TOTAL` ticks).
const MAX_TICKS: usize = 4 * TOTAL as usize;
/// Main's paced operations wait up to this many no-ops after the tick.
const JITTER: usize = 256;
/// Main gives up waiting for a tick after this many spins (SysTick died).
const MAX_SPINS: usize = 1_000_000;
/// Empty pops or full pushes an eager main makes before it switches to paced.
const EAGER_FAILURES: usize = 4;
/// Most queue operations one tick does (it does 0 to this many, evenly).
const MAX_PER_TICK: usize = 3;

/// The queue both directions share (it starts the second one where the first left it).
static QUEUE: StaticQueue<u32, CAPACITY> = StaticQueue::new();
/// Set while main is inside a push or pop of [`QUEUE`].
static MAIN_BUSY: AtomicBool = AtomicBool::new(false);
/// SysTick runs during this race (main paces itself with them).
static TICKS: AtomicUsize = AtomicUsize::new(0);
/// The handler's state; main copies it with interrupts masked.
static STATE: Mutex<RefCell<Isr>> = Mutex::new(RefCell::new(Isr::new()));

/// The sending side: the sequence `0..TOTAL`, one value at a time.
#[derive(Debug, Default, Clone, Copy)]
struct Producer {
    /// The value to offer next (again, if its last push was rejected).
    next: u32,
    /// Pushes rejected as full (each value re-offered later).
    full: usize,
    /// Pushes rejected for another reason (a bounded queue is never closed).
    other_rejections: usize,
    /// Rejections that handed back a value other than the one offered.
    wrong_returns: usize,
}

impl Producer {
    const fn new() -> Self {
        Self {
            next: 0,
            full: 0,
            other_rejections: 0,
            wrong_returns: 0,
        }
    }

    /// Whether the whole sequence is in the queue.
    fn done(&self) -> bool {
        self.next == TOTAL
    }

    /// Offers the next value (again, if it was rejected); `true` if it went in.
    fn offer(&mut self, by_main: bool) -> bool {
        let value = self.next;
        match busy(by_main, || QUEUE.push(value)) {
            Ok(()) => {
                self.next += 1;
                true
            }
            Err(error) => {
                if let PushError::Full(_) = error {
                    self.full += 1;
                } else {
                    self.other_rejections += 1;
                }
                self.wrong_returns += usize::from(error.into_inner() != value);
                false
            }
        }
    }
}

/// The receiving side: checks each value against the sequence.
#[derive(Debug, Default, Clone, Copy)]
struct Consumer {
    /// The value that should come out next.
    expected: u32,
    /// Values popped.
    received: u32,
    /// Pops that found the queue empty.
    empty: usize,
    /// Values other than the expected one: lost, duplicated or reordered values.
    mismatches: usize,
}

impl Consumer {
    const fn new() -> Self {
        Self {
            expected: 0,
            received: 0,
            empty: 0,
            mismatches: 0,
        }
    }

    /// Pops one value and checks it; `false` if the queue was empty.
    fn take(&mut self, by_main: bool) -> bool {
        let Some(value) = busy(by_main, || QUEUE.pop()) else {
            self.empty += 1;
            return false;
        };
        self.received += 1;
        self.mismatches += usize::from(value != self.expected);
        // Resynchronize on the value seen, so one fault counts once.
        self.expected = value.wrapping_add(1);
        true
    }
}

/// Runs `op`, with [`MAIN_BUSY`] raised around it if `by_main`.
fn busy<R>(by_main: bool, op: impl FnOnce() -> R) -> R {
    if !by_main {
        return op();
    }
    // Relaxed (both stores): only the SysTick handler reads the flag, on this core, and the
    // compiler fences keep the stores on their side of the operation.
    MAIN_BUSY.store(true, Ordering::Relaxed);
    // SeqCst compiler fence: none of `op`'s accesses moves above the store (one core, so
    // there is no other thread's order to join).
    compiler_fence(Ordering::SeqCst);
    let result = op();
    // SeqCst compiler fence: and none moves below the reset.
    compiler_fence(Ordering::SeqCst);
    MAIN_BUSY.store(false, Ordering::Relaxed);
    result
}

/// Ticks so far. Relaxed: a clock only; the handler's writes on this core are in order.
fn ticks() -> usize {
    TICKS.load(Ordering::Relaxed)
}

/// Waits for the next tick, then a random number of no-ops; `false` if no tick came.
fn wait_for_tick(rng: &mut Xorshift) -> bool {
    let start = ticks();
    let mut spins = 0;
    while ticks() == start {
        if spins == MAX_SPINS {
            return false;
        }
        cortex_m::asm::nop();
        spins += 1;
    }
    for _ in 0..rng.below(JITTER) {
        cortex_m::asm::nop();
    }
    true
}

/// The SysTick handler's side of both directions.
#[derive(Debug, Clone, Copy)]
struct Isr {
    rng: Xorshift,
    /// Its sequence in SysTick → main.
    producer: Producer,
    /// Its checks in main → SysTick.
    consumer: Consumer,
    /// Runs that pushed while main was inside a pop (SysTick → main).
    in_main_pushes: usize,
    /// Runs that popped while main was inside a push (main → SysTick).
    in_main_pops: usize,
}

impl Isr {
    const fn new() -> Self {
        Self {
            rng: Xorshift::new(0x27d4_eb2f),
            producer: Producer::new(),
            consumer: Consumer::new(),
            in_main_pushes: 0,
            in_main_pops: 0,
        }
    }

    /// Offers up to [`MAX_PER_TICK`] values, stopping at the first rejection: the rejected
    /// value stays the producer's next and is offered first at the next tick.
    fn produce(&mut self, main_busy: bool) {
        let mut pushed = false;
        for _ in 0..self.rng.below(MAX_PER_TICK + 1) {
            if self.producer.done() || !self.producer.offer(false) {
                break;
            }
            pushed = true;
        }
        self.in_main_pushes += usize::from(pushed && main_busy);
    }

    /// Pops up to [`MAX_PER_TICK`] values, stopping when the queue is empty.
    fn consume(&mut self, main_busy: bool) {
        let mut popped = false;
        for _ in 0..self.rng.below(MAX_PER_TICK + 1) {
            if !self.consumer.take(false) {
                break;
            }
            popped = true;
        }
        self.in_main_pops += usize::from(popped && main_busy);
    }
}

/// One tick: counts it, then runs `work` on the handler's state, telling it whether the
/// tick landed inside one of main's queue operations. Interrupts stay masked while it works:
/// SysTick is the only handler, so that changes nothing for the queue, and main's copies of
/// the state stay consistent.
fn tick(work: impl FnOnce(&mut Isr, bool)) {
    // Relaxed: the flag is main's, raised and lowered on this core around its operations
    // (compiler fences there), and an interrupt sees the interrupted code's earlier stores.
    let main_busy = MAIN_BUSY.load(Ordering::Relaxed);
    // Relaxed: a clock that only paces main.
    TICKS.fetch_add(1, Ordering::Relaxed);
    interrupt::free(|cs| work(&mut STATE.borrow(cs).borrow_mut(), main_busy));
}

/// The SysTick handler's part in SysTick -> main (dispatched by `main.rs`).
pub(crate) fn on_tick_produce() {
    tick(Isr::produce);
}

/// The SysTick handler's part in main -> SysTick (dispatched by `main.rs`).
pub(crate) fn on_tick_consume() {
    tick(Isr::consume);
}

/// A copy of the handler's state (interrupts masked while copying).
fn handler() -> Isr {
    interrupt::free(|cs| *STATE.borrow(cs).borrow())
}

/// One direction's results.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Direction {
    producer: Producer,
    consumer: Consumer,
    /// Ticks during the run.
    ticks: usize,
    /// Handler runs that did queue operations while main was inside one.
    in_main: usize,
    /// Main's switches between eager and paced.
    phases: usize,
    /// Main's operations.
    main_ops: usize,
    /// The queue was empty once SysTick stopped.
    empty_after: bool,
}

/// The race's results.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    /// SysTick produced, main consumed.
    to_main: Direction,
    /// Main produced, SysTick consumed.
    from_main: Direction,
}

impl Outcome {
    /// Records the first direction (call with SysTick off).
    pub(crate) fn set_to_main(&mut self, main: Direction) {
        self.to_main = finish(main, true);
    }

    /// Records the second direction (call with SysTick off).
    pub(crate) fn set_from_main(&mut self, main: Direction) {
        self.from_main = finish(main, false);
    }
}

/// Completes main's side of a direction with the handler's and the queue's final state.
fn finish(mut direction: Direction, handler_produced: bool) -> Direction {
    let isr = handler();
    if handler_produced {
        direction.producer = isr.producer;
    } else {
        direction.consumer = isr.consumer;
    }
    direction.in_main = if handler_produced {
        isr.in_main_pushes
    } else {
        isr.in_main_pops
    };
    direction.ticks = ticks();
    direction.empty_after = QUEUE.pop().is_none() && QUEUE.is_empty();
    // Relaxed: SysTick is off, so nothing reads the clock until the next direction.
    TICKS.store(0, Ordering::Relaxed);
    direction
}

/// Main's side of SysTick → main (module docs): pops until it has received [`TOTAL`] values
/// or the handler ran out of ticks.
pub(crate) fn run_to_main() -> Direction {
    let mut direction = Direction::default();
    let consumer = &mut direction.consumer;
    let mut rng = Xorshift::new(0x85eb_ca6b);
    let (mut eager, mut failures, mut rejected_before) = (true, 0, 0);
    while consumer.received < TOTAL && ticks() < MAX_TICKS {
        if !eager && !wait_for_tick(&mut rng) {
            break;
        }
        direction.main_ops += 1;
        let got = consumer.take(true);
        if eager {
            failures += usize::from(!got);
            if failures == EAGER_FAILURES {
                (eager, failures) = (false, 0);
                direction.phases += 1;
                rejected_before = handler().producer.full;
            }
        } else if handler().producer.full > rejected_before {
            eager = true;
            direction.phases += 1;
        }
    }
    direction
}

/// Main's side of main → SysTick (module docs): pushes the sequence, then waits until the
/// handler has received it all or ran out of ticks.
pub(crate) fn run_from_main() -> Direction {
    let mut direction = Direction::default();
    let producer = &mut direction.producer;
    let mut rng = Xorshift::new(0xc2b2_ae35);
    let (mut eager, mut failures, mut empty_before) = (true, 0, 0);
    while !producer.done() && ticks() < MAX_TICKS {
        if !eager && !wait_for_tick(&mut rng) {
            break;
        }
        direction.main_ops += 1;
        let went_in = producer.offer(true);
        if eager {
            failures += usize::from(!went_in);
            if failures == EAGER_FAILURES {
                (eager, failures) = (false, 0);
                direction.phases += 1;
                empty_before = handler().consumer.empty;
            }
        } else if handler().consumer.empty > empty_before {
            eager = true;
            direction.phases += 1;
        }
    }
    while handler().consumer.received < producer.next && ticks() < MAX_TICKS {
        if !wait_for_tick(&mut rng) {
            break;
        }
    }
    direction
}

/// Fill and empty with SysTick off, from every ring position (module docs).
pub(crate) fn check_sequential(checks: &mut Checks) {
    checks.check(
        QUEUE.capacity() == CAPACITY && QUEUE.is_empty() && QUEUE.pop().is_none(),
        "the queue starts empty with capacity CAPACITY",
    );
    // Each round moves the rings on by one position (a push and a pop), then by CAPACITY
    // (the fill and its pops), so round `r` fills from position `r * (CAPACITY + 1) + 1`
    // modulo the 2 * CAPACITY slots: an odd step, so the rounds start at every slot once
    // and most fills cross the end of the rings.
    let mut value = 0_u32;
    for _ in 0..2 * CAPACITY {
        let moved = QUEUE.push(value).is_ok() && QUEUE.pop() == Some(value);
        checks.check(
            moved,
            "a push and a pop on the empty queue return the value",
        );
        let first = value;
        let mut pushed = 0;
        for _ in 0..CAPACITY {
            pushed += usize::from(QUEUE.push(value).is_ok());
            value += 1;
        }
        checks.check(pushed == CAPACITY, "CAPACITY pushes fit");
        checks.check(
            QUEUE.len() == CAPACITY && QUEUE.is_full(),
            "len is CAPACITY and is_full when full",
        );
        checks.check(
            QUEUE.push(value) == Err(PushError::Full(value)),
            "a push on the full queue hands its value back as Full",
        );
        let fifo = (first..value).all(|expected| QUEUE.pop() == Some(expected));
        checks.check(fifo, "pops return the values first-in first-out");
        checks.check(
            QUEUE.pop().is_none() && QUEUE.is_empty(),
            "the queue is empty again",
        );
    }
}

/// One direction's invariants (module docs); `name` labels its failures.
fn check_direction(direction: &Direction, name: &str, checks: &mut Checks) {
    let (producer, consumer) = (&direction.producer, &direction.consumer);
    let mut check = |ok: bool, what: &str| {
        if !ok {
            cortex_m_semihosting::hprintln!("in {}:", name);
        }
        checks.check(ok, what);
    };
    check(producer.done(), "the producer got all TOTAL values in");
    check(
        consumer.received == TOTAL && consumer.mismatches == 0 && consumer.expected == TOTAL,
        "the consumer received 0..TOTAL, each exactly once, in order",
    );
    check(
        producer.other_rejections == 0 && producer.wrong_returns == 0,
        "every rejected push was Full and handed back the value offered",
    );
    check(direction.empty_after, "the queue is empty at the end");
    check(
        producer.full > 0 && consumer.empty > 0,
        "the producer found the queue full, the consumer found it empty",
    );
    check(
        direction.in_main > 0,
        "SysTick ran queue operations inside one of main's",
    );
}

/// The invariants of both directions, then a refill (module docs).
pub(crate) fn check(outcome: &Outcome, checks: &mut Checks) {
    check_direction(&outcome.to_main, "SysTick -> main", checks);
    check_direction(&outcome.from_main, "main -> SysTick", checks);
    let mut refill = 0;
    for value in 0..CAPACITY as u32 {
        refill += usize::from(QUEUE.push(value).is_ok());
    }
    checks.check(
        refill == CAPACITY && QUEUE.push(0).is_err(),
        "after the race exactly CAPACITY values fit again (no cell leaked)",
    );
    let fifo = (0..CAPACITY as u32).all(|expected| QUEUE.pop() == Some(expected));
    checks.check(fifo && QUEUE.is_empty(), "the refill comes out in order");
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} of {} values received ({} out of sequence), {} full (re-offered), {} empty, \
             {} ticks ({} inside a main op), main ops {} in {} phases",
            self.consumer.received,
            self.producer.next,
            self.consumer.mismatches,
            self.producer.full,
            self.consumer.empty,
            self.ticks,
            self.in_main,
            self.main_ops,
            self.phases
        )
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "StaticQueue<u32, {CAPACITY}>: SysTick->main {}; main->SysTick {}",
            self.to_main, self.from_main
        )
    }
}
