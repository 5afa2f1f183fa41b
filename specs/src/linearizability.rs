//! A linearizability checker for concurrent histories.
//!
//! A history is *linearizable* (Herlihy & Wing, TOPLAS 1990) when its operations can be put in
//! one sequential order that (1) respects real time: if `a` returned before `b` was invoked,
//! `a` comes first; (2) includes every completed operation and any subset of the pending
//! ones; and (3) makes the sequential [`Model`] return exactly the recorded values.
//!
//! [`Checker::check`] decides this with the Wing & Gong backtracking search, made practical by
//! Lowe's memoization: a configuration (set of linearized operations, model state) is
//! explored at most once, so the work is bounded by the number of distinct configurations
//! rather than the number of orders. On a history recorded from threads, where only
//! operations in flight at the same time can be reordered, that is typically linear in its
//! length with a factor exponential in the thread count. The details are in the `search`
//! submodule's docs; the algorithm is the one behind Lowe's checker and the Porcupine Go
//! library, written here from the papers.
//!
//! [`Checker::check_per_key`] uses P-compositionality (Horn & Kroening, FORTE 2015): when all
//! operations are point operations on maps or sets, the history is linearizable iff each
//! key's sub-history is, which splits one hard search into many small ones.
//!
//! Every check runs under a budget ([`Checker::max_steps`], [`Checker::time_limit`]) and
//! returns [`CheckError::Inconclusive`] instead of running forever.
//!
//! # Cost, and how big a history to check
//!
//! The problem is NP-complete in general (Gibbons & Korach, SICOMP 1997), and the search
//! visits every reachable configuration in the worst case. What makes configurations multiply
//! is state that the history reveals only later: for a queue or a stack, every pair of
//! overlapping pushes whose order no pop has revealed yet doubles the states the search may
//! have to carry, and a wrong early guess costs the whole subtree below it. Maps checked per
//! key, registers, and histories with short, rarely overlapping operations stay near linear.
//! Measured on this project's machine (debug build, 2 cores):
//!
//! - 200-operation histories of a mutex-protected queue from 4 threads: about 1 ms to accept;
//!   a corrupted one is rejected in under 0.6 s;
//! - queue histories whose operations each overlap three neighbours on each side: under
//!   0.1 s at 80 operations; at five neighbours, seconds;
//! - 4 threads with long operations (tens of microseconds, threads oversubscribed): 60
//!   operations take milliseconds, 100 occasionally over a second, 400 may exhaust the default
//!   budget.
//!
//! So the queue and stack suites check many short histories (4 threads × about a dozen
//! operations) rather than one long one; per-key map checks can take hundreds of operations.
//!
//! # Example
//!
//! ```
//! use ccol_specs::{Checker, History, model::{QueueModel, QueueOp, QueueRet}};
//!
//! // t0 enqueues 1, t1 enqueues 2 strictly later, then t0 dequeues 2 first: not FIFO.
//! let mut h = History::<QueueModel<u8>>::new();
//! h.push_complete(0, 0, 1, QueueOp::Push(1), QueueRet::Pushed);
//! h.push_complete(1, 2, 3, QueueOp::Push(2), QueueRet::Pushed);
//! h.push_complete(0, 4, 5, QueueOp::Pop, QueueRet::Popped(Some(2)));
//! let err = Checker::new().check(&h, &QueueModel::new()).unwrap_err();
//! assert!(err.is_violation());
//! println!("{err}"); // the longest linearizable prefix and what the model expected next
//! ```

use std::{fmt, time::Duration};

use crate::{
    history::{History, OpId},
    model::{Model, Partitioned},
};

mod partition;
mod report;
mod search;

use self::search::{Budget, Outcome, search};
pub use self::{
    report::{Candidate, CheckError, Inconclusive, Violation},
    search::Limit,
};

/// Checks histories for linearizability, within a budget.
///
/// Progress: a sequential search on the calling thread; it always terminates, within its
/// budget when one is set (the default).
///
/// The default budget is 20 million search steps (about 7 s optimized on a 2-core x86-64
/// development machine, several times that in a debug build) and no time limit, so that the outcome does not depend on machine load;
/// typical recorded histories of a few hundred operations need a few thousand steps.
#[derive(Clone, Debug)]
pub struct Checker {
    max_steps: Option<u64>,
    time_limit: Option<Duration>,
}

impl Default for Checker {
    fn default() -> Self {
        Self::new()
    }
}

impl Checker {
    /// A checker with the default budget.
    #[must_use]
    pub fn new() -> Self {
        Self {
            max_steps: Some(20_000_000),
            time_limit: None,
        }
    }

    /// Sets the step budget (`None`: unlimited). A step is one visit of one event.
    #[must_use]
    pub fn max_steps(mut self, steps: Option<u64>) -> Self {
        self.max_steps = steps;
        self
    }

    /// Sets the wall-clock budget (`None`: unlimited).
    #[must_use]
    pub fn time_limit(mut self, limit: Option<Duration>) -> Self {
        self.time_limit = limit;
        self
    }

    /// Checks `history` against the model, starting from state `initial`.
    ///
    /// # Errors
    ///
    /// [`CheckError::Violation`] if no linearization exists, [`CheckError::Inconclusive`] if
    /// the budget ran out first.
    pub fn check<M: Model>(
        &self,
        history: &History<M>,
        initial: &M,
    ) -> Result<Linearization, CheckError<M>> {
        let mut budget = Budget::new(self.max_steps, self.time_limit);
        let ids: Vec<OpId> = (0..history.len()).collect();
        run(history, initial, &ids, &mut budget).map(|order| Linearization { order })
    }

    /// Checks a map or set history key by key (P-compositionality), then merges the per-key
    /// orders into one linearization of the whole history. If some operation spans keys
    /// ([`Partitioned::partition`] returns `None`), falls back to [`check`](Self::check). The
    /// budget covers all keys together.
    ///
    /// # Errors
    ///
    /// As [`check`](Self::check); the error names the key whose sub-history failed, and its
    /// operation ids are those of `history`.
    pub fn check_per_key<M: Partitioned>(
        &self,
        history: &History<M>,
        initial: &M,
    ) -> Result<Linearization, CheckError<M>> {
        let Some(parts) = partition::split(history) else {
            return self.check(history, initial);
        };
        let mut budget = Budget::new(self.max_steps, self.time_limit);
        let mut orders = Vec::with_capacity(parts.len());
        for (key, sub, ids) in parts {
            let name = format!("{key:?}");
            let order =
                run(&sub, &initial.project(&key), &ids, &mut budget).map_err(|e| match e {
                    CheckError::Violation(v) => {
                        CheckError::Violation(Box::new(v.in_partition(name)))
                    }
                    CheckError::Inconclusive(i) => CheckError::Inconclusive(i.in_partition(name)),
                })?;
            orders.push(order);
        }
        Ok(Linearization {
            order: partition::merge(history, orders),
        })
    }
}

/// Runs one search over `history` and maps its ids through `ids`.
fn run<M: Model>(
    history: &History<M>,
    initial: &M,
    ids: &[OpId],
    budget: &mut Budget,
) -> Result<Vec<OpId>, CheckError<M>> {
    match search(history, initial, budget) {
        Outcome::Found(order) => Ok(order.into_iter().map(|i| ids[i]).collect()),
        Outcome::Impossible(best) => Err(CheckError::Violation(Box::new(Violation::new(
            history, initial, &best, ids,
        )))),
        Outcome::OutOfBudget(limit, best) => Err(CheckError::Inconclusive(Inconclusive::new(
            limit,
            budget.steps,
            budget.start.elapsed(),
            best.len(),
            history.len(),
        ))),
    }
}

/// A witness: an order of the history's operations that the model accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Linearization {
    /// Every completed operation once, plus the pending ones that took effect.
    order: Vec<OpId>,
}

impl Linearization {
    /// The operations in linearization order. Pending operations that are absent were judged
    /// not to have taken effect.
    #[must_use]
    pub fn order(&self) -> &[OpId] {
        &self.order
    }

    /// Independently confirms that this order linearizes `history` from `initial`: every
    /// completed operation appears once, pending ones at most once, real-time order is
    /// respected and the model reproduces every recorded result. The checker's self-tests
    /// run this on every witness.
    ///
    /// # Errors
    ///
    /// A message describing the first problem found.
    pub fn validate<M: Model>(&self, history: &History<M>, initial: &M) -> Result<(), String> {
        let ops = history.ops();
        let mut seen = vec![false; ops.len()];
        let mut state = initial.clone();
        let mut latest_invocation = 0;
        for (pos, &id) in self.order.iter().enumerate() {
            let op = ops
                .get(id)
                .ok_or_else(|| format!("position {pos}: no operation #{id}"))?;
            if std::mem::replace(&mut seen[id], true) {
                return Err(format!("operation #{id} appears twice"));
            }
            if op.returned().is_some_and(|r| r < latest_invocation) {
                return Err(format!(
                    "#{id} ({op}) is placed after an operation invoked once it had returned"
                ));
            }
            latest_invocation = latest_invocation.max(op.invoked());
            let got = state.apply(op.op());
            if op.ret().is_some_and(|want| *want != got) {
                return Err(format!(
                    "#{id} ({op}): the model returns {got:?} at position {pos}"
                ));
            }
        }
        match (0..ops.len()).find(|&i| !seen[i] && !ops[i].is_pending()) {
            Some(missing) => Err(format!("completed operation #{missing} is missing")),
            None => Ok(()),
        }
    }

    /// Prints the witness with each operation's details.
    #[must_use]
    pub fn display<'a, M: Model>(&'a self, history: &'a History<M>) -> impl fmt::Display + 'a {
        DisplayWitness {
            order: &self.order,
            history,
        }
    }
}

struct DisplayWitness<'a, M: Model> {
    order: &'a [OpId],
    history: &'a History<M>,
}

impl<M: Model> fmt::Display for DisplayWitness<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for &id in self.order {
            match self.history.ops().get(id) {
                Some(op) => writeln!(f, "  #{id:<4} {op}")?,
                None => writeln!(f, "  #{id:<4} (not in this history)")?,
            }
        }
        Ok(())
    }
}
