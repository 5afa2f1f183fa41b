//! Failure reports: why a history is not linearizable, or why the check gave up.

use std::{fmt, time::Duration};

use super::search::Limit;
use crate::{
    history::{History, OpId, Operation},
    model::Model,
};

/// How many prefix operations a report prints (the last ones, nearest the failure).
const SHOWN_PREFIX: usize = 24;

/// An operation that could have been linearized right after the longest prefix.
#[derive(Clone, Debug)]
pub struct Candidate<M: Model> {
    id: OpId,
    operation: Operation<M>,
    model_ret: M::Ret,
}

impl<M: Model> Candidate<M> {
    /// The operation's id in the checked history.
    #[must_use]
    pub fn id(&self) -> OpId {
        self.id
    }

    /// The operation as recorded.
    #[must_use]
    pub fn operation(&self) -> &Operation<M> {
        &self.operation
    }

    /// What the model returns for it after the prefix.
    #[must_use]
    pub fn model_ret(&self) -> &M::Ret {
        &self.model_ret
    }

    /// Whether the recorded result agrees with the model (the operation fits there, but no
    /// continuation after it works).
    #[must_use]
    pub fn fits(&self) -> bool {
        self.operation.ret().is_none_or(|r| *r == self.model_ret)
    }
}

/// Evidence that a history is not linearizable: the longest linearizable prefix the search
/// found, the model state after it, and every operation that could come next with what the
/// model would return for it. Its `Display` is meant to be printed by a failing test.
#[derive(Clone, Debug)]
pub struct Violation<M: Model> {
    ops: usize,
    threads: usize,
    prefix: Vec<(OpId, Operation<M>)>,
    state: M,
    candidates: Vec<Candidate<M>>,
    partition: Option<String>,
}

impl<M: Model> Violation<M> {
    /// Builds the report for `history` from the longest prefix the search found. `ids` maps
    /// the history's operation ids to the ids the caller knows (per-key sub-histories).
    pub(super) fn new(history: &History<M>, initial: &M, prefix: &[OpId], ids: &[OpId]) -> Self {
        let ops = history.ops();
        let mut state = initial.clone();
        let mut placed = vec![false; ops.len()];
        for &id in prefix {
            state.apply(ops[id].op());
            placed[id] = true;
        }
        // An unplaced operation can come next unless another unplaced, completed operation
        // returned before it was invoked.
        let deadline = (0..ops.len())
            .filter(|&i| !placed[i])
            .filter_map(|i| ops[i].returned())
            .min();
        let candidates = (0..ops.len())
            .filter(|&i| !placed[i] && deadline.is_none_or(|d| ops[i].invoked() <= d))
            .map(|i| Candidate {
                id: ids[i],
                operation: ops[i].clone(),
                model_ret: state.clone().apply(ops[i].op()),
            })
            .collect();
        Self {
            ops: ops.len(),
            threads: history.thread_count(),
            prefix: prefix.iter().map(|&i| (ids[i], ops[i].clone())).collect(),
            state,
            candidates,
            partition: None,
        }
    }

    pub(super) fn in_partition(mut self, key: String) -> Self {
        self.partition = Some(key);
        self
    }

    /// The ids of the longest linearizable prefix found, in linearization order.
    #[must_use]
    pub fn prefix(&self) -> Vec<OpId> {
        self.prefix.iter().map(|p| p.0).collect()
    }

    /// The model state after that prefix.
    #[must_use]
    pub fn state(&self) -> &M {
        &self.state
    }

    /// The operations that could have been linearized next; none leads to a linearization.
    #[must_use]
    pub fn candidates(&self) -> &[Candidate<M>] {
        &self.candidates
    }

    /// For [`check_per_key`](super::Checker::check_per_key): the key (`Debug`-printed) whose
    /// sub-history failed.
    #[must_use]
    pub fn partition(&self) -> Option<&str> {
        self.partition.as_deref()
    }
}

impl<M: Model> fmt::Display for Violation<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "history is not linearizable")?;
        if let Some(key) = &self.partition {
            write!(f, " (sub-history of key {key})")?;
        }
        writeln!(f, ": {} operations over {} threads", self.ops, self.threads)?;
        writeln!(
            f,
            "longest linearizable prefix found: {} operations",
            self.prefix.len()
        )?;
        let skip = self.prefix.len().saturating_sub(SHOWN_PREFIX);
        if skip > 0 {
            writeln!(f, "  ... {skip} earlier operations")?;
        }
        for (id, op) in &self.prefix[skip..] {
            writeln!(f, "  #{id:<4} {op}")?;
        }
        writeln!(f, "model state after it: {:?}", self.state)?;
        writeln!(
            f,
            "operations that could come next (none leads to a linearization):"
        )?;
        for c in &self.candidates {
            if c.fits() {
                writeln!(
                    f,
                    "  #{:<4} {}: fits, but nothing can follow it",
                    c.id, c.operation
                )?;
            } else {
                writeln!(
                    f,
                    "  #{:<4} {}: the model returns {:?}",
                    c.id, c.operation, c.model_ret
                )?;
            }
        }
        Ok(())
    }
}

/// The check ran out of budget before deciding.
#[derive(Clone, Debug)]
pub struct Inconclusive {
    limit: Limit,
    steps: u64,
    elapsed: Duration,
    deepest: usize,
    ops: usize,
    partition: Option<String>,
}

impl Inconclusive {
    pub(super) fn new(
        limit: Limit,
        steps: u64,
        elapsed: Duration,
        deepest: usize,
        ops: usize,
    ) -> Self {
        Self {
            limit,
            steps,
            elapsed,
            deepest,
            ops,
            partition: None,
        }
    }

    pub(super) fn in_partition(mut self, key: String) -> Self {
        self.partition = Some(key);
        self
    }

    /// Which budget ran out.
    #[must_use]
    pub fn limit(&self) -> Limit {
        self.limit
    }

    /// Search steps taken.
    #[must_use]
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Time spent.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The length of the longest linearizable prefix met before giving up.
    #[must_use]
    pub fn deepest_prefix(&self) -> usize {
        self.deepest
    }
}

impl fmt::Display for Inconclusive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.limit {
            Limit::Steps => "step",
            Limit::Time => "time",
        };
        write!(
            f,
            "linearizability check inconclusive: {what} budget exhausted after {} steps ({:?}); \
             deepest linearizable prefix {} of {} operations",
            self.steps, self.elapsed, self.deepest, self.ops
        )?;
        if let Some(key) = &self.partition {
            write!(f, " (sub-history of key {key})")?;
        }
        Ok(())
    }
}

/// Why [`Checker::check`](super::Checker::check) did not return a linearization.
#[derive(Clone, Debug)]
pub enum CheckError<M: Model> {
    /// The history is not linearizable.
    Violation(Box<Violation<M>>),
    /// The budget ran out first.
    Inconclusive(Inconclusive),
}

impl<M: Model> CheckError<M> {
    /// Whether the history was proven not linearizable.
    #[must_use]
    pub fn is_violation(&self) -> bool {
        matches!(self, Self::Violation(_))
    }

    /// Whether the budget ran out.
    #[must_use]
    pub fn is_inconclusive(&self) -> bool {
        matches!(self, Self::Inconclusive(_))
    }

    /// The violation, if that is what this is.
    #[must_use]
    pub fn violation(&self) -> Option<&Violation<M>> {
        match self {
            Self::Violation(v) => Some(v),
            Self::Inconclusive(_) => None,
        }
    }
}

impl<M: Model> fmt::Display for CheckError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Violation(v) => v.fmt(f),
            Self::Inconclusive(i) => i.fmt(f),
        }
    }
}

impl<M: Model> std::error::Error for CheckError<M> {}
