//! [`Elimination`]: how a [`LockFreeStack`](crate::LockFreeStack) backs off after a failed
//! compare-and-swap on its top.
//!
//! The knobs follow Hendler, Shavit and Yerushalmi, "A Scalable Lock-free Stack Algorithm"
//! (SPAA 2004) and the exchanger array of Herlihy and Shavit, *The Art of Multiprocessor
//! Programming*, ch. 11: a small array of exchange slots, a per-thread range of slots that
//! shrinks after timeouts and grows after collisions, and timeouts counted in spin iterations
//! so the same code runs without a clock.

/// Elimination backoff settings of a [`LockFreeStack`](crate::LockFreeStack).
///
/// Built with `const` methods, so a configuration can be a `const` or feed a `static` stack:
///
/// ```
/// use ccol_stack::Elimination;
///
/// const TUNED: Elimination = Elimination::new().slots(8).spin_budget(256);
/// assert!(TUNED.is_enabled());
/// assert_eq!(TUNED.slot_count(), 8);
/// assert!(!Elimination::disabled().is_enabled());
/// ```
///
/// # Defaults
///
/// On, [`DEFAULT_SLOTS`](Self::DEFAULT_SLOTS) slots, a budget of
/// [`DEFAULT_SPIN_BUDGET`](Self::DEFAULT_SPIN_BUDGET) spins, tried after
/// [`DEFAULT_TRIGGER`](Self::DEFAULT_TRIGGER) failed CAS in one operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Elimination {
    /// Whether failed operations visit the array at all.
    enabled: bool,
    /// Slots in the array: a power of two in `1..=MAX_SLOTS`.
    slots: u32,
    /// Spin iterations an offer waits for a partner before it withdraws.
    spin_budget: u32,
    /// Failed CAS on the top, within one operation, before the array is tried.
    trigger: u32,
}

impl Elimination {
    /// Default slot count: 4. HSY size the array near half the thread count; ranges start at
    /// one slot and grow only under collisions, so extra slots cost nothing until used.
    pub const DEFAULT_SLOTS: u32 = 4;
    /// Largest slot count: 64.
    pub const MAX_SLOTS: u32 = 64;
    /// Default spin budget: 16 spin hints. A hint's latency varies widely (x86 `PAUSE` takes
    /// from about 10 ns on older cores to 26 ns on recent Intel cores and about 100 ns on the
    /// AMD EPYC host the defaults were measured on), so this is 0.2 to 2 µs; HSY found
    /// sub-microsecond waits worthwhile. Budgets of 8, 16 and 64 measured alike on that host's
    /// `pairs` benchmark, so the default takes the short end to bound the time a timeout wastes.
    pub const DEFAULT_SPIN_BUDGET: u32 = 16;
    /// Default trigger: the second failed CAS of an operation sends it to the array (the first
    /// backs off in time). On the two-core host the defaults were measured on, a trigger of 2
    /// or 4 beat 1 by 5–25 % at 4 and 8 threads and matched it at 2 (`pairs`, IBR and DEBRA).
    pub const DEFAULT_TRIGGER: u32 = 2;

    /// Elimination on, with the defaults.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            enabled: true,
            slots: Self::DEFAULT_SLOTS,
            spin_budget: Self::DEFAULT_SPIN_BUDGET,
            trigger: Self::DEFAULT_TRIGGER,
        }
    }

    /// Elimination off: a failed CAS backs off in time (exponential spinning) instead.
    #[must_use]
    pub const fn disabled() -> Self {
        Self {
            enabled: false,
            ..Self::new()
        }
    }

    /// The same settings, with elimination switched on or off.
    #[must_use]
    pub const fn enabled(self, on: bool) -> Self {
        Self {
            enabled: on,
            ..self
        }
    }

    /// The same settings with `slots` exchange slots, rounded up to a power of two and
    /// clamped to `1..=`[`MAX_SLOTS`](Self::MAX_SLOTS).
    #[must_use]
    pub const fn slots(self, slots: u32) -> Self {
        let clamped = if slots == 0 {
            1
        } else if slots > Self::MAX_SLOTS {
            Self::MAX_SLOTS
        } else {
            slots
        };
        Self {
            slots: clamped.next_power_of_two(),
            ..self
        }
    }

    /// The same settings with a spin budget of `spins` pause hints per offer (at least 1).
    #[must_use]
    pub const fn spin_budget(self, spins: u32) -> Self {
        Self {
            spin_budget: if spins == 0 { 1 } else { spins },
            ..self
        }
    }

    /// The same settings, visiting the array after `failures` failed CAS within one
    /// operation (at least 1).
    #[must_use]
    pub const fn trigger_after_failures(self, failures: u32) -> Self {
        Self {
            trigger: if failures == 0 { 1 } else { failures },
            ..self
        }
    }

    /// Whether elimination is on.
    #[must_use]
    pub const fn is_enabled(&self) -> bool {
        self.enabled
    }

    /// The number of exchange slots (a power of two).
    #[must_use]
    pub const fn slot_count(&self) -> u32 {
        self.slots
    }

    /// The spin budget of one offer, in pause hints.
    #[must_use]
    pub const fn spin_budget_value(&self) -> u32 {
        self.spin_budget
    }

    /// Failed CAS within one operation before the array is tried.
    #[must_use]
    pub const fn trigger(&self) -> u32 {
        self.trigger
    }
}

impl Default for Elimination {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::Elimination;

    #[test]
    fn slots_round_up_and_clamp() {
        assert_eq!(Elimination::new().slots(0).slot_count(), 1);
        assert_eq!(Elimination::new().slots(3).slot_count(), 4);
        assert_eq!(Elimination::new().slots(64).slot_count(), 64);
        assert_eq!(Elimination::new().slots(1000).slot_count(), 64);
    }

    #[test]
    fn zero_budgets_become_one() {
        let e = Elimination::new().spin_budget(0).trigger_after_failures(0);
        assert_eq!(e.spin_budget_value(), 1);
        assert_eq!(e.trigger(), 1);
    }

    #[test]
    fn disabled_keeps_the_other_settings() {
        let e = Elimination::new().slots(16).enabled(false);
        assert!(!e.is_enabled());
        assert_eq!(e.slot_count(), 16);
        assert!(e.enabled(true).is_enabled());
    }
}
