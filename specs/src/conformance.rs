//! Conformance suites: one shared test suite per kind of structure, run by every
//! implementation from its own tests.
//!
//! A structure joins a suite by implementing a small adapter trait
//! ([`QueueUnderTest`], [`StackUnderTest`], [`MapUnderTest`] and its extensions
//! [`OrderedMapUnderTest`], [`ConditionalMapUnderTest`]) on a newtype in its test file (the
//! newtype is needed because both the trait and the structure are foreign there). Then:
//!
//! - `check_*_conformance` runs proptest-generated operation sequences on one thread and
//!   compares every result with the [model](crate::model); a failure reports the shrunk,
//!   minimal sequence;
//! - `check_*_linearizable` runs [`Config::rounds`] concurrent workloads through the
//!   [recorder](crate::recorder) and checks each history with the
//!   [checker](crate::linearizability) (per key for the point operations of maps; whole-object
//!   for the ordered and spanning operations, so keep [`Config::keys`] small there). A map
//!   that documents `pop_first` or `pop_last` as weaker than linearizable runs the ordered
//!   suite without it ([`check_ordered_map_linearizable_with`], [`OrderedOps`]).
//!
//! Every runner returns `Result<(), ConformanceError>`; tests call `.unwrap()` or assert on it
//! (a suite can be shown to catch a broken implementation without `#[should_panic]`).
//! Integer items are `u64`; queue and stack pushes in concurrent runs carry unique values so
//! that duplicates and losses are visible.
//!
//! # Example
//!
//! ```
//! use std::{collections::VecDeque, sync::Mutex};
//!
//! use ccol_specs::conformance::{self, Config, QueueUnderTest};
//!
//! struct Locked(Mutex<VecDeque<u64>>);
//!
//! impl QueueUnderTest for Locked {
//!     fn push(&self, value: u64) -> Result<(), u64> {
//!         self.0.lock().unwrap().push_back(value);
//!         Ok(())
//!     }
//!     fn pop(&self) -> Option<u64> {
//!         self.0.lock().unwrap().pop_front()
//!     }
//! }
//!
//! let config = Config { cases: 16, rounds: 2, ..Config::default() };
//! let make = |_capacity| Locked(Mutex::new(VecDeque::new()));
//! conformance::check_queue_conformance(&config, make).unwrap();
//! conformance::check_queue_linearizable(&config, make).unwrap();
//! ```

use std::fmt;

use crate::linearizability::Checker;

mod engine;
mod map;
mod queue;

pub use self::{
    map::{
        ConditionalMapUnderTest, MapUnderTest, OrderedMapUnderTest, OrderedOps,
        check_conditional_map_conformance, check_conditional_map_linearizable,
        check_map_conformance, check_map_linearizable, check_ordered_map_conformance,
        check_ordered_map_linearizable, check_ordered_map_linearizable_with,
    },
    queue::{
        ClosableQueueUnderTest, QueueUnderTest, StackUnderTest, check_closable_queue_conformance,
        check_closable_queue_linearizable, check_queue_conformance, check_queue_linearizable,
        check_stack_conformance, check_stack_linearizable,
    },
};

/// Sizes of the suites. `Default` is scaled down under Miri.
#[derive(Clone, Debug)]
pub struct Config {
    /// Sequential suites: the number of generated operation sequences.
    pub cases: u32,
    /// Sequential suites: the maximum length of a sequence.
    pub max_ops: usize,
    /// Concurrent suites: threads per run.
    pub threads: usize,
    /// Concurrent suites: operations per thread per run.
    pub ops_per_thread: usize,
    /// Concurrent suites: the number of runs (histories) checked.
    pub rounds: u32,
    /// Map suites: keys are drawn from `0..keys`.
    pub keys: u64,
    /// Concurrent suites: the workload seed (round `r` uses `seed + r`).
    pub seed: u64,
    /// Concurrent suites: the checker and its budget.
    pub checker: Checker,
}

impl Default for Config {
    fn default() -> Self {
        if cfg!(miri) {
            Self {
                cases: 4,
                max_ops: 12,
                threads: 2,
                ops_per_thread: 6,
                rounds: 1,
                keys: 4,
                seed: 0,
                checker: Checker::new(),
            }
        } else {
            // Short concurrent histories, many of them: queue and stack checks grow
            // exponentially with the number of overlapping operations (see the
            // `linearizability` module docs), and short runs overlap as much as long ones.
            Self {
                cases: 128,
                max_ops: 64,
                threads: 4,
                ops_per_thread: 12,
                rounds: 24,
                keys: 6,
                seed: 0,
                checker: Checker::new(),
            }
        }
    }
}

/// What went wrong in a suite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// A sequential run disagreed with the model.
    Sequential,
    /// A concurrent history is not linearizable.
    NotLinearizable,
    /// The checker's budget ran out on a concurrent history.
    Inconclusive,
}

/// A suite failure, with a report meant to be printed by the failing test.
#[derive(Clone, Debug)]
pub struct ConformanceError {
    suite: &'static str,
    kind: FailureKind,
    report: String,
}

impl ConformanceError {
    pub(crate) fn new(suite: &'static str, kind: FailureKind, report: String) -> Self {
        Self {
            suite,
            kind,
            report,
        }
    }

    /// The suite that failed (e.g. `"queue conformance"`).
    #[must_use]
    pub fn suite(&self) -> &'static str {
        self.suite
    }

    /// What kind of failure it was.
    #[must_use]
    pub fn kind(&self) -> FailureKind {
        self.kind
    }

    /// The detailed report (minimal failing sequence, or the checker's explanation).
    #[must_use]
    pub fn report(&self) -> &str {
        &self.report
    }
}

impl fmt::Display for ConformanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} failed ({:?}):\n{}",
            self.suite, self.kind, self.report
        )
    }
}

impl std::error::Error for ConformanceError {}
