//! Firmware for `cargo xtask embedded`: the tier-0 crates on an emulated Cortex-M, racing a
//! SysTick interrupt.
//!
//! It depends on the facade with `default-features = false`, which proves that a user crate
//! gets the no_std, no-alloc family on these targets. Under `qemu-system-arm` (runners in
//! `.cargo/config.toml`) it
//! 1. checks what `ccol::arch` reports for the target ([`platform`]);
//! 2. parses a fixed list of `CCOL_*` overrides with the pure no_std `Config::apply_env`;
//! 3. races SysTick on a cache-padded counter and on a table of tagged pointers ([`race`]);
//! 4. checks the static stack's word layout and LIFO order, then races SysTick and PendSV
//!    (two priority levels) on a `static` [`ccol::StaticStack`] ([`stack_race`]);
//! 5. checks the static queue's FIFO order, full and empty, then passes a numbered sequence
//!    through a `static` [`ccol_queues::StaticQueue`] from SysTick to main, then from main to
//!    SysTick ([`queue_race`]);
//! 6. prints `PASS ...` with the numbers and exits with semihosting `EXIT_SUCCESS`, or prints
//!    each failed check and exits with `EXIT_FAILURE` (a panic exits with failure too).
//!
//! The firmware's own atomics come from the family's sync facade (`ccol_atomics::sync`), as
//! `.clippy.toml` requires. On thumbv6m (no compare-and-swap) the `portable-atomic` feature
//! routes every atomic, the family's and ours, through portable-atomic's critical sections,
//! implemented by cortex-m for a single core.
#![no_std]
#![no_main]

mod platform;
mod queue_race;
mod race;
mod stack_race;

use ccol_atomics::sync::atomic::{AtomicU8, Ordering, compiler_fence};
use cortex_m::peripheral::{Peripherals, SYST, syst::SystClkSource};
use cortex_m_rt::{entry, exception};
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;

/// SysTick period in core cycles: often enough to land between a load and its CAS many
/// times during the run, rare enough that the main loop makes progress.
const SYSTICK_RELOAD: u32 = 4_000;

/// [`PHASE`] values: which race the SysTick handler serves.
const IDLE: u8 = 0;
const RACE: u8 = 1;
const STACK_RACE: u8 = 2;
const QUEUE_TO_MAIN: u8 = 3;
const QUEUE_FROM_MAIN: u8 = 4;
/// The race SysTick currently serves; set by main while SysTick is off.
static PHASE: AtomicU8 = AtomicU8::new(IDLE);

#[exception]
fn SysTick() {
    // Relaxed: main writes the phase only while SysTick is off (`with_systick`), and on one
    // core a handler sees main's earlier writes.
    match PHASE.load(Ordering::Relaxed) {
        RACE => race::on_tick(),
        STACK_RACE => stack_race::on_tick(),
        QUEUE_TO_MAIN => queue_race::on_tick_produce(),
        QUEUE_FROM_MAIN => queue_race::on_tick_consume(),
        _ => {}
    }
}

/// Runs `run` with SysTick firing every `reload` core cycles for `phase`.
fn with_systick<R>(syst: &mut SYST, phase: u8, reload: u32, run: impl FnOnce() -> R) -> R {
    // Relaxed: SysTick is off; see the handler.
    PHASE.store(phase, Ordering::Relaxed);
    // SeqCst compiler fence: the phase store stays before the register writes that start
    // SysTick (single core: no other thread's order to join).
    compiler_fence(Ordering::SeqCst);
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(reload);
    syst.clear_current();
    syst.enable_counter();
    syst.enable_interrupt();
    let result = run();
    syst.disable_interrupt();
    syst.disable_counter();
    result
}

/// Records failed checks; the firmware fails if any did.
#[derive(Debug, Default)]
pub(crate) struct Checks {
    failed: u32,
}

impl Checks {
    /// Counts `ok == false` as a failure and prints `what`.
    pub(crate) fn check(&mut self, ok: bool, what: &str) {
        if !ok {
            self.failed += 1;
            hprintln!("FAIL: {}", what);
        }
    }
}

#[entry]
fn main() -> ! {
    let mut checks = Checks::default();
    platform::check_arch(&mut checks);
    platform::check_config(&mut checks);

    let Some(peripherals) = Peripherals::take() else {
        hprintln!("FAIL: core peripherals already taken");
        debug::exit(debug::EXIT_FAILURE);
        #[allow(clippy::empty_loop, reason = "unreachable: semihosting exit ends QEMU")]
        loop {}
    };
    let mut syst = peripherals.SYST;
    let mut scb = peripherals.SCB;
    race::prepare();
    let outcome = with_systick(&mut syst, RACE, SYSTICK_RELOAD, race::run);
    let outcome = race::finish(outcome);
    race::check(&outcome, &mut checks);

    stack_race::check_layout(&mut checks);
    stack_race::check_sequential(&mut checks);
    stack_race::prepare(&mut scb);
    let stack = with_systick(
        &mut syst,
        STACK_RACE,
        stack_race::SYSTICK_RELOAD,
        stack_race::run,
    );
    stack_race::check(&stack, &mut checks);

    queue_race::check_sequential(&mut checks);
    let mut queue = queue_race::Outcome::default();
    queue.set_to_main(with_systick(
        &mut syst,
        QUEUE_TO_MAIN,
        queue_race::SYSTICK_RELOAD,
        queue_race::run_to_main,
    ));
    queue.set_from_main(with_systick(
        &mut syst,
        QUEUE_FROM_MAIN,
        queue_race::SYSTICK_RELOAD,
        queue_race::run_from_main,
    ));
    queue_race::check(&queue, &mut checks);

    if checks.failed == 0 {
        hprintln!(
            "PASS ccol on {}: counter {} = main {} + ticks {} ({} CAS retries); slots {} = main {} + isr {}; cache line {}; {}; {}",
            ccol::arch::Arch::CURRENT,
            outcome.counter,
            outcome.main_increments,
            outcome.ticks,
            outcome.cas_retries,
            race::SLOTS,
            outcome.main_claims,
            outcome.isr_claims,
            ccol::arch::CACHE_LINE_SIZE,
            stack,
            queue
        );
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        hprintln!("{}", stack);
        hprintln!("{}", queue);
        hprintln!("FAILED: {} checks", checks.failed);
        debug::exit(debug::EXIT_FAILURE);
    }
    #[allow(clippy::empty_loop, reason = "unreachable: semihosting exit ends QEMU")]
    loop {}
}
