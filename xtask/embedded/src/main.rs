//! Firmware for `cargo xtask embedded`: the tier-0 crates on an emulated Cortex-M, racing a
//! SysTick interrupt.
//!
//! It depends on the facade with `default-features = false`, which proves that a user crate
//! gets the no_std, no-alloc family on these targets. Under `qemu-system-arm` (runners in
//! `.cargo/config.toml`) it
//! 1. checks what `ccol::arch` reports for the target ([`platform`]);
//! 2. parses a fixed list of `CCOL_*` overrides with the pure no_std `Config::apply_env`;
//! 3. races SysTick on a cache-padded counter and on a table of tagged pointers ([`race`]);
//! 4. prints `PASS ...` with the numbers and exits with semihosting `EXIT_SUCCESS`, or prints
//!    each failed check and exits with `EXIT_FAILURE` (a panic exits with failure too).
//!
//! The firmware's own atomics come from the family's sync facade (`ccol_atomics::sync`), as
//! `.clippy.toml` requires. On thumbv6m (no compare-and-swap) the `portable-atomic` feature
//! routes every atomic, the family's and ours, through portable-atomic's critical sections,
//! implemented by cortex-m for a single core.
#![no_std]
#![no_main]

mod platform;
mod race;

use cortex_m::peripheral::{Peripherals, syst::SystClkSource};
use cortex_m_rt::entry;
use cortex_m_semihosting::{debug, hprintln};
use panic_semihosting as _;

/// SysTick period in core cycles: often enough to land between a load and its CAS many
/// times during the run, rare enough that the main loop makes progress.
const SYSTICK_RELOAD: u32 = 4_000;

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
    race::prepare();
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(SYSTICK_RELOAD);
    syst.clear_current();
    syst.enable_counter();
    syst.enable_interrupt();
    let outcome = race::run();
    syst.disable_interrupt();
    syst.disable_counter();
    let outcome = race::finish(outcome);
    race::check(&outcome, &mut checks);

    if checks.failed == 0 {
        hprintln!(
            "PASS ccol on {}: counter {} = main {} + ticks {} ({} CAS retries); slots {} = main {} + isr {}; cache line {}",
            ccol::arch::Arch::CURRENT,
            outcome.counter,
            outcome.main_increments,
            outcome.ticks,
            outcome.cas_retries,
            race::SLOTS,
            outcome.main_claims,
            outcome.isr_claims,
            ccol::arch::CACHE_LINE_SIZE
        );
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        hprintln!("FAILED: {} checks", checks.failed);
        debug::exit(debug::EXIT_FAILURE);
    }
    #[allow(clippy::empty_loop, reason = "unreachable: semihosting exit ends QEMU")]
    loop {}
}
