#![cfg(not(ccol_loom))]
//! The ccol-specs stack suites: sequential conformance against the LIFO model (proptest
//! sequences, one thread) and linearizability of recorded 4-thread histories (the default
//! `Config`: many short rounds), for `LockFreeStack` under both schemes with elimination on,
//! forced (one slot, a tiny spin budget) and off, and for `StaticStack`.

extern crate alloc;

use ccol_specs::conformance::{
    Config, StackUnderTest, check_stack_conformance, check_stack_linearizable,
};
use ccol_stack::StaticStack;

/// Runs a suite and prints its report on failure.
#[track_caller]
fn pass(result: Result<(), ccol_specs::conformance::ConformanceError>) {
    if let Err(err) = result {
        panic!("{err}");
    }
}

#[cfg(all(feature = "std", feature = "ibr", feature = "debra"))]
mod lock_free {
    use ccol_reclaim::{Debra, Ibr, Reclaim};
    use ccol_specs::conformance::{
        Config, StackUnderTest, check_stack_conformance, check_stack_linearizable,
    };
    use ccol_stack::{Elimination, LockFreeStack};

    use super::pass;

    /// The adapter: an unbounded stack (the capacity hint is ignored).
    struct Lf<R: Reclaim>(LockFreeStack<u64, R>);

    impl<R: Reclaim> StackUnderTest for Lf<R> {
        fn push(&self, value: u64) -> Result<(), u64> {
            self.0.push(value);
            Ok(())
        }

        fn pop(&self) -> Option<u64> {
            self.0.pop()
        }
    }

    /// One slot and a spin budget of 2: every failed CAS visits the same slot, so pushes and
    /// pops that collide meet there as often as the scheduling allows.
    fn forced() -> Elimination {
        Elimination::new()
            .slots(1)
            .spin_budget(2)
            .trigger_after_failures(1)
    }

    fn make<R: Reclaim>(elimination: Elimination) -> impl Fn(usize) -> Lf<R> {
        move |_hint| Lf(LockFreeStack::with_elimination(elimination))
    }

    fn sequential<R: Reclaim>(elimination: Elimination) {
        pass(check_stack_conformance(
            &Config::default(),
            make::<R>(elimination),
        ));
    }

    fn linearizable<R: Reclaim>(elimination: Elimination) {
        let config = Config::default();
        assert!(cfg!(miri) || (config.threads == 4 && config.rounds >= 16));
        pass(check_stack_linearizable(&config, make::<R>(elimination)));
    }

    #[test]
    fn ibr_sequential_elimination_default() {
        sequential::<Ibr>(Elimination::new());
    }

    #[test]
    fn ibr_sequential_elimination_forced() {
        sequential::<Ibr>(forced());
    }

    #[test]
    fn ibr_sequential_elimination_off() {
        sequential::<Ibr>(Elimination::disabled());
    }

    #[test]
    fn debra_sequential_elimination_default() {
        sequential::<Debra>(Elimination::new());
    }

    #[test]
    fn debra_sequential_elimination_forced() {
        sequential::<Debra>(forced());
    }

    #[test]
    fn debra_sequential_elimination_off() {
        sequential::<Debra>(Elimination::disabled());
    }

    #[test]
    fn ibr_linearizable_elimination_default() {
        linearizable::<Ibr>(Elimination::new());
    }

    #[test]
    fn ibr_linearizable_elimination_forced() {
        linearizable::<Ibr>(forced());
    }

    #[test]
    fn ibr_linearizable_elimination_off() {
        linearizable::<Ibr>(Elimination::disabled());
    }

    #[test]
    fn debra_linearizable_elimination_default() {
        linearizable::<Debra>(Elimination::new());
    }

    #[test]
    fn debra_linearizable_elimination_forced() {
        linearizable::<Debra>(forced());
    }

    #[test]
    fn debra_linearizable_elimination_off() {
        linearizable::<Debra>(Elimination::disabled());
    }

    /// Eight times the default rounds (twice under Miri), on other seeds, with the exchange
    /// forced: the histories are cheap to check, and an exchange bug shows only in some
    /// interleavings.
    fn linearizable_more_rounds<R: Reclaim>(seed: u64) {
        let default = Config::default();
        let factor = if cfg!(miri) { 2 } else { 8 };
        let config = Config {
            rounds: default.rounds * factor,
            seed,
            ..default
        };
        pass(check_stack_linearizable(&config, make::<R>(forced())));
    }

    #[test]
    fn ibr_linearizable_elimination_forced_more_rounds() {
        linearizable_more_rounds::<Ibr>(1_000);
    }

    #[test]
    fn debra_linearizable_elimination_forced_more_rounds() {
        linearizable_more_rounds::<Debra>(2_000);
    }
}

/// What the `StaticStack` adapter needs of a `StaticStack<u64, N>` whatever its `N`.
trait Bounded: Sync {
    fn push(&self, value: u64) -> Result<(), u64>;
    fn pop(&self) -> Option<u64>;
    fn capacity(&self) -> usize;
}

impl<const N: usize> Bounded for StaticStack<u64, N> {
    fn push(&self, value: u64) -> Result<(), u64> {
        StaticStack::push(self, value)
    }

    fn pop(&self) -> Option<u64> {
        StaticStack::pop(self)
    }

    fn capacity(&self) -> usize {
        StaticStack::capacity(self)
    }
}

/// The adapter: a `StaticStack` whose `N` is the suite's capacity hint, chosen at run time.
struct Static(Box<dyn Bounded>);

impl Static {
    /// A stack of capacity `hint` (the sequential suite's hints are `1..=8`).
    fn with_capacity(hint: usize) -> Self {
        let stack: Box<dyn Bounded> = match hint {
            1 => Box::new(StaticStack::<u64, 1>::new()),
            2 => Box::new(StaticStack::<u64, 2>::new()),
            3 => Box::new(StaticStack::<u64, 3>::new()),
            4 => Box::new(StaticStack::<u64, 4>::new()),
            5 => Box::new(StaticStack::<u64, 5>::new()),
            6 => Box::new(StaticStack::<u64, 6>::new()),
            7 => Box::new(StaticStack::<u64, 7>::new()),
            8 => Box::new(StaticStack::<u64, 8>::new()),
            other => panic!("capacity hint {other} outside 1..=8"),
        };
        assert_eq!(stack.capacity(), hint);
        Self(stack)
    }
}

impl StackUnderTest for Static {
    fn push(&self, value: u64) -> Result<(), u64> {
        self.0.push(value)
    }

    fn pop(&self) -> Option<u64> {
        self.0.pop()
    }

    fn capacity(&self) -> Option<usize> {
        Some(self.0.capacity())
    }
}

#[test]
fn static_sequential_with_capacity_of_the_hint() {
    pass(check_stack_conformance(
        &Config::default(),
        Static::with_capacity,
    ));
}

/// More nodes than a round has pushes, so "full" never occurs: the documented transit
/// window (a push may report full while fewer than `N` values are visible) is not part of
/// the sequential model.
const ROOMY: usize = 64;

#[test]
fn static_linearizable_never_full() {
    let config = Config::default();
    assert!(config.threads * config.ops_per_thread <= ROOMY);
    pass(check_stack_linearizable(&config, |_hint| {
        Static(Box::new(StaticStack::<u64, ROOMY>::new()))
    }));
}

/// The suite does catch a broken stack: a "stack" that pops the oldest value (a queue) fails
/// the sequential suite, so the passes above are not vacuous.
#[test]
fn the_sequential_suite_rejects_a_fifo() {
    struct Fifo(std::sync::Mutex<alloc::collections::VecDeque<u64>>);
    impl StackUnderTest for Fifo {
        fn push(&self, value: u64) -> Result<(), u64> {
            self.0.lock().unwrap().push_back(value);
            Ok(())
        }
        fn pop(&self) -> Option<u64> {
            self.0.lock().unwrap().pop_front()
        }
    }
    let config = Config {
        cases: 32,
        ..Config::default()
    };
    let result = check_stack_conformance(&config, |_| Fifo(Default::default()));
    assert!(result.is_err(), "a FIFO passed the LIFO suite");
}
