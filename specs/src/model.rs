//! Sequential specifications.
//!
//! A [`Model`] is a plain sequential data structure whose behaviour defines what a concurrent
//! structure must look like when its operations are observed one at a time: the conformance
//! suites compare single-threaded runs against it, and the [linearizability
//! checker](crate::linearizability) searches for an order of a concurrent history that the model
//! accepts.
//!
//! Every model is a small wrapper around a std collection (`BTreeMap`, `BTreeSet`, `VecDeque`,
//! `Vec`) with an operation enum (`*Op`) and a return enum (`*Ret`); the docs of each `*Op`
//! variant state which `*Ret` variant it produces.
//!
//! Models are `Hash + Eq` so that the checker can memoize (linearized set, state) pairs, as in
//! Lowe's improvement of the Wing & Gong search (see [`crate::linearizability`]).

use std::{fmt::Debug, hash::Hash};

mod map;
mod queue;
mod register;
mod set;
mod stack;

pub use self::{
    map::{MapModel, MapOp, MapRet},
    queue::{QueueModel, QueueOp, QueueRet},
    register::{RegisterModel, RegisterOp, RegisterRet},
    set::{SetModel, SetOp, SetRet},
    stack::{StackModel, StackOp, StackRet},
};

/// A sequential specification: a state, and operations that change it and return a value.
///
/// `apply` must be deterministic: the same state and operation always give the same return value
/// and the same next state. The checker relies on this, and on `Hash`/`Eq` describing the
/// observable state exactly (two states that compare equal must answer every future sequence of
/// operations alike), to prune states it has already explored.
pub trait Model: Clone + Eq + Hash + Debug {
    /// An operation, with its arguments.
    type Op: Clone + Debug;
    /// What an operation returns.
    type Ret: Clone + Debug + PartialEq;

    /// Applies `op` to the state and returns its result.
    fn apply(&mut self, op: &Self::Op) -> Self::Ret;

    /// Applies every operation in order and collects the results.
    fn run<'a, I>(&mut self, ops: I) -> Vec<Self::Ret>
    where
        I: IntoIterator<Item = &'a Self::Op>,
        Self::Op: 'a,
    {
        ops.into_iter().map(|op| self.apply(op)).collect()
    }
}

/// A model whose point operations each touch a single key, so that a history can be checked
/// key by key (P-compositionality; Horn & Kroening, "Faster linearizability checking via
/// P-compositionality", FORTE 2015).
///
/// The requirement is that for every operation with `partition(op) == Some(k)`, the return value
/// and the effect depend only on the part of the state that belongs to `k`, and the effect
/// changes nothing outside it. Operations that span keys (`len`, `first`, range queries) return
/// `None`; a history containing one is checked as a whole.
pub trait Partitioned: Model {
    /// The partition key.
    type Key: Ord + Clone + Debug;

    /// The key `op` touches, or `None` if it spans keys.
    fn partition(op: &Self::Op) -> Option<Self::Key>;

    /// The part of `self` that belongs to `key`, as a model of its own (for a map: the map
    /// restricted to that key).
    #[must_use]
    fn project(&self, key: &Self::Key) -> Self;
}

/// Element requirements shared by all models: values are compared, hashed, ordered (for the
/// ordered models) and printed in failure reports.
pub trait Element: Clone + Ord + Hash + Debug {}

impl<T: Clone + Ord + Hash + Debug> Element for T {}
